#include "teacher-console/cli/policy_commands.h"

#include "absl/strings/str_cat.h"
#include "common/files.h"
#include "common/policy/policy_merge.h"
#include "common/policy/policy_parse.h"
#include "common/proto_time.h"
#include "common/status_macros.h"
#include "teacher-console/cli/format.h"

namespace ardoise::cli {

absl::StatusOr<v1::ApplyPolicyRequest> MakeApplyPolicyRequest(
    const std::vector<std::string>& paths, bool dry_run) {
  v1::ApplyPolicyRequest request;
  request.set_dry_run(dry_run);
  for (const std::string& path : paths) {
    auto content = ReadFile(path);
    if (!content.ok()) {
      return absl::NotFoundError(absl::StrCat("cannot read ", path));
    }
    v1::PolicyFile* file = request.add_files();
    file->set_name(path);
    file->set_content(*std::move(content));
  }
  return request;
}

absl::Status LintPolicies(const v1::ApplyPolicyRequest& files,
                          std::ostream& out) {
  std::vector<ParsedPolicy> parsed;
  for (const v1::PolicyFile& file : files.files()) {
    ARDOISE_ASSIGN_OR_RETURN(ParsedPolicy policy,
                             ParsePolicy(file.content(), file.name()));
    parsed.push_back(std::move(policy));
  }
  ARDOISE_RETURN_IF_ERROR(ValidatePolicySet(parsed));
  for (const ParsedPolicy& policy : parsed) {
    out << "ok  " << policy.file << "  (" << ScopeLabel(policy.policy.scope())
        << ")\n";
  }
  return absl::OkStatus();
}

absl::Status ApplyPolicy(Session& session,
                         const v1::ApplyPolicyRequest& request) {
  v1::ApplyPolicyResponse response;
  ARDOISE_RETURN_IF_ERROR(Call(
      session, &v1::Console::StubInterface::ApplyPolicy, request, &response));
  return Print(session, response, [&] {
    std::string scopes;
    for (const std::string& scope : response.scopes()) {
      scopes = scopes.empty() ? scope : absl::StrCat(scopes, ", ", scope);
    }
    if (request.dry_run()) {
      return absl::StrCat("Valid: ", scopes, " (nothing stored; version ",
                          response.version(), " stays in force)\n");
    }
    return absl::StrCat("Applied policy version ", response.version(), " (",
                        scopes, "): ", response.devices_changed(),
                        " devices to update. Follow them with `ardoise "
                        "policy status`.\n");
  });
}

absl::Status ExplainPolicy(Session& session,
                           const v1::ExplainPolicyRequest& request) {
  v1::ExplainPolicyResponse response;
  ARDOISE_RETURN_IF_ERROR(Call(
      session, &v1::Console::StubInterface::ExplainPolicy, request, &response));
  return Print(session, response, [&] { return RenderExplain(response); });
}

absl::Status PolicyStatus(Session& session,
                          const v1::PolicyStatusRequest& request) {
  v1::PolicyStatusResponse response;
  ARDOISE_RETURN_IF_ERROR(Call(
      session, &v1::Console::StubInterface::PolicyStatus, request, &response));
  return Print(session, response, [&] {
    return RenderPolicyStatus(response, session.clock->Now());
  });
}

std::string RenderPolicyStatus(const v1::PolicyStatusResponse& response,
                               absl::Time now) {
  std::string out = absl::StrCat(
      "Policy version in force: ", response.current_version(), "\n");
  Table table({"NAME", "SCHOOL", "RUNS", "STATE", "STATUS", "LAST SEEN"});
  int stale = 0;
  for (const v1::DevicePolicyStatus& d : response.devices()) {
    if (!d.current()) ++stale;
    table.AddRow({d.name(), d.school(), absl::StrCat(d.applied_version()),
                  d.current() ? "current" : "stale",
                  d.online() ? "online" : "offline",
                  FormatRelative(FromProto(d.last_seen()), now)});
  }
  absl::StrAppend(&out, table.Render());
  if (stale > 0) {
    absl::StrAppend(&out, stale,
                    " stale: offline devices update when they reconnect.\n");
  }
  return out;
}

std::string RenderExplain(const v1::ExplainPolicyResponse& response) {
  return absl::StrCat("Effective policy of ", response.device(), ": version ",
                      response.policy().version(), " (the device runs ",
                      response.applied_version(), ")\n", response.text());
}

}  // namespace ardoise::cli
