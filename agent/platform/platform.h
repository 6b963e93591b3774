// Platform: everything the agent asks of the device's desktop — draw or lift
// the lock screen, run an activity, show a message, tell idle time, report
// what is on screen.
//
// This is the boundary that runs in a separate per-desktop helper
// (ardoise-session) over a Unix socket (DESIGN.md, Processes), so it speaks
// plain data only: values in, values out, no pointers or callbacks across it.
// Every call is idempotent where it can be (ShowScreen with the same Screen
// twice changes nothing), so the agent can re-assert its decision at any
// time, e.g. after the helper restarts.
//
// Thread safety: implementations must accept calls from any one thread at a
// time; the agent serializes its calls.
#ifndef ARDOISE_AGENT_PLATFORM_PLATFORM_H_
#define ARDOISE_AGENT_PLATFORM_PLATFORM_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ardoise/v1/device.pb.h"

namespace ardoise {

// What the screen should show.
struct Screen {
  bool locked = false;
  v1::LockReason reason = v1::LOCK_REASON_NONE;
  std::string message;   // lock screen text (French by default)
  std::string activity;  // app id or URL to run when unlocked; empty = none
  bool operator==(const Screen& other) const {
    return locked == other.locked && reason == other.reason &&
           message == other.message && activity == other.activity;
  }
};

// A message the teacher sends, shown over whatever is on screen.
struct Notice {
  std::string text;
  std::string from;
};

// What the platform reports it shows.
struct PlatformReport {
  Screen screen;
  std::string last_notice;
  absl::Duration idle = absl::ZeroDuration();  // since the last user input
};

class Platform {
 public:
  virtual ~Platform() = default;
  // Makes the screen show `screen`.
  virtual absl::Status ShowScreen(const Screen& screen) = 0;
  // Shows a notice once.
  virtual absl::Status ShowNotice(const Notice& notice) = 0;
  // Reads back what is shown.
  virtual absl::StatusOr<PlatformReport> Report() = 0;
};

}  // namespace ardoise

#endif  // ARDOISE_AGENT_PLATFORM_PLATFORM_H_
