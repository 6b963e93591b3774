#include "agent/agent.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/enrollment_token.h"
#include "common/grpc_status.h"
#include "common/logging.h"
#include "common/proto_time.h"
#include "common/random.h"
#include "common/school_time.h"
#include "common/session_timeline.h"
#include "common/startup_pages.h"
#include "common/status_macros.h"
#include "common/tls.h"
#include "common/transport.h"
#include "common/version.h"

namespace ardoise {

absl::StatusOr<Identity> Enroll(const EnrollOptions& options) {
  ARDOISE_ASSIGN_OR_RETURN(EnrollmentToken token,
                           ParseEnrollmentToken(options.token));
  ARDOISE_ASSIGN_OR_RETURN(auto store,
                           AgentStore::Open(options.data_dir, true));
  if (auto existing = store->LoadIdentity(); existing.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        options.data_dir, " is already enrolled as ", existing->name, " (",
        existing->device_id,
        "); to enroll again, retire it (`ardoise devices retire ",
        existing->name, "`) and start from an empty --data folder"));
  }
  // 1. Read the console's chain without trusting it, and keep the CA only if
  //    it is the one the token names. Nothing secret has been sent yet.
  auto chain = FetchPeerChain(options.console, options.timeout);
  if (!chain.ok()) {
    return absl::Status(
        chain.status().code(),
        absl::StrCat("cannot reach the console at ", options.console, ": ",
                     chain.status().message()));
  }
  auto ca = FindPinnedCa(*chain, token.ca_pin);
  if (!ca.ok()) {
    return absl::PermissionDeniedError(absl::StrCat(
        "refused the console at ", options.console,
        ": it is not the console the token belongs to (", ca.status().message(),
        "). The token was not sent. Check the --console address, or ask IT "
        "staff for a token created on this console."));
  }
  ARDOISE_RETURN_IF_ERROR(store->SaveConsoleCa(*ca));

  // 2. Only now, over a channel that accepts nothing but that CA, send the
  //    credential.
  ChannelOptions channel_options;
  channel_options.root_ca_pem = *ca;
  ARDOISE_ASSIGN_OR_RETURN(auto channel,
                           MakeChannel(options.console, channel_options));
  auto stub = v1::AgentLink::NewStub(channel);
  v1::EnrollRequest request;
  request.set_token(token.credential);
  request.set_name(options.name);
  request.set_kind(options.kind);
  request.set_agent_version(kVersion);
  request.set_protocol_version(kProtocolVersion);
  v1::EnrollResponse response;
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + options.timeout));
  grpc::Status status = stub->Enroll(&context, request, &response);
  if (!status.ok()) {
    if (status.error_code() == grpc::StatusCode::UNAVAILABLE ||
        status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
      return absl::UnavailableError(absl::StrCat(
          "cannot reach the console at ", options.console,
          " over TLS: ", status.error_message(),
          " (its certificate must name the address you gave --console: see "
          "`ardoise-console renew-cert --san`)"));
    }
    return FromGrpc(status);
  }
  // The key first: an identity without its key would be useless.
  ARDOISE_RETURN_IF_ERROR(store->SaveNodeKey(response.node_key()));
  Identity identity;
  identity.device_id = response.device_id();
  identity.name = options.name;
  identity.kind = options.kind;
  identity.console = options.console;
  identity.school = response.school();
  identity.pool = response.pool();
  ARDOISE_RETURN_IF_ERROR(store->SaveIdentity(identity));
  return identity;
}

absl::StatusOr<std::unique_ptr<Agent>> Agent::Create(
    const AgentOptions& options, std::unique_ptr<Platform> platform) {
  ARDOISE_ASSIGN_OR_RETURN(auto store,
                           AgentStore::Open(options.data_dir, false));
  ARDOISE_ASSIGN_OR_RETURN(Identity identity, store->LoadIdentity());
  ARDOISE_ASSIGN_OR_RETURN(std::string node_key, store->LoadNodeKey());
  ARDOISE_ASSIGN_OR_RETURN(std::string console_ca, store->LoadConsoleCa());
  return std::unique_ptr<Agent>(new Agent(
      options, std::move(platform), std::move(store), std::move(identity),
      std::move(node_key), std::move(console_ca)));
}

Agent::Agent(const AgentOptions& options, std::unique_ptr<Platform> platform,
             std::unique_ptr<AgentStore> store, Identity identity,
             std::string node_key, std::string console_ca)
    : options_(options),
      platform_(std::move(platform)),
      store_(std::move(store)),
      identity_(std::move(identity)),
      schedule_(store_->progress().confirmed, options_.clock->Monotonic(),
                store_->clock_offset()),
      usage_(store_.get(),
             UsageRecorder::Options{
                 options_.usage_cut_every,
                 std::min(absl::Seconds(15),
                          std::max(absl::Milliseconds(100),
                                   options_.usage_cut_every / 2))}),
      usage_sender_(UsageSender::Options{kUsageBatchSize, kUsageResendAfter}) {
  ConsoleLink::Options link;
  link.console = options_.console_override.empty() ? identity_.console
                                                   : options_.console_override;
  link.root_ca_pem = std::move(console_ca);
  link.device_id = identity_.device_id;
  link.node_key = std::move(node_key);
  link.backoff_max = options_.backoff_max;
  link_ = std::make_unique<ConsoleLink>(std::move(link), this);

  absl::MutexLock lock(&mu_);
  manual_lock_ = store_->manual_lock();
  session_ = store_->session();
  last_command_seq_ = store_->last_command_seq();
  last_message_ = store_->last_message_shown();
  auto ledger = UsageLedger::Parse(store_->progress().ledger);
  if (ledger.ok()) ledger_ = *std::move(ledger);
  ApplyPolicyLocked(store_->policy());
  counted_until_ = saved_at_ = options_.clock->Monotonic();
}

Agent::~Agent() { Stop(); }

void Agent::Start() {
  started_ = true;
  Enforce(false);  // locked before anything else if it was locked
  {
    absl::MutexLock lock(&mu_);
    const absl::Time wall = options_.clock->Now();
    const absl::Time now = schedule_.Now(wall, options_.clock->Monotonic()).now;
    const absl::Time boot_wall = options_.boot_time == absl::InfinitePast()
                                     ? ReadBootTime()
                                     : options_.boot_time;
    const absl::Time boot = boot_wall == absl::InfinitePast()
                                ? absl::InfinitePast()
                                : now - (wall - boot_wall);
    absl::Status started = usage_.Start(now, boot, UsageStateLocked());
    if (!started.ok()) {
      ARDOISE_LOG(ERROR) << "cannot start recording usage: " << started;
    }
  }
  link_->Start();
  ticker_ = std::thread([this] { Tick(); });
}

void Agent::Stop() {
  if (!started_) return;
  started_ = false;
  {
    absl::MutexLock lock(&tick_mu_);
    stopping_ = true;
  }
  if (ticker_.joinable()) ticker_.join();
  link_->Stop();
  Enforce(false);  // counts the last seconds of use
  absl::MutexLock lock(&mu_);
  SaveProgressLocked();
  absl::Status stopped = usage_.Stop(
      schedule_.Now(options_.clock->Now(), options_.clock->Monotonic()).now);
  if (!stopped.ok()) {
    ARDOISE_LOG(ERROR) << "cannot record the shutdown: " << stopped;
  }
}

v1::Hello Agent::MakeHello() {
  absl::MutexLock lock(&mu_);
  v1::Hello hello;
  hello.set_protocol_version(kProtocolVersion);
  hello.set_agent_version(kVersion);
  hello.set_manual_lock_version(manual_lock_.version());
  hello.set_last_command_seq(last_command_seq_);
  hello.set_policy_version(policy_.version());
  hello.set_policy_class(policy_.class_name());
  hello.set_session_version(session_.version());
  *hello.mutable_state() = StateLocked();
  auto usage = store_->usage_totals();
  if (usage.ok()) {
    hello.set_usage_epoch(usage->epoch);
    hello.set_usage_next_seq(usage->next_seq);
    hello.set_usage_pipelined(true);
  }
  ToProto(schedule_.Now(options_.clock->Now(), options_.clock->Monotonic()).now,
          hello.mutable_state()->mutable_observed_at());
  last_sent_ = hello.state();
  return hello;
}

void Agent::OnMessage(const v1::ConsoleMessage& message) {
  switch (message.body_case()) {
    case v1::ConsoleMessage::kWelcome: {
      const v1::Welcome& welcome = message.welcome();
      {
        absl::MutexLock lock(&mu_);
        schedule_.Confirm(FromProto(welcome.console_time()),
                          options_.clock->Now(), options_.clock->Monotonic());
        absl::Status saved = store_->SetClockOffset(schedule_.offset());
        if (!saved.ok()) ARDOISE_LOG(WARNING) << "clock offset: " << saved;
        SaveProgressLocked();
      }
      {
        absl::MutexLock lock(&tick_mu_);
        heartbeat_ = absl::Seconds(std::max(1, welcome.heartbeat_seconds()));
      }
      ARDOISE_LOG(INFO) << "connected to the console as " << identity_.name
                        << " (" << identity_.device_id << ")";
      if (!started_up_) {
        // Starting and the first TLS handshake are behind us: give back the
        // library pages only they used (common/startup_pages.h).
        started_up_ = true;
        ReleaseStartupPages();
      }
      Enforce(false);
      {
        // A new stream: what was in flight on the old one is sent again.
        absl::MutexLock lock(&usage_mu_);
        usage_sender_.Connected();
      }
      PumpUsage();
      break;
    }
    case v1::ConsoleMessage::kUsageAck:
      HandleUsageAck(message.usage_ack());
      break;
    case v1::ConsoleMessage::kDesired: {
      const v1::DesiredState& desired = message.desired();
      {
        absl::MutexLock lock(&mu_);
        // Stored before enforced; not stored = not held, and the console
        // resends it on reconnect.
        if (desired.has_manual_lock() &&
            desired.manual_lock().version() > manual_lock_.version()) {
          absl::Status saved = store_->SetManualLock(desired.manual_lock());
          if (saved.ok()) {
            manual_lock_ = desired.manual_lock();
          } else {
            ARDOISE_LOG(ERROR) << "cannot store the manual lock: " << saved;
          }
        }
        if (desired.has_policy() &&
            (desired.policy().version() != policy_.version() ||
             desired.policy().class_name() != policy_.class_name())) {
          absl::Status saved = store_->SetPolicy(desired.policy());
          if (saved.ok()) {
            ApplyPolicyLocked(desired.policy());
          } else {
            ARDOISE_LOG(ERROR) << "cannot store the policy: " << saved;
          }
        }
        if (desired.has_session() &&
            desired.session().version() > session_.version()) {
          absl::Status saved = store_->SetSession(desired.session());
          if (saved.ok()) {
            session_ = desired.session();
            if (session_.session_id().empty()) {
              ARDOISE_LOG(INFO) << "no session holds this device any more";
            } else {
              ARDOISE_LOG(INFO)
                  << "session " << session_.session_id() << " of class "
                  << session_.class_name() << ": \"" << session_.plan().title()
                  << "\", step " << session_.step_index() + 1
                  << (session_.paused() ? " (paused)" : "") << ", deadline "
                  << absl::FormatTime("%H:%M:%S",
                                      FromProto(session_.deadline()),
                                      absl::LocalTimeZone());
            }
          } else {
            ARDOISE_LOG(ERROR) << "cannot store the session: " << saved;
          }
        }
      }
      Enforce(true);
      break;
    }
    case v1::ConsoleMessage::kCommand:
      HandleCommand(message.command());
      break;
    case v1::ConsoleMessage::kRekey:
      HandleRekey(message.rekey());
      break;
    default:
      ARDOISE_LOG(WARNING) << "ignoring an unknown message from the console";
  }
  Poke();  // a new heartbeat, lock, session or usage in flight: new deadlines
}

void Agent::Poke() {
  absl::MutexLock lock(&tick_mu_);
  poked_ = true;
}

absl::Duration Agent::NextWake() {
  absl::Duration next;
  {
    absl::MutexLock lock(&mu_);
    next = next_due_;
  }
  absl::MutexLock lock(&usage_mu_);
  return std::min(next, usage_sender_.NextDue());
}

void Agent::ApplyPolicyLocked(v1::EffectivePolicy policy) {
  policy_ = std::move(policy);
  time_zone_.reset();
  if (policy_.version() == 0) return;
  // Loaded once per policy version, never inside Decide. A zone that cannot
  // be loaded leaves time_zone_ empty: Decide then locks the device.
  auto zone = LoadSchoolTimeZone(policy_.timezone());
  if (zone.ok()) {
    time_zone_ = *zone;
  } else {
    ARDOISE_LOG(ERROR) << "policy " << policy_.version() << ": "
                       << zone.status().message();
  }
  ARDOISE_LOG(INFO) << "enforcing policy version " << policy_.version();
}

void Agent::HandleRekey(const v1::RekeyNodeKey& rekey) {
  const std::string& key = rekey.node_key();
  if (key.size() < 32 || key.size() > 256 ||
      key.find_first_not_of("0123456789abcdef") != std::string::npos) {
    ARDOISE_LOG(ERROR) << "ignoring a malformed node key from the console";
    return;
  }
  // Stored (atomically, 0600) before acked: once the console commits the
  // ack, only this key opens a stream.
  absl::Status saved = store_->SaveNodeKey(key);
  if (!saved.ok()) {
    ARDOISE_LOG(ERROR) << "cannot store the new node key: " << saved;
    return;  // unacked: the console sends it again on the next stream
  }
  link_->SetNodeKey(key);
  v1::AgentMessage ack;
  ack.mutable_rekey_ack()->set_key_hash(Sha256Hex(key));
  SendToConsole(ack);
  ARDOISE_LOG(INFO) << "stored a new node key from the console";
}

void Agent::HandleCommand(const v1::Command& command) {
  v1::AgentMessage ack;
  ack.mutable_command_ack()->set_seq(command.seq());
  {
    absl::MutexLock lock(&mu_);
    if (command.seq() > last_command_seq_) {
      std::string shown;
      const absl::Time now =
          schedule_.Now(options_.clock->Now(), options_.clock->Monotonic()).now;
      if (now >= FromProto(command.expires_at())) {
        ack.mutable_command_ack()->set_expired(true);
      } else if (command.has_show_message()) {
        absl::Status status = platform_->ShowNotice(
            {command.show_message().text(), command.show_message().from()});
        if (!status.ok()) {
          ARDOISE_LOG(ERROR) << "cannot show a message: " << status;
          return;  // unacked: the console resends it
        }
        shown = command.show_message().text();
      }
      // Executed, then recorded, then acked: a crash in between shows the
      // message twice rather than never.
      absl::Status recorded = store_->RecordCommand(command.seq(), shown);
      if (!recorded.ok()) {
        ARDOISE_LOG(ERROR) << "cannot record command " << command.seq() << ": "
                           << recorded;
        return;
      }
      last_command_seq_ = command.seq();
      if (!shown.empty()) last_message_ = shown;
    }
  }
  SendToConsole(ack);
  Enforce(true);
}

void Agent::HandleUsageAck(const v1::UsageAck& ack) {
  if (ack.restart_epoch()) {
    // The data folder went back in time (restored from an image): what the
    // outbox holds moves to a new epoch instead of colliding.
    const std::string epoch = RandomHex(8);
    absl::Status restarted = store_->RestartUsageEpoch(epoch);
    if (!restarted.ok()) {
      ARDOISE_LOG(ERROR) << "cannot start a new usage epoch: " << restarted;
      return;
    }
    ARDOISE_LOG(WARNING) << "usage epoch " << ack.epoch()
                         << " was already used by this device (restored "
                            "data folder?): continuing as epoch "
                         << epoch;
    {
      absl::MutexLock lock(&usage_mu_);
      usage_sender_.EpochRestarted();
    }
    PumpUsage();
    return;
  }
  absl::StatusOr<bool> acked = store_->AckUsage(ack.epoch(), ack.acked_seq());
  if (!acked.ok()) {
    ARDOISE_LOG(WARNING) << "cannot delete acknowledged usage: "
                         << acked.status();
    return;
  }
  if (!*acked) return;  // about an earlier epoch
  {
    absl::MutexLock lock(&usage_mu_);
    usage_sender_.Acked(ack.acked_seq());
  }
  PumpUsage();
}

void Agent::PumpUsage() {
  absl::MutexLock lock(&usage_mu_);
  const absl::Duration mono = options_.clock->Monotonic();
  std::optional<UsageSender::Read> read = usage_sender_.Next(mono);
  if (!read.has_value()) return;
  auto batch = store_->PendingUsage(kUsageBatchSize, read->after_seq);
  if (!batch.ok()) {
    ARDOISE_LOG(ERROR) << "cannot read the usage outbox: " << batch.status();
    return;
  }
  const int count = batch->intervals_size();
  if (count == 0) {
    usage_sender_.Sent(mono, 0, 0, read->ack_now);
    return;
  }
  const int64_t last = batch->intervals(count - 1).seq();
  // A full batch may have more behind it: one at a time, each acked.
  const bool ack_now = read->ack_now || count >= kUsageBatchSize;
  batch->set_ack_now(ack_now);
  v1::AgentMessage message;
  *message.mutable_usage() = *std::move(batch);
  if (SendToConsole(message)) usage_sender_.Sent(mono, last, count, ack_now);
}

UsageState Agent::UsageStateLocked() {
  UsageState state;
  auto shown = platform_->Report();
  if (shown.ok()) {
    state.locked = shown->screen.locked;
    state.lock_reason = shown->screen.reason;
    state.activity = shown->screen.activity;
    state.in_use = !shown->screen.locked && shown->idle < kIdleIsNotUse;
  }
  state.no_screen_period = decision_.no_screen_period;
  state.exemption_reason = decision_.exemption_reason;
  if (!session_.session_id().empty()) {
    state.session_id = session_.session_id();
    state.step_index = session_step_;
  }
  return state;
}

void Agent::OnDisconnected(const absl::Status& status) {
  {
    absl::MutexLock lock(&usage_mu_);
    usage_sender_.Disconnected();
  }
  if (absl::IsUnauthenticated(status) || absl::IsPermissionDenied(status) ||
      absl::IsAlreadyExists(status) || absl::IsFailedPrecondition(status)) {
    ARDOISE_LOG(ERROR) << "the console refused this device: "
                       << status.message();
  } else {
    ARDOISE_LOG(INFO) << "console unreachable (" << status.message()
                      << "); enforcing the stored state and retrying";
  }
}

v1::DeviceState Agent::StateLocked() {
  v1::DeviceState state;
  auto report = platform_->Report();
  if (report.ok()) {
    state.set_locked(report->screen.locked);
    state.set_lock_reason(report->screen.reason);
    state.set_lock_message(report->screen.message);
    state.set_activity(report->screen.activity);
  }
  state.set_manual_lock_version(manual_lock_.version());
  state.set_last_command_seq(last_command_seq_);
  state.set_last_message_shown(last_message_);
  state.set_policy_version(policy_.version());
  state.set_no_screen_period(decision_.no_screen_period);
  state.set_exemption_reason(decision_.exemption_reason);
  state.set_free_use_today_seconds(absl::ToInt64Seconds(free_use_today_));
  state.set_session_id(session_.session_id());
  state.set_session_version(session_.version());
  state.set_session_step(session_step_);
  return state;
}

void Agent::SaveProgressLocked() {
  const absl::Duration mono = options_.clock->Monotonic();
  AgentStore::Progress progress;
  progress.confirmed = schedule_.Now(options_.clock->Now(), mono).confirmed;
  progress.ledger = ledger_.Serialize();
  absl::Status saved = store_->SetProgress(progress);
  if (!saved.ok()) ARDOISE_LOG(WARNING) << "cannot save progress: " << saved;
  saved_at_ = mono;
}

void Agent::Enforce(bool report) {
  absl::MutexLock lock(&mu_);
  const absl::Duration mono = options_.clock->Monotonic();
  const ScheduleTime time = schedule_.Now(options_.clock->Now(), mono);
  const absl::TimeZone zone = time_zone_.value_or(absl::UTCTimeZone());
  const absl::CivilDay today = absl::ToCivilDay(
      time.confirmed == absl::InfinitePast() ? time.now : time.confirmed, zone);

  // Use since the last decision counts if that decision allowed free use and
  // someone was at the device (the monotonic clock: immune to clock changes).
  // Use stops counting kIdleIsNotUse after the last input: the ticker may
  // wake well after that moment, so count exactly up to it.
  auto shown = platform_->Report();
  if (decision_.counts_as_free_use) {
    absl::Duration used_until = mono;
    if (shown.ok() && shown->idle > kIdleIsNotUse) {
      used_until = mono - (shown->idle - kIdleIsNotUse);
    }
    if (used_until > counted_until_) {
      ledger_.Add(used_until - counted_until_, today);
    }
  }
  counted_until_ = mono;

  DecideInput input;
  input.now = time.now;
  input.confirmed_now = time.confirmed;
  input.time_zone = time_zone_.has_value() ? &*time_zone_ : nullptr;
  input.policy = policy_.version() > 0 ? &policy_ : nullptr;
  input.kind = identity_.kind;
  input.device_name = identity_.name;
  input.manual_lock = manual_lock_;
  // The session runs on the device's own clock: steps advance and the
  // deadline locks also while the console is out of reach.
  input.session = SessionViewAt(session_, time.now);
  session_step_ = input.session ? PositionAt(session_, time.now).step : 0;
  free_use_today_ = ledger_.UsedOn(today);
  input.free_use_today = free_use_today_;
  decision_ = Decide(input);

  Screen screen;
  screen.locked = decision_.locked;
  screen.reason = decision_.reason;
  screen.message = decision_.message;
  screen.activity = decision_.activity;
  absl::Status updated = platform_->ShowScreen(screen);
  if (!updated.ok()) {
    ARDOISE_LOG(ERROR) << "cannot update the screen: " << updated;
  }
  if (mono - saved_at_ >= kSaveProgressEvery) SaveProgressLocked();
  usage_.Observe(time.now, UsageStateLocked());

  // When this must run again even if nothing arrives (schedule times are
  // carried over to the monotonic clock from `time.now`).
  const auto at = [&](absl::Time t) {
    return t == absl::InfiniteFuture() ? absl::InfiniteDuration()
                                       : mono + (t - time.now);
  };
  absl::Duration next =
      std::min({saved_at_ + kSaveProgressEvery, at(decision_.valid_until),
                at(usage_.NextDue())});
  if (!decision_.locked && shown.ok()) {
    // Whether someone is using the device changes when the idle time
    // crosses kIdleIsNotUse; a return after that is only seen by looking.
    next = std::min(next, shown->idle < kIdleIsNotUse
                              ? mono + (kIdleIsNotUse - shown->idle)
                              : mono + kInputPoll);
  }
  next_due_ = next;

  v1::DeviceState state = StateLocked();
  v1::DeviceState before = last_sent_;
  before.clear_observed_at();
  before.clear_free_use_today_seconds();
  v1::DeviceState after = state;
  after.clear_free_use_today_seconds();
  if (!report && before.SerializeAsString() == after.SerializeAsString()) {
    return;
  }
  ToProto(time.now, state.mutable_observed_at());
  v1::AgentMessage message;
  *message.mutable_state()->mutable_state() = state;
  if (SendToConsole(message)) last_sent_ = std::move(state);
}

bool Agent::SendToConsole(const v1::AgentMessage& message) {
  if (!link_->Send(message)) return false;
  sent_at_us_.store(absl::ToInt64Microseconds(options_.clock->Monotonic()),
                    std::memory_order_relaxed);
  return true;
}

absl::Duration Agent::LastSent() const {
  const int64_t us = sent_at_us_.load(std::memory_order_relaxed);
  return us == std::numeric_limits<int64_t>::min() ? -absl::InfiniteDuration()
                                                   : absl::Microseconds(us);
}

void Agent::Tick() {
  // Reports and deadlines follow the agent's clock (a test clock may run
  // faster); waits are real, hence RealDuration. The first round waits a
  // second, as the link usually needs that long to be welcomed.
  bool reported = false;
  absl::Duration last_report;
  absl::Duration wait = std::min(absl::Seconds(1), options_.usage_cut_every);
  for (;;) {
    absl::Duration heartbeat;
    {
      absl::MutexLock lock(&tick_mu_);
      tick_mu_.AwaitWithTimeout(absl::Condition(this, &Agent::TickWokenLocked),
                                wait);
      if (stopping_) return;
      poked_ = false;
      // Read every round: the Welcome sets the console's period (and pokes)
      // after the first report went out.
      heartbeat = heartbeat_;
    }
    const absl::Duration now = options_.clock->Monotonic();
    // Whatever the agent sent proves it alive: a report is due a heartbeat
    // after the last message of any kind (a usage batch, an ack).
    const bool due =
        !reported || now >= std::max(last_report, LastSent()) + heartbeat;
    if (due) {
      reported = true;
      last_report = now;
    }
    Enforce(due);
    PumpUsage();
    absl::Duration left =
        std::min(std::max(last_report, LastSent()) + heartbeat, NextWake()) -
        options_.clock->Monotonic();
    // Overdue after the work ran: that work failed (a disk error); retry.
    if (left <= absl::ZeroDuration()) left = kRetryAfter;
    wait = std::max(options_.clock->RealDuration(left), absl::Milliseconds(1));
  }
}

}  // namespace ardoise
