// OneDeviceConsole: the console's core without gRPC — a migrated SQLite
// database in a fresh temporary folder, the Writer, the Registry and a
// ConsoleContext on a FakeClock — with one enrolled tablet, for the unit
// tests and the AgentLink fuzzer that drive AgentStream directly with a
// LinkHandle of their own. Test support only: not linked into the console.
//
// Thread safety: the members are the real, thread-safe parts; the struct
// itself is built and destroyed by one thread.
#ifndef ARDOISE_TEACHER_CONSOLE_SERVER_ONE_DEVICE_CONSOLE_H_
#define ARDOISE_TEACHER_CONSOLE_SERVER_ONE_DEVICE_CONSOLE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/clock.h"
#include "teacher-console/server/registry.h"
#include "teacher-console/server/services.h"
#include "teacher-console/server/writer.h"

namespace ardoise {

struct OneDeviceConsole {
  ~OneDeviceConsole();  // stops the Writer, then removes the folder

  std::string dir;
  std::unique_ptr<FakeClock> clock;  // Monday 2026-09-07 09:00 UTC
  std::unique_ptr<Registry> registry;
  std::unique_ptr<Writer> writer;
  ConsoleContext context;  // clock, writer and registry set
  std::string device_id;   // "tab-1" of school "jaures", pool "chariot"
  std::string node_key;
};

// `pending_commands` messages are queued for the device (so acks and the
// Hello's resend reach real rows). Without `durable`, SQLite skips its
// fsyncs (what is tested is not durability).
absl::StatusOr<std::unique_ptr<OneDeviceConsole>> MakeOneDeviceConsole(
    int pending_commands = 0, bool durable = false);

// Lets every done callback posted so far run (an empty urgent batch: the
// background work queued before it commits with it).
absl::Status DrainWriter(Writer& writer);

}  // namespace ardoise

#endif  // ARDOISE_TEACHER_CONSOLE_SERVER_ONE_DEVICE_CONSOLE_H_
