// common/plan: session plans as teachers write them (YAML, see
// plans/README.md), parsed strictly into the protobuf model (ardoise.v1.Plan)
// and checked against the effective policy of the devices a session will
// hold, before the session starts.
//
// ParsePlan reads ONE file. The contract mirrors ParsePolicy's: either every
// key of the file was understood and checked, or the result is
// InvalidArgument with the message "FILE:LINE:COLUMN: what is wrong (how to
// fix it)", 1-based, pointing at the offending key or value. Rejected:
// malformed YAML, several documents, inputs above kMaxPlanBytes, unknown keys
// (with a "did you mean" when one is close), duplicated keys, wrong node
// types, missing title, levels, steps or step keys, unknown or repeated
// levels, bad durations, steps shorter than 1 min or longer than 4 h, plans
// longer than 4 h, no steps or more than 50, a tablets or whiteboard action
// with zero or several kinds, bad app ids (the policy's rule), URLs that are
// not http(s), empty texts and texts over 200 characters.
//
// CheckPlanApps then says whether a policy lets the plan run: the plan alone
// cannot know which apps a school enables.
//
// No exception escapes: yaml-cpp's are caught and turned into errors.
//
// Thread safety: pure functions (ParsePlanFile reads the file system).

#ifndef ARDOISE_COMMON_PLAN_PLAN_PARSE_H_
#define ARDOISE_COMMON_PLAN_PLAN_PARSE_H_

#include <cstddef>
#include <map>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ardoise/v1/plan.pb.h"
#include "ardoise/v1/policy.pb.h"
#include "common/yaml/strict_yaml.h"  // SourcePos

namespace ardoise {

// Larger inputs are refused before parsing: a plan is a page of YAML.
inline constexpr size_t kMaxPlanBytes = 64 * 1024;
// Limits on one plan (DESIGN.md, "The weekly half-day": a plan must fit in a
// class's 3 h week, so longer ones are typing mistakes).
inline constexpr int kMaxPlanSteps = 50;
inline constexpr absl::Duration kMinStepDuration = absl::Minutes(1);
inline constexpr absl::Duration kMaxStepDuration = absl::Hours(4);
inline constexpr absl::Duration kMaxPlanDuration = absl::Hours(4);
// Titles, the subject and lock messages, in characters (UTF-8 code points).
inline constexpr size_t kMaxPlanTextChars = 200;

// One parsed plan with where each value came from.
struct ParsedPlan {
  v1::Plan plan;
  // The name errors use (as given to ParsePlan).
  std::string file;
  // Field path -> where the file sets it: the key's position for keys, the
  // item's for list items, the value's for the shorthand actions. Paths join
  // keys with "." and index lists with "[i]": "title", "levels",
  // "levels[1]", "subject", "steps", "steps[2]", "steps[2].title",
  // "steps[2].duration", "steps[2].tablets", "steps[2].tablets.app" (.lock,
  // .url, .free), "steps[2].whiteboard", "steps[2].whiteboard.url" (.app,
  // .pupil_screen, .none).
  std::map<std::string, SourcePos> positions;

  // The position recorded for `path`, else line 1 column 1.
  SourcePos PosOf(const std::string& path) const;
  // "file:line:column" for `path`.
  std::string Where(const std::string& path) const;
  // The plan's length: the sum of its steps' durations.
  absl::Duration total() const;
};

// Parses one plan. `file_name` is only used in messages.
absl::StatusOr<ParsedPlan> ParsePlan(std::string_view yaml_text,
                                     const std::string& file_name);

// Reads `path` (NotFound when missing) and parses it, naming it `path`.
absl::StatusOr<ParsedPlan> ParsePlanFile(const std::string& path);

// Whether `policy` lets every step run: each app id a step uses (tablets or
// whiteboard) is in policy.apps(), each URL is allowed by one of
// policy.urls() (UrlAllowedBy). Otherwise FailedPrecondition naming the
// step's number (1-based) and title, the app or URL, its file:line:column and
// the fix, for the first step that fails.
absl::Status CheckPlanApps(const ParsedPlan& parsed,
                           const v1::EffectivePolicy& policy);

// Whether the policy URL `prefix` allows `url`: `url` starts with `prefix`
// and the match ends at a boundary (the end of `url`, a '/', '?' or '#' next,
// or a prefix that itself ends with '/', '?', '#', '=' or '&'), so that
// "https://lalilo.com" allows "https://lalilo.com/eleve" but not
// "https://lalilo.com.example.org/".
bool UrlAllowedBy(std::string_view url, std::string_view prefix);

}  // namespace ardoise

#endif  // ARDOISE_COMMON_PLAN_PLAN_PARSE_H_
