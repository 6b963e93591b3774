// Console: the session rpcs. Parsing happens here (bounded: one plan of at
// most 256 KiB); every decision and change happens in Sessions, on the
// Writer thread, and the RPC finishes after the commit.
#include <algorithm>
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/grpc_status.h"
#include "common/plan/plan_parse.h"
#include "teacher-console/server/services.h"

namespace ardoise {
namespace {

grpc::ServerUnaryReactor* Refuse(grpc::CallbackServerContext* ctx,
                                 const absl::Status& status) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  reactor->Finish(ToGrpc(status));
  return reactor;
}

// Finishes `reactor` with the session or the refusal.
Sessions::Done Answer(grpc::ServerUnaryReactor* reactor,
                      v1::Session* response) {
  return [reactor, response](absl::StatusOr<v1::Session> session) {
    if (!session.ok()) {
      reactor->Finish(ToGrpc(session.status()));
      return;
    }
    *response = *std::move(session);
    reactor->Finish(grpc::Status::OK);
  };
}

}  // namespace

absl::StatusOr<std::vector<std::string>> ResolveTarget(
    const ConsoleContext& context, const v1::Target& target,
    std::string* described) {
  if (target.kind() == v1::Target::KIND_CLASS) {
    return context.sessions->ClassDevices(target.name(), described);
  }
  auto ids = context.registry->Resolve(target, described);
  if (target.kind() != v1::Target::KIND_AUTO ||
      !context.sessions->HasClass(target.name())) {
    return ids;
  }
  if (ids.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "\"", target.name(), "\" is both a class and a ", *described,
        ": write class/", target.name(), " or device/ or pool/"));
  }
  return context.sessions->ClassDevices(target.name(), described);
}

grpc::ServerUnaryReactor* ConsoleService::StartSession(
    grpc::CallbackServerContext* ctx, const v1::StartSessionRequest* request,
    v1::Session* response) {
  Caller caller;
  if (auto* refused = Admit(
          context_, ctx, "StartSession",
          [this, request](const Caller&, RequestScope& scope) {
            scope.class_name = request->class_name();
            scope.override_start = !request->override_reason().empty();
            for (const std::string& pool : request->pools()) {
              if (!context_.sessions->OtherClassesAt(pool, scope.class_name)
                       .empty()) {
                scope.other_rooms.push_back(pool);
              }
            }
            return absl::OkStatus();
          },
          &caller)) {
    return refused;
  }
  if (request->plan_yaml().size() > kMaxPlanBytes) {
    return Refuse(ctx,
                  absl::InvalidArgumentError(absl::StrCat(
                      request->plan_name(), ": a plan is at most 64 KiB")));
  }
  if (request->override_reason().size() > kMaxLockText) {
    return Refuse(ctx, absl::InvalidArgumentError(
                           "--override: say why in at most 200 characters"));
  }
  auto plan = ParsePlan(request->plan_yaml(), request->plan_name());
  if (!plan.ok()) return Refuse(ctx, plan.status());
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  context_.sessions->Start(*request, *std::move(plan), caller.actor,
                           Answer(reactor, response));
  return reactor;
}

grpc::ServerUnaryReactor* ConsoleService::SteerSession(
    grpc::CallbackServerContext* ctx, const v1::SteerSessionRequest* request,
    v1::Session* response) {
  Caller caller;
  if (auto* refused = Admit(context_, ctx, "SteerSession",
                            ScopeOfClass(request->class_name()), &caller)) {
    return refused;
  }
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  context_.sessions->Steer(*request, caller.actor, Answer(reactor, response));
  return reactor;
}

grpc::ServerUnaryReactor* ConsoleService::GetSession(
    grpc::CallbackServerContext* ctx, const v1::GetSessionRequest* request,
    v1::Session* response) {
  Caller caller;
  if (auto* refused = Admit(context_, ctx, "GetSession",
                            ScopeOfClass(request->class_name()), &caller)) {
    return refused;
  }
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  context_.sessions->Get(request->class_name(), Answer(reactor, response));
  return reactor;
}

grpc::ServerUnaryReactor* ConsoleService::WeekReport(
    grpc::CallbackServerContext* ctx, const v1::WeekReportRequest* request,
    v1::WeekReportResponse* response) {
  Caller caller;
  if (auto* refused = Admit(
          context_, ctx, "WeekReport",
          [request](const Caller&, RequestScope& scope) {
            scope.school = request->school();
            scope.class_name = request->class_name();
            return absl::OkStatus();
          },
          &caller)) {
    return refused;
  }
  return AnswerOnReportWorker(ctx, context_, response,
                              context_.sessions->WeekReport(*request));
}

}  // namespace ardoise
