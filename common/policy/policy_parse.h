// common/policy: policy files as IT staff write them (YAML, see
// policies/reference.yaml), parsed strictly into the protobuf model
// (ardoise.v1.Policy), then layered city -> school -> pool -> device (+ class)
// into one ardoise.v1.EffectivePolicy per device (policy_merge.h).
//
// This header reads ONE file. The contract: either every key of the file was
// understood and checked, or the result is InvalidArgument with the message
// "FILE:LINE:COLUMN: what is wrong (how to fix it)", 1-based, pointing at the
// offending key or value. Rejected: malformed YAML, inputs above
// kMaxPolicyBytes, unknown keys (with a "did you mean" when one is close),
// duplicated keys, wrong node types, bad durations, times, dates and ranges,
// overlapping hours, holidays and same-named no-screen periods, unknown device
// kinds, weekdays and time zones, incomplete exemptions. Checks that need
// several files (an exemption's period defined at city level, one file per
// scope) are in ValidatePolicySet (policy_merge.h).
//
// No exception escapes: yaml-cpp's are caught and turned into errors.
//
// Thread safety: pure functions (ParsePolicyFile reads the file system).

#ifndef ARDOISE_COMMON_POLICY_POLICY_PARSE_H_
#define ARDOISE_COMMON_POLICY_POLICY_PARSE_H_

#include <cstddef>
#include <map>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "ardoise/v1/policy.pb.h"
#include "common/yaml/strict_yaml.h"  // SourcePos

namespace ardoise {

// Larger inputs are refused before parsing: a policy is a page of YAML.
inline constexpr size_t kMaxPolicyBytes = 256 * 1024;

// One parsed file with where each value came from.
struct ParsedPolicy {
  v1::Policy policy;
  // The name errors and provenance use (as given to ParsePolicy).
  std::string file;
  // Field path -> where the file sets it: the key's position for keys, the
  // item's for list items. Paths join keys with "." and index lists with
  // "[i]" (the position in the file's list): "scope", "timezone",
  // "school_hours", "school_hours.monday", "school_hours.monday[1]",
  // "holidays", "holidays[0]", "holidays[0].to", "outside_sessions.tablet"
  // (.whiteboard, .pc, .daily_limit), "weekly_allowance",
  // "no_screen_periods[0]", "exemptions[0]", "exemptions[0].period", "apps",
  // "apps[2]", "urls", "messages.downtime" (and the other texts),
  // "retention".
  std::map<std::string, SourcePos> positions;

  // The position recorded for `path`, else line 1 column 1.
  SourcePos PosOf(const std::string& path) const;
  // "file:line:column" for `path`.
  std::string Where(const std::string& path) const;
};

// Parses one policy. `file_name` is only used in messages and provenance.
absl::StatusOr<ParsedPolicy> ParsePolicy(std::string_view yaml_text,
                                         const std::string& file_name);

// Reads `path` (NotFound when missing) and parses it, naming it `path`.
absl::StatusOr<ParsedPolicy> ParsePolicyFile(const std::string& path);

// Whether `id` is an app id a policy (or a plan) may name: it names
// /etc/ardoise/apps.d/ID.desktop, so 1 to 100 letters, digits, '.', '_' and
// '-', not starting with '.' or '-' (no paths).
bool IsAppId(std::string_view id);

// Whether `url` is a URL a policy (or a plan) may list: http:// or https://,
// something after "://", at most 2000 bytes, no spaces or control characters.
bool IsHttpUrl(std::string_view url);

// The YAML spelling of a scope: "city", "school NAME", "pool NAME", ...
std::string ScopeLabel(const v1::Scope& scope);

// "tablet", "whiteboard", "pc" ("unspecified" otherwise).
std::string DeviceKindName(v1::DeviceKind kind);

// "2027-05-17".
std::string FormatDate(const v1::Date& date);

// "08:30-11:30".
std::string FormatTimeRange(const v1::TimeRange& range);

}  // namespace ardoise

#endif  // ARDOISE_COMMON_POLICY_POLICY_PARSE_H_
