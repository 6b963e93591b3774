// ardoise-console: `init` prepares a data folder, `serve` runs the console.
#include <iostream>
#include <string>

#include "CLI/CLI.hpp"
#include "common/duration.h"
#include "common/files.h"
#include "common/logging.h"
#include "common/stop_signals.h"
#include "common/version.h"
#include "teacher-console/server/server.h"

namespace {

int Init(const std::string& data_dir) {
  absl::Status status = ardoise::InitConsole(data_dir);
  if (!status.ok()) {
    std::cerr << "ardoise-console: " << status.message() << "\n";
    return 1;
  }
  std::cout << "Initialized the console in " << data_dir << ".\n\n"
            << "Next:\n"
            << "  ardoise-console serve --data " << data_dir
            << " --listen 0.0.0.0:7443\n"
            << "  ardoise --console HOST:7443 token create --school SCHOOL "
               "--pool ROOM --uses 30\n"
            << "  ardoise-agent enroll --console HOST:7443 --token TOKEN "
               "--data /var/lib/ardoise-agent --name NAME --kind tablet\n";
  return 0;
}

int Serve(const std::string& data_dir, const std::string& listen,
          const std::string& heartbeat_text, const std::string& fake_start,
          double clock_speed) {
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
  auto server = ardoise::ConsoleServer::Start(options);
  if (!server.ok()) {
    std::cerr << "ardoise-console: " << server.status().message() << "\n";
    return 1;
  }
  // Tools and tests wait for this file rather than sleeping.
  absl::Status written = ardoise::WriteFileAtomically(
      data_dir + "/console.addr", (*server)->address() + "\n");
  if (!written.ok()) {
    ARDOISE_LOG(WARNING) << "cannot write console.addr: " << written;
  }
  ARDOISE_LOG(WARNING) << "connections are not encrypted yet (TLS arrives "
                          "with the security work): use on a trusted network";
  ARDOISE_LOG(INFO) << "ardoise-console " << ardoise::kVersion << " serving on "
                    << (*server)->address() << " (heartbeat " << heartbeat_text
                    << ")";
  const int received = stop_signals.Wait();
  ARDOISE_LOG(INFO) << "signal " << received << ": shutting down";
  (*server)->Shutdown();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  ardoise::SetLogPrefix("console");
  CLI::App app{"ardoise-console: the Ardoise teacher console server"};
  app.set_version_flag("--version", std::string(ardoise::kVersion));
  app.require_subcommand(1);
  std::string data_dir = "/var/lib/ardoise";
  std::string listen = "0.0.0.0:7443";
  std::string heartbeat = "30s";

  CLI::App* init = app.add_subcommand(
      "init", "Create the console's database in a data folder");
  init->add_option("--data", data_dir, "Data folder")->capture_default_str();

  CLI::App* serve = app.add_subcommand("serve", "Run the console");
  serve->add_option("--data", data_dir, "Data folder")->capture_default_str();
  serve->add_option("--listen", listen, "HOST:PORT to listen on (port 0: any)")
      ->capture_default_str();
  serve
      ->add_option("--heartbeat", heartbeat,
                   "How often agents report (e.g. 30s)")
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
  if (init->parsed()) return Init(data_dir);
  return Serve(data_dir, listen, heartbeat, fake_start, clock_speed);
}
