// libFuzzer entry point for ParsePlan (tests/fuzz builds it;
// docs/security.md says how to run it).
// Beyond "no crash, no leak, no exception", it checks the parser's contract:
// an error is InvalidArgument starting with "FILE:LINE:COLUMN: " (1-based),
// and a success has a title, levels, 1 to 50 steps each of 1 min to 4 h
// with one tablets and one whiteboard kind, a total of at most 4 h, and goes
// through CheckPlanApps, whose refusals are FailedPrecondition with a
// position too.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "common/plan/plan_parse.h"
#include "common/yaml/strict_yaml.h"

namespace {

constexpr char kFileName[] = "fuzz.yaml";

// True when `message` starts with "fuzz.yaml:LINE:COLUMN: " and both are
// positive integers.
bool HasPosition(std::string_view message) {
  return ardoise::yaml::HasPosition(message, kFileName);
}

std::string_view MessageOf(const absl::Status& status) {
  return std::string_view(status.message().data(), status.message().size());
}

void CheckPlan(const ardoise::ParsedPlan& parsed) {
  const ardoise::v1::Plan& plan = parsed.plan;
  if (plan.title().empty() || plan.levels_size() == 0 ||
      plan.steps_size() < 1 || plan.steps_size() > ardoise::kMaxPlanSteps ||
      parsed.total() > ardoise::kMaxPlanDuration) {
    std::abort();
  }
  for (const ardoise::v1::PlanStep& step : plan.steps()) {
    const absl::Duration d = absl::Seconds(step.duration_seconds());
    if (step.title().empty() || d < ardoise::kMinStepDuration ||
        d > ardoise::kMaxStepDuration ||
        step.tablets().kind_case() == ardoise::v1::TabletAction::KIND_NOT_SET ||
        step.whiteboard().kind_case() ==
            ardoise::v1::WhiteboardAction::KIND_NOT_SET) {
      std::abort();
    }
  }
  // Protobuf strings must be UTF-8: a round trip fails otherwise.
  ardoise::v1::Plan copy;
  if (!copy.ParseFromString(plan.SerializeAsString())) std::abort();
  for (const auto& [path, pos] : parsed.positions) {
    if (pos.line < 1 || pos.column < 1 || parsed.Where(path).empty()) {
      std::abort();
    }
  }
  ardoise::v1::EffectivePolicy policy;
  for (const bool with_lists : {false, true}) {
    if (with_lists) {
      policy.add_apps("gcompris");
      policy.add_urls("https://lalilo.com");
    }
    const absl::Status status = ardoise::CheckPlanApps(parsed, policy);
    if (!status.ok() &&
        (status.code() != absl::StatusCode::kFailedPrecondition ||
         !HasPosition(MessageOf(status)))) {
      std::abort();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<ardoise::ParsedPlan> parsed =
      ardoise::ParsePlan(text, kFileName);
  if (parsed.ok()) {
    CheckPlan(*parsed);
    return 0;
  }
  if (parsed.status().code() != absl::StatusCode::kInvalidArgument ||
      !HasPosition(MessageOf(parsed.status()))) {
    std::abort();
  }
  return 0;
}
