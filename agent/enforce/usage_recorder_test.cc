#include "agent/enforce/usage_recorder.h"

#include <stdlib.h>

#include <filesystem>

#include "common/proto_time.h"
#include "gtest/gtest.h"

namespace ardoise {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1795000000);

class UsageRecorderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "usage-recorder-XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
    store_ = Open("data");
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(root_);
  }
  std::unique_ptr<AgentStore> Open(const std::string& name) {
    auto store = AgentStore::Open(root_ + "/" + name, true);
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? *std::move(store) : nullptr;
  }
  std::vector<v1::UsageInterval> Outbox() {
    auto batch = store_->PendingUsage(1000);
    EXPECT_TRUE(batch.ok());
    return {batch->intervals().begin(), batch->intervals().end()};
  }

  std::string root_;
  std::unique_ptr<AgentStore> store_;
  UsageRecorder::Options options_{absl::Seconds(60), absl::Seconds(15)};
};

UsageState Used() {
  UsageState s;
  s.in_use = true;
  return s;
}

UsageState Locked() {
  UsageState s;
  s.locked = true;
  s.lock_reason = v1::LOCK_REASON_NO_SCREEN;
  s.no_screen_period = "Semaine sans écrans";
  return s;
}

TEST_F(UsageRecorderTest, EpochIsRandomPerDataFolderAndKept) {
  const std::string epoch = store_->usage_totals()->epoch;
  EXPECT_FALSE(epoch.empty());
  store_.reset();
  store_ = Open("data");
  EXPECT_EQ(store_->usage_totals()->epoch, epoch);
  // A wiped or re-imaged folder: another epoch.
  EXPECT_NE(Open("other")->usage_totals()->epoch, epoch);
}

TEST_F(UsageRecorderTest, CutsOnChangeAndAtLeastEveryInterval) {
  UsageRecorder recorder(store_.get(), options_);
  ASSERT_TRUE(recorder.Start(kT0, absl::InfinitePast(), Used()).ok());
  recorder.Observe(kT0 + absl::Seconds(30), Used());
  EXPECT_TRUE(Outbox().empty());
  recorder.Observe(kT0 + absl::Seconds(61), Used());
  recorder.Observe(kT0 + absl::Seconds(70), Locked());
  recorder.Observe(kT0 + absl::Seconds(75), Locked());
  std::vector<v1::UsageInterval> out = Outbox();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].seq(), 1);
  EXPECT_EQ(FromProto(out[0].start()), kT0);
  EXPECT_EQ(FromProto(out[0].end()), kT0 + absl::Seconds(61));
  EXPECT_TRUE(out[0].in_use());
  EXPECT_EQ(out[1].seq(), 2);
  EXPECT_EQ(FromProto(out[1].start()), kT0 + absl::Seconds(61));
  EXPECT_EQ(FromProto(out[1].end()), kT0 + absl::Seconds(70));

  ASSERT_TRUE(recorder.Stop(kT0 + absl::Seconds(80)).ok());
  out = Outbox();
  ASSERT_EQ(out.size(), 4u);
  EXPECT_TRUE(out[2].locked());
  EXPECT_EQ(out[2].lock_reason(), v1::LOCK_REASON_NO_SCREEN);
  EXPECT_EQ(out[2].no_screen_period(), "Semaine sans écrans");
  EXPECT_FALSE(out[2].in_use());
  EXPECT_EQ(out[3].kind(), v1::INTERVAL_KIND_SHUTDOWN);
  EXPECT_EQ(FromProto(out[3].start()), kT0 + absl::Seconds(80));
  auto totals = store_->usage_totals();
  EXPECT_EQ(totals->recorded, 4);
  EXPECT_EQ(totals->recorded_ms, 80 * 1000);
  EXPECT_EQ(totals->next_seq, 5);

  // A clean stop leaves nothing to recover.
  UsageRecorder again(store_.get(), options_);
  ASSERT_TRUE(
      again.Start(kT0 + absl::Seconds(90), absl::InfinitePast(), Used()).ok());
  EXPECT_EQ(Outbox().size(), 4u);
}

TEST_F(UsageRecorderTest, NextDueIsTheNextAliveRefreshOrCut) {
  UsageRecorder recorder(store_.get(), options_);
  EXPECT_EQ(recorder.NextDue(), absl::InfiniteFuture());  // nothing open
  ASSERT_TRUE(recorder.Start(kT0, absl::InfinitePast(), Used()).ok());
  EXPECT_EQ(recorder.NextDue(), kT0 + absl::Seconds(15));
  recorder.Observe(kT0 + absl::Seconds(50), Used());       // alive saved at 50
  EXPECT_EQ(recorder.NextDue(), kT0 + absl::Seconds(60));  // the cut
  recorder.Observe(kT0 + absl::Seconds(60), Used());       // cut
  EXPECT_EQ(recorder.NextDue(), kT0 + absl::Seconds(75));
  ASSERT_TRUE(recorder.Stop(kT0 + absl::Seconds(61)).ok());
  EXPECT_EQ(recorder.NextDue(), absl::InfiniteFuture());
}

TEST_F(UsageRecorderTest, CrashLosesAtMostTheTailAfterTheLastHeartbeat) {
  {
    UsageRecorder recorder(store_.get(), options_);
    ASSERT_TRUE(recorder.Start(kT0, absl::InfinitePast(), Used()).ok());
    recorder.Observe(kT0 + absl::Seconds(20), Used());  // alive saved
    recorder.Observe(kT0 + absl::Seconds(25), Used());
    // SIGKILL: no Stop().
  }
  UsageRecorder next(store_.get(), options_);
  ASSERT_TRUE(
      next.Start(kT0 + absl::Minutes(5), absl::InfinitePast(), Used()).ok());
  std::vector<v1::UsageInterval> out = Outbox();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].recovered());
  EXPECT_EQ(FromProto(out[0].start()), kT0);
  EXPECT_EQ(FromProto(out[0].end()), kT0 + absl::Seconds(20));
}

TEST_F(UsageRecorderTest, BootIsRecordedOncePerBoot) {
  const absl::Time boot = kT0 - absl::Seconds(40);
  {
    UsageRecorder recorder(store_.get(), options_);
    ASSERT_TRUE(recorder.Start(kT0, boot, Used()).ok());
    ASSERT_TRUE(recorder.Stop(kT0 + absl::Seconds(10)).ok());
  }
  std::vector<v1::UsageInterval> out = Outbox();
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].kind(), v1::INTERVAL_KIND_BOOT);
  EXPECT_EQ(FromProto(out[0].start()), boot);
  EXPECT_EQ(FromProto(out[0].end()), kT0);
  // The agent restarts without a reboot: no second boot interval.
  UsageRecorder restarted(store_.get(), options_);
  ASSERT_TRUE(restarted.Start(kT0 + absl::Seconds(20), boot, Used()).ok());
  EXPECT_EQ(Outbox().size(), 3u);
}

TEST_F(UsageRecorderTest, AckDeletesThroughSeqOfItsEpochOnly) {
  UsageRecorder recorder(store_.get(), options_);
  ASSERT_TRUE(recorder.Start(kT0, absl::InfinitePast(), Used()).ok());
  for (int i = 1; i <= 5; ++i) {
    recorder.Observe(kT0 + absl::Minutes(i) + absl::Seconds(1), Used());
  }
  ASSERT_EQ(Outbox().size(), 5u);
  const std::string epoch = store_->usage_totals()->epoch;
  auto other = store_->AckUsage("another-epoch", 5);
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(*other);
  EXPECT_EQ(Outbox().size(), 5u);
  auto acked = store_->AckUsage(epoch, 3);
  ASSERT_TRUE(acked.ok());
  EXPECT_TRUE(*acked);
  std::vector<v1::UsageInterval> out = Outbox();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].seq(), 4);
  EXPECT_EQ(store_->usage_totals()->recorded, 5);  // totals never shrink

  // A restored folder: the rest moves to a new epoch, numbered from 1.
  ASSERT_TRUE(store_->RestartUsageEpoch("fresh").ok());
  auto batch = store_->PendingUsage(10);
  EXPECT_EQ(batch->epoch(), "fresh");
  ASSERT_EQ(batch->intervals_size(), 2);
  EXPECT_EQ(batch->intervals(0).seq(), 1);
  EXPECT_EQ(batch->intervals(1).seq(), 2);
  EXPECT_EQ(FromProto(batch->intervals(0).start()), FromProto(out[0].start()));
  EXPECT_EQ(store_->usage_totals()->next_seq, 3);
}

}  // namespace
}  // namespace ardoise
