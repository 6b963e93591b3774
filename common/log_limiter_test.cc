#include "common/log_limiter.h"

#include "gtest/gtest.h"

namespace ardoise {
namespace {

TEST(LogLimiterTest, LetsABurstThroughPerWindowAndCountsTheRest) {
  FakeClock clock(absl::UnixEpoch());
  LogLimiter limiter(3, absl::Seconds(10), &clock);
  int allowed = 0;
  for (int i = 0; i < 100; ++i) allowed += limiter.Allow() ? 1 : 0;
  EXPECT_EQ(allowed, 3);
  // Held back until the window ends.
  EXPECT_EQ(limiter.TakeSuppressed(), 0);
  clock.Advance(absl::Seconds(10));
  EXPECT_EQ(limiter.TakeSuppressed(), 97);
  EXPECT_EQ(limiter.TakeSuppressed(), 0);  // handed out once
  // A new window: a new burst.
  EXPECT_TRUE(limiter.Allow());
}

TEST(LogLimiterTest, CountsSurviveUntilTaken) {
  FakeClock clock(absl::UnixEpoch());
  LogLimiter limiter(0, absl::Seconds(1), &clock);
  EXPECT_FALSE(limiter.Allow());
  clock.Advance(absl::Seconds(1));
  EXPECT_FALSE(limiter.Allow());  // rolls: 1 ready, 1 held
  clock.Advance(absl::Seconds(1));
  EXPECT_EQ(limiter.TakeSuppressed(), 2);
}

}  // namespace
}  // namespace ardoise
