// The sessions' part of the console's SQLite schema (migration v4) and the
// statements that change it. Like store.h: every function runs on the Writer
// thread inside the batch transaction the Writer opened.
//
// Tables:
//   sessions     one row per session; `record` is a serialized SessionRecord;
//                ended_at NULL while it runs (at most one per class: a
//                unique partial index).
//   class_usage  running time charged to a class (group '' = the whole
//                class) per local day, with its ISO week: the weekly
//                half-day's consumption, kept as data arrives so budgets and
//                reports never scan sessions.
//   devices.session  the SessionState each device should hold.
#ifndef ARDOISE_TEACHER_CONSOLE_SERVER_SESSION_STORE_H_
#define ARDOISE_TEACHER_CONSOLE_SERVER_SESSION_STORE_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "ardoise/v1/session.pb.h"
#include "common/school_time.h"
#include "common/sqlite.h"

namespace ardoise {

// The v4 migration.
extern const char kSessionSchema[];

// Stores `state` (with a new per-device version: the device's previous one
// plus one) as the session state of each device; returns them in order.
absl::StatusOr<std::vector<v1::SessionState>> StoreSessionStates(
    Database& db, const std::vector<std::string>& device_ids,
    const v1::SessionState& state);

// Inserts or replaces a session's row. ALREADY_EXISTS when inserting a
// running session for a class that already runs one.
absl::Status SaveSession(Database& db, const v1::SessionRecord& record);

// Every session still running (ended_at NULL), for the console's start.
absl::StatusOr<std::vector<v1::SessionRecord>> LoadRunningSessions(
    Database& db);

// The latest session of a class (running or ended); NOT_FOUND if none.
absl::StatusOr<v1::SessionRecord> LoadLastSession(
    Database& db, const std::string& class_name);

// Adds running time to a class's (group's) days.
absl::Status ChargeClassUsage(
    Database& db, const std::string& school, const std::string& class_name,
    const std::string& group,
    const std::vector<std::pair<absl::CivilDay, absl::Duration>>& days);

// Running time charged to each group of a class in an ISO week, seconds, by
// group ('' = whole-class sessions).
absl::StatusOr<std::map<std::string, int64_t>> ClassWeekUsage(
    Database& db, const std::string& class_name, IsoWeek week);

// Sessions of a class started in [from, to), by group: how many, and the
// reasons of those started with an override.
struct WeekSessions {
  int count = 0;
  std::vector<std::string> override_reasons;
};
absl::StatusOr<std::map<std::string, WeekSessions>> ClassWeekSessions(
    Database& db, const std::string& class_name, absl::Time from,
    absl::Time to);

}  // namespace ardoise

#endif  // ARDOISE_TEACHER_CONSOLE_SERVER_SESSION_STORE_H_
