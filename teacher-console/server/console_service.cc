// Console: the API of people's tools.
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/enrollment_token.h"
#include "common/grpc_status.h"
#include "common/logging.h"
#include "common/proto_time.h"
#include "common/status_macros.h"
#include "teacher-console/server/services.h"
#include "teacher-console/server/store.h"

namespace ardoise {

grpc::ServerUnaryReactor* Admit(const ConsoleContext& context,
                                grpc::CallbackServerContext* ctx,
                                std::string_view rpc,
                                const ScopeResolver& resolve, Caller* caller) {
  const absl::Time now = context.clock->Now();
  std::string authorization;
  const auto& metadata = ctx->client_metadata();
  auto header = metadata.find("authorization");
  if (header != metadata.end()) {
    authorization.assign(header->second.data(), header->second.size());
  }
  absl::Status refusal;
  std::string actor = absl::StrCat("anonymous@", ctx->peer());
  absl::StatusOr<Caller> found =
      context.accounts->Authenticate(authorization, now, ctx->peer());
  if (!found.ok()) {
    refusal = found.status();
  } else {
    *caller = *std::move(found);
    actor = caller->actor;
    RequestScope scope;
    absl::Status resolved = resolve(*caller, scope);
    if (!resolved.ok()) {
      // Telling a stranger what exists would leak: only after the role
      // allows the rpc at all does a resolution error reach the caller.
      absl::Status allowed =
          Authorize(*caller, rpc, RequestScope{}, *context.accounts, now);
      if (allowed.ok() || !absl::IsPermissionDenied(allowed)) {
        grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
        reactor->Finish(ToGrpc(resolved));
        return reactor;
      }
      refusal = allowed;
    } else {
      refusal = Authorize(*caller, rpc, scope, *context.accounts, now);
    }
  }
  if (refusal.ok()) return nullptr;
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  ARDOISE_LOG(INFO) << "denied " << rpc << " to " << actor << ": "
                    << refusal.message();
  context.writer->Post(
      [=, rpc = std::string(rpc)](Database& db) {
        return AppendAudit(db, now, actor, "denied", rpc, "denied",
                           std::string(refusal.message()));
      },
      [reactor, refusal](absl::Status) { reactor->Finish(ToGrpc(refusal)); });
  return reactor;
}

void AddDevicesToScope(const ConsoleContext& context,
                       const std::vector<std::string>& ids,
                       RequestScope& scope) {
  scope.has_devices = true;
  scope.devices.insert(scope.devices.end(), ids.begin(), ids.end());
  std::vector<std::string> schools = context.registry->SchoolsOf(ids);
  scope.device_schools.insert(scope.device_schools.end(),
                              std::make_move_iterator(schools.begin()),
                              std::make_move_iterator(schools.end()));
}

// The scope of a request about one device (name or id).
ScopeResolver ScopeOfDevice(const ConsoleContext& context,
                            const std::string& device) {
  return [&context, device](const Caller&, RequestScope& scope) {
    ARDOISE_ASSIGN_OR_RETURN(v1::Device found, context.registry->Get(device));
    AddDevicesToScope(context, {found.id()}, scope);
    return absl::OkStatus();
  };
}

// The scope of a request about a target (its devices; a class target names
// its class).
ScopeResolver ScopeOfTarget(const ConsoleContext& context,
                            const v1::Target& target) {
  return [&context, &target](const Caller&, RequestScope& scope) {
    std::string described;
    ARDOISE_ASSIGN_OR_RETURN(std::vector<std::string> ids,
                             ResolveTarget(context, target, &described));
    if (target.kind() == v1::Target::KIND_CLASS) {
      scope.class_name = target.name();
    }
    AddDevicesToScope(context, ids, scope);
    return absl::OkStatus();
  };
}

// The scope of a request naming a school.
ScopeResolver ScopeOfSchool(const std::string& school) {
  return [school](const Caller&, RequestScope& scope) {
    scope.school = school;
    return absl::OkStatus();
  };
}

ScopeResolver ScopeOfClass(const std::string& class_name) {
  return [class_name](const Caller&, RequestScope& scope) {
    scope.class_name = class_name;
    return absl::OkStatus();
  };
}

namespace {

grpc::ServerUnaryReactor* FinishNow(grpc::CallbackServerContext* ctx,
                                    const absl::Status& status) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  reactor->Finish(ToGrpc(status));
  return reactor;
}

// Fills a TargetResult with the devices as the registry now sees them.
void FillResult(const Registry& registry, const std::string& described,
                const std::vector<std::string>& ids, v1::TargetResult* out) {
  out->set_resolved(described);
  for (v1::Device& device : registry.GetMany(ids)) {
    *out->add_devices() = std::move(device);
  }
}

}  // namespace

grpc::ServerUnaryReactor* ConsoleService::CreateEnrollmentToken(
    grpc::CallbackServerContext* ctx,
    const v1::CreateEnrollmentTokenRequest* request,
    v1::CreateEnrollmentTokenResponse* response) {
  Caller caller;
  if (auto* refused = Admit(context_, ctx, "CreateEnrollmentToken",
                            ScopeOfSchool(request->school()), &caller)) {
    return refused;
  }
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  const absl::Time now = context_.clock->Now();
  const std::string actor = caller.actor;
  const std::string ca_pin = context_.ca_pin;
  const int uses = request->uses() == 0 ? 1 : request->uses();
  const absl::Duration ttl = request->ttl_seconds() == 0
                                 ? absl::Hours(24)
                                 : absl::Seconds(request->ttl_seconds());
  context_.writer->Post(
      [=](Database& db) -> absl::Status {
        auto token = CreateToken(db, request->school(), request->pool(), uses,
                                 ttl, now, actor);
        if (!token.ok()) return token.status();
        // The device checks the console against the pin before sending
        // the credential (common/enrollment_token.h).
        response->set_token(FormatEnrollmentToken({token->token, ca_pin}));
        response->set_ca_pin(ca_pin);
        response->set_token_id(token->id);
        ToProto(token->expires_at, response->mutable_expires_at());
        response->set_uses(token->uses);
        return AppendAudit(db, now, actor, "token.create", token->id, "ok",
                           absl::StrCat("school=", request->school(), " pool=",
                                        request->pool(), " uses=", uses));
      },
      [reactor](absl::Status status) { reactor->Finish(ToGrpc(status)); });
  return reactor;
}

grpc::ServerUnaryReactor* ConsoleService::ListDevices(
    grpc::CallbackServerContext* ctx, const v1::ListDevicesRequest* request,
    v1::ListDevicesResponse* response) {
  Caller caller;
  if (auto* refused = Admit(context_, ctx, "ListDevices",
                            ScopeOfSchool(request->school()), &caller)) {
    return refused;
  }
  for (v1::Device& device : context_.registry->List(*request)) {
    *response->add_devices() = std::move(device);
  }
  return FinishNow(ctx, absl::OkStatus());
}

grpc::ServerUnaryReactor* ConsoleService::GetDevice(
    grpc::CallbackServerContext* ctx, const v1::GetDeviceRequest* request,
    v1::Device* response) {
  Caller caller;
  if (auto* refused =
          Admit(context_, ctx, "GetDevice",
                ScopeOfDevice(context_, request->device()), &caller)) {
    return refused;
  }
  auto device = context_.registry->Get(request->device());
  if (!device.ok()) return FinishNow(ctx, device.status());
  *response = *std::move(device);
  return FinishNow(ctx, absl::OkStatus());
}

grpc::ServerUnaryReactor* ConsoleService::RetireDevice(
    grpc::CallbackServerContext* ctx, const v1::RetireDeviceRequest* request,
    v1::Device* response) {
  Caller caller;
  if (auto* refused =
          Admit(context_, ctx, "RetireDevice",
                ScopeOfDevice(context_, request->device()), &caller)) {
    return refused;
  }
  auto device = context_.registry->Get(request->device());
  if (!device.ok()) return FinishNow(ctx, device.status());
  if (device->retired()) {
    return FinishNow(ctx,
                     absl::FailedPreconditionError(absl::StrCat(
                         "device ", device->name(), " is already retired")));
  }
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  const absl::Time now = context_.clock->Now();
  const std::string actor = caller.actor;
  const std::string id = device->id();
  const std::string name = device->name();
  Registry* registry = context_.registry;
  context_.writer->Post(
      [=](Database& db) {
        ARDOISE_RETURN_IF_ERROR(ardoise::RetireDevice(db, id, now));
        return AppendAudit(db, now, actor, "device.retire", name, "ok");
      },
      [=](absl::Status status) {
        if (status.ok()) {
          registry->Retire(id);
          auto after = registry->Get(id);
          if (after.ok()) *response = *std::move(after);
        }
        reactor->Finish(ToGrpc(status));
      });
  return reactor;
}

grpc::ServerUnaryReactor* ConsoleService::RekeyDevice(
    grpc::CallbackServerContext* ctx, const v1::RekeyDeviceRequest* request,
    v1::RekeyDeviceResponse* response) {
  Caller caller;
  if (auto* refused =
          Admit(context_, ctx, "RekeyDevice",
                ScopeOfDevice(context_, request->device()), &caller)) {
    return refused;
  }
  auto device = context_.registry->Get(request->device());
  if (!device.ok()) return FinishNow(ctx, device.status());
  if (device->retired()) {
    return FinishNow(ctx, absl::FailedPreconditionError(absl::StrCat(
                              "device ", device->name(),
                              " is retired: enroll it again instead")));
  }
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  const absl::Time now = context_.clock->Now();
  const std::string actor = caller.actor;
  const std::string id = device->id();
  const std::string name = device->name();
  Registry* registry = context_.registry;
  auto key = std::make_shared<std::string>();
  context_.writer->Post(
      [=](Database& db) -> absl::Status {
        ARDOISE_ASSIGN_OR_RETURN(*key, StartRekey(db, id));
        return AppendAudit(db, now, actor, "device.rekey", name, "ok");
      },
      [=](absl::Status status) {
        if (status.ok()) {
          response->set_device_id(id);
          response->set_sent(registry->SetPendingKey(id, *key));
        }
        reactor->Finish(ToGrpc(status));
      });
  return reactor;
}

grpc::ServerUnaryReactor* ConsoleService::SetLock(
    grpc::CallbackServerContext* ctx, const v1::SetLockRequest* request,
    v1::TargetResult* response) {
  const absl::Time received = absl::Now();
  Caller caller;
  if (auto* refused =
          Admit(context_, ctx, "SetLock",
                ScopeOfTarget(context_, request->target()), &caller)) {
    return refused;
  }
  if (request->message().size() > kMaxLockText) {
    return FinishNow(ctx,
                     absl::InvalidArgumentError(absl::StrCat(
                         "lock message too long (", request->message().size(),
                         " bytes, at most ", kMaxLockText, ")")));
  }
  if (request->duration_seconds() < 0 ||
      request->duration_seconds() > 24 * 3600) {
    return FinishNow(
        ctx, absl::InvalidArgumentError("bad lock duration: use at most 24h"));
  }
  std::string described;
  auto ids = ResolveTarget(context_, request->target(), &described);
  if (!ids.ok()) return FinishNow(ctx, ids.status());

  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  const absl::Time now = context_.clock->Now();
  const absl::Time expires_at =
      request->duration_seconds() > 0
          ? now + absl::Seconds(request->duration_seconds())
          : absl::InfinitePast();
  const std::string actor = caller.actor;
  auto locks = std::make_shared<std::vector<v1::ManualLock>>();
  Registry* registry = context_.registry;
  const bool locked = request->locked();
  context_.writer->Post(
      [=, ids = *ids](Database& db) -> absl::Status {
        auto stored =
            StoreLocks(db, ids, locked, request->message(), expires_at, actor);
        if (!stored.ok()) return stored.status();
        *locks = *std::move(stored);
        return AppendAudit(db, now, actor, locked ? "lock" : "unlock",
                           described, "ok",
                           absl::StrCat(ids.size(), " devices"));
      },
      [=, ids = *ids](absl::Status status) {
        if (status.ok()) {
          const absl::Time stored = absl::Now();
          for (size_t i = 0; i < ids.size(); ++i) {
            registry->SetDesiredLock(ids[i], (*locks)[i]);
          }
          const absl::Time sent = absl::Now();
          FillResult(*registry, described, ids, response);
          ARDOISE_LOG(INFO)
              << (locked ? "locked " : "unlocked ") << described << " ("
              << ids.size() << " devices; stored after "
              << absl::ToInt64Milliseconds(stored - received)
              << " ms, handed to the streams in "
              << absl::ToInt64Milliseconds(sent - stored) << " ms)";
        }
        reactor->Finish(ToGrpc(status));
      });
  return reactor;
}

grpc::ServerUnaryReactor* ConsoleService::SendMessage(
    grpc::CallbackServerContext* ctx, const v1::SendMessageRequest* request,
    v1::TargetResult* response) {
  Caller caller;
  if (auto* refused =
          Admit(context_, ctx, "SendMessage",
                ScopeOfTarget(context_, request->target()), &caller)) {
    return refused;
  }
  if (request->text().empty() || request->text().size() > kMaxMessageText) {
    return FinishNow(ctx, absl::InvalidArgumentError(absl::StrCat(
                              "message must have 1 to ", kMaxMessageText,
                              " bytes (it has ", request->text().size(), ")")));
  }
  if (request->ttl_seconds() < 0 || request->ttl_seconds() > 7 * 24 * 3600) {
    return FinishNow(ctx, absl::InvalidArgumentError(
                              "bad message lifetime: use at most 7 days"));
  }
  std::string described;
  auto ids = ResolveTarget(context_, request->target(), &described);
  if (!ids.ok()) return FinishNow(ctx, ids.status());

  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  const absl::Time now = context_.clock->Now();
  const std::string actor = caller.actor;
  v1::Command prototype;
  ToProto(
      now + (request->ttl_seconds() > 0 ? absl::Seconds(request->ttl_seconds())
                                        : absl::Minutes(15)),
      prototype.mutable_expires_at());
  prototype.mutable_show_message()->set_text(request->text());
  prototype.mutable_show_message()->set_from(actor);
  auto commands = std::make_shared<std::vector<v1::Command>>();
  Registry* registry = context_.registry;
  context_.writer->Post(
      [=, ids = *ids](Database& db) -> absl::Status {
        auto stored = StoreCommands(db, ids, prototype);
        if (!stored.ok()) return stored.status();
        *commands = *std::move(stored);
        return AppendAudit(db, now, actor, "message", described, "ok",
                           request->text());
      },
      [=, ids = *ids](absl::Status status) {
        if (status.ok()) {
          for (size_t i = 0; i < ids.size(); ++i) {
            registry->AddCommand(ids[i], (*commands)[i]);
          }
          FillResult(*registry, described, ids, response);
        }
        reactor->Finish(ToGrpc(status));
      });
  return reactor;
}

}  // namespace ardoise
