#include "agent/platform/sim/sim_platform.h"

#include "common/logging.h"

namespace ardoise {

absl::Status SimPlatform::ShowScreen(const Screen& screen) {
  absl::MutexLock lock(&mu_);
  if (screen == screen_) return absl::OkStatus();
  screen_ = screen;
  ++changes_;
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
  notices_.push_back(notice);
  if (narrate_) {
    ARDOISE_LOG(INFO) << "screen: message « " << notice.text << " »";
  }
  return absl::OkStatus();
}

absl::StatusOr<PlatformReport> SimPlatform::Report() {
  absl::MutexLock lock(&mu_);
  PlatformReport report;
  report.screen = screen_;
  if (!notices_.empty()) report.last_notice = notices_.back().text;
  report.idle = idle_;
  return report;
}

std::vector<Notice> SimPlatform::notices() const {
  absl::MutexLock lock(&mu_);
  return notices_;
}

int SimPlatform::screen_changes() const {
  absl::MutexLock lock(&mu_);
  return changes_;
}

void SimPlatform::SetIdle(absl::Duration idle) {
  absl::MutexLock lock(&mu_);
  idle_ = idle;
}

}  // namespace ardoise
