#include "common/school_time.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/absl_compat.h"

namespace ardoise {
namespace {

// 1 = Monday ... 7 = Sunday, as ISO 8601 numbers them.
int IsoWeekdayNumber(absl::CivilDay day) {
  switch (absl::GetWeekday(day)) {
    case absl::Weekday::monday:
      return 1;
    case absl::Weekday::tuesday:
      return 2;
    case absl::Weekday::wednesday:
      return 3;
    case absl::Weekday::thursday:
      return 4;
    case absl::Weekday::friday:
      return 5;
    case absl::Weekday::saturday:
      return 6;
    case absl::Weekday::sunday:
      return 7;
  }
  return 1;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

absl::Status BadWeek(std::string_view s, std::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("bad ISO week \"", AsAbsl(s), "\": ", AsAbsl(why)));
}

}  // namespace

absl::StatusOr<absl::TimeZone> LoadSchoolTimeZone(const std::string& name) {
  if (name.empty()) {
    return absl::InvalidArgumentError(
        "time zone name is empty (use an IANA name such as \"Europe/Paris\")");
  }
  absl::TimeZone tz;
  if (!absl::LoadTimeZone(name, &tz)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot load time zone \"", name,
        "\": not found in the time zone database (check the name, e.g. "
        "\"Europe/Paris\", and that the tzdata package is installed)"));
  }
  return tz;
}

IsoWeek IsoWeekOf(absl::CivilDay day) {
  // The week belongs to the year of its Thursday.
  absl::CivilDay thursday = day + (4 - IsoWeekdayNumber(day));
  IsoWeek w;
  w.year = static_cast<int>(thursday.year());
  w.week = (absl::GetYearDay(thursday) - 1) / 7 + 1;
  return w;
}

IsoWeek IsoWeekOf(absl::Time t, absl::TimeZone tz) {
  return IsoWeekOf(absl::ToCivilDay(t, tz));
}

absl::CivilDay MondayOf(IsoWeek w) {
  // January 4th is always in week 1.
  absl::CivilDay jan4(w.year, 1, 4);
  absl::CivilDay week1_monday = jan4 - (IsoWeekdayNumber(jan4) - 1);
  return week1_monday + 7 * (w.week - 1);
}

std::string FormatIsoWeek(IsoWeek w) {
  return absl::StrFormat("%04d-W%02d", w.year, w.week);
}

absl::StatusOr<IsoWeek> ParseIsoWeek(std::string_view s) {
  // YYYY-Www
  if (s.size() != 8 || !IsDigit(s[0]) || !IsDigit(s[1]) || !IsDigit(s[2]) ||
      !IsDigit(s[3]) || s[4] != '-' || (s[5] != 'W' && s[5] != 'w') ||
      !IsDigit(s[6]) || !IsDigit(s[7])) {
    return BadWeek(s, "expected YYYY-Www, e.g. \"2027-W05\"");
  }
  IsoWeek w;
  w.year = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
           (s[3] - '0');
  w.week = (s[6] - '0') * 10 + (s[7] - '0');
  if (w.year == 0) return BadWeek(s, "year 0000 does not exist");
  int weeks = IsoWeeksInYear(w.year);
  if (w.week < 1 || w.week > weeks) {
    return BadWeek(s, absl::StrFormat(
                          "%04d has ISO weeks W01 to W%02d (e.g. \"%04d-W01\")",
                          w.year, weeks, w.year));
  }
  return w;
}

int IsoWeeksInYear(int iso_year) {
  // December 28th is always in the year's last week.
  return IsoWeekOf(absl::CivilDay(iso_year, 12, 28)).week;
}

}  // namespace ardoise
