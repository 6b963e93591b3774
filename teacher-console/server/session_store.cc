#include "teacher-console/server/session_store.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/proto_time.h"
#include "common/status_macros.h"

namespace ardoise {

const char kSessionSchema[] = R"sql(
ALTER TABLE devices ADD COLUMN session BLOB;
CREATE TABLE sessions (
  id TEXT PRIMARY KEY,
  class_name TEXT NOT NULL,
  group_name TEXT NOT NULL DEFAULT '',
  school TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  ended_at INTEGER,
  override_reason TEXT NOT NULL DEFAULT '',
  record BLOB NOT NULL
);
CREATE INDEX sessions_by_class ON sessions(class_name, started_at);
CREATE UNIQUE INDEX sessions_one_running ON sessions(class_name)
  WHERE ended_at IS NULL;
CREATE TABLE class_usage (
  class_name TEXT NOT NULL,
  group_name TEXT NOT NULL,
  school TEXT NOT NULL,
  day TEXT NOT NULL,
  week TEXT NOT NULL,
  seconds INTEGER NOT NULL,
  PRIMARY KEY (class_name, group_name, day)
) WITHOUT ROWID;
CREATE INDEX class_usage_by_week ON class_usage(week, school);
)sql";

absl::StatusOr<std::vector<v1::SessionState>> StoreSessionStates(
    Database& db, const std::vector<std::string>& device_ids,
    const v1::SessionState& state) {
  ARDOISE_ASSIGN_OR_RETURN(
      Statement * read, db.Cached("SELECT session FROM devices WHERE id = ?"));
  ARDOISE_ASSIGN_OR_RETURN(
      Statement * write,
      db.Cached("UPDATE devices SET session = ? WHERE id = ?"));
  std::vector<v1::SessionState> out;
  for (const std::string& id : device_ids) {
    read->Bind(1, id);
    ARDOISE_ASSIGN_OR_RETURN(bool found, read->Step());
    if (!found) return absl::NotFoundError(absl::StrCat("no device ", id));
    v1::SessionState previous;
    previous.ParseFromString(read->ColumnBlob(0));
    read->Reset();
    v1::SessionState next = state;
    next.set_version(previous.version() + 1);
    ARDOISE_RETURN_IF_ERROR(
        write->BindBlob(1, next.SerializeAsString()).Bind(2, id).Run());
    out.push_back(std::move(next));
  }
  return out;
}

absl::Status SaveSession(Database& db, const v1::SessionRecord& record) {
  const v1::Session& s = record.session();
  ARDOISE_ASSIGN_OR_RETURN(
      Statement * save,
      db.Cached("INSERT INTO sessions (id, class_name, group_name, school, "
                "started_at, ended_at, override_reason, record) VALUES (?, ?, "
                "?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET ended_at = "
                "excluded.ended_at, record = excluded.record"));
  save->Bind(1, s.id())
      .Bind(2, s.class_name())
      .Bind(3, s.group())
      .Bind(4, s.school())
      .Bind(5, absl::ToUnixSeconds(FromProto(s.started_at())));
  if (s.status() == v1::Session::STATUS_ENDED) {
    save->Bind(6, absl::ToUnixSeconds(FromProto(s.ended_at())));
  } else {
    save->Bind(6, nullptr);
  }
  save->Bind(7, s.override_reason());
  save->BindBlob(8, record.SerializeAsString());
  absl::Status status = save->Run();
  if (absl::IsAlreadyExists(status)) {
    return absl::AlreadyExistsError(absl::StrCat(
        "class ", s.class_name(), " already runs a session (end it first: ",
        "`ardoise session end ", s.class_name(), "`)"));
  }
  return status;
}

namespace {

absl::StatusOr<std::vector<v1::SessionRecord>> ReadRecords(Statement& query) {
  std::vector<v1::SessionRecord> out;
  for (;;) {
    ARDOISE_ASSIGN_OR_RETURN(bool row, query.Step());
    if (!row) break;
    v1::SessionRecord record;
    if (!record.ParseFromString(query.ColumnBlob(0))) {
      return absl::DataLossError("a stored session cannot be read");
    }
    out.push_back(std::move(record));
  }
  query.Reset();
  return out;
}

}  // namespace

absl::StatusOr<std::vector<v1::SessionRecord>> LoadRunningSessions(
    Database& db) {
  ARDOISE_ASSIGN_OR_RETURN(
      Statement query,
      db.Prepare("SELECT record FROM sessions WHERE ended_at IS NULL "
                 "ORDER BY started_at"));
  return ReadRecords(query);
}

absl::StatusOr<v1::SessionRecord> LoadLastSession(
    Database& db, const std::string& class_name) {
  ARDOISE_ASSIGN_OR_RETURN(
      Statement * query,
      db.Cached("SELECT record FROM sessions WHERE class_name = ? "
                "ORDER BY started_at DESC, ended_at IS NULL DESC LIMIT 1"));
  query->Bind(1, class_name);
  ARDOISE_ASSIGN_OR_RETURN(std::vector<v1::SessionRecord> records,
                           ReadRecords(*query));
  if (records.empty()) {
    return absl::NotFoundError(
        absl::StrCat("class ", class_name, " has not run a session yet"));
  }
  return std::move(records.front());
}

absl::Status ChargeClassUsage(
    Database& db, const std::string& school, const std::string& class_name,
    const std::string& group,
    const std::vector<std::pair<absl::CivilDay, absl::Duration>>& days) {
  ARDOISE_ASSIGN_OR_RETURN(
      Statement * add,
      db.Cached("INSERT INTO class_usage (class_name, group_name, school, day, "
                "week, seconds) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT "
                "(class_name, group_name, day) DO UPDATE SET seconds = "
                "seconds + excluded.seconds"));
  for (const auto& [day, duration] : days) {
    const int64_t seconds = absl::ToInt64Seconds(duration);
    if (seconds <= 0) continue;
    ARDOISE_RETURN_IF_ERROR(add->Bind(1, class_name)
                                .Bind(2, group)
                                .Bind(3, school)
                                .Bind(4, absl::FormatCivilTime(day))
                                .Bind(5, FormatIsoWeek(IsoWeekOf(day)))
                                .Bind(6, seconds)
                                .Run());
  }
  return absl::OkStatus();
}

absl::StatusOr<std::map<std::string, int64_t>> ClassWeekUsage(
    Database& db, const std::string& class_name, IsoWeek week) {
  ARDOISE_ASSIGN_OR_RETURN(
      Statement * query,
      db.Cached("SELECT group_name, SUM(seconds) FROM class_usage WHERE "
                "class_name = ? AND week = ? GROUP BY group_name"));
  query->Bind(1, class_name).Bind(2, FormatIsoWeek(week));
  std::map<std::string, int64_t> out;
  for (;;) {
    ARDOISE_ASSIGN_OR_RETURN(bool row, query->Step());
    if (!row) break;
    out[query->ColumnText(0)] = query->ColumnInt64(1);
  }
  query->Reset();
  return out;
}

absl::StatusOr<std::map<std::string, WeekSessions>> ClassWeekSessions(
    Database& db, const std::string& class_name, absl::Time from,
    absl::Time to) {
  ARDOISE_ASSIGN_OR_RETURN(
      Statement * query,
      db.Cached("SELECT group_name, override_reason FROM sessions WHERE "
                "class_name = ? AND started_at >= ? AND started_at < ? "
                "ORDER BY started_at"));
  query->Bind(1, class_name)
      .Bind(2, absl::ToUnixSeconds(from))
      .Bind(3, absl::ToUnixSeconds(to));
  std::map<std::string, WeekSessions> out;
  for (;;) {
    ARDOISE_ASSIGN_OR_RETURN(bool row, query->Step());
    if (!row) break;
    WeekSessions& group = out[query->ColumnText(0)];
    ++group.count;
    std::string reason = query->ColumnText(1);
    if (!reason.empty()) group.override_reasons.push_back(std::move(reason));
  }
  query->Reset();
  return out;
}

}  // namespace ardoise
