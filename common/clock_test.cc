#include "common/clock.h"

#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace ardoise {
namespace {

TEST(ClockTest, RealClockIsSaneAndShared) {
  Clock* clock = Clock::Real();
  ASSERT_NE(clock, nullptr);
  EXPECT_EQ(clock, Clock::Real());
  absl::Time before = absl::Now();
  absl::Time now = clock->Now();
  EXPECT_LE(before, now);
  EXPECT_LE(now - before, absl::Seconds(10));
  absl::Duration a = clock->Monotonic();
  absl::Duration b = clock->Monotonic();
  EXPECT_LE(a, b);
}

TEST(ClockTest, FakeClockStartsWhereTold) {
  absl::Time start = absl::FromUnixSeconds(1800000000);
  FakeClock clock(start);
  EXPECT_EQ(clock.Now(), start);
  EXPECT_EQ(clock.Monotonic(), absl::ZeroDuration());
}

TEST(ClockTest, AdvanceMovesBoth) {
  absl::Time start = absl::FromUnixSeconds(1800000000);
  FakeClock clock(start);
  clock.Advance(absl::Minutes(5));
  clock.Advance(absl::ZeroDuration());
  EXPECT_EQ(clock.Now(), start + absl::Minutes(5));
  EXPECT_EQ(clock.Monotonic(), absl::Minutes(5));
}

TEST(ClockTest, SetWallLeavesMonotonicAlone) {
  absl::Time start = absl::FromUnixSeconds(1800000000);
  FakeClock clock(start);
  clock.Advance(absl::Seconds(30));
  clock.SetWall(start - absl::Hours(24));  // backwards jump
  EXPECT_EQ(clock.Now(), start - absl::Hours(24));
  EXPECT_EQ(clock.Monotonic(), absl::Seconds(30));
  clock.SetWall(start + absl::Hours(48));  // forwards jump
  EXPECT_EQ(clock.Now(), start + absl::Hours(48));
  EXPECT_EQ(clock.Monotonic(), absl::Seconds(30));
  clock.Advance(absl::Seconds(1));
  EXPECT_EQ(clock.Now(), start + absl::Hours(48) + absl::Seconds(1));
}

TEST(ClockTest, FakeClockIsThreadSafe) {
  FakeClock clock(absl::UnixEpoch());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&clock] {
      for (int i = 0; i < 1000; ++i) {
        clock.Advance(absl::Milliseconds(1));
        (void)clock.Now();
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(clock.Monotonic(), absl::Seconds(4));
  EXPECT_EQ(clock.Now(), absl::UnixEpoch() + absl::Seconds(4));
}

TEST(ClockDeathTest, AdvanceBackwardsAborts) {
  FakeClock clock(absl::UnixEpoch());
  EXPECT_DEATH(clock.Advance(absl::Seconds(-1)), "cannot go back");
}

TEST(ClockTest, RealDurationUndoesTheSpeed) {
  EXPECT_EQ(Clock::Real()->RealDuration(absl::Seconds(30)), absl::Seconds(30));
  FakeClock fake(absl::UnixEpoch());
  EXPECT_EQ(fake.RealDuration(absl::Seconds(30)), absl::Seconds(30));
  ScaledClock scaled(absl::UnixEpoch(), 60);
  EXPECT_EQ(scaled.RealDuration(absl::Seconds(30)), absl::Milliseconds(500));
}

}  // namespace
}  // namespace ardoise
