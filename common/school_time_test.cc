#include "common/school_time.h"

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace ardoise {
namespace {

absl::Time Utc(int y, int mo, int d, int h, int mi) {
  return absl::FromCivil(absl::CivilMinute(y, mo, d, h, mi),
                         absl::UTCTimeZone());
}

absl::TimeZone Paris() {
  absl::StatusOr<absl::TimeZone> tz = LoadSchoolTimeZone(kDefaultTimeZone);
  EXPECT_TRUE(tz.ok()) << tz.status();
  return tz.value_or(absl::UTCTimeZone());
}

TEST(SchoolTimeTest, LoadsParisAndItIsNotUtc) {
  absl::TimeZone paris = Paris();
  EXPECT_EQ(paris.name(), "Europe/Paris");
  // 12:00Z in January is 13:00 in Paris.
  EXPECT_EQ(absl::ToCivilHour(Utc(2027, 1, 15, 12, 0), paris).hour(), 13);
}

TEST(SchoolTimeTest, UnknownZoneIsAnErrorNotUtc) {
  absl::StatusOr<absl::TimeZone> tz = LoadSchoolTimeZone("Europe/Pariss");
  ASSERT_FALSE(tz.ok());
  EXPECT_EQ(tz.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(tz.status().message().find("\"Europe/Pariss\""),
            absl::string_view::npos);
  EXPECT_NE(tz.status().message().find("tzdata"), absl::string_view::npos);

  EXPECT_EQ(LoadSchoolTimeZone("").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(SchoolTimeTest, IsoWeekAroundNewYear) {
  EXPECT_EQ(IsoWeekOf(absl::CivilDay(2026, 12, 31)), (IsoWeek{2026, 53}));
  EXPECT_EQ(IsoWeekOf(absl::CivilDay(2027, 1, 1)), (IsoWeek{2026, 53}));
  EXPECT_EQ(IsoWeekOf(absl::CivilDay(2027, 1, 3)), (IsoWeek{2026, 53}));
  EXPECT_EQ(IsoWeekOf(absl::CivilDay(2027, 1, 4)), (IsoWeek{2027, 1}));
  EXPECT_EQ(IsoWeekOf(absl::CivilDay(2024, 12, 29)), (IsoWeek{2024, 52}));
  EXPECT_EQ(IsoWeekOf(absl::CivilDay(2024, 12, 30)), (IsoWeek{2025, 1}));
  EXPECT_EQ(IsoWeekOf(absl::CivilDay(2021, 1, 3)), (IsoWeek{2020, 53}));
  EXPECT_EQ(IsoWeekOf(absl::CivilDay(2027, 12, 31)), (IsoWeek{2027, 52}));
}

TEST(SchoolTimeTest, WeeksInYear) {
  EXPECT_EQ(IsoWeeksInYear(2026), 53);
  EXPECT_EQ(IsoWeeksInYear(2027), 52);
  EXPECT_EQ(IsoWeeksInYear(2020), 53);  // leap year starting on Wednesday
  EXPECT_EQ(IsoWeeksInYear(2032), 53);
  EXPECT_EQ(IsoWeeksInYear(2025), 52);
}

TEST(SchoolTimeTest, MondayOf) {
  EXPECT_EQ(MondayOf({2027, 1}), absl::CivilDay(2027, 1, 4));
  EXPECT_EQ(MondayOf({2026, 53}), absl::CivilDay(2026, 12, 28));
  EXPECT_EQ(MondayOf({2025, 1}), absl::CivilDay(2024, 12, 30));
  EXPECT_EQ(MondayOf({2027, 5}), absl::CivilDay(2027, 2, 1));
}

// Cross-checks against strftime's %G/%V and the Monday/round-trip
// invariants for every day of seventy years.
TEST(SchoolTimeTest, AgreesWithStrftimeEveryDay) {
  for (absl::CivilDay d(1990, 1, 1); d < absl::CivilDay(2060, 1, 1); ++d) {
    IsoWeek w = IsoWeekOf(d);
    absl::Time t = absl::FromCivil(d, absl::UTCTimeZone());
    ASSERT_EQ(FormatIsoWeek(w),
              absl::FormatTime("%G-W%V", t, absl::UTCTimeZone()))
        << d;
    absl::CivilDay monday = MondayOf(w);
    ASSERT_EQ(absl::GetWeekday(monday), absl::Weekday::monday) << d;
    ASSERT_LE(monday, d);
    ASSERT_GT(monday + 7, d);
    ASSERT_LE(w.week, IsoWeeksInYear(w.year));
    absl::StatusOr<IsoWeek> parsed = ParseIsoWeek(FormatIsoWeek(w));
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    ASSERT_EQ(*parsed, w);
  }
}

TEST(SchoolTimeTest, WeekOfAnInstantDependsOnTheZone) {
  absl::TimeZone paris = Paris();
  // Sunday 23:30 in UTC, already Monday 00:30 in Paris.
  absl::Time t = Utc(2027, 1, 3, 23, 30);
  EXPECT_EQ(IsoWeekOf(t, absl::UTCTimeZone()), (IsoWeek{2026, 53}));
  EXPECT_EQ(IsoWeekOf(t, paris), (IsoWeek{2027, 1}));
  EXPECT_EQ(IsoWeekOf(t - absl::Hours(1), paris), (IsoWeek{2026, 53}));
}

TEST(SchoolTimeTest, SpringForwardDay) {
  absl::TimeZone paris = Paris();
  // Sunday 2027-03-28 has 23 hours in Paris.
  EXPECT_EQ(absl::FromCivil(absl::CivilDay(2027, 3, 29), paris) -
                absl::FromCivil(absl::CivilDay(2027, 3, 28), paris),
            absl::Hours(23));
  // After the change Paris is UTC+2: 22:30Z is Monday 00:30.
  EXPECT_EQ(IsoWeekOf(Utc(2027, 3, 28, 22, 30), paris), (IsoWeek{2027, 13}));
  EXPECT_EQ(IsoWeekOf(Utc(2027, 3, 28, 21, 30), paris), (IsoWeek{2027, 12}));
  EXPECT_EQ(IsoWeekOf(Utc(2027, 3, 28, 22, 30), absl::UTCTimeZone()),
            (IsoWeek{2027, 12}));
}

TEST(SchoolTimeTest, FallBackDay) {
  absl::TimeZone paris = Paris();
  // Sunday 2027-10-31 has 25 hours in Paris.
  EXPECT_EQ(absl::FromCivil(absl::CivilDay(2027, 11, 1), paris) -
                absl::FromCivil(absl::CivilDay(2027, 10, 31), paris),
            absl::Hours(25));
  // After the change Paris is UTC+1 again: 23:30Z is Monday 00:30.
  EXPECT_EQ(IsoWeekOf(Utc(2027, 10, 31, 23, 30), paris), (IsoWeek{2027, 44}));
  EXPECT_EQ(IsoWeekOf(Utc(2027, 10, 31, 22, 30), paris), (IsoWeek{2027, 43}));
}

TEST(SchoolTimeTest, FormatAndParse) {
  EXPECT_EQ(FormatIsoWeek({2027, 5}), "2027-W05");
  EXPECT_EQ(FormatIsoWeek({2026, 53}), "2026-W53");
  EXPECT_EQ(ParseIsoWeek("2027-W05").value(), (IsoWeek{2027, 5}));
  EXPECT_EQ(ParseIsoWeek("2026-W53").value(), (IsoWeek{2026, 53}));
  EXPECT_EQ(ParseIsoWeek("2027-w05").value(), (IsoWeek{2027, 5}));
}

TEST(SchoolTimeTest, ParseErrors) {
  for (const char* bad :
       {"", "2027", "2027-5", "2027-W5", "2027W05", "27-W05", "2027-W005",
        "2027-05", " 2027-W05", "2027-W05 ", "2027-Wab", "abcd-W01", "2027-W00",
        "2027-W54", "0000-W01", "2027-W-1"}) {
    absl::StatusOr<IsoWeek> w = ParseIsoWeek(bad);
    EXPECT_FALSE(w.ok()) << bad;
    EXPECT_EQ(w.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(w.status().message().find("bad ISO week"),
              absl::string_view::npos);
  }
  absl::Status s = ParseIsoWeek("2027-W53").status();
  EXPECT_EQ(s.message(),
            "bad ISO week \"2027-W53\": 2027 has ISO weeks W01 to W52 (e.g. "
            "\"2027-W01\")");
  EXPECT_NE(ParseIsoWeek("2027-5").status().message().find("e.g. \"2027-W05\""),
            absl::string_view::npos);
}

TEST(SchoolTimeTest, Ordering) {
  EXPECT_LT((IsoWeek{2026, 53}), (IsoWeek{2027, 1}));
  EXPECT_LT((IsoWeek{2027, 1}), (IsoWeek{2027, 2}));
  EXPECT_FALSE((IsoWeek{2027, 2}) < (IsoWeek{2027, 2}));
  EXPECT_NE((IsoWeek{2027, 2}), (IsoWeek{2026, 2}));
}

}  // namespace
}  // namespace ardoise
