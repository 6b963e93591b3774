#include "teacher-console/server/authz.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace ardoise {
namespace {

constexpr Rule D = Rule::kDeny;
constexpr Rule A = Rule::kAny;
constexpr Rule C = Rule::kCity;
constexpr Rule S = Rule::kSchool;
constexpr Rule K = Rule::kClass;
constexpr Rule P = Rule::kPublic;

Rule RuleFor(const RpcRules& rules, v1::Role role) {
  switch (role) {
    case v1::ROLE_IT_ADMIN:
      return rules.it_admin;
    case v1::ROLE_DIRECTOR:
      return rules.director;
    case v1::ROLE_TEACHER:
      return rules.teacher;
    case v1::ROLE_CITY_VIEWER:
      return rules.city_viewer;
    default:
      return Rule::kDeny;
  }
}

absl::Status Denied(const Caller& caller, std::string_view rpc_name,
                    const std::string& why) {
  const std::string rpc(rpc_name);
  return absl::PermissionDeniedError(
      absl::StrCat(caller.login, " (", RoleName(caller.role),
                   caller.school.empty() ? "" : " of ", caller.school,
                   ") may not call ", rpc, ": ", why));
}

}  // namespace

const std::map<std::string, RpcRules, std::less<>>& AuthorizationTable() {
  //                                  it_admin director teacher city  change
  static const auto* table = new std::map<std::string, RpcRules, std::less<>>{
      {"CreateEnrollmentToken", {S, D, D, D, true}},
      {"ListDevices", {S, D, D, D, false}},
      {"GetDevice", {S, D, K, D, false}},
      {"RetireDevice", {S, D, D, D, true}},
      {"RekeyDevice", {S, D, D, D, true}},
      {"SetLock", {S, D, K, D, true}},
      {"SendMessage", {S, D, K, D, true}},
      {"ApplyPolicy", {C, D, D, D, true}},
      {"ExplainPolicy", {S, D, D, D, false}},
      {"PolicyStatus", {S, D, D, D, false}},
      {"CreateSchool", {C, D, D, D, true}},
      {"ListSchools", {A, A, A, A, false}},
      {"CreatePool", {S, D, D, D, true}},
      {"ListPools", {S, S, D, D, false}},
      {"CreateClass", {S, D, D, D, true}},
      {"ListClasses", {S, S, D, D, false}},
      {"AssignTeacher", {S, S, D, D, true}},
      {"ListAssignments", {S, S, D, D, false}},
      {"StartSession", {S, D, K, D, true}},
      {"SteerSession", {S, D, K, D, true}},
      {"GetSession", {S, D, K, D, false}},
      {"WeekReport", {S, S, K, S, false}},
      {"DevicesReport", {S, S, D, S, false}},
      {"NoScreenReport", {S, S, D, S, false}},
      {"Login", {P, P, P, P, true}},
      {"Logout", {A, A, A, A, true}},
      {"CreateUser", {S, D, D, D, true}},
      {"ListUsers", {S, D, D, D, false}},
      {"DisableUser", {S, D, D, D, true}},
      {"ResetPassword", {S, D, D, D, true}},
      {"ListAudit", {S, S, D, D, false}},
  };
  return *table;
}

absl::Status Authorize(const Caller& caller, std::string_view rpc,
                       const RequestScope& scope, const SchoolModel& model,
                       absl::Time now) {
  const auto& table = AuthorizationTable();
  auto it = table.find(rpc);
  if (it == table.end()) return Denied(caller, rpc, "no rule for this call");
  const Rule rule = RuleFor(it->second, caller.role);
  if (rule == Rule::kPublic || rule == Rule::kAny) return absl::OkStatus();
  if (rule == Rule::kDeny)
    return Denied(caller, rpc, "not allowed for this role");
  if (scope.override_start && caller.role != v1::ROLE_IT_ADMIN) {
    return Denied(caller, rpc, "only IT staff may start beyond the allowance");
  }
  if (scope.device_detail && caller.role == v1::ROLE_CITY_VIEWER) {
    return Denied(caller, rpc,
                  "the city sees aggregates per school only, not devices");
  }
  if (scope.assignment && caller.role == v1::ROLE_DIRECTOR &&
      !scope.substitute_one_day) {
    return Denied(caller, rpc,
                  "a director assigns only a substitute for one day "
                  "(--substitute with --from equal to --to)");
  }
  if (rule == Rule::kCity) {
    if (caller.school.empty()) return absl::OkStatus();
    return Denied(caller, rpc, "city-wide accounts only");
  }
  if (rule == Rule::kSchool) {
    if (caller.school.empty()) return absl::OkStatus();
    std::string school = scope.school;
    if (school.empty() && !scope.class_name.empty()) {
      school = model.SchoolOfClass(scope.class_name);
    }
    if (school.empty() && scope.device_schools.empty()) {
      return Denied(
          caller, rpc,
          absl::StrCat("name your school (--school ", caller.school, ")"));
    }
    if (!school.empty() && school != caller.school) {
      return Denied(caller, rpc,
                    absl::StrCat("school ", school, " is not yours"));
    }
    for (const std::string& s : scope.device_schools) {
      if (s != caller.school) {
        return Denied(caller, rpc,
                      absl::StrCat("a device of school ", s, " is not yours"));
      }
    }
    return absl::OkStatus();
  }
  // kClass: a teacher's classes of the day.
  const std::vector<std::string> mine = model.ClassesOf(caller.login, now);
  auto is_mine = [&](const std::string& c) {
    return std::find(mine.begin(), mine.end(), c) != mine.end();
  };
  if (!scope.class_name.empty() && !is_mine(scope.class_name)) {
    return Denied(caller, rpc,
                  absl::StrCat("class ", scope.class_name,
                               " is not assigned to you today"));
  }
  if (!scope.other_rooms.empty()) {
    return Denied(caller, rpc,
                  absl::StrCat("pool ", scope.other_rooms.front(),
                               " is another class's room: take a cart, or "
                               "ask IT staff"));
  }
  if (scope.has_devices) {
    std::vector<std::string> held;
    for (const std::string& c : mine) {
      for (std::string& id : model.DevicesOfClass(c)) {
        held.push_back(std::move(id));
      }
    }
    for (const std::string& id : scope.devices) {
      if (std::find(held.begin(), held.end(), id) == held.end()) {
        return Denied(caller, rpc,
                      "these devices are not held by a class assigned to "
                      "you today");
      }
    }
  } else if (scope.class_name.empty()) {
    return Denied(caller, rpc, "name one of your classes");
  }
  return absl::OkStatus();
}

std::string RoleName(v1::Role role) {
  switch (role) {
    case v1::ROLE_IT_ADMIN:
      return "it_admin";
    case v1::ROLE_DIRECTOR:
      return "director";
    case v1::ROLE_TEACHER:
      return "teacher";
    case v1::ROLE_CITY_VIEWER:
      return "city_viewer";
    default:
      return "none";
  }
}

bool ParseRole(std::string_view text, v1::Role* role) {
  for (v1::Role r : {v1::ROLE_IT_ADMIN, v1::ROLE_DIRECTOR, v1::ROLE_TEACHER,
                     v1::ROLE_CITY_VIEWER}) {
    if (text == RoleName(r)) {
      *role = r;
      return true;
    }
  }
  return false;
}

}  // namespace ardoise
