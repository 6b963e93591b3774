#include "common/sqlite.h"

#include <errno.h>
#include <sqlite3.h>

#include <cstring>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/absl_compat.h"
#include "common/files.h"
#include "common/logging.h"
#include "common/status_macros.h"

namespace ardoise {
namespace {

constexpr size_t kMaxSqlInMessage = 200;

// The SQL on one line and short enough to read in an error message.
std::string ShortSql(std::string_view sql) {
  std::string out;
  bool space = false;
  for (char c : sql) {
    if (absl::ascii_isspace(static_cast<unsigned char>(c))) {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    if (out.size() >= kMaxSqlInMessage) {
      out += "...";
      break;
    }
    out.push_back(c);
  }
  return out;
}

absl::StatusCode CodeFor(int extended_rc) {
  switch (extended_rc & 0xff) {
    case SQLITE_CONSTRAINT:
      if (extended_rc == SQLITE_CONSTRAINT_PRIMARYKEY ||
          extended_rc == SQLITE_CONSTRAINT_UNIQUE) {
        return absl::StatusCode::kAlreadyExists;
      }
      return absl::StatusCode::kFailedPrecondition;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return absl::StatusCode::kUnavailable;
    default:
      return absl::StatusCode::kInternal;
  }
}

// `rc` is the code an API call returned; the connection's extended code and
// message describe the same error when `db` is given.
absl::Status SqliteError(sqlite3* db, int rc, std::string_view sql) {
  int extended = rc;
  std::string message = sqlite3_errstr(rc);
  if (db != nullptr && (sqlite3_errcode(db) & 0xff) == (rc & 0xff)) {
    extended = sqlite3_extended_errcode(db);
    message = sqlite3_errmsg(db);
  }
  std::string text =
      absl::StrCat("sqlite error ", extended, " (", message, ")");
  if (!sql.empty()) {
    absl::StrAppend(&text, " in \"", ShortSql(sql), "\"");
  }
  if (extended == SQLITE_BUSY || extended == SQLITE_LOCKED) {
    absl::StrAppend(&text,
                    ": the database is in use by another connection; retry");
  }
  return absl::Status(CodeFor(extended), text);
}

bool OnlySeparators(const char* tail) {
  for (; *tail != '\0'; ++tail) {
    if (*tail != ';' && !absl::ascii_isspace(static_cast<unsigned char>(*tail)))
      return false;
  }
  return true;
}

// sqlite3_bind_text/blob treat a null pointer as SQL NULL; an empty
// std::string_view may have one, but an empty string is not NULL.
const char* NonNull(std::string_view s) { return s.data() ? s.data() : ""; }

}  // namespace

// ---------------------------------------------------------------- Statement

Statement::Statement(Statement&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)),
      stmt_(std::exchange(other.stmt_, nullptr)),
      bind_status_(std::move(other.bind_status_)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    db_ = std::exchange(other.db_, nullptr);
    stmt_ = std::exchange(other.stmt_, nullptr);
    bind_status_ = std::move(other.bind_status_);
  }
  return *this;
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

std::string Statement::sql() const {
  const char* text = stmt_ ? sqlite3_sql(stmt_) : nullptr;
  return text ? text : "";
}

Statement& Statement::NoteBind(int rc, int index) {
  if (rc != SQLITE_OK && bind_status_.ok()) {
    bind_status_ = SqliteError(db_, rc, sql());
    if (rc == SQLITE_RANGE) {
      bind_status_ = absl::InvalidArgumentError(absl::StrCat(
          "bind index ", index,
          " is out of range: the statement "
          "has ",
          sqlite3_bind_parameter_count(stmt_),
          " parameters (indexes start at 1) in \"", ShortSql(sql()), "\""));
    }
  }
  return *this;
}

Statement& Statement::Bind(int index, int64_t v) {
  return NoteBind(sqlite3_bind_int64(stmt_, index, v), index);
}

Statement& Statement::Bind(int index, int v) {
  return NoteBind(sqlite3_bind_int64(stmt_, index, v), index);
}

Statement& Statement::Bind(int index, double v) {
  return NoteBind(sqlite3_bind_double(stmt_, index, v), index);
}

Statement& Statement::Bind(int index, const std::string& v) {
  return Bind(index, std::string_view(v));
}

Statement& Statement::Bind(int index, const char* v) {
  if (v == nullptr) return Bind(index, nullptr);
  return Bind(index, std::string_view(v));
}

Statement& Statement::Bind(int index, std::string_view v) {
  return NoteBind(sqlite3_bind_text64(stmt_, index, NonNull(v), v.size(),
                                      SQLITE_TRANSIENT, SQLITE_UTF8),
                  index);
}

Statement& Statement::Bind(int index, std::nullptr_t) {
  return NoteBind(sqlite3_bind_null(stmt_, index), index);
}

Statement& Statement::BindBlob(int index, std::string_view bytes) {
  return NoteBind(sqlite3_bind_blob64(stmt_, index, NonNull(bytes),
                                      bytes.size(), SQLITE_TRANSIENT),
                  index);
}

absl::StatusOr<bool> Statement::Step() {
  if (stmt_ == nullptr) {
    return absl::FailedPreconditionError("Step() on a moved-from Statement");
  }
  if (!bind_status_.ok()) return bind_status_;
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqliteError(db_, rc, sql());
}

absl::Status Statement::Run() {
  absl::StatusOr<bool> row = Step();
  absl::Status status = row.status();
  if (row.ok() && *row) {
    status = absl::FailedPreconditionError(
        absl::StrCat("statement returned a row where none was expected (use "
                     "Step() to read results) in \"",
                     ShortSql(sql()), "\""));
  }
  Reset();
  return status;
}

int64_t Statement::ColumnInt64(int i) const {
  return sqlite3_column_int64(stmt_, i);
}

double Statement::ColumnDouble(int i) const {
  return sqlite3_column_double(stmt_, i);
}

std::string Statement::ColumnText(int i) const {
  const unsigned char* text = sqlite3_column_text(stmt_, i);
  if (text == nullptr) return "";
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<size_t>(sqlite3_column_bytes(stmt_, i)));
}

std::string Statement::ColumnBlob(int i) const {
  const void* blob = sqlite3_column_blob(stmt_, i);
  if (blob == nullptr) return "";
  return std::string(static_cast<const char*>(blob),
                     static_cast<size_t>(sqlite3_column_bytes(stmt_, i)));
}

bool Statement::ColumnIsNull(int i) const {
  return sqlite3_column_type(stmt_, i) == SQLITE_NULL;
}

void Statement::Reset() {
  if (stmt_ == nullptr) return;
  // The error, if any, was already reported by Step().
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  bind_status_ = absl::OkStatus();
}

// ----------------------------------------------------------------- Database

absl::StatusOr<std::unique_ptr<Database>> Database::Open(
    const std::string& path) {
  return Open(path, Options());
}

absl::StatusOr<std::unique_ptr<Database>> Database::Open(
    const std::string& path, const Options& options) {
  int flags = SQLITE_OPEN_NOMUTEX;  // one thread owns the connection
  if (options.read_only) {
    flags |= SQLITE_OPEN_READONLY;
  } else {
    flags |= SQLITE_OPEN_READWRITE;
    if (options.create) flags |= SQLITE_OPEN_CREATE;
  }
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  if (rc != SQLITE_OK) {
    int err = raw ? sqlite3_system_errno(raw) : 0;
    std::string message = raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
    sqlite3_close_v2(raw);
    std::string what =
        absl::StrCat("cannot open database \"", path, "\": ", message);
    if (err == ENOENT) {
      return absl::NotFoundError(absl::StrCat(
          what, " (the file or its folder does not exist; check the path",
          options.create ? ")" : ", or open it with create on)"));
    }
    if (err == EACCES || err == EPERM || err == EROFS) {
      return absl::PermissionDeniedError(absl::StrCat(
          what, " (", std::strerror(err),
          "; check the owner and permissions of the file and its folder)"));
    }
    return absl::InternalError(what);
  }
  std::unique_ptr<Database> db(new Database(raw, path));
  sqlite3_extended_result_codes(raw, 1);

  absl::Status status = db->Configure(options);
  if (!status.ok()) {
    return absl::Status(status.code(), absl::StrCat("database \"", path,
                                                    "\": ", status.message()));
  }
  return db;
}

absl::Status Database::Configure(const Options& options) {
  int64_t busy_ms = absl::ToInt64Milliseconds(options.busy_timeout);
  if (busy_ms > INT32_MAX) busy_ms = INT32_MAX;
  if (busy_ms < 0) busy_ms = 0;
  sqlite3_busy_timeout(db_, static_cast<int>(busy_ms));

  if (!options.read_only) {
    ARDOISE_ASSIGN_OR_RETURN(Statement wal, Prepare("PRAGMA journal_mode=WAL"));
    ARDOISE_ASSIGN_OR_RETURN(bool row, wal.Step());
    std::string mode = row ? absl::AsciiStrToLower(wal.ColumnText(0)) : "";
    bool in_memory = path_.empty() || path_ == ":memory:";
    if (!in_memory && mode != "wal") {
      return absl::FailedPreconditionError(absl::StrCat(
          "journal_mode is \"", mode,
          "\", not \"wal\" (the file system may lack shared-memory support; "
          "put the data folder on a local disk)"));
    }
  }
  ARDOISE_RETURN_IF_ERROR(Exec(options.synchronous_full
                                   ? "PRAGMA synchronous=FULL"
                                   : "PRAGMA synchronous=NORMAL"));
  return Exec("PRAGMA foreign_keys=ON");
}

Database::~Database() {
  cache_.clear();  // finalize before closing
  // close_v2 defers the close until any Statement still held elsewhere is
  // finalized, instead of failing.
  sqlite3_close_v2(db_);
}

absl::Status Database::Exec(std::string_view sql) {
  std::string text(sql);
  char* error = nullptr;
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &error);
  sqlite3_free(error);  // the same message is available from the connection
  if (rc != SQLITE_OK) return SqliteError(db_, rc, sql);
  return absl::OkStatus();
}

absl::StatusOr<Statement> Database::Prepare(std::string_view sql) {
  return PrepareWithFlags(sql, 0);
}

absl::StatusOr<Statement> Database::PrepareWithFlags(std::string_view sql,
                                                     unsigned flags) {
  sqlite3_stmt* stmt = nullptr;
  const char* tail = nullptr;
  std::string text(sql);  // NUL-terminated, so the tail can be scanned
  int rc =
      sqlite3_prepare_v3(db_, text.c_str(), static_cast<int>(text.size() + 1),
                         flags, &stmt, &tail);
  if (rc != SQLITE_OK) return SqliteError(db_, rc, sql);
  Statement statement(db_, stmt);
  if (stmt == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("no SQL statement in \"",
                                                   ShortSql(sql),
                                                   "\" (it is empty or only "
                                                   "comments)"));
  }
  if (tail != nullptr && !OnlySeparators(tail)) {
    return absl::InvalidArgumentError(
        absl::StrCat("Prepare takes one statement but got more in \"",
                     ShortSql(sql), "\" (use Exec() for scripts)"));
  }
  return statement;
}

absl::StatusOr<Statement*> Database::Cached(std::string_view sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    ARDOISE_ASSIGN_OR_RETURN(Statement stmt,
                             PrepareWithFlags(sql, SQLITE_PREPARE_PERSISTENT));
    it = cache_
             .emplace(std::string(sql),
                      std::make_unique<Statement>(std::move(stmt)))
             .first;
  }
  it->second->Reset();
  return it->second.get();
}

absl::StatusOr<int64_t> Database::UserVersion() {
  ARDOISE_ASSIGN_OR_RETURN(Statement stmt, Prepare("PRAGMA user_version"));
  ARDOISE_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return absl::InternalError("PRAGMA user_version returned no row");
  return stmt.ColumnInt64(0);
}

absl::Status Database::Migrate(const std::vector<std::string>& migrations) {
  const int64_t latest = static_cast<int64_t>(migrations.size());
  while (true) {
    // Read the version inside the write transaction: another process may
    // have migrated while we waited for the lock.
    ARDOISE_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*this));
    ARDOISE_ASSIGN_OR_RETURN(int64_t version, UserVersion());
    if (version > latest) {
      return absl::FailedPreconditionError(absl::StrCat(
          "database \"", path_, "\" has schema version ", version,
          " but this program knows only up to version ", latest,
          " (it was written by a newer release: upgrade the program; do not "
          "downgrade over newer data)"));
    }
    if (version == latest) return tx.Commit();
    absl::Status status = Exec(migrations[version]);
    if (status.ok()) {
      status = Exec(absl::StrCat("PRAGMA user_version = ", version + 1));
    }
    if (status.ok()) status = tx.Commit();
    if (!status.ok()) {
      return absl::Status(status.code(),
                          absl::StrCat("database \"", path_,
                                       "\": migration from schema "
                                       "version ",
                                       version, " to ", version + 1,
                                       " failed (nothing was changed by it): ",
                                       status.message()));
    }
  }
}

int64_t Database::LastInsertRowId() const {
  return sqlite3_last_insert_rowid(db_);
}

int Database::Changes() const { return sqlite3_changes(db_); }

absl::Status Database::ExecCached(std::string_view sql) {
  ARDOISE_ASSIGN_OR_RETURN(Statement * statement, Cached(sql));
  return statement->Run();
}

absl::Status Database::Begin() { return ExecCached("BEGIN IMMEDIATE"); }

absl::Status Database::Commit() { return ExecCached("COMMIT"); }

absl::Status Database::Rollback() { return ExecCached("ROLLBACK"); }

bool Database::InTransaction() const { return !sqlite3_get_autocommit(db_); }

// -------------------------------------------------------------- Transaction

absl::StatusOr<Transaction> Transaction::Begin(Database& db) {
  ARDOISE_RETURN_IF_ERROR(db.Begin());
  return Transaction(&db);
}

Transaction::Transaction(Transaction&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)) {}

Transaction& Transaction::operator=(Transaction&& other) noexcept {
  if (this != &other) {
    RollbackIfOpen();
    db_ = std::exchange(other.db_, nullptr);
  }
  return *this;
}

Transaction::~Transaction() { RollbackIfOpen(); }

absl::Status Transaction::Commit() {
  if (db_ == nullptr) {
    return absl::FailedPreconditionError(
        "transaction already committed (or moved from)");
  }
  ARDOISE_RETURN_IF_ERROR(db_->Commit());
  db_ = nullptr;
  return absl::OkStatus();
}

void Transaction::RollbackIfOpen() {
  Database* db = std::exchange(db_, nullptr);
  // SQLite may have rolled back by itself (e.g. after a failed COMMIT on a
  // full disk); ROLLBACK would then fail for no reason.
  if (db == nullptr || !db->InTransaction()) return;
  absl::Status status = db->Rollback();
  if (!status.ok()) {
    ARDOISE_LOG(ERROR) << "rollback of database \"" << db->path()
                       << "\" failed: " << status;
  }
}

absl::StatusOr<std::unique_ptr<Database>> OpenStateDatabase(
    const std::string& data_dir, const std::string& file_name, bool create,
    const std::vector<std::string>& migrations) {
  if (create) ARDOISE_RETURN_IF_ERROR(MakeDirs(data_dir, 0700));
  Database::Options options;
  options.create = create;
  options.synchronous_full = true;
  ARDOISE_ASSIGN_OR_RETURN(auto db,
                           Database::Open(data_dir + "/" + file_name, options));
  ARDOISE_RETURN_IF_ERROR(db->Migrate(migrations));
  return db;
}

}  // namespace ardoise
