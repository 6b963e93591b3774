// ardoise-loadgen: simulates N devices speaking the real AgentLink protocol
// to a real console process, and prints what it measured.
//
// Each simulated agent enrolls with a real token (checking the console's CA
// against the token's pin), then keeps its own TLS connection (a channel
// with a local subchannel pool) and its own Connect stream, sends a
// StateReport at the console's heartbeat, a UsageBatch of one interval per
// --usage-every, applies desired state and acknowledges commands as an agent
// does, and redials with the agent's equal-jitter backoff. Everything runs
// on gRPC's callback API: thousands of streams on a few threads.
//
// Phases, in order: enroll (identities are cached in --identities, so a
// second run skips it), connect, steady (console CPU and RSS from /proc),
// lock fan-out to one pool (--lock-pool, --pool-rounds lock/unlock rounds),
// lock fan-out to every device (--lock-all), a check that the console sees
// every device's report of the lock, a policy change to every device
// (--policy-school: ApplyPolicy, then each agent's applied version, then
// the console's policy status), a session start on the class of the pool
// (--session-class: StartSession, then each tablet on step 1), and a
// reconnect storm (--storm-restart: SIGKILL the console, run the command
// that restarts it, time until every agent is back). Prints one table and
// writes it as JSON (--json).
//
// Exit code 0 when every agent connected and every lock, policy and session
// was received and reported; 1 otherwise; 2 for a usage error.

#include <dirent.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <deque>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "agent/link/console_link.h"
#include "ardoise/v1/agent_link.grpc.pb.h"
#include "ardoise/v1/console.grpc.pb.h"
#include "common/enrollment_token.h"
#include "common/files.h"
#include "common/program.h"
#include "common/proto_time.h"
#include "common/random.h"
#include "common/status_macros.h"
#include "common/tls.h"
#include "common/transport.h"
#include "common/usage_sender.h"
#include "common/version.h"

namespace ardoise::loadgen {
namespace {

// The load generator's clock for the usage sender: wall time as a duration
// (the simulated agents never see the clock move back in a run).
absl::Duration Monotonic(absl::Time now) { return now - absl::UnixEpoch(); }

namespace v1 = ::ardoise::v1;

struct Options {
  std::string console;
  std::string ca_path;
  std::vector<std::string> enroll;  // "COUNT,POOL,TOKEN"
  std::string identities;
  std::string prefix = "lg";
  int agents = 0;  // 0 = every identity
  absl::Duration ramp = absl::Seconds(10);
  absl::Duration connect_timeout = absl::Seconds(120);
  absl::Duration steady = absl::Seconds(30);
  // Waited after the last agent connected, before the steady phase, so
  // that it measures no connection's one-off traffic (each stream's first
  // usage batch is acked at once); negative = one usage period.
  absl::Duration settle = absl::Seconds(-1);
  absl::Duration usage_every = absl::Seconds(60);
  absl::Duration backoff_initial = absl::Milliseconds(200);
  absl::Duration backoff_max = absl::Seconds(30);
  std::string lock_pool;
  int pool_rounds = 5;
  bool lock_all = false;
  std::string policy_school;  // apply a policy there and time it
  std::string session_class;  // start a session there and time it
  std::string console_pid_file;
  std::string storm_restart;
  absl::Duration storm_timeout = absl::Seconds(180);
  std::string json_path;
  std::string token;  // an it_admin's bearer token for the Console calls
};

absl::Duration ParseSeconds(double s) { return absl::Milliseconds(s * 1000); }

// ---------------------------------------------------------------- statistics

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return -1;
  std::sort(v.begin(), v.end());
  const size_t i = std::min(v.size() - 1, static_cast<size_t>(p * v.size()));
  return v[i];
}

struct Summary {
  size_t n = 0;
  double p50 = -1, p90 = -1, p99 = -1, max = -1;
};

Summary Summarize(const std::vector<double>& v) {
  Summary s;
  s.n = v.size();
  if (v.empty()) return s;
  s.p50 = Percentile(v, 0.50);
  s.p90 = Percentile(v, 0.90);
  s.p99 = Percentile(v, 0.99);
  s.max = *std::max_element(v.begin(), v.end());
  return s;
}

// Counts per bucket of a log-ish scale, for the connect-time histogram.
std::string Histogram(const std::vector<double>& ms) {
  static const double kEdges[] = {10,    25,    50,    100,  250,
                                  500,   1000,  2500,  5000, 10000,
                                  20000, 30000, 60000, 1e300};
  std::vector<size_t> counts(std::size(kEdges), 0);
  for (double v : ms) {
    size_t i = 0;
    while (v > kEdges[i]) ++i;
    ++counts[i];
  }
  std::string out;
  double lo = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    if (counts[i] != 0) {
      absl::StrAppend(
          &out, "    ", lo, "–",
          kEdges[i] > 1e299 ? std::string("∞") : absl::StrCat(kEdges[i]),
          " ms: ", counts[i], "\n");
    }
    lo = kEdges[i];
  }
  return out;
}

// ---------------------------------------------------------------- the console
// process, seen from /proc.

struct ProcSample {
  double cpu_seconds = 0;
  int64_t rss_kib = 0;
  absl::Time at;
};

absl::StatusOr<ProcSample> SampleProcess(pid_t pid) {
  ProcSample s;
  s.at = absl::Now();
  auto stat = ReadFile(absl::StrCat("/proc/", pid, "/stat"));
  if (!stat.ok()) return stat.status();
  // Fields after the command name (which may hold spaces) start at ')'.
  const size_t close = stat->rfind(')');
  std::vector<std::string> fields =
      absl::StrSplit(stat->substr(close + 2), ' ', absl::SkipEmpty());
  // fields[0] is field 3 (state); utime is field 14, stime 15.
  int64_t utime = 0, stime = 0;
  if (fields.size() < 13 || !absl::SimpleAtoi(fields[11], &utime) ||
      !absl::SimpleAtoi(fields[12], &stime)) {
    return absl::InternalError("cannot parse /proc/PID/stat");
  }
  s.cpu_seconds = static_cast<double>(utime + stime) /
                  static_cast<double>(sysconf(_SC_CLK_TCK));
  auto status = ReadFile(absl::StrCat("/proc/", pid, "/status"));
  if (!status.ok()) return status.status();
  for (absl::string_view line : absl::StrSplit(*status, '\n')) {
    if (absl::ConsumePrefix(&line, "VmRSS:")) {
      line = absl::StripAsciiWhitespace(line);
      absl::ConsumeSuffix(&line, " kB");
      absl::SimpleAtoi(line, &s.rss_kib);
    }
  }
  return s;
}

// ESTABLISHED TCP sockets owned by `pid` whose local port is `port`: one per
// connected agent (plus any CLI connection at that instant).
int CountEstablished(pid_t pid, int port) {
  std::set<std::string> inodes;
  const std::string fd_dir = absl::StrCat("/proc/", pid, "/fd");
  DIR* dir = opendir(fd_dir.c_str());
  if (dir == nullptr) return -1;
  std::vector<std::string> entries;
  while (dirent* e = readdir(dir)) entries.emplace_back(e->d_name);
  closedir(dir);
  for (const std::string& name : entries) {
    char target[128];
    const std::string path = absl::StrCat(fd_dir, "/", name);
    const ssize_t n = readlink(path.c_str(), target, sizeof(target) - 1);
    if (n <= 0) continue;
    absl::string_view t(target, static_cast<size_t>(n));
    if (absl::ConsumePrefix(&t, "socket:[") && absl::ConsumeSuffix(&t, "]")) {
      inodes.insert(std::string(t));
    }
  }
  int count = 0;
  for (const char* table : {"tcp", "tcp6"}) {
    auto text = ReadFile(absl::StrCat("/proc/", pid, "/net/", table));
    if (!text.ok()) continue;
    bool header = true;
    for (absl::string_view line : absl::StrSplit(*text, '\n')) {
      if (header) {
        header = false;
        continue;
      }
      std::vector<absl::string_view> f =
          absl::StrSplit(line, ' ', absl::SkipEmpty());
      if (f.size() < 10 || f[3] != "01") continue;  // 01 = ESTABLISHED
      const size_t colon = f[1].rfind(':');
      if (colon == absl::string_view::npos) continue;
      int local_port = 0;
      if (!absl::SimpleHexAtoi(f[1].substr(colon + 1), &local_port) ||
          local_port != port) {
        continue;
      }
      if (inodes.count(std::string(f[9])) != 0) ++count;
    }
  }
  return count;
}

// The agent's own equal-jitter backoff (agent/link/console_link.cc).
absl::Duration Backoff(int attempt, absl::Duration initial, absl::Duration max,
                       std::mt19937_64& rng) {
  return ConsoleLink::Backoff(attempt, initial, max, rng);
}

// ---------------------------------------------------------------- agents

struct Identity {
  std::string name;
  std::string device_id;
  std::string node_key;
  std::string pool;
};

class Fleet;
class Agent;

// One Connect stream of one agent. Shares the agent's (recursive) mutex:
// gRPC may run a reaction inline while we hold it.
class Stream final
    : public grpc::ClientBidiReactor<v1::AgentMessage, v1::ConsoleMessage> {
 public:
  explicit Stream(Agent* agent);
  // Both with the agent's mutex held.
  void Start(v1::AgentLink::Stub* stub, const v1::AgentMessage& hello);
  bool Send(v1::AgentMessage message);
  bool finished() const { return finished_; }
  void Cancel() { context_.TryCancel(); }

  void OnReadDone(bool ok) override;
  void OnWriteDone(bool ok) override;
  void OnDone(const grpc::Status& status) override;

 private:
  Agent* agent_;
  grpc::ClientContext context_;
  v1::ConsoleMessage in_;
  std::deque<v1::AgentMessage> out_;
  bool writing_ = false;
  bool finished_ = false;  // reads over: no new writes
};

// Counters shared by every agent.
struct Totals {
  std::atomic<int64_t> connected{0};
  std::atomic<int64_t> attempts{0};
  std::atomic<int64_t> stream_errors{0};
  std::atomic<int64_t> heartbeats{0};
  std::atomic<int64_t> usage_intervals_acked{0};
  std::atomic<int64_t> usage_batches{0};
  std::atomic<int64_t> usage_acks{0};
  std::atomic<int64_t> commands_acked{0};
  std::mutex mu;
  std::vector<double> connect_ms;         // dial → Welcome, first connections
  std::map<std::string, int64_t> errors;  // by status code text
};

// The fan-out under way, if any.
struct FanOut {
  std::atomic<bool> active{false};
  absl::Time t0;
  bool locked = true;
};

// A policy change or a session start under way: since when, and whether
// agents should time what they receive.
struct Watch {
  std::atomic<bool> active{false};
  absl::Time t0;
};

class Agent {
 public:
  Agent(Fleet* fleet, Identity identity, size_t index);
  // Timer thread: dial, heartbeat and usage when due.
  void Tick(absl::Time now);
  void Disconnect();
  double fanout_ms();  // -1 when not received yet
  void ArmFanOut();
  // Times the next policy version above the one held now (-1: not yet).
  void ArmPolicy();
  double policy_ms();
  // Times the next session state that puts the agent on a session's first
  // step (-1: not yet).
  void ArmSession();
  double session_ms();
  const Identity& identity() const { return identity_; }

 private:
  friend class Stream;
  void Dial(absl::Time now);
  void OnMessage(const v1::ConsoleMessage& message);
  void OnStreamDone(Stream* stream, const grpc::Status& status);
  v1::AgentMessage Report();
  // Sends on the stream (mutex held); pushes the next heartbeat back.
  bool Send(v1::AgentMessage message);
  void MaybeSendUsage();

  Fleet* fleet_;
  Identity identity_;
  std::recursive_mutex mu_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::AgentLink::Stub> stub_;
  Stream* stream_ = nullptr;
  bool welcomed_ = false;
  bool ever_connected_ = false;
  absl::Time dial_at_ = absl::InfiniteFuture();
  absl::Time dialed_at_;
  absl::Time next_heartbeat_ = absl::InfiniteFuture();
  absl::Time next_usage_cut_;
  absl::Duration heartbeat_ = absl::Seconds(30);
  int attempt_ = 0;
  std::mt19937_64 rng_;
  // What it holds.
  int64_t lock_version_ = 0;
  bool locked_ = false;
  int64_t policy_version_ = 0;
  std::string policy_class_;
  int64_t session_version_ = 0;
  std::string session_id_;
  int32_t session_step_ = 0;
  int64_t last_command_seq_ = 0;
  // Usage outbox: seqs acked+1 .. next-1 are pending.
  std::string epoch_;
  int64_t usage_next_ = 1;
  int64_t usage_acked_ = 0;
  // As the agent does (common/usage_sender.h): each cut sent at once,
  // acks lazy unless asked for.
  UsageSender usage_sender_;
  absl::Time usage_base_;
  // Fan-out measurement.
  int64_t fanout_baseline_ = -1;
  double fanout_ms_ = -1;
  // Policy change and session start measurements.
  int64_t policy_baseline_ = -1;
  double policy_ms_ = -1;
  int64_t session_baseline_ = -1;
  double session_ms_ = -1;
};

class Fleet {
 public:
  explicit Fleet(const Options& options, std::string ca_pem)
      : options_(options),
        ca_pem_(std::move(ca_pem)),
        // One TLS context for every simulated agent, as each real agent
        // has its own: a context per channel cost the load generator the
        // CPU and memory it shares with the console.
        credentials_(
            MakeChannelCredentials(options.console, ChannelOptions{ca_pem_})) {}
  void Add(Identity identity) {
    agents_.push_back(
        std::make_unique<Agent>(this, std::move(identity), agents_.size()));
  }
  void StartTimer() {
    timer_ = std::thread([this] { TimerLoop(); });
  }
  void Stop() {
    stop_ = true;
    if (timer_.joinable()) timer_.join();
    for (auto& a : agents_) a->Disconnect();
  }
  std::vector<std::unique_ptr<Agent>>& agents() { return agents_; }
  const Options& options() const { return options_; }
  const absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>>& credentials()
      const {
    return credentials_;
  }
  Totals& totals() { return totals_; }
  FanOut& fanout() { return fanout_; }
  Watch& policy_watch() { return policy_watch_; }
  Watch& session_watch() { return session_watch_; }
  void Bury(Stream* s) {
    std::lock_guard<std::mutex> lock(graveyard_mu_);
    graveyard_.push_back({absl::Now(), s});
  }
  // Since when the storm's clock runs (InfiniteFuture: no storm).
  std::atomic<int64_t> storm_start_ns{0};
  std::mutex storm_mu;
  std::vector<double> storm_ms;

 private:
  void TimerLoop() {
    while (!stop_) {
      const absl::Time now = absl::Now();
      for (auto& a : agents_) a->Tick(now);
      {
        std::lock_guard<std::mutex> lock(graveyard_mu_);
        while (!graveyard_.empty() &&
               now - graveyard_.front().first > absl::Seconds(2)) {
          delete graveyard_.front().second;
          graveyard_.pop_front();
        }
      }
      absl::SleepFor(absl::Milliseconds(20));
    }
  }

  const Options& options_;
  std::string ca_pem_;
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials_;
  std::vector<std::unique_ptr<Agent>> agents_;
  std::thread timer_;
  std::atomic<bool> stop_{false};
  Totals totals_;
  FanOut fanout_;
  Watch policy_watch_;
  Watch session_watch_;
  std::mutex graveyard_mu_;
  std::deque<std::pair<absl::Time, Stream*>> graveyard_;
};

Stream::Stream(Agent* agent) : agent_(agent) {}

void Stream::Start(v1::AgentLink::Stub* stub, const v1::AgentMessage& hello) {
  context_.AddMetadata("x-ardoise-device", agent_->identity_.device_id);
  context_.AddMetadata("x-ardoise-node-key", agent_->identity_.node_key);
  stub->async()->Connect(&context_, this);
  AddHold();  // released when reads end: no write starts after OnDone
  Send(hello);
  StartRead(&in_);
  StartCall();
}

bool Stream::Send(v1::AgentMessage message) {
  if (finished_) return false;
  out_.push_back(std::move(message));
  if (!writing_) {
    writing_ = true;
    StartWrite(&out_.front());
  }
  return true;
}

void Stream::OnWriteDone(bool ok) {
  std::lock_guard<std::recursive_mutex> lock(agent_->mu_);
  out_.pop_front();
  if (!ok || finished_) {
    out_.clear();
    writing_ = false;
    return;
  }
  if (out_.empty()) {
    writing_ = false;
  } else {
    StartWrite(&out_.front());
  }
}

void Stream::OnReadDone(bool ok) {
  std::lock_guard<std::recursive_mutex> lock(agent_->mu_);
  if (!ok) {
    finished_ = true;
    RemoveHold();
    return;
  }
  agent_->OnMessage(in_);
  StartRead(&in_);
}

void Stream::OnDone(const grpc::Status& status) {
  agent_->OnStreamDone(this, status);
}

Agent::Agent(Fleet* fleet, Identity identity, size_t index)
    : fleet_(fleet),
      identity_(std::move(identity)),
      rng_(std::random_device{}() ^ index) {
  epoch_ = RandomHex(8);
  usage_base_ = absl::Now();
  // Agents cut their usage intervals at spread-out instants.
  std::uniform_int_distribution<int64_t> spread(
      0, absl::ToInt64Milliseconds(fleet->options().usage_every));
  next_usage_cut_ = absl::Now() + absl::Milliseconds(spread(rng_));
  // The initial connection is spread over the ramp.
  std::uniform_int_distribution<int64_t> ramp(
      0,
      std::max<int64_t>(0, absl::ToInt64Milliseconds(fleet->options().ramp)));
  dial_at_ = absl::Now() + absl::Milliseconds(ramp(rng_));
}

double Agent::fanout_ms() {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  return fanout_ms_;
}

void Agent::ArmFanOut() {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  fanout_baseline_ = lock_version_;
  fanout_ms_ = -1;
}

void Agent::ArmPolicy() {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  policy_baseline_ = policy_version_;
  policy_ms_ = -1;
}

double Agent::policy_ms() {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  return policy_ms_;
}

void Agent::ArmSession() {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  session_baseline_ = session_version_;
  session_ms_ = -1;
}

double Agent::session_ms() {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  return session_ms_;
}

void Agent::Disconnect() {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  dial_at_ = absl::InfiniteFuture();
  if (stream_ != nullptr) stream_->Cancel();
}

void Agent::Tick(absl::Time now) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  if (stream_ == nullptr) {
    if (now >= dial_at_) Dial(now);
    return;
  }
  if (!welcomed_ || stream_->finished()) return;
  if (now >= next_heartbeat_) {
    next_heartbeat_ = now + heartbeat_;
    if (Send(Report())) fleet_->totals().heartbeats++;
  }
  if (now >= next_usage_cut_) {
    next_usage_cut_ += fleet_->options().usage_every;
    ++usage_next_;  // one more interval recorded
    MaybeSendUsage();
  } else if (usage_sender_.NextDue() <= Monotonic(now)) {
    MaybeSendUsage();  // an ack waited for too long
  }
}

void Agent::Dial(absl::Time now) {
  if (channel_ == nullptr) {
    // The CA is in the fleet's shared credentials (checked at start).
    ChannelOptions options;
    options.own_connection = true;  // one TCP connection per agent
    options.max_reconnect_backoff = fleet_->options().backoff_max;
    channel_ =
        MakeChannel(fleet_->options().console, options, *fleet_->credentials());
    stub_ = v1::AgentLink::NewStub(channel_);
  }
  dial_at_ = absl::InfiniteFuture();
  dialed_at_ = now;
  welcomed_ = false;
  fleet_->totals().attempts++;
  v1::AgentMessage hello;
  v1::Hello* h = hello.mutable_hello();
  h->set_protocol_version(kProtocolVersion);
  h->set_agent_version(absl::StrCat(kVersion, "-loadgen"));
  h->set_manual_lock_version(lock_version_);
  h->set_last_command_seq(last_command_seq_);
  h->set_policy_version(policy_version_);
  h->set_policy_class(policy_class_);
  h->set_session_version(session_version_);
  h->set_usage_epoch(epoch_);
  h->set_usage_next_seq(usage_next_);
  h->set_usage_pipelined(true);
  *h->mutable_state() = Report().state().state();
  stream_ = new Stream(this);
  stream_->Start(stub_.get(), hello);
}

bool Agent::Send(v1::AgentMessage message) {
  if (!stream_->Send(std::move(message))) return false;
  // As the agent does: any message counts as the heartbeat.
  if (welcomed_) next_heartbeat_ = absl::Now() + heartbeat_;
  return true;
}

v1::AgentMessage Agent::Report() {
  v1::AgentMessage m;
  v1::DeviceState* s = m.mutable_state()->mutable_state();
  s->set_locked(locked_);
  if (locked_) s->set_lock_reason(v1::LOCK_REASON_MANUAL);
  s->set_manual_lock_version(lock_version_);
  s->set_last_command_seq(last_command_seq_);
  s->set_policy_version(policy_version_);
  s->set_session_version(session_version_);
  if (!session_id_.empty()) {
    s->set_session_id(session_id_);
    s->set_session_step(session_step_);
  }
  ToProto(absl::Now(), s->mutable_observed_at());
  return m;
}

void Agent::MaybeSendUsage() {
  if (stream_ == nullptr || !welcomed_) return;
  const absl::Duration now = Monotonic(absl::Now());
  std::optional<UsageSender::Read> read = usage_sender_.Next(now);
  if (!read.has_value()) return;
  // The outbox holds usage_acked_+1 .. usage_next_-1.
  const int64_t from = std::max(read->after_seq, usage_acked_) + 1;
  const int64_t to =
      std::min(usage_next_ - 1, from + usage_sender_.batch_size() - 1);
  if (from > to) {
    usage_sender_.Sent(now, 0, 0, read->ack_now);
    return;
  }
  const int count = static_cast<int>(to - from + 1);
  const bool ack_now = read->ack_now || count >= usage_sender_.batch_size();
  v1::AgentMessage m;
  v1::UsageBatch* b = m.mutable_usage();
  b->set_epoch(epoch_);
  b->set_ack_now(ack_now);
  const absl::Duration every = fleet_->options().usage_every;
  for (int64_t seq = from; seq <= to; ++seq) {
    v1::UsageInterval* i = b->add_intervals();
    i->set_seq(seq);
    i->set_kind(v1::INTERVAL_KIND_AGENT_UP);
    const absl::Time start = usage_base_ + every * (seq - 1);
    ToProto(start, i->mutable_start());
    ToProto(start + every, i->mutable_end());
    i->set_locked(locked_);
    i->set_in_use(!locked_);
    i->set_activity("org.kde.gcompris");
  }
  if (Send(std::move(m))) {
    usage_sender_.Sent(now, to, count, ack_now);
    fleet_->totals().usage_batches++;
  }
}

void Agent::OnMessage(const v1::ConsoleMessage& message) {
  const absl::Time now = absl::Now();
  switch (message.body_case()) {
    case v1::ConsoleMessage::kWelcome: {
      welcomed_ = true;
      heartbeat_ =
          absl::Seconds(std::max(1, message.welcome().heartbeat_seconds()));
      next_heartbeat_ = now + heartbeat_;
      attempt_ = 0;
      fleet_->totals().connected++;
      const double ms = absl::ToDoubleMilliseconds(now - dialed_at_);
      {
        std::lock_guard<std::mutex> lock(fleet_->totals().mu);
        if (!ever_connected_) fleet_->totals().connect_ms.push_back(ms);
      }
      ever_connected_ = true;
      usage_sender_.Connected();
      const int64_t storm = fleet_->storm_start_ns.load();
      if (storm != 0) {
        std::lock_guard<std::mutex> lock(fleet_->storm_mu);
        fleet_->storm_ms.push_back(
            absl::ToDoubleMilliseconds(now - absl::FromUnixNanos(storm)));
      }
      MaybeSendUsage();
      break;
    }
    case v1::ConsoleMessage::kDesired: {
      const v1::DesiredState& d = message.desired();
      bool changed = false;
      if (d.has_manual_lock() && d.manual_lock().version() > lock_version_) {
        lock_version_ = d.manual_lock().version();
        locked_ = d.manual_lock().locked();
        changed = true;
        if (fanout_baseline_ >= 0 && fanout_ms_ < 0 &&
            lock_version_ > fanout_baseline_ && fleet_->fanout().active &&
            locked_ == fleet_->fanout().locked) {
          fanout_ms_ = absl::ToDoubleMilliseconds(now - fleet_->fanout().t0);
        }
      }
      // As the agent does: hold the policy (version and class layer) and
      // the session, then report them.
      if (d.has_policy() && (d.policy().version() != policy_version_ ||
                             d.policy().class_name() != policy_class_)) {
        policy_version_ = d.policy().version();
        policy_class_ = d.policy().class_name();
        changed = true;
        if (policy_baseline_ >= 0 && policy_ms_ < 0 &&
            policy_version_ > policy_baseline_ &&
            fleet_->policy_watch().active) {
          policy_ms_ =
              absl::ToDoubleMilliseconds(now - fleet_->policy_watch().t0);
        }
      }
      if (d.has_session() && d.session().version() > session_version_) {
        session_version_ = d.session().version();
        session_id_ = d.session().session_id();
        session_step_ = d.session().step_index();
        changed = true;
        if (session_baseline_ >= 0 && session_ms_ < 0 &&
            session_version_ > session_baseline_ && !session_id_.empty() &&
            session_step_ == 0 && fleet_->session_watch().active) {
          session_ms_ =
              absl::ToDoubleMilliseconds(now - fleet_->session_watch().t0);
        }
      }
      if (changed) Send(Report());
      break;
    }
    case v1::ConsoleMessage::kCommand: {
      const int64_t seq = message.command().seq();
      last_command_seq_ = std::max(last_command_seq_, seq);
      v1::AgentMessage ack;
      ack.mutable_command_ack()->set_seq(seq);
      Send(std::move(ack));
      fleet_->totals().commands_acked++;
      Send(Report());
      break;
    }
    case v1::ConsoleMessage::kUsageAck: {
      const v1::UsageAck& a = message.usage_ack();
      if (a.epoch() != epoch_) break;
      if (a.restart_epoch()) {
        epoch_ = RandomHex(8);
        usage_acked_ = 0;
        usage_next_ = 1;
        usage_sender_.EpochRestarted();
      } else {
        if (a.acked_seq() > usage_acked_) {
          fleet_->totals().usage_intervals_acked +=
              a.acked_seq() - usage_acked_;
          usage_acked_ = a.acked_seq();
        }
        usage_sender_.Acked(a.acked_seq());
        fleet_->totals().usage_acks++;
      }
      MaybeSendUsage();
      break;
    }
    case v1::ConsoleMessage::kRekey:  // simulated agents keep their key
    case v1::ConsoleMessage::BODY_NOT_SET:
      break;
  }
}

void Agent::OnStreamDone(Stream* stream, const grpc::Status& status) {
  {
    std::lock_guard<std::recursive_mutex> lock(mu_);
    if (welcomed_) fleet_->totals().connected--;
    welcomed_ = false;
    stream_ = nullptr;
    usage_sender_.Disconnected();
    if (!status.ok() && status.error_code() != grpc::StatusCode::CANCELLED) {
      fleet_->totals().stream_errors++;
      std::lock_guard<std::mutex> l(fleet_->totals().mu);
      fleet_->totals()
          .errors[absl::StrCat("stream ", static_cast<int>(status.error_code()),
                               ": ", status.error_message().substr(0, 60))]++;
    }
    if (dial_at_ != absl::InfiniteFuture() ||
        status.error_code() != grpc::StatusCode::CANCELLED) {
      // Not stopped by us: redial as the agent does.
      if (absl::Now() - dialed_at_ > absl::Seconds(10)) attempt_ = 0;
      absl::Duration wait = Backoff(attempt_, fleet_->options().backoff_initial,
                                    fleet_->options().backoff_max, rng_);
      const auto code = status.error_code();
      if (code == grpc::StatusCode::UNAUTHENTICATED ||
          code == grpc::StatusCode::PERMISSION_DENIED ||
          code == grpc::StatusCode::ALREADY_EXISTS ||
          code == grpc::StatusCode::FAILED_PRECONDITION) {
        wait = Backoff(30, fleet_->options().backoff_initial,
                       fleet_->options().backoff_max, rng_);
      }
      ++attempt_;
      dial_at_ = absl::Now() + wait;
    }
  }
  fleet_->Bury(stream);
}

// ---------------------------------------------------------------- enrollment

absl::StatusOr<std::vector<Identity>> LoadIdentities(const std::string& path) {
  std::vector<Identity> out;
  auto text = ReadFile(path);
  if (!text.ok()) return out;  // none yet
  for (absl::string_view line :
       absl::StrSplit(*text, '\n', absl::SkipEmpty())) {
    std::vector<std::string> f = absl::StrSplit(line, ' ');
    if (f.size() != 4) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": expected NAME ID KEY POOL per line"));
    }
    out.push_back({f[0], f[1], f[2], f[3]});
  }
  return out;
}

struct EnrollPlan {
  int count;
  std::string pool;
  EnrollmentToken token;
};

// Enrolls `names` with the plans' tokens, 16 at a time, appending each
// identity to `path` as it is made.
absl::Status EnrollAll(const Options& options, const std::string& ca_pem,
                       const std::vector<EnrollPlan>& plans,
                       std::vector<Identity>& identities, Totals& totals) {
  std::set<std::string> have;
  for (const Identity& i : identities) have.insert(i.name);
  struct Job {
    std::string name, pool, credential;
  };
  std::vector<Job> jobs;
  int index = 0;
  for (const EnrollPlan& p : plans) {
    // The pinned flow: the CA we were given must be the token's.
    auto pin = SpkiPin(ca_pem);
    if (!pin.ok()) return pin.status();
    if (*pin != p.token.ca_pin) {
      return absl::PermissionDeniedError(
          "the console's CA is not the one the token names (pin mismatch)");
    }
    for (int i = 0; i < p.count; ++i, ++index) {
      std::string name =
          absl::StrFormat("%s-%s-%05d", options.prefix, p.pool, i);
      if (have.count(name) == 0)
        jobs.push_back({name, p.pool, p.token.credential});
    }
  }
  if (jobs.empty()) return absl::OkStatus();
  // The console presents the CA we hold: check it once, as an agent does.
  auto chain = FetchPeerChain(options.console, absl::Seconds(20));
  if (!chain.ok()) return chain.status();
  for (const EnrollPlan& p : plans) {
    auto ca = FindPinnedCa(*chain, p.token.ca_pin);
    if (!ca.ok()) return ca.status();
  }
  ChannelOptions channel_options;
  channel_options.root_ca_pem = ca_pem;
  auto channel = MakeChannel(options.console, channel_options);
  if (!channel.ok()) return channel.status();
  auto stub = v1::AgentLink::NewStub(*channel);
  std::atomic<size_t> next{0};
  std::mutex mu;
  std::ofstream file(options.identities, std::ios::app);
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&] {
      for (size_t j = next++; j < jobs.size(); j = next++) {
        v1::EnrollRequest request;
        request.set_token(jobs[j].credential);
        request.set_name(jobs[j].name);
        request.set_kind(v1::DEVICE_KIND_TABLET);
        request.set_agent_version(kVersion);
        request.set_protocol_version(kProtocolVersion);
        v1::EnrollResponse response;
        grpc::ClientContext context;
        context.set_deadline(
            absl::ToChronoTime(absl::Now() + absl::Seconds(60)));
        grpc::Status status = stub->Enroll(&context, request, &response);
        std::lock_guard<std::mutex> lock(mu);
        if (!status.ok()) {
          std::lock_guard<std::mutex> l(totals.mu);
          totals.errors[absl::StrCat("enroll: ", status.error_message())]++;
          continue;
        }
        Identity id{jobs[j].name, response.device_id(), response.node_key(),
                    jobs[j].pool};
        file << id.name << ' ' << id.device_id << ' ' << id.node_key << ' '
             << id.pool << '\n';
        identities.push_back(std::move(id));
      }
    });
  }
  for (auto& t : threads) t.join();
  file.flush();
  return absl::OkStatus();
}

// ---------------------------------------------------------------- phases

struct Report {
  std::vector<std::pair<std::string, std::string>> rows;  // for people
  std::string json = "{";
  void Add(const std::string& key, const std::string& label,
           const std::string& value_json, const std::string& shown) {
    rows.push_back({label, shown});
    if (json.size() > 1) json += ",";
    absl::StrAppend(&json, "\n  \"", key, "\": ", value_json);
  }
  void Num(const std::string& key, const std::string& label, double v,
           const std::string& unit, int precision = 1) {
    Add(key, label, absl::StrFormat("%.*f", precision, v),
        absl::StrFormat("%.*f %s", precision, v, unit));
  }
  void Pcts(const std::string& key, const std::string& label,
            const Summary& s) {
    Add(key, label,
        absl::StrFormat("{\"n\": %d, \"p50_ms\": %.1f, \"p90_ms\": %.1f, "
                        "\"p99_ms\": %.1f, \"max_ms\": %.1f}",
                        s.n, s.p50, s.p90, s.p99, s.max),
        absl::StrFormat("n=%d p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max "
                        "%.1f ms",
                        s.n, s.p50, s.p90, s.p99, s.max));
  }
};

pid_t ReadPid(const std::string& path) {
  if (path.empty()) return 0;
  auto text = ReadFile(path);
  if (!text.ok()) return 0;
  int pid = 0;
  if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(*text), &pid)) return 0;
  return pid;
}

int Port(const std::string& address) {
  int port = 0;
  absl::SimpleAtoi(address.substr(address.rfind(':') + 1), &port);
  return port;
}

bool WaitUntil(const std::function<bool()>& done, absl::Duration timeout) {
  const absl::Time end = absl::Now() + timeout;
  while (!done()) {
    if (absl::Now() > end) return false;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return true;
}

// Locks (or unlocks) `target` through the Console rpc and waits until every
// agent of `who` has received it. Returns the latencies (ms) and how many
// missed it within `timeout`.
// A Console call's context: a deadline and the operator's bearer token.
void PrepareConsoleCall(grpc::ClientContext* context, const std::string& token,
                        absl::Duration deadline) {
  context->set_deadline(absl::ToChronoTime(absl::Now() + deadline));
  if (!token.empty()) {
    context->AddMetadata("authorization", absl::StrCat("Bearer ", token));
  }
}

std::pair<std::vector<double>, int> FanOutOnce(
    Fleet& fleet, v1::Console::Stub& console, const std::string& token,
    const v1::Target& target, bool locked, const std::vector<Agent*>& who,
    absl::Duration timeout) {
  for (Agent* a : who) a->ArmFanOut();
  fleet.fanout().locked = locked;
  fleet.fanout().t0 = absl::Now();
  fleet.fanout().active = true;
  v1::SetLockRequest request;
  *request.mutable_target() = target;
  request.set_locked(locked);
  request.set_message("loadgen");
  v1::TargetResult result;
  grpc::ClientContext context;
  PrepareConsoleCall(&context, token, absl::Seconds(60));
  grpc::Status status = console.SetLock(&context, request, &result);
  if (!status.ok()) {
    std::lock_guard<std::mutex> lock(fleet.totals().mu);
    fleet.totals().errors[absl::StrCat("SetLock: ", status.error_message())]++;
  }
  WaitUntil(
      [&] {
        for (Agent* a : who) {
          if (a->fanout_ms() < 0) return false;
        }
        return true;
      },
      timeout);
  fleet.fanout().active = false;
  std::vector<double> ms;
  int missed = 0;
  for (Agent* a : who) {
    const double v = a->fanout_ms();
    if (v < 0) {
      ++missed;
    } else {
      ms.push_back(v);
    }
  }
  return {ms, missed};
}

// How many of `who` the console lists with a reported state that holds its
// desired lock.
int CountReported(v1::Console::Stub& console, const std::string& token,
                  const std::vector<Agent*>& who, bool locked) {
  std::set<std::string> ids;
  for (Agent* a : who) ids.insert(a->identity().device_id);
  v1::ListDevicesRequest request;
  v1::ListDevicesResponse response;
  grpc::ClientContext context;
  PrepareConsoleCall(&context, token, absl::Seconds(60));
  if (!console.ListDevices(&context, request, &response).ok()) return -1;
  int n = 0;
  for (const v1::Device& d : response.devices()) {
    if (ids.count(d.id()) != 0 && d.state().locked() == locked &&
        d.state().manual_lock_version() >= d.desired_lock().version()) {
      ++n;
    }
  }
  return n;
}

// Waits until `ms_of` gives a time for every agent of `who`; returns the
// times (ms) and how many had none within `timeout`.
std::pair<std::vector<double>, int> Collect(
    const std::vector<Agent*>& who, const std::function<double(Agent*)>& ms_of,
    absl::Duration timeout) {
  WaitUntil(
      [&] {
        for (Agent* a : who) {
          if (ms_of(a) < 0) return false;
        }
        return true;
      },
      timeout);
  std::vector<double> ms;
  int missed = 0;
  for (Agent* a : who) {
    const double v = ms_of(a);
    if (v < 0) {
      ++missed;
    } else {
      ms.push_back(v);
    }
  }
  return {ms, missed};
}

void CountError(Fleet& fleet, const std::string& what,
                const grpc::Status& status) {
  std::lock_guard<std::mutex> lock(fleet.totals().mu);
  fleet.totals().errors[absl::StrCat(what, ": ", status.error_message())]++;
}

// The policy file the loadgen applies to `school`: school hours every
// weekday (07:00-19:00, Paris), the app the session plan uses, and a weekly
// allowance that differs from one run to the next, so that every device's
// effective policy changes and every device receives the new version.
std::string LoadgenPolicy(const std::string& school) {
  const int64_t minutes = 1200 + absl::ToUnixSeconds(absl::Now()) % 600;
  std::string hours;
  for (const char* day :
       {"monday", "tuesday", "wednesday", "thursday", "friday"}) {
    absl::StrAppend(&hours, "  ", day, ": [\"07:00-19:00\"]\n");
  }
  return absl::StrCat("scope: {school: ", school,
                      "}\ntimezone: Europe/Paris\nschool_hours:\n", hours,
                      "weekly_allowance: ", minutes, "m\napps: [gcompris]\n");
}

// The session's plan: one step on GCompris (a tablet app the policy
// enables), no whiteboard.
constexpr char kLoadgenPlan[] = R"(title: "Loadgen"
levels: [CM1]
steps:
  - {title: "Un", duration: 30m, tablets: {app: gcompris}, whiteboard: none}
)";

// How many of `who` the console's policy status shows running the version
// in force.
int CountPolicyCurrent(v1::Console::Stub& console, const std::string& token,
                       const std::vector<Agent*>& who) {
  std::set<std::string> ids;
  for (Agent* a : who) ids.insert(a->identity().device_id);
  v1::PolicyStatusRequest request;
  v1::PolicyStatusResponse response;
  grpc::ClientContext context;
  PrepareConsoleCall(&context, token, absl::Seconds(60));
  if (!console.PolicyStatus(&context, request, &response).ok()) return -1;
  int n = 0;
  for (const v1::DevicePolicyStatus& d : response.devices()) {
    if (ids.count(d.id()) != 0 && d.current()) ++n;
  }
  return n;
}

// Applies LoadgenPolicy(school) and times, per agent of `who`, the rpc's
// start → the agent holds the new version (and has sent its report of it).
// Then waits until the console records every agent's applied version.
// Returns false when an agent missed it.
bool PolicyChange(Fleet& fleet, v1::Console::Stub& console,
                  const std::string& token, const std::string& school,
                  const std::vector<Agent*>& who, Report& report) {
  for (Agent* a : who) a->ArmPolicy();
  fleet.policy_watch().t0 = absl::Now();
  fleet.policy_watch().active = true;
  v1::ApplyPolicyRequest request;
  v1::PolicyFile* file = request.add_files();
  file->set_name("loadgen-policy.yaml");
  file->set_content(LoadgenPolicy(school));
  v1::ApplyPolicyResponse response;
  grpc::ClientContext context;
  PrepareConsoleCall(&context, token, absl::Seconds(60));
  grpc::Status status = console.ApplyPolicy(&context, request, &response);
  if (!status.ok()) CountError(fleet, "ApplyPolicy", status);
  auto [ms, missed] = Collect(
      who, [](Agent* a) { return a->policy_ms(); },
      status.ok() ? absl::Seconds(60) : absl::ZeroDuration());
  fleet.policy_watch().active = false;
  report.Pcts(
      "policy_change",
      absl::StrCat("policy change → applied by each agent (", who.size(), ")"),
      Summarize(ms));
  report.Num("policy_missed", "  devices that missed the policy", missed, "",
             0);
  int current = 0;
  if (status.ok()) {
    WaitUntil(
        [&] {
          current = CountPolicyCurrent(console, token, who);
          return current == static_cast<int>(who.size());
        },
        absl::Seconds(60));
  }
  report.Num("policy_current",
             "devices the console shows running the new policy", current, "",
             0);
  return status.ok() && missed == 0 && current == static_cast<int>(who.size());
}

// Creates `class_name` (school `school`, home room `pool`) if needed, starts
// kLoadgenPlan on it and times, per agent of `who` (the pool's), the rpc's
// start → the agent holds the session on its first step. Ends the session
// afterwards, so that the next run can start one. Returns false when an
// agent missed it.
bool SessionStart(Fleet& fleet, v1::Console::Stub& console,
                  const std::string& token, const std::string& school,
                  const std::string& class_name, const std::string& pool,
                  const std::vector<Agent*>& who, Report& report) {
  {
    v1::Class klass;
    klass.set_name(class_name);
    klass.set_school(school);
    klass.add_levels("CM1");
    klass.set_home_room(pool);
    v1::Class created;
    grpc::ClientContext context;
    PrepareConsoleCall(&context, token, absl::Seconds(60));
    grpc::Status status = console.CreateClass(&context, klass, &created);
    if (!status.ok() &&
        status.error_code() != grpc::StatusCode::ALREADY_EXISTS) {
      CountError(fleet, "CreateClass", status);
      return false;
    }
  }
  auto steer = [&](v1::SteerSessionRequest::Action action) {
    v1::SteerSessionRequest request;
    request.set_class_name(class_name);
    request.set_action(action);
    v1::Session session;
    grpc::ClientContext context;
    PrepareConsoleCall(&context, token, absl::Seconds(60));
    return console.SteerSession(&context, request, &session);
  };
  steer(v1::SteerSessionRequest::ACTION_END);  // a run cut short left one
  for (Agent* a : who) a->ArmSession();
  fleet.session_watch().t0 = absl::Now();
  fleet.session_watch().active = true;
  v1::StartSessionRequest request;
  request.set_class_name(class_name);
  request.set_plan_name("loadgen-plan.yaml");
  request.set_plan_yaml(kLoadgenPlan);
  v1::Session session;
  grpc::ClientContext context;
  PrepareConsoleCall(&context, token, absl::Seconds(60));
  grpc::Status status = console.StartSession(&context, request, &session);
  if (!status.ok()) CountError(fleet, "StartSession", status);
  auto [ms, missed] = Collect(
      who, [](Agent* a) { return a->session_ms(); },
      status.ok() ? absl::Seconds(10) : absl::ZeroDuration());
  fleet.session_watch().active = false;
  report.Pcts(
      "session_start",
      absl::StrCat("session start → each tablet on step 1 (", who.size(), ")"),
      Summarize(ms));
  report.Num("session_missed", "  tablets that missed the session start",
             missed, "", 0);
  if (status.ok()) {
    grpc::Status ended = steer(v1::SteerSessionRequest::ACTION_END);
    if (!ended.ok()) CountError(fleet, "SteerSession end", ended);
  }
  return status.ok() && missed == 0 && !who.empty();
}

int Run(const Options& options) {
  // Thousands of sockets: raise the soft limit to the hard one.
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);
  InitProgram();

  auto ca_pem = ReadFile(options.ca_path);
  if (!ca_pem.ok()) {
    std::cerr << "ardoise-loadgen: " << ca_pem.status() << "\n";
    return 2;
  }
  std::vector<EnrollPlan> plans;
  for (const std::string& e : options.enroll) {
    std::vector<std::string> f = absl::StrSplit(e, absl::MaxSplits(',', 2));
    EnrollPlan p;
    auto token = f.size() == 3 ? ParseEnrollmentToken(f[2])
                               : absl::InvalidArgumentError("COUNT,POOL,TOKEN");
    if (!token.ok() || !absl::SimpleAtoi(f[0], &p.count)) {
      std::cerr << "ardoise-loadgen: --enroll " << e
                << ": expected COUNT,POOL,TOKEN\n";
      return 2;
    }
    p.pool = f[1];
    p.token = *token;
    plans.push_back(std::move(p));
  }

  Options o = options;
  Report report;
  Fleet fleet(o, *ca_pem);
  if (!fleet.credentials().ok()) {
    std::cerr << "ardoise-loadgen: " << fleet.credentials().status() << "\n";
    return 2;
  }
  auto identities = LoadIdentities(o.identities);
  if (!identities.ok()) {
    std::cerr << "ardoise-loadgen: " << identities.status() << "\n";
    return 2;
  }
  const absl::Time enroll_start = absl::Now();
  const size_t had = identities->size();
  if (absl::Status s =
          EnrollAll(o, *ca_pem, plans, *identities, fleet.totals());
      !s.ok()) {
    std::cerr << "ardoise-loadgen: enrollment: " << s << "\n";
    return 1;
  }
  const absl::Duration enroll_time = absl::Now() - enroll_start;
  size_t n = identities->size();
  if (o.agents > 0) n = std::min(n, static_cast<size_t>(o.agents));
  std::sort(
      identities->begin(), identities->end(),
      [](const Identity& a, const Identity& b) { return a.name < b.name; });
  for (size_t i = 0; i < n; ++i) fleet.Add((*identities)[i]);
  std::cerr << "ardoise-loadgen: " << n << " agents ("
            << identities->size() - had << " enrolled now in " << enroll_time
            << ")\n";
  report.Num("agents", "agents simulated", static_cast<double>(n), "", 0);
  if (identities->size() > had) {
    report.Num("enroll_per_s", "enrollment rate",
               static_cast<double>(identities->size() - had) /
                   absl::ToDoubleSeconds(enroll_time),
               "/s", 0);
  }

  // Connect.
  const absl::Time connect_start = absl::Now();
  fleet.StartTimer();
  const bool all_connected = WaitUntil(
      [&] {
        return fleet.totals().connected.load() >= static_cast<int64_t>(n);
      },
      o.ramp + o.connect_timeout);
  const absl::Time all_connected_at = absl::Now();
  const absl::Duration connect_all = all_connected_at - connect_start;
  {
    std::lock_guard<std::mutex> lock(fleet.totals().mu);
    report.Pcts("connect", "connect time (dial → Welcome)",
                Summarize(fleet.totals().connect_ms));
    std::cerr << "connect-time histogram:\n"
              << Histogram(fleet.totals().connect_ms);
  }
  report.Num("connected", "agents connected",
             static_cast<double>(fleet.totals().connected.load()), "", 0);
  report.Num("all_connected_s", "time until all connected (ramp included)",
             absl::ToDoubleSeconds(connect_all), "s", 1);
  pid_t console_pid = ReadPid(o.console_pid_file);
  if (console_pid > 0) {
    report.Num("console_tcp_established",
               "console ESTABLISHED TCP connections on its port",
               CountEstablished(console_pid, Port(o.console)), "", 0);
  }

  // Steady heartbeat.
  auto console_channel = MakeChannel(o.console, {*ca_pem});
  auto console = v1::Console::NewStub(*console_channel);
  // The operator's connection (TCP + TLS) is set up before anything is
  // timed, as a teacher's open console keeps one: the fan-out figures are
  // the command's, not a first handshake's.
  if (!(*console_channel)
           ->WaitForConnected(
               absl::ToChronoTime(absl::Now() + absl::Seconds(30)))) {
    std::lock_guard<std::mutex> lock(fleet.totals().mu);
    fleet.totals().errors["console: cannot connect the operator channel"]++;
  }
  if (o.steady > absl::ZeroDuration()) {
    const absl::Duration settle =
        o.settle < absl::ZeroDuration() ? o.usage_every : o.settle;
    const absl::Time settled = all_connected_at + settle;
    if (absl::Now() < settled) {
      std::cerr << "ardoise-loadgen: settling until one usage period after "
                   "the last connection ("
                << settled - absl::Now() << ")\n";
      absl::SleepFor(settled - absl::Now());
    }
    const int64_t acked0 = fleet.totals().usage_intervals_acked.load();
    const int64_t beats0 = fleet.totals().heartbeats.load();
    const int64_t batches0 = fleet.totals().usage_batches.load();
    const int64_t acks0 = fleet.totals().usage_acks.load();
    auto before = console_pid > 0 ? SampleProcess(console_pid)
                                  : absl::StatusOr<ProcSample>(ProcSample{});
    const absl::Time t0 = absl::Now();
    absl::SleepFor(o.steady);
    const double secs = absl::ToDoubleSeconds(absl::Now() - t0);
    if (console_pid > 0 && before.ok()) {
      auto after = SampleProcess(console_pid);
      if (after.ok()) {
        report.Num("console_rss_mib", "console RSS (steady)",
                   static_cast<double>(after->rss_kib) / 1024, "MiB");
        report.Num("console_cpu_pct", "console CPU (steady, % of one core)",
                   100 * (after->cpu_seconds - before->cpu_seconds) /
                       absl::ToDoubleSeconds(after->at - before->at),
                   "%", 2);
        if (n > 0) {
          report.Num(
              "console_rss_kib_per_agent", "console RSS per agent",
              static_cast<double>(after->rss_kib) / static_cast<double>(n),
              "KiB");
        }
      }
    }
    report.Num(
        "heartbeats_per_s", "heartbeats sent (steady)",
        static_cast<double>(fleet.totals().heartbeats.load() - beats0) / secs,
        "/s");
    report.Num("usage_intervals_per_s",
               "usage ingest, intervals acked (steady)",
               static_cast<double>(fleet.totals().usage_intervals_acked.load() -
                                   acked0) /
                   secs,
               "/s");
    report.Num(
        "usage_batches_per_s", "usage batches sent (steady)",
        static_cast<double>(fleet.totals().usage_batches.load() - batches0) /
            secs,
        "/s");
    report.Num(
        "usage_acks_per_s", "usage acks received (steady)",
        static_cast<double>(fleet.totals().usage_acks.load() - acks0) / secs,
        "/s");
    report.Num("steady_s", "steady phase", secs, "s", 0);
  }
  if (auto self = SampleProcess(getpid()); self.ok()) {
    report.Num("loadgen_rss_mib", "loadgen RSS",
               static_cast<double>(self->rss_kib) / 1024, "MiB");
  }

  bool all_received = true;
  // Fan-out to one pool.
  if (!o.lock_pool.empty()) {
    std::vector<Agent*> who;
    for (auto& a : fleet.agents()) {
      if (a->identity().pool == o.lock_pool) who.push_back(a.get());
    }
    v1::Target target;
    target.set_kind(v1::Target::KIND_POOL);
    target.set_name(o.lock_pool);
    std::vector<double> all;
    int missed = 0;
    for (int r = 0; r < o.pool_rounds; ++r) {
      for (bool locked : {true, false}) {
        auto [ms, miss] = FanOutOnce(fleet, *console, o.token, target, locked,
                                     who, absl::Seconds(10));
        all.insert(all.end(), ms.begin(), ms.end());
        missed += miss;
      }
    }
    report.Pcts("fanout_pool",
                absl::StrCat("lock fan-out to pool ", o.lock_pool, " (",
                             who.size(), " devices)"),
                Summarize(all));
    report.Num("fanout_pool_missed", "  pool devices that missed a lock",
               missed, "", 0);
    all_received = all_received && missed == 0 && !who.empty();
  }
  // Fan-out to every device, then check the console saw every report.
  if (o.lock_all) {
    std::vector<Agent*> who;
    for (auto& a : fleet.agents()) who.push_back(a.get());
    v1::Target target;
    target.set_kind(v1::Target::KIND_ALL);
    auto [ms, missed] = FanOutOnce(fleet, *console, o.token, target, true, who,
                                   absl::Seconds(60));
    report.Pcts("fanout_all", absl::StrCat("lock fan-out to all (", n, ")"),
                Summarize(ms));
    report.Num("fanout_all_missed", "  devices that missed the lock", missed,
               "", 0);
    int reported = 0;
    WaitUntil(
        [&] {
          reported = CountReported(*console, o.token, who, true);
          return reported == static_cast<int>(n);
        },
        absl::Seconds(60));
    report.Num("lock_reported",
               "devices whose report of the lock the console holds", reported,
               "", 0);
    all_received =
        all_received && missed == 0 && reported == static_cast<int>(n);
    auto [ms2, missed2] = FanOutOnce(fleet, *console, o.token, target, false,
                                     who, absl::Seconds(60));
    report.Pcts("unlock_all", absl::StrCat("unlock fan-out to all (", n, ")"),
                Summarize(ms2));
    all_received = all_received && missed2 == 0;
  }

  // A policy change reaching every device.
  if (!o.policy_school.empty()) {
    std::vector<Agent*> who;
    for (auto& a : fleet.agents()) who.push_back(a.get());
    all_received =
        PolicyChange(fleet, *console, o.token, o.policy_school, who, report) &&
        all_received;
  }
  // A session start reaching every tablet of the class's home room.
  if (!o.session_class.empty()) {
    std::vector<Agent*> who;
    for (auto& a : fleet.agents()) {
      if (a->identity().pool == o.lock_pool) who.push_back(a.get());
    }
    all_received = SessionStart(fleet, *console, o.token, o.policy_school,
                                o.session_class, o.lock_pool, who, report) &&
                   all_received;
  }

  // Reconnect storm.
  if (!o.storm_restart.empty() && console_pid > 0) {
    const absl::Time kill_at = absl::Now();
    fleet.storm_start_ns = absl::ToUnixNanos(kill_at);
    kill(console_pid, SIGKILL);
    WaitUntil([&] { return fleet.totals().connected.load() == 0; },
              absl::Seconds(30));
    const int rc = std::system(o.storm_restart.c_str());
    const absl::Time restarted = absl::Now();
    if (rc != 0)
      std::cerr << "ardoise-loadgen: --storm-restart exited " << rc << "\n";
    const bool back = WaitUntil(
        [&] {
          return fleet.totals().connected.load() >= static_cast<int64_t>(n);
        },
        o.storm_timeout);
    const absl::Time all_back = absl::Now();
    report.Num("storm_restart_s", "storm: console kill → restarted (listening)",
               absl::ToDoubleSeconds(restarted - kill_at), "s", 1);
    report.Num("storm_all_back_s", "storm: restart → all agents back",
               absl::ToDoubleSeconds(all_back - restarted), "s", 1);
    report.Num("storm_back", "storm: agents back",
               static_cast<double>(fleet.totals().connected.load()), "", 0);
    {
      std::lock_guard<std::mutex> lock(fleet.storm_mu);
      report.Pcts("storm_reconnect", "storm: kill → each agent's Welcome",
                  Summarize(fleet.storm_ms));
      std::cerr << "storm reconnect histogram (since the kill):\n"
                << Histogram(fleet.storm_ms);
    }
    all_received = all_received && back;
  }

  report.Num("attempts", "connection attempts",
             static_cast<double>(fleet.totals().attempts.load()), "", 0);
  report.Num("stream_errors", "streams ended by an error",
             static_cast<double>(fleet.totals().stream_errors.load()), "", 0);
  report.Num("commands_acked", "commands acked",
             static_cast<double>(fleet.totals().commands_acked.load()), "", 0);
  {
    std::lock_guard<std::mutex> lock(fleet.totals().mu);
    std::string errors = "{";
    std::string shown;
    for (const auto& [what, count] : fleet.totals().errors) {
      if (errors.size() > 1) errors += ", ";
      std::string escaped;
      for (char c : what) {
        if (c == '"' || c == '\\') escaped += '\\';
        if (static_cast<unsigned char>(c) >= 0x20) escaped += c;
      }
      absl::StrAppend(&errors, "\"", escaped, "\": ", count);
      absl::StrAppend(&shown, shown.empty() ? "" : "; ", what, " ×", count);
    }
    report.Add("errors", "errors", errors + "}",
               shown.empty() ? "none" : shown);
  }
  report.Add("ok",
             "all connected; all locks, policies and sessions received and "
             "reported",
             all_connected && all_received ? "true" : "false",
             all_connected && all_received ? "yes" : "NO");
  fleet.Stop();
  absl::SleepFor(absl::Milliseconds(200));

  size_t width = 0;
  for (const auto& r : report.rows) width = std::max(width, r.first.size());
  for (const auto& r : report.rows) {
    std::cout << absl::StrFormat("%-*s  %s\n", static_cast<int>(width), r.first,
                                 r.second);
  }
  if (!o.json_path.empty()) {
    std::ofstream(o.json_path) << report.json << "\n}\n";
  }
  std::cout.flush();
  std::cerr.flush();
  // Streams may still be finishing on gRPC's threads: leave without
  // destroying the agents under them.
  _exit(all_connected && all_received ? 0 : 1);
}

}  // namespace
}  // namespace ardoise::loadgen

int main(int argc, char** argv) {
  ardoise::loadgen::Options o;
  CLI::App app{
      "Simulates N Ardoise agents against a real console and prints what it "
      "measured."};
  double ramp = 10, connect_timeout = 120, steady = 30, settle = -1,
         usage_every = 60, backoff_max = 30, storm_timeout = 180;
  app.add_option("--console", o.console, "HOST:PORT of the console")
      ->required();
  app.add_option("--ca", o.ca_path, "the console's ca.pem")->required();
  app.add_option("--enroll", o.enroll,
                 "COUNT,POOL,TOKEN: enroll COUNT devices with TOKEN (of POOL)");
  app.add_option("--identities", o.identities,
                 "file caching enrolled identities (NAME ID KEY POOL)")
      ->required();
  app.add_option("--prefix", o.prefix, "device name prefix");
  app.add_option("--agents", o.agents, "simulate at most this many (0: all)");
  app.add_option("--ramp", ramp, "seconds over which first dials are spread");
  app.add_option("--connect-timeout", connect_timeout, "seconds");
  app.add_option("--steady", steady, "seconds of steady heartbeat measured");
  app.add_option("--settle", settle,
                 "seconds waited after all connected before the steady "
                 "phase (default: --usage-every)");
  app.add_option("--usage-every", usage_every,
                 "seconds between usage intervals per agent");
  app.add_option("--backoff-max", backoff_max,
                 "reconnect backoff cap, seconds");
  app.add_option("--lock-pool", o.lock_pool, "pool for the class fan-out");
  app.add_option("--pool-rounds", o.pool_rounds,
                 "lock+unlock rounds on the pool");
  app.add_flag("--lock-all", o.lock_all, "lock and unlock every device");
  app.add_option("--policy-school", o.policy_school,
                 "apply a policy to this school (every simulated device's) "
                 "and time each device's applied version");
  app.add_option("--session-class", o.session_class,
                 "create this class in --policy-school with --lock-pool as "
                 "its home room, start a session and time each tablet's "
                 "step 1 (the console's clock must be in school hours)")
      ->needs("--policy-school")
      ->needs("--lock-pool");
  app.add_option("--console-pid-file", o.console_pid_file,
                 "file holding the console's pid (CPU, RSS, sockets, storm)");
  app.add_option("--storm-restart", o.storm_restart,
                 "shell command restarting the console after the SIGKILL "
                 "(it must update --console-pid-file)");
  app.add_option("--storm-timeout", storm_timeout, "seconds");
  app.add_option("--json", o.json_path, "write the figures here as JSON");
  std::string token_file;
  app.add_option("--token-file", token_file,
                 "an it_admin's login token (from `ardoise login`), for the "
                 "locks and the device list (required with --lock-pool or "
                 "--lock-all)");
  CLI11_PARSE(app, argc, argv);
  if (!token_file.empty()) {
    auto token = ardoise::ReadFile(token_file);
    if (!token.ok()) {
      std::cerr << "ardoise-loadgen: --token-file: " << token.status().message()
                << "\n";
      return 2;
    }
    o.token = std::string(absl::StripAsciiWhitespace(*token));
  } else if (!o.lock_pool.empty() || o.lock_all || !o.policy_school.empty()) {
    std::cerr << "ardoise-loadgen: --lock-pool, --lock-all, --policy-school "
                 "and --session-class call the console as an operator: give "
                 "--token-file (an it_admin's token from `ardoise login`)\n";
    return 2;
  }
  using ardoise::loadgen::ParseSeconds;
  o.ramp = ParseSeconds(ramp);
  o.connect_timeout = ParseSeconds(connect_timeout);
  o.steady = ParseSeconds(steady);
  o.settle = settle < 0 ? absl::Seconds(-1) : ParseSeconds(settle);
  o.usage_every = ParseSeconds(usage_every);
  o.backoff_max = ParseSeconds(backoff_max);
  o.storm_timeout = ParseSeconds(storm_timeout);
  return ardoise::loadgen::Run(o);
}
