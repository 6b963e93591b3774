#include "teacher-console/cli/session_commands.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/duration.h"
#include "common/files.h"
#include "common/proto_time.h"
#include "common/status_macros.h"
#include "teacher-console/cli/format.h"
#include "teacher-console/cli/requests.h"

namespace ardoise::cli {
namespace {

std::string Span(int64_t seconds) {
  return ardoise::FormatDuration(absl::Seconds(seconds));
}

std::string Clock(const google::protobuf::Timestamp& t, absl::TimeZone zone) {
  return absl::FormatTime("%H:%M:%S", FromProto(t), zone);
}

std::string StatusName(v1::Session::Status status) {
  switch (status) {
    case v1::Session::STATUS_RUNNING:
      return "running";
    case v1::Session::STATUS_PAUSED:
      return "paused";
    case v1::Session::STATUS_ENDED:
      return "ended";
    default:
      return "?";
  }
}

std::string ScreenOf(const v1::DeviceState& state) {
  if (state.locked()) {
    return absl::StrCat("locked (", LockReasonName(state.lock_reason()), ")");
  }
  return state.activity().empty() ? "unlocked" : state.activity();
}

}  // namespace

absl::StatusOr<v1::StartSessionRequest> MakeStartRequest(
    const StartFlags& flags) {
  v1::StartSessionRequest request;
  const size_t slash = flags.class_group.find('/');
  request.set_class_name(flags.class_group.substr(0, slash));
  if (slash != std::string::npos) {
    request.set_group(flags.class_group.substr(slash + 1));
  }
  if (request.class_name().empty() ||
      (slash != std::string::npos && request.group().empty())) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad CLASS \"", flags.class_group,
                     "\": write CLASS or CLASS/GROUP, e.g. cm1-b/A"));
  }
  if (flags.plan_file.empty()) {
    return absl::InvalidArgumentError("missing PLAN.yaml");
  }
  request.set_plan_name(flags.plan_file);
  for (const std::string& pool : flags.pools) request.add_pools(pool);
  request.set_override_reason(flags.override_reason);
  return request;
}

absl::StatusOr<v1::SteerSessionRequest> MakeSteerRequest(
    const std::string& class_name, v1::SteerSessionRequest::Action action,
    const std::string& duration) {
  v1::SteerSessionRequest request;
  request.set_class_name(class_name);
  request.set_action(action);
  if (action == v1::SteerSessionRequest::ACTION_EXTEND) {
    if (duration.empty()) {
      return absl::InvalidArgumentError(
          "missing DURATION: e.g. `ardoise session extend cm1-b 5m`");
    }
    ARDOISE_ASSIGN_OR_RETURN(const int64_t seconds,
                             ParseSecondsFlag("DURATION", duration));
    request.set_extend_seconds(seconds);
  }
  return request;
}

absl::Status StartSession(Session& session,
                          const v1::StartSessionRequest& request) {
  v1::StartSessionRequest full = request;
  auto text = ReadFile(request.plan_name());
  if (!text.ok()) {
    return absl::NotFoundError(absl::StrCat("cannot read the plan ",
                                            request.plan_name(), ": ",
                                            text.status().message()));
  }
  full.set_plan_yaml(*text);
  v1::Session response;
  ARDOISE_RETURN_IF_ERROR(Call(
      session, &v1::Console::StubInterface::StartSession, full, &response));
  return Print(session, response, [&] {
    return RenderSession(response, session.clock->Now(), absl::LocalTimeZone());
  });
}

absl::Status SteerSession(Session& session,
                          const v1::SteerSessionRequest& request) {
  v1::Session response;
  ARDOISE_RETURN_IF_ERROR(Call(
      session, &v1::Console::StubInterface::SteerSession, request, &response));
  return Print(session, response, [&] {
    return RenderSession(response, session.clock->Now(), absl::LocalTimeZone());
  });
}

absl::Status GetSession(Session& session,
                        const v1::GetSessionRequest& request) {
  v1::Session response;
  ARDOISE_RETURN_IF_ERROR(Call(session, &v1::Console::StubInterface::GetSession,
                               request, &response));
  return Print(session, response, [&] {
    return RenderSession(response, session.clock->Now(), absl::LocalTimeZone());
  });
}

std::string RenderSession(const v1::Session& s, absl::Time /*now*/,
                          absl::TimeZone zone) {
  const bool ended = s.status() == v1::Session::STATUS_ENDED;
  std::vector<std::pair<std::string, std::string>> pairs;
  pairs.push_back(
      {"session", absl::StrCat(s.id(), " · ", s.class_name(),
                               s.group().empty() ? "" : "/", s.group(), " · ",
                               s.plan_title(), " (", s.plan_name(), ")")});
  std::string status = StatusName(s.status());
  if (ended) {
    absl::StrAppend(&status, " at ", Clock(s.ended_at(), zone), " (",
                    s.end_reason(), ")");
  } else if (s.current_step() < s.steps_size()) {
    absl::StrAppend(&status, " · step ", s.current_step() + 1, "/",
                    s.steps_size(), " \"", s.steps(s.current_step()).title(),
                    "\" · ", Span(s.step_left_seconds()), " left in it");
  }
  pairs.push_back({"status", status});
  pairs.push_back({"started", absl::StrCat(Clock(s.started_at(), zone), " by ",
                                           s.started_by())});
  if (!ended) pairs.push_back({"deadline", Clock(s.deadline(), zone)});
  pairs.push_back({"ran", absl::StrCat(Span(s.running_seconds()), " (paused ",
                                       Span(s.paused_seconds()), ")")});
  const v1::Allowance& a = s.allowance();
  pairs.push_back(
      {"week", absl::StrCat(a.week(), ": ", a.used_seconds() / 60, "/",
                            a.allowance_seconds() / 60, " min used, ",
                            a.left_seconds() / 60, " min left (", a.half_days(),
                            "/", a.normal_half_days(), " half-days)")});
  if (!s.override_reason().empty()) {
    pairs.push_back({"override", s.override_reason()});
  }
  if (ended) {
    int took_part = 0;
    std::vector<std::string> dropped;
    for (const v1::SessionDevice& d : s.devices()) {
      if (d.took_part()) ++took_part;
      if (d.dropped_out()) dropped.push_back(d.name());
    }
    pairs.push_back(
        {"devices",
         absl::StrCat(took_part, " of ", s.devices_size(),
                      " took part; dropped out: ",
                      dropped.empty() ? std::string("none")
                                      : absl::StrJoin(dropped, ", "))});
  }
  std::string out = RenderKeyValues(pairs);

  Table steps({"STEP", "TITLE", "PLANNED", "RAN", "TABLETS", "WHITEBOARD"});
  for (int i = 0; i < s.steps_size(); ++i) {
    const v1::SessionStep& step = s.steps(i);
    const bool current = !ended && i == s.current_step();
    steps.AddRow({absl::StrCat(i + 1, current ? " >" : ""), step.title(),
                  Span(step.planned_seconds()),
                  step.has_started_at() ? Span(step.ran_seconds()) : "-",
                  step.tablets(), step.whiteboard()});
  }
  absl::StrAppend(&out, "\n", steps.Render());
  if (ended) {
    Table devices({"DEVICE", "KIND", "TOOK PART", "DROPPED OUT"});
    for (const v1::SessionDevice& d : s.devices()) {
      devices.AddRow({d.name(), KindName(d.kind()),
                      d.took_part() ? "yes" : "no",
                      d.dropped_out() ? "yes" : "no"});
    }
    absl::StrAppend(&out, "\n", devices.Render());
    return out;
  }
  Table devices({"DEVICE", "KIND", "ONLINE", "STEP", "SCREEN"});
  for (const v1::SessionDevice& d : s.devices()) {
    const bool holds = d.state().session_id() == s.id();
    devices.AddRow({d.name(), KindName(d.kind()), d.online() ? "yes" : "no",
                    holds ? absl::StrCat(d.state().session_step() + 1) : "-",
                    ScreenOf(d.state())});
  }
  absl::StrAppend(&out, "\n", devices.Render());
  return out;
}

}  // namespace ardoise::cli
