// ardoise-agent: `enroll` joins a device to a console, `run` is the service.
#include <signal.h>

#include <iostream>
#include <string>

#include "CLI/CLI.hpp"
#include "absl/synchronization/mutex.h"
#include "agent/agent.h"
#include "agent/platform/sim/sim_platform.h"
#include "common/duration.h"
#include "common/logging.h"
#include "common/program.h"
#include "common/stop_signals.h"
#include "common/version.h"

namespace {

int Enroll(ardoise::EnrollOptions options, const std::string& kind) {
  if (kind == "tablet") {
    options.kind = ardoise::v1::DEVICE_KIND_TABLET;
  } else if (kind == "whiteboard") {
    options.kind = ardoise::v1::DEVICE_KIND_WHITEBOARD;
  } else if (kind == "pc") {
    options.kind = ardoise::v1::DEVICE_KIND_PC;
  } else {
    std::cerr << "ardoise-agent: --kind: use tablet, whiteboard or pc\n";
    return 2;
  }
  auto identity = ardoise::Enroll(options);
  if (!identity.ok()) {
    std::cerr << "ardoise-agent: " << identity.status().message() << "\n";
    return 1;
  }
  std::cout << "Enrolled " << identity->name << " as " << identity->device_id
            << " (school " << identity->school
            << (identity->pool.empty() ? "" : ", pool " + identity->pool)
            << ").\nThe console's CA, checked against the token's pin, is in "
            << options.data_dir
            << "/ca.pem.\nStart it: ardoise-agent run --data "
            << options.data_dir << "\n";
  return 0;
}

int Run(ardoise::AgentOptions options, const std::string& platform,
        const std::string& backoff_max, double clock_speed,
        const std::string& usage_cut_every) {
  auto backoff = ardoise::ParseDuration(backoff_max);
  if (!backoff.ok() || *backoff < absl::Milliseconds(100)) {
    std::cerr << "ardoise-agent: --backoff-max: "
              << (backoff.ok() ? "use at least 1s"
                               : std::string(backoff.status().message()))
              << "\n";
    return 2;
  }
  options.backoff_max = *backoff;
  auto clock = ardoise::ClockFromFlags("", clock_speed);
  if (!clock.ok()) {
    std::cerr << "ardoise-agent: " << clock.status().message() << "\n";
    return 2;
  }
  options.clock = *clock;
  // Go syntax ("60s", "250ms"): tests cut far more often than a minute.
  absl::Duration cut;
  if (!absl::ParseDuration(usage_cut_every, &cut) ||
      cut < absl::Milliseconds(50) || cut > absl::Hours(1)) {
    std::cerr << "ardoise-agent: --usage-cut-every: use 50ms to 1h (e.g. "
                 "60s, 250ms)\n";
    return 2;
  }
  options.usage_cut_every = cut;
  if (platform != "sim") {
    std::cerr << "ardoise-agent: --platform " << platform
              << ": only \"sim\" is available in this build\n";
    return 2;
  }
  ardoise::StopSignals stop_signals;  // before any thread starts
  // The simulated device boots when its agent starts.
  options.boot_time = absl::Now();

  auto agent = ardoise::Agent::Create(
      options, std::make_unique<ardoise::SimPlatform>(/*narrate=*/true));
  if (!agent.ok()) {
    std::cerr << "ardoise-agent: " << agent.status().message() << "\n";
    return 1;
  }
  ardoise::SetLogPrefix("agent " + (*agent)->identity().name);
  ARDOISE_LOG(INFO) << "ardoise-agent " << ardoise::kVersion << " starting ("
                    << (*agent)->identity().device_id << ", platform "
                    << platform << ")";
  (*agent)->Start();
  const int received = stop_signals.Wait();
  ARDOISE_LOG(INFO) << "signal " << received << ": stopping";
  (*agent)->Stop();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  ardoise::SetLogPrefix("agent");
  ardoise::InitProgram();
  CLI::App app{"ardoise-agent: the Ardoise device agent"};
  app.set_version_flag("--version", std::string(ardoise::kVersion));
  app.require_subcommand(1);

  ardoise::EnrollOptions enroll_options;
  enroll_options.data_dir = "/var/lib/ardoise-agent";
  std::string kind = "tablet";
  CLI::App* enroll =
      app.add_subcommand("enroll", "Join this device to a console");
  enroll->add_option("--console", enroll_options.console, "HOST:PORT")
      ->required();
  enroll
      ->add_option("--token", enroll_options.token,
                   "Token from `ardoise token create` (ID.SECRET.sha256:HEX)")
      ->required();
  enroll->add_option("--data", enroll_options.data_dir, "Data folder")
      ->capture_default_str();
  enroll->add_option("--name", enroll_options.name, "Device name")->required();
  enroll->add_option("--kind", kind, "tablet, whiteboard or pc")
      ->capture_default_str();

  ardoise::AgentOptions run_options;
  run_options.data_dir = "/var/lib/ardoise-agent";
  std::string platform = "sim";
  std::string backoff_max = "30s";
  CLI::App* run = app.add_subcommand("run", "Run the agent service");
  run->add_option("--data", run_options.data_dir, "Data folder")
      ->capture_default_str();
  run->add_option("--platform", platform, "sim (x11 comes later)")
      ->capture_default_str();
  run->add_option("--console", run_options.console_override,
                  "HOST:PORT, overriding the enrolled one");
  run->add_option("--backoff-max", backoff_max,
                  "Longest wait between reconnection attempts")
      ->capture_default_str();
  std::string usage_cut_every = "60s";
  run->add_option("--usage-cut-every", usage_cut_every,
                  "Record a usage interval at least this often (tests use "
                  "less)")
      ->capture_default_str();

  double clock_speed = 1.0;
  run->add_option("--clock-speed", clock_speed,
                  "Testing and demo only: run the clock this many times "
                  "faster, like the console's")
      ->group("Testing");

  CLI11_PARSE(app, argc, argv);
  if (enroll->parsed()) return Enroll(enroll_options, kind);
  return Run(run_options, platform, backoff_max, clock_speed, usage_cut_every);
}
