#include "common/decide.h"

#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "common/clock.h"
#include "common/proto_time.h"
#include "common/schedule_clock.h"
#include "common/school_time.h"
#include "common/usage_ledger.h"
#include "gtest/gtest.h"

namespace ardoise {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1795000000);

// --- Without a policy: the manual lock and the session only. ---

TEST(DecideTest, NoLockMeansUnlocked) {
  DecideInput input;
  input.now = kNow;
  const Decision d = Decide(input);
  EXPECT_FALSE(d.locked);
  EXPECT_EQ(d.reason, v1::LOCK_REASON_NONE);
  EXPECT_EQ(d.valid_until, absl::InfiniteFuture());
}

TEST(DecideTest, ManualLockWithMessage) {
  DecideInput input;
  input.now = kNow;
  input.manual_lock.set_version(3);
  input.manual_lock.set_locked(true);
  input.manual_lock.set_message("Les yeux au tableau");
  const Decision d = Decide(input);
  EXPECT_TRUE(d.locked);
  EXPECT_EQ(d.reason, v1::LOCK_REASON_MANUAL);
  EXPECT_EQ(d.message, "Les yeux au tableau");
}

TEST(DecideTest, ManualLockWithoutMessageUsesFrenchDefault) {
  DecideInput input;
  input.now = kNow;
  input.manual_lock.set_locked(true);
  EXPECT_EQ(Decide(input).message, "L'enseignant a verrouillé l'écran.");
  input.language = Language::kEnglish;
  EXPECT_EQ(Decide(input).message, "The teacher locked the screen.");
}

TEST(DecideTest, TimedLockHoldsUntilItsExpiryThenLifts) {
  DecideInput input;
  input.manual_lock.set_locked(true);
  ToProto(kNow + absl::Minutes(10), input.manual_lock.mutable_expires_at());
  input.now = kNow + absl::Minutes(10) - absl::Seconds(1);
  Decision d = Decide(input);
  EXPECT_TRUE(d.locked);
  EXPECT_EQ(d.valid_until, kNow + absl::Minutes(10));
  input.now = kNow + absl::Minutes(10);  // exactly at the expiry: lifted
  d = Decide(input);
  EXPECT_FALSE(d.locked);
}

TEST(DecideTest, UnlockedLockIgnoresItsMessage) {
  DecideInput input;
  input.now = kNow;
  input.manual_lock.set_locked(false);
  input.manual_lock.set_message("stale");
  EXPECT_FALSE(Decide(input).locked);
}

TEST(DecideTest, EveryReasonHasTextInBothLanguages) {
  for (int r = v1::LOCK_REASON_NO_SCREEN; r <= v1::LOCK_REASON_CLOCK; ++r) {
    const auto reason = static_cast<v1::LockReason>(r);
    EXPECT_FALSE(DefaultLockMessage(reason, Language::kFrench).empty()) << r;
    EXPECT_FALSE(DefaultLockMessage(reason, Language::kEnglish).empty()) << r;
  }
}

TEST(DecideTest, WithoutPolicyTheSessionStillApplies) {
  DecideInput input;
  input.now = kNow;
  input.session.emplace();
  input.session->action = SessionView::Action::kUrl;
  input.session->target = "https://scratch.mit.edu";
  input.session->deadline = kNow + absl::Minutes(30);
  Decision d = Decide(input);
  EXPECT_FALSE(d.locked);
  EXPECT_EQ(d.activity, "https://scratch.mit.edu");
  EXPECT_FALSE(d.counts_as_free_use);
  EXPECT_EQ(d.valid_until, kNow + absl::Minutes(30));

  input.now = kNow + absl::Minutes(30);
  d = Decide(input);
  EXPECT_TRUE(d.locked);
  EXPECT_EQ(d.reason, v1::LOCK_REASON_SESSION_DEADLINE);
  EXPECT_EQ(d.message, "La séance est terminée.");
}

TEST(DecideTest, WithoutPolicyAMissingTimeZoneDoesNotLock) {
  DecideInput input;
  input.now = kNow;
  input.time_zone = nullptr;
  const Decision d = Decide(input);
  EXPECT_FALSE(d.locked);
  EXPECT_TRUE(d.counts_as_free_use);
}

// --- With a city + school policy, in Europe/Paris. ---

absl::TimeZone Paris() {
  static const absl::TimeZone* const tz = [] {
    absl::StatusOr<absl::TimeZone> loaded = LoadSchoolTimeZone("Europe/Paris");
    if (!loaded.ok()) abort();
    return new absl::TimeZone(*loaded);
  }();
  return *tz;
}

absl::Time At(int y, int mo, int d, int h, int mi, int s = 0) {
  return absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, s), Paris());
}

absl::Time Utc(int y, int mo, int d, int h, int mi, int s = 0) {
  return absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, s),
                         absl::UTCTimeZone());
}

void SetDate(int y, int m, int d, v1::Date* out) {
  out->set_year(y);
  out->set_month(m);
  out->set_day(d);
}

void AddRange(const std::string& name, absl::CivilDay from, absl::CivilDay to,
              v1::DateRange* out) {
  out->set_name(name);
  SetDate(from.year(), from.month(), from.day(), out->mutable_from());
  SetDate(to.year(), to.month(), to.day(), out->mutable_to());
}

void SetHours(v1::Weekday day, std::vector<std::pair<int, int>> ranges,
              v1::EffectivePolicy* policy) {
  v1::DayHours* hours = policy->mutable_school_hours()->add_days();
  hours->set_day(day);
  for (const auto& [start, end] : ranges) {
    v1::TimeRange* range = hours->add_ranges();
    range->set_start_minute(start);
    range->set_end_minute(end);
  }
}

constexpr int kMorningStart = 8 * 60 + 30;
constexpr int kMorningEnd = 11 * 60 + 30;
constexpr int kAfternoonStart = 13 * 60 + 30;
constexpr int kAfternoonEnd = 16 * 60 + 30;

constexpr char kNoScreenWeek[] = "Semaine sans écrans";

// What the console pushes to a CM1 tablet: city and school merged. Wednesday
// afternoons off; a no-screen week on tablets and whiteboards (not PCs).
v1::EffectivePolicy SchoolPolicy() {
  v1::EffectivePolicy policy;
  policy.set_version(12);
  policy.set_timezone("Europe/Paris");
  for (v1::Weekday day : {v1::WEEKDAY_MONDAY, v1::WEEKDAY_TUESDAY,
                          v1::WEEKDAY_THURSDAY, v1::WEEKDAY_FRIDAY}) {
    SetHours(day,
             {{kMorningStart, kMorningEnd}, {kAfternoonStart, kAfternoonEnd}},
             &policy);
  }
  SetHours(v1::WEEKDAY_WEDNESDAY, {{kMorningStart, kMorningEnd}}, &policy);
  AddRange("Vacances de Noël", absl::CivilDay(2026, 12, 19),
           absl::CivilDay(2027, 1, 3), policy.add_holidays());
  AddRange("Vacances d'hiver", absl::CivilDay(2027, 2, 13),
           absl::CivilDay(2027, 2, 28), policy.add_holidays());
  AddRange("Vacances de printemps", absl::CivilDay(2027, 4, 10),
           absl::CivilDay(2027, 4, 25), policy.add_holidays());
  AddRange("Pont de l'Ascension", absl::CivilDay(2027, 5, 6),
           absl::CivilDay(2027, 5, 9), policy.add_holidays());
  policy.mutable_outside_sessions()->set_tablet(v1::FREE_USE_LOCKED);
  policy.set_weekly_allowance_seconds(3 * 3600);
  v1::NoScreenPeriod* week = policy.add_no_screen_periods();
  AddRange(kNoScreenWeek, absl::CivilDay(2027, 5, 24),
           absl::CivilDay(2027, 5, 28), week->mutable_range());
  week->add_kinds(v1::DEVICE_KIND_TABLET);
  week->add_kinds(v1::DEVICE_KIND_WHITEBOARD);
  policy.add_apps("org.tuxpaint.Tuxpaint");
  policy.set_retention_days(90);
  return policy;
}

// A policy open around the clock, to see day boundaries by themselves.
v1::EffectivePolicy AlwaysOpenPolicy() {
  v1::EffectivePolicy policy = SchoolPolicy();
  policy.clear_school_hours();
  for (int day = v1::WEEKDAY_MONDAY; day <= v1::WEEKDAY_SUNDAY; ++day) {
    SetHours(static_cast<v1::Weekday>(day), {{0, 24 * 60}}, &policy);
  }
  policy.clear_holidays();
  return policy;
}

class DecidePolicyTest : public ::testing::Test {
 protected:
  DecidePolicyTest() : tz_(Paris()), policy_(SchoolPolicy()) {}

  DecideInput Input(absl::Time now, v1::DeviceKind kind) {
    DecideInput input;
    input.now = now;
    input.time_zone = &tz_;
    input.policy = &policy_;
    input.kind = kind;
    input.device_name =
        kind == v1::DEVICE_KIND_WHITEBOARD ? "tbi-cm1b" : "tab-cm1b-07";
    return input;
  }

  static SessionView Session(const std::string& class_name,
                             absl::Time deadline) {
    SessionView session;
    session.class_name = class_name;
    session.deadline = deadline;
    session.action = SessionView::Action::kApp;
    session.target = "org.tuxpaint.Tuxpaint";
    return session;
  }

  absl::TimeZone tz_;
  v1::EffectivePolicy policy_;
};

TEST_F(DecidePolicyTest, MissingTimeZoneLocksWithClockReason) {
  DecideInput input = Input(At(2027, 3, 22, 10, 0), v1::DEVICE_KIND_WHITEBOARD);
  input.time_zone = nullptr;
  input.session = Session("CM1-B", At(2027, 3, 22, 11, 0));
  const Decision d = Decide(input);
  EXPECT_TRUE(d.locked);
  EXPECT_EQ(d.reason, v1::LOCK_REASON_CLOCK);
  EXPECT_EQ(d.message,
            "L'heure de l'appareil est inconnue : appelez l'enseignant.");
  EXPECT_EQ(d.valid_until, absl::InfiniteFuture());
  EXPECT_FALSE(d.counts_as_free_use);
}

// A whiteboard outside sessions is free in school hours: its lock follows
// downtime alone, which makes it the probe for hours, holidays and DST.
struct HoursCase {
  const char* name;
  absl::Time now;
  bool locked;
  absl::Time valid_until;
};

TEST_F(DecidePolicyTest, WhiteboardFollowsSchoolHours) {
  const std::vector<HoursCase> cases = {
      {"monday before school", At(2027, 3, 22, 8, 29, 59), true,
       At(2027, 3, 22, 8, 30)},
      {"monday at the bell", At(2027, 3, 22, 8, 30), false,
       At(2027, 3, 22, 11, 30)},
      {"last second of the morning", At(2027, 3, 22, 11, 29, 59), false,
       At(2027, 3, 22, 11, 30)},
      {"lunch", At(2027, 3, 22, 11, 30), true, At(2027, 3, 22, 13, 30)},
      {"afternoon", At(2027, 3, 22, 14, 0), false, At(2027, 3, 22, 16, 30)},
      {"after school", At(2027, 3, 22, 16, 30), true, At(2027, 3, 23, 8, 30)},
      {"just before midnight", At(2027, 3, 22, 23, 59, 59), true,
       At(2027, 3, 23, 8, 30)},
      {"midnight", At(2027, 3, 23, 0, 0), true, At(2027, 3, 23, 8, 30)},
      {"wednesday afternoon off", At(2027, 3, 24, 12, 0), true,
       At(2027, 3, 25, 8, 30)},
      {"friday evening to monday", At(2027, 3, 19, 16, 30), true,
       At(2027, 3, 22, 8, 30)},
      {"saturday", At(2027, 3, 20, 10, 0), true, At(2027, 3, 22, 8, 30)},
      {"sunday last second", At(2027, 3, 21, 23, 59, 59), true,
       At(2027, 3, 22, 8, 30)},
      // ISO week change: Sunday of 2026-W53 to Monday of 2027-W01, at the
      // end of the Christmas holidays, across New Year.
      {"new year's eve in the holidays", At(2026, 12, 31, 10, 0), true,
       At(2027, 1, 4, 8, 30)},
      {"last day of 2026-W53", At(2027, 1, 3, 23, 59, 59), true,
       At(2027, 1, 4, 8, 30)},
      {"first lesson of 2027-W01", At(2027, 1, 4, 8, 30), false,
       At(2027, 1, 4, 11, 30)},
      // The last school day before the holidays: the next start is after.
      {"friday before the winter holidays", At(2027, 2, 12, 16, 30), true,
       At(2027, 3, 1, 8, 30)},
      {"first day of the holidays", At(2027, 2, 13, 0, 0), true,
       At(2027, 3, 1, 8, 30)},
      {"a school day of the holidays", At(2027, 2, 15, 10, 0), true,
       At(2027, 3, 1, 8, 30)},
      {"back from the holidays", At(2027, 3, 1, 8, 30), false,
       At(2027, 3, 1, 11, 30)},
      // A holiday in mid-week (Ascension, Thursday to Sunday).
      {"wednesday before ascension", At(2027, 5, 5, 10, 0), false,
       At(2027, 5, 5, 11, 30)},
      {"ascension thursday", At(2027, 5, 6, 10, 0), true,
       At(2027, 5, 10, 8, 30)},
      // Spring forward, Sunday 2027-03-28 02:00 CET -> 03:00 CEST.
      {"friday before spring forward", At(2027, 3, 26, 16, 30), true,
       Utc(2027, 3, 29, 6, 30)},
      {"sunday 01:59:59 CET", Utc(2027, 3, 28, 0, 59, 59), true,
       Utc(2027, 3, 29, 6, 30)},
      {"sunday 03:00 CEST", Utc(2027, 3, 28, 1, 0), true,
       Utc(2027, 3, 29, 6, 30)},
      {"monday after, 08:29:59 CEST", Utc(2027, 3, 29, 6, 29, 59), true,
       Utc(2027, 3, 29, 6, 30)},
      {"monday after, 08:30 CEST", Utc(2027, 3, 29, 6, 30), false,
       Utc(2027, 3, 29, 9, 30)},
      // Fall back, Sunday 2027-10-31 03:00 CEST -> 02:00 CET.
      {"friday before fall back", At(2027, 10, 29, 16, 30), true,
       Utc(2027, 11, 1, 7, 30)},
      {"sunday 02:30 CEST", Utc(2027, 10, 31, 0, 30), true,
       Utc(2027, 11, 1, 7, 30)},
      {"sunday 02:30 CET", Utc(2027, 10, 31, 1, 30), true,
       Utc(2027, 11, 1, 7, 30)},
      {"monday after, 08:29:59 CET", Utc(2027, 11, 1, 7, 29, 59), true,
       Utc(2027, 11, 1, 7, 30)},
      {"monday after, 08:30 CET", Utc(2027, 11, 1, 7, 30), false,
       Utc(2027, 11, 1, 10, 30)},
  };
  for (const HoursCase& c : cases) {
    SCOPED_TRACE(c.name);
    const Decision d = Decide(Input(c.now, v1::DEVICE_KIND_WHITEBOARD));
    EXPECT_EQ(d.locked, c.locked);
    EXPECT_EQ(d.reason,
              c.locked ? v1::LOCK_REASON_DOWNTIME : v1::LOCK_REASON_NONE);
    EXPECT_EQ(d.message, c.locked ? "En dehors des heures de classe." : "");
    EXPECT_EQ(d.counts_as_free_use, !c.locked);
    EXPECT_EQ(d.valid_until, c.valid_until)
        << absl::FormatTime(d.valid_until, tz_) << " vs "
        << absl::FormatTime(c.valid_until, tz_);
  }
}

// Hours inside the hours a DST change skips or repeats: no school has them,
// but valid_until must still never be late.
TEST_F(DecidePolicyTest, HoursInsideTheSkippedHour) {
  policy_.clear_school_hours();
  SetHours(v1::WEEKDAY_SUNDAY, {{2 * 60 + 30, 4 * 60}}, &policy_);
  // 01:00 CET: 02:30 never shows; hours start at the jump to 03:00 CEST.
  Decision d = Decide(Input(Utc(2027, 3, 28, 0, 0), v1::DEVICE_KIND_PC));
  EXPECT_TRUE(d.locked);
  EXPECT_EQ(d.valid_until, Utc(2027, 3, 28, 1, 0));
  d = Decide(Input(Utc(2027, 3, 28, 1, 0), v1::DEVICE_KIND_PC));
  EXPECT_FALSE(d.locked);
  EXPECT_EQ(d.valid_until, Utc(2027, 3, 28, 2, 0));  // 04:00 CEST
}

TEST_F(DecidePolicyTest, HoursInsideTheRepeatedHour) {
  policy_.clear_school_hours();
  SetHours(v1::WEEKDAY_SUNDAY, {{2 * 60 + 30, 4 * 60}}, &policy_);
  // 02:00 CEST: hours start at 02:30 CEST...
  Decision d = Decide(Input(Utc(2027, 10, 31, 0, 0), v1::DEVICE_KIND_PC));
  EXPECT_TRUE(d.locked);
  EXPECT_EQ(d.valid_until, Utc(2027, 10, 31, 0, 30));
  // ...and stop when 03:00 CEST turns back into 02:00 CET...
  d = Decide(Input(Utc(2027, 10, 31, 0, 30), v1::DEVICE_KIND_PC));
  EXPECT_FALSE(d.locked);
  EXPECT_EQ(d.valid_until, Utc(2027, 10, 31, 1, 0));
  // ...to start again at 02:30 CET, until 04:00 CET.
  d = Decide(Input(Utc(2027, 10, 31, 1, 0), v1::DEVICE_KIND_PC));
  EXPECT_TRUE(d.locked);
  EXPECT_EQ(d.valid_until, Utc(2027, 10, 31, 1, 30));
  d = Decide(Input(Utc(2027, 10, 31, 1, 30), v1::DEVICE_KIND_PC));
  EXPECT_FALSE(d.locked);
  EXPECT_EQ(d.valid_until, Utc(2027, 10, 31, 3, 0));
}

TEST_F(DecidePolicyTest, FallBackWithTheToussaintHolidays) {
  AddRange("Vacances de la Toussaint", absl::CivilDay(2027, 10, 23),
           absl::CivilDay(2027, 11, 7), policy_.add_holidays());
  const Decision d =
      Decide(Input(At(2027, 10, 22, 16, 30), v1::DEVICE_KIND_WHITEBOARD));
  EXPECT_TRUE(d.locked);
  EXPECT_EQ(d.valid_until, Utc(2027, 11, 8, 7, 30));  // 08:30 CET
}

TEST_F(DecidePolicyTest, NoSchoolHoursAtAllIsDowntimeForever) {
  policy_.clear_school_hours();
  const Decision d =
      Decide(Input(At(2027, 3, 22, 10, 0), v1::DEVICE_KIND_WHITEBOARD));
  EXPECT_TRUE(d.locked);
  EXPECT_EQ(d.reason, v1::LOCK_REASON_DOWNTIME);
  // Only the no-screen week can still change something.
  EXPECT_EQ(d.valid_until, At(2027, 5, 24, 0, 0));
  policy_.clear_no_screen_periods();
  EXPECT_EQ(Decide(Input(At(2027, 3, 22, 10, 0), v1::DEVICE_KIND_WHITEBOARD))
                .valid_until,
            absl::InfiniteFuture());
}

TEST_F(DecidePolicyTest, HoursAroundTheClockEndOnlyAtAHoliday) {
  policy_ = AlwaysOpenPolicy();
  policy_.clear_no_screen_periods();
  AddRange("Vacances d'été", absl::CivilDay(2027, 7, 3),
           absl::CivilDay(2027, 8, 31), policy_.add_holidays());
  Decision d = Decide(Input(At(2027, 6, 1, 10, 0), v1::DEVICE_KIND_PC));
  EXPECT_FALSE(d.locked);
  EXPECT_EQ(d.valid_until, At(2027, 7, 3, 0, 0));
  d = Decide(Input(At(2027, 7, 14, 10, 0), v1::DEVICE_KIND_PC));
  EXPECT_TRUE(d.locked);
  EXPECT_EQ(d.valid_until, At(2027, 9, 1, 0, 0));
  d = Decide(Input(At(2027, 9, 1, 0, 0), v1::DEVICE_KIND_PC));
  EXPECT_FALSE(d.locked);
  EXPECT_EQ(d.valid_until, absl::InfiniteFuture());
}

TEST_F(DecidePolicyTest, TabletOutsideAnySessionIsLocked) {
  const Decision d =
      Decide(Input(At(2027, 3, 22, 10, 0), v1::DEVICE_KIND_TABLET));
  EXPECT_TRUE(d.locked);
  EXPECT_EQ(d.reason, v1::LOCK_REASON_NO_SESSION);
  EXPECT_EQ(d.message, "Pas de séance en cours.");
  EXPECT_FALSE(d.counts_as_free_use);
  EXPECT_EQ(d.valid_until, At(2027, 3, 22, 11, 30));  // downtime then
}

TEST_F(DecidePolicyTest, OutsideSessionsPerKind) {
  struct Case {
    v1::DeviceKind kind;
    v1::FreeUse tablet, whiteboard, pc;
    bool locked;
  };
  const v1::FreeUse kUnset = v1::FREE_USE_UNSPECIFIED;
  const v1::FreeUse kFree = v1::FREE_USE_FREE;
  const v1::FreeUse kLocked = v1::FREE_USE_LOCKED;
  const std::vector<Case> cases = {
      {v1::DEVICE_KIND_TABLET, kUnset, kUnset, kUnset, true},
      {v1::DEVICE_KIND_TABLET, kLocked, kFree, kFree, true},
      {v1::DEVICE_KIND_TABLET, kFree, kLocked, kLocked, false},
      {v1::DEVICE_KIND_WHITEBOARD, kUnset, kUnset, kUnset, false},
      {v1::DEVICE_KIND_WHITEBOARD, kFree, kLocked, kFree, true},
      {v1::DEVICE_KIND_WHITEBOARD, kLocked, kFree, kLocked, false},
      {v1::DEVICE_KIND_PC, kUnset, kUnset, kUnset, false},
      {v1::DEVICE_KIND_PC, kFree, kFree, kLocked, true},
      {v1::DEVICE_KIND_PC, kLocked, kLocked, kFree, false},
      // A device of unknown kind gets the tablets' rule, the strictest.
      {v1::DEVICE_KIND_UNSPECIFIED, kUnset, kFree, kFree, true},
      {v1::DEVICE_KIND_UNSPECIFIED, kFree, kLocked, kLocked, false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(testing::Message() << c.kind << " " << c.tablet << " "
                                    << c.whiteboard << " " << c.pc);
    v1::OutsideSessions* outside = policy_.mutable_outside_sessions();
    outside->set_tablet(c.tablet);
    outside->set_whiteboard(c.whiteboard);
    outside->set_pc(c.pc);
    const Decision d = Decide(Input(At(2027, 3, 22, 10, 0), c.kind));
    EXPECT_EQ(d.locked, c.locked);
    EXPECT_EQ(d.reason,
              c.locked ? v1::LOCK_REASON_NO_SESSION : v1::LOCK_REASON_NONE);
    EXPECT_EQ(d.counts_as_free_use, !c.locked);
    EXPECT_EQ(d.activity, "");
  }
}

TEST_F(DecidePolicyTest, WhiteboardOutsideSessionsInDowntimeIsLocked) {
  const Decision d =
      Decide(Input(At(2027, 3, 22, 19, 0), v1::DEVICE_KIND_WHITEBOARD));
  EXPECT_TRUE(d.locked);
  EXPECT_EQ(d.reason, v1::LOCK_REASON_DOWNTIME);
  EXPECT_FALSE(d.counts_as_free_use);
}

TEST_F(DecidePolicyTest, PolicyTextsReplaceTheDefaults) {
  v1::LockMessages* texts = policy_.mutable_messages();
  texts->set_no_screen("Semaine sans écrans à l'école Jaurès");
  texts->set_downtime("L'école est fermée");
  texts->set_session_deadline("Fin de la séance");
  texts->set_manual("Pause !");
  texts->set_step("Tous au tableau");
  texts->set_no_session("Rangez la tablette");

  EXPECT_EQ(
      Decide(Input(At(2027, 5, 24, 10, 0), v1::DEVICE_KIND_TABLET)).message,
      "Semaine sans écrans à l'école Jaurès");
  EXPECT_EQ(
      Decide(Input(At(2027, 3, 22, 19, 0), v1::DEVICE_KIND_TABLET)).message,
      "L'école est fermée");
  EXPECT_EQ(
      Decide(Input(At(2027, 3, 22, 10, 0), v1::DEVICE_KIND_TABLET)).message,
      "Rangez la tablette");

  DecideInput input = Input(At(2027, 3, 22, 10, 0), v1::DEVICE_KIND_TABLET);
  input.session = Session("CM1-B", At(2027, 3, 22, 9, 0));
  EXPECT_EQ(Decide(input).message, "Fin de la séance");
  input.session->deadline = At(2027, 3, 22, 11, 0);
  input.session->action = SessionView::Action::kLock;
  EXPECT_EQ(Decide(input).message, "Tous au tableau");
  input.session->message = "Regardez la carte";  // the step's own text wins
  EXPECT_EQ(Decide(input).message, "Regardez la carte");
  input.manual_lock.set_locked(true);
  EXPECT_EQ(Decide(input).message, "Pause !");
  input.manual_lock.set_message("Rangez les stylets");
  EXPECT_EQ(Decide(input).message, "Rangez les stylets");
}

TEST_F(DecidePolicyTest, EnglishDefaults) {
  DecideInput input = Input(At(2027, 3, 22, 10, 0), v1::DEVICE_KIND_TABLET);
  input.language = Language::kEnglish;
  EXPECT_EQ(Decide(input).message, "No lesson right now.");
  input.now = At(2027, 5, 24, 10, 0);
  EXPECT_EQ(Decide(input).message, "No-screen week: this device stays off.");
}

// --- Sessions. ---

TEST_F(DecidePolicyTest, SessionUnlocksForTheStepActivity) {
  DecideInput input = Input(At(2027, 3, 22, 10, 0), v1::DEVICE_KIND_TABLET);
  input.session = Session("CM1-B", At(2027, 3, 22, 10, 40));
  Decision d = Decide(input);
  EXPECT_FALSE(d.locked);
  EXPECT_EQ(d.activity, "org.tuxpaint.Tuxpaint");
  EXPECT_FALSE(d.counts_as_free_use);
  EXPECT_EQ(d.valid_until, At(2027, 3, 22, 10, 40));  // the deadline

  input.session->action = SessionView::Action::kUrl;
  input.session->target = "https://vittascience.com";
  EXPECT_EQ(Decide(input).activity, "https://vittascience.com");
  input.session->action = SessionView::Action::kFree;
  d = Decide(input);
  EXPECT_FALSE(d.locked);
  EXPECT_EQ(d.activity, "");
  EXPECT_FALSE(d.counts_as_free_use);
}

TEST_F(DecidePolicyTest, SessionDeadline) {
  DecideInput input = Input(At(2027, 3, 22, 10, 0), v1::DEVICE_KIND_TABLET);
  input.session = Session("CM1-B", At(2027, 3, 22, 10, 40));
  input.now = At(2027, 3, 22, 10, 39, 59);
  EXPECT_FALSE(Decide(input).locked);
  input.now = At(2027, 3, 22, 10, 40);
  const Decision d = Decide(input);
  EXPECT_TRUE(d.locked);
  EXPECT_EQ(d.reason, v1::LOCK_REASON_SESSION_DEADLINE);
  EXPECT_EQ(d.message, "La séance est terminée.");
  EXPECT_EQ(d.activity, "");
  EXPECT_EQ(d.valid_until, At(2027, 3, 22, 11, 30));  // only downtime next
}

TEST_F(DecidePolicyTest, DeadlineAfterTheEndOfHoursGivesWayToDowntime) {
  DecideInput input = Input(At(2027, 3, 22, 11, 0), v1::DEVICE_KIND_TABLET);
  input.session = Session("CM1-B", At(2027, 3, 22, 12, 0));
  EXPECT_EQ(Decide(input).valid_until, At(2027, 3, 22, 11, 30));
}

TEST_F(DecidePolicyTest, PausedSessionLocksTablets) {
  DecideInput input = Input(At(2027, 3, 22, 10, 0), v1::DEVICE_KIND_TABLET);
  input.session = Session("CM1-B", At(2027, 3, 22, 10, 40));
  input.session->paused = true;
  Decision d = Decide(input);
  EXPECT_TRUE(d.locked);
  EXPECT_EQ(d.reason, v1::LOCK_REASON_STEP);
  EXPECT_EQ(d.message, "Séance en pause");
  EXPECT_EQ(d.activity, "");
  EXPECT_EQ(d.valid_until, At(2027, 3, 22, 10, 40));
  input.language = Language::kEnglish;
  EXPECT_EQ(Decide(input).message, "Lesson paused");
  // A pause under a locking step still says "paused".
  input.session->action = SessionView::Action::kLock;
  EXPECT_EQ(Decide(input).message, "Lesson paused");
}

TEST_F(DecidePolicyTest, LockingStep) {
  DecideInput input = Input(At(2027, 3, 22, 10, 0), v1::DEVICE_KIND_TABLET);
  input.session = Session("CM1-B", At(2027, 3, 22, 10, 40));
  input.session->action = SessionView::Action::kLock;
  const Decision d = Decide(input);
  EXPECT_TRUE(d.locked);
  EXPECT_EQ(d.reason, v1::LOCK_REASON_STEP);
  EXPECT_EQ(d.message, "Regardez le tableau.");
}

TEST_F(DecidePolicyTest, StepsAndPausesLeaveTheWhiteboardWithTheTeacher) {
  DecideInput input = Input(At(2027, 3, 22, 10, 0), v1::DEVICE_KIND_WHITEBOARD);
  input.session = Session("CM1-B", At(2027, 3, 22, 10, 40));
  input.session->action = SessionView::Action::kLock;
  Decision d = Decide(input);
  EXPECT_FALSE(d.locked);
  EXPECT_EQ(d.activity, "");
  EXPECT_FALSE(d.counts_as_free_use);
  input.session->paused = true;
  EXPECT_FALSE(Decide(input).locked);
  // A computer room's PCs are pupils' devices: they obey the step.
  input.kind = v1::DEVICE_KIND_PC;
  EXPECT_TRUE(Decide(input).locked);
  // The teacher's own lock and the deadline do hold the whiteboard.
  input.kind = v1::DEVICE_KIND_WHITEBOARD;
  input.manual_lock.set_locked(true);
  EXPECT_EQ(Decide(input).reason, v1::LOCK_REASON_MANUAL);
  input.now = At(2027, 3, 22, 10, 40);
  EXPECT_EQ(Decide(input).reason, v1::LOCK_REASON_SESSION_DEADLINE);
}

TEST_F(DecidePolicyTest, ManualLockBeatsLockingStepUntilItExpires) {
  DecideInput input = Input(At(2027, 3, 22, 10, 0), v1::DEVICE_KIND_TABLET);
  input.session = Session("CM1-B", At(2027, 3, 22, 10, 40));
  input.session->action = SessionView::Action::kLock;
  input.manual_lock.set_locked(true);
  input.manual_lock.set_message("Rangez les stylets");
  ToProto(At(2027, 3, 22, 10, 5), input.manual_lock.mutable_expires_at());
  Decision d = Decide(input);
  EXPECT_EQ(d.reason, v1::LOCK_REASON_MANUAL);
  EXPECT_EQ(d.message, "Rangez les stylets");
  EXPECT_EQ(d.valid_until, At(2027, 3, 22, 10, 5));
  input.now = At(2027, 3, 22, 10, 5);
  d = Decide(input);
  EXPECT_EQ(d.reason, v1::LOCK_REASON_STEP);
  EXPECT_EQ(d.message, "Regardez le tableau.");
  EXPECT_EQ(d.valid_until, At(2027, 3, 22, 10, 40));
}

TEST_F(DecidePolicyTest, ManualLockOutsideSessionsOnAWhiteboard) {
  DecideInput input = Input(At(2027, 3, 22, 10, 0), v1::DEVICE_KIND_WHITEBOARD);
  input.manual_lock.set_locked(true);
  const Decision d = Decide(input);
  EXPECT_EQ(d.reason, v1::LOCK_REASON_MANUAL);
  EXPECT_FALSE(d.counts_as_free_use);
  EXPECT_EQ(d.valid_until, At(2027, 3, 22, 11, 30));
}

// --- No-screen periods and exemptions. ---

TEST_F(DecidePolicyTest, NoScreenWeekLocksCoveredKindsInAndOutOfHours) {
  for (const absl::Time now :
       {At(2027, 5, 24, 0, 0), At(2027, 5, 24, 10, 0), At(2027, 5, 26, 15, 0),
        At(2027, 5, 28, 23, 59, 59)}) {
    SCOPED_TRACE(absl::FormatTime(now, tz_));
    for (const v1::DeviceKind kind :
         {v1::DEVICE_KIND_TABLET, v1::DEVICE_KIND_WHITEBOARD}) {
      DecideInput input = Input(now, kind);
      input.session = Session("CM1-B", now + absl::Minutes(30));
      const Decision d = Decide(input);
      EXPECT_TRUE(d.locked);
      EXPECT_EQ(d.reason, v1::LOCK_REASON_NO_SCREEN);
      EXPECT_EQ(d.message, "Semaine sans écrans : cet appareil reste éteint.");
      EXPECT_EQ(d.no_screen_period, kNoScreenWeek);
      EXPECT_EQ(d.exemption_reason, "");
      EXPECT_EQ(d.valid_until, At(2027, 5, 29, 0, 0));
    }
  }
  // PCs are not covered by this one: the usual rules apply.
  const Decision pc = Decide(Input(At(2027, 5, 24, 10, 0), v1::DEVICE_KIND_PC));
  EXPECT_FALSE(pc.locked);
  EXPECT_EQ(pc.no_screen_period, "");
  // The day after, the whiteboard is free again.
  const Decision after =
      Decide(Input(At(2027, 5, 29, 0, 0), v1::DEVICE_KIND_WHITEBOARD));
  EXPECT_EQ(after.reason, v1::LOCK_REASON_DOWNTIME);  // a Saturday
  EXPECT_EQ(after.no_screen_period, "");
}

TEST_F(DecidePolicyTest, NoScreenPeriodStartingWhileUnlocked) {
  policy_ = AlwaysOpenPolicy();
  const absl::Time start = At(2027, 5, 24, 0, 0);
  DecideInput input = Input(start - absl::Hours(2), v1::DEVICE_KIND_WHITEBOARD);
  Decision d = Decide(input);
  EXPECT_FALSE(d.locked);
  EXPECT_EQ(d.valid_until, start);
  input.now = start - absl::Seconds(1);
  EXPECT_FALSE(Decide(input).locked);
  input.now = start;
  d = Decide(input);
  EXPECT_TRUE(d.locked);
  EXPECT_EQ(d.reason, v1::LOCK_REASON_NO_SCREEN);
  EXPECT_EQ(d.valid_until, At(2027, 5, 29, 0, 0));
  input.now = At(2027, 5, 29, 0, 0);
  d = Decide(input);
  EXPECT_FALSE(d.locked);
  EXPECT_EQ(d.valid_until, absl::InfiniteFuture());
}

TEST_F(DecidePolicyTest, NoScreenPeriodsAddUp) {
  policy_ = AlwaysOpenPolicy();
  v1::NoScreenPeriod* pcs = policy_.add_no_screen_periods();
  AddRange("Journée sans ordinateurs", absl::CivilDay(2027, 5, 31),
           absl::CivilDay(2027, 5, 31), pcs->mutable_range());
  pcs->add_kinds(v1::DEVICE_KIND_PC);
  pcs->add_kinds(v1::DEVICE_KIND_WHITEBOARD);
  // Friday of the week: ends at Saturday midnight; Monday's period is next.
  Decision d = Decide(Input(At(2027, 5, 28, 12, 0), v1::DEVICE_KIND_PC));
  EXPECT_FALSE(d.locked);
  EXPECT_EQ(d.valid_until, At(2027, 5, 31, 0, 0));
  d = Decide(Input(At(2027, 5, 31, 12, 0), v1::DEVICE_KIND_PC));
  EXPECT_TRUE(d.locked);
  EXPECT_EQ(d.no_screen_period, "Journée sans ordinateurs");
  EXPECT_EQ(d.valid_until, At(2027, 6, 1, 0, 0));
  d = Decide(Input(At(2027, 5, 28, 12, 0), v1::DEVICE_KIND_WHITEBOARD));
  EXPECT_EQ(d.no_screen_period, kNoScreenWeek);
  EXPECT_EQ(d.valid_until, At(2027, 5, 29, 0, 0));
}

TEST_F(DecidePolicyTest, ExemptionByDevice) {
  v1::Exemption* exemption = policy_.add_exemptions();
  exemption->set_device("tbi-cm1b");
  exemption->set_period(kNoScreenWeek);
  exemption->set_reason("Projet radio avec l'école Curie");
  DecideInput input = Input(At(2027, 5, 25, 10, 0), v1::DEVICE_KIND_WHITEBOARD);
  Decision d = Decide(input);
  EXPECT_FALSE(d.locked);
  EXPECT_EQ(d.no_screen_period, kNoScreenWeek);
  EXPECT_EQ(d.exemption_reason, "Projet radio avec l'école Curie");
  EXPECT_TRUE(d.counts_as_free_use);
  EXPECT_EQ(d.valid_until, At(2027, 5, 25, 11, 30));
  // Downtime still applies to an exempt device.
  input.now = At(2027, 5, 25, 19, 0);
  d = Decide(input);
  EXPECT_EQ(d.reason, v1::LOCK_REASON_DOWNTIME);
  EXPECT_EQ(d.exemption_reason, "Projet radio avec l'école Curie");
  // Another whiteboard is not exempt.
  input.now = At(2027, 5, 25, 10, 0);
  input.device_name = "tbi-cm2a";
  d = Decide(input);
  EXPECT_EQ(d.reason, v1::LOCK_REASON_NO_SCREEN);
  EXPECT_EQ(d.exemption_reason, "");
  // An exemption for another period does not lift this one.
  input.device_name = "tbi-cm1b";
  exemption->set_period("Journée sans ordinateurs");
  EXPECT_EQ(Decide(input).reason, v1::LOCK_REASON_NO_SCREEN);
}

TEST_F(DecidePolicyTest, ExemptionByClassHoldsOnlyInItsSessions) {
  v1::Exemption* exemption = policy_.add_exemptions();
  exemption->set_class_name("CM2-A");  // no period: all of them
  exemption->set_reason("Brevet informatique");
  DecideInput input = Input(At(2027, 5, 25, 10, 0), v1::DEVICE_KIND_TABLET);
  input.session = Session("CM2-A", At(2027, 5, 25, 10, 45));
  Decision d = Decide(input);
  EXPECT_FALSE(d.locked);
  EXPECT_EQ(d.activity, "org.tuxpaint.Tuxpaint");
  EXPECT_EQ(d.no_screen_period, kNoScreenWeek);
  EXPECT_EQ(d.exemption_reason, "Brevet informatique");
  EXPECT_EQ(d.valid_until, At(2027, 5, 25, 10, 45));

  input.session->class_name = "CM1-B";
  EXPECT_EQ(Decide(input).reason, v1::LOCK_REASON_NO_SCREEN);
  input.session.reset();
  d = Decide(input);
  EXPECT_EQ(d.reason, v1::LOCK_REASON_NO_SCREEN);
  EXPECT_EQ(d.exemption_reason, "");
}

TEST_F(DecidePolicyTest, ForwardJumpOfflineDoesNotEndTheNoScreenWeek) {
  policy_ = AlwaysOpenPolicy();
  // Confirmed Wednesday of the week; someone sets the date to next Monday.
  FakeClock clock(At(2027, 5, 26, 10, 0));
  ScheduleClock schedule(absl::InfinitePast(), clock.Monotonic(),
                         absl::ZeroDuration());
  schedule.Confirm(clock.Now(), clock.Now(), clock.Monotonic());
  clock.SetWall(At(2027, 5, 31, 10, 0));
  clock.Advance(absl::Minutes(5));
  const ScheduleTime t = schedule.Now(clock.Now(), clock.Monotonic());
  ASSERT_EQ(t.now, At(2027, 5, 31, 10, 5));
  ASSERT_EQ(t.confirmed, At(2027, 5, 26, 10, 5));

  DecideInput input = Input(t.now, v1::DEVICE_KIND_WHITEBOARD);
  input.confirmed_now = t.confirmed;
  Decision d = Decide(input);
  EXPECT_TRUE(d.locked);
  EXPECT_EQ(d.reason, v1::LOCK_REASON_NO_SCREEN);
  EXPECT_EQ(d.no_screen_period, kNoScreenWeek);
  // It ends when the confirmed time reaches Saturday, seen from `now`.
  EXPECT_EQ(d.valid_until,
            t.now + (At(2027, 5, 29, 0, 0) - At(2027, 5, 26, 10, 5)));
  // Without the confirmed time it would have been over.
  input.confirmed_now = absl::InfinitePast();
  EXPECT_FALSE(Decide(input).locked);
  // And a jump into the week locks at once, by `now` alone.
  input.now = At(2027, 5, 24, 9, 0);
  input.confirmed_now = At(2027, 5, 20, 9, 0);
  EXPECT_EQ(Decide(input).reason, v1::LOCK_REASON_NO_SCREEN);
}

// --- The daily limit of free use. ---

TEST_F(DecidePolicyTest, DailyLimitReachedExactly) {
  policy_.mutable_outside_sessions()->set_daily_limit_seconds(3600);
  DecideInput input = Input(At(2027, 3, 22, 10, 0), v1::DEVICE_KIND_WHITEBOARD);
  input.free_use_today = absl::Seconds(3599);
  Decision d = Decide(input);
  EXPECT_FALSE(d.locked);
  EXPECT_TRUE(d.counts_as_free_use);
  EXPECT_EQ(d.valid_until, At(2027, 3, 22, 10, 0, 1));

  input.now = At(2027, 3, 22, 10, 0, 1);
  input.free_use_today = absl::Seconds(3600);
  d = Decide(input);
  EXPECT_TRUE(d.locked);
  EXPECT_EQ(d.reason, v1::LOCK_REASON_NO_SESSION);
  EXPECT_EQ(d.message, "Temps d'utilisation du jour atteint");
  EXPECT_FALSE(d.counts_as_free_use);
  EXPECT_EQ(d.valid_until, At(2027, 3, 22, 11, 30));  // downtime first
  input.language = Language::kEnglish;
  input.free_use_today = absl::Hours(2);
  EXPECT_EQ(Decide(input).message, "Daily limit reached");
}

TEST_F(DecidePolicyTest, DailyLimitValidUntilIsTheEarlierOfLimitAndHours) {
  policy_.mutable_outside_sessions()->set_daily_limit_seconds(3600);
  DecideInput input = Input(At(2027, 3, 22, 10, 0), v1::DEVICE_KIND_WHITEBOARD);
  input.free_use_today = absl::Minutes(15);
  EXPECT_EQ(Decide(input).valid_until, At(2027, 3, 22, 10, 45));
  input.free_use_today = absl::ZeroDuration();
  EXPECT_EQ(Decide(input).valid_until, At(2027, 3, 22, 11, 0));
  input.now = At(2027, 3, 22, 10, 45);
  EXPECT_EQ(Decide(input).valid_until, At(2027, 3, 22, 11, 30));
}

TEST_F(DecidePolicyTest, DailyLimitDoesNotCountSessions) {
  policy_.mutable_outside_sessions()->set_daily_limit_seconds(3600);
  DecideInput input = Input(At(2027, 3, 22, 10, 0), v1::DEVICE_KIND_TABLET);
  input.free_use_today = absl::Hours(5);
  input.session = Session("CM1-B", At(2027, 3, 22, 10, 40));
  const Decision d = Decide(input);
  EXPECT_FALSE(d.locked);
  EXPECT_FALSE(d.counts_as_free_use);
}

TEST_F(DecidePolicyTest, DailyLimitLiftsAtTheConfirmedMidnight) {
  policy_ = AlwaysOpenPolicy();
  policy_.clear_no_screen_periods();
  policy_.mutable_outside_sessions()->set_daily_limit_seconds(3600);
  DecideInput input = Input(At(2027, 3, 27, 20, 0), v1::DEVICE_KIND_WHITEBOARD);
  input.free_use_today = absl::Hours(1);
  Decision d = Decide(input);
  EXPECT_TRUE(d.locked);
  EXPECT_EQ(d.valid_until, At(2027, 3, 28, 0, 0));
  // The wall clock was set forward offline: the day is still Saturday.
  input.now = At(2027, 3, 28, 9, 0);
  input.confirmed_now = At(2027, 3, 27, 21, 0);
  d = Decide(input);
  EXPECT_TRUE(d.locked);
  EXPECT_EQ(d.valid_until, input.now + absl::Hours(3));
}

// The agent's loop, with the pieces it really uses: a clock moved backwards
// must not grant the day's use again.
TEST_F(DecidePolicyTest, WallClockMovedBackwardsDoesNotReGrantUse) {
  policy_.mutable_outside_sessions()->set_daily_limit_seconds(3600);
  FakeClock clock(At(2027, 3, 22, 8, 30));
  ScheduleClock schedule(absl::InfinitePast(), clock.Monotonic(),
                         absl::ZeroDuration());
  schedule.Confirm(clock.Now(), clock.Now(), clock.Monotonic());
  UsageLedger ledger;

  // One step of the agent: decide, then count the use until the next step.
  auto step = [&](absl::Duration until_next) {
    const ScheduleTime t = schedule.Now(clock.Now(), clock.Monotonic());
    DecideInput input = Input(t.now, v1::DEVICE_KIND_WHITEBOARD);
    input.confirmed_now = t.confirmed;
    const absl::CivilDay day(tz_.At(t.confirmed).cs);
    input.free_use_today = ledger.UsedOn(day);
    const Decision d = Decide(input);
    clock.Advance(until_next);
    if (d.counts_as_free_use) ledger.Add(until_next, day);
    return d;
  };

  EXPECT_FALSE(step(absl::Minutes(50)).locked);
  clock.SetWall(At(2027, 3, 21, 8, 30));  // back to yesterday
  Decision d = step(absl::Minutes(10));
  EXPECT_FALSE(d.locked);
  EXPECT_EQ(d.valid_until, At(2027, 3, 22, 9, 30));
  d = step(absl::Minutes(1));
  EXPECT_TRUE(d.locked);
  EXPECT_EQ(d.message, "Temps d'utilisation du jour atteint");
  EXPECT_EQ(ledger.UsedOn(absl::CivilDay(2027, 3, 22)), absl::Hours(1));
  // Even asked about the day the wall clock shows, the ledger holds.
  EXPECT_EQ(ledger.UsedOn(absl::CivilDay(2027, 3, 21)), absl::Hours(1));
}

// --- Precedence, exhaustively: each level beats every weaker one. ---

enum Level {
  kNoScreen = 1 << 0,
  kDowntime = 1 << 1,
  kDeadline = 1 << 2,
  kManual = 1 << 3,
  kStep = 1 << 4,
};

TEST_F(DecidePolicyTest, PrecedenceInASession) {
  for (int active = 0; active < 32; ++active) {
    SCOPED_TRACE(active);
    // Monday of the no-screen week or the Monday before; 10:00 or lunch.
    const absl::CivilDay day = (active & kNoScreen)
                                   ? absl::CivilDay(2027, 5, 24)
                                   : absl::CivilDay(2027, 5, 17);
    const int hour = (active & kDowntime) ? 12 : 10;
    const absl::Time now = absl::FromCivil(
        absl::CivilHour(day.year(), day.month(), day.day(), hour), tz_);
    DecideInput input = Input(now, v1::DEVICE_KIND_TABLET);
    input.session =
        Session("CM1-B", (active & kDeadline) ? now - absl::Minutes(1)
                                              : now + absl::Minutes(20));
    input.manual_lock.set_locked((active & kManual) != 0);
    if (active & kStep) input.session->action = SessionView::Action::kLock;
    v1::LockReason want = v1::LOCK_REASON_NONE;
    if (active & kStep) want = v1::LOCK_REASON_STEP;
    if (active & kManual) want = v1::LOCK_REASON_MANUAL;
    if (active & kDeadline) want = v1::LOCK_REASON_SESSION_DEADLINE;
    if (active & kDowntime) want = v1::LOCK_REASON_DOWNTIME;
    if (active & kNoScreen) want = v1::LOCK_REASON_NO_SCREEN;
    const Decision d = Decide(input);
    EXPECT_EQ(d.reason, want);
    EXPECT_EQ(d.locked, want != v1::LOCK_REASON_NONE);
    EXPECT_EQ(d.activity, d.locked ? "" : "org.tuxpaint.Tuxpaint");
    EXPECT_FALSE(d.counts_as_free_use);
    EXPECT_GT(d.valid_until, now);
  }
}

TEST_F(DecidePolicyTest, PrecedenceOutsideSessions) {
  policy_.mutable_outside_sessions()->set_daily_limit_seconds(1800);
  for (int active = 0; active < 16; ++active) {
    SCOPED_TRACE(active);
    constexpr int kLimit = 1 << 2;  // the daily limit is spent
    constexpr int kManualHere = 1 << 3;
    const absl::CivilDay day = (active & kNoScreen)
                                   ? absl::CivilDay(2027, 5, 24)
                                   : absl::CivilDay(2027, 5, 17);
    const int hour = (active & kDowntime) ? 12 : 10;
    const absl::Time now = absl::FromCivil(
        absl::CivilHour(day.year(), day.month(), day.day(), hour), tz_);
    DecideInput input = Input(now, v1::DEVICE_KIND_WHITEBOARD);
    input.free_use_today =
        (active & kLimit) ? absl::Minutes(30) : absl::Minutes(29);
    input.manual_lock.set_locked((active & kManualHere) != 0);
    v1::LockReason want = v1::LOCK_REASON_NONE;
    if (active & kLimit) want = v1::LOCK_REASON_NO_SESSION;
    if (active & kManualHere) want = v1::LOCK_REASON_MANUAL;
    if (active & kDowntime) want = v1::LOCK_REASON_DOWNTIME;
    if (active & kNoScreen) want = v1::LOCK_REASON_NO_SCREEN;
    const Decision d = Decide(input);
    EXPECT_EQ(d.reason, want);
    EXPECT_EQ(d.counts_as_free_use, want == v1::LOCK_REASON_NONE);
    if (want == v1::LOCK_REASON_NONE) {
      EXPECT_EQ(d.valid_until, now + absl::Minutes(1));
    }
  }
}

TEST_F(DecidePolicyTest, ClockLockBeatsEverything) {
  DecideInput input = Input(At(2027, 5, 24, 12, 0), v1::DEVICE_KIND_TABLET);
  input.time_zone = nullptr;
  input.manual_lock.set_locked(true);
  input.session = Session("CM1-B", At(2027, 5, 24, 11, 0));
  EXPECT_EQ(Decide(input).reason, v1::LOCK_REASON_CLOCK);
}

}  // namespace
}  // namespace ardoise
