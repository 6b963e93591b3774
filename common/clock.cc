#include "common/clock.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/logging.h"

namespace ardoise {
namespace {

class RealClock final : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
  absl::Duration Monotonic() const override {
    // steady_clock is CLOCK_MONOTONIC on Linux with libstdc++.
    return absl::FromChrono(
        std::chrono::steady_clock::now().time_since_epoch());
  }
};

}  // namespace

Clock* Clock::Real() {
  static Clock* const clock = new RealClock;
  return clock;
}

FakeClock::FakeClock(absl::Time start) : wall_(start) {}

absl::Time FakeClock::Now() const {
  absl::MutexLock lock(&mu_);
  return wall_;
}

absl::Duration FakeClock::Monotonic() const {
  absl::MutexLock lock(&mu_);
  return monotonic_;
}

void FakeClock::Advance(absl::Duration d) {
  if (d < absl::ZeroDuration()) {
    ARDOISE_LOG(FATAL) << "FakeClock::Advance(" << absl::FormatDuration(d)
                       << "): monotonic time cannot go back (use SetWall() "
                          "to jump the wall clock backwards)";
  }
  absl::MutexLock lock(&mu_);
  wall_ += d;
  monotonic_ += d;
}

void FakeClock::SetWall(absl::Time t) {
  absl::MutexLock lock(&mu_);
  wall_ = t;
}

}  // namespace ardoise

namespace ardoise {

ScaledClock::ScaledClock(absl::Time start, double speed)
    : start_(start), speed_(speed), origin_(Clock::Real()->Monotonic()) {}

absl::Duration ScaledClock::Monotonic() const {
  return (Clock::Real()->Monotonic() - origin_) * speed_;
}

absl::Time ScaledClock::Now() const { return start_ + Monotonic(); }

absl::Duration ScaledClock::RealDuration(absl::Duration d) const {
  return d / speed_;
}

absl::StatusOr<const Clock*> ClockFromFlags(const std::string& fake_start,
                                            double speed) {
  if (fake_start.empty() && speed == 1.0) return Clock::Real();
  if (!(speed >= 1.0 && speed <= 10000.0)) {
    return absl::InvalidArgumentError(
        "--clock-speed: use a number from 1 to 10000");
  }
  absl::Time start = absl::Now();
  if (!fake_start.empty()) {
    std::string error;
    if (!absl::ParseTime(absl::RFC3339_full, fake_start, &start, &error)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--fake-start: ", error,
                       " (use RFC 3339, e.g. 2026-11-23T09:00:00+01:00)"));
    }
  }
  static ScaledClock* const clock = new ScaledClock(start, speed);
  return clock;
}

}  // namespace ardoise
