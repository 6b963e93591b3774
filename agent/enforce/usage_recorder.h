// UsageRecorder: cuts what the device does into usage intervals and commits
// them to the AgentStore's outbox (DESIGN.md, Protocol: usage; The no-screen
// week). An interval counts as recorded once committed.
//
//  - While the agent runs, one AGENT_UP interval is open; it is closed and a
//    new one opened when the observed state changes, and at least every
//    `cut_every` while it does not, so a crash loses at most that much.
//  - The open interval and a "last alive" time (refreshed every
//    `alive_every`) are stored; after an unclean stop, Start() commits the
//    open interval ending at the last alive time, marked `recovered`.
//  - Start() records a BOOT interval (boot -> agent start) when the device
//    booted since the last recorded boot; Stop() closes the open interval
//    and commits a SHUTDOWN marker. Together they let reports tell "off"
//    from "unknown".
//
// Times are schedule time (the console's clock as the agent estimates it);
// an interval never ends before it starts and each starts where the
// previous one ended, even if the estimate moves back.
//
// Thread safety: not thread-safe; the agent calls it under its enforcement
// mutex. The store it writes to is thread-safe.
#ifndef ARDOISE_AGENT_ENFORCE_USAGE_RECORDER_H_
#define ARDOISE_AGENT_ENFORCE_USAGE_RECORDER_H_

#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "agent/enforce/agent_store.h"
#include "ardoise/v1/usage.pb.h"

namespace ardoise {

// What an AGENT_UP interval records; a change of any field cuts it.
struct UsageState {
  bool locked = false;
  v1::LockReason lock_reason = v1::LOCK_REASON_NONE;
  bool in_use = false;  // unlocked and someone at the device
  std::string activity;
  std::string session_id;  // lesson sessions: empty until they exist
  int32_t step_index = 0;
  std::string no_screen_period;
  std::string exemption_reason;
};

// The system's boot time from /proc/stat (btime); InfinitePast if unreadable.
absl::Time ReadBootTime();

class UsageRecorder final {
 public:
  struct Options {
    absl::Duration cut_every = absl::Seconds(60);
    absl::Duration alive_every = absl::Seconds(15);
  };

  UsageRecorder(AgentStore* store, Options options)
      : store_(store), options_(options) {}
  UsageRecorder(const UsageRecorder&) = delete;
  UsageRecorder& operator=(const UsageRecorder&) = delete;

  // Recovers an unclean stop's open interval, records the boot when the
  // device booted since (`boot` in schedule time; InfinitePast = unknown)
  // and opens an interval in `state`.
  absl::Status Start(absl::Time now, absl::Time boot, const UsageState& state);
  // Cuts when `state` changed or the open interval is `cut_every` old, and
  // refreshes the alive time. Errors are logged; the interval stays open
  // and is retried at the next call.
  void Observe(absl::Time now, const UsageState& state);
  // The earliest schedule time at which Observe has work even if the state
  // stays the same (a cut, or refreshing the alive time); InfiniteFuture
  // when no interval is open. The agent sleeps until then.
  absl::Time NextDue() const;
  // Closes the open interval and commits a SHUTDOWN marker.
  absl::Status Stop(absl::Time now);

  static v1::UsageInterval MakeUp(const UsageState& state, absl::Time start);

 private:
  AgentStore* const store_;
  const Options options_;
  bool open_ = false;
  UsageState state_;
  v1::UsageInterval current_;  // the open interval (start set, no end)
  absl::Time opened_at_;
  absl::Time alive_saved_ = absl::InfinitePast();
};

}  // namespace ardoise

#endif  // ARDOISE_AGENT_ENFORCE_USAGE_RECORDER_H_
