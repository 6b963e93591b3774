#include "common/log_limiter.h"

namespace ardoise {

LogLimiter::LogLimiter(int burst, absl::Duration window, const Clock* clock)
    : burst_(burst),
      window_(window),
      clock_(clock),
      window_start_(clock->Monotonic()) {}

void LogLimiter::RollLocked(absl::Duration now) {
  if (now - window_start_ < window_) return;
  ready_ += held_;
  held_ = 0;
  allowed_ = 0;
  window_start_ = now;
}

bool LogLimiter::Allow() {
  absl::MutexLock lock(&mu_);
  RollLocked(clock_->Monotonic());
  if (allowed_ < burst_) {
    ++allowed_;
    return true;
  }
  ++held_;
  return false;
}

int64_t LogLimiter::TakeSuppressed() {
  absl::MutexLock lock(&mu_);
  RollLocked(clock_->Monotonic());
  const int64_t n = ready_;
  ready_ = 0;
  return n;
}

}  // namespace ardoise
