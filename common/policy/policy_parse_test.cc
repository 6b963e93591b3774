#include "common/policy/policy_parse.h"

#include <cstdlib>
#include <iostream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ardoise {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// The error message of parsing `yaml` as "p.yaml"; "OK" when it parses.
std::string ErrorOf(const std::string& yaml) {
  absl::StatusOr<ParsedPolicy> parsed = ParsePolicy(yaml, "p.yaml");
  if (parsed.ok()) return "OK";
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(parsed.status().message());
}

ParsedPolicy ParseOk(const std::string& yaml) {
  absl::StatusOr<ParsedPolicy> parsed = ParsePolicy(yaml, "p.yaml");
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  return parsed.ok() ? *std::move(parsed) : ParsedPolicy();
}

constexpr char kBriefExample[] = R"(# policies/ville.yaml
scope: city                 # city | {school: NAME} | ...
timezone: Europe/Paris
school_hours:
  monday: ["08:30-11:30", "13:30-16:30"]
  tuesday: ["08:30-11:30", "13:30-16:30"]
  wednesday: ["08:30-11:30"]
  thursday: ["08:30-11:30", "13:30-16:30"]
  friday: ["08:30-11:30", "13:30-16:30"]
holidays:
  - {name: "Vacances de Noël", from: 2026-12-19, to: 2027-01-03}
outside_sessions:
  tablet: locked            # locked | free
  whiteboard: free
  pc: free
  daily_limit: 1h           # 0s = none
weekly_allowance: 3h
no_screen_periods:
  - {name: "Semaine sans écrans 2027", from: 2027-05-17, to: 2027-05-23, kinds: [tablet, whiteboard, pc]}
exemptions:
  - {device: tbi-salle-12, period: "Semaine sans écrans 2027", reason: "Projet radio de l'école, validé par l'IEN"}
  - {class: CM2-A, reason: "..."}
apps: [gcompris, tuxpaint, scratch]
urls: ["https://lalilo.com"]
messages:
  no_screen: "Semaine sans écrans : on joue, on lit, on dessine !"
  downtime: "..."
retention: 90d              # days
)";

TEST(ParsePolicyTest, ParsesEveryFieldOfTheExample) {
  const ParsedPolicy parsed = ParseOk(kBriefExample);
  const v1::Policy& p = parsed.policy;
  EXPECT_EQ(parsed.file, "p.yaml");
  EXPECT_EQ(p.scope().level(), v1::Scope::LEVEL_CITY);
  EXPECT_EQ(p.scope().name(), "");
  EXPECT_EQ(p.timezone(), "Europe/Paris");
  ASSERT_EQ(p.school_hours().days_size(), 5);
  EXPECT_EQ(p.school_hours().days(0).day(), v1::WEEKDAY_MONDAY);
  ASSERT_EQ(p.school_hours().days(0).ranges_size(), 2);
  EXPECT_EQ(p.school_hours().days(0).ranges(0).start_minute(), 510);
  EXPECT_EQ(p.school_hours().days(0).ranges(0).end_minute(), 690);
  EXPECT_EQ(p.school_hours().days(0).ranges(1).start_minute(), 810);
  EXPECT_EQ(p.school_hours().days(2).day(), v1::WEEKDAY_WEDNESDAY);
  EXPECT_EQ(p.school_hours().days(2).ranges_size(), 1);
  EXPECT_TRUE(p.has_holidays());
  ASSERT_EQ(p.holidays_size(), 1);
  EXPECT_EQ(p.holidays(0).name(), "Vacances de Noël");
  EXPECT_EQ(FormatDate(p.holidays(0).from()), "2026-12-19");
  EXPECT_EQ(FormatDate(p.holidays(0).to()), "2027-01-03");
  EXPECT_EQ(p.tablet_free_use(), v1::FREE_USE_LOCKED);
  EXPECT_EQ(p.whiteboard_free_use(), v1::FREE_USE_FREE);
  EXPECT_EQ(p.pc_free_use(), v1::FREE_USE_FREE);
  EXPECT_EQ(p.daily_limit_seconds(), 3600);
  EXPECT_EQ(p.weekly_allowance_seconds(), 10800);
  ASSERT_EQ(p.no_screen_periods_size(), 1);
  EXPECT_EQ(p.no_screen_periods(0).range().name(), "Semaine sans écrans 2027");
  EXPECT_EQ(p.no_screen_periods(0).kinds_size(), 3);
  ASSERT_EQ(p.exemptions_size(), 2);
  EXPECT_EQ(p.exemptions(0).device(), "tbi-salle-12");
  EXPECT_EQ(p.exemptions(0).period(), "Semaine sans écrans 2027");
  EXPECT_EQ(p.exemptions(1).class_name(), "CM2-A");
  EXPECT_EQ(p.exemptions(1).period(), "");
  EXPECT_TRUE(p.has_apps());
  EXPECT_THAT(p.apps(),
              ::testing::ElementsAre("gcompris", "tuxpaint", "scratch"));
  EXPECT_TRUE(p.has_urls());
  EXPECT_EQ(p.messages().downtime(), "...");
  EXPECT_EQ(p.messages().manual(), "");
  EXPECT_EQ(p.retention_days(), 90);
}

TEST(ParsePolicyTest, RecordsOneBasedPositions) {
  const ParsedPolicy parsed = ParseOk(kBriefExample);
  const auto at = [&parsed](const std::string& path) {
    const SourcePos pos = parsed.positions.at(path);
    return std::to_string(pos.line) + ":" + std::to_string(pos.column);
  };
  EXPECT_EQ(at("scope"), "2:1");
  EXPECT_EQ(at("timezone"), "3:1");
  EXPECT_EQ(at("school_hours"), "4:1");
  EXPECT_EQ(at("school_hours.wednesday"), "7:3");
  EXPECT_EQ(at("holidays[0]"), "11:5");
  EXPECT_EQ(at("outside_sessions.daily_limit"), "16:3");
  EXPECT_EQ(at("no_screen_periods[0]"), "19:5");
  EXPECT_EQ(at("exemptions[1]"), "22:5");
  EXPECT_EQ(at("messages.downtime"), "27:3");
  EXPECT_EQ(at("retention"), "28:1");
  EXPECT_EQ(parsed.Where("messages.downtime"), "p.yaml:27:3");
  EXPECT_EQ(parsed.Where("nothing.here"), "p.yaml:1:1");
}

TEST(ParsePolicyTest, UnsetFieldsHaveNoPresence) {
  const ParsedPolicy parsed = ParseOk("scope: {school: jaures}\n");
  const v1::Policy& p = parsed.policy;
  EXPECT_EQ(p.scope().level(), v1::Scope::LEVEL_SCHOOL);
  EXPECT_EQ(p.scope().name(), "jaures");
  EXPECT_FALSE(p.has_timezone());
  EXPECT_FALSE(p.has_school_hours());
  EXPECT_FALSE(p.has_holidays());
  EXPECT_FALSE(p.has_tablet_free_use());
  EXPECT_FALSE(p.has_daily_limit_seconds());
  EXPECT_FALSE(p.has_weekly_allowance_seconds());
  EXPECT_FALSE(p.has_apps());
  EXPECT_FALSE(p.has_urls());
  EXPECT_FALSE(p.has_retention_days());
}

TEST(ParsePolicyTest, EmptyListsAreSetAndClear) {
  const ParsedPolicy parsed =
      ParseOk("scope: {pool: p}\nholidays: []\napps: []\nurls: []\n");
  EXPECT_TRUE(parsed.policy.has_holidays());
  EXPECT_TRUE(parsed.policy.has_apps());
  EXPECT_TRUE(parsed.policy.has_urls());
  EXPECT_EQ(parsed.policy.holidays_size(), 0);
}

TEST(ParsePolicyTest, ScopesOfEveryLevel) {
  EXPECT_EQ(ParseOk("scope: {pool: chariot-1}\n").policy.scope().level(),
            v1::Scope::LEVEL_POOL);
  EXPECT_EQ(ParseOk("scope: {device: tab-01}\n").policy.scope().level(),
            v1::Scope::LEVEL_DEVICE);
  EXPECT_EQ(ParseOk("scope: {class: CM2-A}\n").policy.scope().level(),
            v1::Scope::LEVEL_CLASS);
  EXPECT_EQ(ParseOk("scope:\n  class: CM2-A\n").policy.scope().name(), "CM2-A");
}

TEST(ParsePolicyTest, AcceptedValueForms) {
  const ParsedPolicy parsed = ParseOk(
      "scope: city\nretention: 30\nweekly_allowance: 2h30\n"
      "outside_sessions: {daily_limit: 0s}\n"
      "school_hours:\n  saturday: [\"08:30 - 12:00\", \"20:00-24:00\"]\n"
      "  sunday: []\n"
      "holidays: [{name: Armistice, from: 2026-11-11, to: 2026-11-11}]\n"
      "apps: [org.kde.gcompris, tux_paint-2]\n");
  const v1::Policy& p = parsed.policy;
  EXPECT_EQ(p.retention_days(), 30);
  EXPECT_EQ(p.weekly_allowance_seconds(), 9000);
  EXPECT_TRUE(p.has_daily_limit_seconds());
  EXPECT_EQ(p.daily_limit_seconds(), 0);
  ASSERT_EQ(p.school_hours().days_size(), 2);
  EXPECT_EQ(p.school_hours().days(0).day(), v1::WEEKDAY_SATURDAY);
  EXPECT_EQ(p.school_hours().days(0).ranges(1).end_minute(), 1440);
  EXPECT_EQ(p.school_hours().days(1).day(), v1::WEEKDAY_SUNDAY);
  EXPECT_EQ(p.school_hours().days(1).ranges_size(), 0);
}

TEST(ParsePolicyTest, SortsWeekdaysAndRanges) {
  const ParsedPolicy parsed = ParseOk(
      "scope: city\nschool_hours:\n  friday: [\"13:30-16:30\", "
      "\"08:30-11:30\"]\n  monday: [\"08:30-11:30\"]\n");
  const v1::SchoolHours& h = parsed.policy.school_hours();
  ASSERT_EQ(h.days_size(), 2);
  EXPECT_EQ(h.days(0).day(), v1::WEEKDAY_MONDAY);
  EXPECT_EQ(h.days(1).day(), v1::WEEKDAY_FRIDAY);
  EXPECT_EQ(FormatTimeRange(h.days(1).ranges(0)), "08:30-11:30");
  EXPECT_EQ(FormatTimeRange(h.days(1).ranges(1)), "13:30-16:30");
}

// --- Errors: each names file:line:column (1-based) and the fix. -----------

TEST(ParsePolicyErrorTest, UnknownKeyWithDidYouMean) {
  EXPECT_EQ(ErrorOf("scope: city\noutside_sessions:\n  dayly_limit: 1h\n"),
            "p.yaml:3:3: unknown key \"dayly_limit\" in \"outside_sessions\" "
            "(did you mean \"daily_limit\"?)");
  EXPECT_EQ(ErrorOf("scope: city\ntimezon: Europe/Paris\n"),
            "p.yaml:2:1: unknown key \"timezon\" in a policy (did you mean "
            "\"timezone\"?)");
  // Transposed letters count as one edit.
  EXPECT_THAT(ErrorOf("scope: city\nrtention: 90\n"),
              HasSubstr("(did you mean \"retention\"?)"));
  EXPECT_THAT(ErrorOf("scope: city\nretnetion: 90\n"),
              HasSubstr("(did you mean \"retention\"?)"));
}

TEST(ParsePolicyErrorTest, UnknownKeyFarFromAnyListsAllowedKeys) {
  EXPECT_EQ(ErrorOf("scope: city\nzzzz: 1\n"),
            "p.yaml:2:1: unknown key \"zzzz\" in a policy (allowed: scope, "
            "timezone, school_hours, holidays, outside_sessions, "
            "weekly_allowance, no_screen_periods, exemptions, apps, urls, "
            "messages, retention)");
  EXPECT_EQ(ErrorOf("scope: city\nholidays:\n  - {nom: a, from: 2026-01-01, "
                    "to: 2026-01-02}\n"),
            "p.yaml:3:6: unknown key \"nom\" in holiday (did you mean "
            "\"name\"?)");
}

TEST(ParsePolicyErrorTest, DuplicatedKeys) {
  EXPECT_EQ(ErrorOf("scope: city\ntimezone: Europe/Paris\nretention: 90\n"
                    "timezone: Europe/Paris\n"),
            "p.yaml:4:1: duplicated key \"timezone\" in a policy (first set "
            "at line 2, column 1; keep one)");
  EXPECT_EQ(ErrorOf("scope: city\noutside_sessions:\n  tablet: free\n"
                    "  tablet: locked\n"),
            "p.yaml:4:3: duplicated key \"tablet\" in \"outside_sessions\" "
            "(first set at line 3, column 3; keep one)");
  EXPECT_EQ(ErrorOf("scope: city\nschool_hours:\n  monday: []\n"
                    "  monday: []\n"),
            "p.yaml:4:3: duplicated weekday \"monday\" in \"school_hours\" "
            "(first set at line 3, column 3; keep one)");
  EXPECT_THAT(
      ErrorOf("scope: city\nexemptions:\n  - {class: a, reason: x, "
              "reason: y}\n"),
      StartsWith("p.yaml:3:27: duplicated key \"reason\" in an exemption "
                 "(first set at line 3, column 16; keep one)"));
}

TEST(ParsePolicyErrorTest, WrongTypes) {
  EXPECT_EQ(ErrorOf("scope: city\nschool_hours: [a]\n"),
            "p.yaml:2:15: expected a map for \"school_hours\", got a list "
            "(write monday: ... on the next lines, indented)");
  EXPECT_EQ(ErrorOf("scope: city\nholidays: {name: a}\n"),
            "p.yaml:2:11: expected a list for \"holidays\", got a map (write "
            "a list of {name: \"Vacances d'hiver\", from: 2027-02-06, to: "
            "2027-02-21}, or [] for none)");
  EXPECT_EQ(ErrorOf("scope: city\ntimezone: [Europe/Paris]\n"),
            "p.yaml:2:11: expected a string for \"timezone\", got a list "
            "(e.g. Europe/Paris)");
  EXPECT_EQ(ErrorOf("scope: city\nmessages:\n  downtime:\n"),
            "p.yaml:3:3: expected a string for \"downtime\", got nothing "
            "(e.g. \"Semaine sans écrans : on joue !\")");
  EXPECT_THAT(ErrorOf("scope: city\napps: gcompris\n"),
              StartsWith("p.yaml:2:7: expected a list for \"apps\", got the "
                         "text \"gcompris\""));
  EXPECT_THAT(ErrorOf("- scope\n"),
              StartsWith("p.yaml:1:1: expected a map for a policy, got a "
                         "list"));
  EXPECT_THAT(ErrorOf("scope: city\n? [a]\n: b\n"),
              StartsWith("p.yaml:2:3: a key of a policy must be a plain name"));
}

TEST(ParsePolicyErrorTest, BadDurations) {
  EXPECT_EQ(ErrorOf("scope: city\nweekly_allowance: 3x\n"),
            "p.yaml:2:19: \"weekly_allowance\": bad duration \"3x\": unknown "
            "unit \"x\" (use h, m or s, e.g. \"1h30\", \"90m\", \"45s\")");
  EXPECT_THAT(ErrorOf("scope: city\noutside_sessions:\n  daily_limit: 0\n"),
              StartsWith("p.yaml:3:16: \"daily_limit\": bad duration \"0\": "
                         "missing unit"));
  EXPECT_EQ(ErrorOf("scope: city\noutside_sessions:\n  daily_limit: 25h\n"),
            "p.yaml:3:16: \"daily_limit\" of \"25h\" is longer than 24h (use "
            "at most that)");
  EXPECT_THAT(ErrorOf("scope: city\nweekly_allowance: 200h\n"),
              StartsWith("p.yaml:2:19: \"weekly_allowance\" of \"200h\" is "
                         "longer than 168h"));
}

TEST(ParsePolicyErrorTest, BadTimes) {
  EXPECT_EQ(ErrorOf("scope: city\nschool_hours:\n  monday: [\"8h30-11:30\"]\n"),
            "p.yaml:3:12: bad time \"8h30\" in \"8h30-11:30\" (write HH:MM "
            "from 00:00 to 23:59, 24:00 as an end, e.g. \"08:30\")");
  EXPECT_THAT(
      ErrorOf("scope: city\nschool_hours:\n  monday: [\"08:30-25:00\"]\n"),
      StartsWith("p.yaml:3:12: bad time \"25:00\" in \"08:30-25:00\""));
  EXPECT_THAT(ErrorOf("scope: city\nschool_hours:\n  monday:\n"
                      "    - \"08:30-11:30\"\n    - \"8:30-9:00\"\n"),
              StartsWith("p.yaml:5:7: bad time \"8:30\""));
  EXPECT_THAT(
      ErrorOf("scope: city\nschool_hours:\n  monday: [\"24:00-24:00\"]\n"),
      StartsWith("p.yaml:3:12: bad time \"24:00\""));
  EXPECT_THAT(ErrorOf("scope: city\nschool_hours:\n  monday: [\"08:30\"]\n"),
              StartsWith("p.yaml:3:12: bad time range \"08:30\" (write "
                         "HH:MM-HH:MM"));
}

TEST(ParsePolicyErrorTest, TimeRangeEndsBeforeStart) {
  EXPECT_EQ(
      ErrorOf("scope: city\nschool_hours:\n  monday: [\"11:30-08:30\"]\n"),
      "p.yaml:3:12: time range \"11:30-08:30\" ends before it starts "
      "(write START-END, e.g. \"08:30-11:30\")");
  EXPECT_THAT(
      ErrorOf("scope: city\nschool_hours:\n  monday: [\"08:30-08:30\"]\n"),
      StartsWith("p.yaml:3:12: time range \"08:30-08:30\" is empty"));
}

TEST(ParsePolicyErrorTest, OverlappingTimeRanges) {
  EXPECT_EQ(ErrorOf("scope: city\nschool_hours:\n"
                    "  monday: [\"08:30-11:30\", \"11:00-12:00\"]\n"),
            "p.yaml:3:27: time range \"11:00-12:00\" overlaps \"08:30-11:30\" "
            "on monday (line 3, column 12; merge them or fix the times)");
  // Reported at the later one in the file even when it starts earlier.
  EXPECT_THAT(ErrorOf("scope: city\nschool_hours:\n  tuesday:\n"
                      "    - \"13:30-16:30\"\n    - \"08:30-14:00\"\n"),
              StartsWith("p.yaml:5:7: time range \"08:30-14:00\" overlaps "
                         "\"13:30-16:30\" on tuesday (line 4, column 7;"));
  // Touching ranges do not overlap: [08:30, 11:30) then [11:30, 12:00).
  EXPECT_EQ(ErrorOf("scope: city\nschool_hours:\n"
                    "  monday: [\"08:30-11:30\", \"11:30-12:00\"]\n"),
            "OK");
}

TEST(ParsePolicyErrorTest, BadDates) {
  EXPECT_EQ(ErrorOf("scope: city\nholidays:\n"
                    "  - {name: a, from: 2026-13-01, to: 2026-12-02}\n"),
            "p.yaml:3:21: bad date \"2026-13-01\" for \"from\": no such day in "
            "the calendar (check the month and day)");
  EXPECT_EQ(ErrorOf("scope: city\nholidays:\n"
                    "  - {name: a, from: 2026-12-01, to: 1/2/2027}\n"),
            "p.yaml:3:37: bad date \"1/2/2027\" for \"to\" (write YYYY-MM-DD, "
            "e.g. 2027-05-17)");
  EXPECT_THAT(ErrorOf("scope: city\nholidays:\n"
                      "  - {name: a, from: 2027-02-29, to: 2027-03-01}\n"),
              StartsWith("p.yaml:3:21: bad date \"2027-02-29\""));
  EXPECT_THAT(ErrorOf("scope: city\nholidays:\n"
                      "  - {name: a, from: 1999-12-31, to: 2027-03-01}\n"),
              HasSubstr("the year must be between 2000 and 2200"));
  EXPECT_EQ(
      ErrorOf("scope: city\nholidays:\n  - {name: a, from: 2026-12-01}\n"),
      "p.yaml:3:5: holiday is missing \"to\" (write {name: \"Vacances "
      "d'hiver\", from: 2027-02-06, to: 2027-02-21})");
}

TEST(ParsePolicyErrorTest, DateRangeEndsBeforeStart) {
  EXPECT_EQ(ErrorOf("scope: city\nholidays:\n"
                    "  - {name: a, from: 2026-12-10, to: 2026-12-02}\n"),
            "p.yaml:3:37: holiday \"a\" ends (2026-12-02) before it starts "
            "(2026-12-10) (swap \"from\" and \"to\"; both days are "
            "included)");
  EXPECT_THAT(ErrorOf("scope: city\nno_screen_periods:\n"
                      "  - name: s\n    from: 2027-05-23\n    to: 2027-05-17\n"
                      "    kinds: [pc]\n"),
              StartsWith("p.yaml:5:9: no-screen period \"s\" ends "
                         "(2027-05-17) before it starts (2027-05-23)"));
}

TEST(ParsePolicyErrorTest, OverlappingHolidays) {
  // Both ends are included: ending on the 10th and starting on the 10th
  // overlap.
  EXPECT_EQ(ErrorOf("scope: city\nholidays:\n"
                    "  - {name: a, from: 2026-12-01, to: 2026-12-10}\n"
                    "  - {name: b, from: 2026-12-10, to: 2026-12-12}\n"),
            "p.yaml:4:5: holiday \"b\" overlaps \"a\" (line 3, column 5; "
            "merge them or fix the dates, both ends are included)");
  // A long range swallowing a later one is found past a short one.
  EXPECT_THAT(ErrorOf("scope: city\nholidays:\n"
                      "  - {name: long, from: 2026-12-01, to: 2026-12-31}\n"
                      "  - {name: short, from: 2026-12-02, to: 2026-12-03}\n"
                      "  - {name: late, from: 2026-12-20, to: 2026-12-21}\n"),
              StartsWith("p.yaml:4:5: holiday \"short\" overlaps \"long\""));
  EXPECT_EQ(ErrorOf("scope: city\nholidays:\n"
                    "  - {name: b, from: 2026-12-11, to: 2026-12-12}\n"
                    "  - {name: a, from: 2026-12-01, to: 2026-12-10}\n"),
            "OK");
}

TEST(ParsePolicyErrorTest, NoScreenPeriods) {
  EXPECT_EQ(
      ErrorOf("scope: city\nno_screen_periods:\n"
              "  - {name: a, from: 2026-12-01, to: 2026-12-10, kinds: [pc]}\n"
              "  - {name: a, from: 2026-12-05, to: 2026-12-12, kinds: [pc]}\n"),
      "p.yaml:4:5: no-screen period \"a\" is defined twice (first at line 3, "
      "column 5; give each period its own name)");
  // Same name, disjoint dates: still refused.
  EXPECT_THAT(
      ErrorOf("scope: city\nno_screen_periods:\n"
              "  - {name: a, from: 2026-12-01, to: 2026-12-10, kinds: [pc]}\n"
              "  - {name: a, from: 2027-12-05, to: 2027-12-12, kinds: [pc]}\n"),
      StartsWith("p.yaml:4:5: no-screen period \"a\" is defined twice"));
  // Different names may overlap (one for tablets, one for PCs).
  EXPECT_EQ(
      ErrorOf("scope: city\nno_screen_periods:\n"
              "  - {name: a, from: 2026-12-01, to: 2026-12-10, kinds: [pc]}\n"
              "  - {name: b, from: 2026-12-05, to: 2026-12-12, kinds: "
              "[tablet]}\n"),
      "OK");
  EXPECT_EQ(ErrorOf("scope: city\nno_screen_periods:\n"
                    "  - {name: a, from: 2026-12-01, to: 2026-12-10, kinds: "
                    "[tablett]}\n"),
            "p.yaml:3:57: unknown device kind \"tablett\" (did you mean "
            "\"tablet\"?)");
  EXPECT_THAT(ErrorOf("scope: city\nno_screen_periods:\n"
                      "  - {name: a, from: 2026-12-01, to: 2026-12-10}\n"),
              StartsWith("p.yaml:3:5: no-screen period \"a\" is missing "
                         "\"kinds\""));
  EXPECT_THAT(ErrorOf("scope: city\nno_screen_periods:\n"
                      "  - {name: a, from: 2026-12-01, to: 2026-12-10, "
                      "kinds: []}\n"),
              StartsWith("p.yaml:3:56: \"kinds\" is empty"));
  EXPECT_THAT(ErrorOf("scope: city\nno_screen_periods:\n"
                      "  - {name: a, from: 2026-12-01, to: 2026-12-10, "
                      "kinds: [pc, pc]}\n"),
              StartsWith("p.yaml:3:61: device kind \"pc\" is listed twice"));
}

TEST(ParsePolicyErrorTest, UnknownWeekday) {
  EXPECT_EQ(ErrorOf("scope: city\nschool_hours:\n  mondy: []\n"),
            "p.yaml:3:3: unknown weekday \"mondy\" in \"school_hours\" (did "
            "you mean \"monday\"?)");
  EXPECT_THAT(ErrorOf("scope: city\nschool_hours:\n  lundi: []\n"),
              HasSubstr("(allowed: monday, tuesday, wednesday, thursday, "
                        "friday, saturday, sunday)"));
}

TEST(ParsePolicyErrorTest, FreeUseValues) {
  EXPECT_EQ(ErrorOf("scope: city\noutside_sessions: {tablet: lockd}\n"),
            "p.yaml:2:28: unknown value \"lockd\" for \"tablet\" (did you mean "
            "\"locked\"?)");
}

TEST(ParsePolicyErrorTest, UnknownTimeZone) {
  EXPECT_EQ(ErrorOf("scope: city\ntimezone: Europe/Pariss\n"),
            "p.yaml:2:11: unknown time zone \"Europe/Pariss\" (use an IANA "
            "name such as Europe/Paris; check the spelling and capitals)");
  // Paths never reach the time zone loader.
  EXPECT_THAT(ErrorOf("scope: city\ntimezone: ../../etc/passwd\n"),
              StartsWith("p.yaml:2:11: unknown time zone"));
  EXPECT_THAT(ErrorOf("scope: city\ntimezone: /etc/localtime\n"),
              StartsWith("p.yaml:2:11: unknown time zone"));
}

// Runs in a fresh process (time zones are cached per process) whose time
// zone database folder does not exist.
TEST(ParsePolicyErrorDeathTest, MissingTzdataSaysToInstallIt) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        setenv("TZDIR", "/nonexistent-ardoise-tzdir", 1);
        std::cerr << ErrorOf("scope: city\ntimezone: America/Lima\n");
        std::exit(0);
      },
      ::testing::ExitedWithCode(0),
      "p.yaml:2:11: cannot load time zone \"America/Lima\": the time zone "
      "database is missing \\(install the tzdata package\\)");
}

TEST(ParsePolicyErrorTest, Exemptions) {
  EXPECT_EQ(ErrorOf("scope: city\nexemptions:\n"
                    "  - {device: a, class: b, reason: x}\n"),
            "p.yaml:3:5: exemption names both a device and a class (write one "
            "exemption for each)");
  EXPECT_EQ(ErrorOf("scope: city\nexemptions:\n  - {period: a, reason: x}\n"),
            "p.yaml:3:5: exemption names neither a device nor a class (add "
            "device: NAME or class: NAME)");
  EXPECT_EQ(ErrorOf("scope: city\nexemptions:\n  - {device: a}\n"),
            "p.yaml:3:5: exemption has no reason (add reason: \"...\"; it is "
            "shown in reports)");
  EXPECT_THAT(ErrorOf("scope: city\nexemptions:\n"
                      "  - {device: a, reason: \"  \"}\n"),
              StartsWith("p.yaml:3:25: empty exemption reason"));
  // A period this file does not define is fine here (the city may define
  // it); ValidatePolicySet checks it across files.
  EXPECT_EQ(ErrorOf("scope: {school: s}\nexemptions:\n"
                    "  - {device: a, period: \"Semaine sans écrans\", "
                    "reason: r}\n"),
            "OK");
}

TEST(ParsePolicyErrorTest, Scope) {
  EXPECT_EQ(ErrorOf("timezone: Europe/Paris\n"),
            "p.yaml:1:1: missing \"scope\" (add scope: city, or scope: "
            "{school: NAME}, {pool: NAME}, {device: NAME}, {class: NAME})");
  EXPECT_THAT(ErrorOf("scope: town\n"),
              StartsWith("p.yaml:1:8: unknown scope \"town\" (write scope: "
                         "city, or"));
  EXPECT_THAT(ErrorOf("scope: {school: a, pool: b}\n"),
              StartsWith("p.yaml:1:8: \"scope\" must name exactly one of "
                         "school, pool, device or class, got 2"));
  EXPECT_THAT(ErrorOf("scope: {scool: a}\n"),
              StartsWith("p.yaml:1:9: unknown key \"scool\" in \"scope\" (did "
                         "you mean \"school\"?)"));
  EXPECT_THAT(ErrorOf("scope: {school: \"\"}\n"),
              StartsWith("p.yaml:1:17: empty school name"));
}

TEST(ParsePolicyErrorTest, AppsUrlsMessagesRetention) {
  EXPECT_THAT(ErrorOf("scope: city\napps: [gcompris, ../../bin/sh]\n"),
              StartsWith("p.yaml:2:18: bad app id \"../../bin/sh\""));
  EXPECT_EQ(ErrorOf("scope: city\napps: [gcompris, tuxpaint, gcompris]\n"),
            "p.yaml:2:28: app \"gcompris\" is listed twice (first at line 2, "
            "column 8; keep one)");
  EXPECT_THAT(ErrorOf("scope: city\nurls: [\"lalilo.com\"]\n"),
              StartsWith("p.yaml:2:8: bad URL \"lalilo.com\""));
  EXPECT_THAT(ErrorOf("scope: city\nurls: [\"https://a.fr\", "
                      "\"https://a.fr\"]\n"),
              StartsWith("p.yaml:2:24: URL \"https://a.fr\" is listed twice"));
  EXPECT_THAT(ErrorOf("scope: city\nmessages: {downtime: \"\"}\n"),
              StartsWith("p.yaml:2:22: empty message for \"downtime\""));
  EXPECT_THAT(ErrorOf("scope: city\nmessages: {dowtime: x}\n"),
              HasSubstr("(did you mean \"downtime\"?)"));
  EXPECT_THAT(ErrorOf("scope: city\nmessages: {downtime: " +
                      std::string(1001, 'x') + "}\n"),
              StartsWith("p.yaml:2:22: message for \"downtime\" is 1001 bytes, "
                         "above the 1000-byte limit"));
  EXPECT_EQ(ErrorOf("scope: city\nretention: 90 days\n"),
            "p.yaml:2:12: bad retention \"90 days\" (write a number of days, "
            "e.g. 90 or 90d)");
  EXPECT_THAT(ErrorOf("scope: city\nretention: 90h\n"),
              StartsWith("p.yaml:2:12: bad retention \"90h\""));
  EXPECT_THAT(ErrorOf("scope: city\nretention: 0\n"),
              StartsWith("p.yaml:2:12: retention of 0 days is out of range"));
  EXPECT_THAT(ErrorOf("scope: city\nretention: 99999999999999999999d\n"),
              StartsWith("p.yaml:2:12: bad retention"));
}

TEST(ParsePolicyErrorTest, MalformedYaml) {
  EXPECT_EQ(ErrorOf("scope: city\napps: [a, b\n"),
            "p.yaml:3:1: invalid YAML: end of sequence flow not found (check "
            "indentation, quotes and brackets)");
  EXPECT_THAT(ErrorOf("scope: city\n  timezone: x\n"),
              StartsWith("p.yaml:2:11: invalid YAML: "));
  EXPECT_THAT(ErrorOf("scope: \"city\n"), StartsWith("p.yaml:"));
  EXPECT_THAT(ErrorOf("scope: *nothing\n"),
              StartsWith("p.yaml:1:8: invalid YAML: "));
  // Deep nesting hits yaml-cpp's depth guard, not the stack's end.
  EXPECT_THAT(ErrorOf(std::string(10000, '[')), StartsWith("p.yaml:"));
}

TEST(ParsePolicyErrorTest, EmptyAndMultipleDocuments) {
  EXPECT_EQ(ErrorOf(""),
            "p.yaml:1:1: empty policy (start with scope: city, see "
            "policies/reference.yaml)");
  EXPECT_THAT(ErrorOf("# only a comment\n"), StartsWith("p.yaml:1:1: empty"));
  EXPECT_THAT(ErrorOf("scope: city\n---\nscope: city\n"),
              StartsWith("p.yaml:2:1: a policy file holds one YAML document"));
}

// yaml-cpp 0.7 yields empty documents forever, without consuming input, on
// a stray flow token at block level; YAML::LoadAll then never returned and
// ate all memory (found by policy_parse_fuzzer).
TEST(ParsePolicyRegressionTest, StrayCommaDoesNotExhaustMemory) {
  EXPECT_EQ(ErrorOf(",x: 1\n"),
            "p.yaml:1:1: invalid YAML: unexpected \",\" (check indentation, "
            "quotes and brackets)");
  EXPECT_EQ(ErrorOf("# École Jean-Jaurès\n"
                    "  ,hursday: [\"08:30-11:30\", \"13:30-16:30, with\",t\n"),
            "p.yaml:2:3: invalid YAML: unexpected \",\" (check indentation, "
            "quotes and brackets)");
  EXPECT_THAT(ErrorOf("scope: city\n---\n,\n"),
              StartsWith("p.yaml:2:1: a policy file holds one YAML document"));
}

TEST(ParsePolicyErrorTest, SizeCap) {
  std::string big = "scope: city\n#";
  big.resize(kMaxPolicyBytes, 'x');
  EXPECT_EQ(ErrorOf(big), "OK");
  big.push_back('x');
  EXPECT_EQ(ErrorOf(big),
            "p.yaml:1:1: policy is 262145 bytes, above the 262144-byte limit "
            "(split it into several scopes or remove unused entries)");
}

TEST(ParsePolicyFileTest, MissingFileIsNotFound) {
  absl::StatusOr<ParsedPolicy> parsed =
      ParsePolicyFile("/nonexistent/ardoise/policy.yaml");
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kNotFound);
}

TEST(PolicyFormatTest, Helpers) {
  v1::Scope scope;
  scope.set_level(v1::Scope::LEVEL_POOL);
  scope.set_name("salle-12");
  EXPECT_EQ(ScopeLabel(scope), "pool salle-12");
  EXPECT_EQ(DeviceKindName(v1::DEVICE_KIND_WHITEBOARD), "whiteboard");
  v1::TimeRange range;
  range.set_start_minute(0);
  range.set_end_minute(1440);
  EXPECT_EQ(FormatTimeRange(range), "00:00-24:00");
}

}  // namespace
}  // namespace ardoise
