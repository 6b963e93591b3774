// The one place where absl::Status and grpc::Status meet (STYLE.md: grpc
// status only at the RPC edge). Codes map one to one; messages are kept.
// Thread safety: pure functions.
#ifndef ARDOISE_COMMON_GRPC_STATUS_H_
#define ARDOISE_COMMON_GRPC_STATUS_H_

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace ardoise {

grpc::Status ToGrpc(const absl::Status& status);
absl::Status FromGrpc(const grpc::Status& status);

}  // namespace ardoise

#endif  // ARDOISE_COMMON_GRPC_STATUS_H_
