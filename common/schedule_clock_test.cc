#include "common/schedule_clock.h"

#include "common/clock.h"
#include "gtest/gtest.h"

namespace ardoise {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1805000000);  // 2027-03-12

TEST(ScheduleClockTest, NeverConfirmedFollowsTheWallClock) {
  FakeClock clock(kStart);
  ScheduleClock schedule(absl::InfinitePast(), clock.Monotonic(),
                         absl::ZeroDuration());
  const ScheduleTime t = schedule.Now(clock.Now(), clock.Monotonic());
  EXPECT_EQ(t.now, kStart);
  EXPECT_EQ(t.confirmed, absl::InfinitePast());
}

TEST(ScheduleClockTest, ConfirmedTimeAdvancesWithMonotonicTime) {
  FakeClock clock(kStart);
  ScheduleClock schedule(absl::InfinitePast(), clock.Monotonic(),
                         absl::ZeroDuration());
  // The console is 90 s ahead of this device's wall clock.
  schedule.Confirm(kStart + absl::Seconds(90), clock.Now(), clock.Monotonic());
  EXPECT_EQ(schedule.offset(), absl::Seconds(90));
  clock.Advance(absl::Minutes(10));
  const ScheduleTime t = schedule.Now(clock.Now(), clock.Monotonic());
  EXPECT_EQ(t.confirmed, kStart + absl::Seconds(90) + absl::Minutes(10));
  EXPECT_EQ(t.now, t.confirmed);
}

TEST(ScheduleClockTest, WallClockMovedBackwards) {
  FakeClock clock(kStart);
  ScheduleClock schedule(absl::InfinitePast(), clock.Monotonic(),
                         absl::ZeroDuration());
  schedule.Confirm(kStart, clock.Now(), clock.Monotonic());
  clock.Advance(absl::Hours(1));
  const ScheduleTime before = schedule.Now(clock.Now(), clock.Monotonic());
  clock.SetWall(kStart - absl::Hours(24));
  ScheduleTime t = schedule.Now(clock.Now(), clock.Monotonic());
  EXPECT_EQ(t.now, before.now);
  EXPECT_EQ(t.confirmed, before.confirmed);
  clock.Advance(absl::Minutes(5));
  t = schedule.Now(clock.Now(), clock.Monotonic());
  EXPECT_EQ(t.confirmed, kStart + absl::Hours(1) + absl::Minutes(5));
  EXPECT_EQ(t.now, t.confirmed);  // carried by the monotonic clock
}

TEST(ScheduleClockTest, WallClockMovedForwardsOffline) {
  FakeClock clock(kStart);
  ScheduleClock schedule(absl::InfinitePast(), clock.Monotonic(),
                         absl::ZeroDuration());
  schedule.Confirm(kStart, clock.Now(), clock.Monotonic());
  clock.SetWall(kStart + absl::Hours(24 * 5));
  clock.Advance(absl::Minutes(1));
  ScheduleTime t = schedule.Now(clock.Now(), clock.Monotonic());
  EXPECT_EQ(t.now, kStart + absl::Hours(24 * 5) + absl::Minutes(1));
  EXPECT_EQ(t.confirmed, kStart + absl::Minutes(1));
  // Moving it back again does not take `now` back with it.
  clock.SetWall(kStart);
  t = schedule.Now(clock.Now(), clock.Monotonic());
  EXPECT_EQ(t.now, kStart + absl::Hours(24 * 5) + absl::Minutes(1));
  EXPECT_EQ(t.confirmed, kStart + absl::Minutes(1));
}

TEST(ScheduleClockTest, RestartResumesFromThePersistedConfirmedTime) {
  const absl::Time persisted = kStart;
  // A new boot: monotonic time starts again, the wall clock is wrong (an
  // empty RTC battery puts it in 2000).
  FakeClock clock(absl::FromUnixSeconds(946684800));
  clock.Advance(absl::Seconds(20));  // time to boot
  ScheduleClock schedule(persisted, clock.Monotonic(), absl::Seconds(30));
  ScheduleTime t = schedule.Now(clock.Now(), clock.Monotonic());
  EXPECT_EQ(t.confirmed, persisted);  // time powered off is not counted
  EXPECT_EQ(t.now, persisted);
  clock.Advance(absl::Minutes(3));
  t = schedule.Now(clock.Now(), clock.Monotonic());
  EXPECT_EQ(t.confirmed, persisted + absl::Minutes(3));
  EXPECT_EQ(t.now, persisted + absl::Minutes(3));

  // A right wall clock after a night off: `now` follows it, with the offset.
  FakeClock morning(kStart + absl::Hours(14));
  ScheduleClock next_day(persisted, morning.Monotonic(), absl::Seconds(30));
  t = next_day.Now(morning.Now(), morning.Monotonic());
  EXPECT_EQ(t.now, kStart + absl::Hours(14) + absl::Seconds(30));
  EXPECT_EQ(t.confirmed, persisted);
  EXPECT_EQ(next_day.offset(), absl::Seconds(30));
}

TEST(ScheduleClockTest, ConfirmResynchronizesBoth) {
  FakeClock clock(kStart);
  ScheduleClock schedule(absl::InfinitePast(), clock.Monotonic(),
                         absl::ZeroDuration());
  schedule.Confirm(kStart, clock.Now(), clock.Monotonic());
  clock.SetWall(kStart + absl::Hours(48));  // set forward offline
  clock.Advance(absl::Minutes(10));
  ASSERT_EQ(schedule.Now(clock.Now(), clock.Monotonic()).now,
            kStart + absl::Hours(48) + absl::Minutes(10));
  // Back online: the console says the real time.
  const absl::Time console = kStart + absl::Minutes(10);
  schedule.Confirm(console, clock.Now(), clock.Monotonic());
  EXPECT_EQ(schedule.offset(), -absl::Hours(48));
  ScheduleTime t = schedule.Now(clock.Now(), clock.Monotonic());
  EXPECT_EQ(t.now, console);
  EXPECT_EQ(t.confirmed, console);
  clock.Advance(absl::Seconds(30));
  t = schedule.Now(clock.Now(), clock.Monotonic());
  EXPECT_EQ(t.now, console + absl::Seconds(30));
  EXPECT_EQ(t.confirmed, console + absl::Seconds(30));
}

TEST(ScheduleClockTest, NowIsNeverBeforeConfirmed) {
  FakeClock clock(kStart);
  ScheduleClock schedule(kStart + absl::Hours(2), clock.Monotonic(),
                         absl::ZeroDuration());
  for (int i = 0; i < 5; ++i) {
    clock.Advance(absl::Minutes(7));
    const ScheduleTime t = schedule.Now(clock.Now(), clock.Monotonic());
    EXPECT_GE(t.now, t.confirmed);
  }
}

}  // namespace
}  // namespace ardoise
