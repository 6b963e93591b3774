// Exit codes and error lines of the whole command line, up to the point where
// it would talk to a console (the end-to-end tests cover the rest).
#include "teacher-console/cli/app.h"

#include <sstream>
#include <string>
#include <vector>

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

Result RunCli(std::vector<const char*> args, const char* env = nullptr) {
  args.insert(args.begin(), "ardoise");
  std::ostringstream out, err;
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

TEST(AppTest, UnreachableConsoleFailsWithItsAddress) {
  // Port 1 on loopback refuses at once: no waiting on a deadline.
  Result r =
      RunCli({"--console", "127.0.0.1:1", "devices", "list", "-o", "json"});
  EXPECT_EQ(r.exit_code, kExitFailed);
  EXPECT_THAT(r.err,
              StartsWith("ardoise: cannot reach the console at 127.0.0.1:1: "));
  EXPECT_EQ(r.out, "");
}

}  // namespace
}  // namespace ardoise::cli
