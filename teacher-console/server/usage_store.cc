#include "teacher-console/server/usage_store.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "common/proto_time.h"
#include "common/school_time.h"
#include "common/status_macros.h"

namespace ardoise {

// Raw intervals (purged after the retention period) and what survives them:
// per (device, epoch) what is stored, per day the aggregates. Days are
// "YYYY-MM-DD" in the school's zone; durations are milliseconds.
const char kUsageSchema[] = R"sql(
CREATE TABLE usage_intervals (
  device_id TEXT NOT NULL,
  epoch TEXT NOT NULL,
  seq INTEGER NOT NULL,
  start_ms INTEGER NOT NULL,
  end_ms INTEGER NOT NULL,
  body BLOB NOT NULL,
  PRIMARY KEY (device_id, epoch, seq)
) WITHOUT ROWID;
CREATE INDEX usage_intervals_end ON usage_intervals(end_ms);

CREATE TABLE usage_streams (
  device_id TEXT NOT NULL,
  epoch TEXT NOT NULL,
  contiguous_seq INTEGER NOT NULL,
  max_seq INTEGER NOT NULL,
  first_ms INTEGER NOT NULL,
  last_ms INTEGER NOT NULL,
  PRIMARY KEY (device_id, epoch)
) WITHOUT ROWID;

CREATE TABLE usage_device_days (
  day TEXT NOT NULL,
  device_id TEXT NOT NULL,
  on_ms INTEGER NOT NULL,
  up_ms INTEGER NOT NULL,
  used_ms INTEGER NOT NULL,
  locked_ms INTEGER NOT NULL,
  exempt_ms INTEGER NOT NULL,
  intervals INTEGER NOT NULL,
  PRIMARY KEY (day, device_id)
) WITHOUT ROWID;

CREATE TABLE usage_pool_days (
  day TEXT NOT NULL,
  school TEXT NOT NULL,
  pool TEXT NOT NULL,
  kind INTEGER NOT NULL,
  on_ms INTEGER NOT NULL,
  used_ms INTEGER NOT NULL,
  exempt_ms INTEGER NOT NULL,
  PRIMARY KEY (day, school, pool, kind)
) WITHOUT ROWID;

CREATE TABLE usage_exemption_days (
  day TEXT NOT NULL,
  device_id TEXT NOT NULL,
  reason TEXT NOT NULL,
  used_ms INTEGER NOT NULL,
  PRIMARY KEY (day, device_id, reason)
) WITHOUT ROWID;
)sql";

namespace {

struct DayTotals {
  int64_t on_ms = 0;
  int64_t up_ms = 0;
  int64_t used_ms = 0;
  int64_t locked_ms = 0;
  int64_t exempt_ms = 0;
  int64_t intervals = 0;
};

absl::Status Invalid(const std::string& what) {
  return absl::InvalidArgumentError(absl::StrCat("usage batch: ", what));
}

}  // namespace

absl::Status CheckUsageBatch(const v1::UsageBatch& batch) {
  if (batch.epoch().empty() || batch.epoch().size() > kMaxEpochLength) {
    return Invalid(
        absl::StrCat("epoch must have 1 to ", kMaxEpochLength, " characters"));
  }
  if (batch.intervals().empty() ||
      batch.intervals_size() > kMaxIntervalsPerBatch) {
    return Invalid(
        absl::StrCat("send 1 to ", kMaxIntervalsPerBatch, " intervals"));
  }
  int64_t previous = 0;
  for (const v1::UsageInterval& i : batch.intervals()) {
    if (i.seq() <= previous) {
      return Invalid(absl::StrCat("seq ", i.seq(),
                                  " out of order (sequences start at 1 and "
                                  "increase)"));
    }
    previous = i.seq();
    if (!i.has_start() || !i.has_end() ||
        FromProto(i.end()) < FromProto(i.start())) {
      return Invalid(absl::StrCat("interval ", i.seq(),
                                  ": start and end must be set, end >= start"));
    }
    // Ingestion walks an interval day by day (aggregates): a span of
    // centuries would hold the Writer for minutes (found by the AgentLink
    // fuzzer). Agents close their intervals long before this.
    const absl::Time start = FromProto(i.start());
    const absl::Time end = FromProto(i.end());
    if (start < kEarliestUsageTime || end > kLatestUsageTime ||
        end - start > kMaxIntervalSpan) {
      return Invalid(
          absl::StrCat("interval ", i.seq(),
                       ": must lie between 2000 and 2200 and last at "
                       "most ",
                       absl::FormatDuration(kMaxIntervalSpan)));
    }
    if (i.activity().size() > kMaxIntervalText ||
        i.session_id().size() > kMaxIntervalText ||
        i.no_screen_period().size() > kMaxIntervalText ||
        i.exemption_reason().size() > kMaxIntervalText) {
      return Invalid(absl::StrCat("interval ", i.seq(), ": text over ",
                                  kMaxIntervalText, " bytes"));
    }
  }
  return absl::OkStatus();
}

absl::TimeZone SchoolTimeZone(Database& db, const std::string& school) {
  std::string name = kDefaultTimeZone;
  auto find = db.Cached("SELECT timezone FROM schools WHERE name = ?");
  if (find.ok()) {
    (*find)->Bind(1, school);
    auto row = (*find)->Step();
    if (row.ok() && *row) name = (*find)->ColumnText(0);
    (*find)->Reset();
  }
  auto zone = LoadSchoolTimeZone(name);
  if (zone.ok()) return *zone;
  auto paris = LoadSchoolTimeZone(kDefaultTimeZone);
  return paris.ok() ? *paris : absl::UTCTimeZone();
}

absl::StatusOr<UsageStream> LoadUsageStream(Database& db,
                                            const std::string& device_id,
                                            const std::string& epoch) {
  ARDOISE_ASSIGN_OR_RETURN(
      Statement * find,
      db.Cached("SELECT contiguous_seq, max_seq FROM usage_streams WHERE "
                "device_id = ? AND epoch = ?"));
  find->Bind(1, device_id).Bind(2, epoch);
  ARDOISE_ASSIGN_OR_RETURN(bool found, find->Step());
  UsageStream stream;
  if (found) {
    stream.contiguous_seq = find->ColumnInt64(0);
    stream.max_seq = find->ColumnInt64(1);
  }
  find->Reset();
  return stream;
}

absl::StatusOr<v1::UsageAck> UsageAckForHello(Database& db,
                                              const std::string& device_id,
                                              const std::string& epoch,
                                              int64_t next_seq) {
  ARDOISE_ASSIGN_OR_RETURN(UsageStream stream,
                           LoadUsageStream(db, device_id, epoch));
  v1::UsageAck ack;
  ack.set_epoch(epoch);
  ack.set_acked_seq(stream.contiguous_seq);
  // The agent makes its next seq durable before using it: the console can
  // hold one at or above it only if the data folder went back in time.
  ack.set_restart_epoch(stream.max_seq > 0 && stream.max_seq >= next_seq);
  return ack;
}

absl::StatusOr<IngestResult> IngestUsage(Database& db,
                                         const UsagePlacement& placement,
                                         absl::TimeZone zone,
                                         const v1::UsageBatch& batch) {
  IngestResult result;
  result.epoch = batch.epoch();
  ARDOISE_ASSIGN_OR_RETURN(
      const UsageStream stream,
      LoadUsageStream(db, placement.device_id, batch.epoch()));
  ARDOISE_ASSIGN_OR_RETURN(
      Statement * insert,
      db.Cached("INSERT INTO usage_intervals (device_id, epoch, seq, start_ms, "
                "end_ms, body) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO "
                "NOTHING"));
  std::map<absl::CivilDay, DayTotals> days;
  std::map<std::pair<absl::CivilDay, std::string>, int64_t> exemptions;
  int64_t first_ms = INT64_MAX;
  int64_t last_ms = INT64_MIN;
  std::string body;
  absl::CivilDay day;
  absl::Time day_start = absl::InfiniteFuture();
  absl::Time day_end = absl::InfinitePast();
  for (const v1::UsageInterval& interval : batch.intervals()) {
    // Whole milliseconds from here on, so that the per-day pieces add up to
    // exactly end_ms - start_ms.
    const int64_t start_ms = absl::ToUnixMillis(FromProto(interval.start()));
    const int64_t end_ms = absl::ToUnixMillis(FromProto(interval.end()));
    const absl::Time start = absl::FromUnixMillis(start_ms);
    const absl::Time end = absl::FromUnixMillis(end_ms);
    if (interval.seq() <= stream.contiguous_seq) {
      // Stored before (and maybe purged since, past its retention): a
      // duplicate even when the row is gone.
      ++result.duplicates;
      continue;
    }
    body.clear();
    interval.SerializeToString(&body);
    ARDOISE_RETURN_IF_ERROR(insert->Bind(1, placement.device_id)
                                .Bind(2, batch.epoch())
                                .Bind(3, interval.seq())
                                .Bind(4, start_ms)
                                .Bind(5, end_ms)
                                .BindBlob(6, body)
                                .Run());
    if (db.Changes() == 0) {
      ++result.duplicates;
      continue;
    }
    ++result.inserted;
    first_ms = std::min(first_ms, start_ms);
    last_ms = std::max(last_ms, end_ms);
    const bool up = interval.kind() == v1::INTERVAL_KIND_AGENT_UP;
    const bool on = up || interval.kind() == v1::INTERVAL_KIND_BOOT;
    const bool used = up && !interval.locked() && interval.in_use();
    const bool exempt = used && !interval.exemption_reason().empty();
    // Most intervals fall inside the day of the previous one: skip the time
    // zone arithmetic for them.
    std::vector<std::pair<absl::CivilDay, absl::Duration>> pieces;
    if (start >= day_start && end <= day_end && start < end) {
      pieces.emplace_back(day, end - start);
    } else {
      pieces = SplitByLocalDay(start, end, zone);
      if (!pieces.empty()) {
        day = pieces.back().first;
        day_start = zone.At(absl::CivilSecond(day)).pre;
        day_end = zone.At(absl::CivilSecond(day + 1)).pre;
      }
    }
    if (pieces.empty()) {
      ++days[absl::ToCivilDay(start, zone)].intervals;
    }
    for (size_t k = 0; k < pieces.size(); ++k) {
      const int64_t ms = absl::ToInt64Milliseconds(pieces[k].second);
      DayTotals& t = days[pieces[k].first];
      if (k == 0) ++t.intervals;
      if (on) t.on_ms += ms;
      if (up) t.up_ms += ms;
      if (up && interval.locked()) t.locked_ms += ms;
      if (used) t.used_ms += ms;
      if (exempt) {
        t.exempt_ms += ms;
        exemptions[{pieces[k].first, interval.exemption_reason()}] += ms;
      }
    }
  }

  if (result.inserted > 0) {
    ARDOISE_ASSIGN_OR_RETURN(
        Statement * device_day,
        db.Cached("INSERT INTO usage_device_days (day, device_id, on_ms, "
                  "up_ms, used_ms, locked_ms, exempt_ms, intervals) VALUES "
                  "(?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET "
                  "on_ms = on_ms + excluded.on_ms, up_ms = up_ms + "
                  "excluded.up_ms, used_ms = used_ms + excluded.used_ms, "
                  "locked_ms = locked_ms + excluded.locked_ms, exempt_ms = "
                  "exempt_ms + excluded.exempt_ms, intervals = intervals + "
                  "excluded.intervals"));
    ARDOISE_ASSIGN_OR_RETURN(
        Statement * pool_day,
        db.Cached(
            "INSERT INTO usage_pool_days (day, school, pool, kind, on_ms, "
            "used_ms, exempt_ms) VALUES (?, ?, ?, ?, ?, ?, ?) ON "
            "CONFLICT DO UPDATE SET on_ms = on_ms + excluded.on_ms, "
            "used_ms = used_ms + excluded.used_ms, exempt_ms = "
            "exempt_ms + excluded.exempt_ms"));
    for (const auto& [day, t] : days) {
      const std::string day_text = absl::FormatCivilTime(day);
      ARDOISE_RETURN_IF_ERROR(device_day->Bind(1, day_text)
                                  .Bind(2, placement.device_id)
                                  .Bind(3, t.on_ms)
                                  .Bind(4, t.up_ms)
                                  .Bind(5, t.used_ms)
                                  .Bind(6, t.locked_ms)
                                  .Bind(7, t.exempt_ms)
                                  .Bind(8, t.intervals)
                                  .Run());
      ARDOISE_RETURN_IF_ERROR(pool_day->Bind(1, day_text)
                                  .Bind(2, placement.school)
                                  .Bind(3, placement.pool)
                                  .Bind(4, static_cast<int64_t>(placement.kind))
                                  .Bind(5, t.on_ms)
                                  .Bind(6, t.used_ms)
                                  .Bind(7, t.exempt_ms)
                                  .Run());
    }
    if (!exemptions.empty()) {
      ARDOISE_ASSIGN_OR_RETURN(
          Statement * exemption_day,
          db.Cached("INSERT INTO usage_exemption_days (day, device_id, "
                    "reason, used_ms) VALUES (?, ?, ?, ?) ON CONFLICT DO "
                    "UPDATE SET used_ms = used_ms + excluded.used_ms"));
      for (const auto& [key, ms] : exemptions) {
        ARDOISE_RETURN_IF_ERROR(
            exemption_day->Bind(1, absl::FormatCivilTime(key.first))
                .Bind(2, placement.device_id)
                .Bind(3, key.second)
                .Bind(4, ms)
                .Run());
      }
    }
  }

  // The highest contiguous seq: first through this batch (it is sorted),
  // then through rows that arrived earlier out of order.
  const int64_t batch_max = batch.intervals(batch.intervals_size() - 1).seq();
  int64_t contiguous = stream.contiguous_seq;
  for (const v1::UsageInterval& interval : batch.intervals()) {
    if (interval.seq() == contiguous + 1) contiguous = interval.seq();
  }
  if (stream.max_seq > contiguous) {
    ARDOISE_ASSIGN_OR_RETURN(
        Statement * present,
        db.Cached("SELECT 1 FROM usage_intervals WHERE device_id = ? AND "
                  "epoch = ? AND seq = ?"));
    for (;;) {
      present->Bind(1, placement.device_id)
          .Bind(2, batch.epoch())
          .Bind(3, contiguous + 1);
      ARDOISE_ASSIGN_OR_RETURN(bool found, present->Step());
      present->Reset();
      if (!found) break;
      ++contiguous;
    }
  }
  result.acked_seq = contiguous;
  if (result.inserted == 0 && contiguous == stream.contiguous_seq) {
    return result;  // nothing new: leave the stream row alone
  }
  ARDOISE_ASSIGN_OR_RETURN(
      Statement * upsert,
      db.Cached(
          "INSERT INTO usage_streams (device_id, epoch, contiguous_seq, "
          "max_seq, first_ms, last_ms) VALUES (?, ?, ?, ?, ?, ?) ON "
          "CONFLICT DO UPDATE SET contiguous_seq = "
          "excluded.contiguous_seq, max_seq = MAX(max_seq, "
          "excluded.max_seq), first_ms = MIN(first_ms, "
          "excluded.first_ms), last_ms = MAX(last_ms, excluded.last_ms)"));
  if (result.inserted == 0) {
    first_ms = INT64_MAX;
    last_ms = 0;
  }
  ARDOISE_RETURN_IF_ERROR(upsert->Bind(1, placement.device_id)
                              .Bind(2, batch.epoch())
                              .Bind(3, contiguous)
                              .Bind(4, std::max(stream.max_seq, batch_max))
                              .Bind(5, first_ms)
                              .Bind(6, last_ms)
                              .Run());
  return result;
}

absl::StatusOr<int64_t> PurgeUsageIntervals(
    Database& db,
    const std::vector<std::pair<absl::Time, std::vector<std::string>>>&
        cutoffs) {
  // One statement per cutoff, walking the end_ms index over old rows only
  // ("+device_id" keeps the planner off the primary key, which would scan
  // every row of each device).
  ARDOISE_ASSIGN_OR_RETURN(
      Statement * purge,
      db.Cached("DELETE FROM usage_intervals WHERE end_ms < ? AND +device_id "
                "IN (SELECT value FROM json_each(?))"));
  int64_t deleted = 0;
  for (const auto& [cutoff, devices] : cutoffs) {
    if (devices.empty()) continue;
    std::string ids = "[";
    for (size_t i = 0; i < devices.size(); ++i) {
      // Device ids are "d-" and hex: nothing to escape.
      absl::StrAppend(&ids, i == 0 ? "" : ",", "\"", devices[i], "\"");
    }
    ids += "]";
    ARDOISE_RETURN_IF_ERROR(
        purge->Bind(1, absl::ToUnixMillis(cutoff)).Bind(2, ids).Run());
    deleted += db.Changes();
  }
  return deleted;
}

}  // namespace ardoise
