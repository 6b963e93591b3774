#include "teacher-console/cli/account_commands.h"

#include <unistd.h>

#include <cstdio>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/duration.h"
#include "common/files.h"
#include "common/proto_time.h"
#include "common/status_macros.h"
#include "teacher-console/cli/format.h"

namespace ardoise::cli {
namespace {

// "it_admin" for ROLE_IT_ADMIN: the proto's names, lowercased.
std::string RoleText(v1::Role role) {
  return absl::AsciiStrToLower(ShortEnumName(v1::Role_Name(role), "ROLE_"));
}

bool ParseRole(const std::string& text, v1::Role* role) {
  return !text.empty() &&
         v1::Role_Parse(absl::StrCat("ROLE_", absl::AsciiStrToUpper(text)),
                        role) &&
         *role != v1::ROLE_UNSPECIFIED;
}

std::string UserState(const v1::User& user, absl::Time now) {
  if (user.disabled()) return "disabled";
  if (user.has_locked_until() && FromProto(user.locked_until()) > now) {
    return absl::StrCat("locked until ",
                        FormatAbsolute(FromProto(user.locked_until())));
  }
  return "active";
}

absl::StatusOr<std::string> ReadPasswordFile(const std::string& path) {
  if (path.empty()) return std::string();
  ARDOISE_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  return std::string(absl::StripTrailingAsciiWhitespace(text));
}

std::string PasswordLine(const v1::CreateUserResponse& response) {
  if (response.password().empty()) return "";
  return absl::StrCat("Password (shown once, give it to its owner): ",
                      response.password(), "\n");
}

}  // namespace

absl::StatusOr<v1::CreateUserRequest> MakeCreateUser(
    const AccountFlags& flags) {
  v1::CreateUserRequest request;
  v1::Role role;
  if (!ParseRole(flags.role, &role)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--role \"", flags.role,
                     "\": use it_admin, director, teacher or city_viewer"));
  }
  request.mutable_user()->set_login(flags.login);
  request.mutable_user()->set_role(role);
  request.mutable_user()->set_school(flags.school);
  ARDOISE_ASSIGN_OR_RETURN(std::string password,
                           ReadPasswordFile(flags.password_file));
  request.set_password(password);
  return request;
}

absl::StatusOr<v1::ListAuditRequest> MakeListAudit(const AccountFlags& flags,
                                                   absl::Time now) {
  v1::ListAuditRequest request;
  if (flags.limit < 1 || flags.limit > 10000) {
    return absl::InvalidArgumentError("--limit: use 1 to 10000");
  }
  request.set_limit(flags.limit);
  request.set_actor(flags.actor);
  if (!flags.since.empty()) {
    absl::Time since;
    std::string error;
    absl::CivilDay day;
    if (auto d = ParseDuration(flags.since); d.ok()) {
      since = now - *d;
    } else if (absl::ParseTime(absl::RFC3339_full, flags.since, &since,
                               &error)) {
    } else if (absl::ParseCivilTime(flags.since, &day)) {
      since = absl::FromCivil(day, absl::LocalTimeZone());
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("--since \"", flags.since,
                       "\": give a duration (2h, 3d) or a time (2026-11-26 or "
                       "2026-11-26T08:00:00Z)"));
    }
    ToProto(since, request.mutable_since());
  }
  return request;
}

absl::Status Login(Session& session, const v1::LoginRequest& login) {
  v1::LoginRequest request = login;
  if (!session.read_password) {
    return absl::InvalidArgumentError("no way to read a password");
  }
  ARDOISE_ASSIGN_OR_RETURN(std::string password, session.read_password());
  request.set_password(password);
  v1::LoginResponse response;
  // No token is sent with Login (an old one may have expired).
  session.token.clear();
  ARDOISE_RETURN_IF_ERROR(
      Call(session, &v1::Console::StubInterface::Login, request, &response));
  const std::string folder =
      session.token_path.substr(0, session.token_path.rfind('/'));
  ARDOISE_RETURN_IF_ERROR(MakeDirs(folder, 0700));
  ARDOISE_RETURN_IF_ERROR(
      WriteFileAtomically(session.token_path, response.token() + "\n", 0600));
  response.clear_token();  // never printed
  return Print(session, response, [&] {
    return absl::StrCat(
        "Logged in as ", response.user().login(), " (",
        RoleText(response.user().role()),
        response.user().school().empty()
            ? ", city-wide"
            : absl::StrCat(", school ", response.user().school()),
        ") until ", FormatAbsolute(FromProto(response.expires_at())), ".\n");
  });
}

absl::Status Logout(Session& session, const v1::LogoutRequest& request) {
  v1::LogoutResponse response;
  absl::Status called =
      Call(session, &v1::Console::StubInterface::Logout, request, &response);
  std::remove(session.token_path.c_str());
  if (!called.ok() && !absl::IsUnauthenticated(called)) return called;
  return Print(session, response, [] { return std::string("Logged out.\n"); });
}

absl::Status CreateUser(Session& session,
                        const v1::CreateUserRequest& request) {
  v1::CreateUserResponse response;
  ARDOISE_RETURN_IF_ERROR(Call(session, &v1::Console::StubInterface::CreateUser,
                               request, &response));
  return Print(session, response, [&] {
    return absl::StrCat(
        "Created account ", response.user().login(), " (",
        RoleText(response.user().role()),
        response.user().school().empty()
            ? ", city-wide"
            : absl::StrCat(", school ", response.user().school()),
        ").\n", PasswordLine(response));
  });
}

absl::Status ListUsers(Session& session, const v1::ListUsersRequest& request) {
  v1::ListUsersResponse response;
  ARDOISE_RETURN_IF_ERROR(Call(session, &v1::Console::StubInterface::ListUsers,
                               request, &response));
  const absl::Time now = session.clock->Now();
  return Print(session, response, [&] {
    Table table({"LOGIN", "ROLE", "SCHOOL", "STATE"});
    for (const v1::User& user : response.users()) {
      table.AddRow({user.login(), RoleText(user.role()),
                    user.school().empty() ? "(city)" : user.school(),
                    UserState(user, now)});
    }
    return table.Render();
  });
}

absl::Status DisableUser(Session& session,
                         const v1::DisableUserRequest& request) {
  v1::User response;
  ARDOISE_RETURN_IF_ERROR(Call(
      session, &v1::Console::StubInterface::DisableUser, request, &response));
  return Print(session, response, [&] {
    return absl::StrCat("Disabled account ", response.login(),
                        " (its sessions are ended).\n");
  });
}

absl::Status ResetPassword(Session& session,
                           const v1::ResetPasswordRequest& request) {
  v1::CreateUserResponse response;
  ARDOISE_RETURN_IF_ERROR(Call(
      session, &v1::Console::StubInterface::ResetPassword, request, &response));
  return Print(session, response, [&] {
    return absl::StrCat("New password for ", response.user().login(),
                        " (its lock is cleared, its sessions ended).\n",
                        PasswordLine(response));
  });
}

absl::Status ListAudit(Session& session, const v1::ListAuditRequest& request) {
  v1::ListAuditResponse response;
  ARDOISE_RETURN_IF_ERROR(Call(session, &v1::Console::StubInterface::ListAudit,
                               request, &response));
  return Print(session, response, [&] {
    Table table({"AT", "ACTOR", "ACTION", "TARGET", "OUTCOME", "DETAIL"});
    for (const v1::AuditLine& line : response.lines()) {
      table.AddRow({FormatAbsolute(FromProto(line.at())), line.actor(),
                    line.action(), line.target(), line.outcome(),
                    line.detail()});
    }
    return table.Render();
  });
}

}  // namespace ardoise::cli
