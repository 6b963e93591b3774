// LogLimiter: keeps one kind of routine log line (a device connected, a
// device disconnected) from flooding the log when thousands happen at once.
// Within each `window`, the first `burst` lines are let through; the rest
// are counted, and the count is handed out once the window has ended, for
// one summary line ("... and 9,980 more connected in the last 10 s").
//
//   if (limiter.Allow()) ARDOISE_LOG(INFO) << "device " << id << " connected";
//   ...
//   if (int64_t n = limiter.TakeSuppressed(); n > 0) ARDOISE_LOG(INFO) << ...;
//
// TakeSuppressed is called by whoever owns the limiter, e.g. on a periodic
// thread, so a storm's tail is summarised even if no line follows it.
//
// Thread safety: all methods may be called from any thread.
#ifndef ARDOISE_COMMON_LOG_LIMITER_H_
#define ARDOISE_COMMON_LOG_LIMITER_H_

#include <cstdint>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"

namespace ardoise {

class LogLimiter final {
 public:
  // `clock` must outlive the limiter; `burst` >= 0, `window` > 0.
  LogLimiter(int burst, absl::Duration window, const Clock* clock);
  LogLimiter(const LogLimiter&) = delete;
  LogLimiter& operator=(const LogLimiter&) = delete;

  // True when this line may be logged; false when it was counted instead.
  bool Allow();
  // The lines held back in windows that have ended (0 if none), and forgets
  // them. Lines held back in the current window wait for its end.
  int64_t TakeSuppressed();

 private:
  void RollLocked(absl::Duration now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const int burst_;
  const absl::Duration window_;
  const Clock* const clock_;
  absl::Mutex mu_;
  absl::Duration window_start_ ABSL_GUARDED_BY(mu_);
  int allowed_ ABSL_GUARDED_BY(mu_) = 0;    // in the current window
  int64_t held_ ABSL_GUARDED_BY(mu_) = 0;   // in the current window
  int64_t ready_ ABSL_GUARDED_BY(mu_) = 0;  // in windows that ended
};

}  // namespace ardoise

#endif  // ARDOISE_COMMON_LOG_LIMITER_H_
