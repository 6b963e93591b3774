// OneDeviceConsole: the console's core without gRPC — a migrated SQLite
// database in a fresh temporary folder, the Writer, the Registry and a
// ConsoleContext on a FakeClock — with one enrolled tablet, for the unit
// tests and the AgentLink fuzzer that drive AgentStream directly, with a
// CapturingLink in place of the gRPC reactor. Test support only: not
// linked into the console.
//
// Thread safety: the members are the real, thread-safe parts; the struct
// itself is built and destroyed by one thread.
#ifndef ARDOISE_TEACHER_CONSOLE_SERVER_ONE_DEVICE_CONSOLE_H_
#define ARDOISE_TEACHER_CONSOLE_SERVER_ONE_DEVICE_CONSOLE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "ardoise/v1/agent_link.pb.h"
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

// Stands in for the Connect reactor: keeps what the console pushes (each
// "written" at once: nothing to flush) and drops what comes once closed.
// Thread-safe: the Writer's thread pushes usage acks.
class CapturingLink final : public LinkHandle {
 public:
  bool Push(v1::ConsoleMessage message) override;
  void Flush() override {}
  void Close(absl::Status status) override;
  // What was pushed since the last call.
  std::vector<v1::ConsoleMessage> Take();
  // How many pushes were kept in all (Take does not reset it).
  int pushed() const;

 private:
  mutable absl::Mutex mu_;
  std::vector<v1::ConsoleMessage> kept_ ABSL_GUARDED_BY(mu_);
  int pushed_ ABSL_GUARDED_BY(mu_) = 0;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
};

// Lets every done callback posted so far run (an empty urgent batch: the
// background work queued before it commits with it).
absl::Status DrainWriter(Writer& writer);

}  // namespace ardoise

#endif  // ARDOISE_TEACHER_CONSOLE_SERVER_ONE_DEVICE_CONSOLE_H_
