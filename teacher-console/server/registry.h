// The console's in-memory view of every device: what the registry holds in
// SQLite (identity, desired state, pending commands) plus what only lives in
// memory (the live stream, last report, last seen). Reactors read and update
// it without touching SQLite; durable changes are written by the Writer first
// and applied here from its done callbacks, so memory never runs ahead of the
// disk for anything that is sent to a device.
//
// Thread safety: every method is thread-safe (one absl::Mutex). Messages are
// queued on a device's stream under that mutex, which keeps desired state
// and commands in commit order on the wire; LinkHandle::Push must therefore
// only queue, never block or call back into the Registry. The write itself
// (TLS, a system call) starts in LinkHandle::Flush, after the mutex is
// released: a lock to 10,000 devices does not hold up their acks.
#ifndef ARDOISE_TEACHER_CONSOLE_SERVER_REGISTRY_H_
#define ARDOISE_TEACHER_CONSOLE_SERVER_REGISTRY_H_

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "ardoise/v1/agent_link.pb.h"
#include "ardoise/v1/console.pb.h"
#include "ardoise/v1/policy.pb.h"
#include "ardoise/v1/session.pb.h"
#include "common/clock.h"

namespace ardoise {

// A device's live stream, as the registry sees it. Implemented by the
// Connect reactor.
class LinkHandle {
 public:
  virtual ~LinkHandle() = default;
  // Queues a message for the device. Must not block. True when nothing was
  // being written: the caller must then call Flush() once, after releasing
  // its locks, and the link stays alive until it does.
  virtual bool Push(v1::ConsoleMessage message) = 0;
  // Starts writing what Push queued (only after Push returned true).
  virtual void Flush() = 0;
  // Ends the stream with this status. Must not block.
  virtual void Close(absl::Status status) = 0;
};

// One device, as stored and as last heard from.
struct DeviceRecord {
  std::string id;
  std::string name;
  v1::DeviceKind kind = v1::DEVICE_KIND_UNSPECIFIED;
  std::string school;
  std::string pool;
  std::string key_hash;  // hex SHA-256 of the node key
  // The key a rotation is moving to, until the agent acks it ('' = none);
  // both keys open a stream meanwhile.
  std::string pending_key;
  absl::Time enrolled_at;
  bool retired = false;
  std::vector<std::string> flags;
  v1::ManualLock desired_lock;
  std::map<int64_t, v1::Command> pending;  // by seq
  // The session holding the device (session_id empty = none).
  v1::SessionState desired_session;
  // Derived from the policy set and the holding session's class (never
  // stored): what the device should run.
  v1::EffectivePolicy desired_policy;

  // Live: kept in memory, flushed to SQLite in batches.
  absl::Time last_seen = absl::InfinitePast();
  std::string agent_version;
  v1::DeviceState state;
};

// What the flusher writes back for a device whose live fields changed.
struct LiveUpdate {
  std::string id;
  absl::Time last_seen;
  std::string agent_version;
  v1::DeviceState state;
};

class Registry final {
 public:
  // Computes a device's effective policy from the current policy set. Called
  // under the registry's mutex: it must not call back into the Registry.
  using PolicyFn = std::function<v1::EffectivePolicy(const DeviceRecord&)>;

  // `heartbeat` is the period agents report at: a device is online while its
  // stream is live and it was heard from within two periods.
  Registry(const Clock* clock, absl::Duration heartbeat, PolicyFn policy_for);
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  absl::Duration heartbeat() const { return heartbeat_; }

  // Replaces everything (at startup, from SQLite).
  void Load(std::vector<DeviceRecord> devices);

  // Checks a stream's credentials and claims the device for `link`.
  // UNAUTHENTICATED for an unknown or retired device or a wrong key,
  // ALREADY_EXISTS when another stream holds the device and its agent
  // reported within the last 1.5 heartbeats (the caller flags it); a holder
  // that missed its report is closed and replaced.
  // The pending key of a rotation is accepted too; `*pending_key_used` (if
  // given) then says so, and the caller commits the rotation (the agent
  // stored the key, its ack was lost).
  absl::Status Attach(const std::string& device_id, const std::string& node_key,
                      LinkHandle* link, bool* pending_key_used = nullptr);
  // Releases the device if `link` holds it, remembering when it was last seen.
  void Detach(const std::string& device_id, LinkHandle* link);

  // Handles the agent's Hello: records what it reports and pushes, in
  // order, a Welcome, the desired state that differs and every pending,
  // unexpired command above the agent's last executed one. From then on the
  // device receives pushes.
  void OnHello(const std::string& device_id, const v1::Hello& hello,
               LinkHandle* link);
  // Records a state report (and liveness).
  void OnReport(const std::string& device_id, const v1::DeviceState& state);
  // Records liveness only: any message from the agent counts as its
  // heartbeat (a usage batch, an ack), so it skips the report then.
  void Heard(const std::string& device_id);

  // Applied after durable commits; each pushes to the device when connected.
  void AddDevice(DeviceRecord record);
  void SetDesiredLock(const std::string& device_id, const v1::ManualLock& lock);
  void AddCommand(const std::string& device_id, const v1::Command& command);
  void RemoveCommand(const std::string& device_id, int64_t seq);
  void Retire(const std::string& device_id);
  // A rotation started (StartRekey committed): sends the key to the device's
  // welcomed stream now (true) or after its next Hello (false).
  bool SetPendingKey(const std::string& device_id, const std::string& key);
  // A rotation committed (CommitRekey returned true): only the key whose
  // hash is `key_hash` opens a stream from now on.
  void CommitRekey(const std::string& device_id, const std::string& key_hash);
  void AddFlag(const std::string& device_id, const std::string& flag);
  // Sets the session state of each device (states[i] for device_ids[i]),
  // recomputes its effective policy (class-scoped layers follow the
  // session) and pushes both.
  void SetDesiredSessions(const std::vector<std::string>& device_ids,
                          const std::vector<v1::SessionState>& states);
  // Sends a message to the device's live, welcomed stream, if any (e.g. a
  // UsageAck after the durable commit); dropped otherwise, so only for
  // messages the device gets again on reconnect.
  void PushTo(const std::string& device_id, v1::ConsoleMessage message);
  // Recomputes every device's effective policy (after a policy set change)
  // and pushes those whose version or class changed; returns how many
  // changed.
  int RefreshPolicies();
  // Forgets commands that expired before `now` (purged from SQLite too).
  void DropExpiredCommands(absl::Time now);

  // Resolves a target to device ids (sorted), with a description such as
  // "pool salle-12". NOT_FOUND / INVALID_ARGUMENT with a hint otherwise.
  absl::StatusOr<std::vector<std::string>> Resolve(
      const v1::Target& target, std::string* described) const;
  // A device by id or name, as the API shows it.
  absl::StatusOr<v1::Device> Get(const std::string& id_or_name) const;
  std::vector<v1::Device> List(const v1::ListDevicesRequest& filter) const;
  // Devices in service in any of `pools`, sorted by id.
  std::vector<v1::Device> InPools(const std::vector<std::string>& pools) const;
  // Where a device is, without building its whole API view (a usage batch
  // needs only this). NOT_FOUND for an unknown id.
  struct Place {
    std::string school;
    std::string pool;
    v1::DeviceKind kind = v1::DEVICE_KIND_UNSPECIFIED;
  };
  absl::StatusOr<Place> PlaceOf(const std::string& id) const;
  // The school of each device (ids[i] → result[i]; "" for an unknown id).
  std::vector<std::string> SchoolsOf(const std::vector<std::string>& ids) const;
  // The devices with these ids (unknown ids skipped), in order.
  std::vector<v1::Device> GetMany(const std::vector<std::string>& ids) const;

  // Live fields changed since the last call.
  std::vector<LiveUpdate> TakeDirty();

  // Closes every stream that delivered nothing for longer than `silence`
  // before `real_now` (real time, whatever the clock: a tablet that
  // vanished without closing its connection); returns how many. The console
  // calls it every few seconds with 2 heartbeats + 10 s, in place of
  // per-stream keepalive timers (docs/protocol.md).
  int CloseSilent(absl::Time real_now, absl::Duration silence);

 private:
  struct Entry {
    DeviceRecord record;
    LinkHandle* link = nullptr;  // the live stream, if any
    bool welcomed = false;       // Hello handled: pushes go out
    // When `link` attached or last delivered a message: on the registry's
    // clock, and in real time (for CloseSilent).
    absl::Time link_heard = absl::InfinitePast();
    absl::Time link_heard_real = absl::InfinitePast();
    bool dirty = false;
  };
  const Entry* FindLocked(const std::string& id_or_name) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Entry* FindByIdLocked(const std::string& id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  v1::Device ToApiLocked(const Entry& entry) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The links to flush once the mutex is released: declare one before the
  // MutexLock, so that it flushes after the unlock.
  class Flusher {
   public:
    Flusher() = default;
    Flusher(const Flusher&) = delete;
    Flusher& operator=(const Flusher&) = delete;
    ~Flusher() {
      for (LinkHandle* link : links_) link->Flush();
    }
    void Push(LinkHandle* link, v1::ConsoleMessage message) {
      if (link->Push(std::move(message))) links_.push_back(link);
    }

   private:
    std::vector<LinkHandle*> links_;
  };
  void PushLocked(Entry& entry, v1::ConsoleMessage message, Flusher& flusher)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The device was heard from now (last seen, the link's liveness, to
  // flush); returns now.
  absl::Time HeardLocked(Entry& entry) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Recomputes the entry's policy; true (and stored) when it changed.
  bool RefreshPolicyLocked(Entry& entry) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Clock* const clock_;
  const absl::Duration heartbeat_;
  const PolicyFn policy_for_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Entry> devices_ ABSL_GUARDED_BY(mu_);
};

}  // namespace ardoise

#endif  // ARDOISE_TEACHER_CONSOLE_SERVER_REGISTRY_H_
