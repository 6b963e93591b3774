#include "common/policy/policy_merge.h"

#include <string>
#include <vector>

#include "common/decide.h"
#include "common/policy/policy_parse.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ardoise {
namespace {

using ::testing::ContainsRegex;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

ParsedPolicy Parse(const std::string& yaml, const std::string& file) {
  absl::StatusOr<ParsedPolicy> parsed = ParsePolicy(yaml, file);
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  return parsed.ok() ? *std::move(parsed) : ParsedPolicy();
}

std::string ValidationError(const std::vector<ParsedPolicy>& set) {
  const absl::Status status = ValidatePolicySet(set);
  if (status.ok()) return "OK";
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  return std::string(status.message());
}

// A city, a school, a pool, a device and a class file; each sets some
// fields so that every level wins at least one.
std::vector<ParsedPolicy> LayeredSet() {
  std::vector<ParsedPolicy> set;
  set.push_back(Parse(R"(scope: city
timezone: Europe/Paris
holidays:
  - {name: "Noël", from: 2026-12-19, to: 2027-01-03}
outside_sessions:
  tablet: locked
  daily_limit: 2h
weekly_allowance: 3h
no_screen_periods:
  - {name: "Semaine sans écrans", from: 2027-05-17, to: 2027-05-23, kinds: [tablet, whiteboard, pc]}
apps: [gcompris]
messages:
  no_screen: "Ville : pas d'écran"
  downtime: "Ville : fermé"
retention: 60
)",
                      "ville.yaml"));
  set.push_back(Parse(R"(scope: {school: jaures}
school_hours:
  monday: ["08:45-11:45"]
outside_sessions:
  daily_limit: 1h
no_screen_periods:
  - {name: "Journée tablettes off", from: 2027-03-01, to: 2027-03-01, kinds: [tablet]}
  - {name: "Semaine sans écrans", from: 2027-05-17, to: 2027-05-23, kinds: [tablet]}
messages:
  downtime: "Jaurès : fermé"
)",
                      "jaures.yaml"));
  set.push_back(Parse(R"(scope: {school: hugo}
timezone: America/Cayenne
apps: [tuxpaint]
)",
                      "hugo.yaml"));
  set.push_back(Parse(R"(scope: {pool: salle-12}
outside_sessions:
  whiteboard: locked
apps: [gcompris, scratch]
exemptions:
  - {device: tbi-12, period: "Semaine sans écrans", reason: "Radio"}
  - {device: pc-12, reason: "Autre appareil"}
)",
                      "salle-12.yaml"));
  set.push_back(Parse(R"(scope: {device: tbi-12}
weekly_allowance: 2h
holidays: []
)",
                      "tbi-12.yaml"));
  set.push_back(Parse(R"(scope: {class: CM2-A}
urls: ["https://lalilo.com"]
apps: []
exemptions:
  - {class: CM2-A, reason: "ULIS"}
)",
                      "cm2a.yaml"));
  return set;
}

const DeviceScope kTbi{"jaures", "salle-12", "tbi-12",
                       v1::DEVICE_KIND_WHITEBOARD};

TEST(MergeTest, DefaultsWhenNoLayerSetsAnything) {
  Provenance provenance;
  const v1::EffectivePolicy p =
      Merge({}, v1::DEVICE_KIND_TABLET, "tab-01", &provenance);
  EXPECT_EQ(p.timezone(), "Europe/Paris");
  ASSERT_EQ(p.school_hours().days_size(), 5);
  std::vector<std::string> week;
  for (const v1::DayHours& day : p.school_hours().days()) {
    std::string text = std::to_string(day.day()) + ":";
    for (const v1::TimeRange& r : day.ranges()) text += FormatTimeRange(r);
    week.push_back(text);
  }
  EXPECT_THAT(
      week, ElementsAre("1:08:30-11:3013:30-16:30", "2:08:30-11:3013:30-16:30",
                        "3:08:30-11:30", "4:08:30-11:3013:30-16:30",
                        "5:08:30-11:3013:30-16:30"));
  EXPECT_EQ(p.holidays_size(), 0);
  EXPECT_EQ(p.outside_sessions().tablet(), v1::FREE_USE_LOCKED);
  EXPECT_EQ(p.outside_sessions().whiteboard(), v1::FREE_USE_FREE);
  EXPECT_EQ(p.outside_sessions().pc(), v1::FREE_USE_FREE);
  EXPECT_EQ(p.outside_sessions().daily_limit_seconds(), 0);
  EXPECT_EQ(p.weekly_allowance_seconds(), 10800);
  EXPECT_EQ(p.retention_days(), 90);
  EXPECT_EQ(p.no_screen_periods_size(), 0);
  EXPECT_EQ(p.exemptions_size(), 0);
  EXPECT_EQ(p.apps_size(), 0);
  const Language fr = Language::kFrench;
  EXPECT_EQ(p.messages().no_screen(),
            DefaultLockMessage(v1::LOCK_REASON_NO_SCREEN, fr));
  EXPECT_EQ(p.messages().downtime(),
            DefaultLockMessage(v1::LOCK_REASON_DOWNTIME, fr));
  EXPECT_EQ(p.messages().session_deadline(),
            DefaultLockMessage(v1::LOCK_REASON_SESSION_DEADLINE, fr));
  EXPECT_EQ(p.messages().manual(),
            DefaultLockMessage(v1::LOCK_REASON_MANUAL, fr));
  EXPECT_EQ(p.messages().step(), DefaultLockMessage(v1::LOCK_REASON_STEP, fr));
  EXPECT_EQ(p.messages().no_session(),
            DefaultLockMessage(v1::LOCK_REASON_NO_SESSION, fr));
  EXPECT_FALSE(p.messages().no_session().empty());
  for (const auto& [field, source] : provenance.source) {
    EXPECT_EQ(source, "default") << field;
  }
  EXPECT_EQ(provenance.source.count("outside_sessions.daily_limit"), 1u);
  EXPECT_EQ(provenance.source.count("messages.step"), 1u);
}

TEST(MergeTest, MostSpecificWinsPerField) {
  const std::vector<ParsedPolicy> set = LayeredSet();
  Provenance provenance;
  const v1::EffectivePolicy p = EffectiveFor(set, kTbi, "", &provenance);
  // city
  EXPECT_EQ(p.timezone(), "Europe/Paris");
  EXPECT_EQ(provenance.source["timezone"], "ville.yaml:2");
  EXPECT_EQ(p.outside_sessions().tablet(), v1::FREE_USE_LOCKED);
  EXPECT_EQ(provenance.source["outside_sessions.tablet"], "ville.yaml:6");
  EXPECT_EQ(p.retention_days(), 60);
  EXPECT_EQ(provenance.source["retention"], "ville.yaml:15");
  EXPECT_EQ(p.messages().no_screen(), "Ville : pas d'écran");
  EXPECT_EQ(provenance.source["messages.no_screen"], "ville.yaml:13");
  // school over city
  EXPECT_EQ(p.outside_sessions().daily_limit_seconds(), 3600);
  EXPECT_EQ(provenance.source["outside_sessions.daily_limit"], "jaures.yaml:5");
  EXPECT_EQ(p.messages().downtime(), "Jaurès : fermé");
  EXPECT_EQ(provenance.source["messages.downtime"], "jaures.yaml:10");
  ASSERT_EQ(p.school_hours().days_size(), 1);  // replaces the whole week
  EXPECT_EQ(FormatTimeRange(p.school_hours().days(0).ranges(0)), "08:45-11:45");
  EXPECT_EQ(provenance.source["school_hours"], "jaures.yaml:2");
  // pool over school and city
  EXPECT_EQ(p.outside_sessions().whiteboard(), v1::FREE_USE_LOCKED);
  EXPECT_EQ(provenance.source["outside_sessions.whiteboard"],
            "salle-12.yaml:3");
  EXPECT_THAT(p.apps(), ElementsAre("gcompris", "scratch"));
  EXPECT_EQ(provenance.source["apps"], "salle-12.yaml:4");
  // device over all
  EXPECT_EQ(p.weekly_allowance_seconds(), 7200);
  EXPECT_EQ(provenance.source["weekly_allowance"], "tbi-12.yaml:2");
  EXPECT_EQ(p.holidays_size(), 0);  // an empty list clears the city's
  EXPECT_EQ(provenance.source["holidays"], "tbi-12.yaml:3");
  // defaults for what nobody set
  EXPECT_EQ(p.outside_sessions().pc(), v1::FREE_USE_FREE);
  EXPECT_EQ(provenance.source["outside_sessions.pc"], "default");
  EXPECT_EQ(provenance.source["messages.manual"], "default");
  EXPECT_EQ(p.urls_size(), 0);
  EXPECT_EQ(provenance.source["urls"], "default");
}

TEST(MergeTest, ClassLayerAppliesOnlyDuringItsSession) {
  const std::vector<ParsedPolicy> set = LayeredSet();
  Provenance provenance;
  const v1::EffectivePolicy in_session =
      EffectiveFor(set, kTbi, "CM2-A", &provenance);
  EXPECT_THAT(in_session.urls(), ElementsAre("https://lalilo.com"));
  EXPECT_EQ(in_session.apps_size(), 0);  // the class clears the pool's apps
  EXPECT_EQ(provenance.source["apps"], "cm2a.yaml:3");
  const v1::EffectivePolicy no_session = EffectiveFor(set, kTbi, "", nullptr);
  EXPECT_EQ(no_session.urls_size(), 0);
  EXPECT_EQ(no_session.apps_size(), 2);
  // Another class's session: no class file, the same as no session.
  EXPECT_EQ(EffectiveFor(set, kTbi, "CE1-B", nullptr).SerializeAsString(),
            no_session.SerializeAsString());
}

TEST(MergeTest, OtherSchoolsAreIgnored) {
  const std::vector<ParsedPolicy> set = LayeredSet();
  const v1::EffectivePolicy hugo = EffectiveFor(
      set, DeviceScope{"hugo", "", "tab-7", v1::DEVICE_KIND_TABLET}, "",
      nullptr);
  EXPECT_EQ(hugo.timezone(), "America/Cayenne");
  EXPECT_THAT(hugo.apps(), ElementsAre("tuxpaint"));
  EXPECT_EQ(hugo.outside_sessions().daily_limit_seconds(), 7200);
  EXPECT_EQ(hugo.school_hours().days_size(), 5);  // default week
}

TEST(MergeTest, NoScreenPeriodsAddUpAndFollowTheKind) {
  const std::vector<ParsedPolicy> set = LayeredSet();
  Provenance provenance;
  const v1::EffectivePolicy tablet = EffectiveFor(
      set, DeviceScope{"jaures", "chariot", "tab-1", v1::DEVICE_KIND_TABLET},
      "", &provenance);
  // The city's week and the school's day; the school's copy of the week
  // (same name, same dates) counts once, from the city.
  ASSERT_EQ(tablet.no_screen_periods_size(), 2);
  EXPECT_EQ(tablet.no_screen_periods(0).range().name(), "Semaine sans écrans");
  EXPECT_EQ(provenance.source["no_screen_periods[0]"], "ville.yaml:10");
  EXPECT_EQ(tablet.no_screen_periods(1).range().name(),
            "Journée tablettes off");
  EXPECT_EQ(provenance.source["no_screen_periods[1]"], "jaures.yaml:7");
  // The school's tablet-only day does not concern the whiteboard.
  const v1::EffectivePolicy whiteboard = EffectiveFor(set, kTbi, "", nullptr);
  ASSERT_EQ(whiteboard.no_screen_periods_size(), 1);
  EXPECT_EQ(whiteboard.no_screen_periods(0).range().name(),
            "Semaine sans écrans");
}

TEST(MergeTest, ExemptionsNameTheDeviceOrAClass) {
  const std::vector<ParsedPolicy> set = LayeredSet();
  Provenance provenance;
  const v1::EffectivePolicy p = EffectiveFor(set, kTbi, "CM2-A", &provenance);
  ASSERT_EQ(p.exemptions_size(), 2);
  EXPECT_EQ(p.exemptions(0).device(), "tbi-12");
  EXPECT_EQ(p.exemptions(0).reason(), "Radio");
  EXPECT_EQ(provenance.source["exemptions[0]"], "salle-12.yaml:6");
  EXPECT_EQ(p.exemptions(1).class_name(), "CM2-A");
  EXPECT_EQ(provenance.source["exemptions[1]"], "cm2a.yaml:5");
  // pc-12 is exempted, but not from this device's point of view.
  const v1::EffectivePolicy pc = EffectiveFor(
      set, DeviceScope{"jaures", "salle-12", "pc-12", v1::DEVICE_KIND_PC}, "",
      nullptr);
  ASSERT_EQ(pc.exemptions_size(), 1);
  EXPECT_EQ(pc.exemptions(0).device(), "pc-12");
}

TEST(MergeTest, MessagesAreInheritedOneByOne) {
  const ParsedPolicy city =
      Parse("scope: city\nmessages: {downtime: a, step: b}\n", "c.yaml");
  const ParsedPolicy school =
      Parse("scope: {school: s}\nmessages: {step: c}\n", "s.yaml");
  Provenance provenance;
  const v1::EffectivePolicy p =
      Merge({&city, &school}, v1::DEVICE_KIND_TABLET, "t", &provenance);
  EXPECT_EQ(p.messages().downtime(), "a");
  EXPECT_EQ(p.messages().step(), "c");
  EXPECT_EQ(p.messages().manual(),
            DefaultLockMessage(v1::LOCK_REASON_MANUAL, Language::kFrench));
  EXPECT_EQ(provenance.source["messages.downtime"], "c.yaml:2");
  EXPECT_EQ(provenance.source["messages.step"], "s.yaml:2");
}

TEST(MergeTest, NullLayersAreSkippedAndProvenanceIsOptional) {
  const ParsedPolicy city = Parse("scope: city\nretention: 30d\n", "c.yaml");
  const v1::EffectivePolicy p =
      Merge({nullptr, &city, nullptr}, v1::DEVICE_KIND_PC, "pc", nullptr);
  EXPECT_EQ(p.retention_days(), 30);
}

TEST(MergeTest, IndexAgreesWithTheScan) {
  const std::vector<ParsedPolicy> set = LayeredSet();
  const PolicySetIndex index(set);
  const std::vector<std::pair<DeviceScope, std::string>> cases = {
      {kTbi, ""},
      {kTbi, "CM2-A"},
      {DeviceScope{"hugo", "", "tab-7", v1::DEVICE_KIND_TABLET}, ""},
      {DeviceScope{"", "", "", v1::DEVICE_KIND_PC}, ""},
      {DeviceScope{"jaures", "salle-12", "pc-12", v1::DEVICE_KIND_PC}, "X"},
  };
  for (const auto& [device, class_name] : cases) {
    Provenance scanned, indexed;
    EXPECT_EQ(
        EffectiveFor(set, device, class_name, &scanned).SerializeAsString(),
        EffectiveFor(index, device, class_name, &indexed).SerializeAsString())
        << device.device;
    EXPECT_EQ(scanned.source, indexed.source);
  }
  EXPECT_EQ(index.LayersFor(kTbi, "CM2-A").size(), 5u);
  EXPECT_EQ(index.LayersFor(kTbi, "").size(), 4u);
}

// --- ValidatePolicySet ----------------------------------------------------

TEST(ValidatePolicySetTest, TheLayeredSetIsValid) {
  EXPECT_EQ(ValidationError(LayeredSet()), "OK");
  EXPECT_EQ(ValidationError({}), "OK");
}

TEST(ValidatePolicySetTest, OneFilePerScope) {
  std::vector<ParsedPolicy> set;
  set.push_back(Parse("# a\nscope: {school: jaures}\n", "a.yaml"));
  set.push_back(Parse("scope: {pool: jaures}\n", "b.yaml"));  // other level
  set.push_back(Parse("\n\nscope: {school: jaures}\n", "c.yaml"));
  EXPECT_EQ(ValidationError(set),
            "c.yaml:3:1: a second policy for school jaures (the first is "
            "a.yaml:2:1; merge them into one file)");
  std::vector<ParsedPolicy> cities;
  cities.push_back(Parse("scope: city\n", "v1.yaml"));
  cities.push_back(Parse("scope: city\n", "v2.yaml"));
  EXPECT_THAT(ValidationError(cities),
              HasSubstr("v2.yaml:1:1: a second policy for city (the first is "
                        "v1.yaml:1:1"));
}

TEST(ValidatePolicySetTest, ExemptionPeriodsMustExist) {
  std::vector<ParsedPolicy> set;
  set.push_back(Parse(
      "scope: city\nno_screen_periods:\n  - {name: Semaine, from: 2027-05-17, "
      "to: 2027-05-23, kinds: [pc]}\n",
      "ville.yaml"));
  set.push_back(
      Parse("scope: {school: s}\nexemptions:\n"
            "  - {device: d, period: Semaine, reason: r}\n"
            "  - device: d\n    period: Semain\n    reason: r\n",
            "s.yaml"));
  EXPECT_EQ(ValidationError(set),
            "s.yaml:5:5: exemption names the no-screen period \"Semain\", "
            "which no policy file defines (known periods: \"Semaine\")");
  set.erase(set.begin());
  EXPECT_THAT(ValidationError(set),
              HasSubstr("s.yaml:3:17: exemption names the no-screen period "
                        "\"Semaine\", which no policy file defines (define "
                        "it in no_screen_periods"));
}

TEST(ValidatePolicySetTest, SameNamedPeriodsNeedTheSameDates) {
  std::vector<ParsedPolicy> set;
  set.push_back(
      Parse("scope: city\nno_screen_periods:\n  - {name: W, from: 2027-05-17, "
            "to: 2027-05-23, kinds: [pc]}\n",
            "ville.yaml"));
  set.push_back(Parse(
      "scope: {school: s}\nno_screen_periods:\n  - {name: W, from: 2027-05-17, "
      "to: 2027-05-23, kinds: [tablet]}\n",
      "s.yaml"));
  EXPECT_EQ(ValidationError(set), "OK");
  set.push_back(Parse(
      "scope: {school: t}\nno_screen_periods:\n  - {name: W, from: 2027-05-18, "
      "to: 2027-05-23, kinds: [pc]}\n",
      "t.yaml"));
  EXPECT_EQ(ValidationError(set),
            "t.yaml:3:5: no-screen period \"W\" has other dates than in "
            "ville.yaml:3:5 (\"W\" 2027-05-17..2027-05-23; use the same dates "
            "or another name)");
}

TEST(ValidatePolicySetTest, ExemptionsInNarrowFilesMustNameTheirOwnScope) {
  std::vector<ParsedPolicy> set;
  set.push_back(
      Parse("scope: {device: tbi-12}\nexemptions:\n"
            "  - {device: tbi-13, reason: r}\n",
            "d.yaml"));
  EXPECT_THAT(ValidationError(set),
              HasSubstr("d.yaml:3:5: exemption names device \"tbi-13\" in the "
                        "policy of device \"tbi-12\", so it would never "
                        "apply"));
  set.clear();
  set.push_back(
      Parse("scope: {class: CM1}\nexemptions:\n"
            "  - {class: CM2, reason: r}\n",
            "c.yaml"));
  EXPECT_THAT(ValidationError(set),
              HasSubstr("c.yaml:3:5: exemption names class \"CM2\""));
}

// --- FormatExplain --------------------------------------------------------

TEST(FormatExplainTest, OneLinePerValueWithItsSource) {
  const std::vector<ParsedPolicy> set = LayeredSet();
  Provenance provenance;
  const v1::EffectivePolicy p = EffectiveFor(set, kTbi, "CM2-A", &provenance);
  const std::string text = FormatExplain(p, provenance);
  EXPECT_THAT(text, ContainsRegex("^FIELD +VALUE +SOURCE\n"));
  EXPECT_THAT(text, ContainsRegex("\ntimezone +Europe/Paris +ville.yaml:2\n"));
  EXPECT_THAT(text, ContainsRegex("\noutside_sessions.daily_limit +1h +"
                                  "jaures.yaml:5\n"));
  EXPECT_THAT(text, ContainsRegex("\nweekly_allowance +2h +tbi-12.yaml:2\n"));
  EXPECT_THAT(text, ContainsRegex("\nschool_hours.monday +08:45-11:45 +"
                                  "jaures.yaml:2\n"));
  EXPECT_THAT(text, ContainsRegex("\nschool_hours.tuesday +none +"
                                  "jaures.yaml:2\n"));
  EXPECT_THAT(text, ContainsRegex("\nholidays +none +tbi-12.yaml:3\n"));
  EXPECT_THAT(text, ContainsRegex("\nno_screen_periods\\[0\\] +\"Semaine sans "
                                  "écrans\" 2027-05-17\\.\\.2027-05-23 "
                                  "\\(tablet, whiteboard, pc\\) +"
                                  "ville.yaml:10\n"));
  // The school's tablet-only day does not concern a whiteboard.
  EXPECT_THAT(text, ::testing::Not(HasSubstr("Journée")));
  EXPECT_THAT(text, ContainsRegex("\nexemptions\\[0\\] +device tbi-12, "
                                  "\"Semaine sans écrans\": Radio +"
                                  "salle-12.yaml:6\n"));
  EXPECT_THAT(text, ContainsRegex("\nexemptions\\[1\\] +class CM2-A, all "
                                  "periods: ULIS +cm2a.yaml:5\n"));
  EXPECT_THAT(text, ContainsRegex("\napps +none +cm2a.yaml:3\n"));
  EXPECT_THAT(text, ContainsRegex("\nmessages.manual +\"L'enseignant a "
                                  "verrouillé l'écran.\" +default\n"));
  EXPECT_THAT(text, ContainsRegex("\nretention +60 days +ville.yaml:15\n"));
}

TEST(FormatExplainTest, ColumnsAlignAndDatesAreIso) {
  const ParsedPolicy city = Parse(
      "scope: city\nholidays:\n  - {name: Noël, from: 2026-12-19, to: "
      "2027-01-03}\n",
      "v.yaml");
  Provenance provenance;
  const v1::EffectivePolicy p =
      Merge({&city}, v1::DEVICE_KIND_TABLET, "t", &provenance);
  const std::string text = FormatExplain(p, provenance);
  EXPECT_THAT(text, ContainsRegex("\nholidays\\[0\\] +\"Noël\" "
                                  "2026-12-19..2027-01-03 +v.yaml:3\n"));
  EXPECT_THAT(text, ContainsRegex("\noutside_sessions.daily_limit +0s \\(no "
                                  "limit\\) +default\n"));
  // The sources start in the same column (counted in characters).
  std::vector<size_t> columns;
  size_t start = 0;
  while (start < text.size()) {
    const size_t end = text.find('\n', start);
    const std::string line = text.substr(start, end - start);
    const size_t at = line.rfind("  ");
    size_t chars = 0;
    for (size_t i = 0; i < at + 2; ++i) {
      if ((static_cast<unsigned char>(line[i]) & 0xC0) != 0x80) ++chars;
    }
    columns.push_back(chars);
    start = end + 1;
  }
  ASSERT_GT(columns.size(), 10u);
  for (size_t c : columns) EXPECT_EQ(c, columns.front());
  // Missing provenance shows "?".
  EXPECT_THAT(FormatExplain(p, Provenance()),
              ContainsRegex("\ntimezone +Europe/Paris +\\?\n"));
}

}  // namespace
}  // namespace ardoise
