// ScheduleClock: the time an agent runs its schedule on (DESIGN.md,
// Enforcement): "schedule time offline is never earlier than the last trusted
// time plus the monotonic time elapsed; a forward jump offline does not end a
// no-screen period or reset limits until the console confirms it."
//
// Two readings come out of it:
//  - `confirmed`: the last time the console told (or the persisted one after
//    a restart) plus the monotonic time elapsed since. Moving the wall clock
//    cannot move it. Time spent powered off is not counted (the monotonic
//    clock restarts), which errs on the side of policy: a no-screen period
//    lasts a little longer, a daily count is not reset early.
//  - `now`: max(confirmed, wall + offset), where offset = console - wall at
//    the last confirmation. It follows the wall clock (so an agent offline
//    since morning still sees the school day pass), but never goes back.
// Decide() takes both (DecideInput::now / confirmed_now); the agent keys its
// UsageLedger by the local day of `confirmed` and persists `confirmed` and
// offset() so that a restart resumes from them.
//
// Thread safety: a plain value, not synchronized; the agent holds it under
// its own mutex.
#ifndef ARDOISE_COMMON_SCHEDULE_CLOCK_H_
#define ARDOISE_COMMON_SCHEDULE_CLOCK_H_

#include "absl/time/time.h"

namespace ardoise {

struct ScheduleTime {
  absl::Time now;        // schedule time; never earlier than `confirmed`
  absl::Time confirmed;  // trusted part; InfinitePast until ever confirmed
};

class ScheduleClock {
 public:
  // After a (re)start: `last_confirmed` is the persisted confirmed time
  // (InfinitePast if none), `monotonic` the monotonic clock now, `offset` the
  // persisted console-minus-wall offset (zero if none).
  ScheduleClock(absl::Time last_confirmed, absl::Duration monotonic,
                absl::Duration offset);

  // The console told its time (Welcome): it becomes the anchor of
  // `confirmed`, and offset = console_time - wall. The console is the
  // authority: this may move both readings back, e.g. after the wall clock
  // was set forward offline.
  void Confirm(absl::Time console_time, absl::Time wall,
               absl::Duration monotonic);

  // The schedule time for a wall-clock reading and a monotonic reading.
  // Neither reading goes back between calls (short of a Confirm).
  ScheduleTime Now(absl::Time wall, absl::Duration monotonic);

  // The console-minus-wall offset to persist.
  absl::Duration offset() const { return offset_; }

 private:
  absl::Time anchor_time_;  // confirmed time at anchor_monotonic_
  absl::Duration anchor_monotonic_;
  absl::Duration offset_;
  // High-water marks: what Now() returned last.
  absl::Time last_now_;
  absl::Time last_confirmed_;
};

}  // namespace ardoise

#endif  // ARDOISE_COMMON_SCHEDULE_CLOCK_H_
