#include "common/half_day.h"

#include <cstdint>

#include "common/school_calendar.h"

namespace ardoise {
namespace {

int RangesOn(const v1::SchoolHours& hours, v1::Weekday weekday) {
  const v1::DayHours* day_hours = HoursOn(hours, weekday);
  return day_hours == nullptr ? 0 : day_hours->ranges_size();
}

// Cuts [from, to) at the local midnights that open a new key: `key_of` names
// the piece a local day belongs to, `next_start` is the first local day of
// the piece after the one holding a day.
template <typename Key, typename KeyOf, typename NextStart>
std::vector<std::pair<Key, absl::Duration>> Split(absl::Time from,
                                                  absl::Time to,
                                                  absl::TimeZone tz,
                                                  KeyOf key_of,
                                                  NextStart next_start) {
  std::vector<std::pair<Key, absl::Duration>> pieces;
  absl::Time at = from;
  while (at < to) {
    const absl::CivilDay day(tz.At(at).cs);
    absl::Time end =
        InstantOf(absl::CivilSecond(next_start(day)), tz, /*after=*/at);
    // Local days only move forward, so `end` is after `at`; the guard keeps
    // a pathological zone from looping.
    if (end <= at || end > to) end = to;
    pieces.emplace_back(key_of(day), end - at);
    at = end;
  }
  return pieces;
}

}  // namespace

int SchoolHalfDaysInWeek(const v1::EffectivePolicy& policy, IsoWeek w) {
  const absl::CivilDay monday = MondayOf(w);
  int half_days = 0;
  for (absl::CivilDay day = monday; day < monday + 7; ++day) {
    if (HolidayOn(policy, DayKey(day)) != nullptr) continue;
    const v1::DayHours* day_hours = HoursOn(policy.school_hours(), day);
    if (day_hours != nullptr) half_days += day_hours->ranges_size();
  }
  return half_days;
}

int NormalWeekHalfDays(const v1::EffectivePolicy& policy) {
  int half_days = 0;
  for (int d = v1::WEEKDAY_MONDAY; d <= v1::WEEKDAY_SUNDAY; ++d) {
    half_days += RangesOn(policy.school_hours(), static_cast<v1::Weekday>(d));
  }
  return half_days;
}

absl::Duration WeeklyAllowance(const v1::EffectivePolicy& policy, IsoWeek w) {
  const int64_t allowance = policy.weekly_allowance_seconds() > 0
                                ? policy.weekly_allowance_seconds()
                                : absl::ToInt64Seconds(kDefaultWeeklyAllowance);
  const int normal = NormalWeekHalfDays(policy);
  if (normal == 0) return absl::Seconds(allowance);
  // allowance * half_days / normal, rounded down, without forming the
  // product: holidays only take half-days away (half_days <= normal), so
  // neither term can overflow whatever the policy holds.
  const int64_t half_days = SchoolHalfDaysInWeek(policy, w);
  return absl::Seconds(allowance / normal * half_days +
                       allowance % normal * half_days / normal);
}

std::vector<std::pair<absl::CivilDay, absl::Duration>> SplitByLocalDay(
    absl::Time from, absl::Time to, absl::TimeZone tz) {
  return Split<absl::CivilDay>(
      from, to, tz, [](absl::CivilDay day) { return day; },
      [](absl::CivilDay day) { return day + 1; });
}

std::vector<std::pair<IsoWeek, absl::Duration>> SplitByIsoWeek(
    absl::Time from, absl::Time to, absl::TimeZone tz) {
  return Split<IsoWeek>(
      from, to, tz, [](absl::CivilDay day) { return IsoWeekOf(day); },
      [](absl::CivilDay day) { return MondayOf(IsoWeekOf(day)) + 7; });
}

SchoolHoursSpan SchoolHoursAround(const v1::EffectivePolicy& policy,
                                  absl::TimeZone tz, absl::Time t) {
  const absl::TimeZone::CivilInfo local = tz.At(t);
  const HoursState state = SchoolHoursAt(policy, local.cs);
  SchoolHoursSpan span;
  span.in_school_hours = state.in_hours;
  span.ends = NextHoursChange(policy, tz, t, local.offset, state);
  return span;
}

}  // namespace ardoise
