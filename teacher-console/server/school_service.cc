// Console: the school model rpcs (schools, pools, classes, teachers).
//
// Creations go through the Writer with their audit line in the same
// transaction, and answer after the commit. These admin tables are small and
// read rarely, so the lists are read by posting a read to the Writer too:
// no reactor touches SQLite, and no cache has to be kept in step.
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/grpc_status.h"
#include "common/policy/policy_parse.h"
#include "common/status_macros.h"
#include "teacher-console/server/services.h"
#include "teacher-console/server/store.h"

namespace ardoise {
namespace {

// Posts `insert` (which fills the response) and its audit line; finishes the
// RPC once both are committed, or with the refusal. `committed`, when set,
// runs after a successful commit, before the answer.
template <typename Insert>
grpc::ServerUnaryReactor* PostCreate(const ConsoleContext& context,
                                     grpc::CallbackServerContext* ctx,
                                     const Caller& caller,
                                     const std::string& action,
                                     std::string target, Insert insert,
                                     std::function<void()> committed = {}) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  const absl::Time now = context.clock->Now();
  const std::string actor = caller.actor;
  context.writer->Post(
      [=](Database& db) -> absl::Status {
        absl::StatusOr<std::string> detail = insert(db, now);
        if (!detail.ok()) return detail.status();
        return AppendAudit(db, now, actor, action, target, "ok", *detail);
      },
      [reactor, committed](absl::Status status) {
        if (status.ok() && committed) committed();
        reactor->Finish(ToGrpc(status));
      });
  return reactor;
}

// Posts a read that fills the response; finishes the RPC with its status.
grpc::ServerUnaryReactor* PostRead(const ConsoleContext& context,
                                   grpc::CallbackServerContext* ctx,
                                   Writer::Work read) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  context.writer->Post(std::move(read), [reactor](absl::Status status) {
    reactor->Finish(ToGrpc(status));
  });
  return reactor;
}

}  // namespace

grpc::ServerUnaryReactor* ConsoleService::CreateSchool(
    grpc::CallbackServerContext* ctx, const v1::School* request,
    v1::School* response) {
  Caller caller;
  if (auto* refused = Admit(
          context_, ctx, "CreateSchool",
          [](const Caller&, RequestScope&) { return absl::OkStatus(); },
          &caller)) {
    return refused;
  }
  return PostCreate(
      context_, ctx, caller, "school.create", request->name(),
      [=](Database& db, absl::Time now) -> absl::StatusOr<std::string> {
        absl::StatusOr<v1::School> school = InsertSchool(db, *request, now);
        if (!school.ok()) return school.status();
        *response = *std::move(school);
        return absl::StrCat("timezone=", response->timezone());
      });
}

grpc::ServerUnaryReactor* ConsoleService::ListSchools(
    grpc::CallbackServerContext* ctx, const v1::ListSchoolsRequest* /*request*/,
    v1::ListSchoolsResponse* response) {
  Caller caller;
  if (auto* refused = Admit(
          context_, ctx, "ListSchools",
          [](const Caller&, RequestScope&) { return absl::OkStatus(); },
          &caller)) {
    return refused;
  }
  return PostRead(context_, ctx, [response](Database& db) -> absl::Status {
    ARDOISE_ASSIGN_OR_RETURN(std::vector<v1::School> schools, LoadSchools(db));
    for (v1::School& school : schools) {
      *response->add_schools() = std::move(school);
    }
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* ConsoleService::CreatePool(
    grpc::CallbackServerContext* ctx, const v1::Pool* request,
    v1::Pool* response) {
  Caller caller;
  if (auto* refused = Admit(context_, ctx, "CreatePool",
                            ScopeOfSchool(request->school()), &caller)) {
    return refused;
  }
  return PostCreate(
      context_, ctx, caller, "pool.create", request->name(),
      [=](Database& db, absl::Time now) -> absl::StatusOr<std::string> {
        absl::StatusOr<v1::Pool> pool = InsertPool(db, *request, now);
        if (!pool.ok()) return pool.status();
        *response = *std::move(pool);
        return absl::StrCat("school=", response->school(),
                            " kind=", v1::PoolKind_Name(response->kind()));
      });
}

grpc::ServerUnaryReactor* ConsoleService::ListPools(
    grpc::CallbackServerContext* ctx, const v1::ListPoolsRequest* request,
    v1::ListPoolsResponse* response) {
  Caller caller;
  if (auto* refused = Admit(context_, ctx, "ListPools",
                            ScopeOfSchool(request->school()), &caller)) {
    return refused;
  }
  return PostRead(context_, ctx,
                  [request, response](Database& db) -> absl::Status {
                    ARDOISE_ASSIGN_OR_RETURN(std::vector<v1::Pool> pools,
                                             LoadPools(db, request->school()));
                    for (v1::Pool& pool : pools) {
                      *response->add_pools() = std::move(pool);
                    }
                    return absl::OkStatus();
                  });
}

grpc::ServerUnaryReactor* ConsoleService::CreateClass(
    grpc::CallbackServerContext* ctx, const v1::Class* request,
    v1::Class* response) {
  Caller caller;
  if (auto* refused = Admit(context_, ctx, "CreateClass",
                            ScopeOfSchool(request->school()), &caller)) {
    return refused;
  }
  return PostCreate(
      context_, ctx, caller, "class.create", request->name(),
      [=](Database& db, absl::Time now) -> absl::StatusOr<std::string> {
        absl::StatusOr<v1::Class> klass = InsertClass(db, *request, now);
        if (!klass.ok()) return klass.status();
        *response = *std::move(klass);
        return absl::StrCat("school=", response->school(),
                            " levels=", absl::StrJoin(response->levels(), ","),
                            " home_room=", response->home_room(),
                            " groups=", absl::StrJoin(response->groups(), ","));
      },
      [sessions = context_.sessions, response] {
        sessions->AddClass(*response);
      });
}

grpc::ServerUnaryReactor* ConsoleService::ListClasses(
    grpc::CallbackServerContext* ctx, const v1::ListClassesRequest* request,
    v1::ListClassesResponse* response) {
  Caller caller;
  if (auto* refused = Admit(context_, ctx, "ListClasses",
                            ScopeOfSchool(request->school()), &caller)) {
    return refused;
  }
  return PostRead(
      context_, ctx, [request, response](Database& db) -> absl::Status {
        ARDOISE_ASSIGN_OR_RETURN(std::vector<v1::Class> classes,
                                 LoadClasses(db, request->school()));
        for (v1::Class& klass : classes) {
          *response->add_classes() = std::move(klass);
        }
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* ConsoleService::AssignTeacher(
    grpc::CallbackServerContext* ctx, const v1::TeacherAssignment* request,
    v1::TeacherAssignment* response) {
  Caller caller;
  if (auto* refused = Admit(
          context_, ctx, "AssignTeacher",
          [request](const Caller&, RequestScope& scope) {
            scope.class_name = request->class_name();
            scope.assignment = true;
            scope.substitute_one_day =
                request->substitute() &&
                FormatDate(request->from()) == FormatDate(request->to());
            return absl::OkStatus();
          },
          &caller)) {
    return refused;
  }
  return PostCreate(
      context_, ctx, caller, "class.assign", request->class_name(),
      [=](Database& db, absl::Time now) -> absl::StatusOr<std::string> {
        absl::StatusOr<v1::TeacherAssignment> assignment =
            InsertAssignment(db, *request, now);
        if (!assignment.ok()) return assignment.status();
        *response = *std::move(assignment);
        return absl::StrCat("teacher=", response->teacher(),
                            " from=", FormatDate(response->from()),
                            " to=", FormatDate(response->to()),
                            response->substitute() ? " substitute" : "");
      },
      [accounts = context_.accounts, response] {
        accounts->AddAssignment(*response);
      });
}

grpc::ServerUnaryReactor* ConsoleService::ListAssignments(
    grpc::CallbackServerContext* ctx, const v1::ListAssignmentsRequest* request,
    v1::ListAssignmentsResponse* response) {
  Caller caller;
  if (auto* refused = Admit(context_, ctx, "ListAssignments",
                            ScopeOfClass(request->class_name()), &caller)) {
    return refused;
  }
  return PostRead(
      context_, ctx, [request, response](Database& db) -> absl::Status {
        ARDOISE_ASSIGN_OR_RETURN(std::vector<v1::TeacherAssignment> list,
                                 LoadAssignments(db, request->class_name()));
        for (v1::TeacherAssignment& assignment : list) {
          *response->add_assignments() = std::move(assignment);
        }
        return absl::OkStatus();
      });
}

}  // namespace ardoise
