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

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "ardoise/v1/agent_link.pb.h"
#include "common/clock.h"
#include "common/proto_time.h"
#include "common/version.h"
#include "teacher-console/server/agent_stream.h"
#include "teacher-console/server/registry.h"
#include "teacher-console/server/services.h"
#include "teacher-console/server/store.h"
#include "teacher-console/server/writer.h"

namespace ardoise {
namespace {

// Records what the console sends; stands in for the Connect reactor.
class FakeLink final : public LinkHandle {
 public:
  bool Push(v1::ConsoleMessage message) override {
    absl::MutexLock lock(&mu_);
    if (closed_) return false;  // as the reactor: dropped once closing
    if (++pushed_ > static_cast<int>(kMaxQueuedPerStream) * 4) std::abort();
    (void)message.ByteSizeLong();
    return false;  // "written" at once: nothing to flush
  }
  void Flush() override {}
  void Close(absl::Status status) override {
    absl::MutexLock lock(&mu_);
    (void)status;
    closed_ = true;
  }

 private:
  absl::Mutex mu_;
  int pushed_ ABSL_GUARDED_BY(mu_) = 0;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
};

// One console with one enrolled device, kept for the whole run.
struct World {
  std::string dir;
  std::unique_ptr<FakeClock> clock;
  std::unique_ptr<Registry> registry;
  std::unique_ptr<Writer> writer;
  ConsoleContext context;
  std::string device_id;
  std::string node_key;
};

World* MakeWorld() {
  auto* world = new World;
  char dir[] = "/tmp/ardoise-agent-link-fuzz-XXXXXX";
  if (mkdtemp(dir) == nullptr) std::abort();
  world->dir = dir;
  world->clock = std::make_unique<FakeClock>(absl::FromCivil(
      absl::CivilSecond(2026, 9, 7, 9, 0, 0), absl::UTCTimeZone()));
  auto db = OpenConsoleDatabase(world->dir, /*create=*/true);
  if (!db.ok()) std::abort();
  // Durability is not what is fuzzed: skip the fsyncs.
  if (!(*db)->Exec("PRAGMA synchronous=OFF").ok()) std::abort();
  const absl::Time now = world->clock->Now();
  auto token =
      CreateToken(**db, "jaures", "chariot", 1, absl::Hours(1), now, "fuzz");
  if (!token.ok()) std::abort();
  auto enrolled =
      EnrollDevice(**db, token->token, "tab-1", v1::DEVICE_KIND_TABLET, now);
  if (!enrolled.ok()) std::abort();
  world->device_id = enrolled->record.id;
  world->node_key = enrolled->node_key;
  // Pending messages, so acks and the Hello's resend reach real rows.
  v1::Command message;
  ToProto(now + absl::Hours(24 * 365), message.mutable_expires_at());
  message.mutable_show_message()->set_text("Rangez les tablettes");
  for (int i = 0; i < 3; ++i) {
    if (!StoreCommands(**db, {world->device_id}, message).ok()) std::abort();
  }
  auto devices = LoadDevices(**db);
  if (!devices.ok()) std::abort();
  world->registry = std::make_unique<Registry>(
      world->clock.get(), absl::Seconds(10),
      [](const DeviceRecord&) { return v1::EffectivePolicy(); });
  world->registry->Load(*std::move(devices));
  world->writer = Writer::Start(*std::move(db));
  world->context.clock = world->clock.get();
  world->context.writer = world->writer.get();
  world->context.registry = world->registry.get();
  return world;
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
  static World* world = MakeWorld();
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

  FakeLink link;
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
  if (!world->writer->Run([](Database&) { return absl::OkStatus(); }).ok()) {
    std::abort();
  }
  return 0;
}
