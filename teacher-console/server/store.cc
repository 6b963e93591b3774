#include "teacher-console/server/store.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "common/files.h"
#include "common/proto_time.h"
#include "common/random.h"
#include "common/school_time.h"
#include "common/status_macros.h"
#include "teacher-console/server/session_store.h"
#include "teacher-console/server/usage_store.h"

namespace ardoise {
namespace {

constexpr char kSchemaV1[] = R"sql(
CREATE TABLE devices (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  kind INTEGER NOT NULL,
  school TEXT NOT NULL,
  pool TEXT NOT NULL DEFAULT '',
  key_hash TEXT NOT NULL,
  enrolled_at INTEGER NOT NULL,
  retired_at INTEGER,
  last_seen INTEGER NOT NULL DEFAULT 0,
  agent_version TEXT NOT NULL DEFAULT '',
  state BLOB,
  flags TEXT NOT NULL DEFAULT '',
  manual_lock BLOB,
  next_command_seq INTEGER NOT NULL DEFAULT 1
);
-- A name is unique among devices in service; a retired name can be reused.
CREATE UNIQUE INDEX devices_name_live ON devices(name) WHERE retired_at IS NULL;

CREATE TABLE enrollment_tokens (
  id TEXT PRIMARY KEY,
  secret_hash TEXT NOT NULL,
  school TEXT NOT NULL,
  pool TEXT NOT NULL DEFAULT '',
  uses_left INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  created_by TEXT NOT NULL
);

-- One-off commands, kept until acknowledged or expired.
CREATE TABLE commands (
  device_id TEXT NOT NULL REFERENCES devices(id),
  seq INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  body BLOB NOT NULL,
  PRIMARY KEY (device_id, seq)
) WITHOUT ROWID;

-- Append-only: rows are inserted, never updated or deleted.
CREATE TABLE audit (
  id INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  outcome TEXT NOT NULL,
  detail TEXT NOT NULL DEFAULT ''
);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
  BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
  BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
)sql";

bool ValidName(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

// Policies: the files in force (one per scope) and every version's content.
constexpr char kSchemaV2[] = R"sql(
CREATE TABLE policy_versions (
  version INTEGER PRIMARY KEY,
  applied_at INTEGER NOT NULL,
  applied_by TEXT NOT NULL,
  scopes TEXT NOT NULL
);
CREATE TABLE policy_files (
  scope TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  content TEXT NOT NULL,
  version INTEGER NOT NULL REFERENCES policy_versions(version)
);
CREATE TABLE policy_history (
  version INTEGER NOT NULL REFERENCES policy_versions(version),
  scope TEXT NOT NULL,
  name TEXT NOT NULL,
  content TEXT NOT NULL,
  PRIMARY KEY (version, scope)
);
)sql";

// The school model: schools, their pools and classes, and who teaches each
// class when. Levels and groups are comma-separated; dates are YYYY-MM-DD
// text, which sorts as dates.
constexpr char kSchemaV3[] = R"sql(
CREATE TABLE schools (
  name TEXT PRIMARY KEY,
  display_name TEXT NOT NULL DEFAULT '',
  timezone TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE pools (
  name TEXT PRIMARY KEY,
  school TEXT NOT NULL REFERENCES schools(name),
  kind INTEGER NOT NULL,
  display_name TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL
);
CREATE TABLE classes (
  name TEXT PRIMARY KEY,
  school TEXT NOT NULL REFERENCES schools(name),
  levels TEXT NOT NULL,
  home_room TEXT NOT NULL DEFAULT '',
  group_names TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL
);
CREATE TABLE teacher_assignments (
  id INTEGER PRIMARY KEY,
  class_name TEXT NOT NULL REFERENCES classes(name),
  teacher TEXT NOT NULL,
  from_day TEXT NOT NULL,
  to_day TEXT NOT NULL,
  substitute INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  UNIQUE (class_name, teacher, from_day, to_day)
);
)sql";

// Node key rotation: the key being rotated to, in clear until the agent
// acks it ('' = none).
constexpr char kRekeySchema[] = R"sql(
ALTER TABLE devices ADD COLUMN pending_key TEXT NOT NULL DEFAULT '';
)sql";

// People's accounts and their login sessions (accounts.h). Times are Unix
// milliseconds; a session row holds only the SHA-256 of its token.
constexpr char kAccountsSchema[] = R"sql(
CREATE TABLE accounts (
  login TEXT PRIMARY KEY,
  role TEXT NOT NULL,
  school TEXT NOT NULL DEFAULT '',
  password_hash TEXT NOT NULL,
  disabled INTEGER NOT NULL DEFAULT 0,
  failed_logins INTEGER NOT NULL DEFAULT 0,
  locked_until INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE login_sessions (
  token_hash TEXT PRIMARY KEY,
  login TEXT NOT NULL REFERENCES accounts(login),
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX login_sessions_login ON login_sessions(login);
CREATE INDEX audit_at ON audit(at);
)sql";

}  // namespace

const std::vector<std::string>& ConsoleMigrations() {
  static const auto* migrations = new std::vector<std::string>{
      kSchemaV1,      kSchemaV2,    kSchemaV3,      kUsageSchema,
      kSessionSchema, kRekeySchema, kAccountsSchema};
  return *migrations;
}

absl::StatusOr<std::unique_ptr<Database>> OpenConsoleDatabase(
    const std::string& data_dir, bool create) {
  ARDOISE_ASSIGN_OR_RETURN(
      auto db,
      OpenStateDatabase(data_dir, "console.db", create, ConsoleMigrations()));
  // Usage ingestion touches many devices' B-tree pages per commit: a 64 MiB
  // page cache (instead of 2 MiB) keeps them in memory.
  ARDOISE_RETURN_IF_ERROR(db->Exec("PRAGMA cache_size = -65536"));
  return db;
}

absl::StatusOr<std::vector<DeviceRecord>> LoadDevices(Database& db) {
  std::vector<DeviceRecord> out;
  ARDOISE_ASSIGN_OR_RETURN(
      Statement devices,
      db.Prepare(
          "SELECT id, name, kind, school, pool, key_hash, enrolled_at, "
          "retired_at IS NOT NULL, last_seen, agent_version, state, "
          "flags, manual_lock, session, pending_key FROM devices ORDER BY "
          "id"));
  for (;;) {
    ARDOISE_ASSIGN_OR_RETURN(bool row, devices.Step());
    if (!row) break;
    DeviceRecord r;
    r.id = devices.ColumnText(0);
    r.name = devices.ColumnText(1);
    r.kind = static_cast<v1::DeviceKind>(devices.ColumnInt64(2));
    r.school = devices.ColumnText(3);
    r.pool = devices.ColumnText(4);
    r.key_hash = devices.ColumnText(5);
    r.enrolled_at = absl::FromUnixMillis(devices.ColumnInt64(6));
    r.retired = devices.ColumnInt64(7) != 0;
    r.last_seen = FromUnixMillisOrPast(devices.ColumnInt64(8));
    r.agent_version = devices.ColumnText(9);
    r.state.ParseFromString(devices.ColumnBlob(10));
    const std::string flags = devices.ColumnText(11);
    if (!flags.empty()) r.flags = absl::StrSplit(flags, '\n');
    r.desired_lock.ParseFromString(devices.ColumnBlob(12));
    r.desired_session.ParseFromString(devices.ColumnBlob(13));
    r.pending_key = devices.ColumnText(14);
    out.push_back(std::move(r));
  }
  ARDOISE_ASSIGN_OR_RETURN(
      Statement commands,
      db.Prepare("SELECT device_id, body FROM commands ORDER BY device_id, "
                 "seq"));
  size_t i = 0;
  for (;;) {
    ARDOISE_ASSIGN_OR_RETURN(bool row, commands.Step());
    if (!row) break;
    const std::string device_id = commands.ColumnText(0);
    while (i < out.size() && out[i].id < device_id) ++i;
    if (i == out.size() || out[i].id != device_id) continue;
    v1::Command command;
    if (!command.ParseFromString(commands.ColumnBlob(1))) {
      return absl::DataLossError(
          absl::StrCat("unreadable command for device ", device_id));
    }
    out[i].pending[command.seq()] = std::move(command);
  }
  return out;
}

absl::StatusOr<NewToken> CreateToken(Database& db, const std::string& school,
                                     const std::string& pool, int uses,
                                     absl::Duration ttl, absl::Time now,
                                     const std::string& actor) {
  if (!ValidName(school)) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad school name \"", school,
                     "\": use 1 to 64 letters, digits, '-', '_' or '.'"));
  }
  if (!pool.empty() && !ValidName(pool)) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad pool name \"", pool,
                     "\": use 1 to 64 letters, digits, '-', '_' or '.'"));
  }
  if (uses < 1 || uses > 10000) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad number of uses ", uses, ": use 1 to 10000"));
  }
  if (ttl <= absl::ZeroDuration() || ttl > absl::Hours(24 * 30)) {
    return absl::InvalidArgumentError(
        "bad token lifetime: use more than 0 and at most 30 days (720h)");
  }
  NewToken token;
  token.id = RandomHex(6);
  const std::string secret = RandomHex(16);
  token.token = absl::StrCat(token.id, ".", secret);
  token.expires_at = now + ttl;
  token.uses = uses;
  ARDOISE_ASSIGN_OR_RETURN(
      Statement * insert,
      db.Cached("INSERT INTO enrollment_tokens (id, secret_hash, school, pool, "
                "uses_left, expires_at, created_at, created_by) VALUES "
                "(?, ?, ?, ?, ?, ?, ?, ?)"));
  ARDOISE_RETURN_IF_ERROR(insert->Bind(1, token.id)
                              .Bind(2, Sha256Hex(secret))
                              .Bind(3, school)
                              .Bind(4, pool)
                              .Bind(5, uses)
                              .Bind(6, absl::ToUnixMillis(token.expires_at))
                              .Bind(7, absl::ToUnixMillis(now))
                              .Bind(8, actor)
                              .Run());
  return token;
}

absl::StatusOr<Enrolled> EnrollDevice(Database& db, const std::string& token,
                                      const std::string& name,
                                      v1::DeviceKind kind, absl::Time now) {
  const absl::Status refused = absl::PermissionDeniedError(
      "enrollment token refused: unknown, expired or used up (ask IT staff "
      "for a new one: `ardoise token create`)");
  const std::vector<std::string> parts = absl::StrSplit(token, '.');
  if (parts.size() != 2) return refused;
  if (!ValidName(name)) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad device name \"", name,
                     "\": use 1 to 64 letters, digits, '-', '_' or '.'"));
  }
  if (kind != v1::DEVICE_KIND_TABLET && kind != v1::DEVICE_KIND_WHITEBOARD &&
      kind != v1::DEVICE_KIND_PC) {
    return absl::InvalidArgumentError(
        "bad device kind: use tablet, whiteboard or pc");
  }
  ARDOISE_ASSIGN_OR_RETURN(
      Statement * find,
      db.Cached("SELECT secret_hash, school, pool, uses_left, expires_at FROM "
                "enrollment_tokens WHERE id = ?"));
  find->Bind(1, parts[0]);
  ARDOISE_ASSIGN_OR_RETURN(bool found, find->Step());
  if (!found) return refused;
  const std::string secret_hash = find->ColumnText(0);
  const std::string school = find->ColumnText(1);
  const std::string pool = find->ColumnText(2);
  const int64_t uses_left = find->ColumnInt64(3);
  const absl::Time expires_at = absl::FromUnixMillis(find->ColumnInt64(4));
  find->Reset();
  if (!ConstantTimeEquals(Sha256Hex(parts[1]), secret_hash) || uses_left <= 0 ||
      now >= expires_at) {
    return refused;
  }

  Enrolled enrolled;
  DeviceRecord& r = enrolled.record;
  r.id = absl::StrCat("d-", RandomHex(6));
  r.name = name;
  r.kind = kind;
  r.school = school;
  r.pool = pool;
  enrolled.node_key = RandomHex(32);
  r.key_hash = Sha256Hex(enrolled.node_key);
  r.enrolled_at = absl::FromUnixMillis(absl::ToUnixMillis(now));

  ARDOISE_ASSIGN_OR_RETURN(
      Statement * insert,
      db.Cached("INSERT INTO devices (id, name, kind, school, pool, key_hash, "
                "enrolled_at) VALUES (?, ?, ?, ?, ?, ?, ?)"));
  absl::Status inserted = insert->Bind(1, r.id)
                              .Bind(2, r.name)
                              .Bind(3, static_cast<int64_t>(r.kind))
                              .Bind(4, r.school)
                              .Bind(5, r.pool)
                              .Bind(6, r.key_hash)
                              .Bind(7, absl::ToUnixMillis(r.enrolled_at))
                              .Run();
  if (absl::IsAlreadyExists(inserted)) {
    return absl::AlreadyExistsError(absl::StrCat(
        "a device named \"", name,
        "\" is already enrolled: choose another name, or retire the old one "
        "first (`ardoise devices retire ",
        name, "`)"));
  }
  ARDOISE_RETURN_IF_ERROR(inserted);
  ARDOISE_ASSIGN_OR_RETURN(
      Statement * use,
      db.Cached(
          "UPDATE enrollment_tokens SET uses_left = uses_left - 1 WHERE id = "
          "?"));
  ARDOISE_RETURN_IF_ERROR(use->Bind(1, parts[0]).Run());
  return enrolled;
}

absl::StatusOr<std::vector<v1::ManualLock>> StoreLocks(
    Database& db, const std::vector<std::string>& device_ids, bool locked,
    const std::string& message, absl::Time expires_at,
    const std::string& actor) {
  ARDOISE_ASSIGN_OR_RETURN(
      Statement * read,
      db.Cached("SELECT manual_lock FROM devices WHERE id = ?"));
  ARDOISE_ASSIGN_OR_RETURN(
      Statement * write,
      db.Cached("UPDATE devices SET manual_lock = ? WHERE id = ?"));
  std::vector<v1::ManualLock> out;
  for (const std::string& id : device_ids) {
    read->Bind(1, id);
    ARDOISE_ASSIGN_OR_RETURN(bool found, read->Step());
    if (!found) return absl::NotFoundError(absl::StrCat("no device ", id));
    v1::ManualLock previous;
    previous.ParseFromString(read->ColumnBlob(0));
    read->Reset();
    v1::ManualLock next;
    next.set_version(previous.version() + 1);
    next.set_locked(locked);
    if (locked) {
      next.set_message(message);
      ToProto(expires_at, next.mutable_expires_at());
      next.set_set_by(actor);
    }
    ARDOISE_RETURN_IF_ERROR(
        write->BindBlob(1, next.SerializeAsString()).Bind(2, id).Run());
    out.push_back(std::move(next));
  }
  return out;
}

absl::StatusOr<std::vector<v1::Command>> StoreCommands(
    Database& db, const std::vector<std::string>& device_ids,
    const v1::Command& prototype) {
  ARDOISE_ASSIGN_OR_RETURN(
      Statement * next_seq,
      db.Cached("UPDATE devices SET next_command_seq = next_command_seq + 1 "
                "WHERE id = ? RETURNING next_command_seq - 1"));
  ARDOISE_ASSIGN_OR_RETURN(
      Statement * insert,
      db.Cached("INSERT INTO commands (device_id, seq, expires_at, body) "
                "VALUES (?, ?, ?, ?)"));
  std::vector<v1::Command> out;
  for (const std::string& id : device_ids) {
    next_seq->Bind(1, id);
    ARDOISE_ASSIGN_OR_RETURN(bool found, next_seq->Step());
    if (!found) return absl::NotFoundError(absl::StrCat("no device ", id));
    v1::Command command = prototype;
    command.set_seq(next_seq->ColumnInt64(0));
    next_seq->Reset();
    ARDOISE_RETURN_IF_ERROR(
        insert->Bind(1, id)
            .Bind(2, command.seq())
            .Bind(3, absl::ToUnixMillis(FromProto(command.expires_at())))
            .BindBlob(4, command.SerializeAsString())
            .Run());
    out.push_back(std::move(command));
  }
  return out;
}

absl::Status DeleteCommand(Database& db, const std::string& device_id,
                           int64_t seq) {
  ARDOISE_ASSIGN_OR_RETURN(
      Statement * del,
      db.Cached("DELETE FROM commands WHERE device_id = ? AND seq = ?"));
  return del->Bind(1, device_id).Bind(2, seq).Run();
}

absl::StatusOr<int> PurgeExpiredCommands(Database& db, absl::Time now) {
  ARDOISE_ASSIGN_OR_RETURN(
      Statement * del, db.Cached("DELETE FROM commands WHERE expires_at < ?"));
  ARDOISE_RETURN_IF_ERROR(del->Bind(1, absl::ToUnixMillis(now)).Run());
  return db.Changes();
}

absl::Status RetireDevice(Database& db, const std::string& device_id,
                          absl::Time now) {
  ARDOISE_ASSIGN_OR_RETURN(
      Statement * retire,
      db.Cached("UPDATE devices SET retired_at = ? WHERE id = ? AND "
                "retired_at IS NULL"));
  ARDOISE_RETURN_IF_ERROR(
      retire->Bind(1, absl::ToUnixMillis(now)).Bind(2, device_id).Run());
  ARDOISE_ASSIGN_OR_RETURN(
      Statement * drop, db.Cached("DELETE FROM commands WHERE device_id = ?"));
  return drop->Bind(1, device_id).Run();
}

absl::StatusOr<std::string> StartRekey(Database& db,
                                       const std::string& device_id) {
  const std::string key = RandomHex(32);
  ARDOISE_ASSIGN_OR_RETURN(
      Statement * update,
      db.Cached("UPDATE devices SET pending_key = ? WHERE id = ? AND "
                "retired_at IS NULL"));
  ARDOISE_RETURN_IF_ERROR(update->Bind(1, key).Bind(2, device_id).Run());
  if (db.Changes() == 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "device ", device_id, " is retired or unknown: nothing to rekey"));
  }
  return key;
}

absl::StatusOr<bool> CommitRekey(Database& db, const std::string& device_id,
                                 const std::string& key_hash) {
  ARDOISE_ASSIGN_OR_RETURN(
      Statement * read,
      db.Cached("SELECT pending_key FROM devices WHERE id = ? AND "
                "retired_at IS NULL"));
  read->Bind(1, device_id);
  ARDOISE_ASSIGN_OR_RETURN(bool found, read->Step());
  const std::string pending = found ? read->ColumnText(0) : "";
  read->Reset();
  if (pending.empty() || !ConstantTimeEquals(Sha256Hex(pending), key_hash)) {
    return false;
  }
  ARDOISE_ASSIGN_OR_RETURN(
      Statement * update,
      db.Cached("UPDATE devices SET key_hash = ?, pending_key = '' WHERE id "
                "= ?"));
  ARDOISE_RETURN_IF_ERROR(update->Bind(1, key_hash).Bind(2, device_id).Run());
  return true;
}

absl::Status AddDeviceFlag(Database& db, const std::string& device_id,
                           const std::string& flag) {
  ARDOISE_ASSIGN_OR_RETURN(Statement * read,
                           db.Cached("SELECT flags FROM devices WHERE id = ?"));
  read->Bind(1, device_id);
  ARDOISE_ASSIGN_OR_RETURN(bool found, read->Step());
  if (!found) return absl::NotFoundError(absl::StrCat("no device ", device_id));
  std::string flags = read->ColumnText(0);
  read->Reset();
  for (absl::string_view existing : absl::StrSplit(flags, '\n')) {
    if (existing == flag) return absl::OkStatus();
  }
  flags = flags.empty() ? flag : absl::StrCat(flags, "\n", flag);
  ARDOISE_ASSIGN_OR_RETURN(
      Statement * write,
      db.Cached("UPDATE devices SET flags = ? WHERE id = ?"));
  return write->Bind(1, flags).Bind(2, device_id).Run();
}

absl::Status WriteLive(Database& db, const std::vector<LiveUpdate>& updates) {
  ARDOISE_ASSIGN_OR_RETURN(
      Statement * write,
      db.Cached("UPDATE devices SET last_seen = ?, agent_version = ?, state = "
                "? WHERE id = ?"));
  for (const LiveUpdate& u : updates) {
    ARDOISE_RETURN_IF_ERROR(write->Bind(1, ToUnixMillisOrZero(u.last_seen))
                                .Bind(2, u.agent_version)
                                .BindBlob(3, u.state.SerializeAsString())
                                .Bind(4, u.id)
                                .Run());
  }
  return absl::OkStatus();
}

absl::StatusOr<StoredPolicies> LoadPolicies(Database& db) {
  StoredPolicies out;
  ARDOISE_ASSIGN_OR_RETURN(
      Statement version,
      db.Prepare("SELECT MAX(version) FROM policy_versions"));
  ARDOISE_ASSIGN_OR_RETURN(bool row, version.Step());
  if (row && !version.ColumnIsNull(0)) out.version = version.ColumnInt64(0);
  ARDOISE_ASSIGN_OR_RETURN(
      Statement files,
      db.Prepare("SELECT name, content FROM policy_files ORDER BY scope"));
  for (;;) {
    ARDOISE_ASSIGN_OR_RETURN(bool more, files.Step());
    if (!more) break;
    out.files.push_back(
        StoredPolicyFile{files.ColumnText(0), files.ColumnText(1)});
  }
  return out;
}

absl::StatusOr<int64_t> StorePolicies(
    Database& db,
    const std::vector<std::pair<std::string, StoredPolicyFile>>& files_by_scope,
    absl::Time now, const std::string& actor) {
  ARDOISE_ASSIGN_OR_RETURN(
      Statement next,
      db.Prepare("SELECT COALESCE(MAX(version), 0) + 1 FROM policy_versions"));
  ARDOISE_ASSIGN_OR_RETURN(bool row, next.Step());
  if (!row) return absl::InternalError("no policy version");
  const int64_t version = next.ColumnInt64(0);
  std::string scopes;
  for (const auto& [scope, file] : files_by_scope) {
    scopes = scopes.empty() ? scope : absl::StrCat(scopes, ", ", scope);
  }
  ARDOISE_ASSIGN_OR_RETURN(
      Statement * insert_version,
      db.Cached("INSERT INTO policy_versions (version, applied_at, "
                "applied_by, scopes) VALUES (?, ?, ?, ?)"));
  ARDOISE_RETURN_IF_ERROR(insert_version->Bind(1, version)
                              .Bind(2, absl::ToUnixMillis(now))
                              .Bind(3, actor)
                              .Bind(4, scopes)
                              .Run());
  ARDOISE_ASSIGN_OR_RETURN(
      Statement * upsert,
      db.Cached("INSERT INTO policy_files (scope, name, content, version) "
                "VALUES (?, ?, ?, ?) ON CONFLICT(scope) DO UPDATE SET name = "
                "excluded.name, content = excluded.content, version = "
                "excluded.version"));
  ARDOISE_ASSIGN_OR_RETURN(
      Statement * history,
      db.Cached("INSERT INTO policy_history (version, scope, name, content) "
                "VALUES (?, ?, ?, ?)"));
  for (const auto& [scope, file] : files_by_scope) {
    ARDOISE_RETURN_IF_ERROR(upsert->Bind(1, scope)
                                .Bind(2, file.name)
                                .Bind(3, file.content)
                                .Bind(4, version)
                                .Run());
    ARDOISE_RETURN_IF_ERROR(history->Bind(1, version)
                                .Bind(2, scope)
                                .Bind(3, file.name)
                                .Bind(4, file.content)
                                .Run());
  }
  return version;
}

namespace {

constexpr char kNameRule[] = "use 1 to 64 letters, digits, '-', '_' or '.'";
constexpr int kMaxGroups = 4;

absl::Status CheckName(const std::string& what, const std::string& name) {
  if (ValidName(name)) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("bad ", what, " name \"", name, "\": ", kNameRule));
}

// Whether `sql` (one '?' bound to `key`) returns a row.
absl::StatusOr<bool> RowExists(Database& db, const char* sql,
                               const std::string& key) {
  ARDOISE_ASSIGN_OR_RETURN(Statement * find, db.Cached(sql));
  find->Bind(1, key);
  absl::StatusOr<bool> found = find->Step();
  find->Reset();
  return found;
}

absl::Status CheckSchoolExists(Database& db, const std::string& school) {
  ARDOISE_ASSIGN_OR_RETURN(
      bool found,
      RowExists(db, "SELECT 1 FROM schools WHERE name = ?", school));
  if (found) return absl::OkStatus();
  return absl::NotFoundError(absl::StrCat(
      "no school \"", school, "\": create it first (`ardoise schools create ",
      school, "`) or check `ardoise schools list`"));
}

absl::Status CheckClassExists(Database& db, const std::string& class_name) {
  ARDOISE_ASSIGN_OR_RETURN(
      bool found,
      RowExists(db, "SELECT 1 FROM classes WHERE name = ?", class_name));
  if (found) return absl::OkStatus();
  return absl::NotFoundError(
      absl::StrCat("no class \"", class_name,
                   "\": check `ardoise classes list` or create it first"));
}

// "2027-05-17", or INVALID_ARGUMENT naming `what` for an impossible date.
absl::StatusOr<std::string> DayText(const v1::Date& date,
                                    const std::string& what) {
  const absl::CivilDay day(date.year(), date.month(), date.day());
  if (date.year() < 2000 || date.year() > 2199 || day.year() != date.year() ||
      day.month() != date.month() || day.day() != date.day()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "bad ", what, " date ", date.year(), "-", date.month(), "-", date.day(),
        ": give a real date between 2000 and 2199 (YYYY-MM-DD)"));
  }
  return absl::FormatCivilTime(day);
}

std::vector<std::string> SplitList(const std::string& text) {
  if (text.empty()) return {};
  return absl::StrSplit(text, ',');
}

absl::Status AlreadyExists(const std::string& what, const std::string& name,
                           const std::string& list_command) {
  return absl::AlreadyExistsError(absl::StrCat(
      "a ", what, " named \"", name,
      "\" already exists: choose another name (see `", list_command, "`)"));
}

}  // namespace

v1::Date DateOfText(const std::string& text) {
  v1::Date date;
  absl::CivilDay day;
  if (absl::ParseCivilTime(text, &day)) {
    date.set_year(static_cast<int32_t>(day.year()));
    date.set_month(day.month());
    date.set_day(day.day());
  }
  return date;
}

absl::StatusOr<v1::School> InsertSchool(Database& db, v1::School school,
                                        absl::Time now) {
  ARDOISE_RETURN_IF_ERROR(CheckName("school", school.name()));
  if (school.timezone().empty()) school.set_timezone(kDefaultTimeZone);
  absl::StatusOr<absl::TimeZone> zone = LoadSchoolTimeZone(school.timezone());
  if (!zone.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "school \"", school.name(), "\": ", zone.status().message()));
  }
  ARDOISE_ASSIGN_OR_RETURN(
      Statement * insert,
      db.Cached("INSERT INTO schools (name, display_name, timezone, "
                "created_at) VALUES (?, ?, ?, ?)"));
  absl::Status inserted = insert->Bind(1, school.name())
                              .Bind(2, school.display_name())
                              .Bind(3, school.timezone())
                              .Bind(4, absl::ToUnixMillis(now))
                              .Run();
  if (absl::IsAlreadyExists(inserted)) {
    return AlreadyExists("school", school.name(), "ardoise schools list");
  }
  ARDOISE_RETURN_IF_ERROR(inserted);
  return school;
}

absl::StatusOr<v1::Pool> InsertPool(Database& db, v1::Pool pool,
                                    absl::Time now) {
  ARDOISE_RETURN_IF_ERROR(CheckName("pool", pool.name()));
  ARDOISE_RETURN_IF_ERROR(CheckName("school", pool.school()));
  if (pool.kind() != v1::POOL_KIND_ROOM && pool.kind() != v1::POOL_KIND_CART &&
      pool.kind() != v1::POOL_KIND_CITY_LAB) {
    return absl::InvalidArgumentError(absl::StrCat(
        "pool \"", pool.name(), "\": bad kind: use room, cart or lab"));
  }
  ARDOISE_RETURN_IF_ERROR(CheckSchoolExists(db, pool.school()));
  ARDOISE_ASSIGN_OR_RETURN(
      Statement * insert,
      db.Cached("INSERT INTO pools (name, school, kind, display_name, "
                "created_at) VALUES (?, ?, ?, ?, ?)"));
  absl::Status inserted = insert->Bind(1, pool.name())
                              .Bind(2, pool.school())
                              .Bind(3, static_cast<int64_t>(pool.kind()))
                              .Bind(4, pool.display_name())
                              .Bind(5, absl::ToUnixMillis(now))
                              .Run();
  if (absl::IsAlreadyExists(inserted)) {
    return AlreadyExists("pool", pool.name(), "ardoise pools list");
  }
  ARDOISE_RETURN_IF_ERROR(inserted);
  return pool;
}

absl::StatusOr<v1::Class> InsertClass(Database& db, v1::Class klass,
                                      absl::Time now) {
  ARDOISE_RETURN_IF_ERROR(CheckName("class", klass.name()));
  ARDOISE_RETURN_IF_ERROR(CheckName("school", klass.school()));
  const std::string where = absl::StrCat("class \"", klass.name(), "\": ");
  if (klass.levels().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        where, "give at least one level among CP, CE1, CE2, CM1, CM2"));
  }
  static constexpr const char* kLevels[] = {"CP", "CE1", "CE2", "CM1", "CM2"};
  for (int i = 0; i < klass.levels_size(); ++i) {
    const std::string& level = klass.levels(i);
    bool known = false;
    for (const char* k : kLevels) known = known || level == k;
    if (!known) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, "bad level \"", level,
                       "\": use CP, CE1, CE2, CM1 or CM2 (upper case)"));
    }
    for (int j = 0; j < i; ++j) {
      if (klass.levels(j) == level) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, "level ", level, " is given twice"));
      }
    }
  }
  if (klass.groups_size() > kMaxGroups) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, klass.groups_size(), " groups: at most ",
                     kMaxGroups, " (e.g. A,B for half-classes)"));
  }
  for (int i = 0; i < klass.groups_size(); ++i) {
    ARDOISE_RETURN_IF_ERROR(CheckName("group", klass.groups(i)));
    for (int j = 0; j < i; ++j) {
      if (klass.groups(j) == klass.groups(i)) {
        return absl::InvalidArgumentError(absl::StrCat(
            where, "group \"", klass.groups(i), "\" is given twice"));
      }
    }
  }
  ARDOISE_RETURN_IF_ERROR(CheckSchoolExists(db, klass.school()));
  if (!klass.home_room().empty()) {
    ARDOISE_RETURN_IF_ERROR(CheckName("home room", klass.home_room()));
    ARDOISE_ASSIGN_OR_RETURN(
        Statement * room,
        db.Cached("SELECT school, kind FROM pools WHERE name = ?"));
    room->Bind(1, klass.home_room());
    ARDOISE_ASSIGN_OR_RETURN(bool found, room->Step());
    const std::string room_school = found ? room->ColumnText(0) : "";
    const auto kind = found ? static_cast<v1::PoolKind>(room->ColumnInt64(1))
                            : v1::POOL_KIND_UNSPECIFIED;
    room->Reset();
    if (!found) {
      return absl::NotFoundError(absl::StrCat(
          where, "no pool \"", klass.home_room(),
          "\" for its home room: create the room first (`ardoise pools "
          "create ",
          klass.home_room(), " --school ", klass.school(), " --kind room`)"));
    }
    if (kind != v1::POOL_KIND_ROOM) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, "home room \"", klass.home_room(), "\" is not a room but a ",
          kind == v1::POOL_KIND_CART ? "cart" : "city lab",
          ": give a pool of kind room (a cart is borrowed per session)"));
    }
    if (room_school != klass.school()) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, "home room \"", klass.home_room(), "\" belongs to school \"",
          room_school, "\", not \"", klass.school(),
          "\": give a room of the class's school"));
    }
  }
  ARDOISE_ASSIGN_OR_RETURN(
      Statement * insert,
      db.Cached("INSERT INTO classes (name, school, levels, home_room, "
                "group_names, created_at) VALUES (?, ?, ?, ?, ?, ?)"));
  absl::Status inserted = insert->Bind(1, klass.name())
                              .Bind(2, klass.school())
                              .Bind(3, absl::StrJoin(klass.levels(), ","))
                              .Bind(4, klass.home_room())
                              .Bind(5, absl::StrJoin(klass.groups(), ","))
                              .Bind(6, absl::ToUnixMillis(now))
                              .Run();
  if (absl::IsAlreadyExists(inserted)) {
    return AlreadyExists("class", klass.name(), "ardoise classes list");
  }
  ARDOISE_RETURN_IF_ERROR(inserted);
  return klass;
}

absl::StatusOr<v1::TeacherAssignment> InsertAssignment(
    Database& db, v1::TeacherAssignment assignment, absl::Time now) {
  ARDOISE_RETURN_IF_ERROR(CheckName("class", assignment.class_name()));
  ARDOISE_RETURN_IF_ERROR(CheckName("teacher", assignment.teacher()));
  absl::StatusOr<std::string> from = DayText(assignment.from(), "first");
  if (!from.ok()) return from.status();
  absl::StatusOr<std::string> to = DayText(assignment.to(), "last");
  if (!to.ok()) return to.status();
  if (*to < *from) {
    return absl::InvalidArgumentError(absl::StrCat(
        "assignment of ", assignment.teacher(), " to ", assignment.class_name(),
        ": last day ", *to, " is before first day ", *from, ": swap them"));
  }
  ARDOISE_RETURN_IF_ERROR(CheckClassExists(db, assignment.class_name()));
  ARDOISE_ASSIGN_OR_RETURN(
      Statement * insert,
      db.Cached("INSERT INTO teacher_assignments (class_name, teacher, "
                "from_day, to_day, substitute, created_at) VALUES "
                "(?, ?, ?, ?, ?, ?)"));
  absl::Status inserted = insert->Bind(1, assignment.class_name())
                              .Bind(2, assignment.teacher())
                              .Bind(3, *from)
                              .Bind(4, *to)
                              .Bind(5, assignment.substitute() ? 1 : 0)
                              .Bind(6, absl::ToUnixMillis(now))
                              .Run();
  if (absl::IsAlreadyExists(inserted)) {
    return absl::AlreadyExistsError(
        absl::StrCat(assignment.teacher(), " is already assigned to ",
                     assignment.class_name(), " from ", *from, " to ", *to,
                     ": nothing to do (see `ardoise classes teachers ",
                     assignment.class_name(), "`)"));
  }
  ARDOISE_RETURN_IF_ERROR(inserted);
  return assignment;
}

absl::StatusOr<std::vector<v1::School>> LoadSchools(Database& db) {
  ARDOISE_ASSIGN_OR_RETURN(
      Statement rows,
      db.Prepare("SELECT name, display_name, timezone FROM schools ORDER BY "
                 "name"));
  std::vector<v1::School> out;
  for (;;) {
    ARDOISE_ASSIGN_OR_RETURN(bool row, rows.Step());
    if (!row) break;
    v1::School& school = out.emplace_back();
    school.set_name(rows.ColumnText(0));
    school.set_display_name(rows.ColumnText(1));
    school.set_timezone(rows.ColumnText(2));
  }
  return out;
}

absl::StatusOr<std::vector<v1::Pool>> LoadPools(Database& db,
                                                const std::string& school) {
  if (!school.empty()) ARDOISE_RETURN_IF_ERROR(CheckSchoolExists(db, school));
  ARDOISE_ASSIGN_OR_RETURN(
      Statement rows,
      db.Prepare("SELECT name, school, kind, display_name FROM pools WHERE "
                 "?1 = '' OR school = ?1 ORDER BY school, name"));
  rows.Bind(1, school);
  std::vector<v1::Pool> out;
  for (;;) {
    ARDOISE_ASSIGN_OR_RETURN(bool row, rows.Step());
    if (!row) break;
    v1::Pool& pool = out.emplace_back();
    pool.set_name(rows.ColumnText(0));
    pool.set_school(rows.ColumnText(1));
    pool.set_kind(static_cast<v1::PoolKind>(rows.ColumnInt64(2)));
    pool.set_display_name(rows.ColumnText(3));
  }
  return out;
}

absl::StatusOr<std::vector<v1::Class>> LoadClasses(Database& db,
                                                   const std::string& school) {
  if (!school.empty()) ARDOISE_RETURN_IF_ERROR(CheckSchoolExists(db, school));
  ARDOISE_ASSIGN_OR_RETURN(
      Statement rows,
      db.Prepare("SELECT name, school, levels, home_room, group_names FROM "
                 "classes WHERE ?1 = '' OR school = ?1 ORDER BY school, name"));
  rows.Bind(1, school);
  std::vector<v1::Class> out;
  for (;;) {
    ARDOISE_ASSIGN_OR_RETURN(bool row, rows.Step());
    if (!row) break;
    v1::Class& klass = out.emplace_back();
    klass.set_name(rows.ColumnText(0));
    klass.set_school(rows.ColumnText(1));
    for (std::string& level : SplitList(rows.ColumnText(2))) {
      klass.add_levels(std::move(level));
    }
    klass.set_home_room(rows.ColumnText(3));
    for (std::string& group : SplitList(rows.ColumnText(4))) {
      klass.add_groups(std::move(group));
    }
  }
  return out;
}

absl::StatusOr<std::vector<v1::TeacherAssignment>> LoadAssignments(
    Database& db, const std::string& class_name) {
  ARDOISE_RETURN_IF_ERROR(CheckClassExists(db, class_name));
  ARDOISE_ASSIGN_OR_RETURN(
      Statement rows,
      db.Prepare("SELECT teacher, from_day, to_day, substitute FROM "
                 "teacher_assignments WHERE class_name = ? ORDER BY from_day, "
                 "teacher, to_day"));
  rows.Bind(1, class_name);
  std::vector<v1::TeacherAssignment> out;
  for (;;) {
    ARDOISE_ASSIGN_OR_RETURN(bool row, rows.Step());
    if (!row) break;
    v1::TeacherAssignment& a = out.emplace_back();
    a.set_class_name(class_name);
    a.set_teacher(rows.ColumnText(0));
    *a.mutable_from() = DateOfText(rows.ColumnText(1));
    *a.mutable_to() = DateOfText(rows.ColumnText(2));
    a.set_substitute(rows.ColumnInt64(3) != 0);
  }
  return out;
}

absl::Status AppendAudit(Database& db, absl::Time at, const std::string& actor,
                         const std::string& action, const std::string& target,
                         const std::string& outcome,
                         const std::string& detail) {
  ARDOISE_ASSIGN_OR_RETURN(
      Statement * insert,
      db.Cached("INSERT INTO audit (at, actor, action, target, outcome, "
                "detail) VALUES (?, ?, ?, ?, ?, ?)"));
  return insert->Bind(1, absl::ToUnixMillis(at))
      .Bind(2, actor)
      .Bind(3, action)
      .Bind(4, target)
      .Bind(5, outcome)
      .Bind(6, detail)
      .Run();
}

}  // namespace ardoise
