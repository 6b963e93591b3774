// How long Decide() takes on a device with a realistic city + school policy
// (a French school year: hours, holidays, a no-screen week, exemptions, lock
// texts filled in). The agent runs it on every tick and state change and the
// console once per device shown, so it must stay well under a microsecond.
// Each iteration moves `now` by a second so that no answer repeats.
#include <string>
#include <utility>
#include <vector>

#include "absl/time/civil_time.h"
#include "benchmark/benchmark.h"
#include "common/decide.h"
#include "common/school_time.h"

namespace ardoise {
namespace {

void SetRange(const std::string& name, absl::CivilDay from, absl::CivilDay to,
              v1::DateRange* out) {
  out->set_name(name);
  out->mutable_from()->set_year(static_cast<int>(from.year()));
  out->mutable_from()->set_month(from.month());
  out->mutable_from()->set_day(from.day());
  out->mutable_to()->set_year(static_cast<int>(to.year()));
  out->mutable_to()->set_month(to.month());
  out->mutable_to()->set_day(to.day());
}

v1::EffectivePolicy CityAndSchoolPolicy() {
  v1::EffectivePolicy policy;
  policy.set_version(42);
  policy.set_timezone("Europe/Paris");
  for (int day = v1::WEEKDAY_MONDAY; day <= v1::WEEKDAY_FRIDAY; ++day) {
    v1::DayHours* hours = policy.mutable_school_hours()->add_days();
    hours->set_day(static_cast<v1::Weekday>(day));
    v1::TimeRange* morning = hours->add_ranges();
    morning->set_start_minute(8 * 60 + 30);
    morning->set_end_minute(11 * 60 + 30);
    if (day == v1::WEEKDAY_WEDNESDAY) continue;  // afternoon off
    v1::TimeRange* afternoon = hours->add_ranges();
    afternoon->set_start_minute(13 * 60 + 30);
    afternoon->set_end_minute(16 * 60 + 30);
  }
  const std::vector<std::pair<absl::CivilDay, absl::CivilDay>> holidays = {
      {absl::CivilDay(2026, 10, 17), absl::CivilDay(2026, 11, 1)},
      {absl::CivilDay(2026, 12, 19), absl::CivilDay(2027, 1, 3)},
      {absl::CivilDay(2027, 2, 13), absl::CivilDay(2027, 2, 28)},
      {absl::CivilDay(2027, 3, 29), absl::CivilDay(2027, 3, 29)},
      {absl::CivilDay(2027, 4, 10), absl::CivilDay(2027, 4, 25)},
      {absl::CivilDay(2027, 5, 1), absl::CivilDay(2027, 5, 1)},
      {absl::CivilDay(2027, 5, 6), absl::CivilDay(2027, 5, 9)},
      {absl::CivilDay(2027, 5, 17), absl::CivilDay(2027, 5, 17)},
      {absl::CivilDay(2027, 7, 3), absl::CivilDay(2027, 8, 31)},
  };
  for (const auto& [from, to] : holidays) {
    SetRange("Vacances", from, to, policy.add_holidays());
  }
  v1::OutsideSessions* outside = policy.mutable_outside_sessions();
  outside->set_tablet(v1::FREE_USE_LOCKED);
  outside->set_whiteboard(v1::FREE_USE_FREE);
  outside->set_pc(v1::FREE_USE_FREE);
  outside->set_daily_limit_seconds(2 * 3600);
  policy.set_weekly_allowance_seconds(3 * 3600);
  v1::NoScreenPeriod* week = policy.add_no_screen_periods();
  SetRange("Semaine sans écrans", absl::CivilDay(2027, 5, 24),
           absl::CivilDay(2027, 5, 28), week->mutable_range());
  week->add_kinds(v1::DEVICE_KIND_TABLET);
  week->add_kinds(v1::DEVICE_KIND_WHITEBOARD);
  week->add_kinds(v1::DEVICE_KIND_PC);
  v1::NoScreenPeriod* day = policy.add_no_screen_periods();
  SetRange("Journée sans tablettes", absl::CivilDay(2027, 1, 15),
           absl::CivilDay(2027, 1, 15), day->mutable_range());
  day->add_kinds(v1::DEVICE_KIND_TABLET);
  for (const char* class_name : {"CM2-A", "ULIS"}) {
    v1::Exemption* exemption = policy.add_exemptions();
    exemption->set_class_name(class_name);
    exemption->set_reason("Projet pédagogique validé par la ville");
  }
  v1::Exemption* device = policy.add_exemptions();
  device->set_device("pc-direction");
  device->set_reason("Poste de la direction");
  for (int i = 0; i < 30; ++i) {
    policy.add_apps("org.ardoise.app" + std::to_string(i));
  }
  v1::LockMessages* texts = policy.mutable_messages();
  for (const v1::LockReason reason :
       {v1::LOCK_REASON_NO_SCREEN, v1::LOCK_REASON_DOWNTIME,
        v1::LOCK_REASON_SESSION_DEADLINE, v1::LOCK_REASON_MANUAL,
        v1::LOCK_REASON_STEP, v1::LOCK_REASON_NO_SESSION}) {
    const std::string text = DefaultLockMessage(reason, Language::kFrench);
    switch (reason) {
      case v1::LOCK_REASON_NO_SCREEN:
        texts->set_no_screen(text);
        break;
      case v1::LOCK_REASON_DOWNTIME:
        texts->set_downtime(text);
        break;
      case v1::LOCK_REASON_SESSION_DEADLINE:
        texts->set_session_deadline(text);
        break;
      case v1::LOCK_REASON_MANUAL:
        texts->set_manual(text);
        break;
      case v1::LOCK_REASON_STEP:
        texts->set_step(text);
        break;
      default:
        texts->set_no_session(text);
        break;
    }
  }
  policy.set_retention_days(90);
  return policy;
}

struct Scenario {
  absl::CivilSecond local;  // when, in Paris
  v1::DeviceKind kind;
  bool in_session;
};

void RunScenario(benchmark::State& state, const Scenario& scenario) {
  absl::StatusOr<absl::TimeZone> tz = LoadSchoolTimeZone("Europe/Paris");
  if (!tz.ok()) {
    state.SkipWithError("no Europe/Paris time zone (install tzdata)");
    return;
  }
  const v1::EffectivePolicy policy = CityAndSchoolPolicy();
  DecideInput input;
  input.time_zone = &*tz;
  input.policy = &policy;
  input.kind = scenario.kind;
  input.device_name = "tab-cm1b-07";
  input.free_use_today = absl::Minutes(25);
  const absl::Time base = absl::FromCivil(scenario.local, *tz);
  if (scenario.in_session) {
    SessionView session;
    session.class_name = "CM1-B";
    session.deadline = base + absl::Minutes(45);
    session.action = SessionView::Action::kApp;
    session.target = "org.ardoise.app3";
    input.session = std::move(session);
  }
  int64_t tick = 0;
  bool locked = false;
  for (auto _ : state) {
    input.now = base + absl::Seconds(tick);
    input.confirmed_now = input.now - absl::Milliseconds(3);
    tick = (tick + 1) % 600;
    Decision decision = Decide(input);
    locked = decision.locked;
    benchmark::DoNotOptimize(decision);
  }
  state.counters["calls/s"] = benchmark::Counter(
      static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.SetLabel(locked ? "locked" : "unlocked");
}

// Tuesday 10:00: a CM1 lesson with an app.
void BM_DecideTabletInSession(benchmark::State& state) {
  RunScenario(state, {absl::CivilSecond(2027, 3, 23, 10, 0, 0),
                      v1::DEVICE_KIND_TABLET, true});
}
BENCHMARK(BM_DecideTabletInSession);

// Tuesday 10:00, no lesson: locked, "Pas de séance en cours."
void BM_DecideTabletOutsideSession(benchmark::State& state) {
  RunScenario(state, {absl::CivilSecond(2027, 3, 23, 10, 0, 0),
                      v1::DEVICE_KIND_TABLET, false});
}
BENCHMARK(BM_DecideTabletOutsideSession);

// Tuesday 10:00, a whiteboard in free use, counting against the limit.
void BM_DecideWhiteboardFreeUse(benchmark::State& state) {
  RunScenario(state, {absl::CivilSecond(2027, 3, 23, 10, 0, 0),
                      v1::DEVICE_KIND_WHITEBOARD, false});
}
BENCHMARK(BM_DecideWhiteboardFreeUse);

// Friday 18:00 before the DST weekend and Easter Monday: looks 4 days on.
void BM_DecideTabletLongWeekend(benchmark::State& state) {
  RunScenario(state, {absl::CivilSecond(2027, 3, 26, 18, 0, 0),
                      v1::DEVICE_KIND_TABLET, false});
}
BENCHMARK(BM_DecideTabletLongWeekend);

// The middle of the spring holidays.
void BM_DecideTabletInHolidays(benchmark::State& state) {
  RunScenario(state, {absl::CivilSecond(2027, 4, 14, 10, 0, 0),
                      v1::DEVICE_KIND_TABLET, false});
}
BENCHMARK(BM_DecideTabletInHolidays);

// The no-screen week, in a lesson.
void BM_DecideTabletNoScreenWeek(benchmark::State& state) {
  RunScenario(state, {absl::CivilSecond(2027, 5, 25, 10, 0, 0),
                      v1::DEVICE_KIND_TABLET, true});
}
BENCHMARK(BM_DecideTabletNoScreenWeek);

}  // namespace
}  // namespace ardoise

BENCHMARK_MAIN();
