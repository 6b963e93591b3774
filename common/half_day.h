// The weekly half-day (DESIGN.md, "The weekly half-day"): how much digital
// pedagogy a class is owed in an ISO week, and the calendar arithmetic that
// session accounting needs around it.
//
// A class's allowance per ISO week (in the school's zone) is the policy's
// weekly_allowance_seconds, prorated to the school half-days of that week:
// a week with two days of holiday owes less, a week of holidays nothing. A
// "half-day" is one range of school hours on a non-holiday day (a morning or
// an afternoon). Running time is counted per local day and per ISO week, cut
// at local midnights, so DST days hold 23 h or 25 h of it.
//
// Holidays and school hours are read exactly as Decide reads them (both go
// through school_calendar.h), so "in school hours" here and "not in
// downtime" there never disagree.
//
// Thread safety: pure functions over values; the policy is only read.
#ifndef ARDOISE_COMMON_HALF_DAY_H_
#define ARDOISE_COMMON_HALF_DAY_H_

#include <utility>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "ardoise/v1/policy.pb.h"
#include "common/school_time.h"

namespace ardoise {

// The weekly half-day when the policy leaves weekly_allowance_seconds at 0.
inline constexpr absl::Duration kDefaultWeeklyAllowance = absl::Hours(3);

// The school half-days of ISO week `w`: over its Monday to Sunday, for each
// day outside every holiday, the number of school-hours ranges of its
// weekday. Touching ranges (08:30-12:00 and 12:00-16:00) count as two.
int SchoolHalfDaysInWeek(const v1::EffectivePolicy& policy, IsoWeek w);

// The half-days of a week without holidays (9 for a French primary school:
// two ranges on Monday, Tuesday, Thursday and Friday, one on Wednesday).
int NormalWeekHalfDays(const v1::EffectivePolicy& policy);

// The allowance of week `w`: weekly_allowance_seconds (kDefaultWeeklyAllowance
// when not positive) × SchoolHalfDaysInWeek / NormalWeekHalfDays, rounded
// down to the whole second. Zero for a week of holidays; the full allowance
// when the policy has no school hours at all (nothing to prorate against).
absl::Duration WeeklyAllowance(const v1::EffectivePolicy& policy, IsoWeek w);

// The running interval [from, to) cut at the local midnights of `tz`: one
// piece per local day it touches, in order, zero-length pieces left out. The
// pieces add up to exactly `to - from` (a DST day holds 23 h or 25 h). Empty
// when `to <= from`; both ends must be finite.
std::vector<std::pair<absl::CivilDay, absl::Duration>> SplitByLocalDay(
    absl::Time from, absl::Time to, absl::TimeZone tz);

// The same cut at ISO week boundaries (Monday 00:00 local): one piece per ISO
// week, as IsoWeekOf names it (2027-01-01 belongs to 2026-W53).
std::vector<std::pair<IsoWeek, absl::Duration>> SplitByIsoWeek(
    absl::Time from, absl::Time to, absl::TimeZone tz);

// Where instant `t` stands with respect to school hours, in zone `tz` (the
// policy's, loaded by the caller).
struct SchoolHoursSpan {
  // Inside a range of school hours of a day outside the holidays; exactly
  // when Decide does not lock for downtime.
  bool in_school_hours = false;
  // In school hours: when they end (the next downtime, which bounds a
  // session's deadline); ranges that touch, also across midnight, make one
  // span. Outside: when they next start. InfiniteFuture when that does not
  // happen within 400 days. A policy without school hours is, as for Decide,
  // out of school hours for good: {false, InfiniteFuture}.
  absl::Time ends = absl::InfiniteFuture();
};
SchoolHoursSpan SchoolHoursAround(const v1::EffectivePolicy& policy,
                                  absl::TimeZone tz, absl::Time t);

}  // namespace ardoise

#endif  // ARDOISE_COMMON_HALF_DAY_H_
