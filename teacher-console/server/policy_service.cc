// Console: the policy rpcs (apply, explain, status).
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/grpc_status.h"
#include "common/logging.h"
#include "common/proto_time.h"
#include "common/status_macros.h"
#include "teacher-console/server/services.h"
#include "teacher-console/server/store.h"

namespace ardoise {

DeviceScope ScopeOf(const DeviceRecord& record) {
  return DeviceScope{record.school, record.pool, record.name, record.kind};
}

DeviceScope ScopeOf(const v1::Device& device) {
  return DeviceScope{device.school(), device.pool(), device.name(),
                     device.kind()};
}

grpc::ServerUnaryReactor* ConsoleService::ApplyPolicy(
    grpc::CallbackServerContext* ctx, const v1::ApplyPolicyRequest* request,
    v1::ApplyPolicyResponse* response) {
  Caller caller;
  if (auto* refused = Admit(
          context_, ctx, "ApplyPolicy",
          [](const Caller&, RequestScope&) { return absl::OkStatus(); },
          &caller)) {
    return refused;
  }
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  auto refuse = [&](const absl::Status& status) {
    reactor->Finish(ToGrpc(status));
    return reactor;
  };
  if (request->files().empty() ||
      request->files_size() > kMaxPolicyFilesPerApply) {
    return refuse(absl::InvalidArgumentError(
        absl::StrCat("give 1 to ", kMaxPolicyFilesPerApply, " policy files")));
  }
  // Parsing is bounded (256 KiB per file, 64 files) and happens once per
  // apply, a rare admin action: done here rather than hopping threads.
  std::vector<ParsedPolicy> changes;
  std::vector<std::pair<std::string, StoredPolicyFile>> to_store;
  for (const v1::PolicyFile& file : request->files()) {
    auto parsed = ParsePolicy(file.content(), file.name());
    if (!parsed.ok()) return refuse(parsed.status());
    const std::string scope = ScopeLabel(parsed->policy.scope());
    for (const auto& [other_scope, other] : to_store) {
      if (other_scope == scope) {
        return refuse(absl::InvalidArgumentError(
            absl::StrCat(file.name(), " and ", other.name,
                         " both set the scope ", scope, ": merge them")));
      }
    }
    to_store.emplace_back(scope, StoredPolicyFile{file.name(), file.content()});
    changes.push_back(*std::move(parsed));
  }
  auto candidate = context_.policies->Candidate(std::move(changes));
  if (!candidate.ok()) return refuse(candidate.status());
  for (const auto& [scope, file] : to_store) response->add_scopes(scope);
  if (request->dry_run()) {
    response->set_version(context_.policies->snapshot()->version);
    return refuse(absl::OkStatus());
  }

  const absl::Time now = context_.clock->Now();
  const std::string actor = caller.actor;
  auto files =
      std::make_shared<std::vector<ParsedPolicy>>(*std::move(candidate));
  auto version = std::make_shared<int64_t>(0);
  ConsoleContext context = context_;
  context_.writer->Post(
      [=](Database& db) -> absl::Status {
        ARDOISE_ASSIGN_OR_RETURN(*version,
                                 StorePolicies(db, to_store, now, actor));
        std::string scopes;
        for (const auto& [scope, file] : to_store) {
          scopes = scopes.empty() ? scope : absl::StrCat(scopes, ", ", scope);
        }
        return AppendAudit(db, now, actor, "policy.apply", scopes, "ok",
                           absl::StrCat("version ", *version));
      },
      [=](absl::Status status) {
        if (status.ok()) {
          context.policies->Replace(std::move(*files), *version);
          const int changed = context.registry->RefreshPolicies();
          response->set_version(*version);
          response->set_devices_changed(changed);
          ARDOISE_LOG(INFO) << "policy version " << *version << " applied ("
                            << changed << " devices to update)";
        }
        reactor->Finish(ToGrpc(status));
      });
  return reactor;
}

grpc::ServerUnaryReactor* ConsoleService::ExplainPolicy(
    grpc::CallbackServerContext* ctx, const v1::ExplainPolicyRequest* request,
    v1::ExplainPolicyResponse* response) {
  Caller caller;
  if (auto* refused =
          Admit(context_, ctx, "ExplainPolicy",
                ScopeOfDevice(context_, request->device()), &caller)) {
    return refused;
  }
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  auto device = context_.registry->Get(request->device());
  if (!device.ok()) {
    reactor->Finish(ToGrpc(device.status()));
    return reactor;
  }
  auto snapshot = context_.policies->snapshot();
  if (snapshot->version == 0) {
    reactor->Finish(ToGrpc(absl::FailedPreconditionError(
        "no policy applied yet: `ardoise policy apply FILE...` first")));
    return reactor;
  }
  Provenance provenance;
  *response->mutable_policy() =
      PolicyBook::For(*snapshot, ScopeOf(*device), "", &provenance);
  response->set_device(device->name());
  response->set_applied_version(device->state().policy_version());
  for (const auto& [field, source] : provenance.source) {
    (*response->mutable_sources())[field] = source;
  }
  response->set_text(FormatExplain(response->policy(), provenance));
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* ConsoleService::PolicyStatus(
    grpc::CallbackServerContext* ctx, const v1::PolicyStatusRequest* request,
    v1::PolicyStatusResponse* response) {
  Caller caller;
  if (auto* refused = Admit(context_, ctx, "PolicyStatus",
                            ScopeOfSchool(request->school()), &caller)) {
    return refused;
  }
  response->set_current_version(context_.policies->snapshot()->version);
  v1::ListDevicesRequest filter;
  filter.set_school(request->school());
  for (const v1::Device& device : context_.registry->List(filter)) {
    v1::DevicePolicyStatus* row = response->add_devices();
    row->set_id(device.id());
    row->set_name(device.name());
    row->set_school(device.school());
    row->set_applied_version(device.state().policy_version());
    row->set_current(device.state().policy_version() ==
                     device.desired_policy_version());
    row->set_online(device.online());
    *row->mutable_last_seen() = device.last_seen();
  }
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

}  // namespace ardoise
