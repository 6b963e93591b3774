// libFuzzer entry point for ParsePolicy (tests/fuzz builds it and
// docs/security.md says how to run it). Beyond "no crash, no leak, no
// exception", it checks the parser's contract: an error is InvalidArgument
// starting with "FILE:LINE:COLUMN: " (1-based), and a success has a scope and
// goes through the rest of the pipeline (set validation, merge, explain)
// without trouble.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "common/policy/policy_merge.h"
#include "common/policy/policy_parse.h"
#include "common/yaml/strict_yaml.h"

namespace {

constexpr char kFileName[] = "fuzz.yaml";

// True when `message` starts with "fuzz.yaml:LINE:COLUMN: " and both are
// positive integers.
bool HasPosition(std::string_view message) {
  return ardoise::yaml::HasPosition(message, kFileName);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<ardoise::ParsedPolicy> parsed =
      ardoise::ParsePolicy(text, kFileName);
  if (parsed.ok()) {
    if (parsed->policy.scope().level() ==
        ardoise::v1::Scope::LEVEL_UNSPECIFIED) {
      std::abort();
    }
    const std::vector<ardoise::ParsedPolicy> set = {*parsed};
    (void)ardoise::ValidatePolicySet(set);
    ardoise::Provenance provenance;
    const ardoise::v1::EffectivePolicy effective = ardoise::Merge(
        {&set.front()}, ardoise::v1::DEVICE_KIND_TABLET, "tbi", &provenance);
    if (ardoise::FormatExplain(effective, provenance).empty()) std::abort();
    return 0;
  }
  if (parsed.status().code() != absl::StatusCode::kInvalidArgument ||
      !HasPosition(std::string_view(parsed.status().message().data(),
                                    parsed.status().message().size()))) {
    std::abort();
  }
  return 0;
}
