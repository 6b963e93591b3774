// Revoking devices (issue #6), with the real console and CLI: a retired
// device's live stream is closed within a second and its key is refused
// from then on.
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
  EXPECT_FALSE(bed.Device("tab-1").online());
}

}  // namespace
}  // namespace ardoise::testing
