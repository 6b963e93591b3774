#include "common/session_timeline.h"

#include "absl/strings/str_cat.h"
#include "common/proto_time.h"

namespace ardoise {

absl::Duration PlanLength(const v1::Plan& plan) {
  return PlanLengthFrom(plan, 0);
}

absl::Duration PlanLengthFrom(const v1::Plan& plan, int from) {
  absl::Duration total;
  for (int i = std::max(0, from); i < plan.steps_size(); ++i) {
    total += absl::Seconds(plan.steps(i).duration_seconds());
  }
  return total;
}

SessionPosition PositionAt(const v1::SessionState& state, absl::Time now) {
  SessionPosition position;
  const int last = std::max(0, state.plan().steps_size() - 1);
  position.step = std::min(std::max(0, state.step_index()), last);
  position.paused = state.paused();
  const absl::Time deadline = state.has_deadline() ? FromProto(state.deadline())
                                                   : absl::InfiniteFuture();
  position.over = now >= deadline;
  absl::Time ends = FromProto(state.step_ends_at());
  if (position.paused) {
    position.planned_end = ends;
    return position;
  }
  while (position.step < last && now >= ends) {
    ++position.step;
    ends += absl::Seconds(state.plan().steps(position.step).duration_seconds());
  }
  position.planned_end = ends;
  position.step_ends = position.step < last ? ends : absl::InfiniteFuture();
  return position;
}

std::optional<SessionView> SessionViewAt(const v1::SessionState& state,
                                         absl::Time now) {
  if (state.session_id().empty()) return std::nullopt;
  const SessionPosition position = PositionAt(state, now);
  SessionView view;
  view.class_name = state.class_name();
  view.deadline = state.has_deadline() ? FromProto(state.deadline())
                                       : absl::InfiniteFuture();
  view.paused = state.paused();
  view.action = SessionView::Action::kLock;
  if (position.step < state.plan().steps_size()) {
    const v1::PlanStep& step = state.plan().steps(position.step);
    const v1::TabletAction& tablets = step.tablets();
    switch (tablets.kind_case()) {
      case v1::TabletAction::kApp:
        view.action = SessionView::Action::kApp;
        view.target = tablets.app().app();
        break;
      case v1::TabletAction::kUrl:
        view.action = SessionView::Action::kUrl;
        view.target = tablets.url().url();
        break;
      case v1::TabletAction::kFree:
        view.action = SessionView::Action::kFree;
        break;
      case v1::TabletAction::kLock:
        view.message = tablets.lock().message();
        break;
      default:  // unknown kind: lock
        break;
    }
    if (step.whiteboard().has_app()) view.whiteboard = step.whiteboard().app();
    if (step.whiteboard().has_url()) view.whiteboard = step.whiteboard().url();
  }
  // The next change: the step ending, or the deadline (Decide adds it).
  view.changes_at = position.step_ends;
  return view;
}

std::string DescribeTablets(const v1::TabletAction& action) {
  switch (action.kind_case()) {
    case v1::TabletAction::kLock:
      return action.lock().message().empty()
                 ? "lock"
                 : absl::StrCat("lock « ", action.lock().message(), " »");
    case v1::TabletAction::kApp:
      return absl::StrCat("app ", action.app().app());
    case v1::TabletAction::kUrl:
      return absl::StrCat("url ", action.url().url());
    case v1::TabletAction::kFree:
      return "free";
    default:
      return "lock (unknown step kind)";
  }
}

std::string DescribeWhiteboard(const v1::WhiteboardAction& action) {
  switch (action.kind_case()) {
    case v1::WhiteboardAction::kApp:
      return absl::StrCat("app ", action.app());
    case v1::WhiteboardAction::kUrl:
      return absl::StrCat("url ", action.url());
    case v1::WhiteboardAction::kPupilScreen:
      return "pupil screen";
    default:
      return "none";
  }
}

}  // namespace ardoise
