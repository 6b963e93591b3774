#include "teacher-console/server/usage_store.h"

#include <stdlib.h>

#include <filesystem>

#include "common/proto_time.h"
#include "common/school_time.h"
#include "gtest/gtest.h"
#include "teacher-console/server/store.h"

namespace ardoise {
namespace {

const absl::TimeZone& Paris() {
  static const absl::TimeZone zone = *LoadSchoolTimeZone("Europe/Paris");
  return zone;
}

absl::Time At(int y, int mo, int d, int h, int mi = 0) {
  return absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, 0), Paris());
}

v1::UsageInterval Up(int64_t seq, absl::Time start, absl::Time end,
                     bool used = true, const std::string& exemption = "") {
  v1::UsageInterval i;
  i.set_seq(seq);
  i.set_kind(v1::INTERVAL_KIND_AGENT_UP);
  ToProto(start, i.mutable_start());
  ToProto(end, i.mutable_end());
  i.set_locked(!used);
  i.set_in_use(used);
  i.set_exemption_reason(exemption);
  return i;
}

// Seqs [first, last], one minute each from `start`, all used.
v1::UsageBatch Minutes(const std::string& epoch, int64_t first, int64_t last,
                       absl::Time start) {
  v1::UsageBatch batch;
  batch.set_epoch(epoch);
  for (int64_t s = first; s <= last; ++s) {
    const absl::Time from = start + absl::Minutes(s - first);
    *batch.add_intervals() = Up(s, from, from + absl::Minutes(1));
  }
  return batch;
}

class UsageStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "usage-store-XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    auto db = OpenConsoleDatabase(dir_, true);
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
    placement_.device_id = "d-000001";
    placement_.school = "ecole-jaures";
    placement_.pool = "chariot-a";
    placement_.kind = v1::DEVICE_KIND_TABLET;
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove_all(dir_);
  }

  IngestResult Ingest(const v1::UsageBatch& batch) {
    EXPECT_TRUE(CheckUsageBatch(batch).ok());
    EXPECT_TRUE(db_->Begin().ok());
    auto result = IngestUsage(*db_, placement_, Paris(), batch);
    EXPECT_TRUE(result.ok()) << result.status();
    EXPECT_TRUE(db_->Commit().ok());
    return result.ok() ? *result : IngestResult{};
  }

  int64_t Query(const std::string& sql) {
    auto stmt = db_->Prepare(sql);
    EXPECT_TRUE(stmt.ok()) << stmt.status();
    auto row = stmt->Step();
    EXPECT_TRUE(row.ok() && *row) << sql;
    return stmt->ColumnInt64(0);
  }

  // Every aggregate, as one comparable string.
  std::string Aggregates() {
    std::string out;
    for (const char* sql :
         {"SELECT day || ':' || device_id || ':' || on_ms || ':' || up_ms || "
          "':' || used_ms || ':' || locked_ms || ':' || exempt_ms || ':' || "
          "intervals FROM usage_device_days ORDER BY 1",
          "SELECT day || ':' || school || ':' || pool || ':' || kind || ':' "
          "|| on_ms || ':' || used_ms FROM usage_pool_days ORDER BY 1",
          "SELECT day || ':' || reason || ':' || used_ms FROM "
          "usage_exemption_days ORDER BY 1"}) {
      auto stmt = db_->Prepare(sql);
      EXPECT_TRUE(stmt.ok());
      while (*stmt->Step()) out += stmt->ColumnText(0) + "\n";
    }
    return out;
  }

  std::string dir_;
  std::unique_ptr<Database> db_;
  UsagePlacement placement_;
};

TEST_F(UsageStoreTest, DuplicateBatchInsertsNothingTwiceAndLeavesAggregates) {
  const v1::UsageBatch batch = Minutes("e1", 1, 10, At(2027, 3, 2, 10));
  IngestResult first = Ingest(batch);
  EXPECT_EQ(first.inserted, 10);
  EXPECT_EQ(first.acked_seq, 10);
  const std::string before = Aggregates();
  EXPECT_EQ(Query("SELECT used_ms FROM usage_device_days"), 10 * 60000);

  IngestResult again = Ingest(batch);
  EXPECT_EQ(again.inserted, 0);
  EXPECT_EQ(again.duplicates, 10);
  EXPECT_EQ(again.acked_seq, 10);
  // Overlapping: 6..15, of which only 11..15 are new.
  IngestResult overlap = Ingest(Minutes("e1", 6, 15, At(2027, 3, 2, 10, 5)));
  EXPECT_EQ(overlap.inserted, 5);
  EXPECT_EQ(overlap.duplicates, 5);
  EXPECT_EQ(overlap.acked_seq, 15);
  EXPECT_NE(Aggregates(), before);
  EXPECT_EQ(Query("SELECT COUNT(*) FROM usage_intervals"), 15);
  EXPECT_EQ(Query("SELECT used_ms FROM usage_device_days"), 15 * 60000);
  EXPECT_EQ(Query("SELECT intervals FROM usage_device_days"), 15);
  EXPECT_EQ(Query("SELECT used_ms FROM usage_pool_days"), 15 * 60000);
  const std::string after = Aggregates();
  Ingest(Minutes("e1", 1, 15, At(2027, 3, 2, 10)));
  EXPECT_EQ(Aggregates(), after);
}

TEST_F(UsageStoreTest, AckIsTheHighestContiguousSequence) {
  v1::UsageBatch gap;
  gap.set_epoch("e1");
  const absl::Time t = At(2027, 3, 2, 9);
  *gap.add_intervals() = Up(1, t, t + absl::Minutes(1));
  *gap.add_intervals() = Up(2, t + absl::Minutes(1), t + absl::Minutes(2));
  *gap.add_intervals() = Up(4, t + absl::Minutes(3), t + absl::Minutes(4));
  EXPECT_EQ(Ingest(gap).acked_seq, 2);
  // 5 and 6 arrive: still stuck behind the missing 3.
  EXPECT_EQ(Ingest(Minutes("e1", 5, 6, t + absl::Minutes(4))).acked_seq, 2);
  // 3 fills the hole: everything through 6 is stored.
  EXPECT_EQ(Ingest(Minutes("e1", 3, 3, t + absl::Minutes(2))).acked_seq, 6);
  auto stream = LoadUsageStream(*db_, placement_.device_id, "e1");
  ASSERT_TRUE(stream.ok());
  EXPECT_EQ(stream->contiguous_seq, 6);
  EXPECT_EQ(stream->max_seq, 6);
  // Nothing stored before seq 1: no ack beyond 0.
  EXPECT_EQ(Ingest(Minutes("e2", 2, 3, t)).acked_seq, 0);
}

TEST_F(UsageStoreTest, ReimagedTabletWithANewEpochIsNotDropped) {
  const absl::Time t = At(2027, 3, 2, 10);
  EXPECT_EQ(Ingest(Minutes("old-epoch", 1, 5, t)).inserted, 5);
  // Wiped data folder: a new epoch, seqs from 1 again, same device.
  IngestResult fresh = Ingest(Minutes("new-epoch", 1, 5, t + absl::Hours(1)));
  EXPECT_EQ(fresh.inserted, 5);
  EXPECT_EQ(fresh.duplicates, 0);
  EXPECT_EQ(fresh.acked_seq, 5);
  EXPECT_EQ(Query("SELECT used_ms FROM usage_device_days"), 10 * 60000);
}

TEST_F(UsageStoreTest, HelloFromARestoredFolderAsksForANewEpoch) {
  Ingest(Minutes("e1", 1, 8, At(2027, 3, 2, 10)));
  auto ok = UsageAckForHello(*db_, placement_.device_id, "e1", 9);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->acked_seq(), 8);
  EXPECT_FALSE(ok->restart_epoch());
  // The folder went back to when its next seq was 4.
  auto restored = UsageAckForHello(*db_, placement_.device_id, "e1", 4);
  ASSERT_TRUE(restored.ok());
  EXPECT_TRUE(restored->restart_epoch());
  auto unknown = UsageAckForHello(*db_, placement_.device_id, "e9", 1);
  ASSERT_TRUE(unknown.ok());
  EXPECT_EQ(unknown->acked_seq(), 0);
  EXPECT_FALSE(unknown->restart_epoch());
}

TEST_F(UsageStoreTest, RetentionPurgeKeepsAggregates) {
  Ingest(Minutes("e1", 1, 5, At(2027, 1, 4, 10)));   // old
  Ingest(Minutes("e1", 6, 10, At(2027, 4, 6, 10)));  // recent
  const std::string before = Aggregates();
  std::vector<std::pair<absl::Time, std::vector<std::string>>> cutoffs = {
      {At(2027, 4, 6, 0), {placement_.device_id}}};
  auto purged = PurgeUsageIntervals(*db_, cutoffs);
  ASSERT_TRUE(purged.ok()) << purged.status();
  EXPECT_EQ(*purged, 5);
  EXPECT_EQ(Query("SELECT COUNT(*) FROM usage_intervals"), 5);
  EXPECT_EQ(Query("SELECT MIN(seq) FROM usage_intervals"), 6);
  EXPECT_EQ(Aggregates(), before);
  // Other devices' cutoffs do not touch this one.
  cutoffs = {{At(2027, 5, 1, 0), {"d-other"}}};
  EXPECT_EQ(*PurgeUsageIntervals(*db_, cutoffs), 0);
  // A late duplicate of a purged row is not counted again: the ack holds.
  IngestResult late = Ingest(Minutes("e1", 1, 5, At(2027, 1, 4, 10)));
  EXPECT_EQ(late.acked_seq, 10);
}

TEST(SplitByLocalDayTest, CutsAtLocalMidnight) {
  auto pieces =
      SplitByLocalDay(At(2027, 3, 2, 23, 30), At(2027, 3, 3, 0, 45), Paris());
  ASSERT_EQ(pieces.size(), 2u);
  EXPECT_EQ(pieces[0].first, absl::CivilDay(2027, 3, 2));
  EXPECT_EQ(pieces[0].second, absl::Minutes(30));
  EXPECT_EQ(pieces[1].first, absl::CivilDay(2027, 3, 3));
  EXPECT_EQ(pieces[1].second, absl::Minutes(45));
  // Midnight in Paris is 23:00 UTC in winter: not a UTC split.
  EXPECT_EQ(
      SplitByLocalDay(At(2027, 1, 5, 0, 10), At(2027, 1, 5, 2), Paris()).size(),
      1u);
  EXPECT_TRUE(
      SplitByLocalDay(At(2027, 1, 5, 1), At(2027, 1, 5, 1), Paris()).empty());
}

TEST(SplitByLocalDayTest, DstDaysHave23And25Hours) {
  // 2027-03-28: clocks go from 02:00 to 03:00 in Paris.
  auto spring =
      SplitByLocalDay(At(2027, 3, 28, 0), At(2027, 3, 29, 0), Paris());
  ASSERT_EQ(spring.size(), 1u);
  EXPECT_EQ(spring[0].second, absl::Hours(23));
  auto autumn =
      SplitByLocalDay(At(2027, 10, 30, 12), At(2027, 11, 1, 12), Paris());
  ASSERT_EQ(autumn.size(), 3u);
  EXPECT_EQ(autumn[1].first, absl::CivilDay(2027, 10, 31));
  EXPECT_EQ(autumn[1].second, absl::Hours(25));
}

TEST_F(UsageStoreTest, IntervalOverMidnightCountsOnBothDays) {
  v1::UsageBatch batch;
  batch.set_epoch("e1");
  *batch.add_intervals() = Up(1, At(2027, 3, 2, 23, 50), At(2027, 3, 3, 0, 20),
                              true, "Projet radio");
  Ingest(batch);
  EXPECT_EQ(Query("SELECT used_ms FROM usage_device_days WHERE day = "
                  "'2027-03-02'"),
            10 * 60000);
  EXPECT_EQ(Query("SELECT used_ms FROM usage_device_days WHERE day = "
                  "'2027-03-03'"),
            20 * 60000);
  EXPECT_EQ(Query("SELECT exempt_ms FROM usage_device_days WHERE day = "
                  "'2027-03-03'"),
            20 * 60000);
  EXPECT_EQ(Query("SELECT used_ms FROM usage_exemption_days WHERE day = "
                  "'2027-03-02' AND reason = 'Projet radio'"),
            10 * 60000);
  // Counted once, on the day it started.
  EXPECT_EQ(Query("SELECT SUM(intervals) FROM usage_device_days"), 1);
}

TEST(CheckUsageBatchTest, RefusesMalformedBatches) {
  v1::UsageBatch batch = Minutes("e1", 1, 2, At(2027, 3, 2, 10));
  EXPECT_TRUE(CheckUsageBatch(batch).ok());
  v1::UsageBatch no_epoch = batch;
  no_epoch.clear_epoch();
  EXPECT_TRUE(absl::IsInvalidArgument(CheckUsageBatch(no_epoch)));
  v1::UsageBatch backwards = batch;
  backwards.mutable_intervals(1)->set_seq(1);
  EXPECT_TRUE(absl::IsInvalidArgument(CheckUsageBatch(backwards)));
  v1::UsageBatch reversed = batch;
  *reversed.mutable_intervals(0)->mutable_end() = reversed.intervals(0).start();
  reversed.mutable_intervals(0)->mutable_start()->set_seconds(
      reversed.intervals(0).start().seconds() + 10);
  EXPECT_TRUE(absl::IsInvalidArgument(CheckUsageBatch(reversed)));
  EXPECT_TRUE(absl::IsInvalidArgument(CheckUsageBatch(v1::UsageBatch())));
}

// Found by agent_link_fuzzer: an interval spanning centuries held the Writer
// for minutes while ingestion walked it day by day.
TEST(CheckUsageBatchTest, CenturiesLongIntervalIsRefusedBeforeIngestion) {
  v1::UsageBatch batch = Minutes("e1", 1, 1, At(2027, 3, 2, 10));
  v1::UsageBatch long_one = batch;
  long_one.mutable_intervals(0)->mutable_end()->set_seconds(
      long_one.intervals(0).start().seconds() + 100LL * 365 * 86400);
  EXPECT_TRUE(absl::IsInvalidArgument(CheckUsageBatch(long_one)));
  v1::UsageBatch ancient = batch;
  ancient.mutable_intervals(0)->mutable_start()->set_seconds(0);
  ancient.mutable_intervals(0)->mutable_end()->set_seconds(60);
  EXPECT_TRUE(absl::IsInvalidArgument(CheckUsageBatch(ancient)));
  v1::UsageBatch month = batch;
  month.mutable_intervals(0)->mutable_end()->set_seconds(
      month.intervals(0).start().seconds() + 31 * 86400);
  EXPECT_TRUE(CheckUsageBatch(month).ok());
}

}  // namespace
}  // namespace ardoise
