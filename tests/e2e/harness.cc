#include "tests/e2e/harness.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/files.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"

namespace ardoise::testing {
namespace {

std::vector<char*> Argv(const std::vector<std::string>& args) {
  std::vector<char*> out;
  for (const std::string& a : args) out.push_back(const_cast<char*>(a.c_str()));
  out.push_back(nullptr);
  return out;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Process>> Process::Spawn(
    const std::vector<std::string>& argv, const std::string& log_path) {
  const int log = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (log < 0) return absl::InternalError("cannot open " + log_path);
  std::vector<char*> args = Argv(argv);
  const pid_t pid = fork();
  if (pid < 0) return absl::InternalError("fork failed");
  if (pid == 0) {
    dup2(log, STDOUT_FILENO);
    dup2(log, STDERR_FILENO);
    const int null = open("/dev/null", O_RDONLY);
    dup2(null, STDIN_FILENO);
    execv(args[0], args.data());
    _exit(127);
  }
  close(log);
  return std::unique_ptr<Process>(new Process(pid, log_path));
}

Process::~Process() {
  if (Running()) Signal(SIGKILL);
  Wait();
}

void Process::Signal(int signal) {
  if (!reaped_) kill(pid_, signal);
}

int Process::Wait() {
  if (!reaped_) {
    while (waitpid(pid_, &status_, 0) < 0 && errno == EINTR) {
    }
    reaped_ = true;
  }
  if (WIFEXITED(status_)) return WEXITSTATUS(status_);
  if (WIFSIGNALED(status_)) return 128 + WTERMSIG(status_);
  return -1;
}

bool Process::Running() {
  if (reaped_) return false;
  const pid_t done = waitpid(pid_, &status_, WNOHANG);
  if (done == pid_) reaped_ = true;
  return !reaped_;
}

CommandResult RunCommand(const std::vector<std::string>& argv,
                         const std::vector<std::string>& env,
                         const std::string& input) {
  int in_pipe[2];
  int out_pipe[2];
  int err_pipe[2];
  CommandResult result;
  if (pipe(in_pipe) != 0 || pipe(out_pipe) != 0 || pipe(err_pipe) != 0) {
    return result;
  }
  std::vector<char*> args = Argv(argv);
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(in_pipe[0], STDIN_FILENO);
    dup2(out_pipe[1], STDOUT_FILENO);
    dup2(err_pipe[1], STDERR_FILENO);
    close(in_pipe[1]);
    close(out_pipe[0]);
    close(err_pipe[0]);
    for (const std::string& entry : env) {
      const size_t eq = entry.find('=');
      setenv(entry.substr(0, eq).c_str(), entry.substr(eq + 1).c_str(), 1);
    }
    execv(args[0], args.data());
    _exit(127);
  }
  close(in_pipe[0]);
  // Test inputs are a few bytes: they fit in the pipe's buffer.
  if (!input.empty() && write(in_pipe[1], input.data(), input.size()) !=
                            static_cast<ssize_t>(input.size())) {
    result.err = "cannot write the command's input";
  }
  close(in_pipe[1]);
  close(out_pipe[1]);
  close(err_pipe[1]);
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int open_fds = 2;
  char buffer[4096];
  while (open_fds > 0) {
    if (poll(fds, 2, 60000) <= 0) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      const ssize_t n = read(fds[i].fd, buffer, sizeof(buffer));
      if (n > 0) {
        sinks[i]->append(buffer, static_cast<size_t>(n));
      } else {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  int status = 0;
  waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

CommandResult RunCliCommand(const std::vector<std::string>& args,
                            const std::vector<std::string>& env,
                            const std::string& input) {
  std::vector<std::string> argv = {ARDOISE_CLI_BIN};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCommand(argv, env, input);
}

CommandResult RunConsoleCommand(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {ARDOISE_CONSOLE_BIN};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCommand(argv);
}

bool WaitFor(const std::function<bool()>& condition, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  for (;;) {
    if (condition()) return true;
    if (absl::Now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

TestBed::TestBed() {
  std::string pattern = ::testing::TempDir() + "ardoise-e2e-XXXXXX";
  char* made = mkdtemp(pattern.data());
  EXPECT_NE(made, nullptr);
  dir_ = pattern;
}

TestBed::~TestBed() {
  agents_.clear();
  console_.reset();
  if (::testing::Test::HasFailure()) {
    std::cerr << "e2e logs kept in " << dir_ << "\n";
    for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
      if (entry.path().extension() != ".log") continue;
      auto log = ReadFile(entry.path().string());
      std::cerr << "----- " << entry.path().filename().string() << "\n"
                << (log.ok() ? *log : "") << "\n";
    }
  } else {
    std::filesystem::remove_all(dir_);
  }
}

void TestBed::UseTestClock(absl::Time start, double speed) {
  clock_start_ = start;
  clock_speed_ = speed;
  clock_real_origin_ = absl::Now();
}

absl::Time TestBed::ConsoleNow() const {
  if (clock_start_ == absl::InfinitePast()) return absl::Now();
  return clock_start_ + (absl::Now() - clock_real_origin_) * clock_speed_;
}

std::string TestBed::CaPem() const { return ReadFile(ca_path()).value_or(""); }

void TestBed::StartConsole(absl::Duration heartbeat) {
  const std::string data = console_dir();
  if (console_starts_ == 0) {
    const std::string password_file = dir_ + "/admin-password";
    ASSERT_TRUE(WriteFileAtomically(password_file,
                                    std::string(kAdminPassword) + "\n", 0600)
                    .ok());
    CommandResult init =
        RunCommand({ARDOISE_CONSOLE_BIN, "init", "--data", data,
                    "--admin-password-file", password_file});
    ASSERT_EQ(init.exit_code, 0) << init.err;
  }
  const std::string addr_file = data + "/console.addr";
  unlink(addr_file.c_str());
  // A restarted console comes back on the same port, as a real one would:
  // agents keep the address they enrolled with.
  const std::string listen =
      address_.empty() ? std::string("127.0.0.1:0") : address_;
  std::vector<std::string> argv = {
      ARDOISE_CONSOLE_BIN,
      "serve",
      "--data",
      data,
      "--listen",
      listen,
      "--heartbeat",
      absl::StrCat(absl::ToInt64Seconds(heartbeat), "s")};
  argv.insert(argv.end(), console_flags_.begin(), console_flags_.end());
  if (clock_start_ != absl::InfinitePast()) {
    argv.insert(argv.end(), {"--fake-start",
                             absl::FormatTime(absl::RFC3339_full, ConsoleNow(),
                                              absl::UTCTimeZone()),
                             "--clock-speed", absl::StrCat(clock_speed_)});
  }
  auto process = Process::Spawn(
      argv, absl::StrCat(dir_, "/console.", ++console_starts_, ".log"));
  ASSERT_TRUE(process.ok()) << process.status();
  console_ = *std::move(process);
  ASSERT_TRUE(WaitFor(
      [&] {
        auto addr = ReadFile(addr_file);
        if (!addr.ok()) return false;
        address_ = std::string(absl::StripAsciiWhitespace(*addr));
        return !address_.empty();
      },
      absl::Seconds(20)))
      << "console did not start; see " << console_->log_path();
  // Every start: a console restarted on a shifted test clock may have
  // outlived the last session.
  CommandResult login = Login("admin", kAdminPassword);
  ASSERT_EQ(login.exit_code, 0) << login.err;
}

std::vector<std::string> TestBed::CliEnv(const std::string& login) const {
  return {absl::StrCat("ARDOISE_TOKEN_FILE=", dir_, "/tokens/", login)};
}

CommandResult TestBed::CliAs(const std::string& login,
                             const std::vector<std::string>& args) {
  std::vector<std::string> argv = {ARDOISE_CLI_BIN, "--console", address_,
                                   "--ca", ca_path()};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCommand(argv, CliEnv(login));
}

CommandResult TestBed::Login(const std::string& login,
                             const std::string& password) {
  std::vector<std::string> env = CliEnv(login);
  env.push_back(absl::StrCat("ARDOISE_PASSWORD=", password));
  return RunCommand({ARDOISE_CLI_BIN, "--console", address_, "--ca", ca_path(),
                     "login", "--user", login},
                    env);
}

void TestBed::AddUser(const std::string& login, const std::string& role,
                      const std::string& school) {
  const std::string password_file = dir_ + "/user-password";
  ASSERT_TRUE(WriteFileAtomically(password_file,
                                  std::string(kUserPassword) + "\n", 0600)
                  .ok());
  std::vector<std::string> args = {"users",      "create", login,
                                   "--role",     role,     "--password-file",
                                   password_file};
  if (!school.empty()) args.insert(args.end(), {"--school", school});
  CommandResult created = Cli(args);
  ASSERT_EQ(created.exit_code, 0) << created.err;
  CommandResult login_result = Login(login, kUserPassword);
  ASSERT_EQ(login_result.exit_code, 0) << login_result.err;
}

void TestBed::KillConsole(int signal) {
  ASSERT_NE(console_, nullptr);
  console_->Signal(signal);
  console_->Wait();
}

CommandResult TestBed::Cli(const std::vector<std::string>& args) {
  return CliAs("admin", args);
}

bool TestBed::CliJson(const std::vector<std::string>& args,
                      google::protobuf::Message* out) {
  std::vector<std::string> with_json = {"-o", "json"};
  with_json.insert(with_json.end(), args.begin(), args.end());
  CommandResult result = Cli(with_json);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  if (result.exit_code != 0) return false;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto parsed =
      google::protobuf::util::JsonStringToMessage(result.out, out, options);
  EXPECT_TRUE(parsed.ok()) << parsed.ToString() << "\n" << result.out;
  return parsed.ok();
}

std::string TestBed::CreateToken(const std::string& school,
                                 const std::string& pool, int uses) {
  v1::CreateEnrollmentTokenResponse response;
  CliJson({"token", "create", "--school", school, "--pool", pool, "--uses",
           absl::StrCat(uses)},
          &response);
  return response.token();
}

std::string TestBed::AgentDir(const std::string& name) const {
  return dir_ + "/agents/" + name;
}

CommandResult TestBed::TryEnroll(const std::string& token,
                                 const std::string& name,
                                 const std::string& kind,
                                 const std::string& console) {
  return RunCommand({ARDOISE_AGENT_BIN, "enroll", "--console",
                     console.empty() ? address_ : console, "--token", token,
                     "--data", AgentDir(name), "--name", name, "--kind", kind});
}

void TestBed::Enroll(const std::string& token, const std::string& name,
                     const std::string& kind) {
  CommandResult result = TryEnroll(token, name, kind);
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
}

void TestBed::StartAgent(const std::string& name, const std::string& data_dir,
                         const std::vector<std::string>& extra) {
  std::vector<std::string> argv = {
      ARDOISE_AGENT_BIN, "run",
      "--data",          data_dir.empty() ? AgentDir(name) : data_dir,
      "--platform",      "sim",
      "--console",       address_,
      "--backoff-max",   "1s"};
  if (clock_start_ != absl::InfinitePast()) {
    argv.insert(argv.end(), {"--clock-speed", absl::StrCat(clock_speed_)});
  }
  argv.insert(argv.end(), extra.begin(), extra.end());
  auto process = Process::Spawn(
      argv,
      absl::StrCat(dir_, "/agent-", name, ".", ++agent_starts_[name], ".log"));
  ASSERT_TRUE(process.ok()) << process.status();
  agents_[name] = *std::move(process);
}

void TestBed::KillAgent(const std::string& name, int signal) {
  Process* process = agents_[name].get();
  ASSERT_NE(process, nullptr);
  process->Signal(signal);
  process->Wait();
}

v1::Device TestBed::Device(const std::string& name) {
  v1::Device device;
  CliJson({"devices", "show", name}, &device);
  return device;
}

bool TestBed::WaitForDevice(
    const std::string& name,
    const std::function<bool(const v1::Device&)>& predicate,
    absl::Duration timeout) {
  return WaitFor([&] { return predicate(Device(name)); }, timeout);
}

std::string TestBed::ReadLog(const Process& process) {
  return ReadFile(process.log_path()).value_or("");
}

}  // namespace ardoise::testing
