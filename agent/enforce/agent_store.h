// The agent's durable state in DATA_DIR (DESIGN.md: /var/lib/ardoise-agent):
// its identity, the desired state it holds (so a reboot or a restart does
// not unlock a locked device), the last one-off command it executed (so a
// resent command runs once), the console clock offset, and the usage
// outbox: intervals keyed by (epoch, seq), kept until the console acks them.
//
// DATA_DIR/agent.db is SQLite (WAL, synchronous=FULL: every change here is
// small and must survive a power cut); DATA_DIR/node.key holds the node key,
// mode 0600, separate so that it never ends up in a support dump of the db;
// DATA_DIR/ca.pem is the console's CA, pinned at enrollment: the only
// authority the agent trusts for its console.
//
// Thread safety: all methods are thread-safe (one mutex around the
// connection).
#ifndef ARDOISE_AGENT_ENFORCE_AGENT_STORE_H_
#define ARDOISE_AGENT_ENFORCE_AGENT_STORE_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "ardoise/v1/device.pb.h"
#include "ardoise/v1/policy.pb.h"
#include "ardoise/v1/session.pb.h"
#include "ardoise/v1/usage.pb.h"
#include "common/sqlite.h"

namespace ardoise {

struct Identity {
  std::string device_id;
  std::string name;
  v1::DeviceKind kind = v1::DEVICE_KIND_UNSPECIFIED;
  std::string console;  // HOST:PORT it enrolled with
  std::string school;
  std::string pool;
};

class AgentStore final {
 public:
  // Opens DATA_DIR/agent.db, creating the folder (0700) and file if `create`.
  static absl::StatusOr<std::unique_ptr<AgentStore>> Open(
      const std::string& data_dir, bool create);
  AgentStore(const AgentStore&) = delete;
  AgentStore& operator=(const AgentStore&) = delete;

  // NOT_FOUND (with the enroll command to run) before enrollment.
  absl::StatusOr<Identity> LoadIdentity();
  absl::Status SaveIdentity(const Identity& identity);
  absl::StatusOr<std::string> LoadNodeKey();
  absl::Status SaveNodeKey(const std::string& node_key);
  // The console's CA (PEM). NOT_FOUND, saying to enroll again, when missing
  // (a device enrolled before TLS).
  absl::StatusOr<std::string> LoadConsoleCa();
  absl::Status SaveConsoleCa(const std::string& ca_pem);

  v1::ManualLock manual_lock();
  absl::Status SetManualLock(const v1::ManualLock& lock);
  // The session state the device holds (empty when none ever arrived).
  v1::SessionState session();
  absl::Status SetSession(const v1::SessionState& session);

  int64_t last_command_seq();
  std::string last_message_shown();
  // Records that command `seq` ran (and what it showed, if anything).
  absl::Status RecordCommand(int64_t seq, const std::string& message_shown);

  // console time - local wall time, as measured at the last Welcome.
  absl::Duration clock_offset();
  absl::Status SetClockOffset(absl::Duration offset);

  // The effective policy it enforces (version 0 = none yet).
  v1::EffectivePolicy policy();
  absl::Status SetPolicy(const v1::EffectivePolicy& policy);

  // What the enforcement loop saves at least every 30 s and at shutdown: the
  // last confirmed schedule time (ScheduleClock) and the daily-use ledger
  // (UsageLedger::Serialize), in one transaction.
  struct Progress {
    absl::Time confirmed = absl::InfinitePast();
    std::string ledger;
  };
  Progress progress();
  absl::Status SetProgress(const Progress& progress);

  // ---- Usage outbox (DESIGN.md, Protocol: usage) ----
  //
  // The epoch is random per data folder: made (and stored) the first time
  // the outbox is used, so a wiped or re-imaged folder starts a new one and
  // never reuses a (device, epoch, seq) key. Sequence numbers start at 1 and
  // have no gaps within an epoch. Besides the outbox the store keeps the
  // folder's lifetime totals (intervals and milliseconds recorded), updated
  // in the same transaction as each append, so the agent can tell what it
  // recorded independently of what the console says.
  struct UsageTotals {
    std::string epoch;
    int64_t next_seq = 1;
    int64_t recorded = 0;     // intervals ever appended
    int64_t recorded_ms = 0;  // their summed length
    int64_t pending = 0;      // intervals in the outbox (not acked)
  };
  absl::StatusOr<UsageTotals> usage_totals();

  // The interval being recorded (not yet committed to the outbox) and the
  // last time the agent was known alive, for recovery after a crash; the
  // boot time the agent last recorded. `open` unset = none (clean stop).
  struct UsageOpen {
    std::optional<v1::UsageInterval> open;
    absl::Time alive = absl::InfinitePast();
    absl::Time boot = absl::InfinitePast();
  };
  UsageOpen usage_open();
  absl::Status SetUsageAlive(absl::Time alive);

  // In one transaction: appends `closed` (assigning seqs from next_seq, in
  // order), adds them to the totals, and replaces the open interval with
  // `open` (null = none) and the alive time; `boot` when set replaces the
  // recorded boot time. Committed = recorded. Returns the last seq assigned
  // (0 when `closed` is empty).
  absl::StatusOr<int64_t> AppendUsage(std::vector<v1::UsageInterval> closed,
                                      const v1::UsageInterval* open,
                                      absl::Time alive,
                                      absl::Time boot = absl::InfinitePast());

  // The oldest intervals of the outbox with seq > `after_seq` (at most
  // `limit`), as a batch of the current epoch; no intervals when there are
  // none.
  absl::StatusOr<v1::UsageBatch> PendingUsage(int limit, int64_t after_seq = 0);
  // Deletes every interval of `epoch` with seq <= `seq` (the console acked
  // them) and returns true; nothing for another epoch (false).
  absl::StatusOr<bool> AckUsage(const std::string& epoch, int64_t seq);
  // Starts `new_epoch` and renumbers what the outbox still holds from 1,
  // in order (the console said the folder reused an epoch).
  absl::Status RestartUsageEpoch(const std::string& new_epoch);

 private:
  AgentStore(std::string data_dir, std::unique_ptr<Database> db);
  absl::StatusOr<std::string> EpochLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<std::string> GetLocked(const std::string& key)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status PutLocked(const std::string& key, const std::string& value)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string data_dir_;
  absl::Mutex mu_;
  std::unique_ptr<Database> db_ ABSL_GUARDED_BY(mu_);
};

}  // namespace ardoise

#endif  // ARDOISE_AGENT_ENFORCE_AGENT_STORE_H_
