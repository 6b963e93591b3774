#include "common/schedule_clock.h"

#include <algorithm>

namespace ardoise {

ScheduleClock::ScheduleClock(absl::Time last_confirmed,
                             absl::Duration monotonic, absl::Duration offset)
    : anchor_time_(last_confirmed),
      anchor_monotonic_(monotonic),
      offset_(offset),
      last_now_(last_confirmed),
      last_confirmed_(last_confirmed) {}

void ScheduleClock::Confirm(absl::Time console_time, absl::Time wall,
                            absl::Duration monotonic) {
  anchor_time_ = console_time;
  anchor_monotonic_ = monotonic;
  offset_ = console_time - wall;
  last_now_ = console_time;
  last_confirmed_ = console_time;
}

ScheduleTime ScheduleClock::Now(absl::Time wall, absl::Duration monotonic) {
  // A monotonic reading below the anchor cannot happen with one clock; if a
  // caller mixes clocks, count nothing rather than run time backwards.
  const absl::Duration elapsed =
      std::max(monotonic - anchor_monotonic_, absl::ZeroDuration());
  const absl::Time confirmed = anchor_time_ + elapsed;  // stays InfinitePast
  last_confirmed_ = std::max(last_confirmed_, confirmed);
  last_now_ = std::max({last_now_, last_confirmed_, wall + offset_});
  return ScheduleTime{last_now_, last_confirmed_};
}

}  // namespace ardoise
