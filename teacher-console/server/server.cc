#include "teacher-console/server/server.h"

#include <unistd.h>

#include <map>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/logging.h"
#include "common/status_macros.h"
#include "common/transport.h"
#include "teacher-console/server/certificates.h"
#include "teacher-console/server/sessions.h"
#include "teacher-console/server/store.h"
#include "teacher-console/server/usage_store.h"

namespace ardoise {

namespace {

// Creates the `admin` account unless some account exists; returns its
// password, or "" when accounts already exist.
absl::StatusOr<std::string> CreateAdmin(const std::string& data_dir,
                                        absl::Time now,
                                        const std::string& admin_password) {
  ARDOISE_ASSIGN_OR_RETURN(auto db, OpenConsoleDatabase(data_dir, false));
  ARDOISE_ASSIGN_OR_RETURN(std::vector<AccountRow> accounts, LoadAccounts(*db));
  if (!accounts.empty()) return std::string();
  const std::string password =
      admin_password.empty() ? RandomPassword() : admin_password;
  ARDOISE_RETURN_IF_ERROR(CheckNewPassword(password));
  ARDOISE_ASSIGN_OR_RETURN(std::string hash, HashPassword(password));
  v1::User admin;
  admin.set_login("admin");
  admin.set_role(v1::ROLE_IT_ADMIN);
  ARDOISE_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*db));
  ARDOISE_RETURN_IF_ERROR(InsertAccount(*db, admin, hash, now));
  ARDOISE_RETURN_IF_ERROR(AppendAudit(*db, now, "init", "user.create", "admin",
                                      "ok", "role=it_admin school="));
  ARDOISE_RETURN_IF_ERROR(tx.Commit());
  return password;
}

}  // namespace

absl::StatusOr<std::string> InitConsole(const std::string& data_dir,
                                        const std::vector<std::string>& san,
                                        absl::Time now,
                                        const std::string& admin_password) {
  const bool has_db = access((data_dir + "/console.db").c_str(), F_OK) == 0;
  const bool has_ca =
      access(absl::StrCat(data_dir, "/", kCaCertFile).c_str(), F_OK) == 0;
  if (has_db && has_ca) {
    return absl::FailedPreconditionError(absl::StrCat(
        data_dir,
        " is already initialized (start it with `ardoise-console serve --data ",
        data_dir,
        "`; for other certificate names: `ardoise-console renew-cert --data ",
        data_dir, " --san NAME`)"));
  }
  if (!has_db) {
    ARDOISE_ASSIGN_OR_RETURN(auto db, OpenConsoleDatabase(data_dir, true));
  }
  if (!has_ca) {
    ARDOISE_RETURN_IF_ERROR(CreateConsoleCertificates(data_dir, san, now));
  }
  return CreateAdmin(data_dir, now, admin_password);
}

ConsoleServer::ConsoleServer(const ConsoleOptions& options)
    : options_(options) {}

absl::StatusOr<std::unique_ptr<ConsoleServer>> ConsoleServer::Start(
    const ConsoleOptions& options) {
  std::unique_ptr<ConsoleServer> server(new ConsoleServer(options));
  auto db = OpenConsoleDatabase(options.data_dir, false);
  if (!db.ok()) {
    return absl::Status(
        db.status().code(),
        absl::StrCat(db.status().message(),
                     " (create it first: `ardoise-console init --data ",
                     options.data_dir, "`)"));
  }
  ARDOISE_ASSIGN_OR_RETURN(ConsoleTls tls, LoadConsoleTls(options.data_dir));
  server->ca_pin_ = tls.ca_pin;
  server->certificate_ = tls.server;
  ARDOISE_ASSIGN_OR_RETURN(std::vector<DeviceRecord> devices,
                           LoadDevices(**db));
  ARDOISE_ASSIGN_OR_RETURN(StoredPolicies stored, LoadPolicies(**db));
  std::vector<ParsedPolicy> files;
  for (const StoredPolicyFile& file : stored.files) {
    // Files were validated when applied; failing now means the parser grew
    // stricter. Say which file and refuse to start rather than guess.
    auto parsed = ParsePolicy(file.content, file.name);
    if (!parsed.ok()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "stored policy no longer valid: ", parsed.status().message(),
          " (fix the file and apply it again with an older console, or remove "
          "it from policy_files)"));
    }
    files.push_back(*std::move(parsed));
  }
  server->policies_ = std::make_unique<PolicyBook>();
  server->policies_->Replace(std::move(files), stored.version);
  PolicyBook* book = server->policies_.get();
  server->registry_ = std::make_unique<Registry>(
      options.clock, options.heartbeat, [book](const DeviceRecord& record) {
        return PolicyBook::For(*book->snapshot(), ScopeOf(record),
                               record.desired_session.class_name(), nullptr);
      });
  server->registry_->Load(std::move(devices));
  const std::string db_path = (*db)->path();
  server->writer_ = Writer::Start(*std::move(db));
  server->sessions_ = std::make_unique<Sessions>(
      options.clock, server->writer_.get(), server->registry_.get(),
      server->policies_.get());
  Sessions* sessions = server->sessions_.get();
  absl::Status loaded = server->writer_->Run(
      [sessions](Database& db) { return sessions->Load(db); });
  if (!loaded.ok()) {
    server->writer_->Stop();
    return loaded;
  }

  server->accounts_ = std::make_unique<Accounts>(sessions);
  Accounts* accounts = server->accounts_.get();
  const absl::Time now = options.clock->Now();
  absl::Status accounts_loaded = server->writer_->Run(
      [accounts, now](Database& db) { return accounts->Load(db, now); });
  if (!accounts_loaded.ok()) {
    server->writer_->Stop();
    return accounts_loaded;
  }

  auto reports = ReportWorker::Start(db_path);
  if (!reports.ok()) {
    server->writer_->Stop();
    return reports.status();
  }
  server->reports_ = *std::move(reports);
  auto login_worker = ReportWorker::Start(db_path);
  if (!login_worker.ok()) {
    server->writer_->Stop();
    return login_worker.status();
  }
  server->login_worker_ = *std::move(login_worker);

  ConsoleContext context{
      options.clock,           server->writer_.get(),   server->registry_.get(),
      server->policies_.get(), server->sessions_.get(), server->reports_.get(),
      server->accounts_.get(), options.login_policy,    tls.ca_pin};
  RateLimitOptions enroll_limits;
  enroll_limits.burst = kEnrollFailureBurst;
  enroll_limits.refill = options.forgive_failure;
  enroll_limits.what = "failed enrollments";
  server->enroll_limiter_ = std::make_unique<RateLimiter>(enroll_limits);
  context.enroll_limiter = server->enroll_limiter_.get();
  RateLimitOptions login_limits;
  login_limits.burst = kLoginFailureBurst;
  login_limits.refill = options.forgive_failure;
  login_limits.what = "failed logins";
  server->login_limiter_ = std::make_unique<RateLimiter>(login_limits);
  context.login_limiter = server->login_limiter_.get();
  server->connect_log_ = std::make_unique<LogLimiter>(
      kRoutineLinesPerWindow, kRoutineLogWindow, Clock::Real());
  context.connect_log = server->connect_log_.get();
  server->disconnect_log_ = std::make_unique<LogLimiter>(
      kRoutineLinesPerWindow, kRoutineLogWindow, Clock::Real());
  context.disconnect_log = server->disconnect_log_.get();
  context.login_worker = server->login_worker_.get();
  context.usage_ack_every = options.usage_ack_every;
  server->agent_link_ = std::make_unique<AgentLinkService>(context);
  server->console_ = std::make_unique<ConsoleService>(context);

  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(
      options.listen,
      MakeServerCredentials(
          {options.listen, tls.cert_chain_pem, tls.private_key_pem}),
      &port);
  ConfigureServer(builder);
  builder.RegisterService(server->agent_link_.get());
  builder.RegisterService(server->console_.get());
  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr || port == 0) {
    server->writer_->Stop();
    return absl::UnavailableError(absl::StrCat(
        "cannot listen on ", options.listen,
        " (address in use or not local? pick another with --listen)"));
  }
  const std::vector<std::string> host_port =
      absl::StrSplit(options.listen, absl::MaxSplits(':', 1));
  server->address_ = absl::StrCat(
      host_port.size() == 2 ? host_port[0] : std::string("0.0.0.0"), ":", port);
  server->maintenance_ = std::thread([s = server.get()] { s->Maintain(); });
  return server;
}

ConsoleServer::~ConsoleServer() { Shutdown(); }

void ConsoleServer::Shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  stop_.Notify();
  if (maintenance_.joinable()) maintenance_.join();
  // Streams never end by themselves: give unary calls a moment, then cancel.
  if (server_ != nullptr) {
    server_->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(2)));
    server_->Wait();
  }
  // A server whose Start failed half-way has nothing more to stop.
  if (writer_ == nullptr) return;
  if (reports_ != nullptr) reports_->Stop();
  if (login_worker_ != nullptr) login_worker_->Stop();
  Flush();
  writer_->Stop();
}

void ConsoleServer::Maintain() {
  absl::Time next_purge = options_.clock->Now();
  absl::Time next_usage_purge = options_.clock->Now();
  absl::Time next_flush = absl::Now() + options_.flush_every;
  // Sessions are looked at four times a second (a step boundary or deadline
  // is acted on within 250 ms; the device enforces it on its own anyway).
  while (!stop_.WaitForNotificationWithTimeout(absl::Milliseconds(250))) {
    sessions_->Tick();
    SummariseRoutineLines();
    if (absl::Now() < next_flush) continue;
    next_flush = absl::Now() + options_.flush_every;
    // A tablet that vanished without closing its connection (out of Wi-Fi,
    // battery pulled) sends nothing: its stream ends 2 heartbeats + 10 s
    // after its last message.
    const int silent = registry_->CloseSilent(
        absl::Now(), 2 * options_.heartbeat + kSilenceMargin);
    if (silent > 0) {
      ARDOISE_LOG(INFO) << "closed " << silent
                        << " stream(s) silent for over 2 heartbeats + "
                        << absl::FormatDuration(kSilenceMargin);
    }
    Flush();
    const absl::Time now = options_.clock->Now();
    if (now >= next_purge) {
      next_purge = now + absl::Minutes(1);
      Registry* registry = registry_.get();
      writer_->PostBackground(
          [now](Database& db) {
            return PurgeExpiredCommands(db, now).status();
          },
          [registry, now](absl::Status status) {
            if (status.ok()) registry->DropExpiredCommands(now);
          });
    }
    if (now >= next_usage_purge) {
      next_usage_purge = now + options_.usage_purge_every;
      PurgeUsage(now);
    }
  }
}

void ConsoleServer::SummariseRoutineLines() {
  const int64_t connected = connect_log_->TakeSuppressed();
  const int64_t disconnected = disconnect_log_->TakeSuppressed();
  if (connected > 0 || disconnected > 0) {
    ARDOISE_LOG(INFO) << "and " << connected << " more devices connected, "
                      << disconnected << " more disconnected (not logged one "
                      << "by one; at most " << kRoutineLinesPerWindow
                      << " of each every "
                      << absl::FormatDuration(kRoutineLogWindow) << ")";
  }
}

void ConsoleServer::PurgeUsage(absl::Time now) {
  // Each device's raw intervals live as long as its policy's retention says
  // (the merge fills in 90 days by default); the daily aggregates stay.
  std::map<int, std::vector<std::string>> by_days;
  v1::ListDevicesRequest all;
  all.set_include_retired(true);
  auto snapshot = policies_->snapshot();
  for (const v1::Device& device : registry_->List(all)) {
    const int days = PolicyBook::For(*snapshot, ScopeOf(device), "", nullptr)
                         .retention_days();
    by_days[days > 0 ? days : 90].push_back(device.id());
  }
  std::vector<std::pair<absl::Time, std::vector<std::string>>> cutoffs;
  for (auto& [days, ids] : by_days) {
    cutoffs.emplace_back(now - absl::Hours(24) * days, std::move(ids));
  }
  writer_->PostBackground(
      [cutoffs = std::move(cutoffs)](Database& db) -> absl::Status {
        ARDOISE_ASSIGN_OR_RETURN(int64_t purged,
                                 PurgeUsageIntervals(db, cutoffs));
        if (purged > 0) {
          ARDOISE_LOG(INFO)
              << "purged " << purged << " usage intervals past their retention";
        }
        return absl::OkStatus();
      },
      [](absl::Status status) {
        if (!status.ok()) {
          ARDOISE_LOG(WARNING) << "cannot purge old usage: " << status;
        }
      });
}

void ConsoleServer::Flush() {
  std::vector<LiveUpdate> updates = registry_->TakeDirty();
  if (updates.empty()) return;
  writer_->PostBackground([updates = std::move(updates)](
                              Database& db) { return WriteLive(db, updates); },
                          [](absl::Status status) {
                            if (!status.ok()) {
                              ARDOISE_LOG(WARNING)
                                  << "cannot save devices' last-seen times: "
                                  << status.ToString();
                            }
                          });
}

}  // namespace ardoise
