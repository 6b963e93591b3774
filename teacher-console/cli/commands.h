// The commands of the `ardoise` command line, one function each. A command
// takes a request already checked by requests.h, makes one call to the
// console and prints the answer as a table (format.h) or as JSON.
//
// Thread safety: a Session and the commands run on one thread.
#ifndef ARDOISE_TEACHER_CONSOLE_CLI_COMMANDS_H_
#define ARDOISE_TEACHER_CONSOLE_CLI_COMMANDS_H_

#include <functional>
#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ardoise/v1/console.grpc.pb.h"
#include "common/clock.h"
#include "teacher-console/cli/connection.h"

namespace ardoise::cli {

// kCsv: reports only (the app refuses it for other commands).
enum class OutputFormat { kTable, kJson, kCsv };

// What every command needs; the caller owns the pointees.
struct Session {
  v1::Console::StubInterface* console = nullptr;
  // HOST:PORT, for messages and for the enroll command line.
  std::string address;
  OutputFormat format = OutputFormat::kTable;
  std::ostream* out = nullptr;
  // For relative times ("12s ago").
  const Clock* clock = nullptr;
  // The login session's bearer token, sent with every call ("" = none).
  std::string token;
  // Where `login` saves the token and `logout` removes it.
  std::string token_path;
  // Reads the password for `login` ($ARDOISE_PASSWORD or a prompt).
  std::function<absl::StatusOr<std::string>()> read_password;
};

// Makes one call with the prepared context (connection.h) and turns a
// failure into the line a person reads.
template <typename Request, typename Response, typename Method>
absl::Status Call(Session& session, Method method, const Request& request,
                  Response* response) {
  grpc::ClientContext context;
  PrepareCall(&context, session.token);
  grpc::Status status =
      std::invoke(method, session.console, &context, request, response);
  if (!status.ok()) return DescribeCallError(status, session.address);
  return absl::OkStatus();
}

// Prints `response` as JSON, or as `table()` renders it.
absl::Status Print(Session& session, const google::protobuf::Message& response,
                   const std::function<std::string()>& table);

// Each returns the call's error as one readable line (connection.h), or an
// error printing the answer; OK once the answer is printed.
absl::Status CreateToken(Session& session,
                         const v1::CreateEnrollmentTokenRequest& request);
absl::Status ListDevices(Session& session,
                         const v1::ListDevicesRequest& request);
absl::Status ShowDevice(Session& session, const v1::GetDeviceRequest& request);
absl::Status RetireDevice(Session& session,
                          const v1::RetireDeviceRequest& request);
// `ardoise devices rekey DEVICE`: starts a node key rotation; the key goes to
// the device over its own stream, never through the CLI.
absl::Status RekeyDevice(Session& session,
                         const v1::RekeyDeviceRequest& request);
absl::Status SetLock(Session& session, const v1::SetLockRequest& request);
absl::Status SendMessage(Session& session,
                         const v1::SendMessageRequest& request);

}  // namespace ardoise::cli

#endif  // ARDOISE_TEACHER_CONSOLE_CLI_COMMANDS_H_
