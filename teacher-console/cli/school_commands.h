// `ardoise schools|pools|classes ...`: the school model (DESIGN.md, "School
// model"). The Make* functions turn flags into requests, refusing only what
// is a usage error (a bad pool kind, a date that is not YYYY-MM-DD); the
// console checks the rest (names, references, levels, groups) and its
// refusal is printed as is. The commands make one call each.
//
// Thread safety: like commands.h, one thread.
#ifndef ARDOISE_TEACHER_CONSOLE_CLI_SCHOOL_COMMANDS_H_
#define ARDOISE_TEACHER_CONSOLE_CLI_SCHOOL_COMMANDS_H_

#include <string>

#include "absl/status/statusor.h"
#include "ardoise/v1/console.pb.h"
#include "teacher-console/cli/commands.h"

namespace ardoise::cli {

// `schools create` flags.
struct SchoolFlags {
  std::string name;
  std::string display_name;
  std::string timezone;  // empty = the console's default (Europe/Paris)
};
absl::StatusOr<v1::School> MakeSchool(const SchoolFlags& flags);

// `pools create` flags; `kind` is room, cart or lab.
struct PoolFlags {
  std::string name;
  std::string school;
  std::string kind;
  std::string display_name;
};
absl::StatusOr<v1::Pool> MakePool(const PoolFlags& flags);

// `classes create` flags; `levels` and `groups` are comma-separated.
struct ClassFlags {
  std::string name;
  std::string school;
  std::string levels;
  std::string home_room;
  std::string groups;
};
absl::StatusOr<v1::Class> MakeClass(const ClassFlags& flags);

// `classes assign` flags; dates are YYYY-MM-DD.
struct AssignFlags {
  std::string class_name;
  std::string teacher;
  std::string from;
  std::string to;
  bool substitute = false;
};
absl::StatusOr<v1::TeacherAssignment> MakeAssignment(const AssignFlags& flags);

absl::Status CreateSchool(Session& session, const v1::School& request);
absl::Status ListSchools(Session& session,
                         const v1::ListSchoolsRequest& request);
absl::Status CreatePool(Session& session, const v1::Pool& request);
absl::Status ListPools(Session& session, const v1::ListPoolsRequest& request);
absl::Status CreateClass(Session& session, const v1::Class& request);
absl::Status ListClasses(Session& session,
                         const v1::ListClassesRequest& request);
absl::Status AssignTeacher(Session& session,
                           const v1::TeacherAssignment& request);
absl::Status ListAssignments(Session& session,
                             const v1::ListAssignmentsRequest& request);

// "room", "cart" or "lab", as `--kind` spells them.
std::string PoolKindName(v1::PoolKind kind);

// Table renderings (pure, tested).
std::string RenderSchools(const v1::ListSchoolsResponse& response);
std::string RenderPools(const v1::ListPoolsResponse& response);
std::string RenderClasses(const v1::ListClassesResponse& response);
std::string RenderAssignments(const v1::ListAssignmentsRequest& request,
                              const v1::ListAssignmentsResponse& response);

}  // namespace ardoise::cli

#endif  // ARDOISE_TEACHER_CONSOLE_CLI_SCHOOL_COMMANDS_H_
