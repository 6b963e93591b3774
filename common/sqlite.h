// A thin SQLite wrapper: statuses instead of return codes, RAII for
// connections, statements and transactions, a prepared-statement cache, and
// schema migrations by PRAGMA user_version.
//
// Every connection runs in WAL mode (readers do not block the writer), with
// foreign keys on and a busy timeout, so each caller does not have to
// remember them.
//
// Errors carry SQLite's message and the SQL (shortened to about 200
// characters). Codes: a PRIMARY KEY or UNIQUE violation is AlreadyExists (so
// callers can report duplicates), other constraint violations (FOREIGN KEY,
// NOT NULL, CHECK) are FailedPrecondition, SQLITE_BUSY and SQLITE_LOCKED are
// Unavailable (retry later), everything else is Internal.
//
// Thread safety: none. A Database and its Statements belong to one thread at
// a time. In the console, the single writer thread owns the write connection
// and every other thread posts work to it (see DESIGN.md, Storage and
// threads); readers elsewhere open their own connections.

#ifndef ARDOISE_COMMON_SQLITE_H_
#define ARDOISE_COMMON_SQLITE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

struct sqlite3;
struct sqlite3_stmt;

namespace ardoise {

// One prepared statement. Move-only; finalizes the statement on destruction.
// A bind error (bad index, out of memory) is remembered and returned by the
// next Step() or Run(), so binds can be chained:
//
//   ARDOISE_RETURN_IF_ERROR(stmt.Bind(1, id).Bind(2, name).Run());
class Statement {
 public:
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Parameter indexes are 1-based, as in SQLite. Strings bind as TEXT and
  // are copied.
  Statement& Bind(int index, int64_t v);
  Statement& Bind(int index, int v);
  Statement& Bind(int index, double v);
  Statement& Bind(int index, const std::string& v);
  Statement& Bind(int index, std::string_view v);
  Statement& Bind(int index, const char* v);  // avoids ambiguity for literals
  Statement& Bind(int index, std::nullptr_t);
  Statement& BindBlob(int index, std::string_view bytes);

  // true: a row is available through the Column* accessors; false: done.
  absl::StatusOr<bool> Step();

  // Steps to the end expecting no row (a row is an error: use Step() for
  // queries), then Reset()s, also on error, so the statement can be reused.
  absl::Status Run();

  // Column indexes are 0-based, as in SQLite. NULL reads as 0, 0.0 or "".
  int64_t ColumnInt64(int i) const;
  double ColumnDouble(int i) const;
  std::string ColumnText(int i) const;
  std::string ColumnBlob(int i) const;
  bool ColumnIsNull(int i) const;

  // Resets the statement and clears its bindings, ready for reuse. Ends the
  // statement's read, which in WAL mode lets checkpoints progress.
  void Reset();

  // The SQL text the statement was prepared from.
  std::string sql() const;

 private:
  friend class Database;
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Statement& NoteBind(int rc, int index);

  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
  absl::Status bind_status_;
};

// One SQLite connection. Non-copyable and non-movable (hold it in the
// unique_ptr Open returns), so the cached statements' pointers stay valid.
class Database {
 public:
  struct Options {
    bool create = true;  // create the file when missing
    absl::Duration busy_timeout = absl::Seconds(5);
    bool synchronous_full = true;  // PRAGMA synchronous=FULL, else NORMAL
    bool read_only = false;
  };

  // Opens `path` (":memory:" for a private in-memory database) and applies
  // journal_mode=WAL (checking it took effect, except in memory or read-only),
  // foreign_keys=ON, the busy timeout and the synchronous level. Errors name
  // the path: NotFound when it is missing and `create` is off,
  // PermissionDenied when it cannot be accessed.
  static absl::StatusOr<std::unique_ptr<Database>> Open(const std::string& path,
                                                        const Options& options);
  static absl::StatusOr<std::unique_ptr<Database>> Open(
      const std::string& path);

  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  // Runs one or more statements that return no results.
  absl::Status Exec(std::string_view sql);
  // Runs one statement that returns no result, prepared on first use and
  // kept (see Cached): for statements run for every piece of work, such as
  // the writer's transaction and savepoint control.
  absl::Status ExecCached(std::string_view sql);

  // Prepares exactly one statement (trailing whitespace or ';' allowed).
  absl::StatusOr<Statement> Prepare(std::string_view sql);

  // A prepared statement for this exact SQL text, prepared on first use and
  // kept for the life of the Database; reset (bindings cleared) before it is
  // returned. The pointer stays valid until the Database is destroyed. Use it
  // for statements on hot paths (heartbeats, ledger updates).
  absl::StatusOr<Statement*> Cached(std::string_view sql);

  // Brings the schema up to date: migrations[i] takes it from user_version i
  // to i + 1. Each missing migration runs in its own transaction together
  // with its user_version bump, so a crash leaves the schema at a known
  // version; a migration must therefore not contain BEGIN or COMMIT. A database
  // newer than the code is FailedPrecondition naming both versions (upgrade the
  // program instead).
  absl::Status Migrate(const std::vector<std::string>& migrations);

  // PRAGMA user_version.
  absl::StatusOr<int64_t> UserVersion();

  int64_t LastInsertRowId() const;
  // Rows changed by the last INSERT, UPDATE or DELETE.
  int Changes() const;

  // BEGIN IMMEDIATE: takes the write lock now, so a busy database fails here
  // (after the busy timeout) rather than halfway through. Prefer Transaction.
  absl::Status Begin();
  absl::Status Commit();
  absl::Status Rollback();
  // True while a transaction is open.
  bool InTransaction() const;

  const std::string& path() const { return path_; }
  sqlite3* raw() { return db_; }

 private:
  Database(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  absl::Status Configure(const Options& options);
  absl::StatusOr<Statement> PrepareWithFlags(std::string_view sql,
                                             unsigned flags);

  sqlite3* db_;
  std::string path_;
  std::map<std::string, std::unique_ptr<Statement>, std::less<>> cache_;
};

// A transaction that rolls back unless committed.
//
//   ARDOISE_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db));
//   ARDOISE_RETURN_IF_ERROR(db.Exec(...));  // an early return rolls back
//   return tx.Commit();
//
// Movable, not copyable. Must not outlive its Database.
class Transaction {
 public:
  // Runs BEGIN IMMEDIATE.
  static absl::StatusOr<Transaction> Begin(Database& db);

  Transaction(Transaction&& other) noexcept;
  Transaction& operator=(Transaction&& other) noexcept;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  // Rolls back when still open; a failed rollback is logged.
  ~Transaction();

  // Commits. On error the transaction is still owned and rolls back on
  // destruction. Committing twice is FailedPrecondition.
  absl::Status Commit();

 private:
  explicit Transaction(Database* db) : db_(db) {}
  void RollbackIfOpen();

  Database* db_;  // null once committed or moved from
};

// Opens DATA_DIR/FILE_NAME the way every Ardoise program keeps its state:
// the folder created 0700 (when `create`), WAL, synchronous=FULL, and the
// schema brought up to date with `migrations`.
absl::StatusOr<std::unique_ptr<Database>> OpenStateDatabase(
    const std::string& data_dir, const std::string& file_name, bool create,
    const std::vector<std::string>& migrations);

}  // namespace ardoise

#endif  // ARDOISE_COMMON_SQLITE_H_
