#include "agent/platform/sim/sim_platform.h"

#include "common/logging.h"

namespace ardoise {

absl::Status SimPlatform::ShowScreen(const Screen& screen) {
  absl::MutexLock lock(&mu_);
  if (screen == screen_) return absl::OkStatus();
  screen_ = screen;
  if (narrate_) {
    if (screen.locked) {
      ARDOISE_LOG(INFO) << "screen: LOCKED « " << screen.message << " » ("
                        << v1::LockReason_Name(screen.reason) << ")";
    } else {
      ARDOISE_LOG(INFO) << "screen: unlocked"
                        << (screen.activity.empty()
                                ? std::string()
                                : ", running " + screen.activity);
    }
  }
  return absl::OkStatus();
}

absl::Status SimPlatform::ShowNotice(const Notice& notice) {
  absl::MutexLock lock(&mu_);
  last_notice_ = notice.text;
  if (narrate_) {
    ARDOISE_LOG(INFO) << "screen: message « " << notice.text << " »";
  }
  return absl::OkStatus();
}

absl::StatusOr<PlatformReport> SimPlatform::Report() {
  absl::MutexLock lock(&mu_);
  PlatformReport report;
  report.screen = screen_;
  report.last_notice = last_notice_;  // never idle: the simulated pupil is busy
  return report;
}

}  // namespace ardoise
