#include "teacher-console/server/sessions.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/decide.h"
#include "common/duration.h"
#include "common/half_day.h"
#include "common/logging.h"
#include "common/proto_time.h"
#include "common/random.h"
#include "common/school_time.h"
#include "common/session_timeline.h"
#include "common/status_macros.h"
#include "teacher-console/server/services.h"
#include "teacher-console/server/session_store.h"
#include "teacher-console/server/store.h"

namespace ardoise {
namespace {

absl::Time Floor(absl::Time t) {
  return absl::FromUnixSeconds(absl::ToUnixSeconds(t));
}

int64_t Seconds(absl::Duration d) { return absl::ToInt64Seconds(d); }

std::string Minutes(absl::Duration d) {
  return absl::StrCat(absl::ToInt64Minutes(d));
}

// The policy a class's sessions obey: its school's, with the class layer.
v1::EffectivePolicy ClassPolicy(const PolicyBook& book,
                                const v1::Class& klass) {
  DeviceScope scope;
  scope.school = klass.school();
  scope.kind = v1::DEVICE_KIND_TABLET;
  return PolicyBook::For(*book.snapshot(), scope, klass.name(), nullptr);
}

// Running time a group's pupils already had this week: whole-class sessions
// plus their group's; for the whole class, the most served group counts.
absl::Duration UsedBy(const std::map<std::string, int64_t>& usage,
                      const std::string& group) {
  int64_t whole = 0;
  int64_t groups = 0;
  for (const auto& [name, seconds] : usage) {
    if (name.empty()) {
      whole = seconds;
    } else if (group.empty() || name == group) {
      groups = std::max(groups, seconds);
    }
  }
  return absl::Seconds(whole + groups);
}

// The zone of a class's schedules: its policy's, else its school's.
absl::StatusOr<absl::TimeZone> ZoneFor(const v1::EffectivePolicy& policy,
                                       const std::string& school_zone) {
  return LoadSchoolTimeZone(!policy.timezone().empty() ? policy.timezone()
                            : !school_zone.empty()     ? school_zone
                                                       : kDefaultTimeZone);
}

// The Writer's done callback for a read that filled `*result`.
template <typename T>
Writer::Done AnswerWith(std::shared_ptr<T> result,
                        std::function<void(absl::StatusOr<T>)> done) {
  return [result, done = std::move(done)](absl::Status status) {
    if (!status.ok()) {
      done(status);
    } else {
      done(std::move(*result));
    }
  };
}

const char* EndReasonFor(const std::string& cause) {
  if (cause == "allowance") return "allowance used up";
  if (cause == "school_hours") return "school hours over";
  if (cause == "plan") return "plan finished";
  return "deadline";
}

}  // namespace

std::vector<v1::ClassWeek> ClassWeekRows(
    const v1::Class& klass, const std::map<std::string, int64_t>& usage,
    const std::map<std::string, WeekSessions>& sessions, absl::Duration target,
    int half_days, int normal_half_days, bool week_over) {
  std::vector<std::string> groups;
  auto seen = [&](const std::string& group) {
    if (!group.empty() &&
        std::find(groups.begin(), groups.end(), group) == groups.end()) {
      groups.push_back(group);
    }
  };
  for (const auto& [group, seconds] : usage) seen(group);
  for (const auto& [group, count] : sessions) seen(group);
  if (!groups.empty()) {
    for (const std::string& group : klass.groups()) seen(group);
    std::sort(groups.begin(), groups.end());
  } else {
    groups.push_back("");
  }
  auto find_usage = [&](const std::string& group) -> int64_t {
    auto it = usage.find(group);
    return it == usage.end() ? 0 : it->second;
  };
  const int64_t target_seconds = absl::ToInt64Seconds(target);
  std::vector<v1::ClassWeek> rows;
  for (const std::string& group : groups) {
    v1::ClassWeek row;
    row.set_school(klass.school());
    row.set_class_name(klass.name());
    row.set_group(group);
    const int64_t used =
        find_usage("") + (group.empty() ? 0 : find_usage(group));
    row.set_used_seconds(used);
    row.set_target_seconds(target_seconds);
    row.set_half_days(half_days);
    row.set_normal_half_days(normal_half_days);
    row.set_percent(target_seconds > 0
                        ? static_cast<int32_t>(used * 100 / target_seconds)
                        : 0);
    if (used > target_seconds) {
      row.set_flag(v1::ClassWeek::FLAG_OVER);
    } else if (used * 2 >= target_seconds) {
      row.set_flag(v1::ClassWeek::FLAG_ON_TARGET);
    } else {
      row.set_flag(week_over ? v1::ClassWeek::FLAG_UNDER
                             : v1::ClassWeek::FLAG_IN_PROGRESS);
    }
    for (const std::string& key : {std::string(), group}) {
      auto it = sessions.find(key);
      if (it == sessions.end()) continue;
      row.set_sessions(row.sessions() + it->second.count);
      for (const std::string& reason : it->second.override_reasons) {
        row.add_override_reasons(reason);
      }
      if (group.empty()) break;  // "" already counted
    }
    row.set_overrides(row.override_reasons_size());
    rows.push_back(std::move(row));
  }
  return rows;
}

Sessions::Sessions(const Clock* clock, Writer* writer, Registry* registry,
                   PolicyBook* policies)
    : clock_(clock),
      writer_(writer),
      registry_(registry),
      policies_(policies) {}

absl::Time Sessions::NowSeconds() const { return Floor(clock_->Now()); }

absl::Status Sessions::Load(Database& db) {
  ARDOISE_ASSIGN_OR_RETURN(std::vector<v1::School> schools, LoadSchools(db));
  ARDOISE_ASSIGN_OR_RETURN(std::vector<v1::Class> classes, LoadClasses(db, ""));
  ARDOISE_ASSIGN_OR_RETURN(std::vector<v1::SessionRecord> running,
                           LoadRunningSessions(db));
  absl::MutexLock lock(&mu_);
  for (const v1::Class& klass : classes) {
    ClassInfo info;
    info.klass = klass;
    for (const v1::School& school : schools) {
      if (school.name() == klass.school()) info.timezone = school.timezone();
    }
    classes_[klass.name()] = std::move(info);
  }
  for (v1::SessionRecord& record : running) {
    std::string name = record.session().class_name();
    running_[name] = std::move(record);
  }
  return absl::OkStatus();
}

void Sessions::AddClass(const v1::Class& klass) {
  // The school's zone is read when a session starts (schools are few).
  absl::MutexLock lock(&mu_);
  classes_[klass.name()].klass = klass;
}

bool Sessions::HasClass(const std::string& class_name) const {
  absl::MutexLock lock(&mu_);
  return classes_.count(class_name) > 0;
}

std::vector<std::string> Sessions::OtherClassesAt(
    const std::string& pool, const std::string& class_name) const {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> out;
  for (const auto& [name, info] : classes_) {
    if (name != class_name && info.klass.home_room() == pool) {
      out.push_back(name);
    }
  }
  return out;
}

bool Sessions::ClassPlace(const std::string& class_name, std::string* school,
                          std::string* timezone) const {
  absl::MutexLock lock(&mu_);
  auto it = classes_.find(class_name);
  if (it == classes_.end()) return false;
  *school = it->second.klass.school();
  *timezone = it->second.timezone;
  return true;
}

absl::StatusOr<std::vector<std::string>> Sessions::ClassDevices(
    const std::string& class_name, std::string* described) const {
  std::string home_room;
  {
    absl::MutexLock lock(&mu_);
    auto session = running_.find(class_name);
    if (session != running_.end()) {
      const v1::Session& s = session->second.session();
      std::vector<std::string> ids;
      for (const v1::SessionDevice& device : s.devices()) {
        ids.push_back(device.id());
      }
      std::sort(ids.begin(), ids.end());
      *described = absl::StrCat("class ", class_name, " (session ", s.id(),
                                ", ", ids.size(), " devices)");
      return ids;
    }
    auto klass = classes_.find(class_name);
    if (klass == classes_.end()) {
      return absl::NotFoundError(absl::StrCat(
          "no class \"", class_name, "\" (see `ardoise classes list`)"));
    }
    home_room = klass->second.klass.home_room();
  }
  if (home_room.empty()) {
    return absl::NotFoundError(absl::StrCat(
        "class ", class_name,
        " runs no session and has no home room: name a device or a pool"));
  }
  std::vector<std::string> ids;
  for (const v1::Device& device : registry_->InPools({home_room})) {
    ids.push_back(device.id());
  }
  if (ids.empty()) {
    return absl::NotFoundError(absl::StrCat("class ", class_name,
                                            " runs no session and its home "
                                            "room ",
                                            home_room, " has no device"));
  }
  *described =
      absl::StrCat("class ", class_name, " (home room ", home_room, ")");
  return ids;
}

void Sessions::Run(Change change, Done done) {
  auto outcome =
      std::make_shared<absl::StatusOr<Outcome>>(absl::UnknownError("not run"));
  Registry* registry = registry_;
  writer_->Post(
      [change = std::move(change), outcome](Database& db) -> absl::Status {
        *outcome = change(db);
        return outcome->status();
      },
      [registry, outcome, done = std::move(done)](absl::Status status) {
        if (!status.ok()) {
          if (done) done(status);
          return;
        }
        registry->SetDesiredSessions((*outcome)->device_ids,
                                     (*outcome)->states);
        if (done) done(std::move((*outcome)->session));
      });
}

void Sessions::Start(v1::StartSessionRequest request, ParsedPlan plan,
                     std::string actor, Done done) {
  Run(
      [this, request = std::move(request), plan = std::move(plan),
       actor = std::move(actor)](Database& db) -> absl::StatusOr<Outcome> {
        absl::MutexLock lock(&mu_);
        return StartLocked(db, request, plan, actor, NowSeconds());
      },
      std::move(done));
}

void Sessions::Steer(v1::SteerSessionRequest request, std::string actor,
                     Done done) {
  Run(
      [this, request = std::move(request),
       actor = std::move(actor)](Database& db) -> absl::StatusOr<Outcome> {
        absl::MutexLock lock(&mu_);
        return SteerLocked(db, request, actor, NowSeconds());
      },
      std::move(done));
}

void Sessions::Get(std::string class_name, Done done) {
  auto result = std::make_shared<v1::Session>();
  writer_->Post(
      [this, class_name = std::move(class_name),
       result](Database& db) -> absl::Status {
        absl::MutexLock lock(&mu_);
        const absl::Time now = NowSeconds();
        auto running = running_.find(class_name);
        if (running != running_.end()) {
          v1::SessionRecord record = running->second;
          AdvanceLocked(record, now);
          ARDOISE_ASSIGN_OR_RETURN(*result, DescribeLocked(db, record, now));
          return absl::OkStatus();
        }
        if (classes_.count(class_name) == 0) {
          return absl::NotFoundError(absl::StrCat(
              "no class \"", class_name, "\" (see `ardoise classes list`)"));
        }
        ARDOISE_ASSIGN_OR_RETURN(v1::SessionRecord last,
                                 LoadLastSession(db, class_name));
        ARDOISE_ASSIGN_OR_RETURN(*result, DescribeLocked(db, last, now));
        return absl::OkStatus();
      },
      AnswerWith(result, std::move(done)));
}

Sessions::WeekReportQuery Sessions::WeekReport(
    const v1::WeekReportRequest& request) const {
  struct Row {
    v1::Class klass;
    std::string timezone;
    v1::EffectivePolicy policy;
  };
  std::vector<Row> rows;
  bool school_seen = request.school().empty();
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [name, info] : classes_) {
      if (!request.school().empty() &&
          info.klass.school() != request.school()) {
        continue;
      }
      school_seen = true;
      if (!request.class_name().empty() && name != request.class_name()) {
        continue;
      }
      rows.push_back(
          {info.klass, info.timezone, ClassPolicy(*policies_, info.klass)});
    }
  }
  const absl::Time now = clock_->Now();
  return [request, rows = std::move(rows), school_seen,
          now](Database& db) -> absl::StatusOr<v1::WeekReportResponse> {
    if (!school_seen) {
      return absl::NotFoundError(
          absl::StrCat("no class in school \"", request.school(),
                       "\" (see `ardoise classes list`)"));
    }
    std::optional<IsoWeek> asked;
    if (!request.week().empty()) {
      ARDOISE_ASSIGN_OR_RETURN(asked, ParseIsoWeek(request.week()));
    }
    v1::WeekReportResponse result;
    bool all_over = true;
    for (const Row& row : rows) {
      const std::string& name = row.klass.name();
      ARDOISE_ASSIGN_OR_RETURN(absl::TimeZone zone,
                               ZoneFor(row.policy, row.timezone));
      const IsoWeek week = asked ? *asked : IsoWeekOf(now, zone);
      if (result.week().empty()) result.set_week(FormatIsoWeek(week));
      const absl::Time from =
          absl::FromCivil(absl::CivilSecond(MondayOf(week)), zone);
      const absl::Time to =
          absl::FromCivil(absl::CivilSecond(MondayOf(week) + 7), zone);
      const bool over = now >= to;
      all_over = all_over && over;
      ARDOISE_ASSIGN_OR_RETURN(auto usage, ClassWeekUsage(db, name, week));
      ARDOISE_ASSIGN_OR_RETURN(auto sessions,
                               ClassWeekSessions(db, name, from, to));
      for (v1::ClassWeek& out : ClassWeekRows(
               row.klass, usage, sessions, WeeklyAllowance(row.policy, week),
               SchoolHalfDaysInWeek(row.policy, week),
               NormalWeekHalfDays(row.policy), over)) {
        *result.add_classes() = std::move(out);
      }
    }
    if (result.week().empty() && asked) result.set_week(FormatIsoWeek(*asked));
    result.set_week_over(result.classes_size() > 0 && all_over);
    std::sort(result.mutable_classes()->begin(),
              result.mutable_classes()->end(),
              [](const v1::ClassWeek& a, const v1::ClassWeek& b) {
                return std::tie(a.school(), a.class_name(), a.group()) <
                       std::tie(b.school(), b.class_name(), b.group());
              });
    return result;
  };
}

void Sessions::Tick() {
  {
    absl::MutexLock lock(&mu_);
    if (tick_posted_ || running_.empty()) return;
    const absl::Time now = clock_->Now();
    bool due = false;
    for (const auto& [name, record] : running_) {
      const SessionPosition position = PositionAt(record.state(), now);
      if (position.over || position.step > record.session().current_step()) {
        due = true;
        break;
      }
    }
    if (!due) return;
    tick_posted_ = true;
  }
  Run(
      [this](Database& db) -> absl::StatusOr<Outcome> {
        absl::MutexLock lock(&mu_);
        tick_posted_ = false;
        const absl::Time now = NowSeconds();
        Outcome all;
        // Advanced copies, kept only once every save of this work succeeded
        // (a failure rolls the work back: memory must not run ahead).
        std::vector<v1::SessionRecord> advanced;
        std::vector<std::string> names;
        for (const auto& [name, record] : running_) names.push_back(name);
        for (const std::string& name : names) {
          v1::SessionRecord record = running_[name];
          const SessionPosition position = PositionAt(record.state(), now);
          if (position.over) {
            v1::SessionRecord ending = record;  // EndLocked forgets `record`
            const absl::Time deadline = FromProto(ending.state().deadline());
            AdvanceLocked(ending, deadline);
            ARDOISE_ASSIGN_OR_RETURN(
                Outcome ended,
                EndLocked(db, ending, deadline,
                          EndReasonFor(ending.deadline_cause()), "console"));
            for (size_t i = 0; i < ended.device_ids.size(); ++i) {
              all.device_ids.push_back(ended.device_ids[i]);
              all.states.push_back(ended.states[i]);
            }
            continue;
          }
          if (position.step > record.session().current_step()) {
            AdvanceLocked(record, now);
            ARDOISE_RETURN_IF_ERROR(SaveSession(db, record));
            ARDOISE_RETURN_IF_ERROR(AppendAudit(
                db, now, "console", "session.step", name, "ok",
                absl::StrCat("session=", record.session().id(),
                             " step=", record.session().current_step() + 1)));
            advanced.push_back(std::move(record));
          }
        }
        for (v1::SessionRecord& record : advanced) {
          running_[record.session().class_name()] = std::move(record);
        }
        return all;
      },
      [](absl::StatusOr<v1::Session> result) {
        if (!result.ok()) {
          ARDOISE_LOG(ERROR) << "sessions: " << result.status();
        }
      });
}

void Sessions::AdvanceLocked(v1::SessionRecord& record, absl::Time now) {
  v1::Session* session = record.mutable_session();
  if (session->status() != v1::Session::STATUS_RUNNING) return;
  const SessionPosition position = PositionAt(record.state(), now);
  // Step boundaries, from the state's schedule.
  absl::Time boundary = FromProto(record.state().step_ends_at());
  int step = record.state().step_index();
  while (step < session->current_step()) {
    ++step;
    boundary +=
        absl::Seconds(record.state().plan().steps(step).duration_seconds());
  }
  while (session->current_step() < position.step) {
    const int k = session->current_step();
    v1::SessionStep* done = session->mutable_steps(k);
    ToProto(boundary, done->mutable_ended_at());
    done->set_ran_seconds(
        done->ran_seconds() +
        Seconds(boundary - FromProto(record.step_running_since())));
    v1::SessionStep* next = session->mutable_steps(k + 1);
    ToProto(boundary, next->mutable_started_at());
    ToProto(boundary, record.mutable_step_running_since());
    session->set_current_step(k + 1);
    boundary += absl::Seconds(next->planned_seconds());
  }
}

absl::Status Sessions::ChargeLocked(Database& db, v1::SessionRecord& record,
                                    absl::Time at) {
  if (!record.has_running_since()) return absl::OkStatus();
  const absl::Time from = FromProto(record.running_since());
  record.clear_running_since();
  v1::Session* session = record.mutable_session();
  if (at <= from) return absl::OkStatus();
  session->set_running_seconds(session->running_seconds() + Seconds(at - from));
  v1::SessionStep* step = session->mutable_steps(session->current_step());
  step->set_ran_seconds(step->ran_seconds() +
                        Seconds(at - FromProto(record.step_running_since())));
  auto it = classes_.find(session->class_name());
  if (it == classes_.end()) {
    return absl::InternalError("a running session's class is unknown");
  }
  ARDOISE_ASSIGN_OR_RETURN(
      absl::TimeZone zone,
      ZoneFor(ClassPolicy(*policies_, it->second.klass), it->second.timezone));
  return ChargeClassUsage(db, session->school(), session->class_name(),
                          session->group(), SplitByLocalDay(from, at, zone));
}

absl::Status Sessions::SetDeadlineLocked(Database& db,
                                         v1::SessionRecord& record,
                                         absl::Time now) {
  v1::Session* session = record.mutable_session();
  auto klass = classes_.find(session->class_name());
  if (klass == classes_.end()) {
    return absl::InternalError("a running session's class is unknown");
  }
  const v1::EffectivePolicy policy =
      ClassPolicy(*policies_, klass->second.klass);
  auto zone = ZoneFor(policy, klass->second.timezone);
  if (!zone.ok()) return zone.status();

  absl::Time deadline = absl::InfiniteFuture();
  std::string cause;
  auto consider = [&](absl::Time t, const char* why) {
    if (t < deadline) {
      deadline = t;
      cause = why;
    }
  };
  if (policy.version() > 0) {
    const SchoolHoursSpan span = SchoolHoursAround(policy, *zone, now);
    consider(span.in_school_hours ? span.ends : now, "school_hours");
  }
  if (!record.state().paused()) {
    const SessionPosition position = PositionAt(record.state(), now);
    consider(position.planned_end +
                 PlanLengthFrom(record.state().plan(), position.step + 1) +
                 kPlanGrace,
             "plan");
    if (session->override_reason().empty()) {
      const IsoWeek week = IsoWeekOf(now, *zone);
      ARDOISE_ASSIGN_OR_RETURN(auto usage,
                               ClassWeekUsage(db, session->class_name(), week));
      absl::Duration used = UsedBy(usage, session->group());
      if (record.has_running_since()) {
        used += now - FromProto(record.running_since());
      }
      const absl::Duration left =
          std::max(absl::ZeroDuration(), WeeklyAllowance(policy, week) - used);
      consider(now + left, "allowance");
    }
  }
  if (deadline == absl::InfiniteFuture()) deadline = now + absl::Hours(12);
  ToProto(deadline, record.mutable_state()->mutable_deadline());
  ToProto(deadline, session->mutable_deadline());
  record.set_deadline_cause(cause);
  return absl::OkStatus();
}

absl::StatusOr<Sessions::Outcome> Sessions::PublishLocked(
    Database& db, const v1::SessionRecord& record, absl::Time now) {
  ARDOISE_RETURN_IF_ERROR(SaveSession(db, record));
  Outcome outcome;
  for (const v1::SessionDevice& device : record.session().devices()) {
    outcome.device_ids.push_back(device.id());
  }
  v1::SessionState state = record.state();
  if (record.session().status() == v1::Session::STATUS_ENDED) {
    state = v1::SessionState();  // no session holds the devices any more
  }
  ARDOISE_ASSIGN_OR_RETURN(outcome.states,
                           StoreSessionStates(db, outcome.device_ids, state));
  ARDOISE_ASSIGN_OR_RETURN(outcome.session, DescribeLocked(db, record, now));
  return outcome;
}

absl::StatusOr<Sessions::Outcome> Sessions::StartLocked(
    Database& db, const v1::StartSessionRequest& request,
    const ParsedPlan& plan, const std::string& actor, absl::Time now) {
  const std::string& name = request.class_name();
  auto klass_it = classes_.find(name);
  if (klass_it == classes_.end()) {
    return absl::NotFoundError(
        absl::StrCat("no class \"", name, "\" (see `ardoise classes list`)"));
  }
  ClassInfo& info = klass_it->second;
  if (info.timezone.empty()) {
    ARDOISE_ASSIGN_OR_RETURN(std::vector<v1::School> schools, LoadSchools(db));
    for (const v1::School& school : schools) {
      if (school.name() == info.klass.school())
        info.timezone = school.timezone();
    }
  }
  const v1::Class& klass = info.klass;
  if (!request.group().empty() &&
      std::find(klass.groups().begin(), klass.groups().end(),
                request.group()) == klass.groups().end()) {
    return absl::NotFoundError(absl::StrCat(
        "class ", name, " has no group \"", request.group(), "\" (its groups: ",
        klass.groups().empty() ? "none" : absl::StrJoin(klass.groups(), ", "),
        ")"));
  }
  if (auto running = running_.find(name); running != running_.end()) {
    const v1::Session& s = running->second.session();
    return absl::FailedPreconditionError(
        absl::StrCat("class ", name, " already runs session ", s.id(), " (\"",
                     s.plan_title(), "\", started by ", s.started_by(),
                     "); end it first with `ardoise session end ", name, "`"));
  }

  // The devices: the pools given, else the home room; a borrowed cart
  // joins the home room's whiteboards.
  std::vector<std::string> pools(request.pools().begin(),
                                 request.pools().end());
  if (pools.empty()) {
    if (klass.home_room().empty()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "class ", name,
          " has no home room: name the devices with --devices POOL"));
    }
    pools.push_back(klass.home_room());
  }
  std::vector<v1::Device> devices = registry_->InPools(pools);
  for (const std::string& pool : pools) {
    if (std::none_of(devices.begin(), devices.end(),
                     [&](const v1::Device& d) { return d.pool() == pool; })) {
      return absl::FailedPreconditionError(absl::StrCat(
          "pool \"", pool,
          "\" has no enrolled device (see `ardoise devices list --pool ", pool,
          "`)"));
    }
  }
  for (const v1::Device& device : devices) {
    if (device.school() != klass.school()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "device ", device.name(), " (pool ", device.pool(),
          ") belongs to school ", device.school(), ", not ", klass.school()));
    }
  }
  const bool has_whiteboard =
      std::any_of(devices.begin(), devices.end(), [](const v1::Device& d) {
        return d.kind() == v1::DEVICE_KIND_WHITEBOARD;
      });
  if (!has_whiteboard && !klass.home_room().empty() &&
      std::find(pools.begin(), pools.end(), klass.home_room()) == pools.end()) {
    for (v1::Device& device : registry_->InPools({klass.home_room()})) {
      if (device.kind() == v1::DEVICE_KIND_WHITEBOARD) {
        devices.push_back(std::move(device));
      }
    }
  }
  for (const v1::Device& device : devices) {
    for (const auto& [other, record] : running_) {
      for (const v1::SessionDevice& held : record.session().devices()) {
        if (held.id() == device.id()) {
          return absl::FailedPreconditionError(
              absl::StrCat("device ", device.name(), " (pool ", device.pool(),
                           ") is busy in the session of class ", other,
                           "; wait for it to end or take other devices"));
        }
      }
    }
  }

  // The rules of the school and the week.
  const v1::EffectivePolicy policy = ClassPolicy(*policies_, klass);
  ARDOISE_ASSIGN_OR_RETURN(absl::TimeZone zone, ZoneFor(policy, info.timezone));
  if (policy.version() > 0) {
    ARDOISE_RETURN_IF_ERROR(CheckPlanApps(plan, policy));
    const SchoolHoursSpan span = SchoolHoursAround(policy, zone, now);
    if (!span.in_school_hours) {
      return absl::FailedPreconditionError(absl::StrCat(
          "outside school hours: sessions can start during school hours only",
          span.ends == absl::InfiniteFuture()
              ? std::string()
              : absl::StrCat(
                    " (next: ",
                    absl::FormatTime("%A %Y-%m-%d %H:%M", span.ends, zone),
                    ")")));
    }
    DecideInput input;
    input.now = now;
    input.time_zone = &zone;
    input.policy = &policy;
    input.kind = v1::DEVICE_KIND_TABLET;
    SessionView view;
    view.class_name = name;
    input.session = view;
    const Decision decision = Decide(input);
    if (decision.locked && decision.reason == v1::LOCK_REASON_NO_SCREEN) {
      return absl::FailedPreconditionError(
          absl::StrCat("no-screen period \"", decision.no_screen_period,
                       "\": no session can start (an exemption for class ",
                       name, " in the policy would allow it)"));
    }
  }
  const IsoWeek week = IsoWeekOf(now, zone);
  const absl::Duration allowance = WeeklyAllowance(
      policy.version() > 0 ? policy : v1::EffectivePolicy(), week);
  ARDOISE_ASSIGN_OR_RETURN(auto usage, ClassWeekUsage(db, name, week));
  const absl::Duration used = UsedBy(usage, request.group());
  const absl::Duration left = std::max(absl::ZeroDuration(), allowance - used);
  const absl::Duration length = PlanLength(plan.plan);
  const std::string who =
      request.group().empty() ? name : absl::StrCat(name, "/", request.group());
  if (length > left && request.override_reason().empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat(who, " : il reste ", Minutes(left), " min cette semaine (",
                     Minutes(used), "/", Minutes(allowance),
                     ") ; la séance en demande ", Minutes(length),
                     " (IT staff may start it anyway with --override REASON)"));
  }

  // The session.
  v1::SessionRecord record;
  v1::Session* session = record.mutable_session();
  session->set_id(absl::StrCat("s-", RandomHex(4)));
  session->set_school(klass.school());
  session->set_class_name(name);
  session->set_group(request.group());
  session->set_plan_title(plan.plan.title());
  session->set_plan_name(request.plan_name());
  session->set_status(v1::Session::STATUS_RUNNING);
  for (const v1::PlanStep& step : plan.plan.steps()) {
    v1::SessionStep* s = session->add_steps();
    s->set_title(step.title());
    s->set_planned_seconds(step.duration_seconds());
    s->set_tablets(DescribeTablets(step.tablets()));
    s->set_whiteboard(DescribeWhiteboard(step.whiteboard()));
  }
  session->set_current_step(0);
  ToProto(now, session->mutable_started_at());
  ToProto(now, session->mutable_steps(0)->mutable_started_at());
  for (const std::string& pool : pools) session->add_pools(pool);
  session->set_override_reason(request.override_reason());
  session->set_started_by(actor);
  for (const v1::Device& device : devices) {
    v1::SessionDevice* d = session->add_devices();
    d->set_id(device.id());
    d->set_name(device.name());
    d->set_kind(device.kind());
  }
  v1::SessionState* state = record.mutable_state();
  state->set_session_id(session->id());
  state->set_school(klass.school());
  state->set_class_name(name);
  state->set_group(request.group());
  *state->mutable_plan() = plan.plan;
  state->set_step_index(0);
  ToProto(now + absl::Seconds(plan.plan.steps(0).duration_seconds()),
          state->mutable_step_ends_at());
  ToProto(now, state->mutable_started_at());
  ToProto(now, record.mutable_running_since());
  ToProto(now, record.mutable_step_running_since());
  ARDOISE_RETURN_IF_ERROR(SetDeadlineLocked(db, record, now));

  ARDOISE_ASSIGN_OR_RETURN(Outcome outcome, PublishLocked(db, record, now));
  ARDOISE_RETURN_IF_ERROR(AppendAudit(
      db, now, actor, "session.start", who,
      request.override_reason().empty() ? "ok" : "ok (override)",
      absl::StrCat("session=", session->id(), " plan=", request.plan_name(),
                   " devices=", devices.size(), " left=", Minutes(left),
                   "min length=", Minutes(length), "min",
                   request.override_reason().empty()
                       ? std::string()
                       : absl::StrCat(" override=\"", request.override_reason(),
                                      "\""))));
  running_[name] = std::move(record);
  return outcome;
}

absl::StatusOr<Sessions::Outcome> Sessions::SteerLocked(
    Database& db, const v1::SteerSessionRequest& request,
    const std::string& actor, absl::Time now) {
  const std::string& name = request.class_name();
  auto it = running_.find(name);
  if (it == running_.end()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "class ", name,
        classes_.count(name) ? " runs no session" : " does not exist",
        " (start one with `ardoise session start ", name, " PLAN.yaml`)"));
  }
  v1::SessionRecord record = it->second;  // changed copy, kept on success
  v1::Session* session = record.mutable_session();
  v1::SessionState* state = record.mutable_state();
  // A deadline already passed: the session is over whatever was asked.
  if (PositionAt(*state, now).over) {
    const absl::Time deadline = FromProto(state->deadline());
    AdvanceLocked(record, deadline);
    return EndLocked(db, record, deadline,
                     EndReasonFor(record.deadline_cause()), "console");
  }
  AdvanceLocked(record, now);
  const bool paused = session->status() == v1::Session::STATUS_PAUSED;
  const int step = session->current_step();
  const int steps = session->steps_size();
  std::string detail;
  switch (request.action()) {
    case v1::SteerSessionRequest::ACTION_END:
      return EndLocked(db, record, now, "teacher", actor);
    case v1::SteerSessionRequest::ACTION_NEXT: {
      if (step + 1 >= steps)
        return EndLocked(db, record, now, "plan finished", actor);
      if (!paused) {
        ARDOISE_RETURN_IF_ERROR(ChargeLocked(db, record, now));
        ToProto(now, record.mutable_running_since());
      }
      ToProto(now, session->mutable_steps(step)->mutable_ended_at());
      ToProto(now, session->mutable_steps(step + 1)->mutable_started_at());
      session->set_current_step(step + 1);
      ToProto(now, record.mutable_step_running_since());
      state->set_step_index(step + 1);
      const absl::Duration planned =
          absl::Seconds(state->plan().steps(step + 1).duration_seconds());
      if (paused) {
        state->set_step_left_seconds(Seconds(planned));
        record.clear_running_since();
      } else {
        ToProto(now + planned, state->mutable_step_ends_at());
      }
      detail = absl::StrCat("step=", step + 2);
      break;
    }
    case v1::SteerSessionRequest::ACTION_EXTEND: {
      const int64_t add = request.extend_seconds();
      if (add < 60 || add > 14400) {
        return absl::InvalidArgumentError(
            "extend by 1 minute to 4 hours (e.g. 5m)");
      }
      const SessionPosition position = PositionAt(*state, now);
      if (!paused && session->override_reason().empty() &&
          record.deadline_cause() == "allowance") {
        // What the plan still needs, with the extension, must fit.
        const absl::Duration needed =
            position.planned_end - now + absl::Seconds(add) +
            PlanLengthFrom(state->plan(), position.step + 1);
        const absl::Duration left = FromProto(state->deadline()) - now;
        if (needed > left) {
          return absl::FailedPreconditionError(absl::StrCat(
              name, " : il reste ", Minutes(left),
              " min cette semaine ; la fin de la séance prolongée en demande ",
              Minutes(needed)));
        }
      }
      if (paused) {
        state->set_step_left_seconds(state->step_left_seconds() + add);
      } else {
        // The schedule restarts from the current step, longer by `add`.
        state->set_step_index(position.step);
        ToProto(position.planned_end + absl::Seconds(add),
                state->mutable_step_ends_at());
      }
      session->mutable_steps(step)->set_planned_seconds(
          session->steps(step).planned_seconds() + add);
      state->mutable_plan()->mutable_steps(step)->set_duration_seconds(
          state->plan().steps(step).duration_seconds() + add);
      detail = absl::StrCat("step=", step + 1, " +",
                            ardoise::FormatDuration(absl::Seconds(add)));
      break;
    }
    case v1::SteerSessionRequest::ACTION_PAUSE: {
      if (paused) {
        return absl::FailedPreconditionError(absl::StrCat(
            "the session of ", name,
            " is already paused (resume it with `ardoise session resume ", name,
            "`)"));
      }
      const SessionPosition position = PositionAt(*state, now);
      ARDOISE_RETURN_IF_ERROR(ChargeLocked(db, record, now));
      state->set_step_index(position.step);
      state->set_paused(true);
      state->set_step_left_seconds(
          std::max<int64_t>(0, Seconds(position.planned_end - now)));
      session->set_status(v1::Session::STATUS_PAUSED);
      ToProto(now, record.mutable_paused_since());
      break;
    }
    case v1::SteerSessionRequest::ACTION_RESUME: {
      if (!paused) {
        return absl::FailedPreconditionError(
            absl::StrCat("the session of ", name, " is not paused"));
      }
      session->set_paused_seconds(
          session->paused_seconds() +
          Seconds(now - FromProto(record.paused_since())));
      record.clear_paused_since();
      state->set_paused(false);
      ToProto(now + absl::Seconds(state->step_left_seconds()),
              state->mutable_step_ends_at());
      state->set_step_left_seconds(0);
      session->set_status(v1::Session::STATUS_RUNNING);
      ToProto(now, record.mutable_running_since());
      ToProto(now, record.mutable_step_running_since());
      break;
    }
    default:
      return absl::InvalidArgumentError(
          "say what to do: next, extend, pause, resume or end");
  }
  ARDOISE_RETURN_IF_ERROR(SetDeadlineLocked(db, record, now));
  if (request.action() == v1::SteerSessionRequest::ACTION_RESUME &&
      FromProto(state->deadline()) <= now) {
    return absl::FailedPreconditionError(
        absl::StrCat("the session of ", name,
                     " cannot resume: ", EndReasonFor(record.deadline_cause()),
                     " (end it with `ardoise session end ", name, "`)"));
  }
  ARDOISE_ASSIGN_OR_RETURN(Outcome outcome, PublishLocked(db, record, now));
  const char* verb = "";
  switch (request.action()) {
    case v1::SteerSessionRequest::ACTION_NEXT:
      verb = "session.next";
      break;
    case v1::SteerSessionRequest::ACTION_EXTEND:
      verb = "session.extend";
      break;
    case v1::SteerSessionRequest::ACTION_PAUSE:
      verb = "session.pause";
      break;
    default:
      verb = "session.resume";
      break;
  }
  ARDOISE_RETURN_IF_ERROR(
      AppendAudit(db, now, actor, verb, name, "ok",
                  absl::StrCat("session=", session->id(),
                               detail.empty() ? "" : " ", detail)));
  it->second = std::move(record);
  return outcome;
}

absl::StatusOr<Sessions::Outcome> Sessions::EndLocked(
    Database& db, v1::SessionRecord& record, absl::Time at,
    const std::string& reason, const std::string& actor) {
  v1::Session* session = record.mutable_session();
  if (session->status() == v1::Session::STATUS_PAUSED) {
    session->set_paused_seconds(session->paused_seconds() +
                                Seconds(at - FromProto(record.paused_since())));
    record.clear_paused_since();
  }
  ARDOISE_RETURN_IF_ERROR(ChargeLocked(db, record, at));
  v1::SessionStep* step = session->mutable_steps(session->current_step());
  if (!step->has_ended_at()) ToProto(at, step->mutable_ended_at());
  session->set_status(v1::Session::STATUS_ENDED);
  ToProto(at, session->mutable_ended_at());
  session->set_end_reason(reason);
  // Who took part and who dropped out, as the session ends.
  std::vector<std::string> ids;
  for (const v1::SessionDevice& d : session->devices()) ids.push_back(d.id());
  const std::vector<v1::Device> live = registry_->GetMany(ids);
  for (v1::SessionDevice& d : *session->mutable_devices()) {
    for (const v1::Device& device : live) {
      if (device.id() != d.id()) continue;
      if (device.state().session_id() == session->id()) d.set_took_part(true);
      d.set_online(device.online());
      d.set_dropped_out(d.took_part() && !device.online());
    }
  }
  ARDOISE_ASSIGN_OR_RETURN(Outcome outcome, PublishLocked(db, record, at));
  ARDOISE_RETURN_IF_ERROR(
      AppendAudit(db, at, actor, "session.end", session->class_name(), "ok",
                  absl::StrCat("session=", session->id(), " reason=\"", reason,
                               "\" ran=", session->running_seconds(), "s")));
  running_.erase(session->class_name());
  return outcome;
}

absl::StatusOr<v1::Session> Sessions::DescribeLocked(
    Database& db, const v1::SessionRecord& record, absl::Time now) const {
  v1::Session out = record.session();
  const bool ended = out.status() == v1::Session::STATUS_ENDED;
  if (!ended) {
    if (record.has_running_since()) {
      const absl::Duration open = now - FromProto(record.running_since());
      out.set_running_seconds(out.running_seconds() + Seconds(open));
      v1::SessionStep* step = out.mutable_steps(out.current_step());
      step->set_ran_seconds(
          step->ran_seconds() +
          Seconds(now - FromProto(record.step_running_since())));
    }
    if (record.has_paused_since()) {
      out.set_paused_seconds(out.paused_seconds() +
                             Seconds(now - FromProto(record.paused_since())));
      out.set_step_left_seconds(record.state().step_left_seconds());
    } else {
      const SessionPosition position = PositionAt(record.state(), now);
      out.set_step_left_seconds(
          std::max<int64_t>(0, Seconds(position.planned_end - now)));
    }
  }
  // Live device states.
  std::vector<std::string> ids;
  for (const v1::SessionDevice& d : out.devices()) ids.push_back(d.id());
  const std::vector<v1::Device> live = registry_->GetMany(ids);
  for (v1::SessionDevice& d : *out.mutable_devices()) {
    for (const v1::Device& device : live) {
      if (device.id() != d.id()) continue;
      *d.mutable_state() = device.state();
      if (!ended) {
        d.set_online(device.online());
        if (device.state().session_id() == out.id()) d.set_took_part(true);
        d.set_dropped_out(d.took_part() && !device.online());
      }
    }
  }
  // The allowance of the week the session started in.
  auto klass = classes_.find(out.class_name());
  if (klass != classes_.end()) {
    const v1::EffectivePolicy policy =
        ClassPolicy(*policies_, klass->second.klass);
    auto zone = ZoneFor(policy, klass->second.timezone);
    if (zone.ok()) {
      const IsoWeek week = IsoWeekOf(FromProto(out.started_at()), *zone);
      ARDOISE_ASSIGN_OR_RETURN(auto usage,
                               ClassWeekUsage(db, out.class_name(), week));
      absl::Duration used = UsedBy(usage, out.group());
      if (!ended && record.has_running_since() &&
          IsoWeekOf(now, *zone) == week) {
        used += now - FromProto(record.running_since());
      }
      const absl::Duration allowance = WeeklyAllowance(policy, week);
      v1::Allowance* a = out.mutable_allowance();
      a->set_week(FormatIsoWeek(week));
      a->set_allowance_seconds(Seconds(allowance));
      a->set_used_seconds(Seconds(used));
      a->set_left_seconds(
          std::max<int64_t>(0, Seconds(allowance) - Seconds(used)));
      a->set_half_days(SchoolHalfDaysInWeek(policy, week));
      a->set_normal_half_days(NormalWeekHalfDays(policy));
    }
  }
  return out;
}

}  // namespace ardoise
