// Authorization: the one table of rpc x role -> rule for the Console
// service, and the one function that applies it (DESIGN.md, Security).
//
// A caller is an account (login, role, school). Each Console rpc has, per
// role, one rule:
//   kDeny    the role may not call it;
//   kAny     any authenticated caller (Logout, ListSchools);
//   kCity    only a city-wide caller (an account without a school);
//   kSchool  a city-wide caller, or one whose school is the request's
//            school (the school named, or that of the class, devices or
//            account the request is about);
//   kClass   a teacher on a class assigned to them on the console's date,
//            or devices all held by such a class (its running session or
//            home room);
//   kPublic  no account needed (Login only).
// Extra conditions that depend on the request, not the rpc (an override
// start is it_admin only; a director assigns only a substitute for one day;
// a city_viewer gets aggregates only) are flags of the RequestScope, checked
// by Authorize too. Every rpc of v1::Console must have a row: the table's
// test iterates over the service descriptor.
//
// Thread safety: pure functions over their arguments and a constant table.
#ifndef ARDOISE_TEACHER_CONSOLE_SERVER_AUTHZ_H_
#define ARDOISE_TEACHER_CONSOLE_SERVER_AUTHZ_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "ardoise/v1/console.pb.h"

namespace ardoise {

enum class Rule { kDeny, kAny, kCity, kSchool, kClass, kPublic };

// The rules of one rpc, by role.
struct RpcRules {
  Rule it_admin = Rule::kDeny;
  Rule director = Rule::kDeny;
  Rule teacher = Rule::kDeny;
  Rule city_viewer = Rule::kDeny;
  // The rpc changes state (audited when allowed; the audit says so).
  bool changes_state = false;
};

// rpc name (as in console.proto: "SetLock") -> rules.
const std::map<std::string, RpcRules, std::less<>>& AuthorizationTable();

// Who calls.
struct Caller {
  std::string login;
  v1::Role role = v1::ROLE_UNSPECIFIED;
  std::string school;  // empty = city-wide
  // "login@peer", for the audit trail.
  std::string actor;
};

// What a request is about, resolved by the service before the check.
struct RequestScope {
  // The school named or implied (class's, account's); empty = none/all.
  std::string school;
  // The class named (sessions, week report, assignment); empty = none.
  std::string class_name;
  // Device ids the request reaches (targets, one device).
  std::vector<std::string> devices;
  bool has_devices = false;
  // The schools of those devices (filled by the service).
  std::vector<std::string> device_schools;
  // A start beyond the allowance (it_admin only).
  bool override_start = false;
  // Pools a session start asks for that are other classes' home rooms
  // (teachers may borrow carts, not another class's room).
  std::vector<std::string> other_rooms;
  // An assignment: a substitute for a single day (directors may only).
  bool assignment = false;
  bool substitute_one_day = false;
  // The request asks per-device detail (city_viewer may not).
  bool device_detail = false;
};

// What Authorize needs to know about classes and teachers.
class SchoolModel {
 public:
  virtual ~SchoolModel() = default;
  // The school of a class; empty when unknown.
  virtual std::string SchoolOfClass(const std::string& class_name) const = 0;
  // The classes `teacher` is assigned to on the day of `now` (in each
  // class's school time zone).
  virtual std::vector<std::string> ClassesOf(const std::string& teacher,
                                             absl::Time now) const = 0;
  // The devices a class holds now (its running session's, else its home
  // room's).
  virtual std::vector<std::string> DevicesOfClass(
      const std::string& class_name) const = 0;
};

// OK when `caller` may call `rpc` on `scope` at `now`; PERMISSION_DENIED
// with a message naming the rpc, the role and what is missing otherwise.
// An rpc missing from the table is denied (fail closed).
absl::Status Authorize(const Caller& caller, std::string_view rpc,
                       const RequestScope& scope, const SchoolModel& model,
                       absl::Time now);

// The role as the CLI writes it ("it_admin"), and back (false if unknown).
std::string RoleName(v1::Role role);
bool ParseRole(std::string_view text, v1::Role* role);

}  // namespace ardoise

#endif  // ARDOISE_TEACHER_CONSOLE_SERVER_AUTHZ_H_
