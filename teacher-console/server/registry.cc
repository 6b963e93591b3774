#include "teacher-console/server/registry.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/proto_time.h"
#include "common/random.h"
#include "common/version.h"

namespace ardoise {

Registry::Registry(const Clock* clock, absl::Duration heartbeat,
                   PolicyFn policy_for)
    : clock_(clock),
      heartbeat_(heartbeat),
      policy_for_(std::move(policy_for)) {}

void Registry::Load(std::vector<DeviceRecord> devices) {
  absl::MutexLock lock(&mu_);
  devices_.clear();
  for (DeviceRecord& record : devices) {
    record.desired_policy = policy_for_(record);
    std::string id = record.id;
    devices_[id].record = std::move(record);
  }
}

absl::Status Registry::Attach(const std::string& device_id,
                              const std::string& node_key, LinkHandle* link,
                              bool* pending_key_used) {
  absl::MutexLock lock(&mu_);
  Entry* entry = FindByIdLocked(device_id);
  // One answer for every failure, so a prober learns nothing about ids.
  const absl::Status refused = absl::UnauthenticatedError(
      "unknown device or wrong node key (re-enroll the device with a new "
      "token)");
  if (entry == nullptr || entry->record.retired) return refused;
  const std::string presented = Sha256Hex(node_key);
  const bool pending =
      !entry->record.pending_key.empty() &&
      ConstantTimeEquals(presented, Sha256Hex(entry->record.pending_key));
  if (!pending && !ConstantTimeEquals(presented, entry->record.key_hash)) {
    return refused;
  }
  if (entry->link != nullptr) {
    // A stream that missed its last report is a tablet that vanished (Wi-Fi
    // roaming, power loss) before the server's keepalive noticed: this
    // connection is its comeback. One that reports on time is another
    // agent with the same key.
    if (clock_->Now() - entry->link_heard <= heartbeat_ * 3 / 2) {
      return absl::AlreadyExistsError(
          "another agent is already connected with this device's key (a "
          "cloned disk image?); the device has been flagged");
    }
    entry->link->Close(absl::UnavailableError(
        "this device connected again on another connection"));
  }
  entry->link = link;
  entry->link_heard = clock_->Now();
  entry->link_heard_real = absl::Now();
  entry->welcomed = false;
  if (pending_key_used != nullptr) *pending_key_used = pending;
  return absl::OkStatus();
}

void Registry::Detach(const std::string& device_id, LinkHandle* link) {
  absl::MutexLock lock(&mu_);
  Entry* entry = FindByIdLocked(device_id);
  if (entry == nullptr || entry->link != link) return;
  entry->link = nullptr;
  entry->welcomed = false;
  entry->dirty = true;
}

void Registry::OnHello(const std::string& device_id, const v1::Hello& hello,
                       LinkHandle* link) {
  Flusher flusher;  // after the unlock
  absl::MutexLock lock(&mu_);
  Entry* entry = FindByIdLocked(device_id);
  if (entry == nullptr || entry->link != link) return;
  const absl::Time now = HeardLocked(*entry);
  DeviceRecord& record = entry->record;
  record.agent_version = hello.agent_version();
  record.state = hello.state();

  v1::ConsoleMessage welcome;
  v1::Welcome* w = welcome.mutable_welcome();
  ToProto(now, w->mutable_console_time());
  w->set_heartbeat_seconds(
      static_cast<int32_t>(absl::ToInt64Seconds(heartbeat_)));
  w->set_protocol_version(kProtocolVersion);
  w->set_device_name(record.name);
  w->set_school(record.school);
  w->set_pool(record.pool);
  flusher.Push(link, std::move(welcome));

  v1::ConsoleMessage desired;
  if (hello.manual_lock_version() != record.desired_lock.version()) {
    *desired.mutable_desired()->mutable_manual_lock() = record.desired_lock;
  }
  if (hello.policy_version() != record.desired_policy.version() ||
      hello.policy_class() != record.desired_policy.class_name()) {
    *desired.mutable_desired()->mutable_policy() = record.desired_policy;
  }
  if (hello.session_version() != record.desired_session.version()) {
    *desired.mutable_desired()->mutable_session() = record.desired_session;
  }
  if (desired.has_desired()) flusher.Push(link, std::move(desired));
  for (const auto& [seq, command] : record.pending) {
    if (seq <= hello.last_command_seq()) continue;  // executed, ack lost
    if (FromProto(command.expires_at()) <= now) continue;
    v1::ConsoleMessage out;
    *out.mutable_command() = command;
    flusher.Push(link, std::move(out));
  }
  if (!record.pending_key.empty()) {
    v1::ConsoleMessage rekey;
    rekey.mutable_rekey()->set_node_key(record.pending_key);
    flusher.Push(link, std::move(rekey));
  }
  entry->welcomed = true;
}

void Registry::OnReport(const std::string& device_id,
                        const v1::DeviceState& state) {
  absl::MutexLock lock(&mu_);
  Entry* entry = FindByIdLocked(device_id);
  if (entry == nullptr) return;
  HeardLocked(*entry);
  entry->record.state = state;
}

void Registry::Heard(const std::string& device_id) {
  absl::MutexLock lock(&mu_);
  Entry* entry = FindByIdLocked(device_id);
  if (entry != nullptr) HeardLocked(*entry);
}

absl::Time Registry::HeardLocked(Entry& entry) {
  const absl::Time now = clock_->Now();
  entry.record.last_seen = now;
  entry.link_heard = now;
  entry.link_heard_real = absl::Now();
  entry.dirty = true;
  return now;
}

int Registry::CloseSilent(absl::Time real_now, absl::Duration silence) {
  absl::MutexLock lock(&mu_);
  int closed = 0;
  for (auto& [id, entry] : devices_) {
    if (entry.link == nullptr || real_now - entry.link_heard_real <= silence) {
      continue;
    }
    entry.link->Close(absl::DeadlineExceededError(
        absl::StrCat("nothing received from this device for ",
                     absl::FormatDuration(real_now - entry.link_heard_real),
                     ": the connection is considered lost")));
    ++closed;
  }
  return closed;
}

void Registry::AddDevice(DeviceRecord record) {
  absl::MutexLock lock(&mu_);
  record.desired_policy = policy_for_(record);
  std::string id = record.id;
  Entry& entry = devices_[id];
  entry.record = std::move(record);
}

void Registry::SetDesiredLock(const std::string& device_id,
                              const v1::ManualLock& lock_state) {
  Flusher flusher;  // after the unlock
  absl::MutexLock lock(&mu_);
  Entry* entry = FindByIdLocked(device_id);
  if (entry == nullptr) return;
  if (lock_state.version() <= entry->record.desired_lock.version()) return;
  entry->record.desired_lock = lock_state;
  v1::ConsoleMessage message;
  *message.mutable_desired()->mutable_manual_lock() = lock_state;
  PushLocked(*entry, std::move(message), flusher);
}

void Registry::AddCommand(const std::string& device_id,
                          const v1::Command& command) {
  Flusher flusher;  // after the unlock
  absl::MutexLock lock(&mu_);
  Entry* entry = FindByIdLocked(device_id);
  if (entry == nullptr) return;
  entry->record.pending[command.seq()] = command;
  v1::ConsoleMessage message;
  *message.mutable_command() = command;
  PushLocked(*entry, std::move(message), flusher);
}

void Registry::RemoveCommand(const std::string& device_id, int64_t seq) {
  absl::MutexLock lock(&mu_);
  Entry* entry = FindByIdLocked(device_id);
  if (entry != nullptr) entry->record.pending.erase(seq);
}

void Registry::Retire(const std::string& device_id) {
  absl::MutexLock lock(&mu_);
  Entry* entry = FindByIdLocked(device_id);
  if (entry == nullptr) return;
  entry->record.retired = true;
  entry->record.pending.clear();
  if (entry->link != nullptr) {
    entry->link->Close(absl::PermissionDeniedError(
        "this device was retired by IT staff; enroll it again to use it"));
  }
}

bool Registry::SetPendingKey(const std::string& device_id,
                             const std::string& key) {
  Flusher flusher;  // after the unlock
  absl::MutexLock lock(&mu_);
  Entry* entry = FindByIdLocked(device_id);
  if (entry == nullptr) return false;
  entry->record.pending_key = key;
  if (entry->link == nullptr || !entry->welcomed) return false;
  v1::ConsoleMessage message;
  message.mutable_rekey()->set_node_key(key);
  PushLocked(*entry, std::move(message), flusher);
  return true;
}

void Registry::CommitRekey(const std::string& device_id,
                           const std::string& key_hash) {
  absl::MutexLock lock(&mu_);
  Entry* entry = FindByIdLocked(device_id);
  if (entry == nullptr || entry->record.pending_key.empty() ||
      Sha256Hex(entry->record.pending_key) != key_hash) {
    return;
  }
  entry->record.key_hash = key_hash;
  entry->record.pending_key.clear();
}

void Registry::PushTo(const std::string& device_id,
                      v1::ConsoleMessage message) {
  Flusher flusher;  // after the unlock
  absl::MutexLock lock(&mu_);
  Entry* entry = FindByIdLocked(device_id);
  if (entry == nullptr) return;
  PushLocked(*entry, std::move(message), flusher);
}

void Registry::AddFlag(const std::string& device_id, const std::string& flag) {
  absl::MutexLock lock(&mu_);
  Entry* entry = FindByIdLocked(device_id);
  if (entry == nullptr) return;
  std::vector<std::string>& flags = entry->record.flags;
  if (std::find(flags.begin(), flags.end(), flag) == flags.end()) {
    flags.push_back(flag);
  }
}

void Registry::SetDesiredSessions(const std::vector<std::string>& device_ids,
                                  const std::vector<v1::SessionState>& states) {
  Flusher flusher;  // after the unlock
  absl::MutexLock lock(&mu_);
  for (size_t i = 0; i < device_ids.size() && i < states.size(); ++i) {
    Entry* entry = FindByIdLocked(device_ids[i]);
    if (entry == nullptr) continue;
    if (states[i].version() <= entry->record.desired_session.version()) {
      continue;
    }
    entry->record.desired_session = states[i];
    v1::ConsoleMessage message;
    // The policy first: the session's class layer is in force when the
    // session arrives.
    if (RefreshPolicyLocked(*entry)) {
      *message.mutable_desired()->mutable_policy() =
          entry->record.desired_policy;
    }
    *message.mutable_desired()->mutable_session() = states[i];
    PushLocked(*entry, std::move(message), flusher);
  }
}

bool Registry::RefreshPolicyLocked(Entry& entry) {
  v1::EffectivePolicy policy = policy_for_(entry.record);
  if (policy.version() == entry.record.desired_policy.version() &&
      policy.class_name() == entry.record.desired_policy.class_name()) {
    return false;
  }
  entry.record.desired_policy = std::move(policy);
  return true;
}

int Registry::RefreshPolicies() {
  Flusher flusher;  // after the unlock
  absl::MutexLock lock(&mu_);
  int changed = 0;
  for (auto& [id, entry] : devices_) {
    if (entry.record.retired) continue;
    if (!RefreshPolicyLocked(entry)) continue;
    ++changed;
    v1::ConsoleMessage message;
    *message.mutable_desired()->mutable_policy() = entry.record.desired_policy;
    PushLocked(entry, std::move(message), flusher);
  }
  return changed;
}

void Registry::DropExpiredCommands(absl::Time now) {
  absl::MutexLock lock(&mu_);
  for (auto& [id, entry] : devices_) {
    auto& pending = entry.record.pending;
    for (auto it = pending.begin(); it != pending.end();) {
      it = FromProto(it->second.expires_at()) < now ? pending.erase(it)
                                                    : std::next(it);
    }
  }
}

absl::StatusOr<std::vector<std::string>> Registry::Resolve(
    const v1::Target& target, std::string* described) const {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> ids;
  const std::string& name = target.name();
  auto add_pool = [&] {
    for (const auto& [id, entry] : devices_) {
      if (!entry.record.retired && entry.record.pool == name) ids.push_back(id);
    }
  };
  switch (target.kind()) {
    case v1::Target::KIND_ALL:
      for (const auto& [id, entry] : devices_) {
        if (!entry.record.retired) ids.push_back(id);
      }
      *described = "all devices";
      break;
    case v1::Target::KIND_DEVICE: {
      const Entry* entry = FindLocked(name);
      if (entry == nullptr) {
        return absl::NotFoundError(absl::StrCat(
            "no device \"", name, "\" (see `ardoise devices list`)"));
      }
      ids.push_back(entry->record.id);
      *described = absl::StrCat("device ", entry->record.name);
      break;
    }
    case v1::Target::KIND_POOL:
      add_pool();
      if (ids.empty()) {
        return absl::NotFoundError(absl::StrCat(
            "no device in pool \"", name, "\" (see `ardoise devices list`)"));
      }
      *described = absl::StrCat("pool ", name);
      break;
    default: {
      const Entry* entry = FindLocked(name);
      add_pool();
      if (entry != nullptr && !ids.empty()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "\"", name, "\" is both a device and a pool: write device/", name,
            " or pool/", name));
      }
      if (entry != nullptr) {
        ids.push_back(entry->record.id);
        *described = absl::StrCat("device ", entry->record.name);
      } else if (!ids.empty()) {
        *described = absl::StrCat("pool ", name);
      } else {
        return absl::NotFoundError(
            absl::StrCat("no device or pool named \"", name,
                         "\" (see `ardoise devices list`)"));
      }
    }
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

absl::StatusOr<v1::Device> Registry::Get(const std::string& id_or_name) const {
  absl::MutexLock lock(&mu_);
  const Entry* entry = FindLocked(id_or_name);
  if (entry == nullptr) {
    return absl::NotFoundError(absl::StrCat("no device \"", id_or_name,
                                            "\" (see `ardoise devices list`)"));
  }
  return ToApiLocked(*entry);
}

std::vector<v1::Device> Registry::List(
    const v1::ListDevicesRequest& filter) const {
  absl::MutexLock lock(&mu_);
  std::vector<v1::Device> out;
  for (const auto& [id, entry] : devices_) {
    const DeviceRecord& r = entry.record;
    if (r.retired && !filter.include_retired()) continue;
    if (!filter.school().empty() && r.school != filter.school()) continue;
    if (!filter.pool().empty() && r.pool != filter.pool()) continue;
    out.push_back(ToApiLocked(entry));
  }
  std::sort(out.begin(), out.end(),
            [](const v1::Device& a, const v1::Device& b) {
              return std::tie(a.school(), a.pool(), a.name(), a.id()) <
                     std::tie(b.school(), b.pool(), b.name(), b.id());
            });
  return out;
}

std::vector<v1::Device> Registry::InPools(
    const std::vector<std::string>& pools) const {
  absl::MutexLock lock(&mu_);
  std::vector<v1::Device> out;
  for (const auto& [id, entry] : devices_) {
    if (entry.record.retired) continue;
    if (std::find(pools.begin(), pools.end(), entry.record.pool) ==
        pools.end()) {
      continue;
    }
    out.push_back(ToApiLocked(entry));
  }
  std::sort(
      out.begin(), out.end(),
      [](const v1::Device& a, const v1::Device& b) { return a.id() < b.id(); });
  return out;
}

absl::StatusOr<Registry::Place> Registry::PlaceOf(const std::string& id) const {
  absl::MutexLock lock(&mu_);
  auto it = devices_.find(id);
  if (it == devices_.end()) {
    return absl::NotFoundError(absl::StrCat("no device \"", id, "\""));
  }
  const DeviceRecord& r = it->second.record;
  return Place{r.school, r.pool, r.kind};
}

std::vector<std::string> Registry::SchoolsOf(
    const std::vector<std::string>& ids) const {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> out;
  out.reserve(ids.size());
  for (const std::string& id : ids) {
    auto it = devices_.find(id);
    out.push_back(it == devices_.end() ? "" : it->second.record.school);
  }
  return out;
}

std::vector<v1::Device> Registry::GetMany(
    const std::vector<std::string>& ids) const {
  absl::MutexLock lock(&mu_);
  std::vector<v1::Device> out;
  for (const std::string& id : ids) {
    auto it = devices_.find(id);
    if (it != devices_.end()) out.push_back(ToApiLocked(it->second));
  }
  return out;
}

std::vector<LiveUpdate> Registry::TakeDirty() {
  absl::MutexLock lock(&mu_);
  std::vector<LiveUpdate> out;
  for (auto& [id, entry] : devices_) {
    if (!entry.dirty) continue;
    entry.dirty = false;
    out.push_back(LiveUpdate{id, entry.record.last_seen,
                             entry.record.agent_version, entry.record.state});
  }
  return out;
}

const Registry::Entry* Registry::FindLocked(
    const std::string& id_or_name) const {
  auto it = devices_.find(id_or_name);
  if (it != devices_.end()) return &it->second;
  for (const auto& [id, entry] : devices_) {
    if (!entry.record.retired && entry.record.name == id_or_name) {
      return &entry;
    }
  }
  return nullptr;
}

Registry::Entry* Registry::FindByIdLocked(const std::string& id) {
  auto it = devices_.find(id);
  return it == devices_.end() ? nullptr : &it->second;
}

v1::Device Registry::ToApiLocked(const Entry& entry) const {
  const DeviceRecord& r = entry.record;
  v1::Device d;
  d.set_id(r.id);
  d.set_name(r.name);
  d.set_kind(r.kind);
  d.set_school(r.school);
  d.set_pool(r.pool);
  ToProto(r.enrolled_at, d.mutable_enrolled_at());
  if (r.last_seen != absl::InfinitePast()) {
    ToProto(r.last_seen, d.mutable_last_seen());
  }
  d.set_online(entry.link != nullptr && entry.welcomed &&
               clock_->Now() - r.last_seen <= 2 * heartbeat_);
  d.set_agent_version(r.agent_version);
  *d.mutable_state() = r.state;
  *d.mutable_desired_lock() = r.desired_lock;
  d.set_desired_policy_version(r.desired_policy.version());
  d.set_in_sync(r.state.manual_lock_version() == r.desired_lock.version() &&
                r.state.policy_version() == r.desired_policy.version() &&
                r.state.session_version() == r.desired_session.version());
  for (const std::string& flag : r.flags) d.add_flags(flag);
  d.set_pending_commands(static_cast<int32_t>(r.pending.size()));
  d.set_retired(r.retired);
  d.set_rekey_pending(!r.pending_key.empty());
  return d;
}

void Registry::PushLocked(Entry& entry, v1::ConsoleMessage message,
                          Flusher& flusher) {
  if (entry.link != nullptr && entry.welcomed) {
    flusher.Push(entry.link, std::move(message));
  }
}

}  // namespace ardoise
