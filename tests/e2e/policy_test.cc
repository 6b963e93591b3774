// Policies end to end: applied by IT staff, pushed to agents, enforced also
// without a console.
#include <signal.h>

#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/school_time.h"
#include "gtest/gtest.h"
#include "tests/e2e/harness.h"

namespace ardoise::testing {
namespace {

const absl::Duration kHeartbeat = absl::Seconds(2);

std::string Day(absl::CivilDay day) {
  return absl::StrFormat("%04d-%02d-%02d", day.year(), day.month(), day.day());
}

// A city policy whose no-screen period covers today (in Paris), with school
// open around the clock so the test means the same at any hour, tablets free
// outside sessions, and the whiteboard exempt.
std::string NoScreenTodayPolicy() {
  const absl::TimeZone paris = *LoadSchoolTimeZone("Europe/Paris");
  const absl::CivilDay today = absl::ToCivilDay(absl::Now(), paris);
  std::string hours;
  for (const char* day : {"monday", "tuesday", "wednesday", "thursday",
                          "friday", "saturday", "sunday"}) {
    absl::StrAppend(&hours, "  ", day, ": [\"00:00-24:00\"]\n");
  }
  return absl::StrCat(
      "scope: city\n"
      "timezone: Europe/Paris\n"
      "school_hours:\n",
      hours,
      "outside_sessions:\n"
      "  tablet: free\n"
      "no_screen_periods:\n"
      "  - name: \"Semaine sans écrans\"\n"
      "    from: ",
      Day(today - 1), "\n    to: ", Day(today + 1),
      "\n"
      "    kinds: [tablet, whiteboard, pc]\n"
      "exemptions:\n"
      "  - device: tbi-12\n"
      "    period: \"Semaine sans écrans\"\n"
      "    reason: \"Projet radio de l'école\"\n"
      "messages:\n"
      "  no_screen: \"Semaine sans écrans : on lit, on joue dehors !\"\n");
}

class PolicyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    bed_.StartConsole(kHeartbeat);
    const std::string token = bed_.CreateToken("ecole-jaures", "salle-12", 3);
    bed_.Enroll(token, "tab-1");
    bed_.Enroll(token, "tab-2");
    bed_.Enroll(token, "tbi-12", "whiteboard");
    for (const char* name : {"tab-1", "tab-2", "tbi-12"}) {
      bed_.StartAgent(name);
      ASSERT_TRUE(bed_.WaitForDevice(
          name, [](const v1::Device& d) { return d.online(); }));
    }
  }

  std::string Write(const std::string& name, const std::string& content) {
    const std::string path = bed_.dir() + "/" + name;
    std::ofstream(path) << content;
    return path;
  }

  static bool NoScreenLocked(const v1::Device& d) {
    return d.state().locked() &&
           d.state().lock_reason() == v1::LOCK_REASON_NO_SCREEN &&
           d.state().lock_message() ==
               "Semaine sans écrans : on lit, on joue dehors !";
  }

  TestBed bed_;
};

TEST_F(PolicyTest, NoScreenPeriodLocksEveryoneButTheExemptDeviceAndHolds) {
  const std::string file = Write("ville.yaml", NoScreenTodayPolicy());
  v1::ApplyPolicyResponse applied;
  ASSERT_TRUE(bed_.CliJson({"policy", "apply", file}, &applied));
  EXPECT_EQ(applied.version(), 1);
  EXPECT_EQ(applied.devices_changed(), 3);

  // Within one heartbeat (plus the time to ask).
  for (const char* name : {"tab-1", "tab-2"}) {
    EXPECT_TRUE(bed_.WaitForDevice(name, NoScreenLocked, 2 * kHeartbeat))
        << name;
  }
  EXPECT_TRUE(bed_.WaitForDevice("tbi-12", [](const v1::Device& d) {
    return d.state().policy_version() == 1 && !d.state().locked() &&
           d.state().no_screen_period() == "Semaine sans écrans" &&
           d.state().exemption_reason() == "Projet radio de l'école";
  }));

  v1::PolicyStatusResponse status;
  ASSERT_TRUE(bed_.CliJson({"policy", "status"}, &status));
  EXPECT_EQ(status.current_version(), 1);
  for (const v1::DevicePolicyStatus& d : status.devices()) {
    EXPECT_TRUE(d.current()) << d.name();
    EXPECT_EQ(d.applied_version(), 1) << d.name();
  }
  v1::ExplainPolicyResponse explain;
  ASSERT_TRUE(bed_.CliJson({"policy", "explain", "tab-1"}, &explain));
  EXPECT_EQ(explain.policy().no_screen_periods_size(), 1);
  EXPECT_NE(explain.sources().at("outside_sessions.tablet").find("ville.yaml:"),
            std::string::npos);
  EXPECT_EQ(explain.sources().at("outside_sessions.daily_limit"), "default");

  // The console goes away: the agents keep enforcing.
  bed_.KillConsole(SIGKILL);
  bed_.KillAgent("tab-1", SIGKILL);
  bed_.StartAgent("tab-1");  // restarted offline
  Process* agent = bed_.agent("tab-1");
  EXPECT_TRUE(WaitFor(
      [&] {
        return TestBed::ReadLog(*agent).find(
                   "screen: LOCKED « Semaine sans écrans : on lit, on joue "
                   "dehors ! » (LOCK_REASON_NO_SCREEN)") != std::string::npos;
      },
      absl::Seconds(10)))
      << TestBed::ReadLog(*agent);
  bed_.StartConsole(kHeartbeat);
  EXPECT_TRUE(bed_.WaitForDevice("tab-1", [](const v1::Device& d) {
    return d.online() && NoScreenLocked(d) && d.in_sync();
  }));
  EXPECT_TRUE(bed_.WaitForDevice("tab-2", NoScreenLocked));
}

TEST_F(PolicyTest, PolicyWithATypoIsRefusedWithItsPositionAndChangesNothing) {
  const std::string good = Write("ville.yaml", NoScreenTodayPolicy());
  const std::string bad = Write("ecole.yaml",
                                "scope: {school: ecole-jaures}\n"
                                "outside_sessions:\n"
                                "  dayly_limit: 1h\n");
  CommandResult lint = bed_.Cli({"policy", "lint", good, bad});
  EXPECT_EQ(lint.exit_code, 1);
  EXPECT_NE(lint.err.find("ecole.yaml:3:3:"), std::string::npos) << lint.err;
  EXPECT_NE(lint.err.find("did you mean \"daily_limit\""), std::string::npos)
      << lint.err;

  CommandResult apply = bed_.Cli({"policy", "apply", good, bad});
  EXPECT_EQ(apply.exit_code, 1);
  EXPECT_NE(apply.err.find("ecole.yaml:3:3:"), std::string::npos) << apply.err;
  v1::PolicyStatusResponse status;
  ASSERT_TRUE(bed_.CliJson({"policy", "status"}, &status));
  EXPECT_EQ(status.current_version(), 0);
  for (const char* name : {"tab-1", "tab-2", "tbi-12"}) {
    const v1::Device d = bed_.Device(name);
    EXPECT_EQ(d.state().policy_version(), 0) << name;
    EXPECT_FALSE(d.state().locked()) << name;
  }
}

}  // namespace
}  // namespace ardoise::testing
