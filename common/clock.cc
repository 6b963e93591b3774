#include "common/clock.h"

#include <chrono>

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
