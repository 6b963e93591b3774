// The simulated platform: a device's screen kept in memory, for tests, the
// demo and the load generator. It behaves like a real desktop helper as far
// as the agent can tell, and narrates what a pupil would see on the log so
// the demo reads like a story.
//
// Thread safety: all methods are thread-safe.
#ifndef ARDOISE_AGENT_PLATFORM_SIM_SIM_PLATFORM_H_
#define ARDOISE_AGENT_PLATFORM_SIM_SIM_PLATFORM_H_

#include <string>

#include "absl/synchronization/mutex.h"
#include "agent/platform/platform.h"

namespace ardoise {

class SimPlatform final : public Platform {
 public:
  // `narrate`: log each visible change ("screen locked: « ... »").
  explicit SimPlatform(bool narrate = true) : narrate_(narrate) {}

  absl::Status ShowScreen(const Screen& screen) override;
  absl::Status ShowNotice(const Notice& notice) override;
  absl::StatusOr<PlatformReport> Report() override;

 private:
  const bool narrate_;
  mutable absl::Mutex mu_;
  Screen screen_ ABSL_GUARDED_BY(mu_);
  std::string last_notice_ ABSL_GUARDED_BY(mu_);
};

}  // namespace ardoise

#endif  // ARDOISE_AGENT_PLATFORM_SIM_SIM_PLATFORM_H_
