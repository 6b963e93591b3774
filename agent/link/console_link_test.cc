#include "agent/link/console_link.h"

#include "gtest/gtest.h"

namespace ardoise {
namespace {

TEST(BackoffTest, GrowsExponentiallyWithJitterAndStaysCapped) {
  std::mt19937_64 rng(42);
  const absl::Duration initial = absl::Milliseconds(200);
  const absl::Duration max = absl::Seconds(30);
  for (int attempt = 0; attempt < 40; ++attempt) {
    absl::Duration ceiling = initial;
    for (int i = 0; i < attempt && ceiling < max; ++i) ceiling *= 2;
    ceiling = std::min(ceiling, max);
    for (int sample = 0; sample < 50; ++sample) {
      const absl::Duration wait =
          ConsoleLink::Backoff(attempt, initial, max, rng);
      EXPECT_GE(wait, initial / 2) << attempt;
      EXPECT_LE(wait, ceiling) << attempt;
    }
  }
}

TEST(BackoffTest, SpreadsAgentsThatFailedTogether) {
  // 1,000 agents losing the console at once must not come back together.
  std::mt19937_64 rng(7);
  absl::Duration lo = absl::InfiniteDuration(), hi = absl::ZeroDuration();
  for (int agent = 0; agent < 1000; ++agent) {
    const absl::Duration wait = ConsoleLink::Backoff(6, absl::Milliseconds(200),
                                                     absl::Seconds(30), rng);
    lo = std::min(lo, wait);
    hi = std::max(hi, wait);
  }
  EXPECT_GT(hi - lo, absl::Seconds(10));
}

}  // namespace
}  // namespace ardoise
