#include "common/duration.h"

#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/absl_compat.h"

namespace ardoise {
namespace {

constexpr char kExamples[] = "e.g. \"1h30\", \"90m\", \"45s\"";
constexpr int64_t kMaxSeconds = 10000 * 3600;

absl::Status Bad(std::string_view text, std::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("bad duration \"", AsAbsl(text), "\": ", AsAbsl(why)));
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Position of a unit in the required h, m, s order; -1 if unknown.
int UnitRank(char unit) {
  switch (unit) {
    case 'h':
      return 0;
    case 'm':
      return 1;
    case 's':
      return 2;
    default:
      return -1;
  }
}

constexpr int64_t kUnitSeconds[] = {3600, 60, 1};
constexpr const char* kUnitWords[] = {"hours", "minutes", "seconds"};

}  // namespace

absl::StatusOr<absl::Duration> ParseDuration(std::string_view text) {
  if (text.empty()) {
    return Bad(text, absl::StrCat("empty (use h, m or s, ", kExamples, ")"));
  }
  if (text.find_first_of(" \t\n\r") != std::string_view::npos) {
    return Bad(text,
               "spaces are not allowed (write \"1h30m\", not "
               "\"1h 30m\")");
  }
  if (text[0] == '-') {
    return Bad(text, "negative durations are not allowed");
  }
  int64_t total = 0;
  int last_rank = -1;  // rank of the previous unit
  size_t i = 0;
  while (i < text.size()) {
    if (!IsDigit(text[i])) {
      return Bad(text,
                 absl::StrCat("expected a number at \"", AsAbsl(text.substr(i)),
                              "\" (", kExamples, ")"));
    }
    size_t start = i;
    int64_t value = 0;
    while (i < text.size() && IsDigit(text[i])) {
      value = value * 10 + (text[i] - '0');
      if (value > kMaxSeconds) {
        return Bad(text, "longer than the 10000h maximum");
      }
      ++i;
    }
    std::string_view number = text.substr(start, i - start);
    int rank;
    if (i == text.size()) {
      // A trailing bare number is only meaningful right after hours:
      // "1h30" is the common way to write 1h30m.
      if (last_rank != 0) {
        return Bad(text, absl::StrCat("missing unit after \"", AsAbsl(number),
                                      "\" (use h, m or s, e.g. \"",
                                      AsAbsl(number), "m\")"));
      }
      rank = 1;
    } else {
      char unit = text[i];
      if (unit == '.' || unit == ',') {
        return Bad(text,
                   "fractions are not supported (write \"1h30\" for "
                   "an hour and a half)");
      }
      rank = UnitRank(unit);
      if (rank < 0) {
        return Bad(text, absl::StrCat("unknown unit \"", std::string(1, unit),
                                      "\" (use h, m or s, ", kExamples, ")"));
      }
      if (rank == last_rank) {
        return Bad(text, absl::StrCat("unit \"", std::string(1, unit),
                                      "\" appears twice"));
      }
      if (rank < last_rank) {
        return Bad(text,
                   "units must come in the order h, m, s (e.g. "
                   "\"1h30m15s\")");
      }
      ++i;
    }
    if (last_rank >= 0 && value >= 60) {
      return Bad(text, absl::StrCat(value, " ", kUnitWords[rank], " after ",
                                    kUnitWords[last_rank],
                                    " (must be below 60; carry into the "
                                    "larger unit)"));
    }
    total += value * kUnitSeconds[rank];
    if (total > kMaxSeconds) {
      return Bad(text, "longer than the 10000h maximum");
    }
    last_rank = rank;
  }
  return absl::Seconds(total);
}

std::string FormatDuration(absl::Duration d) {
  if (d == absl::InfiniteDuration()) return "inf";
  if (d == -absl::InfiniteDuration()) return "-inf";
  if (d < absl::ZeroDuration())
    return absl::StrCat("-", ardoise::FormatDuration(-d));
  int64_t seconds = absl::ToInt64Seconds(d);  // truncates
  int64_t h = seconds / 3600;
  int64_t m = seconds / 60 % 60;
  int64_t s = seconds % 60;
  if (h > 0) {
    if (s > 0) return absl::StrFormat("%dh%02dm%02ds", h, m, s);
    if (m > 0) return absl::StrFormat("%dh%02d", h, m);
    return absl::StrFormat("%dh", h);
  }
  if (m > 0) {
    if (s > 0) return absl::StrFormat("%dm%02ds", m, s);
    return absl::StrFormat("%dm", m);
  }
  return absl::StrFormat("%ds", s);
}

}  // namespace ardoise
