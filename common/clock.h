// Time as a seam: every component that reads the time takes a Clock* so that
// tests can drive midnight, DST changes and clock jumps without sleeping.
//
// Two readings, for two purposes:
//  - Now(): wall-clock time, for schedules, deadlines shown to people and
//    records. It may jump (NTP, a wrong RTC, a teacher changing the date).
//  - Monotonic(): elapsed time since an arbitrary origin, never going back.
//    Use it to measure durations (device use, timeouts); only differences
//    between two readings from the same Clock mean anything.
//
// Thread safety: Clock::Real() is stateless and thread-safe. FakeClock is
// thread-safe: tests may advance it while other threads read it.

#ifndef ARDOISE_COMMON_CLOCK_H_
#define ARDOISE_COMMON_CLOCK_H_

#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace ardoise {

class Clock {
 public:
  virtual ~Clock() = default;

  // Wall-clock time; may jump forwards or backwards.
  virtual absl::Time Now() const = 0;

  // Never goes back; arbitrary origin (the real one is CLOCK_MONOTONIC, which
  // does not count suspend time).
  virtual absl::Duration Monotonic() const = 0;

  // How long `d` of this clock's time lasts in real time: what to pass to a
  // real wait (condition variable, sleep) for this clock to advance by `d`.
  // The real clock and a FakeClock (which moves only when told) return `d`.
  virtual absl::Duration RealDuration(absl::Duration d) const { return d; }

  // The process-wide real clock. Never null, never deleted.
  static Clock* Real();
};

// A clock that moves only when told to. Monotonic() starts at zero.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(absl::Time start);
  FakeClock(const FakeClock&) = delete;
  FakeClock& operator=(const FakeClock&) = delete;

  absl::Time Now() const override;
  absl::Duration Monotonic() const override;

  // Moves both wall and monotonic time forward by `d`, which must not be
  // negative (monotonic time cannot go back: that is a test bug, and aborts).
  void Advance(absl::Duration d);

  // Jumps the wall clock only, backwards or forwards, as NTP or a person
  // setting the date would; monotonic time does not move.
  void SetWall(absl::Time t);

 private:
  mutable absl::Mutex mu_;
  absl::Time wall_ ABSL_GUARDED_BY(mu_);
  absl::Duration monotonic_ ABSL_GUARDED_BY(mu_) = absl::ZeroDuration();
};

// Real time moved to another start and run faster, for end-to-end tests and
// the demo (`--fake-start`, `--clock-speed`): a lesson of 45 minutes on a
// Monday morning plays in a minute at any hour. Now() = start + speed x the
// real monotonic time elapsed since construction; Monotonic() runs at the
// same speed. Never used in production.
class ScaledClock final : public Clock {
 public:
  // `speed` must be positive.
  ScaledClock(absl::Time start, double speed);
  absl::Time Now() const override;
  absl::Duration Monotonic() const override;
  absl::Duration RealDuration(absl::Duration d) const override;

 private:
  const absl::Time start_;
  const double speed_;
  const absl::Duration origin_;  // real monotonic time at construction
};

// Parses the test flags: `fake_start` is RFC 3339 ("2026-11-23T09:00:00+01:00")
// or empty (real time), `speed` >= 1. Returns Clock::Real() when both are
// unset; otherwise a ScaledClock that lives as long as the process.
absl::StatusOr<const Clock*> ClockFromFlags(const std::string& fake_start,
                                            double speed);

}  // namespace ardoise

#endif  // ARDOISE_COMMON_CLOCK_H_
