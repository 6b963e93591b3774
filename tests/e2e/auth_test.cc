// Accounts and roles end to end: real console, real CLI, each person with
// their own login session.
//
//  - a teacher reaches the class assigned to them and gets PERMISSION_DENIED
//    locking another class's devices, starting or steering its session or
//    reading its reports; every refusal is in `audit list`;
//  - a substitute the director assigns for today runs a lesson today and not
//    tomorrow;
//  - a city_viewer reads per-school reports and nothing else;
//  - 20 wrong passwords lock an account (audited); the right password works
//    once the lock is over.
#include <signal.h>

#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/harness.h"

namespace ardoise::testing {
namespace {

using ::testing::HasSubstr;

// Monday 2026-11-23 09:00 in Paris (UTC+1).
absl::Time MondayMorning() { return absl::FromUnixSeconds(1795420800); }

constexpr char kPolicy[] = R"(scope: {school: jaures}
timezone: Europe/Paris
school_hours:
  monday: ["08:00-12:00", "13:30-17:00"]
  tuesday: ["08:00-12:00", "13:30-17:00"]
weekly_allowance: 3h
apps: [gcompris]
)";

constexpr char kPlan[] = R"(title: "Calcul"
levels: [CM1]
steps:
  - title: "Exercices"
    duration: 20m
    tablets: {app: gcompris}
    whiteboard: none
)";

class AuthTest : public ::testing::Test {
 protected:
  // School jaures with two classes, each with a home room holding one
  // enrolled tablet: cm1-b (tab-b) and cm2-a (tab-a).
  void SetUpSchool() {
    bed_.UseTestClock(MondayMorning(), 1.0);
    bed_.StartConsole();
    Ok({"schools", "create", "jaures"});
    Ok({"schools", "create", "ferry"});
    Ok({"pools", "create", "salle-12", "--school", "jaures", "--kind", "room"});
    Ok({"pools", "create", "salle-14", "--school", "jaures", "--kind", "room"});
    Ok({"classes", "create", "cm1-b", "--school", "jaures", "--levels", "CM1",
        "--home-room", "salle-12"});
    Ok({"classes", "create", "cm2-a", "--school", "jaures", "--levels", "CM1",
        "--home-room", "salle-14"});
    Ok({"policy", "apply", Write("jaures.yaml", kPolicy)});
    bed_.Enroll(bed_.CreateToken("jaures", "salle-12", 1), "tab-b");
    bed_.Enroll(bed_.CreateToken("jaures", "salle-14", 1), "tab-a");
    plan_ = Write("plan.yaml", kPlan);
  }

  std::string Write(const std::string& name, const std::string& text) {
    const std::string path = absl::StrCat(bed_.dir(), "/", name);
    std::ofstream(path) << text;
    return path;
  }

  void Ok(const std::vector<std::string>& args) {
    const CommandResult r = bed_.Cli(args);
    ASSERT_EQ(r.exit_code, 0) << args[0] << ": " << r.out << r.err;
  }

  // Runs as `login` and expects a refusal naming the rpc.
  void Denied(const std::string& login, const std::vector<std::string>& args,
              const std::string& rpc) {
    const CommandResult r = bed_.CliAs(login, args);
    EXPECT_EQ(r.exit_code, 1) << args[0] << " " << args[1] << ": " << r.out;
    EXPECT_THAT(r.err, HasSubstr("may not call " + rpc)) << args[0];
    ++denied_[login];
  }

  void Allowed(const std::string& login, const std::vector<std::string>& args) {
    const CommandResult r = bed_.CliAs(login, args);
    EXPECT_EQ(r.exit_code, 0) << args[0] << " " << args[1] << ": " << r.err;
  }

  // The audit lines of `actor` with `action`.
  int AuditLines(const std::string& actor, const std::string& action) {
    const CommandResult r = bed_.Cli(
        {"-o", "json", "audit", "list", "--actor", actor, "--limit", "1000"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    int n = 0;
    const std::string needle = absl::StrCat("\"action\": \"", action, "\"");
    for (size_t at = r.out.find(needle); at != std::string::npos;
         at = r.out.find(needle, at + 1)) {
      ++n;
    }
    return n;
  }

  TestBed bed_;
  std::string plan_;
  std::map<std::string, int> denied_;
};

TEST_F(AuthTest, TeacherReachesOnlyTheClassAssignedToThem) {
  SetUpSchool();
  bed_.AddUser("mme.martin", "teacher", "jaures");
  Ok({"classes", "assign", "cm1-b", "--teacher", "mme.martin", "--from",
      "2026-11-01", "--to", "2027-07-04"});

  // Her class: lock, message, a lesson, its report.
  Allowed("mme.martin", {"lock", "class/cm1-b", "--message", "Stop"});
  Allowed("mme.martin", {"unlock", "tab-b"});
  Allowed("mme.martin", {"message", "class/cm1-b", "Bonjour"});
  Allowed("mme.martin", {"session", "start", "cm1-b", plan_});
  Allowed("mme.martin", {"session", "status", "cm1-b"});
  Allowed("mme.martin", {"report", "week", "--class", "cm1-b"});
  Allowed("mme.martin", {"devices", "show", "tab-b"});

  // Another class: refused, and nothing changes.
  Denied("mme.martin", {"lock", "class/cm2-a"}, "SetLock");
  Denied("mme.martin", {"lock", "tab-a"}, "SetLock");
  Denied("mme.martin", {"message", "pool/salle-14", "Hello"}, "SendMessage");
  Denied("mme.martin", {"session", "start", "cm2-a", plan_}, "StartSession");
  Denied("mme.martin",
         {"session", "start", "cm1-b", plan_, "--devices", "salle-14"},
         "StartSession");
  Denied("mme.martin", {"session", "pause", "cm2-a"}, "SteerSession");
  Denied("mme.martin", {"session", "status", "cm2-a"}, "GetSession");
  Denied("mme.martin", {"report", "week", "--class", "cm2-a"}, "WeekReport");
  Denied("mme.martin", {"report", "week"}, "WeekReport");
  Denied("mme.martin", {"devices", "show", "tab-a"}, "GetDevice");
  // And what is not a teacher's at all.
  Denied("mme.martin", {"devices", "list"}, "ListDevices");
  Denied("mme.martin", {"users", "list"}, "ListUsers");
  Denied("mme.martin", {"session", "start", "cm1-b", plan_, "--override", "x"},
         "StartSession");
  EXPECT_FALSE(bed_.Device("tab-a").desired_lock().locked());

  // Every refusal is in the audit trail, under her login.
  EXPECT_EQ(AuditLines("mme.martin", "denied"), denied_["mme.martin"]);
  // (--since is relative to the CLI's clock, not the console's test clock.)
  const CommandResult audit = bed_.Cli({"audit", "list", "--limit", "500"});
  EXPECT_THAT(audit.out, HasSubstr("mme.martin@"));
  EXPECT_THAT(audit.out, HasSubstr("session.start"));

  // Without a login session nothing works.
  const CommandResult anonymous = bed_.CliAs("nobody", {"schools", "list"});
  EXPECT_EQ(anonymous.exit_code, 1);
  EXPECT_THAT(anonymous.err, HasSubstr("ardoise login"));
}

TEST_F(AuthTest, SubstituteRunsTheLessonOnTheirDayOnly) {
  SetUpSchool();
  bed_.AddUser("directrice", "director", "jaures");
  bed_.AddUser("m.remplacant", "teacher", "jaures");
  // A director may only assign one-day substitutes, in their school.
  Denied("directrice",
         {"classes", "assign", "cm2-a", "--teacher", "m.remplacant", "--from",
          "2026-11-23", "--to", "2026-11-30"},
         "AssignTeacher");
  Allowed("directrice",
          {"classes", "assign", "cm2-a", "--teacher", "m.remplacant", "--from",
           "2026-11-23", "--to", "2026-11-23", "--substitute"});
  Allowed("directrice", {"report", "week", "--school", "jaures"});
  Denied("directrice", {"report", "week", "--school", "ferry"}, "WeekReport");
  Denied("directrice", {"lock", "class/cm2-a"}, "SetLock");

  Allowed("m.remplacant", {"session", "start", "cm2-a", plan_});
  Allowed("m.remplacant", {"session", "end", "cm2-a"});

  // Tomorrow the class is no longer theirs.
  bed_.KillConsole(SIGTERM);
  bed_.ShiftTestClock(absl::Hours(24));
  bed_.StartConsole();
  ASSERT_EQ(bed_.Login("m.remplacant", kUserPassword).exit_code, 0);
  const CommandResult tomorrow =
      bed_.CliAs("m.remplacant", {"session", "start", "cm2-a", plan_});
  EXPECT_EQ(tomorrow.exit_code, 1);
  EXPECT_THAT(tomorrow.err, HasSubstr("not assigned to you today"));
  EXPECT_EQ(AuditLines("m.remplacant", "denied"), 1);
  EXPECT_EQ(AuditLines("directrice", "denied"), denied_["directrice"]);
}

TEST_F(AuthTest, CityViewerReadsPerSchoolReportsOnly) {
  SetUpSchool();
  bed_.AddUser("ville", "city_viewer", "");
  Allowed("ville", {"report", "week"});
  Allowed("ville", {"report", "week", "--school", "jaures"});
  Allowed("ville", {"report", "devices", "--by-kind"});
  Allowed("ville", {"schools", "list"});
  const CommandResult devices =
      bed_.CliAs("ville", {"-o", "json", "report", "devices"});
  EXPECT_EQ(devices.exit_code, 0) << devices.err;
  EXPECT_THAT(devices.out, ::testing::Not(HasSubstr("tab-a")));

  Denied("ville", {"report", "no-screen", "--devices"}, "NoScreenReport");
  Denied("ville", {"devices", "list"}, "ListDevices");
  Denied("ville", {"devices", "show", "tab-a"}, "GetDevice");
  Denied("ville", {"lock", "tab-a"}, "SetLock");
  Denied("ville", {"session", "status", "cm2-a"}, "GetSession");
  Denied("ville", {"classes", "list"}, "ListClasses");
  Denied("ville", {"users", "list"}, "ListUsers");
  Denied("ville", {"audit", "list"}, "ListAudit");
  Denied("ville", {"policy", "explain", "tab-a"}, "ExplainPolicy");
  EXPECT_EQ(AuditLines("ville", "denied"), denied_["ville"]);
}

TEST_F(AuthTest, TwentyWrongPasswordsLockTheAccountForAWhile) {
  bed_.SetConsoleFlags({"--login-lock", "3s", "--login-delay", "0s"});
  bed_.StartConsole();
  bed_.Cli({"schools", "create", "jaures"});
  bed_.AddUser("mme.martin", "teacher", "jaures");
  for (int i = 1; i < 20; ++i) {
    const CommandResult wrong = bed_.Login("mme.martin", "not-her-password");
    EXPECT_EQ(wrong.exit_code, 1);
    EXPECT_THAT(wrong.err, HasSubstr("wrong login or password")) << i;
  }
  const CommandResult twentieth = bed_.Login("mme.martin", "not-her-password");
  EXPECT_THAT(twentieth.err, HasSubstr("is now locked"));
  const CommandResult locked = bed_.Login("mme.martin", kUserPassword);
  EXPECT_EQ(locked.exit_code, 1);
  EXPECT_THAT(locked.err, HasSubstr("is locked"));
  EXPECT_EQ(AuditLines("mme.martin", "login.lock"), 1);
  // The lock ends by itself.
  EXPECT_TRUE(WaitFor(
      [&] { return bed_.Login("mme.martin", kUserPassword).exit_code == 0; },
      absl::Seconds(20)));
  // IT staff can also clear a lock with a new password.
  const CommandResult reset =
      bed_.Cli({"users", "reset-password", "mme.martin"});
  EXPECT_EQ(reset.exit_code, 0) << reset.err;
  EXPECT_THAT(reset.out, HasSubstr("shown once"));
  // ...which ends her sessions.
  const CommandResult ended = bed_.CliAs("mme.martin", {"schools", "list"});
  EXPECT_EQ(ended.exit_code, 1);
}

TEST_F(AuthTest, FailedLoginsFromOneAddressAreSlowedDownWhateverTheAccount) {
  // No failure is forgiven during the test, however slow the machine.
  bed_.SetConsoleFlags({"--forgive-failure", "1h", "--login-delay", "0s"});
  bed_.StartConsole();
  bed_.Cli({"schools", "create", "jaures"});
  bed_.AddUser("mme.martin", "teacher", "jaures");
  // Someone guesses 40 accounts from one address: each is refused...
  for (int i = 0; i < 40; ++i) {
    const CommandResult wrong = bed_.Login("guess-" + std::to_string(i),
                                           "password-" + std::to_string(i));
    ASSERT_EQ(wrong.exit_code, 1);
    ASSERT_THAT(wrong.err, HasSubstr("wrong login or password")) << i;
  }
  // ...then the address has to wait, whatever the account and password.
  const CommandResult slowed = bed_.Login("mme.martin", kUserPassword);
  EXPECT_EQ(slowed.exit_code, 1);
  EXPECT_THAT(slowed.err,
              HasSubstr("too many failed logins from ipv4:127.0.0.1"));
  EXPECT_THAT(slowed.err, HasSubstr("try again in"));
  // No single account was locked by it, and every guess is in the audit.
  EXPECT_EQ(AuditLines("", "login.lock"), 0);
  EXPECT_EQ(AuditLines("guess-7", "login"), 1);
}

}  // namespace
}  // namespace ardoise::testing
