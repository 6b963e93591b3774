// Sessions: the console's side of lessons. A session is one run of a plan
// by a class (or one of its groups) on the devices of one or more pools; the
// console owns its clock (steps, pauses, extensions, the deadline), charges
// its running time to the class's weekly half-day, and sends every change to
// its devices as desired state (SessionState), which they run on their own.
//
// Rules (DESIGN.md, The weekly half-day; issue #4):
//  - a class runs at most one session; a device is held by at most one;
//  - a start is refused outside school hours, in a no-screen period (unless
//    the class is exempt), with apps or URLs the policy does not enable, and
//    when the plan is longer than what is left of the week's allowance
//    (both numbers given) unless an override reason is given (audited);
//  - deadline = min(start + allowance left, next downtime, plan end + 5 min),
//    recomputed on start, resume, step change and extension; a paused
//    session's deadline is the next downtime;
//  - consumption = running time, pauses excluded, charged per local day
//    (and so per ISO week) when a running stretch closes (pause, end);
//  - steps advance by themselves; the session ends at its deadline, charged
//    exactly up to it.
// All times are whole seconds of console time, so consumption adds up to
// the second.
//
// Every change runs on the Writer thread (session rows, device states,
// usage and the audit line in one transaction) and reaches the Registry, and
// so the devices, only after the commit.
//
// Thread safety: thread-safe. Start/Steer/Get/Tick may be called from any
// thread (reactors, the maintenance thread) and never block: they post to
// the Writer and answer through `done`.
#ifndef ARDOISE_TEACHER_CONSOLE_SERVER_SESSIONS_H_
#define ARDOISE_TEACHER_CONSOLE_SERVER_SESSIONS_H_

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "ardoise/v1/console.pb.h"
#include "ardoise/v1/session.pb.h"
#include "common/clock.h"
#include "common/plan/plan_parse.h"
#include "common/sqlite.h"
#include "teacher-console/server/policy_book.h"
#include "teacher-console/server/registry.h"
#include "teacher-console/server/session_store.h"
#include "teacher-console/server/writer.h"

namespace ardoise {

// The rows of one class in a week report: one for the whole class when no
// session named a group, else one per group (declared or seen), each
// charged the whole-class sessions plus its own. Pure; exposed for tests.
std::vector<v1::ClassWeek> ClassWeekRows(
    const v1::Class& klass, const std::map<std::string, int64_t>& usage,
    const std::map<std::string, WeekSessions>& sessions, absl::Duration target,
    int half_days, int normal_half_days, bool week_over);

class Sessions final {
 public:
  using Done = std::function<void(absl::StatusOr<v1::Session>)>;

  Sessions(const Clock* clock, Writer* writer, Registry* registry,
           PolicyBook* policies);
  Sessions(const Sessions&) = delete;
  Sessions& operator=(const Sessions&) = delete;

  // Reads the classes, schools and running sessions. At startup, before
  // serving, with the database the Writer will own.
  absl::Status Load(Database& db);

  // A class was created (after its commit): sessions and class targets may
  // name it.
  void AddClass(const v1::Class& klass);

  void Start(v1::StartSessionRequest request, ParsedPlan plan,
             std::string actor, Done done);
  void Steer(v1::SteerSessionRequest request, std::string actor, Done done);
  void Get(std::string class_name, Done done);
  // The weekly half-day report (Console.WeekReport): takes what it needs of
  // the classes and their policies now (under the lock) and returns the
  // query to run on a read-only connection (the ReportWorker's), which
  // touches nothing of this object. Only the request's class when it names
  // one. NOT_FOUND (from the query) for a school without classes.
  using WeekReportQuery =
      std::function<absl::StatusOr<v1::WeekReportResponse>(Database& db)>;
  WeekReportQuery WeekReport(const v1::WeekReportRequest& request) const;

  // Advances steps and ends sessions whose deadline passed. Cheap when
  // nothing is due (no post); called often by the maintenance thread.
  void Tick();

  // The devices a class target reaches: those of its running session, else
  // those of its home room. NOT_FOUND for an unknown class (or a class with
  // neither), with the fix.
  absl::StatusOr<std::vector<std::string>> ClassDevices(
      const std::string& class_name, std::string* described) const;
  bool HasClass(const std::string& class_name) const;
  // The classes other than `class_name` whose home room is `pool` (a
  // teacher may borrow a cart, not another class's room).
  std::vector<std::string> OtherClassesAt(const std::string& pool,
                                          const std::string& class_name) const;
  // The school of a class and that school's time zone; false when unknown.
  bool ClassPlace(const std::string& class_name, std::string* school,
                  std::string* timezone) const;

 private:
  struct ClassInfo {
    v1::Class klass;
    std::string timezone;  // the school's
  };
  // What a change hands to the Registry after the commit.
  struct Outcome {
    v1::Session session;
    std::vector<std::string> device_ids;
    std::vector<v1::SessionState> states;
  };
  using Change = std::function<absl::StatusOr<Outcome>(Database& db)>;
  // Runs `change` on the Writer; after the commit pushes the states and
  // answers `done`.
  void Run(Change change, Done done);

  absl::StatusOr<Outcome> StartLocked(Database& db,
                                      const v1::StartSessionRequest& request,
                                      const ParsedPlan& plan,
                                      const std::string& actor, absl::Time now);
  absl::StatusOr<Outcome> SteerLocked(Database& db,
                                      const v1::SteerSessionRequest& request,
                                      const std::string& actor, absl::Time now);
  // Ends a running session at `at` for `reason` and clears its devices.
  absl::StatusOr<Outcome> EndLocked(Database& db, v1::SessionRecord& record,
                                    absl::Time at, const std::string& reason,
                                    const std::string& actor);
  // Moves the record's steps forward to where the plan stands at `now`.
  void AdvanceLocked(v1::SessionRecord& record, absl::Time now);
  // Recomputes the deadline of a running or paused session at `now`.
  absl::Status SetDeadlineLocked(Database& db, v1::SessionRecord& record,
                                 absl::Time now);
  // Closes the running stretch at `at`: charges it to the class's days.
  absl::Status ChargeLocked(Database& db, v1::SessionRecord& record,
                            absl::Time at);
  // Saves the record and gives every device the record's state.
  absl::StatusOr<Outcome> PublishLocked(Database& db,
                                        const v1::SessionRecord& record,
                                        absl::Time now);
  // The public view, with live devices and the allowance at `now`.
  absl::StatusOr<v1::Session> DescribeLocked(Database& db,
                                             const v1::SessionRecord& record,
                                             absl::Time now) const;
  absl::Time NowSeconds() const;

  const Clock* const clock_;
  Writer* const writer_;
  Registry* const registry_;
  PolicyBook* const policies_;

  mutable absl::Mutex mu_;
  std::map<std::string, ClassInfo> classes_ ABSL_GUARDED_BY(mu_);
  // Running (or paused) sessions by class. Changed only on the Writer
  // thread, read by Tick and class targets.
  std::map<std::string, v1::SessionRecord> running_ ABSL_GUARDED_BY(mu_);
  bool tick_posted_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace ardoise

#endif  // ARDOISE_TEACHER_CONSOLE_SERVER_SESSIONS_H_
