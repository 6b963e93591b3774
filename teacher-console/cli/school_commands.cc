#include "teacher-console/cli/school_commands.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "common/policy/policy_parse.h"
#include "common/status_macros.h"
#include "teacher-console/cli/format.h"
#include "teacher-console/cli/requests.h"

namespace ardoise::cli {
namespace {

absl::StatusOr<v1::Date> ParseDay(const std::string& text,
                                  const std::string& flag) {
  ARDOISE_ASSIGN_OR_RETURN(absl::CivilDay day, ParseDayFlag(text, flag));
  return ToDate(day);
}

std::vector<std::string> SplitCommas(const std::string& text) {
  if (text.empty()) return {};
  return absl::StrSplit(text, ',');
}

std::string OrDash(const std::string& text) {
  return text.empty() ? "-" : text;
}

}  // namespace

absl::StatusOr<v1::School> MakeSchool(const SchoolFlags& flags) {
  v1::School school;
  school.set_name(flags.name);
  school.set_display_name(flags.display_name);
  school.set_timezone(flags.timezone);
  return school;
}

absl::StatusOr<v1::Pool> MakePool(const PoolFlags& flags) {
  v1::Pool pool;
  pool.set_name(flags.name);
  pool.set_school(flags.school);
  pool.set_display_name(flags.display_name);
  if (flags.kind == "room") {
    pool.set_kind(v1::POOL_KIND_ROOM);
  } else if (flags.kind == "cart") {
    pool.set_kind(v1::POOL_KIND_CART);
  } else if (flags.kind == "lab") {
    pool.set_kind(v1::POOL_KIND_CITY_LAB);
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        "bad pool kind \"", flags.kind, "\": use room, cart or lab"));
  }
  return pool;
}

absl::StatusOr<v1::Class> MakeClass(const ClassFlags& flags) {
  v1::Class klass;
  klass.set_name(flags.name);
  klass.set_school(flags.school);
  for (const std::string& level : SplitCommas(flags.levels)) {
    klass.add_levels(level);
  }
  klass.set_home_room(flags.home_room);
  for (const std::string& group : SplitCommas(flags.groups)) {
    klass.add_groups(group);
  }
  return klass;
}

absl::StatusOr<v1::TeacherAssignment> MakeAssignment(const AssignFlags& flags) {
  v1::TeacherAssignment assignment;
  assignment.set_class_name(flags.class_name);
  assignment.set_teacher(flags.teacher);
  ARDOISE_ASSIGN_OR_RETURN(*assignment.mutable_from(),
                           ParseDay(flags.from, "--from"));
  ARDOISE_ASSIGN_OR_RETURN(*assignment.mutable_to(),
                           ParseDay(flags.to, "--to"));
  assignment.set_substitute(flags.substitute);
  return assignment;
}

absl::Status CreateSchool(Session& session, const v1::School& request) {
  v1::School school;
  ARDOISE_RETURN_IF_ERROR(Call(
      session, &v1::Console::StubInterface::CreateSchool, request, &school));
  return Print(session, school, [&] {
    return absl::StrCat("Created school ", school.name(), " (time zone ",
                        school.timezone(), ").\n");
  });
}

absl::Status ListSchools(Session& session,
                         const v1::ListSchoolsRequest& request) {
  v1::ListSchoolsResponse response;
  ARDOISE_RETURN_IF_ERROR(Call(
      session, &v1::Console::StubInterface::ListSchools, request, &response));
  return Print(session, response, [&] { return RenderSchools(response); });
}

absl::Status CreatePool(Session& session, const v1::Pool& request) {
  v1::Pool pool;
  ARDOISE_RETURN_IF_ERROR(
      Call(session, &v1::Console::StubInterface::CreatePool, request, &pool));
  return Print(session, pool, [&] {
    return absl::StrCat("Created pool ", pool.name(), " (",
                        PoolKindName(pool.kind()), ") in school ",
                        pool.school(), ".\n");
  });
}

absl::Status ListPools(Session& session, const v1::ListPoolsRequest& request) {
  v1::ListPoolsResponse response;
  ARDOISE_RETURN_IF_ERROR(Call(session, &v1::Console::StubInterface::ListPools,
                               request, &response));
  return Print(session, response, [&] { return RenderPools(response); });
}

absl::Status CreateClass(Session& session, const v1::Class& request) {
  v1::Class klass;
  ARDOISE_RETURN_IF_ERROR(
      Call(session, &v1::Console::StubInterface::CreateClass, request, &klass));
  return Print(session, klass, [&] {
    return absl::StrCat("Created class ", klass.name(), " (",
                        absl::StrJoin(klass.levels(), "/"), ") in school ",
                        klass.school(), ".\n");
  });
}

absl::Status ListClasses(Session& session,
                         const v1::ListClassesRequest& request) {
  v1::ListClassesResponse response;
  ARDOISE_RETURN_IF_ERROR(Call(
      session, &v1::Console::StubInterface::ListClasses, request, &response));
  return Print(session, response, [&] { return RenderClasses(response); });
}

absl::Status AssignTeacher(Session& session,
                           const v1::TeacherAssignment& request) {
  v1::TeacherAssignment assignment;
  ARDOISE_RETURN_IF_ERROR(Call(session,
                               &v1::Console::StubInterface::AssignTeacher,
                               request, &assignment));
  return Print(session, assignment, [&] {
    return absl::StrCat(
        "Assigned ", assignment.teacher(), " to class ",
        assignment.class_name(), " from ", FormatDate(assignment.from()),
        " to ", FormatDate(assignment.to()),
        assignment.substitute() ? " as a substitute" : "", ".\n");
  });
}

absl::Status ListAssignments(Session& session,
                             const v1::ListAssignmentsRequest& request) {
  v1::ListAssignmentsResponse response;
  ARDOISE_RETURN_IF_ERROR(Call(session,
                               &v1::Console::StubInterface::ListAssignments,
                               request, &response));
  return Print(session, response,
               [&] { return RenderAssignments(request, response); });
}

std::string PoolKindName(v1::PoolKind kind) {
  switch (kind) {
    case v1::POOL_KIND_ROOM:
      return "room";
    case v1::POOL_KIND_CART:
      return "cart";
    case v1::POOL_KIND_CITY_LAB:
      return "lab";
    default:
      return "unspecified";
  }
}

std::string RenderSchools(const v1::ListSchoolsResponse& response) {
  if (response.schools().empty()) {
    return "No schools. Create one with `ardoise schools create NAME`.\n";
  }
  Table table({"NAME", "DISPLAY NAME", "TIMEZONE"});
  for (const v1::School& s : response.schools()) {
    table.AddRow({s.name(), OrDash(s.display_name()), s.timezone()});
  }
  return table.Render();
}

std::string RenderPools(const v1::ListPoolsResponse& response) {
  if (response.pools().empty()) return "No pools.\n";
  Table table({"NAME", "SCHOOL", "KIND", "DISPLAY NAME"});
  for (const v1::Pool& p : response.pools()) {
    table.AddRow({p.name(), p.school(), PoolKindName(p.kind()),
                  OrDash(p.display_name())});
  }
  return table.Render();
}

std::string RenderClasses(const v1::ListClassesResponse& response) {
  if (response.classes().empty()) return "No classes.\n";
  Table table({"NAME", "SCHOOL", "LEVELS", "HOME ROOM", "GROUPS"});
  for (const v1::Class& c : response.classes()) {
    table.AddRow({c.name(), c.school(), absl::StrJoin(c.levels(), "/"),
                  OrDash(c.home_room()),
                  OrDash(absl::StrJoin(c.groups(), ","))});
  }
  return table.Render();
}

std::string RenderAssignments(const v1::ListAssignmentsRequest& request,
                              const v1::ListAssignmentsResponse& response) {
  if (response.assignments().empty()) {
    return absl::StrCat("No teachers assigned to ", request.class_name(),
                        ". Assign one with `ardoise classes assign ",
                        request.class_name(),
                        " --teacher LOGIN --from DATE "
                        "--to DATE`.\n");
  }
  Table table({"TEACHER", "FROM", "TO", "ROLE"});
  for (const v1::TeacherAssignment& a : response.assignments()) {
    table.AddRow({a.teacher(), FormatDate(a.from()), FormatDate(a.to()),
                  a.substitute() ? "substitute" : "teacher"});
  }
  return table.Render();
}

}  // namespace ardoise::cli
