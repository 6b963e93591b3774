// Usage on the console side (DESIGN.md, Protocol: "usage is at-least-once,
// stored exactly once"): idempotent ingestion of the agents' interval
// batches, the daily aggregates the reports read, and the retention purge.
//
// Contract:
//  - Raw intervals are keyed by (device, epoch, seq); a batch seen twice, or
//    overlapping one already stored, inserts nothing twice, and the daily
//    aggregates change only for rows really inserted (same transaction).
//  - The acknowledgement is the highest *contiguous* sequence of the
//    (device, epoch): every seq from 1 to it is stored. The caller sends it
//    only after the Writer's durable commit (its done callback).
//  - Daily aggregates are per device and per (school, pool, kind), per local
//    day in the school's time zone (an interval over midnight is split).
//    They survive the purge of raw intervals.
//
// Every function taking a Database& runs on the Writer thread inside its
// batch transaction (like store.h). Intervals are cut at local midnights
// with common/half_day.h's SplitByLocalDay.
//
// Thread safety: pure functions or functions of the Database passed in.
#ifndef ARDOISE_TEACHER_CONSOLE_SERVER_USAGE_STORE_H_
#define ARDOISE_TEACHER_CONSOLE_SERVER_USAGE_STORE_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "ardoise/v1/usage.pb.h"
#include "common/half_day.h"
#include "common/sqlite.h"

namespace ardoise {

// Schema migration that adds the usage tables (see ConsoleMigrations).
extern const char kUsageSchema[];

// Bounds on what one agent may send at once.
inline constexpr int kMaxIntervalsPerBatch = 1000;
inline constexpr size_t kMaxEpochLength = 64;
inline constexpr size_t kMaxIntervalText = 512;
inline constexpr absl::Duration kMaxIntervalSpan = absl::Hours(31 * 24);
inline const absl::Time kEarliestUsageTime = absl::FromUnixSeconds(946684800);
inline const absl::Time kLatestUsageTime = absl::FromUnixSeconds(7258118400);

// Checks a batch from an agent: epoch present and short, 1 to
// kMaxIntervalsPerBatch intervals in increasing seq order, seq >= 1,
// end >= start, both set, within 2000-2200 and at most kMaxIntervalSpan
// long, strings bounded. INVALID_ARGUMENT naming the
// problem.
absl::Status CheckUsageBatch(const v1::UsageBatch& batch);

// Where a device sits when its batch arrives; aggregates are kept under it.
struct UsagePlacement {
  std::string device_id;
  std::string school;
  std::string pool;
  v1::DeviceKind kind = v1::DEVICE_KIND_UNSPECIFIED;
};

// The school's time zone (schools table), Europe/Paris when the school is
// not in the school model or its zone cannot be loaded.
absl::TimeZone SchoolTimeZone(Database& db, const std::string& school);

struct IngestResult {
  std::string epoch;
  int64_t inserted = 0;    // rows new to the console
  int64_t duplicates = 0;  // rows it already held
  int64_t acked_seq = 0;   // highest contiguous seq now stored
};

// Stores a checked batch (CheckUsageBatch) for a device.
absl::StatusOr<IngestResult> IngestUsage(Database& db,
                                         const UsagePlacement& placement,
                                         absl::TimeZone zone,
                                         const v1::UsageBatch& batch);

// What the console holds of one (device, epoch).
struct UsageStream {
  int64_t contiguous_seq = 0;  // 0 = nothing yet
  int64_t max_seq = 0;
};
absl::StatusOr<UsageStream> LoadUsageStream(Database& db,
                                            const std::string& device_id,
                                            const std::string& epoch);

// The UsageAck for an agent's Hello: what is stored of its epoch, and
// restart_epoch when the console already holds a seq >= `next_seq` (a data
// folder restored from an image).
absl::StatusOr<v1::UsageAck> UsageAckForHello(Database& db,
                                              const std::string& device_id,
                                              const std::string& epoch,
                                              int64_t next_seq);

// Deletes raw intervals that ended before their device's cutoff: each entry
// is (cutoff, device ids). Aggregates stay. Returns the rows deleted.
absl::StatusOr<int64_t> PurgeUsageIntervals(
    Database& db,
    const std::vector<std::pair<absl::Time, std::vector<std::string>>>&
        cutoffs);

}  // namespace ardoise

#endif  // ARDOISE_TEACHER_CONSOLE_SERVER_USAGE_STORE_H_
