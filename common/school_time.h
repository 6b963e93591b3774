// School time: the school's time zone and ISO 8601 weeks.
//
// Schedules, downtime and the weekly half-day are all counted in the school's
// civil time, never in UTC: a session at 08:30 is 08:30 in Paris on both
// sides of a DST change, and "this week" is the ISO week (Monday to Sunday,
// week 1 holds the year's first Thursday) containing the school's local date.
// Note that the ISO year differs from the calendar year around New Year:
// 2027-01-01 belongs to 2026-W53 and 2024-12-30 to 2025-W01.
//
// Thread safety: pure functions; absl::TimeZone values are thread-safe.

#ifndef ARDOISE_COMMON_SCHOOL_TIME_H_
#define ARDOISE_COMMON_SCHOOL_TIME_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace ardoise {

inline constexpr char kDefaultTimeZone[] = "Europe/Paris";

// Loads an IANA time zone such as "Europe/Paris". absl::LoadTimeZone silently
// falls back to UTC when the zone (or tzdata) is missing, which would shift
// every schedule by an hour or two; this returns FailedPrecondition instead,
// naming the zone and the fix. Callers that enforce policy must lock rather
// than guess (see DESIGN.md, Enforcement).
absl::StatusOr<absl::TimeZone> LoadSchoolTimeZone(const std::string& name);

// An ISO 8601 week: `year` is the ISO week-numbering year, `week` is 1..53.
struct IsoWeek {
  int year = 0;
  int week = 0;

  friend bool operator==(const IsoWeek& a, const IsoWeek& b) {
    return a.year == b.year && a.week == b.week;
  }
  friend bool operator!=(const IsoWeek& a, const IsoWeek& b) {
    return !(a == b);
  }
  friend bool operator<(const IsoWeek& a, const IsoWeek& b) {
    return a.year != b.year ? a.year < b.year : a.week < b.week;
  }
};

// The ISO week that contains `day`.
IsoWeek IsoWeekOf(absl::CivilDay day);

// The ISO week that contains instant `t` as seen in `tz` (the school's zone).
IsoWeek IsoWeekOf(absl::Time t, absl::TimeZone tz);

// The Monday that starts week `w`. `w` should be valid (see ParseIsoWeek);
// an out-of-range week simply counts on from week 1.
absl::CivilDay MondayOf(IsoWeek w);

// "2027-W05".
std::string FormatIsoWeek(IsoWeek w);

// Parses "2027-W05" (four-digit year, "-W", two-digit week). Rejects week 0,
// weeks above 53, and week 53 in years that have only 52 weeks.
absl::StatusOr<IsoWeek> ParseIsoWeek(std::string_view s);

// 53 for ISO years that have a week 53 (e.g. 2026, 2032), otherwise 52.
int IsoWeeksInYear(int iso_year);

}  // namespace ardoise

#endif  // ARDOISE_COMMON_SCHOOL_TIME_H_
