#include "common/usage_ledger.h"

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/absl_compat.h"

namespace ardoise {
namespace {

constexpr char kMagic[] = "ardoise-usage";
constexpr char kVersion[] = "1";

absl::Status BadLedger(std::string_view text, std::string_view why) {
  return absl::DataLossError(
      absl::StrCat("bad usage ledger \"", AsAbsl(text), "\": ", AsAbsl(why),
                   " (expected \"ardoise-usage 1 YYYY-MM-DD MICROSECONDS\"; "
                   "delete the file to start the day's count again)"));
}

}  // namespace

void UsageLedger::Add(absl::Duration used, absl::CivilDay day) {
  if (day < day_) return;
  if (day > day_) {
    day_ = day;
    used_ = absl::ZeroDuration();
  }
  if (used > absl::ZeroDuration()) used_ += used;
}

absl::Duration UsageLedger::UsedOn(absl::CivilDay day) const {
  return day > day_ ? absl::ZeroDuration() : used_;
}

std::string UsageLedger::Serialize() const {
  return absl::StrCat(kMagic, " ", kVersion, " ", absl::FormatCivilTime(day_),
                      " ", absl::ToInt64Microseconds(used_));
}

absl::StatusOr<UsageLedger> UsageLedger::Parse(std::string_view text) {
  std::string_view line = text;
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) {
    line.remove_suffix(1);
  }
  const std::vector<absl::string_view> fields =
      absl::StrSplit(AsAbsl(line), ' ');
  if (fields.size() != 4) return BadLedger(text, "expected 4 fields");
  if (fields[0] != kMagic) return BadLedger(text, "not a usage ledger");
  if (fields[1] != kVersion) {
    return BadLedger(text, "unknown version (written by a newer agent?)");
  }
  UsageLedger ledger;
  if (fields[2].size() != 10 ||
      !absl::ParseCivilTime(fields[2], &ledger.day_)) {
    return BadLedger(text, "bad day");
  }
  int64_t micros = 0;
  if (!absl::SimpleAtoi(fields[3], &micros) || micros < 0) {
    return BadLedger(text, "bad duration");
  }
  ledger.used_ = absl::Microseconds(micros);
  return ledger;
}

}  // namespace ardoise
