#include "common/plan/plan_parse.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ardoise {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// The error message of parsing `yaml` as "p.yaml"; "OK" when it parses.
std::string ErrorOf(const std::string& yaml) {
  absl::StatusOr<ParsedPlan> parsed = ParsePlan(yaml, "p.yaml");
  if (parsed.ok()) return "OK";
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(parsed.status().message());
}

ParsedPlan ParseOk(const std::string& yaml) {
  absl::StatusOr<ParsedPlan> parsed = ParsePlan(yaml, "p.yaml");
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  return parsed.ok() ? *std::move(parsed) : ParsedPlan();
}

// A plan whose steps (from line 4) are `steps`.
std::string WithSteps(const std::string& steps) {
  return "title: t\nlevels: [CM1]\nsteps:\n" + steps;
}

// One step on line 4 with these tablets and whiteboard values.
std::string OneStep(const std::string& tablets,
                    const std::string& whiteboard = "none") {
  return WithSteps("  - {title: a, duration: 10m, tablets: " + tablets +
                   ", whiteboard: " + whiteboard + "}\n");
}

constexpr char kBriefExample[] = R"(title: "Les fractions avec GCompris"
levels: [CM1, CM2]
subject: mathématiques
steps:
  - title: "Présentation au tableau"
    duration: 10m
    tablets: {lock: "Regardez le tableau"}
    whiteboard: {url: "https://www.lumni.fr/primaire/cm1"}
  - title: "Exercices"
    duration: 20m
    tablets: {app: gcompris}
    whiteboard: {pupil_screen: true}
  - title: "Mise en commun"
    duration: 5m
    tablets: lock            # shorthand: lock with the default text
    whiteboard: none
)";

TEST(ParsePlanTest, ParsesTheBriefExample) {
  const ParsedPlan parsed = ParseOk(kBriefExample);
  const v1::Plan& p = parsed.plan;
  EXPECT_EQ(parsed.file, "p.yaml");
  EXPECT_EQ(p.title(), "Les fractions avec GCompris");
  ASSERT_EQ(p.levels_size(), 2);
  EXPECT_EQ(p.levels(0), "CM1");
  EXPECT_EQ(p.levels(1), "CM2");
  EXPECT_EQ(p.subject(), "mathématiques");
  ASSERT_EQ(p.steps_size(), 3);

  EXPECT_EQ(p.steps(0).title(), "Présentation au tableau");
  EXPECT_EQ(p.steps(0).duration_seconds(), 600);
  ASSERT_TRUE(p.steps(0).tablets().has_lock());
  EXPECT_EQ(p.steps(0).tablets().lock().message(), "Regardez le tableau");
  EXPECT_EQ(p.steps(0).whiteboard().url(), "https://www.lumni.fr/primaire/cm1");

  EXPECT_EQ(p.steps(1).duration_seconds(), 1200);
  ASSERT_TRUE(p.steps(1).tablets().has_app());
  EXPECT_EQ(p.steps(1).tablets().app().app(), "gcompris");
  EXPECT_EQ(p.steps(1).whiteboard().kind_case(),
            v1::WhiteboardAction::kPupilScreen);
  EXPECT_TRUE(p.steps(1).whiteboard().pupil_screen());

  EXPECT_EQ(p.steps(2).duration_seconds(), 300);
  ASSERT_TRUE(p.steps(2).tablets().has_lock());
  EXPECT_EQ(p.steps(2).tablets().lock().message(), "");  // the policy's text
  EXPECT_EQ(p.steps(2).whiteboard().kind_case(), v1::WhiteboardAction::kNone);

  EXPECT_EQ(parsed.total(), absl::Minutes(35));
}

TEST(ParsePlanTest, RecordsOneBasedPositions) {
  const ParsedPlan parsed = ParseOk(kBriefExample);
  EXPECT_EQ(parsed.Where("title"), "p.yaml:1:1");
  EXPECT_EQ(parsed.Where("levels[1]"), "p.yaml:2:15");
  EXPECT_EQ(parsed.Where("subject"), "p.yaml:3:1");
  EXPECT_EQ(parsed.Where("steps"), "p.yaml:4:1");
  EXPECT_EQ(parsed.Where("steps[0]"), "p.yaml:5:5");
  EXPECT_EQ(parsed.Where("steps[0].duration"), "p.yaml:6:5");
  EXPECT_EQ(parsed.Where("steps[0].tablets.lock"), "p.yaml:7:15");
  EXPECT_EQ(parsed.Where("steps[0].whiteboard.url"), "p.yaml:8:18");
  EXPECT_EQ(parsed.Where("steps[1].tablets"), "p.yaml:11:5");
  EXPECT_EQ(parsed.Where("steps[1].tablets.app"), "p.yaml:11:15");
  // Shorthands record the word's position under the kind's path.
  EXPECT_EQ(parsed.Where("steps[2].tablets.lock"), "p.yaml:15:14");
  EXPECT_EQ(parsed.Where("steps[2].whiteboard.none"), "p.yaml:16:17");
  EXPECT_EQ(parsed.Where("no.such.path"), "p.yaml:1:1");
  EXPECT_EQ(parsed.PosOf("steps[2]").line, 13);
}

TEST(ParsePlanTest, ShorthandAndLongForms) {
  EXPECT_TRUE(ParseOk(OneStep("lock")).plan.steps(0).tablets().has_lock());
  EXPECT_TRUE(ParseOk(OneStep("free")).plan.steps(0).tablets().has_free());
  EXPECT_TRUE(
      ParseOk(OneStep("{free: true}")).plan.steps(0).tablets().has_free());
  EXPECT_EQ(ParseOk(OneStep("{url: \"http://ecole.example/x?a=1\"}"))
                .plan.steps(0)
                .tablets()
                .url()
                .url(),
            "http://ecole.example/x?a=1");
  EXPECT_TRUE(ParseOk(OneStep("lock", "pupil_screen"))
                  .plan.steps(0)
                  .whiteboard()
                  .pupil_screen());
  EXPECT_TRUE(ParseOk(OneStep("lock", "{none: true}"))
                  .plan.steps(0)
                  .whiteboard()
                  .none());
  EXPECT_EQ(ParseOk(OneStep("lock", "{app: scratch}"))
                .plan.steps(0)
                .whiteboard()
                .app(),
            "scratch");
  // A lock text may span lines (block scalar); the subject is optional.
  const ParsedPlan multiline = ParseOk(
      "title: t\nlevels: [CP, CE1, CE2, CM1, CM2]\nsteps:\n"
      "  - title: a\n    duration: 1h30\n    tablets:\n      lock: |\n"
      "        Regardez le tableau.\n        On commence !\n"
      "    whiteboard: none\n");
  EXPECT_EQ(multiline.plan.steps(0).tablets().lock().message(),
            "Regardez le tableau.\nOn commence !\n");
  EXPECT_EQ(multiline.plan.subject(), "");
  EXPECT_EQ(multiline.plan.levels_size(), 5);
  EXPECT_EQ(multiline.total(), absl::Minutes(90));
}

TEST(ParsePlanTest, TotalAddsEveryStepUpToFourHours) {
  std::string steps;
  for (int i = 0; i < 4; ++i) {
    steps += "  - {title: a, duration: 1h, tablets: free, whiteboard: none}\n";
  }
  EXPECT_EQ(ParseOk(WithSteps(steps)).total(), absl::Hours(4));
  EXPECT_EQ(ParsedPlan().total(), absl::ZeroDuration());
}

TEST(ParsePlanErrorTest, UnknownKeysWithDidYouMean) {
  EXPECT_EQ(ErrorOf("title: t\nlevel: [CM1]\n"),
            "p.yaml:2:1: unknown key \"level\" in a plan (did you mean "
            "\"levels\"?)");
  EXPECT_EQ(ErrorOf(WithSteps("  - title: a\n    duraton: 10m\n")),
            "p.yaml:5:5: unknown key \"duraton\" in a step (did you mean "
            "\"duration\"?)");
  EXPECT_EQ(ErrorOf(OneStep("{apps: gcompris}")),
            "p.yaml:4:41: unknown key \"apps\" in \"tablets\" (did you mean "
            "\"app\"?)");
  EXPECT_EQ(ErrorOf(OneStep("lock", "{pupil_screens: true}")),
            "p.yaml:4:59: unknown key \"pupil_screens\" in \"whiteboard\" "
            "(did you mean \"pupil_screen\"?)");
  EXPECT_EQ(ErrorOf("title: t\nzzzz: 1\n"),
            "p.yaml:2:1: unknown key \"zzzz\" in a plan (allowed: title, "
            "levels, subject, steps)");
  // `coding` is not there yet.
  EXPECT_EQ(ErrorOf(OneStep("{coding: x}")),
            "p.yaml:4:41: unknown key \"coding\" in \"tablets\" (allowed: "
            "lock, app, url, free)");
}

TEST(ParsePlanErrorTest, DuplicatedKeys) {
  EXPECT_EQ(ErrorOf("title: t\nlevels: [CM1]\ntitle: u\n"),
            "p.yaml:3:1: duplicated key \"title\" in a plan (first set at "
            "line 1, column 1; keep one)");
  EXPECT_EQ(ErrorOf(WithSteps("  - title: a\n    duration: 10m\n"
                              "    duration: 5m\n")),
            "p.yaml:6:5: duplicated key \"duration\" in a step (first set at "
            "line 5, column 5; keep one)");
  EXPECT_EQ(ErrorOf(OneStep("{app: a, app: b}")),
            "p.yaml:4:49: duplicated key \"app\" in \"tablets\" (first set "
            "at line 4, column 41; keep one)");
}

TEST(ParsePlanErrorTest, WrongTypes) {
  EXPECT_EQ(ErrorOf("title: [t]\nlevels: [CM1]\nsteps: []\n"),
            "p.yaml:1:8: expected a string for plan title, got a list (e.g. "
            "\"Les fractions avec GCompris\")");
  EXPECT_EQ(ErrorOf("title: t\nlevels: CM1\nsteps: []\n"),
            "p.yaml:2:9: expected a list for \"levels\", got the text "
            "\"CM1\" (write levels: [CM1, CM2])");
  EXPECT_THAT(ErrorOf("title: t\nlevels: [CM1]\nsteps: {a: 1}\n"),
              StartsWith("p.yaml:3:8: expected a list for \"steps\", got a "
                         "map (write a list of steps, one per line: - "
                         "{title: "));
  EXPECT_THAT(ErrorOf(WithSteps("  - Exercices\n")),
              StartsWith("p.yaml:4:5: expected a map for a step, got the "
                         "text \"Exercices\" (write - {title: "));
  EXPECT_THAT(ErrorOf(OneStep("[lock]")),
              StartsWith("p.yaml:4:40: expected a word or a map for "
                         "\"tablets\", got a list (write tablets: lock, "
                         "free, "));
  EXPECT_THAT(ErrorOf(OneStep("lock", "")),
              StartsWith("p.yaml:4:46: expected a word or a map for "
                         "\"whiteboard\", got nothing (write whiteboard: "
                         "none, pupil_screen, "));
  EXPECT_THAT(ErrorOf(OneStep("{lock: [a]}")),
              StartsWith("p.yaml:4:47: expected a string for lock message, "
                         "got a list"));
  EXPECT_THAT(ErrorOf("- title\n"),
              StartsWith("p.yaml:1:1: expected a map for a plan, got a list"));
  EXPECT_THAT(ErrorOf("title: t\n? [a]\n: b\n"),
              StartsWith("p.yaml:2:3: a key of a plan must be a plain name"));
}

TEST(ParsePlanErrorTest, MissingKeys) {
  EXPECT_EQ(ErrorOf("levels: [CM1]\nsteps: [{title: a, duration: 1m, tablets: "
                    "lock, whiteboard: none}]\n"),
            "p.yaml:1:1: missing \"title\" (add title: \"Les fractions avec "
            "GCompris\")");
  EXPECT_EQ(ErrorOf("title: t\nsteps: [{title: a, duration: 1m, tablets: lock, "
                    "whiteboard: none}]\n"),
            "p.yaml:1:1: missing \"levels\" (add levels: [CM1, CM2])");
  EXPECT_EQ(ErrorOf("title: t\nlevels: [CP]\n"),
            "p.yaml:1:1: missing \"steps\" (add steps: followed by a list of "
            "steps)");
  EXPECT_EQ(ErrorOf(WithSteps("  - {title: a, duration: 10m, tablets: lock, "
                              "whiteboard: none}\n"
                              "  - title: b\n    tablets: lock\n"
                              "    whiteboard: none\n")),
            "p.yaml:5:5: step 2 is missing \"duration\" (add duration: 10m)");
  EXPECT_EQ(
      ErrorOf(WithSteps("  - {title: a, duration: 10m, tablets: lock}\n")),
      "p.yaml:4:5: step 1 is missing \"whiteboard\" (add whiteboard: "
      "none)");
}

TEST(ParsePlanErrorTest, Durations) {
  EXPECT_THAT(ErrorOf(WithSteps("  - {title: a, duration: 10, tablets: lock, "
                                "whiteboard: none}\n")),
              StartsWith("p.yaml:4:26: \"duration\": "));
  EXPECT_THAT(ErrorOf(WithSteps("  - {title: a, duration: 10min, tablets: "
                                "lock, whiteboard: none}\n")),
              StartsWith("p.yaml:4:26: \"duration\": "));
  EXPECT_EQ(ErrorOf(WithSteps("  - {title: a, duration: 59s, tablets: lock, "
                              "whiteboard: none}\n")),
            "p.yaml:4:26: step duration \"59s\" is shorter than 1m (a step "
            "lasts 1m to 4h; merge it into the next step)");
  EXPECT_EQ(ErrorOf(WithSteps("  - {title: a, duration: 4h00m01s, tablets: "
                              "lock, whiteboard: none}\n")),
            "p.yaml:4:26: step duration \"4h00m01s\" is longer than 4h (a "
            "step lasts 1m to 4h; check the unit)");
  EXPECT_EQ(ErrorOf(WithSteps("  - {title: a, duration: 1m, tablets: lock, "
                              "whiteboard: none}\n")),
            "OK");
  EXPECT_EQ(ErrorOf(WithSteps("  - {title: a, duration: 4h, tablets: lock, "
                              "whiteboard: none}\n"
                              "  - {title: b, duration: 1m, tablets: lock, "
                              "whiteboard: none}\n")),
            "p.yaml:3:1: the plan lasts 4h01, longer than 4h (shorten or "
            "remove steps, or split the lesson into several plans)");
}

TEST(ParsePlanErrorTest, StepCount) {
  EXPECT_EQ(ErrorOf("title: t\nlevels: [CM1]\nsteps: []\n"),
            "p.yaml:3:8: a plan needs at least one step (add - {title: "
            "\"Exercices\", duration: 20m, tablets: {app: gcompris}, "
            "whiteboard: pupil_screen})");
  std::string steps;
  for (int i = 0; i < 50; ++i) {
    steps += "  - {title: a, duration: 1m, tablets: lock, whiteboard: none}\n";
  }
  EXPECT_EQ(ErrorOf(WithSteps(steps)), "OK");
  steps += "  - {title: a, duration: 1m, tablets: lock, whiteboard: none}\n";
  EXPECT_EQ(ErrorOf(WithSteps(steps)),
            "p.yaml:54:5: more than 50 steps (merge steps or split the lesson "
            "into several plans)");
}

TEST(ParsePlanErrorTest, Levels) {
  EXPECT_EQ(ErrorOf("title: t\nlevels: [CM1, cm2]\n"),
            "p.yaml:2:15: unknown level \"cm2\" (did you mean \"CM2\"?)");
  EXPECT_EQ(ErrorOf("title: t\nlevels: [6e]\n"),
            "p.yaml:2:10: unknown level \"6e\" (allowed: CP, CE1, CE2, CM1, "
            "CM2)");
  EXPECT_EQ(ErrorOf("title: t\nlevels: [CM1, CE2, CM1]\n"),
            "p.yaml:2:20: level \"CM1\" is listed twice (first at line 2, "
            "column 10; keep one)");
  EXPECT_EQ(ErrorOf("title: t\nlevels: []\n"),
            "p.yaml:2:9: no levels (write the classes the plan is for, e.g. "
            "levels: [CM1, CM2])");
  EXPECT_THAT(ErrorOf("title: t\nlevels: [[CM1]]\n"),
              StartsWith("p.yaml:2:10: expected a string for a level, got a "
                         "list"));
}

TEST(ParsePlanErrorTest, TabletsNeedExactlyOneKind) {
  EXPECT_EQ(ErrorOf(OneStep("{}")),
            "p.yaml:4:40: no action for \"tablets\" (write tablets: lock, "
            "free, {lock: \"Regardez le tableau\"}, {app: gcompris} or {url: "
            "\"https://lalilo.com\"})");
  EXPECT_EQ(ErrorOf(OneStep("{app: gcompris, lock: x}")),
            "p.yaml:4:56: \"tablets\" do one thing per step, got \"app\" and "
            "\"lock\" (keep one; put the other in its own step)");
  EXPECT_EQ(ErrorOf(OneStep("lok")),
            "p.yaml:4:40: unknown tablets action \"lok\" (did you mean "
            "\"lock\"?)");
  EXPECT_EQ(ErrorOf(OneStep("gcompris")),
            "p.yaml:4:40: unknown tablets action \"gcompris\" (write tablets: "
            "lock, free, {lock: \"Regardez le tableau\"}, {app: gcompris} or "
            "{url: \"https://lalilo.com\"})");
  EXPECT_EQ(ErrorOf(OneStep("{lock: true}")),
            "p.yaml:4:47: \"lock\" takes the text shown on the tablets, got "
            "the text \"true\" (write tablets: lock for the default text, or "
            "{lock: \"Regardez le tableau\"})");
  EXPECT_EQ(ErrorOf(OneStep("{free: false}")),
            "p.yaml:4:47: expected true for \"free\" in \"tablets\", got the "
            "text \"false\" (write tablets: free, or another action)");
}

TEST(ParsePlanErrorTest, WhiteboardNeedsExactlyOneKind) {
  EXPECT_THAT(ErrorOf(OneStep("lock", "{}")),
              StartsWith("p.yaml:4:58: no action for \"whiteboard\" (write "
                         "whiteboard: none, pupil_screen, {app: gcompris} or "
                         "{url: \"https://www.lumni.fr\"})"));
  EXPECT_EQ(ErrorOf(OneStep("lock", "{none: true, pupil_screen: true}")),
            "p.yaml:4:71: \"whiteboard\" do one thing per step, got \"none\" "
            "and \"pupil_screen\" (keep one; put the other in its own step)");
  EXPECT_EQ(ErrorOf(OneStep("lock", "nothing")),
            "p.yaml:4:58: unknown whiteboard action \"nothing\" (write "
            "whiteboard: none, pupil_screen, {app: gcompris} or {url: "
            "\"https://www.lumni.fr\"})");
  EXPECT_EQ(ErrorOf(OneStep("lock", "pupil_scren")),
            "p.yaml:4:58: unknown whiteboard action \"pupil_scren\" (did you "
            "mean \"pupil_screen\"?)");
  EXPECT_EQ(ErrorOf(OneStep("lock", "{pupil_screen: false}")),
            "p.yaml:4:73: expected true for \"pupil_screen\" in "
            "\"whiteboard\", got the text \"false\" (write whiteboard: "
            "pupil_screen, or another action such as none)");
}

TEST(ParsePlanErrorTest, AppIdsAndUrls) {
  EXPECT_EQ(ErrorOf(OneStep("{app: ../bin/sh}")),
            "p.yaml:4:46: bad app id \"../bin/sh\" (use the name of its "
            ".desktop file in /etc/ardoise/apps.d/ without the extension: "
            "letters, digits, '.', '_' and '-')");
  EXPECT_THAT(ErrorOf(OneStep("lock", "{app: \"-x\"}")),
              StartsWith("p.yaml:4:64: bad app id \"-x\""));
  EXPECT_EQ(ErrorOf(OneStep("{url: \"ftp://ecole.example\"}")),
            "p.yaml:4:46: bad URL \"ftp://ecole.example\" (write a full "
            "http:// or https:// address without spaces, e.g. "
            "\"https://www.lumni.fr\")");
  EXPECT_THAT(ErrorOf(OneStep("lock", "{url: \"javascript:alert(1)\"}")),
              StartsWith("p.yaml:4:64: bad URL \"javascript:alert(1)\""));
  EXPECT_THAT(ErrorOf(OneStep("{url: \"https://\"}")),
              StartsWith("p.yaml:4:46: bad URL \"https://\""));
  EXPECT_THAT(ErrorOf(OneStep("{url: \"https://a b\"}")),
              StartsWith("p.yaml:4:46: bad URL"));
}

TEST(ParsePlanErrorTest, Texts) {
  // 200 characters of two bytes each fit: the limit counts characters.
  std::string e_acute;
  for (int i = 0; i < 200; ++i) e_acute += "é";
  EXPECT_EQ(ErrorOf("title: " + e_acute +
                    "\nlevels: [CM1]\nsteps:\n  - {title: a, duration: 10m, "
                    "tablets: lock, whiteboard: none}\n"),
            "OK");
  EXPECT_EQ(ErrorOf(OneStep("{lock: \"" + e_acute + "x\"}")),
            "p.yaml:4:47: lock message is 201 characters, above the "
            "200-character limit (shorten it)");
  EXPECT_EQ(ErrorOf(WithSteps("  - {title: \"" + std::string(201, 'a') +
                              "\", duration: 10m, tablets: lock, whiteboard: "
                              "none}\n")),
            "p.yaml:4:13: step title is 201 characters, above the "
            "200-character limit (shorten it)");
  EXPECT_EQ(ErrorOf("title: t\nsubject: \"" + std::string(201, 's') + "\"\n"),
            "p.yaml:2:10: subject is 201 characters, above the 200-character "
            "limit (shorten it)");
  EXPECT_EQ(ErrorOf(WithSteps("  - {title: \" \", duration: 10m, tablets: "
                              "lock, whiteboard: none}\n")),
            "p.yaml:4:13: empty step title (e.g. \"Présentation au "
            "tableau\")");
  EXPECT_EQ(ErrorOf(OneStep("{lock: \"\"}")),
            "p.yaml:4:47: empty lock message (e.g. \"Regardez le tableau\", "
            "or tablets: lock for the default text)");
  EXPECT_EQ(ErrorOf("title: \"a\\tb\"\n"),
            "p.yaml:1:8: plan title \"a\\x09b\" contains a control character "
            "(use one line of plain text)");
  EXPECT_EQ(ErrorOf("title: \"a\\nb\"\n"),
            "p.yaml:1:8: plan title \"a\\x0ab\" contains a control character "
            "(use one line of plain text)");
}

TEST(ParsePlanErrorTest, InvalidUtf8) {
  EXPECT_EQ(ErrorOf("title: \"caf\xE9\"\n"),
            "p.yaml:1:8: plan title \"caf\xE9\" is not valid UTF-8 (save the "
            "file as UTF-8)");
  EXPECT_THAT(ErrorOf(OneStep("{url: \"https://a.fr/\xC3\x28\"}")),
              StartsWith("p.yaml:4:46: a URL "));
  EXPECT_THAT(ErrorOf("title: \"\xED\xA0\x80\"\n"),  // a UTF-16 surrogate
              HasSubstr("is not valid UTF-8"));
  EXPECT_THAT(ErrorOf("title: \"\xE0\x80\xAF\"\n"),  // overlong '/'
              HasSubstr("is not valid UTF-8"));
}

TEST(ParsePlanErrorTest, MalformedYaml) {
  EXPECT_EQ(ErrorOf("title: t\nlevels: [CM1, CM2\n"),
            "p.yaml:3:1: invalid YAML: end of sequence flow not found (check "
            "indentation, quotes and brackets)");
  EXPECT_THAT(ErrorOf("title: *nothing\n"),
              StartsWith("p.yaml:1:8: invalid YAML: "));
  EXPECT_THAT(ErrorOf(std::string(10000, '[')), StartsWith("p.yaml:"));
}

TEST(ParsePlanErrorTest, EmptyAndMultipleDocuments) {
  EXPECT_EQ(ErrorOf(""),
            "p.yaml:1:1: empty plan (start with title: \"...\", see "
            "plans/README.md)");
  EXPECT_THAT(ErrorOf("# only a comment\n"), StartsWith("p.yaml:1:1: empty"));
  EXPECT_EQ(ErrorOf(OneStep("lock") + "---\ntitle: u\n"),
            "p.yaml:5:1: a plan file holds one YAML document (remove \"---\" "
            "and write one file per plan)");
}

// The yaml-cpp 0.7 bug ParsePolicy met (policy_parse_test.cc): a stray flow
// token at block level made YAML::LoadAll loop forever.
TEST(ParsePlanRegressionTest, StrayCommaDoesNotExhaustMemory) {
  EXPECT_EQ(ErrorOf(",x: 1\n"),
            "p.yaml:1:1: invalid YAML: unexpected \",\" (check indentation, "
            "quotes and brackets)");
  EXPECT_EQ(ErrorOf("# Plan\n  ,teps: [a]\n"),
            "p.yaml:2:3: invalid YAML: unexpected \",\" (check indentation, "
            "quotes and brackets)");
}

TEST(ParsePlanErrorTest, SizeCap) {
  std::string big = OneStep("lock") + "#";
  big.resize(kMaxPlanBytes, 'x');
  EXPECT_EQ(ErrorOf(big), "OK");
  big.push_back('x');
  EXPECT_EQ(ErrorOf(big),
            "p.yaml:1:1: plan is 65537 bytes, above the 65536-byte limit "
            "(split the lesson into several plans)");
}

TEST(ParsePlanFileTest, MissingFileIsNotFound) {
  absl::StatusOr<ParsedPlan> parsed =
      ParsePlanFile("/nonexistent/ardoise/plan.yaml");
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kNotFound);
}

v1::EffectivePolicy SchoolPolicy() {
  v1::EffectivePolicy policy;
  policy.add_apps("gcompris");
  policy.add_apps("scratch");
  policy.add_urls("https://lalilo.com");
  policy.add_urls("https://www.lumni.fr/primaire/");
  return policy;
}

TEST(CheckPlanAppsTest, AcceptsEnabledAppsAndAllowedUrls) {
  const ParsedPlan parsed = ParseOk(kBriefExample);
  EXPECT_TRUE(CheckPlanApps(parsed, SchoolPolicy()).ok())
      << CheckPlanApps(parsed, SchoolPolicy());
  EXPECT_TRUE(CheckPlanApps(ParseOk(OneStep("{url: \"https://lalilo.com\"}",
                                            "{app: scratch}")),
                            SchoolPolicy())
                  .ok());
  // Locks, free use, pupil screens and blank whiteboards need nothing.
  EXPECT_TRUE(CheckPlanApps(ParseOk(OneStep("free", "pupil_screen")),
                            v1::EffectivePolicy())
                  .ok());
}

TEST(CheckPlanAppsTest, RefusesAnAppThePolicyDoesNotEnable) {
  const ParsedPlan parsed =
      ParseOk(WithSteps("  - {title: a, duration: 10m, tablets: lock, "
                        "whiteboard: none}\n"
                        "  - title: \"Géométrie\"\n    duration: 20m\n"
                        "    tablets: {app: geogebra}\n"
                        "    whiteboard: pupil_screen\n"));
  const absl::Status status = CheckPlanApps(parsed, SchoolPolicy());
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(status.message(),
            "p.yaml:7:15: step 2 \"Géométrie\" uses the app \"geogebra\" on "
            "the tablets, which the policy does not enable; the policy "
            "enables gcompris, scratch (enable it in the policy's apps list "
            "or change the step)");
  EXPECT_EQ(CheckPlanApps(ParseOk(OneStep("lock", "{app: tuxpaint}")),
                          v1::EffectivePolicy())
                .message(),
            "p.yaml:4:59: step 1 \"a\" uses the app \"tuxpaint\" on the "
            "whiteboard, which the policy does not enable; the policy enables "
            "no app (enable it in the policy's apps list or change the step)");
}

TEST(CheckPlanAppsTest, RefusesAUrlNoPrefixAllows) {
  const absl::Status status = CheckPlanApps(
      ParseOk(OneStep("lock", "{url: \"https://www.lumni.fr/college/\"}")),
      SchoolPolicy());
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(status.message(),
            "p.yaml:4:59: step 1 \"a\" opens the URL "
            "\"https://www.lumni.fr/college/\" on the whiteboard, which the "
            "policy does not allow; the policy allows https://lalilo.com, "
            "https://www.lumni.fr/primaire/ (allow its site in the policy's "
            "urls list or change the step)");
  // A look-alike host is not under the prefix.
  EXPECT_THAT(
      std::string(CheckPlanApps(ParseOk(OneStep("{url: \"https://"
                                                "lalilo.com.evil.example/\"}")),
                                SchoolPolicy())
                      .message()),
      StartsWith("p.yaml:4:41: step 1 \"a\" opens the URL "
                 "\"https://lalilo.com.evil.example/\" on the tablets"));
}

TEST(UrlAllowedByTest, MatchesAtBoundaries) {
  EXPECT_TRUE(UrlAllowedBy("https://lalilo.com", "https://lalilo.com"));
  EXPECT_TRUE(UrlAllowedBy("https://lalilo.com/eleve", "https://lalilo.com"));
  EXPECT_TRUE(UrlAllowedBy("https://lalilo.com?x=1", "https://lalilo.com"));
  EXPECT_TRUE(UrlAllowedBy("https://lalilo.com#a", "https://lalilo.com"));
  EXPECT_FALSE(
      UrlAllowedBy("https://lalilo.com.evil.example", "https://lalilo.com"));
  EXPECT_FALSE(UrlAllowedBy("https://lalilo.community", "https://lalilo.com"));
  EXPECT_FALSE(UrlAllowedBy("https://lalilo.com:8443/", "https://lalilo.com"));
  EXPECT_FALSE(UrlAllowedBy("http://lalilo.com", "https://lalilo.com"));
  EXPECT_TRUE(UrlAllowedBy("https://a.fr/primaire/cm1",
                           "https://a.fr/prim"
                           "aire/"));
  EXPECT_FALSE(UrlAllowedBy("https://a.fr/primaire2", "https://a.fr/primaire"));
  EXPECT_TRUE(UrlAllowedBy("https://a.fr/?id=3", "https://a.fr/?id="));
  EXPECT_FALSE(UrlAllowedBy("https://a.fr", ""));
}

}  // namespace
}  // namespace ardoise
