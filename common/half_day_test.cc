#include "common/half_day.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/time/civil_time.h"
#include "common/decide.h"
#include "common/school_time.h"
#include "gtest/gtest.h"

namespace ardoise {
namespace {

absl::TimeZone Paris() {
  absl::StatusOr<absl::TimeZone> tz = LoadSchoolTimeZone("Europe/Paris");
  EXPECT_TRUE(tz.ok()) << tz.status();
  return tz.ok() ? *tz : absl::UTCTimeZone();
}

// Local time in Paris (unique civil times only).
absl::Time At(int y, int m, int d, int hh, int mm) {
  return absl::FromCivil(absl::CivilSecond(y, m, d, hh, mm, 0), Paris());
}

void SetDate(absl::CivilDay day, v1::Date* out) {
  out->set_year(static_cast<int32_t>(day.year()));
  out->set_month(day.month());
  out->set_day(day.day());
}

void AddHoliday(const std::string& name, absl::CivilDay from, absl::CivilDay to,
                v1::EffectivePolicy* policy) {
  v1::DateRange* range = policy->add_holidays();
  range->set_name(name);
  SetDate(from, range->mutable_from());
  SetDate(to, range->mutable_to());
}

void SetHours(v1::Weekday day, std::vector<std::pair<int, int>> ranges,
              v1::EffectivePolicy* policy) {
  v1::DayHours* hours = policy->mutable_school_hours()->add_days();
  hours->set_day(day);
  for (const auto& [start, end] : ranges) {
    v1::TimeRange* range = hours->add_ranges();
    range->set_start_minute(start);
    range->set_end_minute(end);
  }
}

constexpr int kMorningStart = 8 * 60 + 45;
constexpr int kMorningEnd = 11 * 60 + 45;
constexpr int kAfternoonStart = 13 * 60 + 30;
constexpr int kAfternoonEnd = 16 * 60 + 30;

// A French primary school: four full days, Wednesday mornings, the winter
// holidays of 2027 and the Ascension bridge (Thursday and Friday).
v1::EffectivePolicy SchoolPolicy() {
  v1::EffectivePolicy policy;
  policy.set_timezone("Europe/Paris");
  for (v1::Weekday day : {v1::WEEKDAY_MONDAY, v1::WEEKDAY_TUESDAY,
                          v1::WEEKDAY_THURSDAY, v1::WEEKDAY_FRIDAY}) {
    SetHours(day,
             {{kMorningStart, kMorningEnd}, {kAfternoonStart, kAfternoonEnd}},
             &policy);
  }
  SetHours(v1::WEEKDAY_WEDNESDAY, {{kMorningStart, kMorningEnd}}, &policy);
  AddHoliday("Vacances d'hiver", absl::CivilDay(2027, 2, 13),
             absl::CivilDay(2027, 2, 28), &policy);
  AddHoliday("Pont de l'Ascension", absl::CivilDay(2027, 5, 6),
             absl::CivilDay(2027, 5, 7), &policy);
  policy.set_weekly_allowance_seconds(3 * 3600);
  return policy;
}

constexpr IsoWeek kNormalWeek{2027, 12};     // Monday 2027-03-22
constexpr IsoWeek kAscensionWeek{2027, 18};  // Thursday 6 and Friday 7 off
constexpr IsoWeek kWinterWeek{2027, 7};      // all in the winter holidays

// --- Half-days and the prorated allowance. ---

TEST(HalfDayTest, NormalWeekHasNineHalfDays) {
  const v1::EffectivePolicy policy = SchoolPolicy();
  EXPECT_EQ(NormalWeekHalfDays(policy), 9);
  EXPECT_EQ(SchoolHalfDaysInWeek(policy, kNormalWeek), 9);
  EXPECT_EQ(WeeklyAllowance(policy, kNormalWeek), absl::Minutes(180));
}

TEST(HalfDayTest, TwoDaysOfHolidayLeaveFiveHalfDaysAndHundredMinutes) {
  const v1::EffectivePolicy policy = SchoolPolicy();
  EXPECT_EQ(SchoolHalfDaysInWeek(policy, kAscensionWeek), 5);
  EXPECT_EQ(NormalWeekHalfDays(policy), 9);  // holidays aside
  EXPECT_EQ(WeeklyAllowance(policy, kAscensionWeek), absl::Minutes(100));
}

TEST(HalfDayTest, WeekOfHolidaysOwesNothing) {
  const v1::EffectivePolicy policy = SchoolPolicy();
  EXPECT_EQ(SchoolHalfDaysInWeek(policy, kWinterWeek), 0);
  EXPECT_EQ(WeeklyAllowance(policy, kWinterWeek), absl::ZeroDuration());
}

TEST(HalfDayTest, HolidayOverTheWeekendChangesNothing) {
  v1::EffectivePolicy policy = SchoolPolicy();
  AddHoliday("Week-end", absl::CivilDay(2027, 3, 27),
             absl::CivilDay(2027, 3, 28), &policy);
  EXPECT_EQ(SchoolHalfDaysInWeek(policy, kNormalWeek), 9);
}

TEST(HalfDayTest, HolidayOverlappingTheWeekCountsOnlyItsDaysInside) {
  v1::EffectivePolicy policy = SchoolPolicy();
  // Friday 2027-03-19 to Tuesday 2027-03-23: Monday and Tuesday of W12 off.
  AddHoliday("Pont", absl::CivilDay(2027, 3, 19), absl::CivilDay(2027, 3, 23),
             &policy);
  EXPECT_EQ(SchoolHalfDaysInWeek(policy, kNormalWeek), 5);
}

TEST(HalfDayTest, CustomWeeklyAllowanceIsProrated) {
  v1::EffectivePolicy policy = SchoolPolicy();
  policy.set_weekly_allowance_seconds(2 * 3600);
  EXPECT_EQ(WeeklyAllowance(policy, kNormalWeek), absl::Hours(2));
  EXPECT_EQ(WeeklyAllowance(policy, kAscensionWeek), absl::Seconds(4000));
}

TEST(HalfDayTest, ProratedAllowanceRoundsDownToTheSecond) {
  v1::EffectivePolicy policy = SchoolPolicy();
  policy.set_weekly_allowance_seconds(1000);  // 1000 × 5 / 9 = 555.5…
  EXPECT_EQ(WeeklyAllowance(policy, kAscensionWeek), absl::Seconds(555));
}

TEST(HalfDayTest, HugeAllowanceDoesNotOverflow) {
  v1::EffectivePolicy policy = SchoolPolicy();
  const int64_t huge = int64_t{1} << 62;
  policy.set_weekly_allowance_seconds(huge);
  EXPECT_EQ(WeeklyAllowance(policy, kNormalWeek), absl::Seconds(huge));
  EXPECT_EQ(WeeklyAllowance(policy, kAscensionWeek),
            absl::Seconds(huge / 9 * 5 + huge % 9 * 5 / 9));
}

TEST(HalfDayTest, ZeroAllowanceMeansThreeHours) {
  v1::EffectivePolicy policy = SchoolPolicy();
  policy.set_weekly_allowance_seconds(0);
  EXPECT_EQ(kDefaultWeeklyAllowance, absl::Seconds(10800));
  EXPECT_EQ(WeeklyAllowance(policy, kNormalWeek), absl::Seconds(10800));
  EXPECT_EQ(WeeklyAllowance(policy, kAscensionWeek), absl::Seconds(6000));
}

TEST(HalfDayTest, NoSchoolHoursGivesTheFullAllowance) {
  v1::EffectivePolicy policy = SchoolPolicy();
  policy.clear_school_hours();
  EXPECT_EQ(NormalWeekHalfDays(policy), 0);
  EXPECT_EQ(SchoolHalfDaysInWeek(policy, kNormalWeek), 0);
  EXPECT_EQ(WeeklyAllowance(policy, kNormalWeek), absl::Hours(3));
  EXPECT_EQ(WeeklyAllowance(policy, kWinterWeek), absl::Hours(3));
}

TEST(HalfDayTest, TouchingRangesAreTwoHalfDays) {
  v1::EffectivePolicy policy;
  SetHours(v1::WEEKDAY_MONDAY, {{8 * 60 + 30, 12 * 60}, {12 * 60, 16 * 60}},
           &policy);
  EXPECT_EQ(NormalWeekHalfDays(policy), 2);
  EXPECT_EQ(SchoolHalfDaysInWeek(policy, kNormalWeek), 2);
}

TEST(HalfDayTest, DuplicateWeekdayCountsItsFirstEntryAsDecideDoes) {
  v1::EffectivePolicy policy;
  SetHours(v1::WEEKDAY_MONDAY, {{kMorningStart, kMorningEnd}}, &policy);
  SetHours(v1::WEEKDAY_MONDAY,
           {{kMorningStart, kMorningEnd}, {kAfternoonStart, kAfternoonEnd}},
           &policy);
  EXPECT_EQ(NormalWeekHalfDays(policy), 1);
  EXPECT_EQ(SchoolHalfDaysInWeek(policy, kNormalWeek), 1);
}

// --- Splitting running time. ---

using DayPieces = std::vector<std::pair<absl::CivilDay, absl::Duration>>;
using WeekPieces = std::vector<std::pair<IsoWeek, absl::Duration>>;

template <typename Pieces>
absl::Duration Sum(const Pieces& pieces) {
  absl::Duration sum;
  for (const auto& piece : pieces) sum += piece.second;
  return sum;
}

TEST(SplitTest, EmptyWhenToIsNotAfterFrom) {
  const absl::Time t = At(2027, 3, 22, 10, 0);
  EXPECT_TRUE(SplitByLocalDay(t, t, Paris()).empty());
  EXPECT_TRUE(SplitByLocalDay(t, t - absl::Minutes(1), Paris()).empty());
  EXPECT_TRUE(SplitByIsoWeek(t, t, Paris()).empty());
}

TEST(SplitTest, WithinOneDayIsOnePiece) {
  const absl::Time from = At(2027, 3, 22, 10, 0);
  EXPECT_EQ(SplitByLocalDay(from, from + absl::Minutes(40), Paris()),
            (DayPieces{{absl::CivilDay(2027, 3, 22), absl::Minutes(40)}}));
  EXPECT_EQ(SplitByIsoWeek(from, from + absl::Minutes(40), Paris()),
            (WeekPieces{{IsoWeek{2027, 12}, absl::Minutes(40)}}));
}

TEST(SplitTest, AcrossLocalMidnight) {
  const DayPieces pieces =
      SplitByLocalDay(At(2027, 3, 22, 23, 30), At(2027, 3, 23, 0, 45), Paris());
  EXPECT_EQ(pieces,
            (DayPieces{{absl::CivilDay(2027, 3, 22), absl::Minutes(30)},
                       {absl::CivilDay(2027, 3, 23), absl::Minutes(45)}}));
}

TEST(SplitTest, MidnightIsLocalNotUtc) {
  // 00:30 to 01:30 Paris (CET) is 23:30 to 00:30 UTC: one local day.
  EXPECT_EQ(
      SplitByLocalDay(At(2027, 3, 23, 0, 30), At(2027, 3, 23, 1, 30), Paris()),
      (DayPieces{{absl::CivilDay(2027, 3, 23), absl::Hours(1)}}));
}

TEST(SplitTest, EndsOnMidnightLeaveNoEmptyPiece) {
  EXPECT_EQ(
      SplitByLocalDay(At(2027, 3, 22, 0, 0), At(2027, 3, 24, 0, 0), Paris()),
      (DayPieces{{absl::CivilDay(2027, 3, 22), absl::Hours(24)},
                 {absl::CivilDay(2027, 3, 23), absl::Hours(24)}}));
}

TEST(SplitTest, SundayToMondayAtNewYearChangesTheIsoWeek) {
  // 2027-01-01 is in 2026-W53; Monday 2027-01-04 starts 2027-W01.
  const absl::Time from = At(2027, 1, 3, 23, 0);
  const absl::Time to = At(2027, 1, 4, 1, 0);
  EXPECT_EQ(SplitByIsoWeek(from, to, Paris()),
            (WeekPieces{{IsoWeek{2026, 53}, absl::Hours(1)},
                        {IsoWeek{2027, 1}, absl::Hours(1)}}));
  EXPECT_EQ(SplitByLocalDay(from, to, Paris()),
            (DayPieces{{absl::CivilDay(2027, 1, 3), absl::Hours(1)},
                       {absl::CivilDay(2027, 1, 4), absl::Hours(1)}}));
}

TEST(SplitTest, NewYearsEveStaysInOneIsoWeek) {
  const absl::Time from = At(2026, 12, 31, 23, 0);
  const absl::Time to = At(2027, 1, 1, 1, 0);
  EXPECT_EQ(SplitByIsoWeek(from, to, Paris()),
            (WeekPieces{{IsoWeek{2026, 53}, absl::Hours(2)}}));
  EXPECT_EQ(SplitByLocalDay(from, to, Paris()),
            (DayPieces{{absl::CivilDay(2026, 12, 31), absl::Hours(1)},
                       {absl::CivilDay(2027, 1, 1), absl::Hours(1)}}));
}

TEST(SplitTest, SeveralWeeks) {
  const absl::Time from = At(2026, 12, 20, 12, 0);  // Sunday of 2026-W51
  const absl::Time to = At(2027, 1, 5, 12, 0);      // Tuesday of 2027-W01
  const WeekPieces pieces = SplitByIsoWeek(from, to, Paris());
  EXPECT_EQ(pieces, (WeekPieces{{IsoWeek{2026, 51}, absl::Hours(12)},
                                {IsoWeek{2026, 52}, absl::Hours(7 * 24)},
                                {IsoWeek{2026, 53}, absl::Hours(7 * 24)},
                                {IsoWeek{2027, 1}, absl::Hours(36)}}));
  EXPECT_EQ(Sum(pieces), to - from);
  EXPECT_EQ(SplitByLocalDay(from, to, Paris()).size(), 17u);
}

TEST(SplitTest, SpringForwardDayHoldsTwentyThreeHours) {
  // 2026-03-29: 02:00 CET becomes 03:00 CEST.
  const absl::Time from = At(2026, 3, 28, 12, 0);
  const absl::Time to = At(2026, 3, 30, 12, 0);
  const DayPieces pieces = SplitByLocalDay(from, to, Paris());
  EXPECT_EQ(pieces,
            (DayPieces{{absl::CivilDay(2026, 3, 28), absl::Hours(12)},
                       {absl::CivilDay(2026, 3, 29), absl::Hours(23)},
                       {absl::CivilDay(2026, 3, 30), absl::Hours(12)}}));
  EXPECT_EQ(Sum(pieces), to - from);
  EXPECT_EQ(to - from, absl::Hours(47));
  // Its ISO week (2026-W13, Monday 23 to Sunday 29) holds 167 hours.
  const WeekPieces weeks = SplitByIsoWeek(from, to, Paris());
  EXPECT_EQ(weeks, (WeekPieces{{IsoWeek{2026, 13}, absl::Hours(35)},
                               {IsoWeek{2026, 14}, absl::Hours(12)}}));
  EXPECT_EQ(
      SplitByIsoWeek(At(2026, 3, 23, 0, 0), At(2026, 3, 30, 0, 0), Paris()),
      (WeekPieces{{IsoWeek{2026, 13}, absl::Hours(167)}}));
}

TEST(SplitTest, FallBackDayHoldsTwentyFiveHours) {
  // 2026-10-25: 03:00 CEST becomes 02:00 CET.
  const absl::Time from = At(2026, 10, 24, 12, 0);
  const absl::Time to = At(2026, 10, 26, 12, 0);
  const DayPieces pieces = SplitByLocalDay(from, to, Paris());
  EXPECT_EQ(pieces,
            (DayPieces{{absl::CivilDay(2026, 10, 24), absl::Hours(12)},
                       {absl::CivilDay(2026, 10, 25), absl::Hours(25)},
                       {absl::CivilDay(2026, 10, 26), absl::Hours(12)}}));
  EXPECT_EQ(Sum(pieces), to - from);
  EXPECT_EQ(to - from, absl::Hours(49));
  EXPECT_EQ(
      SplitByIsoWeek(At(2026, 10, 19, 0, 0), At(2026, 10, 26, 0, 0), Paris()),
      (WeekPieces{{IsoWeek{2026, 43}, absl::Hours(169)}}));
}

TEST(SplitTest, IntervalInsideTheRepeatedHourStaysOnItsDay) {
  // 02:30 CEST to 02:30 CET on 2026-10-25: one hour, one day.
  const absl::Time from = absl::FromUnixSeconds(1792888200);  // 00:30 UTC
  const absl::Time to = from + absl::Hours(1);
  EXPECT_EQ(absl::FormatTime("%H:%M %Z", from, Paris()), "02:30 CEST");
  EXPECT_EQ(SplitByLocalDay(from, to, Paris()),
            (DayPieces{{absl::CivilDay(2026, 10, 25), absl::Hours(1)}}));
}

TEST(SplitTest, SumsAreExactOverAYearOfOddIntervals) {
  const absl::TimeZone tz = Paris();
  const absl::Time start = At(2026, 1, 1, 0, 0);
  for (int i = 0; i < 400; ++i) {
    const absl::Time from = start + absl::Seconds(i * 79423 + 17);
    const absl::Time to = from + absl::Seconds(i * 3571 + 1);
    const DayPieces days = SplitByLocalDay(from, to, tz);
    const WeekPieces weeks = SplitByIsoWeek(from, to, tz);
    ASSERT_EQ(Sum(days), to - from) << i;
    ASSERT_EQ(Sum(weeks), to - from) << i;
    for (size_t k = 1; k < days.size(); ++k) {
      ASSERT_EQ(days[k].first, days[k - 1].first + 1) << i;
    }
    for (const auto& [day, length] : days)
      ASSERT_GT(length, absl::ZeroDuration());
    for (const auto& [week, length] : weeks) {
      ASSERT_GT(length, absl::ZeroDuration());
    }
  }
}

// --- School hours around an instant. ---

TEST(SchoolHoursAroundTest, InsideTheMorningEndsAtItsEnd) {
  const SchoolHoursSpan span =
      SchoolHoursAround(SchoolPolicy(), Paris(), At(2027, 3, 22, 10, 0));
  EXPECT_TRUE(span.in_school_hours);
  EXPECT_EQ(span.ends, At(2027, 3, 22, 11, 45));
}

TEST(SchoolHoursAroundTest, RangeStartIsInsideAndRangeEndOutside) {
  const v1::EffectivePolicy policy = SchoolPolicy();
  EXPECT_TRUE(SchoolHoursAround(policy, Paris(), At(2027, 3, 22, 8, 45))
                  .in_school_hours);
  const SchoolHoursSpan end =
      SchoolHoursAround(policy, Paris(), At(2027, 3, 22, 11, 45));
  EXPECT_FALSE(end.in_school_hours);
  EXPECT_EQ(end.ends, At(2027, 3, 22, 13, 30));
}

TEST(SchoolHoursAroundTest, LunchIsOutUntilTheAfternoon) {
  const SchoolHoursSpan span =
      SchoolHoursAround(SchoolPolicy(), Paris(), At(2027, 3, 22, 12, 15));
  EXPECT_FALSE(span.in_school_hours);
  EXPECT_EQ(span.ends, At(2027, 3, 22, 13, 30));
}

TEST(SchoolHoursAroundTest, WednesdayAfternoonIsOutUntilThursday) {
  const SchoolHoursSpan span =
      SchoolHoursAround(SchoolPolicy(), Paris(), At(2027, 3, 24, 14, 0));
  EXPECT_FALSE(span.in_school_hours);
  EXPECT_EQ(span.ends, At(2027, 3, 25, 8, 45));
}

TEST(SchoolHoursAroundTest, HolidayIsOutUntilSchoolStartsAgain) {
  // Wednesday in the winter holidays (13 to 28 February 2027), at 10:00.
  const SchoolHoursSpan span =
      SchoolHoursAround(SchoolPolicy(), Paris(), At(2027, 2, 17, 10, 0));
  EXPECT_FALSE(span.in_school_hours);
  EXPECT_EQ(span.ends, At(2027, 3, 1, 8, 45));
}

TEST(SchoolHoursAroundTest, FridayEveningBeforeTheFallBackWeekend) {
  // Friday 2026-10-23 in CEST; Monday's 08:45 is in CET.
  const SchoolHoursSpan span =
      SchoolHoursAround(SchoolPolicy(), Paris(), At(2026, 10, 23, 17, 0));
  EXPECT_FALSE(span.in_school_hours);
  EXPECT_EQ(span.ends, At(2026, 10, 26, 8, 45));
  EXPECT_EQ(span.ends, absl::FromUnixSeconds(1793000700));  // 07:45 UTC
}

TEST(SchoolHoursAroundTest, TouchingRangesMakeOneSpan) {
  v1::EffectivePolicy policy;
  SetHours(v1::WEEKDAY_MONDAY, {{8 * 60 + 30, 12 * 60}, {12 * 60, 16 * 60}},
           &policy);
  const SchoolHoursSpan span =
      SchoolHoursAround(policy, Paris(), At(2027, 3, 22, 10, 0));
  EXPECT_TRUE(span.in_school_hours);
  EXPECT_EQ(span.ends, At(2027, 3, 22, 16, 0));
}

TEST(SchoolHoursAroundTest, RangesTouchingAcrossMidnightMakeOneSpan) {
  v1::EffectivePolicy policy;
  SetHours(v1::WEEKDAY_MONDAY, {{20 * 60, 24 * 60}}, &policy);
  SetHours(v1::WEEKDAY_TUESDAY, {{0, 2 * 60}}, &policy);
  const SchoolHoursSpan span =
      SchoolHoursAround(policy, Paris(), At(2027, 3, 22, 22, 0));
  EXPECT_TRUE(span.in_school_hours);
  EXPECT_EQ(span.ends, At(2027, 3, 23, 2, 0));
}

TEST(SchoolHoursAroundTest, LastDayBeforeAHolidayEndsWithItsRange) {
  // Wednesday 2027-05-05, the day before the Ascension bridge.
  const SchoolHoursSpan span =
      SchoolHoursAround(SchoolPolicy(), Paris(), At(2027, 5, 5, 9, 0));
  EXPECT_TRUE(span.in_school_hours);
  EXPECT_EQ(span.ends, At(2027, 5, 5, 11, 45));
  // After it, the next start is Monday 10 May.
  EXPECT_EQ(
      SchoolHoursAround(SchoolPolicy(), Paris(), At(2027, 5, 5, 12, 0)).ends,
      At(2027, 5, 10, 8, 45));
}

TEST(SchoolHoursAroundTest, PolicyWithoutHoursIsOutForGoodAsForDecide) {
  v1::EffectivePolicy policy = SchoolPolicy();
  policy.clear_school_hours();
  const SchoolHoursSpan span =
      SchoolHoursAround(policy, Paris(), At(2027, 3, 22, 10, 0));
  EXPECT_FALSE(span.in_school_hours);
  EXPECT_EQ(span.ends, absl::InfiniteFuture());
}

TEST(SchoolHoursAroundTest, AgreesWithDecideAllWeekAndOverHolidays) {
  const v1::EffectivePolicy policy = SchoolPolicy();
  const absl::TimeZone tz = Paris();
  // 2027-W18 (the Ascension bridge), every 15 minutes.
  for (absl::Time t = At(2027, 5, 3, 0, 0); t < At(2027, 5, 10, 0, 0);
       t += absl::Minutes(15)) {
    DecideInput input;
    input.now = t;
    input.time_zone = &tz;
    input.policy = &policy;
    input.kind = v1::DEVICE_KIND_PC;
    const Decision decision = Decide(input);
    const SchoolHoursSpan span = SchoolHoursAround(policy, tz, t);
    ASSERT_EQ(span.in_school_hours, decision.reason != v1::LOCK_REASON_DOWNTIME)
        << absl::FormatTime(t, tz);
    ASSERT_GT(span.ends, t) << absl::FormatTime(t, tz);
    // The span's end is a change of the decision, so Decide wakes up then.
    ASSERT_LE(decision.valid_until, span.ends) << absl::FormatTime(t, tz);
  }
}

}  // namespace
}  // namespace ardoise
