// The agent: one per device, a system service. It enforces what the console
// wants — also while offline, from what it stored — and tells the console
// what the device shows.
//
// At start it re-applies the stored desired state before dialling, so a
// device that reboots while locked comes up locked. Then it runs two
// threads: the ConsoleLink's (messages in) and a ticker that re-decides
// when something is due — a schedule boundary, an expiry, a step end or the
// daily limit (Decision::valid_until), a usage cut or alive refresh, the
// progress save every 30 s, the state report each heartbeat, a usage resend,
// the moment an unlocked device's user turns idle — and sleeps in between
// (an idle agent wakes a few times a minute, not every second). An unlocked
// device whose user is already idle is looked at every second, to see them
// come back. Every message from the console wakes the ticker to recompute.
// A change of the wall clock is seen at the next wake-up (at most the usage
// alive refresh, 15 s, away).
// Free use is counted with the monotonic clock. After the first Welcome the
// agent unmaps the library pages only starting used (common/startup_pages.h).
//
// Usage: every decision also feeds the UsageRecorder (intervals committed to
// the outbox in agent.db); a UsageSender (common/usage_sender.h) sends each
// cut at once and the console acks lazily, after its durable commit; the
// agent asks for an ack at once after a reconnect, for a full batch of a
// backlog (one in flight at a time, kUsageBatchSize intervals) and for
// what waited too long, and resends from the oldest when that ack does not
// come. Intervals leave the outbox only when acked.
//
// Thread safety: Start/Stop from one thread; the rest is internal.
#ifndef ARDOISE_AGENT_AGENT_H_
#define ARDOISE_AGENT_AGENT_H_

#include <atomic>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "agent/enforce/agent_store.h"
#include "agent/enforce/usage_recorder.h"
#include "agent/link/console_link.h"
#include "agent/platform/platform.h"
#include "common/clock.h"
#include "common/decide.h"
#include "common/schedule_clock.h"
#include "common/usage_ledger.h"
#include "common/usage_sender.h"

namespace ardoise {

struct AgentOptions {
  std::string data_dir;
  std::string console_override;  // empty: the console it enrolled with
  absl::Duration backoff_max = absl::Seconds(30);
  const Clock* clock = Clock::Real();
  // When the device booted (wall clock); InfinitePast = read /proc/stat.
  // The sim platform passes the agent's start.
  absl::Time boot_time = absl::InfinitePast();
  // Usage intervals are cut at least this often while nothing changes.
  absl::Duration usage_cut_every = absl::Seconds(60);
};

struct EnrollOptions {
  std::string console;  // HOST:PORT
  std::string token;    // ID.SECRET.sha256:HEX (common/enrollment_token.h)
  std::string data_dir;
  std::string name;
  v1::DeviceKind kind = v1::DEVICE_KIND_TABLET;
  absl::Duration timeout = absl::Seconds(15);  // per step
};

// Exchanges a token for an identity and node key and stores both. First it
// reads the console's certificate chain with a bare TLS handshake and keeps
// the CA whose pin the token carries (DATA_DIR/ca.pem); only then does it
// send the token's credential, over a channel that trusts that CA alone.
// PERMISSION_DENIED, before anything is sent, when the console presents
// another CA; INVALID_ARGUMENT for a malformed token; FAILED_PRECONDITION
// when DATA_DIR is already enrolled.
absl::StatusOr<Identity> Enroll(const EnrollOptions& options);

class Agent final : public ConsoleLink::Delegate {
 public:
  static absl::StatusOr<std::unique_ptr<Agent>> Create(
      const AgentOptions& options, std::unique_ptr<Platform> platform);
  ~Agent() override;
  Agent(const Agent&) = delete;
  Agent& operator=(const Agent&) = delete;

  void Start();
  void Stop();  // Idempotent; saves progress.

  const Identity& identity() const { return identity_; }

  // ConsoleLink::Delegate
  v1::Hello MakeHello() override;
  void OnMessage(const v1::ConsoleMessage& message) override;
  void OnDisconnected(const absl::Status& status) override;

 private:
  Agent(const AgentOptions& options, std::unique_ptr<Platform> platform,
        std::unique_ptr<AgentStore> store, Identity identity,
        std::string node_key, std::string console_ca);
  // Counts use since the last call, decides, shows and, when something
  // changed (or `report` is set), sends a state report.
  void Enforce(bool report) ABSL_LOCKS_EXCLUDED(mu_);
  void ApplyPolicyLocked(v1::EffectivePolicy policy)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void SaveProgressLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  v1::DeviceState StateLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Stores a rotated node key and acks it (docs/security.md).
  void HandleRekey(const v1::RekeyNodeKey& rekey);
  void HandleCommand(const v1::Command& command);
  void Tick();
  // Wakes the ticker to recompute its deadline (something arrived).
  void Poke() ABSL_LOCKS_EXCLUDED(tick_mu_);
  bool TickWokenLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(tick_mu_) {
    return stopping_ || poked_;
  }
  // The monotonic time (agent clock) by which the ticker must run again.
  absl::Duration NextWake() ABSL_LOCKS_EXCLUDED(mu_, usage_mu_);
  UsageState UsageStateLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Sends to the console, noting when (any message counts as a heartbeat).
  bool SendToConsole(const v1::AgentMessage& message);
  // When the last message went out (monotonic, agent clock).
  absl::Duration LastSent() const;
  // Sends the next usage batch if none is in flight (or it timed out).
  void PumpUsage() ABSL_LOCKS_EXCLUDED(usage_mu_);
  void HandleUsageAck(const v1::UsageAck& ack) ABSL_LOCKS_EXCLUDED(usage_mu_);

  const AgentOptions options_;
  const std::unique_ptr<Platform> platform_;
  const std::unique_ptr<AgentStore> store_;
  const Identity identity_;
  std::unique_ptr<ConsoleLink> link_;

  // What the agent enforces, in memory; every change is written through to
  // the store before it takes effect. One mutex serializes enforcement.
  absl::Mutex mu_;
  v1::ManualLock manual_lock_ ABSL_GUARDED_BY(mu_);
  v1::SessionState session_ ABSL_GUARDED_BY(mu_);
  int session_step_ ABSL_GUARDED_BY(mu_) = 0;  // the step last decided
  v1::EffectivePolicy policy_ ABSL_GUARDED_BY(mu_);
  std::optional<absl::TimeZone> time_zone_ ABSL_GUARDED_BY(mu_);
  int64_t last_command_seq_ ABSL_GUARDED_BY(mu_) = 0;
  std::string last_message_ ABSL_GUARDED_BY(mu_);
  ScheduleClock schedule_ ABSL_GUARDED_BY(mu_);
  UsageLedger ledger_ ABSL_GUARDED_BY(mu_);
  Decision decision_ ABSL_GUARDED_BY(mu_);
  absl::Duration free_use_today_ ABSL_GUARDED_BY(mu_);
  absl::Duration counted_until_ ABSL_GUARDED_BY(mu_);  // monotonic
  absl::Duration saved_at_ ABSL_GUARDED_BY(mu_);       // monotonic
  v1::DeviceState last_sent_ ABSL_GUARDED_BY(mu_);
  // When the last decision stops holding by itself (monotonic), see Enforce.
  absl::Duration next_due_ ABSL_GUARDED_BY(mu_) = absl::ZeroDuration();
  UsageRecorder usage_ ABSL_GUARDED_BY(mu_);

  // What of the outbox is sent on the current stream.
  absl::Mutex usage_mu_;
  UsageSender usage_sender_ ABSL_GUARDED_BY(usage_mu_);

  // When the last message went out (monotonic, agent clock, µs).
  std::atomic<int64_t> sent_at_us_{std::numeric_limits<int64_t>::min()};

  absl::Mutex tick_mu_;
  bool stopping_ ABSL_GUARDED_BY(tick_mu_) = false;
  bool poked_ ABSL_GUARDED_BY(tick_mu_) = false;
  absl::Duration heartbeat_ ABSL_GUARDED_BY(tick_mu_) = absl::Seconds(30);
  std::thread ticker_;
  bool started_ = false;
  bool started_up_ = false;  // link thread only: startup pages released
};

// Use stops counting after this long without input (DESIGN.md: idle time is
// not use).
inline constexpr absl::Duration kIdleIsNotUse = absl::Minutes(2);
// An unlocked device whose user is idle is looked at this often, to count
// use again promptly when they come back.
inline constexpr absl::Duration kInputPoll = absl::Seconds(1);
// A deadline whose work failed (a disk error) is retried after this long.
inline constexpr absl::Duration kRetryAfter = absl::Seconds(1);
// The ledger and confirmed time reach the disk at least this often.
inline constexpr absl::Duration kSaveProgressEvery = absl::Seconds(30);
// Usage intervals per batch, and how long a batch that asked for its ack
// waits for it before the outbox is sent again on the same stream.
inline constexpr int kUsageBatchSize = 500;
inline constexpr absl::Duration kUsageResendAfter = absl::Seconds(10);

}  // namespace ardoise

#endif  // ARDOISE_AGENT_AGENT_H_
