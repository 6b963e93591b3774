#include "teacher-console/cli/connection.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "common/duration.h"
#include "common/grpc_status.h"
#include "common/transport.h"

namespace ardoise::cli {

std::unique_ptr<v1::Console::StubInterface> ConnectConsole(
    const std::string& address) {
  return v1::Console::NewStub(MakeChannel(address, ChannelOptions{}));
}

void PrepareCall(grpc::ClientContext* context) {
  context->set_deadline(std::chrono::system_clock::now() +
                        absl::ToChronoMilliseconds(kCallDeadline));
}

absl::Status DescribeCallError(const grpc::Status& status,
                               const std::string& address) {
  absl::Status error = FromGrpc(status);
  switch (error.code()) {
    case absl::StatusCode::kUnavailable:
      return absl::Status(error.code(),
                          absl::StrCat("cannot reach the console at ", address,
                                       ": ", error.message()));
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
