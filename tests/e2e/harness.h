// End-to-end test harness: starts the real ardoise-console, ardoise-agent
// and ardoise programs as child processes on 127.0.0.1 (port 0), each test in
// its own temporary folder, and waits on conditions (files appearing, CLI
// output) rather than sleeping.
//
// Thread safety: a TestBed belongs to one test thread.
#ifndef ARDOISE_TESTS_E2E_HARNESS_H_
#define ARDOISE_TESTS_E2E_HARNESS_H_

#include <sys/types.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ardoise/v1/console.pb.h"

namespace ardoise::testing {

// A child process whose stdout and stderr go to a log file.
class Process {
 public:
  static absl::StatusOr<std::unique_ptr<Process>> Spawn(
      const std::vector<std::string>& argv, const std::string& log_path);
  ~Process();  // SIGKILLs it if still running.
  void Signal(int signal);
  // Waits for the exit; returns the exit code, or 128 + signal.
  int Wait();
  bool Running();
  pid_t pid() const { return pid_; }
  const std::string& log_path() const { return log_path_; }

 private:
  Process(pid_t pid, std::string log_path)
      : pid_(pid), log_path_(std::move(log_path)) {}
  pid_t pid_;
  std::string log_path_;
  bool reaped_ = false;
  int status_ = 0;
};

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};
// Runs a program to completion, capturing its output; `env` ("NAME=VALUE")
// is added to its environment; its standard input is `input` (then end of
// file).
CommandResult RunCommand(const std::vector<std::string>& argv,
                         const std::vector<std::string>& env = {},
                         const std::string& input = "");

// Runs `ardoise` with exactly `args` (no --console, no --ca), `env` and
// `input` on its standard input.
CommandResult RunCliCommand(const std::vector<std::string>& args,
                            const std::vector<std::string>& env = {},
                            const std::string& input = "");

// The password `StartConsole` gives the admin account, and the one
// `TestBed::AddUser` gives people.
inline constexpr char kAdminPassword[] = "admin-password-for-tests";
inline constexpr char kUserPassword[] = "user-password-for-tests";
// Runs `ardoise-console` with `args`.
CommandResult RunConsoleCommand(const std::vector<std::string>& args);

// Polls `condition` every 20 ms until it holds or `timeout` passes.
bool WaitFor(const std::function<bool()>& condition, absl::Duration timeout);

class TestBed {
 public:
  TestBed();
  ~TestBed();  // Kills every process; keeps the folder if the test failed.

  const std::string& dir() const { return dir_; }
  const std::string& console_address() const { return address_; }
  // The console's data folder and its CA certificate (made by init).
  std::string console_dir() const { return dir_ + "/console"; }
  std::string ca_path() const { return console_dir() + "/ca.pem"; }
  // The CA certificate itself (PEM), for channels opened by tests.
  std::string CaPem() const;

  // Runs the console's and agents' clocks from `start` (console time) at
  // `speed` times real time, for lessons and budgets at any hour without
  // long waits. Call before StartConsole. A restarted console resumes the
  // same timeline (its --fake-start moves on by the time elapsed).
  void UseTestClock(absl::Time start, double speed);
  // Moves the test clock forward by `d` for the next StartConsole (a console
  // restarted "next week").
  void ShiftTestClock(absl::Duration d) { clock_start_ += d; }
  // The console's time now, on the test clock (real time without one).
  absl::Time ConsoleNow() const;

  // `ardoise-console init` (first time: database, CA and server certificate
  // for localhost, 127.0.0.1 and ::1, the `admin` account with
  // kAdminPassword) then `serve` on 127.0.0.1:0; waits until it listens,
  // then logs the CLI in as admin.
  void StartConsole(absl::Duration heartbeat = absl::Seconds(2));
  // Extra `serve` flags for the next StartConsole (e.g. --login-lock 2s).
  void SetConsoleFlags(std::vector<std::string> flags) {
    console_flags_ = std::move(flags);
  }
  void KillConsole(int signal);
  // The running console's process id (0 before StartConsole).
  pid_t console_pid() const { return console_ ? console_->pid() : 0; }

  // Runs the CLI against the console; adds --console and --ca (this bed's
  // console CA), logged in as admin.
  CommandResult Cli(const std::vector<std::string>& args);
  // The same, logged in as `login` (each login has its own token file in
  // this bed's folder: nothing of the user running the tests is read).
  CommandResult CliAs(const std::string& login,
                      const std::vector<std::string>& args);
  // The environment that makes `ardoise` use `login`'s token file.
  std::vector<std::string> CliEnv(const std::string& login = "admin") const;
  // `ardoise login --user LOGIN` with `password`; its token is kept for
  // CliAs(login, ...).
  CommandResult Login(const std::string& login, const std::string& password);
  // Creates an account (as admin) with kUserPassword and logs it in;
  // `school` may be empty (city-wide).
  void AddUser(const std::string& login, const std::string& role,
               const std::string& school);
  // Runs the CLI with -o json and parses the answer into `out`; fails the
  // test on a non-zero exit.
  bool CliJson(const std::vector<std::string>& args,
               google::protobuf::Message* out);
  std::string CreateToken(const std::string& school, const std::string& pool,
                          int uses);

  // Runs `ardoise-agent enroll` for a device into DIR/agents/NAME, against
  // this bed's console unless `console` names another address.
  CommandResult TryEnroll(const std::string& token, const std::string& name,
                          const std::string& kind = "tablet",
                          const std::string& console = "");
  // The same, failing the test unless it succeeds.
  void Enroll(const std::string& token, const std::string& name,
              const std::string& kind = "tablet");
  // Starts (or restarts) the agent of NAME; `data_dir` overrides its folder;
  // `extra` is appended to its command line.
  void StartAgent(const std::string& name, const std::string& data_dir = "",
                  const std::vector<std::string>& extra = {});
  void KillAgent(const std::string& name, int signal);
  Process* agent(const std::string& name) { return agents_[name].get(); }
  std::string AgentDir(const std::string& name) const;

  // The device as the console shows it (`ardoise devices show -o json`).
  v1::Device Device(const std::string& name);
  // Waits until `predicate` holds for the device.
  bool WaitForDevice(const std::string& name,
                     const std::function<bool(const v1::Device&)>& predicate,
                     absl::Duration timeout = absl::Seconds(15));

  // The whole log of a process started by this bed.
  static std::string ReadLog(const Process& process);

 private:
  std::string dir_;
  std::string address_;
  std::vector<std::string> console_flags_;
  std::unique_ptr<Process> console_;
  int console_starts_ = 0;
  absl::Time clock_start_ = absl::InfinitePast();  // no test clock
  absl::Time clock_real_origin_;
  double clock_speed_ = 1.0;
  std::map<std::string, std::unique_ptr<Process>> agents_;
  std::map<std::string, int> agent_starts_;
};

}  // namespace ardoise::testing

#endif  // ARDOISE_TESTS_E2E_HARNESS_H_
