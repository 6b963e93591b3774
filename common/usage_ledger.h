// UsageLedger: how long a device was used freely (outside sessions) on one
// local day, for the policy's daily limit (outside_sessions.daily_limit).
//
// The ledger only ever moves forward in days: use on a later day starts a
// new count, use reported for an earlier day is dropped, and the count of an
// earlier day reads as the current one. A wall clock moved backwards
// therefore never grants the day's use again. The agent keys it by the local
// day of ScheduleTime::confirmed (ScheduleClock), so that a date moved
// forward offline does not start a new day either; it persists Serialize()
// at least every 30 s (DESIGN.md, Enforcement).
//
// Thread safety: a plain value, not synchronized.
#ifndef ARDOISE_COMMON_USAGE_LEDGER_H_
#define ARDOISE_COMMON_USAGE_LEDGER_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace ardoise {

class UsageLedger {
 public:
  // An empty ledger (day 1970-01-01, nothing used).
  UsageLedger() = default;

  // Counts `used` (negative counts nothing) on local day `day`. A later day
  // than day() starts a new count; an earlier one is ignored.
  void Add(absl::Duration used, absl::CivilDay day);

  // The use counted on `day`: zero for a later day than day() (nothing
  // counted yet), the current count for day() and for any earlier day (it
  // is never re-granted).
  absl::Duration UsedOn(absl::CivilDay day) const;

  // The day being counted.
  absl::CivilDay day() const { return day_; }

  // One line, "ardoise-usage 1 2027-03-29 1234567" (version, day, micro-
  // seconds used), read back by Parse.
  std::string Serialize() const;
  static absl::StatusOr<UsageLedger> Parse(std::string_view text);

 private:
  absl::CivilDay day_;
  absl::Duration used_ = absl::ZeroDuration();
};

}  // namespace ardoise

#endif  // ARDOISE_COMMON_USAGE_LEDGER_H_
