// The school calendar as an EffectivePolicy states it: which local dates are
// holidays, which ranges of which weekdays are school hours, and when being
// in school hours next changes. Shared inside common/ by Decide (downtime) and
// the weekly half-day (half_day.h), so that both agree on what a school day
// and a school range are; other modules should call those two instead.
//
// All dates and hours are civil time in the policy's zone (see
// school_time.h); the caller loads the zone once and passes it in.
//
// Thread safety: pure functions over values; the policy is only read, and
// returned pointers point into it (valid while it is neither changed nor
// destroyed).
#ifndef ARDOISE_COMMON_SCHOOL_CALENDAR_H_
#define ARDOISE_COMMON_SCHOOL_CALENDAR_H_

#include <cstdint>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "ardoise/v1/policy.pb.h"

namespace ardoise {

// Dates as ordered integers, so that per-call scans over holidays and periods
// compare numbers instead of normalizing civil times. Only the order is
// meaningful (keys of consecutive dates are not consecutive).
inline int64_t DayKey(int64_t year, int month, int day) {
  return year * 512 + month * 32 + day;
}
inline int64_t DayKey(const v1::Date& d) {
  return DayKey(d.year(), d.month(), d.day());
}
inline int64_t DayKey(absl::CivilDay d) {
  return DayKey(d.year(), d.month(), d.day());
}

// A proto Date as a civil day (an out-of-range field normalizes, as
// absl::CivilDay does).
inline absl::CivilDay ToCivilDay(const v1::Date& d) {
  return absl::CivilDay(d.year(), d.month(), d.day());
}

v1::Weekday ToProtoWeekday(absl::Weekday day);

// The first instant after `after` at which local civil time reaches `c`. A
// civil time skipped by a DST change is reached at the change itself; one
// that occurs twice is reached at its next occurrence.
absl::Time InstantOf(absl::CivilSecond c, absl::TimeZone tz, absl::Time after);

// The holiday covering the date of key `key` (see DayKey), or null.
const v1::DateRange* HolidayOn(const v1::EffectivePolicy& policy, int64_t key);

// The school hours of a weekday, or null when it has none. When a weekday is
// listed twice, the first entry counts.
const v1::DayHours* HoursOn(const v1::SchoolHours& hours, v1::Weekday weekday);
const v1::DayHours* HoursOn(const v1::SchoolHours& hours, absl::CivilDay day);

// Whether local civil time `local` is in school hours, and the first civil
// second after it at which that changes (`has_next` = false: not within the
// 400-day horizon). Change points are local midnights and range boundaries
// only; touching ranges, and ranges touching across midnight, make one span.
// A holiday is out of hours all day; a policy without any school hours is out
// of hours for good (has_next = false).
struct HoursState {
  bool in_hours = false;
  bool has_next = false;
  absl::CivilSecond next;
};
HoursState SchoolHoursAt(const v1::EffectivePolicy& policy,
                         absl::CivilSecond local);

// The instant after `now` at which the school-hours state `state`, computed
// by SchoolHoursAt for the local time of `now` (UTC offset `offset_now`,
// seconds), changes; InfiniteFuture when it does not within the horizon.
absl::Time NextHoursChange(const v1::EffectivePolicy& policy, absl::TimeZone tz,
                           absl::Time now, int offset_now,
                           const HoursState& state);

}  // namespace ardoise

#endif  // ARDOISE_COMMON_SCHOOL_CALENDAR_H_
