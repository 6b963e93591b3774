// `ardoise session start|next|extend|pause|resume|end|status`: a teacher's
// lesson (DESIGN.md, "The weekly half-day"). `start` reads the plan file
// here and sends its text; the console parses and checks it (the same
// parser as `plans/` tests) and refuses with file:line:column. The others
// name the class and make one call each; every answer is the session as it
// stands, printed as a status block or `-o json`.
//
// Thread safety: like commands.h, one thread.
#ifndef ARDOISE_TEACHER_CONSOLE_CLI_SESSION_COMMANDS_H_
#define ARDOISE_TEACHER_CONSOLE_CLI_SESSION_COMMANDS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ardoise/v1/console.pb.h"
#include "teacher-console/cli/commands.h"

namespace ardoise::cli {

// `session start CLASS[/GROUP] PLAN.yaml [--devices POOL]... [--override R]`.
struct StartFlags {
  std::string class_group;  // "cm1-b" or "cm1-b/A"
  std::string plan_file;
  std::vector<std::string> pools;
  std::string override_reason;
};
// The request without the plan's text (read when the command runs).
absl::StatusOr<v1::StartSessionRequest> MakeStartRequest(
    const StartFlags& flags);

// `session next|extend|pause|resume|end CLASS [DURATION]`.
absl::StatusOr<v1::SteerSessionRequest> MakeSteerRequest(
    const std::string& class_name, v1::SteerSessionRequest::Action action,
    const std::string& duration);

absl::Status StartSession(Session& session,
                          const v1::StartSessionRequest& request);
absl::Status SteerSession(Session& session,
                          const v1::SteerSessionRequest& request);
absl::Status GetSession(Session& session, const v1::GetSessionRequest& request);

// The status block: what runs, the clock, the week's allowance, the steps
// and the devices; for an ended session, its summary. Times in `zone`.
std::string RenderSession(const v1::Session& session, absl::Time now,
                          absl::TimeZone zone);

}  // namespace ardoise::cli

#endif  // ARDOISE_TEACHER_CONSOLE_CLI_SESSION_COMMANDS_H_
