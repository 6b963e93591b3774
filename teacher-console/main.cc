// ardoise-console: `init` prepares a data folder, `serve` runs the console,
// `renew-cert` re-issues its server certificate, `pin` prints its CA pin.
#include <signal.h>
#include <sys/resource.h>

#include <iostream>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/ascii.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "common/duration.h"
#include "common/files.h"
#include "common/logging.h"
#include "common/program.h"
#include "common/stop_signals.h"
#include "common/tls.h"
#include "common/version.h"
#include "teacher-console/server/certificates.h"
#include "teacher-console/server/server.h"

namespace {

std::string Day(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d", t, absl::UTCTimeZone());
}

int Fail(const absl::Status& status) {
  std::cerr << "ardoise-console: " << status.message() << "\n";
  return 1;
}

int Init(const std::string& data_dir, const std::vector<std::string>& san,
         const std::string& admin_password_file) {
  std::string admin_password;
  if (!admin_password_file.empty()) {
    auto read = ardoise::ReadFile(admin_password_file);
    if (!read.ok()) return Fail(read.status());
    admin_password = std::string(absl::StripTrailingAsciiWhitespace(*read));
  }
  absl::StatusOr<std::string> password =
      ardoise::InitConsole(data_dir, san, absl::Now(), admin_password);
  if (!password.ok()) return Fail(password.status());
  auto tls = ardoise::LoadConsoleTls(data_dir);
  if (!tls.ok()) return Fail(tls.status());
  std::cout << "Initialized the console in " << data_dir << ".\n\n"
            << "Certificate authority: " << data_dir << "/ca.pem (key ca.key, "
            << "keep it secret)\n"
            << "CA pin:                " << tls->ca_pin << "\n"
            << "Server certificate:    " << data_dir << "/server.pem for "
            << absl::StrJoin(tls->server.names, ", ") << " (until "
            << Day(tls->server.not_after) << ")\n\n"
            << "Devices and people must reach the console by one of these "
               "names;\nadd others with `ardoise-console renew-cert --data "
            << data_dir << " --san NAME`.\n\n";
  if (!password->empty() && admin_password_file.empty()) {
    std::cout << "Account admin (city-wide it_admin), password: " << *password
              << "\n(shown once: log in with `ardoise login --user admin`, "
                 "then create people's accounts with `ardoise users "
                 "create`)\n\n";
  } else if (!password->empty()) {
    std::cout << "Account admin (city-wide it_admin) created with the "
                 "password in "
              << admin_password_file << ".\n\n";
  }
  std::cout << "Next:\n"
            << "  ardoise-console serve --data " << data_dir
            << " --listen 0.0.0.0:7443\n"
            << "  ardoise trust --console HOST:7443 --pin " << tls->ca_pin
            << "\n"
            << "  ardoise login --console HOST:7443 --user admin\n"
            << "  ardoise --console HOST:7443 token create --school SCHOOL "
               "--pool ROOM --uses 30\n"
            << "  ardoise-agent enroll --console HOST:7443 --token TOKEN "
               "--data /var/lib/ardoise-agent --name NAME --kind tablet\n";
  return 0;
}

int RenewCert(const std::string& data_dir,
              const std::vector<std::string>& san) {
  auto info = ardoise::RenewServerCertificate(data_dir, san, absl::Now());
  if (!info.ok()) return Fail(info.status());
  std::cout << "Issued a new server certificate in " << data_dir
            << "/server.pem for " << absl::StrJoin(info->names, ", ")
            << " (until " << Day(info->not_after)
            << ").\nThe CA and its pin are unchanged. Restart the console to "
               "present it.\n";
  return 0;
}

int Pin(const std::string& data_dir) {
  auto tls = ardoise::LoadConsoleTls(data_dir);
  if (!tls.ok()) return Fail(tls.status());
  std::cout << tls->ca_pin << "\n";
  return 0;
}

// `serve`'s limits on failed logins and enrollments, as given.
struct LimitFlags {
  std::string login_lock = "15m";
  std::string login_delay = "2s";
  std::string forgive = "6s";
};

int Serve(const std::string& data_dir, const std::string& listen,
          const std::string& heartbeat_text, const std::string& fake_start,
          double clock_speed, const LimitFlags& limits) {
  // One socket per connected device: a city needs far more than the usual
  // soft limit of 1,024. Raise it to the hard limit (the systemd unit sets
  // LimitNOFILE=65536).
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 &&
      files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }
  auto login_lock = ardoise::ParseDuration(limits.login_lock);
  auto login_delay = ardoise::ParseDuration(limits.login_delay);
  auto forgive = ardoise::ParseDuration(limits.forgive);
  for (const auto& [flag, parsed] :
       {std::pair{"--login-lock", &login_lock},
        std::pair{"--login-delay", &login_delay},
        std::pair{"--forgive-failure", &forgive}}) {
    if (!parsed->ok()) {
      std::cerr << "ardoise-console: " << flag << ": "
                << parsed->status().message() << "\n";
      return 2;
    }
  }
  if (*forgive <= absl::ZeroDuration()) {
    std::cerr << "ardoise-console: --forgive-failure: use a duration above "
                 "zero (e.g. 6s)\n";
    return 2;
  }
  auto clock = ardoise::ClockFromFlags(fake_start, clock_speed);
  if (!clock.ok()) {
    std::cerr << "ardoise-console: " << clock.status().message() << "\n";
    return 2;
  }
  auto heartbeat = ardoise::ParseDuration(heartbeat_text);
  if (!heartbeat.ok() || *heartbeat < absl::Seconds(1)) {
    std::cerr << "ardoise-console: --heartbeat: "
              << (heartbeat.ok() ? "use at least 1s"
                                 : std::string(heartbeat.status().message()))
              << "\n";
    return 2;
  }
  // Block the stop signals in every thread; the main thread waits for them.
  ardoise::StopSignals stop_signals;  // before any thread starts

  ardoise::ConsoleOptions options;
  options.data_dir = data_dir;
  options.listen = listen;
  options.heartbeat = *heartbeat;
  options.clock = *clock;
  options.flush_every = std::min(*heartbeat, absl::Seconds(5));
  options.login_policy.lock_for = *login_lock;
  options.login_policy.max_delay = *login_delay;
  options.forgive_failure = *forgive;
  auto server = ardoise::ConsoleServer::Start(options);
  if (!server.ok()) return Fail(server.status());
  // Tools and tests wait for this file rather than sleeping.
  absl::Status written = ardoise::WriteFileAtomically(
      data_dir + "/console.addr", (*server)->address() + "\n");
  if (!written.ok()) {
    ARDOISE_LOG(WARNING) << "cannot write console.addr: " << written;
  }
  const ardoise::CertificateInfo& cert = (*server)->certificate();
  ARDOISE_LOG(INFO) << "ardoise-console " << ardoise::kVersion << " serving on "
                    << (*server)->address() << " (TLS, heartbeat "
                    << heartbeat_text << "); CA pin " << (*server)->ca_pin()
                    << "; certificate for " << absl::StrJoin(cert.names, ", ")
                    << " until " << Day(cert.not_after);
  if (cert.not_after - absl::Now() < absl::Hours(24 * 30)) {
    ARDOISE_LOG(WARNING) << "the server certificate expires on "
                         << Day(cert.not_after)
                         << ": renew it with `ardoise-console renew-cert "
                            "--data "
                         << data_dir << "` and restart";
  }
  const int received = stop_signals.Wait();
  ARDOISE_LOG(INFO) << "signal " << received << ": shutting down";
  (*server)->Shutdown();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  ardoise::SetLogPrefix("console");
  ardoise::InitProgram();
  CLI::App app{"ardoise-console: the Ardoise teacher console server"};
  app.set_version_flag("--version", std::string(ardoise::kVersion));
  app.require_subcommand(1);
  std::string data_dir = "/var/lib/ardoise";
  std::string listen = "0.0.0.0:7443";
  std::string heartbeat = "30s";
  std::vector<std::string> san;
  constexpr char kSanHelp[] =
      "A host name or IP address devices and people use to reach the "
      "console (repeatable; localhost, 127.0.0.1 and ::1 are always "
      "included)";

  CLI::App* init = app.add_subcommand(
      "init",
      "Create the console's database, CA and server certificate in a data "
      "folder");
  init->add_option("--data", data_dir, "Data folder")->capture_default_str();
  init->add_option("--san", san, kSanHelp)->type_name("NAME");
  std::string admin_password_file;
  init->add_option("--admin-password-file", admin_password_file,
                   "Read the admin account's password from this file "
                   "(default: a random one, printed once)")
      ->type_name("FILE");

  CLI::App* renew = app.add_subcommand(
      "renew-cert",
      "Issue a new server certificate from the console's CA (same pin)");
  renew->add_option("--data", data_dir, "Data folder")->capture_default_str();
  renew
      ->add_option("--san", san,
                   std::string(kSanHelp) + "; default: the current names")
      ->type_name("NAME");

  CLI::App* pin = app.add_subcommand(
      "pin", "Print the pin of the console's CA (sha256:...)");
  pin->add_option("--data", data_dir, "Data folder")->capture_default_str();

  CLI::App* serve = app.add_subcommand("serve", "Run the console");
  serve->add_option("--data", data_dir, "Data folder")->capture_default_str();
  serve->add_option("--listen", listen, "HOST:PORT to listen on (port 0: any)")
      ->capture_default_str();
  serve
      ->add_option("--heartbeat", heartbeat,
                   "How often agents report (e.g. 30s)")
      ->capture_default_str();

  LimitFlags limits;
  serve
      ->add_option("--login-lock", limits.login_lock,
                   "How long 20 failed logins in a row lock an account")
      ->capture_default_str();
  serve
      ->add_option("--login-delay", limits.login_delay,
                   "Longest delay of a failed login's answer (after 5 "
                   "failures in a row; 0s: none)")
      ->capture_default_str();
  serve
      ->add_option("--forgive-failure", limits.forgive,
                   "Failed enrollments (10) and logins (40) from one address "
                   "are allowed in a row, then one per this period")
      ->capture_default_str();
  std::string fake_start;
  double clock_speed = 1.0;
  serve
      ->add_option("--fake-start", fake_start,
                   "Testing and demo only: start the clock at this RFC 3339 "
                   "instant")
      ->group("Testing");
  serve
      ->add_option("--clock-speed", clock_speed,
                   "Testing and demo only: run the clock this many times "
                   "faster (heartbeats included)")
      ->group("Testing");

  CLI11_PARSE(app, argc, argv);
  if (init->parsed()) return Init(data_dir, san, admin_password_file);
  if (renew->parsed()) return RenewCert(data_dir, san);
  if (pin->parsed()) return Pin(data_dir);
  return Serve(data_dir, listen, heartbeat, fake_start, clock_speed, limits);
}
