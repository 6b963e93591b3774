#include "common/session_timeline.h"

#include "common/proto_time.h"
#include "gtest/gtest.h"

namespace ardoise {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1795420800);

// Three steps: lock 10 min, app 5 min, url 10 min; started at kStart.
v1::SessionState ThreeSteps() {
  v1::SessionState state;
  state.set_version(1);
  state.set_session_id("s-1");
  state.set_class_name("cm1-b");
  auto add = [&](int minutes) {
    v1::PlanStep* step = state.mutable_plan()->add_steps();
    step->set_duration_seconds(minutes * 60);
    return step;
  };
  add(10)->mutable_tablets()->mutable_lock()->set_message("Regardez");
  v1::PlanStep* app = add(5);
  app->mutable_tablets()->mutable_app()->set_app("gcompris");
  app->mutable_whiteboard()->set_app("tuxpaint");
  add(10)->mutable_tablets()->mutable_url()->set_url("https://lumni.fr");
  ToProto(kStart + absl::Minutes(10), state.mutable_step_ends_at());
  ToProto(kStart + absl::Minutes(30), state.mutable_deadline());
  return state;
}

TEST(SessionTimelineTest, PlanLengthAddsTheSteps) {
  EXPECT_EQ(PlanLength(ThreeSteps().plan()), absl::Minutes(25));
  EXPECT_EQ(PlanLengthFrom(ThreeSteps().plan(), 1), absl::Minutes(15));
  EXPECT_EQ(PlanLengthFrom(ThreeSteps().plan(), 3), absl::ZeroDuration());
}

TEST(SessionTimelineTest, StepsAdvanceAtTheirPlannedDurations) {
  const v1::SessionState state = ThreeSteps();
  SessionPosition p = PositionAt(state, kStart + absl::Minutes(9));
  EXPECT_EQ(p.step, 0);
  EXPECT_EQ(p.step_ends, kStart + absl::Minutes(10));
  p = PositionAt(state, kStart + absl::Minutes(10));
  EXPECT_EQ(p.step, 1);
  EXPECT_EQ(p.step_ends, kStart + absl::Minutes(15));
  p = PositionAt(state, kStart + absl::Minutes(16));
  EXPECT_EQ(p.step, 2);
  EXPECT_EQ(p.step_ends, absl::InfiniteFuture()) << "the last step runs on";
  EXPECT_EQ(p.planned_end, kStart + absl::Minutes(25));
  EXPECT_FALSE(p.over);
  // Past the plan's end, until the deadline, the last step still runs.
  p = PositionAt(state, kStart + absl::Minutes(28));
  EXPECT_EQ(p.step, 2);
  EXPECT_FALSE(p.over);
  EXPECT_TRUE(PositionAt(state, kStart + absl::Minutes(30)).over);
}

TEST(SessionTimelineTest, APausedSessionStaysOnItsStep) {
  v1::SessionState state = ThreeSteps();
  state.set_paused(true);
  state.set_step_left_seconds(120);
  const SessionPosition p = PositionAt(state, kStart + absl::Minutes(20));
  EXPECT_EQ(p.step, 0);
  EXPECT_TRUE(p.paused);
  EXPECT_EQ(p.step_ends, absl::InfiniteFuture());
  const std::optional<SessionView> view =
      SessionViewAt(state, kStart + absl::Minutes(20));
  ASSERT_TRUE(view.has_value());
  EXPECT_TRUE(view->paused);
}

TEST(SessionTimelineTest, ViewsFollowTheStepKinds) {
  const v1::SessionState state = ThreeSteps();
  std::optional<SessionView> view = SessionViewAt(state, kStart);
  ASSERT_TRUE(view.has_value());
  EXPECT_EQ(view->action, SessionView::Action::kLock);
  EXPECT_EQ(view->message, "Regardez");
  EXPECT_EQ(view->class_name, "cm1-b");
  EXPECT_EQ(view->deadline, kStart + absl::Minutes(30));
  EXPECT_EQ(view->changes_at, kStart + absl::Minutes(10));
  view = SessionViewAt(state, kStart + absl::Minutes(12));
  EXPECT_EQ(view->action, SessionView::Action::kApp);
  EXPECT_EQ(view->target, "gcompris");
  EXPECT_EQ(view->whiteboard, "tuxpaint");
  view = SessionViewAt(state, kStart + absl::Minutes(20));
  EXPECT_EQ(view->action, SessionView::Action::kUrl);
  EXPECT_EQ(view->target, "https://lumni.fr");
  EXPECT_EQ(view->whiteboard, "");
}

TEST(SessionTimelineTest, NoSessionIdMeansNoSession) {
  v1::SessionState state = ThreeSteps();
  state.clear_session_id();
  EXPECT_FALSE(SessionViewAt(state, kStart).has_value());
}

TEST(SessionTimelineTest, AnUnknownStepKindLocks) {
  v1::SessionState state = ThreeSteps();
  state.mutable_plan()->mutable_steps(0)->mutable_tablets()->clear_kind();
  const std::optional<SessionView> view = SessionViewAt(state, kStart);
  ASSERT_TRUE(view.has_value());
  EXPECT_EQ(view->action, SessionView::Action::kLock);
  EXPECT_EQ(DescribeTablets(state.plan().steps(0).tablets()),
            "lock (unknown step kind)");
}

TEST(SessionTimelineTest, DescriptionsForPeople) {
  const v1::SessionState state = ThreeSteps();
  EXPECT_EQ(DescribeTablets(state.plan().steps(0).tablets()),
            "lock « Regardez »");
  EXPECT_EQ(DescribeTablets(state.plan().steps(1).tablets()), "app gcompris");
  EXPECT_EQ(DescribeWhiteboard(state.plan().steps(1).whiteboard()),
            "app tuxpaint");
  EXPECT_EQ(DescribeWhiteboard(state.plan().steps(0).whiteboard()), "none");
}

}  // namespace
}  // namespace ardoise
