// Lessons end to end: a real console and real agents (sim platform) on a
// test clock that starts on a Monday morning in Paris and runs faster than
// real time, so that steps, pauses and budgets play out in seconds.
//
//  - a 3-step plan on a class of 5 tablets + 1 whiteboard: steps reach the
//    devices, next / pause / resume / end, a step advancing by itself, the
//    session's running time (pauses excluded) charged to the class to the
//    second, the end-of-session summary;
//  - the weekly budget: a start longer than what is left is refused with
//    both numbers; a session whose allowance runs out ends and locks its
//    tablets; agents cut off from the console lock at the deadline on their
//    own, and the restarted console charges exactly up to the deadline;
//  - no start outside school hours.
#include <signal.h>

#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/files.h"
#include "common/proto_time.h"
#include "gtest/gtest.h"
#include "tests/e2e/harness.h"

namespace ardoise::testing {
namespace {

// Monday 2026-11-23 09:00 in Paris (UTC+1).
absl::Time MondayMorning() { return absl::FromUnixSeconds(1795420800); }

// The school's policy; ALLOWANCE is replaced by the weekly allowance.
constexpr char kPolicy[] = R"(scope: {school: jaures}
timezone: Europe/Paris
school_hours:
  monday: ["08:00-12:00", "13:30-17:00"]
  tuesday: ["08:00-12:00", "13:30-17:00"]
  wednesday: ["08:00-12:00"]
  thursday: ["08:00-12:00", "13:30-17:00"]
  friday: ["08:00-12:00", "13:30-17:00"]
weekly_allowance: ALLOWANCE
apps: [gcompris]
urls: ["https://www.lumni.fr"]
)";

constexpr char kThreeSteps[] = R"(title: "Les fractions"
levels: [CM1]
steps:
  - title: "Au tableau"
    duration: 30m
    tablets: {lock: "Regardez le tableau"}
    whiteboard: {url: "https://www.lumni.fr/primaire"}
  - title: "Exercices"
    duration: 1m
    tablets: {app: gcompris}
    whiteboard: none
  - title: "Libre"
    duration: 10m
    tablets: free
    whiteboard: none
)";

class SessionTest : public ::testing::Test {
 protected:
  // A school, its room with `tablets` tablets and a whiteboard, a class
  // living there, the policy above; every agent connected.
  void SetUpSchool(absl::Time start, double speed, absl::Duration heartbeat,
                   int tablets, const std::string& allowance) {
    bed_.UseTestClock(start, speed);
    bed_.StartConsole(heartbeat);
    Ok({"schools", "create", "jaures"});
    Ok({"pools", "create", "salle-12", "--school", "jaures", "--kind", "room"});
    Ok({"classes", "create", "cm1-b", "--school", "jaures", "--levels", "CM1",
        "--home-room", "salle-12"});
    std::string text = kPolicy;
    text.replace(text.find("ALLOWANCE"), 9, allowance);
    const std::string policy = Write("jaures.yaml", text);
    Ok({"policy", "apply", policy});
    const std::string token =
        bed_.CreateToken("jaures", "salle-12", tablets + 1);
    for (int i = 1; i <= tablets; ++i) {
      names_.push_back(absl::StrCat("tab-", i));
      bed_.Enroll(token, names_.back(), "tablet");
    }
    names_.push_back("tbi");
    bed_.Enroll(token, "tbi", "whiteboard");
    for (const std::string& name : names_) bed_.StartAgent(name);
    for (const std::string& name : names_) {
      ASSERT_TRUE(bed_.WaitForDevice(name, [](const v1::Device& d) {
        return d.online() && d.state().policy_version() > 0;
      })) << name;
    }
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

  v1::Session Session(const std::vector<std::string>& args) {
    v1::Session session;
    EXPECT_TRUE(bed_.CliJson(args, &session));
    return session;
  }

  // Waits until every device satisfies `predicate`.
  bool AllDevices(const std::function<bool(const v1::Device&)>& predicate) {
    for (const std::string& name : names_) {
      if (!bed_.WaitForDevice(name, predicate, absl::Seconds(20))) {
        ADD_FAILURE() << name << " never got there: "
                      << bed_.Device(name).DebugString();
        return false;
      }
    }
    return true;
  }

  static bool IsTablet(const v1::Device& d) {
    return d.kind() == v1::DEVICE_KIND_TABLET;
  }

  TestBed bed_;
  std::vector<std::string> names_;
};

TEST_F(SessionTest, ThreeStepPlanRunsPausesResumesAndEndsWithItsSummary) {
  SetUpSchool(MondayMorning(), /*speed=*/30,
              /*heartbeat=*/absl::Seconds(60), /*tablets=*/5, "3h");
  const std::string plan = Write("fractions.yaml", kThreeSteps);

  v1::Session s = Session({"session", "start", "cm1-b", plan});
  ASSERT_EQ(s.status(), v1::Session::STATUS_RUNNING);
  EXPECT_EQ(s.steps_size(), 3);
  EXPECT_EQ(s.devices_size(), 6);
  EXPECT_EQ(s.allowance().allowance_seconds(), 3 * 3600);
  const std::string id = s.id();

  // Step 1: tablets locked with the step's text, the whiteboard on its URL.
  ASSERT_TRUE(AllDevices([&](const v1::Device& d) {
    if (d.state().session_id() != id) return false;
    return IsTablet(d)
               ? d.state().locked() &&
                     d.state().lock_reason() == v1::LOCK_REASON_STEP &&
                     d.state().lock_message() == "Regardez le tableau"
               : !d.state().locked() &&
                     d.state().activity() == "https://www.lumni.fr/primaire";
  }));

  // A class target reaches the session's devices; unlock lifts only that.
  Ok({"lock", "class/cm1-b", "--message", "Chut"});
  ASSERT_TRUE(AllDevices([](const v1::Device& d) {
    return d.state().lock_reason() == v1::LOCK_REASON_MANUAL;
  }));
  Ok({"unlock", "cm1-b"});
  ASSERT_TRUE(AllDevices([](const v1::Device& d) {
    return IsTablet(d) ? d.state().lock_reason() == v1::LOCK_REASON_STEP
                       : !d.state().locked();
  }));

  // Pause: tablets lock, the clock stops.
  s = Session({"session", "pause", "cm1-b"});
  EXPECT_EQ(s.status(), v1::Session::STATUS_PAUSED);
  ASSERT_TRUE(AllDevices([](const v1::Device& d) {
    return !IsTablet(d) || d.state().lock_message() == "Séance en pause";
  }));
  s = Session({"session", "resume", "cm1-b"});
  EXPECT_EQ(s.status(), v1::Session::STATUS_RUNNING);
  EXPECT_GT(s.paused_seconds(), 0);

  // Next: step 2 (gcompris, one minute), which gives way to step 3 by
  // itself.
  s = Session({"session", "next", "cm1-b"});
  EXPECT_EQ(s.current_step(), 1);
  ASSERT_TRUE(AllDevices([&](const v1::Device& d) {
    return d.state().session_step() == 2 && !d.state().locked() &&
           (!IsTablet(d) || d.state().activity().empty());
  }));
  s = Session({"session", "status", "cm1-b"});
  EXPECT_EQ(s.current_step(), 2);
  EXPECT_EQ(s.steps(1).ran_seconds(), 60) << "step 2 lasts its minute";

  s = Session({"session", "end", "cm1-b"});
  ASSERT_EQ(s.status(), v1::Session::STATUS_ENDED);
  EXPECT_EQ(s.end_reason(), "teacher");
  // The summary: the running time, pauses excluded, to the second.
  const int64_t elapsed =
      absl::ToInt64Seconds(FromProto(s.ended_at()) - FromProto(s.started_at()));
  EXPECT_EQ(s.running_seconds() + s.paused_seconds(), elapsed);
  int64_t steps_ran = 0;
  for (const v1::SessionStep& step : s.steps()) steps_ran += step.ran_seconds();
  EXPECT_EQ(steps_ran, s.running_seconds());
  EXPECT_EQ(s.allowance().used_seconds(), s.running_seconds())
      << "the class is charged the running time, not device-minutes";
  EXPECT_EQ(s.allowance().left_seconds(), 3 * 3600 - s.running_seconds());
  for (const v1::SessionDevice& d : s.devices()) {
    EXPECT_TRUE(d.took_part()) << d.name();
    EXPECT_FALSE(d.dropped_out()) << d.name();
  }
  // Back to the rules outside sessions: tablets locked, no session held.
  ASSERT_TRUE(AllDevices([](const v1::Device& d) {
    return d.state().session_id().empty() &&
           (!IsTablet(d) ||
            d.state().lock_reason() == v1::LOCK_REASON_NO_SESSION);
  }));
  // `status` now shows the last session's summary.
  v1::Session last = Session({"session", "status", "cm1-b"});
  EXPECT_EQ(last.id(), id);
  EXPECT_EQ(last.running_seconds(), s.running_seconds());
}

TEST_F(SessionTest, BudgetRefusesLongPlansAndEndsSessionsAtTheAllowance) {
  // 120x: the 25 minutes before the deadline leave the test 12 s to see
  // the devices run the session and to stop the console.
  SetUpSchool(MondayMorning(), /*speed=*/120,
              /*heartbeat=*/absl::Seconds(600), /*tablets=*/2, "35m");
  // A 5-minute plan ends by itself at its end + 5 min grace: 10 minutes.
  const std::string short_plan = Write("short.yaml", R"(title: "Court"
levels: [CM1]
steps:
  - {title: "Seul", duration: 5m, tablets: free, whiteboard: none}
)");
  v1::Session first = Session({"session", "start", "cm1-b", short_plan});
  ASSERT_EQ(first.status(), v1::Session::STATUS_RUNNING);
  ASSERT_TRUE(WaitFor(
      [&] {
        return Session({"session", "status", "cm1-b"}).status() ==
               v1::Session::STATUS_ENDED;
      },
      absl::Seconds(20)));
  first = Session({"session", "status", "cm1-b"});
  EXPECT_EQ(first.end_reason(), "plan finished");
  EXPECT_EQ(first.running_seconds(), 600);
  EXPECT_EQ(first.allowance().left_seconds(), 25 * 60);

  // 25 minutes left: a 40-minute plan is refused with both numbers.
  const std::string long_plan = Write("long.yaml", R"(title: "Long"
levels: [CM1]
steps:
  - {title: "Un", duration: 30m, tablets: free, whiteboard: none}
  - {title: "Deux", duration: 10m, tablets: lock, whiteboard: none}
)");
  CommandResult refused = bed_.Cli({"session", "start", "cm1-b", long_plan});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("il reste 25 min cette semaine (10/35)"),
            std::string::npos)
      << refused.err;
  EXPECT_NE(refused.err.find("en demande 40"), std::string::npos)
      << refused.err;

  // A 24-minute plan fits; the allowance (25 min) is its deadline.
  const std::string fits = Write("fits.yaml", R"(title: "Juste"
levels: [CM1]
steps:
  - {title: "Un", duration: 20m, tablets: free, whiteboard: none}
  - {title: "Deux", duration: 4m, tablets: free, whiteboard: none}
)");
  v1::Session second = Session({"session", "start", "cm1-b", fits});
  ASSERT_EQ(second.status(), v1::Session::STATUS_RUNNING);
  EXPECT_EQ(absl::ToInt64Seconds(FromProto(second.deadline()) -
                                 FromProto(second.started_at())),
            25 * 60);
  // Extending past the allowance is refused.
  EXPECT_EQ(bed_.Cli({"session", "extend", "cm1-b", "10m"}).exit_code, 1);
  ASSERT_TRUE(AllDevices([&](const v1::Device& d) {
    return d.state().session_id() == second.id() && !d.state().locked();
  }));

  // The console goes away; the devices lock at the deadline on their own.
  bed_.KillConsole(SIGKILL);
  for (const std::string& name : names_) {
    ASSERT_TRUE(WaitFor(
        [&] {
          return TestBed::ReadLog(*bed_.agent(name))
                     .find("LOCK_REASON_SESSION_DEADLINE") != std::string::npos;
        },
        absl::Seconds(30)))
        << name << " did not lock at the deadline on its own";
  }
  // The console comes back, ends the session at its deadline exactly and
  // releases the devices to the rules outside sessions.
  bed_.StartConsole(absl::Seconds(600));
  ASSERT_TRUE(WaitFor(
      [&] {
        return Session({"session", "status", "cm1-b"}).status() ==
               v1::Session::STATUS_ENDED;
      },
      absl::Seconds(20)));
  second = Session({"session", "status", "cm1-b"});
  EXPECT_EQ(second.end_reason(), "allowance used up");
  EXPECT_EQ(second.running_seconds(), 25 * 60);
  EXPECT_EQ(second.allowance().used_seconds(), 35 * 60);
  EXPECT_EQ(second.allowance().left_seconds(), 0);
  ASSERT_TRUE(AllDevices([](const v1::Device& d) {
    return d.online() && d.state().session_id().empty() &&
           (!IsTablet(d) ||
            d.state().lock_reason() == v1::LOCK_REASON_NO_SESSION);
  }));
  // Nothing is left this week.
  refused = bed_.Cli({"session", "start", "cm1-b", short_plan});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("il reste 0 min"), std::string::npos)
      << refused.err;
}

TEST_F(SessionTest, StartsAreRefusedOutsideSchoolHoursAndForUnknownClasses) {
  // Monday 12:30: the lunch break.
  SetUpSchool(MondayMorning() + absl::Minutes(210), /*speed=*/1,
              /*heartbeat=*/absl::Seconds(2), /*tablets=*/1, "3h");
  const std::string plan = Write("fractions.yaml", kThreeSteps);
  CommandResult r = bed_.Cli({"session", "start", "cm1-b", plan});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("outside school hours"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("13:30"), std::string::npos)
      << "says when school starts again: " << r.err;
  r = bed_.Cli({"session", "start", "cm9", plan});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("no class \"cm9\""), std::string::npos) << r.err;
  r = bed_.Cli({"session", "start", "cm1-b/Z", plan});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("has no group \"Z\""), std::string::npos) << r.err;
  r = bed_.Cli({"session", "next", "cm1-b"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("runs no session"), std::string::npos) << r.err;
  // Nothing was started.
  EXPECT_EQ(bed_.Cli({"session", "status", "cm1-b"}).exit_code, 1);
}

TEST_F(SessionTest, NoScreenWeekRefusesSessionsUnlessTheClassIsExempt) {
  SetUpSchool(MondayMorning(), /*speed=*/60,
              /*heartbeat=*/absl::Seconds(120), /*tablets=*/2, "3h");
  std::string text = kPolicy;
  text.replace(text.find("ALLOWANCE"), 9, "3h");
  text += R"(no_screen_periods:
  - name: "Semaine sans écrans"
    from: 2026-11-23
    to: 2026-11-27
    kinds: [tablet, whiteboard, pc]
)";
  Ok({"policy", "apply", Write("jaures.yaml", text)});
  ASSERT_TRUE(AllDevices([](const v1::Device& d) {
    return d.state().lock_reason() == v1::LOCK_REASON_NO_SCREEN;
  }));
  const std::string plan = Write("fractions.yaml", kThreeSteps);
  CommandResult r = bed_.Cli({"session", "start", "cm1-b", plan});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("no-screen period \"Semaine sans écrans\""),
            std::string::npos)
      << r.err;

  // An exemption for the class lets its session run, and only while the
  // session holds the devices.
  text += R"(exemptions:
  - class: cm1-b
    reason: "Classe ULIS : outils de compensation"
)";
  Ok({"policy", "apply", Write("jaures.yaml", text)});
  const v1::Session s = Session({"session", "start", "cm1-b", plan});
  ASSERT_EQ(s.status(), v1::Session::STATUS_RUNNING);
  ASSERT_TRUE(AllDevices([&](const v1::Device& d) {
    return d.state().session_id() == s.id() &&
           d.state().lock_reason() != v1::LOCK_REASON_NO_SCREEN &&
           d.state().exemption_reason() ==
               "Classe ULIS : outils de compensation";
  }));
  Ok({"session", "end", "cm1-b"});
  ASSERT_TRUE(AllDevices([](const v1::Device& d) {
    return d.state().session_id().empty() &&
           d.state().lock_reason() == v1::LOCK_REASON_NO_SCREEN;
  }));

  // The city's heat map of the week, written by the CLI itself.
  const std::string svg = bed_.dir() + "/no-screen.svg";
  CommandResult report = bed_.Cli({"report", "no-screen", "--svg", svg});
  ASSERT_EQ(report.exit_code, 0) << report.err;
  auto chart = ReadFile(svg);
  ASSERT_TRUE(chart.ok());
  EXPECT_NE(chart->find("<svg"), std::string::npos);
  EXPECT_NE(chart->find("jaures"), std::string::npos);
  EXPECT_NE(chart->find("2026-11-23"), std::string::npos);
}

TEST_F(SessionTest, WeekReportFlagsUnderOnTargetAndOverServedClasses) {
  bed_.UseTestClock(MondayMorning(), /*speed=*/300);
  bed_.StartConsole(absl::Seconds(600));
  Ok({"schools", "create", "jaures"});
  std::string text = kPolicy;
  text.replace(text.find("ALLOWANCE"), 9, "20m");
  Ok({"policy", "apply", Write("jaures.yaml", text)});
  for (const std::string klass : {"cm1-a", "cm1-b", "cm1-c"}) {
    const std::string room = "salle-" + klass;
    Ok({"pools", "create", room, "--school", "jaures", "--kind", "room"});
    Ok({"classes", "create", klass, "--school", "jaures", "--levels", "CM1",
        "--home-room", room});
    bed_.Enroll(bed_.CreateToken("jaures", room, 1), "tab-" + klass);
  }
  // cm1-a runs nothing; cm1-b a 5-minute plan (10 min with its grace: half
  // its 20 minutes); cm1-c, by override, 25 minutes (30 with the grace).
  const std::string five = Write("five.yaml", R"(title: "Cinq"
levels: [CM1]
steps:
  - {title: "Seul", duration: 5m, tablets: free, whiteboard: none}
)");
  const std::string long_plan = Write("long.yaml", R"(title: "Long"
levels: [CM1]
steps:
  - {title: "Seul", duration: 25m, tablets: free, whiteboard: none}
)");
  Ok({"session", "start", "cm1-b", five});
  EXPECT_EQ(bed_.Cli({"session", "start", "cm1-c", long_plan}).exit_code, 1);
  Ok({"session", "start", "cm1-c", long_plan, "--override",
      "projet radio de l'école"});
  for (const std::string klass : {"cm1-b", "cm1-c"}) {
    ASSERT_TRUE(WaitFor(
        [&] {
          return Session({"session", "status", klass}).status() ==
                 v1::Session::STATUS_ENDED;
        },
        absl::Seconds(30)));
  }
  // During the week a class below half is "in progress", not yet flagged.
  v1::WeekReportResponse report;
  ASSERT_TRUE(bed_.CliJson({"report", "week"}, &report));
  EXPECT_EQ(report.week(), "2026-W48");
  EXPECT_FALSE(report.week_over());
  ASSERT_EQ(report.classes_size(), 3);
  EXPECT_EQ(report.classes(0).flag(), v1::ClassWeek::FLAG_IN_PROGRESS);

  // Next Monday the week is over and the flags are final.
  bed_.KillConsole(SIGTERM);
  bed_.ShiftTestClock(absl::Hours(24 * 7));
  bed_.StartConsole(absl::Seconds(600));
  ASSERT_TRUE(bed_.CliJson({"report", "week", "--week", "2026-W48"}, &report));
  EXPECT_TRUE(report.week_over());
  ASSERT_EQ(report.classes_size(), 3);
  const v1::ClassWeek& a = report.classes(0);
  const v1::ClassWeek& b = report.classes(1);
  const v1::ClassWeek& c = report.classes(2);
  EXPECT_EQ(a.class_name(), "cm1-a");
  EXPECT_EQ(a.used_seconds(), 0);
  EXPECT_EQ(a.target_seconds(), 20 * 60);
  EXPECT_EQ(a.flag(), v1::ClassWeek::FLAG_UNDER);
  EXPECT_EQ(b.used_seconds(), 10 * 60);
  EXPECT_EQ(b.percent(), 50);
  EXPECT_EQ(b.flag(), v1::ClassWeek::FLAG_ON_TARGET);
  EXPECT_EQ(b.sessions(), 1);
  EXPECT_EQ(c.used_seconds(), 30 * 60);
  EXPECT_EQ(c.flag(), v1::ClassWeek::FLAG_OVER);
  EXPECT_EQ(c.overrides(), 1);
  ASSERT_EQ(c.override_reasons_size(), 1);
  EXPECT_EQ(c.override_reasons(0), "projet radio de l'école");
  // The new week starts empty.
  ASSERT_TRUE(bed_.CliJson({"report", "week"}, &report));
  EXPECT_EQ(report.week(), "2026-W49");

  // The same as a table (French), CSV and an SVG chart.
  CommandResult table = bed_.Cli({"report", "week", "--week", "2026-W48"});
  EXPECT_NE(table.out.find("sous-servie"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("au-delà"), std::string::npos) << table.out;
  const std::string svg = bed_.dir() + "/week.svg";
  CommandResult csv = bed_.Cli({"report", "week", "--week", "2026-W48", "-o",
                                "csv", "--svg", svg, "--lang", "en"});
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_NE(csv.out.find("2026-W48,jaures,cm1-c,,30,20,150,9,9,1,1,over"),
            std::string::npos)
      << csv.out;
  auto chart = ReadFile(svg);
  ASSERT_TRUE(chart.ok());
  EXPECT_NE(chart->find("<svg"), std::string::npos);
  EXPECT_NE(chart->find("cm1-c"), std::string::npos);
  EXPECT_NE(chart->find("over-served"), std::string::npos);
}

}  // namespace
}  // namespace ardoise::testing
