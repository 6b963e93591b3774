#include "teacher-console/server/one_device_console.h"

#include <stdlib.h>

#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/time/civil_time.h"
#include "common/proto_time.h"
#include "common/status_macros.h"
#include "teacher-console/server/store.h"

namespace ardoise {

OneDeviceConsole::~OneDeviceConsole() {
  writer.reset();
  registry.reset();
  if (!dir.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
}

absl::StatusOr<std::unique_ptr<OneDeviceConsole>> MakeOneDeviceConsole(
    int pending_commands, bool durable) {
  auto console = std::make_unique<OneDeviceConsole>();
  char dir[] = "/tmp/ardoise-one-device-XXXXXX";
  if (mkdtemp(dir) == nullptr) {
    return absl::InternalError("cannot create a temporary folder");
  }
  console->dir = dir;
  console->clock = std::make_unique<FakeClock>(absl::FromCivil(
      absl::CivilSecond(2026, 9, 7, 9, 0, 0), absl::UTCTimeZone()));
  ARDOISE_ASSIGN_OR_RETURN(std::unique_ptr<Database> db,
                           OpenConsoleDatabase(console->dir, /*create=*/true));
  if (!durable) ARDOISE_RETURN_IF_ERROR(db->Exec("PRAGMA synchronous=OFF"));
  const absl::Time now = console->clock->Now();
  ARDOISE_ASSIGN_OR_RETURN(
      auto token,
      CreateToken(*db, "jaures", "chariot", 1, absl::Hours(1), now, "test"));
  ARDOISE_ASSIGN_OR_RETURN(
      auto enrolled,
      EnrollDevice(*db, token.token, "tab-1", v1::DEVICE_KIND_TABLET, now));
  console->device_id = enrolled.record.id;
  console->node_key = enrolled.node_key;
  v1::Command message;
  ToProto(now + absl::Hours(24 * 365), message.mutable_expires_at());
  message.mutable_show_message()->set_text("Rangez les tablettes");
  for (int i = 0; i < pending_commands; ++i) {
    ARDOISE_RETURN_IF_ERROR(
        StoreCommands(*db, {console->device_id}, message).status());
  }
  ARDOISE_ASSIGN_OR_RETURN(auto devices, LoadDevices(*db));
  console->registry = std::make_unique<Registry>(
      console->clock.get(), absl::Seconds(10),
      [](const DeviceRecord&) { return v1::EffectivePolicy(); });
  console->registry->Load(std::move(devices));
  console->writer = Writer::Start(std::move(db));
  console->context.clock = console->clock.get();
  console->context.writer = console->writer.get();
  console->context.registry = console->registry.get();
  return console;
}

bool CapturingLink::Push(v1::ConsoleMessage message) {
  absl::MutexLock lock(&mu_);
  if (closed_) return false;  // as the reactor: dropped once closing
  ++pushed_;
  kept_.push_back(std::move(message));
  return false;
}

void CapturingLink::Close(absl::Status status) {
  (void)status;
  absl::MutexLock lock(&mu_);
  closed_ = true;
}

std::vector<v1::ConsoleMessage> CapturingLink::Take() {
  absl::MutexLock lock(&mu_);
  return std::exchange(kept_, {});
}

int CapturingLink::pushed() const {
  absl::MutexLock lock(&mu_);
  return pushed_;
}

absl::Status DrainWriter(Writer& writer) {
  return writer.Run([](Database&) { return absl::OkStatus(); });
}

}  // namespace ardoise
