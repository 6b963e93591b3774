#include "common/school_calendar.h"

#include <cstdint>

namespace ardoise {
namespace {

// How far ahead the next change of school hours is looked for. Beyond a year
// without school (a policy with no hours at all) the answer is "never".
constexpr int kHorizonDays = 400;
constexpr int64_t kSecondsPerDay = 24 * 60 * 60;

bool InRanges(const v1::DayHours* hours, int64_t second_of_day) {
  if (hours == nullptr) return false;
  for (const v1::TimeRange& range : hours->ranges()) {
    if (int64_t{range.start_minute()} * 60 <= second_of_day &&
        second_of_day < int64_t{range.end_minute()} * 60) {
      return true;
    }
  }
  return false;
}

bool HasAnyHours(const v1::SchoolHours& hours) {
  for (const v1::DayHours& entry : hours.days()) {
    if (entry.ranges_size() > 0) return true;
  }
  return false;
}

}  // namespace

v1::Weekday ToProtoWeekday(absl::Weekday day) {
  switch (day) {
    case absl::Weekday::monday:
      return v1::WEEKDAY_MONDAY;
    case absl::Weekday::tuesday:
      return v1::WEEKDAY_TUESDAY;
    case absl::Weekday::wednesday:
      return v1::WEEKDAY_WEDNESDAY;
    case absl::Weekday::thursday:
      return v1::WEEKDAY_THURSDAY;
    case absl::Weekday::friday:
      return v1::WEEKDAY_FRIDAY;
    case absl::Weekday::saturday:
      return v1::WEEKDAY_SATURDAY;
    case absl::Weekday::sunday:
      return v1::WEEKDAY_SUNDAY;
  }
  return v1::WEEKDAY_UNSPECIFIED;
}

absl::Time InstantOf(absl::CivilSecond c, absl::TimeZone tz, absl::Time after) {
  const absl::TimeZone::TimeInfo info = tz.At(c);
  switch (info.kind) {
    case absl::TimeZone::TimeInfo::UNIQUE:
      return info.pre;
    case absl::TimeZone::TimeInfo::SKIPPED:
      return info.trans;
    case absl::TimeZone::TimeInfo::REPEATED:
      return info.pre > after ? info.pre : info.post;
  }
  return info.pre;
}

const v1::DateRange* HolidayOn(const v1::EffectivePolicy& policy, int64_t key) {
  for (const v1::DateRange& range : policy.holidays()) {
    if (DayKey(range.from()) <= key && key <= DayKey(range.to())) return &range;
  }
  return nullptr;
}

const v1::DayHours* HoursOn(const v1::SchoolHours& hours, v1::Weekday weekday) {
  for (const v1::DayHours& entry : hours.days()) {
    if (entry.day() == weekday) return &entry;
  }
  return nullptr;
}

const v1::DayHours* HoursOn(const v1::SchoolHours& hours, absl::CivilDay day) {
  return HoursOn(hours, ToProtoWeekday(absl::GetWeekday(day)));
}

HoursState SchoolHoursAt(const v1::EffectivePolicy& policy,
                         absl::CivilSecond local) {
  HoursState state;
  const v1::SchoolHours& hours = policy.school_hours();
  const absl::CivilDay today(local);
  const int64_t now_second = local - absl::CivilSecond(today);
  const v1::DateRange* holiday = HolidayOn(policy, DayKey(today));
  state.in_hours =
      holiday == nullptr && InRanges(HoursOn(hours, today), now_second);
  if (!state.in_hours && !HasAnyHours(hours)) return state;

  const absl::CivilDay horizon = today + kHorizonDays;
  absl::CivilDay day = today;
  int64_t after = now_second;  // boundaries strictly after this second count
  int weekdays_seen = 0;       // bit per weekday scanned whole, holidays aside
  while (day < horizon) {
    if (day != today) {
      holiday = HolidayOn(policy, DayKey(day));
      after = -1;
    }
    if (holiday != nullptr) {
      // A holiday is out of hours all day long: it changes nothing unless
      // hours were running, and then it ends them at its first midnight.
      if (state.in_hours) {
        state.has_next = true;
        state.next = absl::CivilSecond(day);
        return state;
      }
      const absl::CivilDay end = ToCivilDay(holiday->to());
      day = end >= day ? end + 1 : day + 1;
      continue;
    }
    const v1::DayHours* day_hours = HoursOn(hours, day);
    int64_t first = kSecondsPerDay;  // the earliest boundary that flips
    if (after < 0 && InRanges(day_hours, 0) != state.in_hours) first = 0;
    if (day_hours != nullptr) {
      for (const v1::TimeRange& range : day_hours->ranges()) {
        for (const int64_t boundary : {int64_t{range.start_minute()} * 60,
                                       int64_t{range.end_minute()} * 60}) {
          if (boundary > after && boundary < first &&
              InRanges(day_hours, boundary) != state.in_hours) {
            first = boundary;
          }
        }
      }
    }
    if (first < kSecondsPerDay) {
      state.has_next = true;
      state.next = absl::CivilSecond(day) + first;
      return state;
    }
    if (after < 0) {
      weekdays_seen |= 1 << static_cast<int>(absl::GetWeekday(day));
      if (weekdays_seen == 0x7f) {
        // Every weekday went by without a change: the state holds for good
        // (hours around the clock), except that a holiday ends it.
        const v1::DateRange* next_holiday = nullptr;
        for (const v1::DateRange& range : policy.holidays()) {
          if (DayKey(range.from()) > DayKey(day) &&
              (next_holiday == nullptr ||
               DayKey(range.from()) < DayKey(next_holiday->from()))) {
            next_holiday = &range;
          }
        }
        if (state.in_hours && next_holiday != nullptr) {
          state.has_next = true;
          state.next = absl::CivilSecond(ToCivilDay(next_holiday->from()));
        }
        return state;
      }
    }
    day += 1;
  }
  return state;
}

// The instant after `now` at which the school-hours state `state`, computed
// for the local time of `now` (UTC offset `offset_now`, seconds), changes. A
// DST change in between moves civil time; a backward one may bring back a range
// boundary already passed (in the repeated hour), so it is stepped over.
absl::Time NextHoursChange(const v1::EffectivePolicy& policy, absl::TimeZone tz,
                           absl::Time now, int offset_now,
                           const HoursState& state) {
  if (!state.has_next) return absl::InfiniteFuture();
  const absl::Time at = InstantOf(state.next, tz, now);
  const int64_t offset_at =
      (state.next - absl::CivilSecond(1970, 1, 1)) - absl::ToUnixSeconds(at);
  if (offset_at == offset_now) return at;  // no DST change in between
  absl::TimeZone::CivilTransition transition;
  if (!tz.NextTransition(now, &transition)) return at;
  const absl::TimeZone::TimeInfo info = tz.At(transition.to);
  const absl::Time change =
      info.kind == absl::TimeZone::TimeInfo::UNIQUE ? info.pre : info.trans;
  if (change >= at) return at;
  const HoursState after = SchoolHoursAt(policy, transition.to);
  if (after.in_hours != state.in_hours) return change;
  return after.has_next ? InstantOf(after.next, tz, change)
                        : absl::InfiniteFuture();
}

}  // namespace ardoise
