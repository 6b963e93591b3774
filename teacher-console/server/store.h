// The console's SQLite schema and the statements that change it. Every
// function taking a Database& runs on the Writer thread, inside the batch
// transaction the Writer opened; they never commit by themselves.
//
// Times are stored as Unix milliseconds; protobuf messages (desired lock,
// commands, reported state) as serialized blobs, so adding a field needs no
// migration.
#ifndef ARDOISE_TEACHER_CONSOLE_SERVER_STORE_H_
#define ARDOISE_TEACHER_CONSOLE_SERVER_STORE_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ardoise/v1/agent_link.pb.h"
#include "ardoise/v1/console.pb.h"
#include "common/sqlite.h"
#include "teacher-console/server/registry.h"

namespace ardoise {

// Schema migrations, index i bringing user_version i to i + 1.
const std::vector<std::string>& ConsoleMigrations();

// Opens (creating if asked) DATA_DIR/console.db and migrates it.
absl::StatusOr<std::unique_ptr<Database>> OpenConsoleDatabase(
    const std::string& data_dir, bool create);

// Reads every device with its desired lock and pending commands.
absl::StatusOr<std::vector<DeviceRecord>> LoadDevices(Database& db);

struct NewToken {
  std::string token;  // "<id>.<secret>", shown once
  std::string id;
  absl::Time expires_at;
  int uses = 1;
};
absl::StatusOr<NewToken> CreateToken(Database& db, const std::string& school,
                                     const std::string& pool, int uses,
                                     absl::Duration ttl, absl::Time now,
                                     const std::string& actor);

struct Enrolled {
  DeviceRecord record;
  std::string node_key;  // plaintext, returned to the agent once
};
// Checks the token (hash, expiry, uses left), consumes one use and inserts
// the device. PERMISSION_DENIED for a bad token, ALREADY_EXISTS for a name in
// use, INVALID_ARGUMENT for a bad name or kind.
absl::StatusOr<Enrolled> EnrollDevice(Database& db, const std::string& token,
                                      const std::string& name,
                                      v1::DeviceKind kind, absl::Time now);

// Stores a new manual lock version for each device; returns them in order.
absl::StatusOr<std::vector<v1::ManualLock>> StoreLocks(
    Database& db, const std::vector<std::string>& device_ids, bool locked,
    const std::string& message, absl::Time expires_at,
    const std::string& actor);

// Stores a one-off command for each device with its next sequence number.
absl::StatusOr<std::vector<v1::Command>> StoreCommands(
    Database& db, const std::vector<std::string>& device_ids,
    const v1::Command& prototype);

// Deletes an acknowledged command (a repeated ack is harmless).
absl::Status DeleteCommand(Database& db, const std::string& device_id,
                           int64_t seq);
// Deletes commands that expired before `now`; returns how many.
absl::StatusOr<int> PurgeExpiredCommands(Database& db, absl::Time now);

absl::Status RetireDevice(Database& db, const std::string& device_id,
                          absl::Time now);
// Node key rotation (docs/security.md). StartRekey draws a new key and
// keeps it pending beside the current one (replacing an earlier pending
// one); FAILED_PRECONDITION for a retired or unknown device.
absl::StatusOr<std::string> StartRekey(Database& db,
                                       const std::string& device_id);
// Makes the pending key current when `key_hash` (hex SHA-256) is its hash:
// the agent stored it. False (nothing changed) otherwise.
absl::StatusOr<bool> CommitRekey(Database& db, const std::string& device_id,
                                 const std::string& key_hash);
absl::Status AddDeviceFlag(Database& db, const std::string& device_id,
                           const std::string& flag);
absl::Status WriteLive(Database& db, const std::vector<LiveUpdate>& updates);

// The policy files in force and the set's version (0 = never applied).
struct StoredPolicyFile {
  std::string name;
  std::string content;
};
struct StoredPolicies {
  int64_t version = 0;
  std::vector<StoredPolicyFile> files;
};
absl::StatusOr<StoredPolicies> LoadPolicies(Database& db);
// Stores a new version in which each (scope, file) replaces the file of that
// scope; returns the version number.
absl::StatusOr<int64_t> StorePolicies(
    Database& db,
    const std::vector<std::pair<std::string, StoredPolicyFile>>& files_by_scope,
    absl::Time now, const std::string& actor);

// The school model (DESIGN.md, "School model"). Each Insert* checks its
// message (names, references, levels, groups, dates) and returns it as
// stored: INVALID_ARGUMENT or NOT_FOUND naming the problem and the fix,
// ALREADY_EXISTS for a name (or assignment) already taken.
absl::StatusOr<v1::School> InsertSchool(Database& db, v1::School school,
                                        absl::Time now);
absl::StatusOr<v1::Pool> InsertPool(Database& db, v1::Pool pool,
                                    absl::Time now);
absl::StatusOr<v1::Class> InsertClass(Database& db, v1::Class klass,
                                      absl::Time now);
absl::StatusOr<v1::TeacherAssignment> InsertAssignment(
    Database& db, v1::TeacherAssignment assignment, absl::Time now);
// Sorted as the List rpcs say. An empty filter means all; a filter naming
// nothing that exists is NOT_FOUND.
absl::StatusOr<std::vector<v1::School>> LoadSchools(Database& db);
absl::StatusOr<std::vector<v1::Pool>> LoadPools(Database& db,
                                                const std::string& school);
absl::StatusOr<std::vector<v1::Class>> LoadClasses(Database& db,
                                                   const std::string& school);
absl::StatusOr<std::vector<v1::TeacherAssignment>> LoadAssignments(
    Database& db, const std::string& class_name);

// A "YYYY-MM-DD" column as a v1::Date (all zero when it does not parse).
v1::Date DateOfText(const std::string& text);

// Appends one line to the append-only audit trail.
absl::Status AppendAudit(Database& db, absl::Time at, const std::string& actor,
                         const std::string& action, const std::string& target,
                         const std::string& outcome,
                         const std::string& detail = "");

}  // namespace ardoise

#endif  // ARDOISE_TEACHER_CONSOLE_SERVER_STORE_H_
