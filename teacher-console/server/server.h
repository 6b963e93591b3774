// The console: ties the store, the registry, the writer and the gRPC
// services into one server that the `ardoise-console` program runs.
//
// Threads: gRPC's callback pool; the Writer thread; the ReportWorker (reads
// for reports); one maintenance thread that flushes live device fields
// (last seen, reported state) in batches, closes streams silent for 2
// heartbeats + 10 s, purges expired commands and,
// hourly, raw usage intervals past their retention.
// Thread safety: Create/Shutdown from one thread; the rest is internal.
#ifndef ARDOISE_TEACHER_CONSOLE_SERVER_SERVER_H_
#define ARDOISE_TEACHER_CONSOLE_SERVER_SERVER_H_

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "common/tls.h"
#include "grpcpp/grpcpp.h"
#include "teacher-console/server/rate_limit.h"
#include "teacher-console/server/registry.h"
#include "teacher-console/server/services.h"
#include "teacher-console/server/writer.h"

namespace ardoise {

// Connect and disconnect lines logged one by one per window; beyond that
// the maintenance thread writes one summary line per window.
inline constexpr int kRoutineLinesPerWindow = 20;
inline constexpr absl::Duration kRoutineLogWindow = absl::Seconds(10);
// A stream is closed when nothing came from its device for 2 heartbeats and
// this long (Registry::CloseSilent).
inline constexpr absl::Duration kSilenceMargin = absl::Seconds(10);

struct ConsoleOptions {
  std::string data_dir;
  std::string listen = "127.0.0.1:7443";
  // Agents report at this period; online = heard from within two.
  absl::Duration heartbeat = absl::Seconds(30);
  // How often live fields are written back to SQLite.
  absl::Duration flush_every = absl::Seconds(5);
  // How often raw usage intervals past their retention are purged.
  absl::Duration usage_purge_every = absl::Hours(1);
  // Lazy usage acks: at most one per stream this often (ConsoleContext).
  absl::Duration usage_ack_every = absl::Minutes(10);
  const Clock* clock = Clock::Real();
  // Failed logins: slowdown, lockout, session length (accounts.h).
  LoginPolicy login_policy;
  // Failed enrollments and logins per address: kEnrollFailureBurst and
  // kLoginFailureBurst in a row, then one per this period (rate_limit.h).
  absl::Duration forgive_failure = absl::Seconds(6);
};

// Creates DATA_DIR with what it lacks: an empty, migrated database with an
// `admin` account (city-wide it_admin) whose password is `admin_password`
// (random when empty), and the TLS files (certificates.h: a CA and a server
// certificate for `san` plus localhost, 127.0.0.1 and ::1).
// FAILED_PRECONDITION if it already holds both (init never overwrites; a
// folder from before TLS gets certificates). Returns the admin's password
// when it created the account (empty otherwise: an older database without
// accounts gets one too).
absl::StatusOr<std::string> InitConsole(const std::string& data_dir,
                                        const std::vector<std::string>& san,
                                        absl::Time now,
                                        const std::string& admin_password);

class ConsoleServer final {
 public:
  static absl::StatusOr<std::unique_ptr<ConsoleServer>> Start(
      const ConsoleOptions& options);
  ~ConsoleServer();
  ConsoleServer(const ConsoleServer&) = delete;
  ConsoleServer& operator=(const ConsoleServer&) = delete;

  // "127.0.0.1:41235": the address really bound (port 0 resolved).
  const std::string& address() const { return address_; }
  // The pin of the console's CA ("sha256:HEX"), as tokens carry it.
  const std::string& ca_pin() const { return ca_pin_; }
  // The server certificate it presents.
  const CertificateInfo& certificate() const { return certificate_; }

  // Stops accepting, ends streams, flushes, stops the writer. Idempotent.
  void Shutdown();

 private:
  explicit ConsoleServer(const ConsoleOptions& options);
  void Maintain();
  void Flush();
  void PurgeUsage(absl::Time now);
  // One line for the connects and disconnects not logged one by one.
  void SummariseRoutineLines();

  ConsoleOptions options_;
  // Before the Writer: its done callbacks use it until the Writer stops.
  std::unique_ptr<RateLimiter> enroll_limiter_;
  std::unique_ptr<RateLimiter> login_limiter_;
  std::unique_ptr<LogLimiter> connect_log_;
  std::unique_ptr<LogLimiter> disconnect_log_;
  std::unique_ptr<PolicyBook> policies_;
  std::unique_ptr<Registry> registry_;
  std::unique_ptr<Writer> writer_;
  std::unique_ptr<Sessions> sessions_;
  std::unique_ptr<ReportWorker> reports_;
  std::unique_ptr<ReportWorker> login_worker_;  // password checks
  std::unique_ptr<Accounts> accounts_;
  std::unique_ptr<AgentLinkService> agent_link_;
  std::unique_ptr<ConsoleService> console_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
  std::string ca_pin_;
  CertificateInfo certificate_;
  absl::Notification stop_;
  std::thread maintenance_;
  bool shut_down_ = false;
};

}  // namespace ardoise

#endif  // ARDOISE_TEACHER_CONSOLE_SERVER_SERVER_H_
