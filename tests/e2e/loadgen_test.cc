// The load generator's smoke run: a few hundred simulated agents against the
// real console. Asserts behaviour only (every agent has its own connection,
// every lock reaches every agent and its report reaches the console, a
// policy change reaches every agent and the console records every applied
// version, a session start puts every tablet of the class on step 1), never
// speed: the figures come from ./scripts/bench load.
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/files.h"
#include "gtest/gtest.h"
#include "tests/e2e/harness.h"

namespace ardoise::testing {
namespace {

constexpr int kClass = 30;
constexpr int kAgents = 300;

// The number after "KEY": in the loadgen's JSON (-1 when absent).
double JsonNumber(const std::string& json, const std::string& key) {
  const std::string needle = absl::StrCat("\"", key, "\": ");
  const size_t at = json.find(needle);
  if (at == std::string::npos) return -1;
  const size_t start = at + needle.size();
  const size_t end = json.find_first_of(",\n}", start);
  double v = -1;
  if (!absl::SimpleAtod(json.substr(start, end - start), &v)) return -1;
  return v;
}

TEST(LoadgenSmoke, AgentsConnectOnTheirOwnConnectionsAndAllAckALock) {
  TestBed bed;
  // A Monday 09:00 in Paris at real speed: the session starts in school
  // hours.
  bed.UseTestClock(absl::FromUnixSeconds(1795420800), 1);
  bed.StartConsole(absl::Seconds(2));
  ASSERT_EQ(bed.Cli({"schools", "create", "lg"}).exit_code, 0);
  ASSERT_EQ(bed.Cli({"pools", "create", "lg-class", "--school", "lg", "--kind",
                     "room"})
                .exit_code,
            0);
  const std::string class_token = bed.CreateToken("lg", "lg-class", kClass);
  const std::string rest_token =
      bed.CreateToken("lg", "lg-rest", kAgents - kClass);
  ASSERT_FALSE(class_token.empty());
  ASSERT_FALSE(rest_token.empty());
  const std::string pid_file = bed.dir() + "/console.pid";
  ASSERT_TRUE(
      WriteFileAtomically(pid_file, absl::StrCat(bed.console_pid(), "\n"))
          .ok());
  const std::string json_path = bed.dir() + "/loadgen.json";

  CommandResult run =
      RunCommand({ARDOISE_LOADGEN_BIN,
                  "--console",
                  bed.console_address(),
                  "--ca",
                  bed.ca_path(),
                  "--identities",
                  bed.dir() + "/identities",
                  "--enroll",
                  absl::StrCat(kClass, ",lg-class,", class_token),
                  "--enroll",
                  absl::StrCat(kAgents - kClass, ",lg-rest,", rest_token),
                  "--ramp",
                  "2",
                  "--connect-timeout",
                  "20",
                  "--steady",
                  "3",
                  "--usage-every",
                  "1",
                  "--lock-pool",
                  "lg-class",
                  "--pool-rounds",
                  "1",
                  "--lock-all",
                  "--policy-school",
                  "lg",
                  "--session-class",
                  "lg-cm1",
                  "--console-pid-file",
                  pid_file,
                  "--json",
                  json_path,
                  "--token-file",
                  bed.dir() + "/tokens/admin"});
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  auto json = ReadFile(json_path);
  ASSERT_TRUE(json.ok()) << run.out << run.err;
  EXPECT_EQ(JsonNumber(*json, "agents"), kAgents);
  EXPECT_EQ(JsonNumber(*json, "connected"), kAgents) << *json;
  // One TCP connection per simulated agent, seen from the console's side.
  EXPECT_GE(JsonNumber(*json, "console_tcp_established"), kAgents) << *json;
  EXPECT_EQ(JsonNumber(*json, "fanout_pool_missed"), 0) << *json;
  EXPECT_EQ(JsonNumber(*json, "fanout_all_missed"), 0) << *json;
  EXPECT_EQ(JsonNumber(*json, "lock_reported"), kAgents) << *json;
  // The policy reached every agent, and the console holds every applied
  // version.
  EXPECT_EQ(JsonNumber(*json, "policy_missed"), 0) << *json;
  EXPECT_EQ(JsonNumber(*json, "policy_current"), kAgents) << *json;
  // The session put every tablet of the class on its first step.
  EXPECT_EQ(JsonNumber(*json, "session_missed"), 0) << *json;
  EXPECT_NE(json->find("\"session_start\": {\"n\": 30,"), std::string::npos)
      << *json;
  EXPECT_NE(json->find("\"ok\": true"), std::string::npos) << *json;

  // A second run reuses the identities: no enrollment, same devices.
  CommandResult again = RunCommand(
      {ARDOISE_LOADGEN_BIN, "--console", bed.console_address(), "--ca",
       bed.ca_path(), "--identities", bed.dir() + "/identities", "--ramp", "1",
       "--connect-timeout", "20", "--steady", "0", "--json", json_path});
  EXPECT_EQ(again.exit_code, 0) << again.out << again.err;
  json = ReadFile(json_path);
  ASSERT_TRUE(json.ok());
  EXPECT_EQ(JsonNumber(*json, "connected"), kAgents) << *json;
}

}  // namespace
}  // namespace ardoise::testing
