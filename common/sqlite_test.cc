#include "common/sqlite.h"

#include <stdlib.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "common/status_macros.h"
#include "gtest/gtest.h"

namespace ardoise {
namespace {

class SqliteTest : public testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = testing::TempDir() + "/ardoise-sqlite-XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    ASSERT_NE(mkdtemp(buf.data()), nullptr);
    dir_ = buf.data();
    path_ = dir_ + "/test.db";
  }
  void TearDown() override {
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
      unlink((path_ + suffix).c_str());
    }
    rmdir(dir_.c_str());
  }

  std::unique_ptr<Database> OpenOrDie(const Database::Options& options = {}) {
    absl::StatusOr<std::unique_ptr<Database>> db =
        Database::Open(path_, options);
    EXPECT_TRUE(db.ok()) << db.status();
    return db.ok() ? std::move(*db) : nullptr;
  }

  int64_t Count(Database& db, const std::string& table) {
    absl::StatusOr<Statement> s = db.Prepare("SELECT count(*) FROM " + table);
    EXPECT_TRUE(s.ok()) << s.status();
    EXPECT_TRUE(s->Step().value());
    return s->ColumnInt64(0);
  }

  std::string dir_;
  std::string path_;
};

const std::vector<std::string> kMigrations = {
    "CREATE TABLE device (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);",
    "ALTER TABLE device ADD COLUMN kind TEXT NOT NULL DEFAULT 'tablet';"
    "CREATE TABLE usage (device_id INTEGER NOT NULL REFERENCES device(id),"
    "                    seconds INTEGER NOT NULL);",
};

TEST_F(SqliteTest, OpensInWalModeWithForeignKeys) {
  auto db = OpenOrDie();
  ASSERT_NE(db, nullptr);
  Statement mode = db->Prepare("PRAGMA journal_mode").value();
  ASSERT_TRUE(mode.Step().value());
  EXPECT_EQ(mode.ColumnText(0), "wal");
  Statement fk = db->Prepare("PRAGMA foreign_keys").value();
  ASSERT_TRUE(fk.Step().value());
  EXPECT_EQ(fk.ColumnInt64(0), 1);
  Statement sync = db->Prepare("PRAGMA synchronous").value();
  ASSERT_TRUE(sync.Step().value());
  EXPECT_EQ(sync.ColumnInt64(0), 2);  // FULL
  EXPECT_EQ(db->path(), path_);
}

TEST_F(SqliteTest, SynchronousNormal) {
  Database::Options options;
  options.synchronous_full = false;
  auto db = OpenOrDie(options);
  Statement sync = db->Prepare("PRAGMA synchronous").value();
  ASSERT_TRUE(sync.Step().value());
  EXPECT_EQ(sync.ColumnInt64(0), 1);  // NORMAL
}

TEST_F(SqliteTest, InMemory) {
  auto db = Database::Open(":memory:");
  ASSERT_TRUE(db.ok()) << db.status();
  EXPECT_TRUE(
      (*db)->Exec("CREATE TABLE t (x); INSERT INTO t VALUES (1);").ok());
}

TEST_F(SqliteTest, OpenErrorsNameThePath) {
  Database::Options no_create;
  no_create.create = false;
  absl::StatusOr<std::unique_ptr<Database>> db =
      Database::Open(path_, no_create);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(db.status().message().find(path_), absl::string_view::npos);

  db = Database::Open(dir_ + "/missing/folder/x.db");
  ASSERT_FALSE(db.ok());
  EXPECT_NE(db.status().message().find(dir_ + "/missing/folder/x.db"),
            absl::string_view::npos);
}

TEST_F(SqliteTest, NotADatabase) {
  FILE* f = fopen(path_.c_str(), "w");
  ASSERT_NE(f, nullptr);
  fputs(
      "this is not a database, just text long enough to have a header......"
      "...............................................................",
      f);
  fclose(f);
  absl::StatusOr<std::unique_ptr<Database>> db = Database::Open(path_);
  ASSERT_FALSE(db.ok());
  EXPECT_NE(db.status().message().find(path_), absl::string_view::npos)
      << db.status();
}

TEST_F(SqliteTest, MigrationsApplyInOrderAndAreIdempotent) {
  {
    auto db = OpenOrDie();
    ASSERT_TRUE(db->Migrate({kMigrations[0]}).ok());
    EXPECT_EQ(db->UserVersion().value(), 1);
    ASSERT_TRUE(db->Migrate(kMigrations).ok());
    EXPECT_EQ(db->UserVersion().value(), 2);
    ASSERT_TRUE(db->Exec("INSERT INTO device (name) VALUES ('t1')").ok());
  }
  {
    // Reopening runs nothing again (re-running would fail: ALTER TABLE ADD
    // COLUMN twice) and keeps the data.
    auto db = OpenOrDie();
    ASSERT_TRUE(db->Migrate(kMigrations).ok());
    EXPECT_EQ(db->UserVersion().value(), 2);
    EXPECT_EQ(Count(*db, "device"), 1);
    Statement s = db->Prepare("SELECT kind FROM device").value();
    ASSERT_TRUE(s.Step().value());
    EXPECT_EQ(s.ColumnText(0), "tablet");
  }
}

TEST_F(SqliteTest, EmptyMigrationListOnEmptyDatabase) {
  auto db = OpenOrDie();
  EXPECT_TRUE(db->Migrate({}).ok());
  EXPECT_EQ(db->UserVersion().value(), 0);
}

TEST_F(SqliteTest, FailedMigrationRollsBackAndStopsThere) {
  auto db = OpenOrDie();
  std::vector<std::string> migrations = {
      kMigrations[0],
      "CREATE TABLE half (x); INSERT INTO nowhere VALUES (1);",
  };
  absl::Status s = db->Migrate(migrations);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("schema version 1 to 2"), absl::string_view::npos)
      << s;
  EXPECT_NE(s.message().find("no such table: nowhere"), absl::string_view::npos)
      << s;
  EXPECT_EQ(db->UserVersion().value(), 1);
  EXPECT_FALSE(db->InTransaction());
  EXPECT_FALSE(db->Prepare("SELECT * FROM half").ok());  // rolled back
}

TEST_F(SqliteTest, NewerDatabaseIsAnError) {
  {
    auto db = OpenOrDie();
    ASSERT_TRUE(db->Migrate(kMigrations).ok());
  }
  auto db = OpenOrDie();
  absl::Status s = db->Migrate({kMigrations[0]});
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("schema version 2"), absl::string_view::npos) << s;
  EXPECT_NE(s.message().find("up to version 1"), absl::string_view::npos) << s;
  EXPECT_NE(s.message().find("upgrade the program"), absl::string_view::npos);
  EXPECT_FALSE(db->InTransaction());
  EXPECT_EQ(db->UserVersion().value(), 2);
}

TEST_F(SqliteTest, DuplicateIsAlreadyExists) {
  auto db = OpenOrDie();
  ASSERT_TRUE(db->Migrate(kMigrations).ok());
  Statement insert =
      db->Prepare("INSERT INTO device (id, name) VALUES (?, ?)").value();
  ASSERT_TRUE(insert.Bind(1, 1).Bind(2, "t1").Run().ok());
  // Same name: UNIQUE.
  absl::Status s = insert.Bind(1, 2).Bind(2, "t1").Run();
  EXPECT_EQ(s.code(), absl::StatusCode::kAlreadyExists) << s;
  EXPECT_NE(s.message().find("UNIQUE constraint failed: device.name"),
            absl::string_view::npos)
      << s;
  EXPECT_NE(s.message().find("INSERT INTO device"), absl::string_view::npos);
  // Same id: PRIMARY KEY.
  s = insert.Bind(1, 1).Bind(2, "t2").Run();
  EXPECT_EQ(s.code(), absl::StatusCode::kAlreadyExists) << s;
  // The statement is reusable after the errors.
  EXPECT_TRUE(insert.Bind(1, 3).Bind(2, "t3").Run().ok());
  EXPECT_EQ(Count(*db, "device"), 2);
}

TEST_F(SqliteTest, OtherConstraintsAreFailedPrecondition) {
  auto db = OpenOrDie();
  ASSERT_TRUE(db->Migrate(kMigrations).ok());
  absl::Status s = db->Exec("INSERT INTO usage VALUES (42, 10)");
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
  EXPECT_NE(s.message().find("FOREIGN KEY"), absl::string_view::npos) << s;
  s = db->Exec("INSERT INTO device (name) VALUES (NULL)");
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
}

TEST_F(SqliteTest, SyntaxErrorIsInternalWithTheSql) {
  auto db = OpenOrDie();
  absl::StatusOr<Statement> s = db->Prepare("SELEC 1");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInternal);
  EXPECT_NE(s.status().message().find("syntax error"), absl::string_view::npos);
  EXPECT_NE(s.status().message().find("\"SELEC 1\""), absl::string_view::npos);
}

TEST_F(SqliteTest, LongSqlIsShortenedInMessages) {
  auto db = OpenOrDie();
  std::string sql =
      "SELECT * FROM nowhere WHERE\n  x = '" + std::string(1000, 'y') + "'";
  absl::Status s = db->Exec(sql);
  ASSERT_FALSE(s.ok());
  EXPECT_LT(s.message().size(), 350u) << s;
  EXPECT_NE(s.message().find("WHERE x = 'yyy"), absl::string_view::npos) << s;
  EXPECT_NE(s.message().find("...\""), absl::string_view::npos) << s;
}

TEST_F(SqliteTest, PrepareRejectsEmptyAndMultipleStatements) {
  auto db = OpenOrDie();
  EXPECT_EQ(db->Prepare("").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(db->Prepare("  -- only a comment").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(db->Prepare("SELECT 1; SELECT 2").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(db->Prepare("SELECT 1;  \n").ok());
}

TEST_F(SqliteTest, TransactionRollsBackOnDestruction) {
  auto db = OpenOrDie();
  ASSERT_TRUE(db->Migrate(kMigrations).ok());
  {
    absl::StatusOr<Transaction> tx = Transaction::Begin(*db);
    ASSERT_TRUE(tx.ok()) << tx.status();
    EXPECT_TRUE(db->InTransaction());
    ASSERT_TRUE(db->Exec("INSERT INTO device (name) VALUES ('gone')").ok());
    EXPECT_EQ(Count(*db, "device"), 1);
  }
  EXPECT_FALSE(db->InTransaction());
  EXPECT_EQ(Count(*db, "device"), 0);
}

TEST_F(SqliteTest, TransactionCommitKeepsChanges) {
  auto db = OpenOrDie();
  ASSERT_TRUE(db->Migrate(kMigrations).ok());
  {
    Transaction tx = Transaction::Begin(*db).value();
    ASSERT_TRUE(db->Exec("INSERT INTO device (name) VALUES ('kept')").ok());
    EXPECT_TRUE(tx.Commit().ok());
    EXPECT_EQ(tx.Commit().code(), absl::StatusCode::kFailedPrecondition);
  }
  auto other = OpenOrDie();  // visible from another connection
  EXPECT_EQ(Count(*other, "device"), 1);
}

TEST_F(SqliteTest, TransactionMoveTransfersOwnership) {
  auto db = OpenOrDie();
  ASSERT_TRUE(db->Migrate(kMigrations).ok());
  {
    Transaction outer = Transaction::Begin(*db).value();
    ASSERT_TRUE(db->Exec("INSERT INTO device (name) VALUES ('a')").ok());
    Transaction moved = std::move(outer);
    EXPECT_EQ(outer.Commit().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_TRUE(db->InTransaction());
    EXPECT_TRUE(moved.Commit().ok());
  }
  EXPECT_EQ(Count(*db, "device"), 1);
}

TEST_F(SqliteTest, NestedBeginFails) {
  auto db = OpenOrDie();
  Transaction tx = Transaction::Begin(*db).value();
  EXPECT_FALSE(Transaction::Begin(*db).ok());
  EXPECT_TRUE(db->InTransaction());  // the outer one is untouched
}

TEST_F(SqliteTest, SecondWriterGetsUnavailable) {
  auto db = OpenOrDie();
  ASSERT_TRUE(db->Migrate(kMigrations).ok());
  Database::Options impatient;
  impatient.busy_timeout = absl::ZeroDuration();
  auto other = OpenOrDie(impatient);
  Transaction tx = Transaction::Begin(*db).value();
  absl::StatusOr<Transaction> second = Transaction::Begin(*other);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable)
      << second.status();
  // WAL: readers are not blocked by the writer.
  EXPECT_EQ(Count(*other, "device"), 0);
}

TEST_F(SqliteTest, CachedReturnsTheSameResetStatement) {
  auto db = OpenOrDie();
  ASSERT_TRUE(db->Migrate(kMigrations).ok());
  const char* kInsert = "INSERT INTO device (name) VALUES (?)";
  Statement* a = db->Cached(kInsert).value();
  ASSERT_TRUE(a->Bind(1, "t1").Run().ok());
  Statement* b = db->Cached(std::string(kInsert)).value();
  EXPECT_EQ(a, b);
  ASSERT_TRUE(b->Bind(1, std::string("t2")).Run().ok());
  EXPECT_NE(db->Cached("SELECT name FROM device ORDER BY id").value(), a);

  // A half-read query comes back reset, starting from the first row.
  Statement* q = db->Cached("SELECT name FROM device ORDER BY id").value();
  ASSERT_TRUE(q->Step().value());
  EXPECT_EQ(q->ColumnText(0), "t1");
  q = db->Cached("SELECT name FROM device ORDER BY id").value();
  ASSERT_TRUE(q->Step().value());
  EXPECT_EQ(q->ColumnText(0), "t1");
  ASSERT_TRUE(q->Step().value());
  EXPECT_EQ(q->ColumnText(0), "t2");
  EXPECT_FALSE(q->Step().value());

  // Bindings are cleared too.
  Statement* bound = db->Cached("SELECT ?").value();
  bound->Bind(1, 5);
  bound = db->Cached("SELECT ?").value();
  ASSERT_TRUE(bound->Step().value());
  EXPECT_TRUE(bound->ColumnIsNull(0));

  EXPECT_FALSE(db->Cached("SELEC 1").ok());
}

TEST_F(SqliteTest, BindAndColumnTypes) {
  auto db = OpenOrDie();
  ASSERT_TRUE(db->Exec("CREATE TABLE v (i INTEGER, d REAL, t TEXT, b BLOB, "
                       "n INTEGER)")
                  .ok());
  std::string blob("\x00\x01\xff\x00zz", 6);
  std::string_view text_view = "vue";
  Statement insert =
      db->Prepare("INSERT INTO v VALUES (?, ?, ?, ?, ?)").value();
  ASSERT_TRUE(insert.Bind(1, int64_t{1} << 40)
                  .Bind(2, 2.5)
                  .Bind(3, text_view)
                  .BindBlob(4, blob)
                  .Bind(5, nullptr)
                  .Run()
                  .ok());
  EXPECT_EQ(db->Changes(), 1);
  EXPECT_EQ(db->LastInsertRowId(), 1);
  ASSERT_TRUE(insert.Bind(1, 7)
                  .Bind(2, 0.0)
                  .Bind(3, std::string())
                  .BindBlob(4, std::string_view())
                  .Bind(5, 1)
                  .Run()
                  .ok());
  EXPECT_EQ(db->LastInsertRowId(), 2);

  Statement q = db->Prepare(
                      "SELECT i, d, t, b, n, typeof(t), typeof(b) FROM v "
                      "ORDER BY rowid")
                    .value();
  ASSERT_TRUE(q.Step().value());
  EXPECT_EQ(q.ColumnInt64(0), int64_t{1} << 40);
  EXPECT_EQ(q.ColumnDouble(1), 2.5);
  EXPECT_EQ(q.ColumnText(2), "vue");
  EXPECT_EQ(q.ColumnBlob(3), blob);  // embedded NULs survive
  EXPECT_TRUE(q.ColumnIsNull(4));
  EXPECT_EQ(q.ColumnInt64(4), 0);
  EXPECT_EQ(q.ColumnText(4), "");
  EXPECT_FALSE(q.ColumnIsNull(0));
  EXPECT_EQ(q.ColumnText(6), "blob");
  // Empty strings and blobs are empty, not NULL.
  ASSERT_TRUE(q.Step().value());
  EXPECT_FALSE(q.ColumnIsNull(2));
  EXPECT_FALSE(q.ColumnIsNull(3));
  EXPECT_EQ(q.ColumnText(2), "");
  EXPECT_EQ(q.ColumnBlob(3), "");
  EXPECT_EQ(q.ColumnText(5), "text");
  EXPECT_EQ(q.ColumnText(6), "blob");
  EXPECT_FALSE(q.Step().value());

  ASSERT_TRUE(db->Exec("UPDATE v SET n = 3").ok());
  EXPECT_EQ(db->Changes(), 2);
}

TEST_F(SqliteTest, BindErrorsSurfaceAtStep) {
  auto db = OpenOrDie();
  Statement s = db->Prepare("SELECT ?").value();
  absl::Status status = s.Bind(2, 1).Run();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_NE(status.message().find("bind index 2"), absl::string_view::npos);
  // Cleared by the reset.
  ASSERT_TRUE(s.Bind(1, 1).Step().value());
}

TEST_F(SqliteTest, RunRejectsRows) {
  auto db = OpenOrDie();
  Statement s = db->Prepare("SELECT 1").value();
  EXPECT_EQ(s.Run().code(), absl::StatusCode::kFailedPrecondition);
  // Reset after the error: usable again.
  EXPECT_TRUE(s.Step().value());
}

TEST_F(SqliteTest, StatementsAreMovable) {
  auto db = OpenOrDie();
  Statement a = db->Prepare("SELECT 41 + 1").value();
  Statement b = std::move(a);
  EXPECT_FALSE(a.Step().ok());  // moved from
  ASSERT_TRUE(b.Step().value());
  EXPECT_EQ(b.ColumnInt64(0), 42);
  a = std::move(b);
  EXPECT_EQ(a.sql(), "SELECT 41 + 1");
}

TEST_F(SqliteTest, StatementMayOutliveItsDatabase) {
  absl::StatusOr<Statement> s;
  {
    auto db = OpenOrDie();
    s = db->Prepare("SELECT 1");
  }
  // Destroying the statement last must not crash (close is deferred).
  EXPECT_TRUE(s.ok());
}

TEST_F(SqliteTest, ReadOnly) {
  {
    auto db = OpenOrDie();
    ASSERT_TRUE(db->Migrate(kMigrations).ok());
    ASSERT_TRUE(db->Exec("INSERT INTO device (name) VALUES ('r')").ok());
  }
  Database::Options ro;
  ro.read_only = true;
  auto db = OpenOrDie(ro);
  EXPECT_EQ(Count(*db, "device"), 1);
  EXPECT_FALSE(db->Exec("INSERT INTO device (name) VALUES ('w')").ok());
}

}  // namespace
}  // namespace ardoise
