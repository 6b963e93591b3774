#include "teacher-console/cli/connection.h"

#include <chrono>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/duration.h"
#include "common/grpc_status.h"
#include "common/transport.h"

namespace ardoise::cli {

absl::StatusOr<std::unique_ptr<v1::Console::StubInterface>> ConnectConsole(
    const std::string& address, const std::string& ca_pem,
    const std::string& ca_path) {
  ChannelOptions options;
  options.root_ca_pem = ca_pem;
  auto channel = MakeChannel(address, options);
  if (!channel.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(ca_path, " does not hold a CA certificate (",
                     channel.status().message(),
                     "): fetch it again with `ardoise trust "
                     "--console ",
                     address, "`"));
  }
  return std::unique_ptr<v1::Console::StubInterface>(
      v1::Console::NewStub(*channel));
}

void PrepareCall(grpc::ClientContext* context, const std::string& token) {
  context->set_deadline(std::chrono::system_clock::now() +
                        absl::ToChronoMilliseconds(kCallDeadline));
  if (!token.empty()) {
    context->AddMetadata("authorization", absl::StrCat("Bearer ", token));
  }
}

absl::Status DescribeCallError(const grpc::Status& status,
                               const std::string& address) {
  absl::Status error = FromGrpc(status);
  switch (error.code()) {
    case absl::StatusCode::kUnavailable: {
      std::string hint;
      if (absl::StrContains(absl::AsciiStrToLower(error.message()),
                            "handshake")) {
        hint = absl::StrCat(
            " (its certificate was refused: it is not issued by the CA this "
            "command trusts, or does not name ",
            address,
            "; if this is the right console, trust its CA with `ardoise trust "
            "--console ",
            address, "` or pass --ca FILE)");
      }
      return absl::Status(error.code(),
                          absl::StrCat("cannot reach the console at ", address,
                                       ": ", error.message(), hint));
    }
    case absl::StatusCode::kDeadlineExceeded:
      return absl::Status(
          error.code(),
          absl::StrCat("the console at ", address, " did not answer within ",
                       ardoise::FormatDuration(kCallDeadline)));
    default:
      return error;
  }
}

}  // namespace ardoise::cli
