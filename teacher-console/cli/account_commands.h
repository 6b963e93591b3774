// The `ardoise` commands for people's accounts and the audit trail:
// `login`, `logout`, `users create|list|disable|reset-password` and
// `audit list`. Login stores the session's bearer token 0600 in the file
// Session::token_path names (the user's config folder, next to ca.pem);
// every other command sends it (connection.h).
//
// Thread safety: runs on the calling thread.
#ifndef ARDOISE_TEACHER_CONSOLE_CLI_ACCOUNT_COMMANDS_H_
#define ARDOISE_TEACHER_CONSOLE_CLI_ACCOUNT_COMMANDS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ardoise/v1/console.pb.h"
#include "teacher-console/cli/commands.h"

namespace ardoise::cli {

// `users create` flags and friends.
struct AccountFlags {
  std::string login;
  std::string role;
  std::string school;
  std::string password_file;  // --password-file: else random, printed once
  // audit list
  std::string since;  // DURATION ("2h") or TIME (RFC 3339 / YYYY-MM-DD)
  std::string actor;
  int limit = 100;
};

// Requests from flags; INVALID_ARGUMENT (a usage error) for bad ones.
// `now` anchors --since DURATION.
absl::StatusOr<v1::CreateUserRequest> MakeCreateUser(const AccountFlags& flags);
absl::StatusOr<v1::ListAuditRequest> MakeListAudit(const AccountFlags& flags,
                                                   absl::Time now);

// Login asks Session::read_password for the password, calls Login and
// saves the token in Session::token_path (folder 0700, file 0600).
absl::Status Login(Session& session, const v1::LoginRequest& request);
// Ends the session on the console and removes the token file.
absl::Status Logout(Session& session, const v1::LogoutRequest& request);
absl::Status CreateUser(Session& session, const v1::CreateUserRequest& request);
absl::Status ListUsers(Session& session, const v1::ListUsersRequest& request);
absl::Status DisableUser(Session& session,
                         const v1::DisableUserRequest& request);
absl::Status ResetPassword(Session& session,
                           const v1::ResetPasswordRequest& request);
absl::Status ListAudit(Session& session, const v1::ListAuditRequest& request);

}  // namespace ardoise::cli

#endif  // ARDOISE_TEACHER_CONSOLE_CLI_ACCOUNT_COMMANDS_H_
