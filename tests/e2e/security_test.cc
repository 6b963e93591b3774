// Revoking and rotating device credentials (issue #6), with the real
// console, agents and CLI: a retired device's live stream is closed within a
// second and its key is refused from then on; `devices rekey` moves a device
// to a new node key over its own stream, after which the old key is refused;
// failed enrollments from one address are slowed down.
#include <signal.h>
#include <sys/stat.h>

#include <string>

#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "ardoise/v1/agent_link.grpc.pb.h"
#include "common/files.h"
#include "common/transport.h"
#include "common/version.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/harness.h"

namespace ardoise::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// A device's AgentLink stream opened by the test itself, so it sees exactly
// when the console ends it.
class RawLink {
 public:
  RawLink(const TestBed& bed, const std::string& device_id,
          const std::string& node_key) {
    ChannelOptions options;
    options.root_ca_pem = bed.CaPem();
    auto channel = MakeChannel(bed.console_address(), options);
    EXPECT_TRUE(channel.ok()) << channel.status();
    stub_ = v1::AgentLink::NewStub(*channel);
    context_.AddMetadata("x-ardoise-device", device_id);
    context_.AddMetadata("x-ardoise-node-key", node_key);
    context_.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(60)));
    stream_ = stub_->Connect(&context_);
    v1::AgentMessage hello;
    hello.mutable_hello()->set_protocol_version(kProtocolVersion);
    hello.mutable_hello()->set_agent_version("e2e");
    stream_->Write(hello);
  }

  // Reads until the console sends a Welcome (true) or ends the stream.
  bool Welcomed() {
    v1::ConsoleMessage message;
    while (stream_->Read(&message)) {
      if (message.has_welcome()) return true;
    }
    return false;
  }

  // Reads until the console ends the stream; returns its status.
  grpc::Status Finished() {
    v1::ConsoleMessage message;
    while (stream_->Read(&message)) {
    }
    return stream_->Finish();
  }

 private:
  std::unique_ptr<v1::AgentLink::Stub> stub_;
  grpc::ClientContext context_;
  std::unique_ptr<
      grpc::ClientReaderWriter<v1::AgentMessage, v1::ConsoleMessage>>
      stream_;
};

std::string NodeKey(const TestBed& bed, const std::string& name) {
  std::string key = ReadFile(bed.AgentDir(name) + "/node.key").value_or("");
  return std::string(absl::StripAsciiWhitespace(key));
}

TEST(SecurityTest, RetiredDeviceStreamClosesWithinASecondAndCannotReconnect) {
  TestBed bed;
  bed.StartConsole();
  bed.Enroll(bed.CreateToken("ecole", "salle-1", 1), "tab-1");
  const std::string id = bed.Device("tab-1").id();
  const std::string key = NodeKey(bed, "tab-1");
  ASSERT_FALSE(key.empty());

  RawLink link(bed, id, key);
  ASSERT_TRUE(link.Welcomed());
  ASSERT_TRUE(bed.WaitForDevice(
      "tab-1", [](const v1::Device& d) { return d.online(); }));

  CommandResult retired = bed.Cli({"devices", "retire", "tab-1"});
  ASSERT_EQ(retired.exit_code, 0) << retired.err;
  const absl::Time answered = absl::Now();
  const grpc::Status closed = link.Finished();
  EXPECT_LT(absl::Now() - answered, absl::Seconds(1));
  EXPECT_EQ(closed.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(closed.error_message(), HasSubstr("retired"));

  // Its key no longer opens a stream, with the raw client or the agent.
  RawLink again(bed, id, key);
  const grpc::Status refused = again.Finished();
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  bed.StartAgent("tab-1");
  EXPECT_TRUE(WaitFor(
      [&] {
        return TestBed::ReadLog(*bed.agent("tab-1"))
                   .find("the console refused this device") !=
               std::string::npos;
      },
      absl::Seconds(15)));
  EXPECT_FALSE(bed.Device(id).online());
}

TEST(SecurityTest, RekeyRotatesTheNodeKeyOverTheStreamAndRefusesTheOldOne) {
  TestBed bed;
  bed.StartConsole();
  bed.Enroll(bed.CreateToken("ecole", "salle-1", 1), "tab-1");
  const std::string id = bed.Device("tab-1").id();
  const std::string old_key = NodeKey(bed, "tab-1");
  bed.StartAgent("tab-1");
  auto online = [](const v1::Device& d) { return d.online(); };
  ASSERT_TRUE(bed.WaitForDevice("tab-1", online));

  CommandResult rekeyed = bed.Cli({"devices", "rekey", "tab-1"});
  ASSERT_EQ(rekeyed.exit_code, 0) << rekeyed.err;
  EXPECT_THAT(rekeyed.out, HasSubstr("sent to the connected device"));
  EXPECT_THAT(rekeyed.out + rekeyed.err, Not(HasSubstr(old_key)));
  ASSERT_TRUE(bed.WaitForDevice(
      "tab-1", [](const v1::Device& d) { return !d.rekey_pending(); }));
  const std::string new_key = NodeKey(bed, "tab-1");
  EXPECT_FALSE(new_key.empty());
  EXPECT_NE(new_key, old_key);
  struct stat info;
  ASSERT_EQ(stat((bed.AgentDir("tab-1") + "/node.key").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600);

  // The old key is refused from now on.
  RawLink stale(bed, id, old_key);
  EXPECT_EQ(stale.Finished().error_code(), grpc::StatusCode::UNAUTHENTICATED);

  // The agent keeps working with the new key after a restart.
  bed.KillAgent("tab-1", SIGTERM);
  ASSERT_TRUE(bed.WaitForDevice(
      "tab-1", [](const v1::Device& d) { return !d.online(); }));
  bed.StartAgent("tab-1");
  ASSERT_TRUE(bed.WaitForDevice("tab-1", online));
  EXPECT_TRUE(bed.Device("tab-1").flags().empty());
  CommandResult message = bed.Cli({"message", "tab-1", "Rangez"});
  EXPECT_EQ(message.exit_code, 0) << message.err;
  EXPECT_TRUE(bed.WaitForDevice(
      "tab-1", [](const v1::Device& d) { return d.pending_commands() == 0; }));
}

TEST(SecurityTest, RekeyOfAnOfflineDeviceIsDeliveredWhenItConnects) {
  TestBed bed;
  bed.StartConsole();
  bed.Enroll(bed.CreateToken("ecole", "salle-1", 1), "tab-1");
  const std::string old_key = NodeKey(bed, "tab-1");
  CommandResult rekeyed = bed.Cli({"devices", "rekey", "tab-1"});
  ASSERT_EQ(rekeyed.exit_code, 0) << rekeyed.err;
  EXPECT_THAT(rekeyed.out, HasSubstr("when it next connects"));
  EXPECT_TRUE(bed.Device("tab-1").rekey_pending());
  // Until then the old key still works.
  bed.StartAgent("tab-1");
  ASSERT_TRUE(bed.WaitForDevice("tab-1", [](const v1::Device& d) {
    return d.online() && !d.rekey_pending();
  }));
  EXPECT_NE(NodeKey(bed, "tab-1"), old_key);
}

TEST(SecurityTest, FailedEnrollmentsFromOneAddressAreSlowedDown) {
  TestBed bed;
  // No failure is forgiven during the test, however slow the machine.
  bed.SetConsoleFlags({"--forgive-failure", "1h"});
  bed.StartConsole();
  const std::string token = bed.CreateToken("ecole", "salle-1", 1);
  // Same pin, wrong secret.
  const std::string forged = token.substr(0, token.find('.') + 1) +
                             std::string(32, 'a') +
                             token.substr(token.find('.', token.find('.') + 1));
  std::string last;
  for (int i = 0; i < 12; ++i) {
    CommandResult result = bed.TryEnroll(forged, "tab-" + std::to_string(i));
    ASSERT_NE(result.exit_code, 0);
    last = result.out + result.err;
  }
  EXPECT_THAT(last,
              HasSubstr("too many failed enrollments from ipv4:127.0.0.1"));
  // The right token is slowed down too: the address has to wait.
  CommandResult right = bed.TryEnroll(token, "tab-ok");
  EXPECT_NE(right.exit_code, 0);
  EXPECT_THAT(right.out + right.err, HasSubstr("try again in"));
}

}  // namespace
}  // namespace ardoise::testing
