// `ardoise policy lint|apply|explain|status`: IT staff's policy commands.
// `lint` runs locally (no console): it parses and cross-checks the files as
// the console would. The others make one call each.
//
// Thread safety: like commands.h, one thread.
#ifndef ARDOISE_TEACHER_CONSOLE_CLI_POLICY_COMMANDS_H_
#define ARDOISE_TEACHER_CONSOLE_CLI_POLICY_COMMANDS_H_

#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ardoise/v1/console.pb.h"
#include "teacher-console/cli/commands.h"

namespace ardoise::cli {

// Reads the files into a request. NOT_FOUND naming a missing file.
absl::StatusOr<v1::ApplyPolicyRequest> MakeApplyPolicyRequest(
    const std::vector<std::string>& paths, bool dry_run);

// Parses and validates the files together; prints one line per file.
absl::Status LintPolicies(const v1::ApplyPolicyRequest& files,
                          std::ostream& out);

absl::Status ApplyPolicy(Session& session,
                         const v1::ApplyPolicyRequest& request);
absl::Status ExplainPolicy(Session& session,
                           const v1::ExplainPolicyRequest& request);
absl::Status PolicyStatus(Session& session,
                          const v1::PolicyStatusRequest& request);

// Table renderings (pure, tested).
std::string RenderPolicyStatus(const v1::PolicyStatusResponse& response,
                               absl::Time now);
std::string RenderExplain(const v1::ExplainPolicyResponse& response);

}  // namespace ardoise::cli

#endif  // ARDOISE_TEACHER_CONSOLE_CLI_POLICY_COMMANDS_H_
