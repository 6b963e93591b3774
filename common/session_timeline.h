// Where a session stands at an instant: which step runs, until when, and
// what the device must show. The console and every agent compute this from
// the same SessionState (desired state with absolute instants), so a device
// cut off from the console still advances through the steps and locks at
// the deadline on its own, and the console's status agrees with it.
//
// Thread safety: pure functions over values.
#ifndef ARDOISE_COMMON_SESSION_TIMELINE_H_
#define ARDOISE_COMMON_SESSION_TIMELINE_H_

#include <optional>
#include <string>

#include "absl/time/time.h"
#include "ardoise/v1/plan.pb.h"
#include "ardoise/v1/session.pb.h"
#include "common/decide.h"

namespace ardoise {

// After the plan's last step ends, the session may run this much longer
// before its deadline (DESIGN.md: plan end + 5 min grace).
inline constexpr absl::Duration kPlanGrace = absl::Minutes(5);

// The planned length of a plan: the sum of its steps' durations.
absl::Duration PlanLength(const v1::Plan& plan);

// The planned length of steps [from, end) of a plan.
absl::Duration PlanLengthFrom(const v1::Plan& plan, int from);

struct SessionPosition {
  // Index of the step running at the instant. Steps advance at their
  // planned durations from the state's step_ends_at; the last step runs on
  // until the deadline.
  int step = 0;
  // When that step ends by itself; InfiniteFuture for the last step and
  // while paused.
  absl::Time step_ends = absl::InfiniteFuture();
  // When that step ends as planned, the last one included (while paused:
  // the state's step_ends_at, meaningless).
  absl::Time planned_end = absl::InfiniteFuture();
  bool paused = false;
  // The deadline has passed.
  bool over = false;
};

// The position of a session that holds a device (session_id not empty) at
// `now`. A state without steps stays at step 0.
SessionPosition PositionAt(const v1::SessionState& state, absl::Time now);

// What Decide needs to know of the session holding a device, or nullopt when
// the state holds no session. An unknown tablet action (a newer plan kind)
// reads as a lock, the safe default.
std::optional<SessionView> SessionViewAt(const v1::SessionState& state,
                                         absl::Time now);

// Short descriptions for people and logs: "lock « Regardez le tableau »",
// "app gcompris", "url https://...", "free"; whiteboard: "app tuxpaint",
// "url ...", "pupil screen", "none".
std::string DescribeTablets(const v1::TabletAction& action);
std::string DescribeWhiteboard(const v1::WhiteboardAction& action);

}  // namespace ardoise

#endif  // ARDOISE_COMMON_SESSION_TIMELINE_H_
