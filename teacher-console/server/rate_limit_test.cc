#include "teacher-console/server/rate_limit.h"

#include <string>

#include "absl/time/time.h"
#include "common/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ardoise {
namespace {

using ::testing::HasSubstr;

const absl::Time kStart = absl::FromUnixSeconds(1788771600);

RateLimitOptions Options(int burst, absl::Duration refill) {
  RateLimitOptions options;
  options.burst = burst;
  options.refill = refill;
  options.what = "failed enrollments";
  return options;
}

TEST(RateLimiterTest, UnknownKeyIsAllowedAndCostsNoMemory) {
  RateLimiter limiter(Options(3, absl::Seconds(10)));
  FakeClock clock(kStart);
  EXPECT_TRUE(limiter.Allow("ipv4:10.0.0.1", clock.Now()).ok());
  EXPECT_EQ(limiter.size(), 0u);
}

TEST(RateLimiterTest, BurstOfFailuresThenRefusedWithTheWait) {
  RateLimiter limiter(Options(3, absl::Seconds(10)));
  FakeClock clock(kStart);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(limiter.Allow("ipv4:10.0.0.1", clock.Now()).ok()) << i;
    limiter.RecordFailure("ipv4:10.0.0.1", clock.Now());
  }
  const absl::Status refused = limiter.Allow("ipv4:10.0.0.1", clock.Now());
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(refused.message()),
              HasSubstr("too many failed enrollments from ipv4:10.0.0.1: "
                        "try again in 10s"));
  // Another address is not affected.
  EXPECT_TRUE(limiter.Allow("ipv4:10.0.0.2", clock.Now()).ok());
}

TEST(RateLimiterTest, OneTryPerRefillAfterTheBurst) {
  RateLimiter limiter(Options(2, absl::Seconds(10)));
  FakeClock clock(kStart);
  limiter.RecordFailure("k", clock.Now());
  limiter.RecordFailure("k", clock.Now());
  clock.Advance(absl::Seconds(4));
  EXPECT_THAT(std::string(limiter.Allow("k", clock.Now()).message()),
              HasSubstr("try again in 6s"));
  clock.Advance(absl::Seconds(6));
  EXPECT_TRUE(limiter.Allow("k", clock.Now()).ok());
  limiter.RecordFailure("k", clock.Now());
  EXPECT_FALSE(limiter.Allow("k", clock.Now()).ok());
  // Fully forgiven after burst x refill.
  clock.Advance(absl::Seconds(20));
  limiter.RecordFailure("k", clock.Now());
  EXPECT_TRUE(limiter.Allow("k", clock.Now()).ok());
}

TEST(RateLimiterTest, ClockGoingBackForgivesNothing) {
  RateLimiter limiter(Options(1, absl::Seconds(10)));
  FakeClock clock(kStart);
  limiter.RecordFailure("k", clock.Now());
  clock.SetWall(kStart - absl::Hours(1));
  EXPECT_FALSE(limiter.Allow("k", clock.Now()).ok());
  clock.SetWall(kStart + absl::Seconds(10));
  EXPECT_TRUE(limiter.Allow("k", clock.Now()).ok());
}

TEST(RateLimiterTest, MemoryIsBoundedForgettingRefilledKeysFirst) {
  RateLimitOptions options = Options(2, absl::Seconds(10));
  options.max_keys = 3;
  RateLimiter limiter(options);
  FakeClock clock(kStart);
  limiter.RecordFailure("old", clock.Now());
  clock.Advance(absl::Seconds(30));  // "old" is full again
  limiter.RecordFailure("a", clock.Now());
  limiter.RecordFailure("a", clock.Now());
  limiter.RecordFailure("b", clock.Now());
  EXPECT_EQ(limiter.size(), 3u);
  limiter.RecordFailure("c", clock.Now());
  EXPECT_EQ(limiter.size(), 3u);
  // "a" (no token left) was kept; "old" was dropped.
  EXPECT_FALSE(limiter.Allow("a", clock.Now()).ok());
  // Full of restricted keys: the least restricted one goes ("b" or "c").
  limiter.RecordFailure("d", clock.Now());
  EXPECT_EQ(limiter.size(), 3u);
  EXPECT_FALSE(limiter.Allow("a", clock.Now()).ok());
}

TEST(PeerHostTest, DropsThePort) {
  EXPECT_EQ(PeerHost("ipv4:10.0.0.7:51234"), "ipv4:10.0.0.7");
  EXPECT_EQ(PeerHost("ipv6:[::1]:443"), "ipv6:[::1]");
  EXPECT_EQ(PeerHost("ipv6:[::1]"), "ipv6:[::1]");
  EXPECT_EQ(PeerHost("unix:/tmp/s"), "unix:/tmp/s");
  EXPECT_EQ(PeerHost(""), "");
}

}  // namespace
}  // namespace ardoise
