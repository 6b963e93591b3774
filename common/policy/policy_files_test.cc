// Every policy file shipped in policies/ parses, and the folder validates as
// one set: the examples IT staff copy from must stay correct.

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "common/policy/policy_merge.h"
#include "common/policy/policy_parse.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ardoise {
namespace {

using ::testing::HasSubstr;

std::vector<ParsedPolicy> LoadAll() {
  std::vector<std::string> paths;
  for (const auto& entry :
       std::filesystem::directory_iterator(ARDOISE_POLICIES_DIR)) {
    if (entry.path().extension() == ".yaml") {
      paths.push_back(entry.path().string());
    }
  }
  std::sort(paths.begin(), paths.end());
  std::vector<ParsedPolicy> set;
  for (const std::string& path : paths) {
    absl::StatusOr<ParsedPolicy> parsed = ParsePolicyFile(path);
    EXPECT_TRUE(parsed.ok()) << parsed.status();
    if (parsed.ok()) set.push_back(*std::move(parsed));
  }
  return set;
}

TEST(PolicyFilesTest, EveryFileParsesAndTheSetValidates) {
  const std::vector<ParsedPolicy> set = LoadAll();
  ASSERT_GE(set.size(), 5u);
  EXPECT_TRUE(ValidatePolicySet(set).ok()) << ValidatePolicySet(set);
}

TEST(PolicyFilesTest, ReferenceDocumentsEveryKey) {
  absl::StatusOr<ParsedPolicy> reference =
      ParsePolicyFile(std::string(ARDOISE_POLICIES_DIR) + "/reference.yaml");
  ASSERT_TRUE(reference.ok()) << reference.status();
  for (const char* key : {"scope",
                          "timezone",
                          "school_hours",
                          "holidays",
                          "outside_sessions",
                          "outside_sessions.tablet",
                          "outside_sessions.whiteboard",
                          "outside_sessions.pc",
                          "outside_sessions.daily_limit",
                          "weekly_allowance",
                          "no_screen_periods",
                          "exemptions",
                          "apps",
                          "urls",
                          "messages",
                          "messages.no_screen",
                          "messages.downtime",
                          "messages.session_deadline",
                          "messages.manual",
                          "messages.step",
                          "messages.no_session",
                          "retention"}) {
    EXPECT_EQ(reference->positions.count(key), 1u) << key;
  }
}

TEST(PolicyFilesTest, ExemptedWhiteboardDuringTheNoScreenWeek) {
  const std::vector<ParsedPolicy> set = LoadAll();
  DeviceScope tbi{"jaures", "jaures-salle-12", "tbi-jaures-salle-12",
                  v1::DEVICE_KIND_WHITEBOARD};
  Provenance provenance;
  const v1::EffectivePolicy effective = EffectiveFor(set, tbi, "", &provenance);
  ASSERT_EQ(effective.no_screen_periods_size(), 1);
  EXPECT_EQ(effective.no_screen_periods(0).range().name(),
            "Semaine sans écrans 2027");
  ASSERT_EQ(effective.exemptions_size(), 1);
  EXPECT_EQ(effective.exemptions(0).device(), "tbi-jaures-salle-12");
  EXPECT_THAT(provenance.source["exemptions[0]"],
              HasSubstr("exemption-tbi.yaml:"));
  EXPECT_EQ(effective.outside_sessions().daily_limit_seconds(), 3600);
  EXPECT_THAT(provenance.source["outside_sessions.whiteboard"],
              HasSubstr("salle-12.yaml:"));
  // Wednesday afternoons off at the school.
  for (const v1::DayHours& day : effective.school_hours().days()) {
    if (day.day() == v1::WEEKDAY_WEDNESDAY) {
      EXPECT_EQ(day.ranges_size(), 1);
    }
  }
  EXPECT_THAT(provenance.source["school_hours"],
              HasSubstr("ecole-jaures.yaml:"));
  EXPECT_THAT(effective.holidays(0).name(), HasSubstr("Toussaint"));
  // Another device of the same school is not exempted.
  DeviceScope tablet{"jaures", "jaures-chariot-1", "tab-01",
                     v1::DEVICE_KIND_TABLET};
  EXPECT_EQ(EffectiveFor(set, tablet, "", nullptr).exemptions_size(), 0);
}

}  // namespace
}  // namespace ardoise
