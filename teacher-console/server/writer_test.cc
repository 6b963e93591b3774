#include "teacher-console/server/writer.h"

#include <atomic>
#include <vector>

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"

namespace ardoise {
namespace {

std::unique_ptr<Writer> StartWithTable(
    absl::Duration gather = absl::Milliseconds(50)) {
  auto db = Database::Open(":memory:");
  EXPECT_TRUE(db.ok());
  EXPECT_TRUE((*db)->Exec("CREATE TABLE t (k INTEGER PRIMARY KEY)").ok());
  return Writer::Start(*std::move(db), 512, gather);
}

absl::Status Insert(Database& db, int k) {
  auto insert = db.Cached("INSERT INTO t (k) VALUES (?)");
  if (!insert.ok()) return insert.status();
  return (*insert)->Bind(1, k).Run();
}

int Count(Writer& writer) {
  int count = -1;
  EXPECT_TRUE(writer
                  .Run([&](Database& db) -> absl::Status {
                    auto s = db.Prepare("SELECT COUNT(*) FROM t");
                    if (!s.ok()) return s.status();
                    auto row = s->Step();
                    if (!row.ok()) return row.status();
                    count = static_cast<int>(s->ColumnInt64(0));
                    return absl::OkStatus();
                  })
                  .ok());
  return count;
}

TEST(WriterTest, DoneRunsAfterCommitInPostingOrder) {
  auto writer = StartWithTable();
  std::vector<int> order;
  absl::Notification done;
  for (int i = 0; i < 50; ++i) {
    writer->Post([i](Database& db) { return Insert(db, i); },
                 [&, i](absl::Status status) {
                   EXPECT_TRUE(status.ok());
                   order.push_back(i);
                   if (i == 49) done.Notify();
                 });
  }
  done.WaitForNotification();
  ASSERT_EQ(order.size(), 50u);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(order[i], i);
  EXPECT_EQ(Count(*writer), 50);
}

TEST(WriterTest, BackgroundWorkWaitsAndRidesAlongWithUrgentWork) {
  // Background work may wait an hour here: only the urgent post commits it,
  // in one batch and in posting order.
  auto writer = StartWithTable(absl::Hours(1));
  std::vector<int> order;
  absl::Notification done;
  for (int i = 0; i < 20; ++i) {
    writer->PostBackground([i](Database& db) { return Insert(db, i); },
                           [&, i](absl::Status status) {
                             EXPECT_TRUE(status.ok());
                             order.push_back(i);
                           });
  }
  const int64_t commits_before = writer->commits();
  writer->Post([](Database& db) { return Insert(db, 20); },
               [&](absl::Status status) {
                 EXPECT_TRUE(status.ok());
                 order.push_back(20);
                 done.Notify();
               });
  done.WaitForNotification();
  EXPECT_EQ(writer->commits(), commits_before + 1);
  ASSERT_EQ(order.size(), 21u);
  for (int i = 0; i <= 20; ++i) EXPECT_EQ(order[i], i);
}

TEST(WriterTest, BackgroundWorkAloneCommitsAfterItsGatherTime) {
  auto writer = StartWithTable(absl::Milliseconds(20));
  absl::Notification done;
  for (int i = 0; i < 10; ++i) {
    writer->PostBackground([i](Database& db) { return Insert(db, i); },
                           [&, i](absl::Status status) {
                             EXPECT_TRUE(status.ok());
                             if (i == 9) done.Notify();
                           });
  }
  done.WaitForNotification();
  EXPECT_EQ(Count(*writer), 10);
}

TEST(WriterTest, StopCommitsWaitingBackgroundWorkAtOnce) {
  auto writer = StartWithTable(absl::Hours(1));
  std::atomic<int> committed{0};
  for (int i = 0; i < 5; ++i) {
    writer->PostBackground([i](Database& db) { return Insert(db, i); },
                           [&](absl::Status status) {
                             if (status.ok()) ++committed;
                           });
  }
  writer->Stop();  // does not wait an hour
  EXPECT_EQ(committed.load(), 5);
}

TEST(WriterTest, AFailingItemRollsBackAloneAndTheBatchCommits) {
  auto writer = StartWithTable();
  std::atomic<int> failures{0};
  absl::Notification done;
  writer->Post([](Database& db) { return Insert(db, 1); }, nullptr);
  writer->Post(
      [](Database& db) -> absl::Status {
        absl::Status first = Insert(db, 2);  // undone with the failure below
        if (!first.ok()) return first;
        return Insert(db, 1);  // duplicate key
      },
      [&](absl::Status status) {
        EXPECT_TRUE(absl::IsAlreadyExists(status)) << status;
        ++failures;
      });
  writer->Post([](Database& db) { return Insert(db, 3); },
               [&](absl::Status status) {
                 EXPECT_TRUE(status.ok());
                 done.Notify();
               });
  done.WaitForNotification();
  EXPECT_EQ(failures.load(), 1);
  EXPECT_EQ(Count(*writer), 2);  // 1 and 3, not 2
}

TEST(WriterTest, ManyPostsShareCommits) {
  auto writer = StartWithTable();
  std::atomic<int> left{2000};
  absl::Notification done;
  for (int i = 0; i < 2000; ++i) {
    writer->Post([i](Database& db) { return Insert(db, i); },
                 [&](absl::Status) {
                   if (--left == 0) done.Notify();
                 });
  }
  done.WaitForNotification();
  EXPECT_EQ(Count(*writer), 2000);
  EXPECT_LT(writer->commits(), 2000);
}

TEST(WriterTest, PostAfterStopFailsCleanly) {
  auto writer = StartWithTable();
  writer->Stop();
  absl::Status result;
  writer->Post([](Database& db) { return Insert(db, 1); },
               [&](absl::Status status) { result = status; });
  EXPECT_TRUE(absl::IsUnavailable(result)) << result;
}

}  // namespace
}  // namespace ardoise
