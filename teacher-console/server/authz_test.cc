// The authorization matrix: every rpc of the Console service has a rule for
// every role, and each rule lets a role reach its own class or school and
// not another's.
#include "teacher-console/server/authz.h"

#include <map>
#include <string>
#include <vector>

#include "ardoise/v1/console.grpc.pb.h"
#include "gtest/gtest.h"

namespace ardoise {
namespace {

const absl::Time kMonday = absl::FromCivil(
    absl::CivilSecond(2026, 11, 23, 9, 0, 0), absl::UTCTimeZone());

// Two schools: jaures (class cm1-a, device d-a1) and ferry (class cm2-b,
// device d-b1). Teacher t1 has cm1-a on Monday 2026-11-23 only.
class FakeSchoolModel final : public SchoolModel {
 public:
  std::string SchoolOfClass(const std::string& class_name) const override {
    if (class_name == "cm1-a") return "jaures";
    if (class_name == "cm2-b") return "ferry";
    return "";
  }
  std::vector<std::string> ClassesOf(const std::string& teacher,
                                     absl::Time now) const override {
    const absl::CivilDay day = absl::ToCivilDay(now, absl::UTCTimeZone());
    if (teacher == "t1" && day == absl::CivilDay(2026, 11, 23)) {
      return {"cm1-a"};
    }
    return {};
  }
  std::vector<std::string> DevicesOfClass(
      const std::string& class_name) const override {
    if (class_name == "cm1-a") return {"d-a1"};
    if (class_name == "cm2-b") return {"d-b1"};
    return {};
  }
};

// The Console service as generated from console.proto.
const google::protobuf::ServiceDescriptor* ConsoleService() {
  return google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
      v1::Console::service_full_name());
}

RequestScope Own() {
  RequestScope scope;
  scope.school = "jaures";
  scope.class_name = "cm1-a";
  scope.devices = {"d-a1"};
  scope.has_devices = true;
  scope.device_schools = {"jaures"};
  return scope;
}

RequestScope Other() {
  RequestScope scope;
  scope.school = "ferry";
  scope.class_name = "cm2-b";
  scope.devices = {"d-b1"};
  scope.has_devices = true;
  scope.device_schools = {"ferry"};
  return scope;
}

Caller Make(const std::string& login, v1::Role role,
            const std::string& school) {
  return Caller{login, role, school, login + "@test"};
}

// The expected rules, written out by hand (it_admin, director, teacher,
// city_viewer): S school, C city, K class, A any, P public, - deny. A change
// of the table must be made here too, on purpose.
const std::map<std::string, std::string>& Expected() {
  static const auto* expected = new std::map<std::string, std::string>{
      {"CreateEnrollmentToken", "S---"},
      {"ListDevices", "S---"},
      {"GetDevice", "S-K-"},
      {"RetireDevice", "S---"},
      {"RekeyDevice", "S---"},
      {"SetLock", "S-K-"},
      {"SendMessage", "S-K-"},
      {"ApplyPolicy", "C---"},
      {"ExplainPolicy", "S---"},
      {"PolicyStatus", "S---"},
      {"CreateSchool", "C---"},
      {"ListSchools", "AAAA"},
      {"CreatePool", "S---"},
      {"ListPools", "SS--"},
      {"CreateClass", "S---"},
      {"ListClasses", "SS--"},
      {"AssignTeacher", "SS--"},
      {"ListAssignments", "SS--"},
      {"StartSession", "S-K-"},
      {"SteerSession", "S-K-"},
      {"GetSession", "S-K-"},
      {"WeekReport", "SSKS"},
      {"DevicesReport", "SS-S"},
      {"NoScreenReport", "SS-S"},
      {"Login", "PPPP"},
      {"Logout", "AAAA"},
      {"CreateUser", "S---"},
      {"ListUsers", "S---"},
      {"DisableUser", "S---"},
      {"ResetPassword", "S---"},
      {"ListAudit", "SS--"},
  };
  return *expected;
}

char Code(Rule rule) {
  switch (rule) {
    case Rule::kSchool:
      return 'S';
    case Rule::kCity:
      return 'C';
    case Rule::kClass:
      return 'K';
    case Rule::kAny:
      return 'A';
    case Rule::kPublic:
      return 'P';
    case Rule::kDeny:
      return '-';
  }
  return '?';
}

TEST(AuthzTest, EveryConsoleRpcHasARule) {
  const google::protobuf::ServiceDescriptor* service = ConsoleService();
  ASSERT_GT(service->method_count(), 0);
  for (int i = 0; i < service->method_count(); ++i) {
    const std::string& rpc = service->method(i)->name();
    auto rules = AuthorizationTable().find(rpc);
    ASSERT_NE(rules, AuthorizationTable().end())
        << "Console." << rpc
        << " has no authorization rule: add it to AuthorizationTable() "
           "(teacher-console/server/authz.cc) and to Expected() here";
    auto expected = Expected().find(rpc);
    ASSERT_NE(expected, Expected().end()) << rpc << " missing from Expected()";
    const RpcRules& r = rules->second;
    EXPECT_EQ(std::string({Code(r.it_admin), Code(r.director), Code(r.teacher),
                           Code(r.city_viewer)}),
              expected->second)
        << rpc;
  }
  // And no rule names an rpc that does not exist.
  EXPECT_EQ(AuthorizationTable().size(),
            static_cast<size_t>(service->method_count()));
}

// For every rpc and role: the own class/school and another's.
TEST(AuthzTest, MatrixOwnAndOtherForEveryRpcAndRole) {
  FakeSchoolModel model;
  struct Who {
    Caller caller;
    int column;  // in Expected()
  };
  const std::vector<Who> callers = {
      {Make("city-it", v1::ROLE_IT_ADMIN, ""), 0},
      {Make("jaures-it", v1::ROLE_IT_ADMIN, "jaures"), 0},
      {Make("dir", v1::ROLE_DIRECTOR, "jaures"), 1},
      {Make("t1", v1::ROLE_TEACHER, ""), 2},
      {Make("city", v1::ROLE_CITY_VIEWER, ""), 3},
  };
  const google::protobuf::ServiceDescriptor* service = ConsoleService();
  int checked = 0;
  for (int i = 0; i < service->method_count(); ++i) {
    const std::string& rpc = service->method(i)->name();
    ASSERT_EQ(Expected().count(rpc), 1u) << rpc;
    for (const Who& who : callers) {
      const char code = Expected().at(rpc)[who.column];
      const bool city_wide = who.caller.school.empty();
      bool own = false;
      bool other = false;
      switch (code) {
        case 'A':
        case 'P':
          own = other = true;
          break;
        case 'C':
          own = other = city_wide;
          break;
        case 'S':
          own = true;
          other = city_wide;
          break;
        case 'K':
          own = true;
          other = false;
          break;
        default:
          break;
      }
      RequestScope own_scope = Own();
      RequestScope other_scope = Other();
      if (rpc == "AssignTeacher") {
        own_scope.assignment = other_scope.assignment = true;
        own_scope.substitute_one_day = other_scope.substitute_one_day = true;
      }
      absl::Status own_status =
          Authorize(who.caller, rpc, own_scope, model, kMonday);
      absl::Status other_status =
          Authorize(who.caller, rpc, other_scope, model, kMonday);
      EXPECT_EQ(own_status.ok(), own)
          << rpc << " " << who.caller.login << " own: " << own_status;
      EXPECT_EQ(other_status.ok(), other)
          << rpc << " " << who.caller.login << " other: " << other_status;
      if (!own_status.ok()) {
        EXPECT_TRUE(absl::IsPermissionDenied(own_status));
      }
      if (!other_status.ok()) {
        EXPECT_TRUE(absl::IsPermissionDenied(other_status));
      }
      checked += 2;
    }
  }
  EXPECT_EQ(checked, service->method_count() * 5 * 2);
}

TEST(AuthzTest, UnknownRpcIsDenied) {
  FakeSchoolModel model;
  EXPECT_TRUE(absl::IsPermissionDenied(Authorize(
      Make("a", v1::ROLE_IT_ADMIN, ""), "NoSuchRpc", Own(), model, kMonday)));
}

TEST(AuthzTest, TeacherOnlyOnTheAssignedDay) {
  FakeSchoolModel model;
  const Caller t1 = Make("t1", v1::ROLE_TEACHER, "");
  EXPECT_TRUE(Authorize(t1, "StartSession", Own(), model, kMonday).ok());
  const absl::Status tuesday =
      Authorize(t1, "StartSession", Own(), model, kMonday + absl::Hours(24));
  EXPECT_TRUE(absl::IsPermissionDenied(tuesday));
  EXPECT_NE(tuesday.message().find("not assigned to you today"),
            std::string::npos)
      << tuesday;
}

TEST(AuthzTest, TeacherTargetsOnlyDevicesHeldByTheirClass) {
  FakeSchoolModel model;
  const Caller t1 = Make("t1", v1::ROLE_TEACHER, "");
  RequestScope mixed;
  mixed.has_devices = true;
  mixed.devices = {"d-a1", "d-b1"};
  mixed.device_schools = {"jaures", "ferry"};
  EXPECT_TRUE(absl::IsPermissionDenied(
      Authorize(t1, "SetLock", mixed, model, kMonday)));
  RequestScope mine;
  mine.has_devices = true;
  mine.devices = {"d-a1"};
  mine.device_schools = {"jaures"};
  EXPECT_TRUE(Authorize(t1, "SetLock", mine, model, kMonday).ok());
}

TEST(AuthzTest, OverrideIsForItStaffOnly) {
  FakeSchoolModel model;
  RequestScope scope = Own();
  scope.override_start = true;
  EXPECT_TRUE(Authorize(Make("it", v1::ROLE_IT_ADMIN, "jaures"), "StartSession",
                        scope, model, kMonday)
                  .ok());
  EXPECT_TRUE(absl::IsPermissionDenied(
      Authorize(Make("t1", v1::ROLE_TEACHER, ""), "StartSession", scope, model,
                kMonday)));
}

TEST(AuthzTest, TeachersBorrowCartsNotAnotherClassRoom) {
  FakeSchoolModel model;
  RequestScope scope = Own();
  scope.other_rooms = {"salle-14"};
  const absl::Status teacher = Authorize(Make("t1", v1::ROLE_TEACHER, ""),
                                         "StartSession", scope, model, kMonday);
  EXPECT_TRUE(absl::IsPermissionDenied(teacher));
  EXPECT_NE(std::string(teacher.message()).find("salle-14 is another class's"),
            std::string::npos)
      << teacher;
  EXPECT_TRUE(Authorize(Make("it", v1::ROLE_IT_ADMIN, "jaures"), "StartSession",
                        scope, model, kMonday)
                  .ok());
}

TEST(AuthzTest, DirectorAssignsOnlyOneDaySubstitutes) {
  FakeSchoolModel model;
  const Caller dir = Make("dir", v1::ROLE_DIRECTOR, "jaures");
  RequestScope scope = Own();
  scope.assignment = true;
  scope.substitute_one_day = false;
  EXPECT_TRUE(absl::IsPermissionDenied(
      Authorize(dir, "AssignTeacher", scope, model, kMonday)));
  scope.substitute_one_day = true;
  EXPECT_TRUE(Authorize(dir, "AssignTeacher", scope, model, kMonday).ok());
  // IT staff assign teachers for any period.
  scope.substitute_one_day = false;
  EXPECT_TRUE(Authorize(Make("it", v1::ROLE_IT_ADMIN, "jaures"),
                        "AssignTeacher", scope, model, kMonday)
                  .ok());
}

TEST(AuthzTest, CityViewerGetsNoDeviceDetail) {
  FakeSchoolModel model;
  RequestScope scope;
  scope.device_detail = true;
  EXPECT_TRUE(absl::IsPermissionDenied(
      Authorize(Make("city", v1::ROLE_CITY_VIEWER, ""), "NoScreenReport", scope,
                model, kMonday)));
  scope.device_detail = false;
  EXPECT_TRUE(Authorize(Make("city", v1::ROLE_CITY_VIEWER, ""),
                        "NoScreenReport", scope, model, kMonday)
                  .ok());
}

TEST(AuthzTest, SchoolStaffMustNameTheirSchool) {
  FakeSchoolModel model;
  const absl::Status status =
      Authorize(Make("it", v1::ROLE_IT_ADMIN, "jaures"), "ListDevices",
                RequestScope{}, model, kMonday);
  EXPECT_TRUE(absl::IsPermissionDenied(status));
  EXPECT_NE(status.message().find("--school jaures"), std::string::npos)
      << status;
}

}  // namespace
}  // namespace ardoise
