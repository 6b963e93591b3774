// libFuzzer target for the console's handling of AgentLink messages: the
// real AgentStream (teacher-console/server/agent_stream.h) of an enrolled,
// attached device holding three pending messages, with the real Registry and
// Writer on a temporary SQLite database and a fake LinkHandle in place of the
// gRPC reactor.
//
// Input: a flags byte, then records of a 2-byte little-endian length and
// that many bytes, each decoded as a v1::AgentMessage (records that do not
// decode are skipped, as gRPC would refuse them). Flag bit 0 sends a valid
// Hello first, so mutations reach the handlers behind it. The sequence stops
// at the first message the stream rejects, as the reactor closes the stream
// there. After each input the device is detached and the Writer drained.
//
// Checks: no crash, leak or UB; a rejection is one of the statuses the
// contract names; the console never pushes more than
// 4 x kMaxQueuedPerStream messages in
// one input.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "ardoise/v1/agent_link.pb.h"
#include "common/version.h"
#include "teacher-console/server/agent_stream.h"
#include "teacher-console/server/one_device_console.h"
#include "teacher-console/server/registry.h"
#include "teacher-console/server/services.h"
#include "teacher-console/server/writer.h"

namespace ardoise {
namespace {

// One console with one enrolled device holding three pending messages,
// kept for the whole run.
OneDeviceConsole* MakeWorld() {
  auto world = MakeOneDeviceConsole(/*pending_commands=*/3);
  if (!world.ok()) std::abort();
  return world->release();
}

bool ExpectedRejection(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kNotFound:
      return !status.message().empty();
    default:
      return false;
  }
}

}  // namespace
}  // namespace ardoise

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ardoise;  // NOLINT: a C entry point
  static OneDeviceConsole* world = MakeWorld();
  if (size == 0) return 0;
  const uint8_t flags = data[0];
  std::vector<v1::AgentMessage> messages;
  if (flags & 1) {
    v1::AgentMessage hello;
    hello.mutable_hello()->set_protocol_version(kProtocolVersion);
    hello.mutable_hello()->set_agent_version("fuzz");
    messages.push_back(std::move(hello));
  }
  size_t at = 1;
  while (at + 2 <= size && messages.size() < 64) {
    const size_t length = data[at] | (static_cast<size_t>(data[at + 1]) << 8);
    at += 2;
    if (length > size - at) break;
    v1::AgentMessage message;
    if (message.ParseFromArray(data + at, static_cast<int>(length))) {
      messages.push_back(std::move(message));
    }
    at += length;
  }

  CapturingLink link;
  if (!world->registry->Attach(world->device_id, world->node_key, &link).ok()) {
    std::abort();  // the previous input did not detach
  }
  {
    AgentStream stream(world->context, world->device_id, "fuzz", &link);
    for (const v1::AgentMessage& message : messages) {
      absl::Status handled = stream.Handle(message);
      if (!handled.ok()) {
        if (!ExpectedRejection(handled)) std::abort();
        link.Close(handled);
        break;
      }
    }
  }
  world->registry->Detach(world->device_id, &link);
  // Lets every done callback of this input run before the next one.
  if (!DrainWriter(*world->writer).ok()) std::abort();
  if (link.pushed() > static_cast<int>(kMaxQueuedPerStream) * 4) std::abort();
  return 0;
}
