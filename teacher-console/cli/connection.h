// How the `ardoise` command line talks to the console: the one place where
// its channel and per-call settings are made. The channel is TLS and trusts
// only the console's CA (common/transport.h); logging in (a token on every
// call) arrives here and nowhere else; the commands only see a stub and a
// prepared ClientContext.
//
// Thread safety: pure functions; the returned stub is thread-safe (gRPC).
#ifndef ARDOISE_TEACHER_CONSOLE_CLI_CONNECTION_H_
#define ARDOISE_TEACHER_CONSOLE_CLI_CONNECTION_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ardoise/v1/console.grpc.pb.h"
#include "grpcpp/grpcpp.h"

namespace ardoise::cli {

// How long one call may take, connection included.
inline constexpr absl::Duration kCallDeadline = absl::Seconds(10);

// A stub for the console at HOST:PORT whose certificate must be issued by
// `ca_pem` (the file named by `ca_path`, for messages). It does not connect
// yet: the first call does, and an unreachable console or one presenting
// another CA fails that call with UNAVAILABLE. INVALID_ARGUMENT when
// `ca_pem` is not a certificate.
absl::StatusOr<std::unique_ptr<v1::Console::StubInterface>> ConnectConsole(
    const std::string& address, const std::string& ca_pem,
    const std::string& ca_path);

// Sets what every call carries: the deadline and, when not empty, the
// login session's token as `authorization: Bearer TOKEN`.
void PrepareCall(grpc::ClientContext* context, const std::string& token = "");

// A failed call as the one line a person reads: the console's own message
// (it names the thing and the fix), or what went wrong on the way to it —
// for a refused certificate, how to trust the right CA.
absl::Status DescribeCallError(const grpc::Status& status,
                               const std::string& address);

}  // namespace ardoise::cli

#endif  // ARDOISE_TEACHER_CONSOLE_CLI_CONNECTION_H_
