// Every plan shipped in plans/ parses, lasts 30 to 55 min, and runs under
// the policies shipped in policies/ on a tablet of the Jean-Jaurès school:
// the examples teachers copy from must stay correct.

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "common/plan/plan_parse.h"
#include "common/policy/policy_merge.h"
#include "common/policy/policy_parse.h"
#include "gtest/gtest.h"

namespace ardoise {
namespace {

std::vector<std::string> YamlFiles(const std::string& folder) {
  std::vector<std::string> paths;
  for (const auto& entry : std::filesystem::directory_iterator(folder)) {
    if (entry.path().extension() == ".yaml") {
      paths.push_back(entry.path().string());
    }
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

v1::EffectivePolicy JauresTablet() {
  std::vector<ParsedPolicy> set;
  for (const std::string& path : YamlFiles(ARDOISE_POLICIES_DIR)) {
    absl::StatusOr<ParsedPolicy> parsed = ParsePolicyFile(path);
    EXPECT_TRUE(parsed.ok()) << parsed.status();
    if (parsed.ok()) set.push_back(*std::move(parsed));
  }
  const DeviceScope tablet{"jaures", "jaures-chariot-1", "tab-01",
                           v1::DEVICE_KIND_TABLET};
  return EffectiveFor(set, tablet, "", nullptr);
}

TEST(PlanFilesTest, EveryPlanParsesAndRunsUnderTheSchoolPolicy) {
  const v1::EffectivePolicy policy = JauresTablet();
  ASSERT_GT(policy.apps_size(), 0);
  ASSERT_GT(policy.urls_size(), 0);
  const std::vector<std::string> paths = YamlFiles(ARDOISE_PLANS_DIR);
  ASSERT_GE(paths.size(), 3u);
  for (const std::string& path : paths) {
    SCOPED_TRACE(path);
    absl::StatusOr<ParsedPlan> parsed = ParsePlanFile(path);
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_TRUE(CheckPlanApps(*parsed, policy).ok())
        << CheckPlanApps(*parsed, policy);
    EXPECT_GE(parsed->total(), absl::Minutes(30));
    EXPECT_LE(parsed->total(), absl::Minutes(55));
  }
}

}  // namespace
}  // namespace ardoise
