// The walking skeleton end to end: real console, agents and CLI processes.
#include <signal.h>

#include <filesystem>

#include "ardoise/v1/agent_link.grpc.pb.h"
#include "common/transport.h"
#include "gtest/gtest.h"
#include "tests/e2e/harness.h"

namespace ardoise::testing {
namespace {

const absl::Duration kHeartbeat = absl::Seconds(2);

bool Online(const v1::Device& d) { return d.online(); }
bool Offline(const v1::Device& d) { return !d.online(); }

// A bed with a console and three enrolled, running tablets.
class SkeletonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    bed_.StartConsole(kHeartbeat);
    const std::string token = bed_.CreateToken("ecole-jaures", "chariot-a", 3);
    ASSERT_FALSE(token.empty());
    for (const char* name : {"tab-1", "tab-2", "tab-3"}) {
      bed_.Enroll(token, name);
      bed_.StartAgent(name);
    }
    for (const char* name : {"tab-1", "tab-2", "tab-3"}) {
      ASSERT_TRUE(bed_.WaitForDevice(name, Online)) << name;
    }
  }
  TestBed bed_;
};

TEST_F(SkeletonTest, ThreeAgentsEnrollAndLockReachesAll) {
  v1::ListDevicesResponse list;
  ASSERT_TRUE(bed_.CliJson({"devices", "list"}, &list));
  ASSERT_EQ(list.devices_size(), 3);
  for (const v1::Device& d : list.devices()) {
    EXPECT_TRUE(d.online()) << d.name();
    EXPECT_EQ(d.school(), "ecole-jaures");
    EXPECT_EQ(d.pool(), "chariot-a");
    EXPECT_EQ(d.agent_version(), "0.1.0");
    EXPECT_FALSE(d.state().locked());
  }

  v1::TargetResult locked;
  ASSERT_TRUE(bed_.CliJson(
      {"lock", "chariot-a", "--message", "Les yeux au tableau"}, &locked));
  EXPECT_EQ(locked.resolved(), "pool chariot-a");
  EXPECT_EQ(locked.devices_size(), 3);
  for (const char* name : {"tab-1", "tab-2", "tab-3"}) {
    EXPECT_TRUE(bed_.WaitForDevice(name, [](const v1::Device& d) {
      return d.state().locked() &&
             d.state().lock_reason() == v1::LOCK_REASON_MANUAL &&
             d.state().lock_message() == "Les yeux au tableau" && d.in_sync();
    })) << name;
  }

  v1::TargetResult unlocked;
  ASSERT_TRUE(bed_.CliJson({"unlock", "tab-2"}, &unlocked));
  EXPECT_TRUE(bed_.WaitForDevice(
      "tab-2", [](const v1::Device& d) { return !d.state().locked(); }));
  EXPECT_TRUE(bed_.Device("tab-1").state().locked());

  // An unknown target is refused with exit code 1 and changes nothing.
  CommandResult missing = bed_.Cli({"lock", "salle-99"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("salle-99"), std::string::npos) << missing.err;
}

TEST_F(SkeletonTest, KilledAgentShowsOfflineWithinTwoHeartbeats) {
  bed_.KillAgent("tab-1", SIGKILL);
  EXPECT_TRUE(bed_.WaitForDevice("tab-1", Offline, 2 * kHeartbeat));
  EXPECT_TRUE(bed_.Device("tab-2").online());
}

TEST_F(SkeletonTest, DeviceLockedWhileAgentStoppedLocksOnReconnect) {
  bed_.KillAgent("tab-3", SIGTERM);
  ASSERT_TRUE(bed_.WaitForDevice("tab-3", Offline));
  v1::TargetResult result;
  ASSERT_TRUE(bed_.CliJson({"lock", "tab-3", "--message", "Pause"}, &result));
  ASSERT_EQ(result.devices_size(), 1);
  EXPECT_FALSE(result.devices(0).in_sync());
  bed_.StartAgent("tab-3");
  EXPECT_TRUE(bed_.WaitForDevice("tab-3", [](const v1::Device& d) {
    return d.online() && d.state().locked() &&
           d.state().lock_message() == "Pause" && d.in_sync();
  }));
}

TEST_F(SkeletonTest, RestartedAgentStaysLockedEvenWithoutConsole) {
  v1::TargetResult result;
  ASSERT_TRUE(bed_.CliJson({"lock", "tab-1", "--message", "Chut"}, &result));
  ASSERT_TRUE(bed_.WaitForDevice(
      "tab-1", [](const v1::Device& d) { return d.state().locked(); }));

  // No console at all: the agent must lock from its own store.
  bed_.KillConsole(SIGKILL);
  bed_.KillAgent("tab-1", SIGKILL);
  bed_.StartAgent("tab-1");
  Process* agent = bed_.agent("tab-1");
  EXPECT_TRUE(WaitFor(
      [&] {
        return TestBed::ReadLog(*agent).find("screen: LOCKED « Chut »") !=
               std::string::npos;
      },
      absl::Seconds(10)))
      << TestBed::ReadLog(*agent);

  // And once the console is back, it reports the lock it kept.
  bed_.StartConsole(kHeartbeat);
  EXPECT_TRUE(bed_.WaitForDevice("tab-1", [](const v1::Device& d) {
    return d.online() && d.state().locked() && d.in_sync();
  }));
}

TEST_F(SkeletonTest, ForgedOrMissingNodeKeyIsRefused) {
  const std::string device_id = bed_.Device("tab-1").id();
  ChannelOptions options;
  options.root_ca_pem = bed_.CaPem();
  auto channel = MakeChannel(bed_.console_address(), options);
  ASSERT_TRUE(channel.ok()) << channel.status();
  auto stub = v1::AgentLink::NewStub(*channel);
  auto attempt = [&](const std::string& key) {
    grpc::ClientContext context;
    context.AddMetadata("x-ardoise-device", device_id);
    if (!key.empty()) context.AddMetadata("x-ardoise-node-key", key);
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    auto stream = stub->Connect(&context);
    v1::AgentMessage hello;
    hello.mutable_hello()->set_protocol_version(1);
    stream->Write(hello);
    v1::ConsoleMessage reply;
    EXPECT_FALSE(stream->Read(&reply));  // no Welcome for a forger
    return stream->Finish();
  };
  EXPECT_EQ(attempt(std::string(64, 'a')).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(attempt("").error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(bed_.Device("tab-1").online());  // the real one is untouched
  EXPECT_EQ(bed_.Device("tab-1").flags_size(), 0);
}

TEST_F(SkeletonTest, SecondAgentWithSameKeyIsRefusedAndFlagged) {
  // A cloned disk image: a copy of tab-2's data folder on another machine.
  const std::string clone = bed_.dir() + "/clone-of-tab-2";
  std::filesystem::copy(bed_.AgentDir("tab-2"), clone,
                        std::filesystem::copy_options::recursive);
  bed_.StartAgent("clone", clone);
  EXPECT_TRUE(bed_.WaitForDevice(
      "tab-2", [](const v1::Device& d) { return d.flags_size() == 1; }));
  const v1::Device tab2 = bed_.Device("tab-2");
  EXPECT_NE(tab2.flags(0).find("cloned"), std::string::npos);
  EXPECT_TRUE(tab2.online());
  Process* clone_agent = bed_.agent("clone");
  EXPECT_TRUE(WaitFor(
      [&] {
        return TestBed::ReadLog(*clone_agent)
                   .find("the console refused this device") !=
               std::string::npos;
      },
      absl::Seconds(10)));
  // The genuine device still obeys.
  v1::TargetResult result;
  ASSERT_TRUE(bed_.CliJson({"lock", "tab-2"}, &result));
  EXPECT_TRUE(bed_.WaitForDevice(
      "tab-2", [](const v1::Device& d) { return d.state().locked(); }));
}

TEST_F(SkeletonTest, ConsoleKilledKeepsRegistryAndPendingCommands) {
  bed_.KillAgent("tab-2", SIGTERM);
  ASSERT_TRUE(bed_.WaitForDevice("tab-2", Offline));
  v1::TargetResult sent;
  ASSERT_TRUE(bed_.CliJson(
      {"message", "tab-2", "Rangez les tablettes dans le chariot"}, &sent));
  ASSERT_TRUE(bed_.WaitForDevice(
      "tab-2", [](const v1::Device& d) { return d.pending_commands() == 1; }));

  bed_.KillConsole(SIGKILL);
  bed_.StartConsole(kHeartbeat);
  v1::ListDevicesResponse list;
  ASSERT_TRUE(bed_.CliJson({"devices", "list"}, &list));
  EXPECT_EQ(list.devices_size(), 3);
  EXPECT_EQ(bed_.Device("tab-2").pending_commands(), 1);

  bed_.StartAgent("tab-2");
  EXPECT_TRUE(bed_.WaitForDevice("tab-2", [](const v1::Device& d) {
    return d.online() && d.pending_commands() == 0 &&
           d.state().last_message_shown() ==
               "Rangez les tablettes dans le chariot";
  }));
  // Shown exactly once, even though the console restarted.
  const std::string log = TestBed::ReadLog(*bed_.agent("tab-2"));
  size_t shown = 0;
  for (size_t at = log.find("screen: message"); at != std::string::npos;
       at = log.find("screen: message", at + 1)) {
    ++shown;
  }
  EXPECT_EQ(shown, 1u);
  // The others, never sent anything, are all back online.
  EXPECT_TRUE(bed_.WaitForDevice("tab-1", Online));
}

TEST(EnrollTest, WrongExpiredOrUsedUpTokenIsRefusedClearly) {
  TestBed bed;
  bed.StartConsole();
  const std::string token = bed.CreateToken("ecole", "salle-1", 1);
  bed.Enroll(token, "tab-1");
  // Used up; malformed; well formed with the right pin but a wrong secret.
  const std::string pin = token.substr(token.find("sha256:"));
  for (const std::string& bad :
       {token, std::string("abc.def"), "abc.def." + pin}) {
    CommandResult result = bed.TryEnroll(bad, "tab-2");
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_NE(result.err.find("token create"), std::string::npos) << result.err;
  }
}

}  // namespace
}  // namespace ardoise::testing
