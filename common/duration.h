// Durations as people write them in policies, plans and on the command line.
//
// Accepted: "1h30" (= 1h30m), "1h30m", "90m", "45s", "2h", "1h30m15s", "0s".
// Units are h, m and s, in that order, each at most once. The minutes after
// hours and the seconds after minutes must be below 60 ("1h75" is more
// likely a typo than 2h15). Rejected with an error that says what to write
// instead: empty text, a bare number ("missing unit"), negatives, fractions,
// unknown units, repeated or out-of-order units, and anything above 10000h.
//
// Thread safety: pure functions.

#ifndef ARDOISE_COMMON_DURATION_H_
#define ARDOISE_COMMON_DURATION_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace ardoise {

// The longest duration ParseDuration accepts.
inline constexpr absl::Duration kMaxParsedDuration = absl::Hours(10000);

absl::StatusOr<absl::Duration> ParseDuration(std::string_view text);

// The shortest form ParseDuration reads back: 90 min -> "1h30", 45 s ->
// "45s", 2 h -> "2h", 61 s -> "1m01s", 0 -> "0s", 1h0m5s -> "1h00m05s".
// Sub-second parts are truncated, so ParseDuration(FormatDuration(d)) == d
// for whole seconds. Negative durations get a leading "-" (for messages only;
// ParseDuration rejects them) and infinite ones print as "inf".
// Call it qualified, ardoise::FormatDuration(d): argument-dependent lookup
// also finds absl::FormatDuration, so an unqualified call is ambiguous.
std::string FormatDuration(absl::Duration d);

}  // namespace ardoise

#endif  // ARDOISE_COMMON_DURATION_H_
