#include "agent/enforce/agent_store.h"

#include <algorithm>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/files.h"
#include "common/proto_time.h"
#include "common/random.h"
#include "common/status_macros.h"

namespace ardoise {
namespace {

const std::vector<std::string>& AgentMigrations() {
  static const auto* migrations = new std::vector<std::string>{
      "CREATE TABLE kv (key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT "
      "ROWID;",
      // The usage outbox of the current epoch (kv "usage_epoch").
      "CREATE TABLE usage_outbox (seq INTEGER PRIMARY KEY, body BLOB NOT "
      "NULL);"};
  return *migrations;
}

constexpr char kDeviceId[] = "device_id";
constexpr char kName[] = "name";
constexpr char kKind[] = "kind";
constexpr char kConsole[] = "console";
constexpr char kSchool[] = "school";
constexpr char kPool[] = "pool";
constexpr char kManualLock[] = "manual_lock";
constexpr char kSession[] = "session";
constexpr char kLastCommandSeq[] = "last_command_seq";
constexpr char kLastMessage[] = "last_message_shown";
constexpr char kClockOffsetMicros[] = "clock_offset_us";
constexpr char kPolicy[] = "policy";
constexpr char kConfirmedMicros[] = "confirmed_us";
constexpr char kLedger[] = "ledger";
constexpr char kUsageEpoch[] = "usage_epoch";
constexpr char kUsageNextSeq[] = "usage_next_seq";
constexpr char kUsageRecorded[] = "usage_recorded";
constexpr char kUsageRecordedMs[] = "usage_recorded_ms";
constexpr char kUsageOpen[] = "usage_open";
constexpr char kUsageAliveMicros[] = "usage_alive_us";
constexpr char kUsageBootMicros[] = "usage_boot_us";

int64_t ToInt(const absl::StatusOr<std::string>& value) {
  int64_t out = 0;
  if (value.ok() && absl::SimpleAtoi(*value, &out)) return out;
  return 0;
}

}  // namespace

absl::StatusOr<std::unique_ptr<AgentStore>> AgentStore::Open(
    const std::string& data_dir, bool create) {
  ARDOISE_ASSIGN_OR_RETURN(
      auto db,
      OpenStateDatabase(data_dir, "agent.db", create, AgentMigrations()));
  return std::unique_ptr<AgentStore>(new AgentStore(data_dir, std::move(db)));
}

AgentStore::AgentStore(std::string data_dir, std::unique_ptr<Database> db)
    : data_dir_(std::move(data_dir)), db_(std::move(db)) {}

absl::StatusOr<std::string> AgentStore::GetLocked(const std::string& key) {
  ARDOISE_ASSIGN_OR_RETURN(Statement * get,
                           db_->Cached("SELECT value FROM kv WHERE key = ?"));
  get->Bind(1, key);
  ARDOISE_ASSIGN_OR_RETURN(bool found, get->Step());
  if (!found) return absl::NotFoundError(key);
  std::string value = get->ColumnBlob(0);
  get->Reset();
  return value;
}

absl::Status AgentStore::PutLocked(const std::string& key,
                                   const std::string& value) {
  ARDOISE_ASSIGN_OR_RETURN(
      Statement * put,
      db_->Cached("INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) "
                  "DO UPDATE SET value = excluded.value"));
  return put->Bind(1, key).BindBlob(2, value).Run();
}

absl::StatusOr<Identity> AgentStore::LoadIdentity() {
  absl::MutexLock lock(&mu_);
  Identity id;
  auto device_id = GetLocked(kDeviceId);
  if (!device_id.ok()) {
    return absl::NotFoundError(absl::StrCat(
        "this device is not enrolled (no identity in ", data_dir_,
        "): run `ardoise-agent enroll --console HOST:PORT --token TOKEN "
        "--data ",
        data_dir_, " --name NAME --kind tablet` first"));
  }
  id.device_id = *device_id;
  id.name = GetLocked(kName).value_or("");
  id.kind = static_cast<v1::DeviceKind>(ToInt(GetLocked(kKind)));
  id.console = GetLocked(kConsole).value_or("");
  id.school = GetLocked(kSchool).value_or("");
  id.pool = GetLocked(kPool).value_or("");
  return id;
}

absl::Status AgentStore::SaveIdentity(const Identity& identity) {
  absl::MutexLock lock(&mu_);
  ARDOISE_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*db_));
  ARDOISE_RETURN_IF_ERROR(PutLocked(kDeviceId, identity.device_id));
  ARDOISE_RETURN_IF_ERROR(PutLocked(kName, identity.name));
  ARDOISE_RETURN_IF_ERROR(PutLocked(kKind, absl::StrCat(identity.kind)));
  ARDOISE_RETURN_IF_ERROR(PutLocked(kConsole, identity.console));
  ARDOISE_RETURN_IF_ERROR(PutLocked(kSchool, identity.school));
  ARDOISE_RETURN_IF_ERROR(PutLocked(kPool, identity.pool));
  return tx.Commit();
}

absl::StatusOr<std::string> AgentStore::LoadNodeKey() {
  auto key = ReadFile(data_dir_ + "/node.key");
  if (!key.ok()) {
    return absl::NotFoundError(absl::StrCat(
        "no node key in ", data_dir_, "/node.key: enroll this device first"));
  }
  return std::string(absl::StripAsciiWhitespace(*key));
}

absl::Status AgentStore::SaveNodeKey(const std::string& node_key) {
  return WriteFileAtomically(data_dir_ + "/node.key", node_key + "\n", 0600);
}

absl::StatusOr<std::string> AgentStore::LoadConsoleCa() {
  auto ca = ReadFile(data_dir_ + "/ca.pem");
  if (!ca.ok() && absl::IsNotFound(ca.status())) {
    return absl::NotFoundError(absl::StrCat(
        "no console CA in ", data_dir_,
        "/ca.pem: enroll this device again (retire it with `ardoise devices "
        "retire NAME`, then `ardoise-agent enroll` from an empty --data "
        "folder with a new token)"));
  }
  return ca;
}

absl::Status AgentStore::SaveConsoleCa(const std::string& ca_pem) {
  return WriteFileAtomically(data_dir_ + "/ca.pem", ca_pem, 0600);
}

v1::ManualLock AgentStore::manual_lock() {
  absl::MutexLock lock(&mu_);
  v1::ManualLock out;
  auto blob = GetLocked(kManualLock);
  if (blob.ok()) out.ParseFromString(*blob);
  return out;
}

absl::Status AgentStore::SetManualLock(const v1::ManualLock& manual_lock) {
  absl::MutexLock lock(&mu_);
  return PutLocked(kManualLock, manual_lock.SerializeAsString());
}

v1::SessionState AgentStore::session() {
  absl::MutexLock lock(&mu_);
  v1::SessionState out;
  auto blob = GetLocked(kSession);
  if (blob.ok()) out.ParseFromString(*blob);
  return out;
}

absl::Status AgentStore::SetSession(const v1::SessionState& session) {
  absl::MutexLock lock(&mu_);
  return PutLocked(kSession, session.SerializeAsString());
}

int64_t AgentStore::last_command_seq() {
  absl::MutexLock lock(&mu_);
  return ToInt(GetLocked(kLastCommandSeq));
}

std::string AgentStore::last_message_shown() {
  absl::MutexLock lock(&mu_);
  return GetLocked(kLastMessage).value_or("");
}

absl::Status AgentStore::RecordCommand(int64_t seq,
                                       const std::string& message_shown) {
  absl::MutexLock lock(&mu_);
  ARDOISE_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*db_));
  ARDOISE_RETURN_IF_ERROR(PutLocked(kLastCommandSeq, absl::StrCat(seq)));
  if (!message_shown.empty()) {
    ARDOISE_RETURN_IF_ERROR(PutLocked(kLastMessage, message_shown));
  }
  return tx.Commit();
}

absl::Duration AgentStore::clock_offset() {
  absl::MutexLock lock(&mu_);
  return absl::Microseconds(ToInt(GetLocked(kClockOffsetMicros)));
}

absl::Status AgentStore::SetClockOffset(absl::Duration offset) {
  absl::MutexLock lock(&mu_);
  return PutLocked(kClockOffsetMicros,
                   absl::StrCat(absl::ToInt64Microseconds(offset)));
}

v1::EffectivePolicy AgentStore::policy() {
  absl::MutexLock lock(&mu_);
  v1::EffectivePolicy out;
  auto blob = GetLocked(kPolicy);
  if (blob.ok()) out.ParseFromString(*blob);
  return out;
}

absl::Status AgentStore::SetPolicy(const v1::EffectivePolicy& policy) {
  absl::MutexLock lock(&mu_);
  return PutLocked(kPolicy, policy.SerializeAsString());
}

AgentStore::Progress AgentStore::progress() {
  absl::MutexLock lock(&mu_);
  Progress out;
  auto confirmed = GetLocked(kConfirmedMicros);
  if (confirmed.ok()) {
    out.confirmed = absl::FromUnixMicros(ToInt(confirmed));
  }
  out.ledger = GetLocked(kLedger).value_or("");
  return out;
}

absl::Status AgentStore::SetProgress(const Progress& progress) {
  absl::MutexLock lock(&mu_);
  ARDOISE_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*db_));
  if (progress.confirmed != absl::InfinitePast()) {
    ARDOISE_RETURN_IF_ERROR(
        PutLocked(kConfirmedMicros,
                  absl::StrCat(absl::ToUnixMicros(progress.confirmed))));
  }
  ARDOISE_RETURN_IF_ERROR(PutLocked(kLedger, progress.ledger));
  return tx.Commit();
}

absl::StatusOr<std::string> AgentStore::EpochLocked() {
  auto epoch = GetLocked(kUsageEpoch);
  if (epoch.ok()) return epoch;
  // First use of this data folder: a new random epoch, stored before any
  // interval can carry it.
  std::string fresh = RandomHex(8);
  ARDOISE_RETURN_IF_ERROR(PutLocked(kUsageEpoch, fresh));
  return fresh;
}

absl::StatusOr<AgentStore::UsageTotals> AgentStore::usage_totals() {
  absl::MutexLock lock(&mu_);
  UsageTotals totals;
  ARDOISE_ASSIGN_OR_RETURN(totals.epoch, EpochLocked());
  totals.next_seq = std::max<int64_t>(1, ToInt(GetLocked(kUsageNextSeq)));
  totals.recorded = ToInt(GetLocked(kUsageRecorded));
  totals.recorded_ms = ToInt(GetLocked(kUsageRecordedMs));
  ARDOISE_ASSIGN_OR_RETURN(Statement * count,
                           db_->Cached("SELECT COUNT(*) FROM usage_outbox"));
  ARDOISE_ASSIGN_OR_RETURN(bool row, count->Step());
  if (row) totals.pending = count->ColumnInt64(0);
  count->Reset();
  return totals;
}

AgentStore::UsageOpen AgentStore::usage_open() {
  absl::MutexLock lock(&mu_);
  UsageOpen out;
  auto open = GetLocked(kUsageOpen);
  if (open.ok() && !open->empty()) {
    v1::UsageInterval interval;
    if (interval.ParseFromString(*open)) out.open = std::move(interval);
  }
  auto alive = GetLocked(kUsageAliveMicros);
  if (alive.ok()) out.alive = absl::FromUnixMicros(ToInt(alive));
  auto boot = GetLocked(kUsageBootMicros);
  if (boot.ok()) out.boot = absl::FromUnixMicros(ToInt(boot));
  return out;
}

absl::Status AgentStore::SetUsageAlive(absl::Time alive) {
  absl::MutexLock lock(&mu_);
  return PutLocked(kUsageAliveMicros, absl::StrCat(absl::ToUnixMicros(alive)));
}

absl::StatusOr<int64_t> AgentStore::AppendUsage(
    std::vector<v1::UsageInterval> closed, const v1::UsageInterval* open,
    absl::Time alive, absl::Time boot) {
  absl::MutexLock lock(&mu_);
  ARDOISE_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*db_));
  ARDOISE_RETURN_IF_ERROR(EpochLocked().status());
  int64_t seq = std::max<int64_t>(1, ToInt(GetLocked(kUsageNextSeq)));
  int64_t recorded = ToInt(GetLocked(kUsageRecorded));
  int64_t recorded_ms = ToInt(GetLocked(kUsageRecordedMs));
  int64_t last = 0;
  ARDOISE_ASSIGN_OR_RETURN(
      Statement * insert,
      db_->Cached("INSERT INTO usage_outbox (seq, body) VALUES (?, ?)"));
  for (v1::UsageInterval& interval : closed) {
    interval.set_seq(seq);
    ARDOISE_RETURN_IF_ERROR(
        insert->Bind(1, seq).BindBlob(2, interval.SerializeAsString()).Run());
    ++recorded;
    recorded_ms += absl::ToUnixMillis(FromProto(interval.end())) -
                   absl::ToUnixMillis(FromProto(interval.start()));
    last = seq++;
  }
  ARDOISE_RETURN_IF_ERROR(PutLocked(kUsageNextSeq, absl::StrCat(seq)));
  ARDOISE_RETURN_IF_ERROR(PutLocked(kUsageRecorded, absl::StrCat(recorded)));
  ARDOISE_RETURN_IF_ERROR(
      PutLocked(kUsageRecordedMs, absl::StrCat(recorded_ms)));
  ARDOISE_RETURN_IF_ERROR(
      PutLocked(kUsageOpen, open == nullptr ? "" : open->SerializeAsString()));
  ARDOISE_RETURN_IF_ERROR(
      PutLocked(kUsageAliveMicros, absl::StrCat(absl::ToUnixMicros(alive))));
  if (boot != absl::InfinitePast()) {
    ARDOISE_RETURN_IF_ERROR(
        PutLocked(kUsageBootMicros, absl::StrCat(absl::ToUnixMicros(boot))));
  }
  ARDOISE_RETURN_IF_ERROR(tx.Commit());
  return last;
}

absl::StatusOr<v1::UsageBatch> AgentStore::PendingUsage(int limit,
                                                        int64_t after_seq) {
  absl::MutexLock lock(&mu_);
  v1::UsageBatch batch;
  ARDOISE_ASSIGN_OR_RETURN(*batch.mutable_epoch(), EpochLocked());
  ARDOISE_ASSIGN_OR_RETURN(
      Statement * rows,
      db_->Cached("SELECT body FROM usage_outbox WHERE seq > ? ORDER BY seq "
                  "LIMIT ?"));
  rows->Bind(1, after_seq).Bind(2, limit);
  for (;;) {
    ARDOISE_ASSIGN_OR_RETURN(bool row, rows->Step());
    if (!row) break;
    if (!batch.add_intervals()->ParseFromString(rows->ColumnBlob(0))) {
      rows->Reset();
      return absl::DataLossError("unreadable interval in the usage outbox");
    }
  }
  rows->Reset();
  return batch;
}

absl::StatusOr<bool> AgentStore::AckUsage(const std::string& epoch,
                                          int64_t seq) {
  absl::MutexLock lock(&mu_);
  ARDOISE_ASSIGN_OR_RETURN(std::string current, EpochLocked());
  if (epoch != current) return false;
  ARDOISE_ASSIGN_OR_RETURN(
      Statement * del, db_->Cached("DELETE FROM usage_outbox WHERE seq <= ?"));
  ARDOISE_RETURN_IF_ERROR(del->Bind(1, seq).Run());
  return true;
}

absl::Status AgentStore::RestartUsageEpoch(const std::string& new_epoch) {
  absl::MutexLock lock(&mu_);
  ARDOISE_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*db_));
  std::vector<v1::UsageInterval> pending;
  {
    ARDOISE_ASSIGN_OR_RETURN(
        Statement rows, db_->Prepare("SELECT body FROM usage_outbox ORDER BY "
                                     "seq"));
    for (;;) {
      ARDOISE_ASSIGN_OR_RETURN(bool row, rows.Step());
      if (!row) break;
      pending.emplace_back().ParseFromString(rows.ColumnBlob(0));
    }
  }
  ARDOISE_RETURN_IF_ERROR(db_->Exec("DELETE FROM usage_outbox"));
  ARDOISE_ASSIGN_OR_RETURN(
      Statement * insert,
      db_->Cached("INSERT INTO usage_outbox (seq, body) VALUES (?, ?)"));
  int64_t seq = 1;
  for (v1::UsageInterval& interval : pending) {
    interval.set_seq(seq);
    ARDOISE_RETURN_IF_ERROR(
        insert->Bind(1, seq).BindBlob(2, interval.SerializeAsString()).Run());
    ++seq;
  }
  ARDOISE_RETURN_IF_ERROR(PutLocked(kUsageEpoch, new_epoch));
  ARDOISE_RETURN_IF_ERROR(PutLocked(kUsageNextSeq, absl::StrCat(seq)));
  return tx.Commit();
}

}  // namespace ardoise
