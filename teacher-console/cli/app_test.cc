// Exit codes and error lines of the whole command line, up to the point where
// it would talk to a console (the end-to-end tests cover the rest).
#include "teacher-console/cli/app.h"

#include <stdlib.h>

#include <sstream>
#include <string>
#include <vector>

#include "common/files.h"
#include "common/tls.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ardoise::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

struct Result {
  int exit_code;
  std::string out;
  std::string err;
};

// A folder for the user's configuration, empty unless a test writes to it.
std::string ConfigHome() {
  static const std::string* dir = [] {
    std::string pattern = ::testing::TempDir() + "cli-config-XXXXXX";
    EXPECT_NE(mkdtemp(pattern.data()), nullptr);
    return new std::string(pattern);
  }();
  return *dir;
}

Result RunCli(std::vector<const char*> args, const char* console = nullptr,
              const char* ca = nullptr) {
  args.insert(args.begin(), "ardoise");
  std::ostringstream out, err;
  Environment env;
  env.console = console;
  env.ca = ca;
  const std::string config_home = ConfigHome();
  env.config_home = config_home.c_str();
  int code = Main(static_cast<int>(args.size()), args.data(), env, out, err);
  return {code, out.str(), err.str()};
}

TEST(AppTest, HelpAndVersionSucceed) {
  Result help = RunCli({"--help"});
  EXPECT_EQ(help.exit_code, kExitOk);
  EXPECT_THAT(help.out, HasSubstr("devices"));
  Result lock_help = RunCli({"lock", "--help"});
  EXPECT_EQ(lock_help.exit_code, kExitOk);
  EXPECT_THAT(lock_help.out, HasSubstr("--for"));
  EXPECT_EQ(RunCli({"--version"}).exit_code, kExitOk);
}

TEST(AppTest, NoConsoleIsAUsageError) {
  Result r = RunCli({"devices", "list"});
  EXPECT_EQ(r.exit_code, kExitUsage);
  EXPECT_EQ(r.err,
            "ardoise: no console: pass --console HOST:PORT or set "
            "ARDOISE_CONSOLE\n");
}

TEST(AppTest, ParseErrorsAreUsageErrors) {
  for (const auto& args :
       std::vector<std::vector<const char*>>{{},
                                             {"devices"},
                                             {"devices", "frobnicate"},
                                             {"devices", "show"},
                                             {"token", "create"},
                                             {"-o", "yaml", "devices", "list"},
                                             {"lock", "tab-1", "--bogus"}}) {
    Result r = RunCli(args, "127.0.0.1:1");
    EXPECT_EQ(r.exit_code, kExitUsage) << r.err;
    EXPECT_THAT(r.err, StartsWith("ardoise: "));
  }
}

TEST(AppTest, BadValuesAreUsageErrorsBeforeAnyConnection) {
  Result duration = RunCli({"lock", "tab-1", "--for", "45"}, "127.0.0.1:1");
  EXPECT_EQ(duration.exit_code, kExitUsage);
  EXPECT_THAT(duration.err, StartsWith("ardoise: --for: bad duration \"45\""));

  Result target = RunCli({"lock", "room/cm1"}, "127.0.0.1:1");
  EXPECT_EQ(target.exit_code, kExitUsage);
  EXPECT_THAT(target.err, HasSubstr("unknown kind \"room\""));

  Result missing = RunCli({"unlock"}, "127.0.0.1:1");
  EXPECT_EQ(missing.exit_code, kExitUsage);
  EXPECT_THAT(missing.err, HasSubstr("missing TARGET"));

  Result both = RunCli({"message", "--all", "tab-1", "hello"}, "127.0.0.1:1");
  EXPECT_EQ(both.exit_code, kExitUsage);
}

TEST(AppTest, WithoutATrustedCaItSaysHowToGetOne) {
  Result r = RunCli({"--console", "127.0.0.1:1", "devices", "list"});
  EXPECT_EQ(r.exit_code, kExitFailed);
  EXPECT_THAT(r.err, HasSubstr("no CA trusted for the console yet"));
  EXPECT_THAT(r.err, HasSubstr("ardoise trust --console 127.0.0.1:1"));
  EXPECT_THAT(r.err, HasSubstr(ConfigHome() + "/ardoise/ca.pem"));

  Result missing =
      RunCli({"devices", "list", "--ca", "/nonexistent/ca.pem"}, "127.0.0.1:1");
  EXPECT_EQ(missing.exit_code, kExitFailed);
  EXPECT_THAT(missing.err, HasSubstr("/nonexistent/ca.pem"));

  const std::string garbage = ConfigHome() + "/garbage.pem";
  ASSERT_TRUE(WriteFileAtomically(garbage, "hello").ok());
  Result bad = RunCli({"devices", "list"}, "127.0.0.1:1", garbage.c_str());
  EXPECT_EQ(bad.exit_code, kExitFailed);
  EXPECT_THAT(bad.err, HasSubstr("does not hold a CA certificate"));
}

TEST(AppTest, UnreachableConsoleFailsWithItsAddress) {
  const std::string ca = ConfigHome() + "/ca.pem";
  ASSERT_TRUE(WriteFileAtomically(
                  ca, CreateCa("Test", absl::Now(), absl::Hours(1))->cert_pem)
                  .ok());
  // Port 1 on loopback refuses at once: no waiting on a deadline.
  Result r = RunCli({"--console", "127.0.0.1:1", "--ca", ca.c_str(), "devices",
                     "list", "-o", "json"});
  EXPECT_EQ(r.exit_code, kExitFailed);
  EXPECT_THAT(r.err,
              StartsWith("ardoise: cannot reach the console at 127.0.0.1:1: "));
  EXPECT_EQ(r.out, "");
}

}  // namespace
}  // namespace ardoise::cli
