// AgentStream's usage acknowledgements (docs/protocol.md, Usage): lazy for
// an agent that pipelines its batches, one per batch for one that waits.
#include "teacher-console/server/agent_stream.h"

#include <memory>
#include <string>
#include <vector>

#include "common/proto_time.h"
#include "common/version.h"
#include "gtest/gtest.h"
#include "teacher-console/server/one_device_console.h"

namespace ardoise {
namespace {

// The usage acks among what the console pushed since the last call.
std::vector<v1::UsageAck> TakeAcks(CapturingLink& link) {
  std::vector<v1::UsageAck> acks;
  for (v1::ConsoleMessage& message : link.Take()) {
    if (message.has_usage_ack()) acks.push_back(message.usage_ack());
  }
  return acks;
}

class AgentStreamUsageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto console = MakeOneDeviceConsole();
    ASSERT_TRUE(console.ok()) << console.status();
    console_ = *std::move(console);
    ASSERT_TRUE(console_->registry
                    ->Attach(console_->device_id, console_->node_key, &link_)
                    .ok());
    stream_ = std::make_unique<AgentStream>(
        console_->context, console_->device_id, "test", &link_);
  }
  void TearDown() override {
    stream_.reset();
    if (console_ != nullptr) {
      console_->registry->Detach(console_->device_id, &link_);
    }
  }

  void Hello(bool pipelined) {
    v1::AgentMessage message;
    v1::Hello* hello = message.mutable_hello();
    hello->set_protocol_version(kProtocolVersion);
    hello->set_agent_version("test");
    hello->set_usage_epoch("e1");
    hello->set_usage_next_seq(1);
    hello->set_usage_pipelined(pipelined);
    ASSERT_TRUE(stream_->Handle(message).ok());
  }

  // Sends interval `seq` (one minute, in use) and waits until it is stored;
  // returns the acks that went out.
  std::vector<v1::UsageAck> Send(int64_t seq, bool ack_now = false) {
    v1::AgentMessage message;
    v1::UsageBatch* batch = message.mutable_usage();
    batch->set_epoch("e1");
    batch->set_ack_now(ack_now);
    v1::UsageInterval* interval = batch->add_intervals();
    interval->set_seq(seq);
    interval->set_kind(v1::INTERVAL_KIND_AGENT_UP);
    interval->set_in_use(true);
    const absl::Time start = console_->clock->Now() - absl::Minutes(1);
    ToProto(start, interval->mutable_start());
    ToProto(start + absl::Minutes(1), interval->mutable_end());
    EXPECT_TRUE(stream_->Handle(message).ok());
    EXPECT_TRUE(DrainWriter(*console_->writer).ok());
    return TakeAcks(link_);
  }

  std::unique_ptr<OneDeviceConsole> console_;
  CapturingLink link_;
  std::unique_ptr<AgentStream> stream_;
};

TEST_F(AgentStreamUsageTest, APipelinedAgentIsAckedAtMostOncePerPeriod) {
  Hello(/*pipelined=*/true);
  ASSERT_TRUE(DrainWriter(*console_->writer).ok());
  ASSERT_EQ(TakeAcks(link_).size(), 1u);  // the answer to the Hello

  // The stream's first batch is acknowledged at once ...
  auto acks = Send(1);
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].acked_seq(), 1);
  // ... the next ones are stored but wait for the period ...
  for (int64_t seq = 2; seq <= 4; ++seq) {
    console_->clock->Advance(absl::Minutes(1));
    EXPECT_TRUE(Send(seq).empty()) << seq;
  }
  // ... and one ack covers them all once it has passed.
  console_->clock->Advance(console_->context.usage_ack_every -
                           absl::Minutes(3));
  acks = Send(5);
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].epoch(), "e1");
  EXPECT_EQ(acks[0].acked_seq(), 5);
  // An agent that asks (a backlog, a resend) is answered at once.
  console_->clock->Advance(absl::Minutes(1));
  EXPECT_TRUE(Send(6).empty());
  acks = Send(7, /*ack_now=*/true);
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].acked_seq(), 7);
}

TEST_F(AgentStreamUsageTest, AnAgentThatWaitsForEachAckGetsEachAck) {
  Hello(/*pipelined=*/false);
  ASSERT_TRUE(DrainWriter(*console_->writer).ok());
  TakeAcks(link_);
  for (int64_t seq = 1; seq <= 3; ++seq) {
    console_->clock->Advance(absl::Minutes(1));
    auto acks = Send(seq);
    ASSERT_EQ(acks.size(), 1u) << seq;
    EXPECT_EQ(acks[0].acked_seq(), seq);
  }
}

}  // namespace
}  // namespace ardoise
