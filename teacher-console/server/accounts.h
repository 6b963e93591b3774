// People's accounts: argon2id password hashes (libsodium), login sessions
// as expiring bearer tokens (random; only their SHA-256 is stored), the
// lockout after failed logins, and the in-memory view (Accounts) that
// authenticates each call and answers the authorization's questions about
// classes and teachers (authz.h SchoolModel).
//
// Tables (console migration 6): accounts (login, role, school, hash,
// disabled, failed logins in a row, locked until), login_sessions (token
// hash, login, expiry).
//
// Thread safety: the store functions run on the Writer thread (they take a
// Database). Password hashing is slow on purpose (~0.1 s, 64 MiB): it runs
// there too, never on a gRPC reactor. Accounts is thread-safe; its methods
// only read memory under a mutex and never block on I/O, so reactors call
// them; it is updated after each commit.
#ifndef ARDOISE_TEACHER_CONSOLE_SERVER_ACCOUNTS_H_
#define ARDOISE_TEACHER_CONSOLE_SERVER_ACCOUNTS_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "ardoise/v1/console.pb.h"
#include "common/sqlite.h"
#include "teacher-console/server/authz.h"
#include "teacher-console/server/sessions.h"

namespace ardoise {

// How logins are limited; the defaults are DESIGN.md's.
struct LoginPolicy {
  // Failed logins in a row that lock the account...
  int lock_after = 20;
  // ...for this long (then the count starts again).
  absl::Duration lock_for = absl::Minutes(15);
  // Failures in a row after which each failed answer is delayed, doubling
  // from 100 ms up to `max_delay`.
  int slow_after = 5;
  absl::Duration max_delay = absl::Seconds(2);
  // How long a login session (bearer token) lasts.
  absl::Duration session_ttl = absl::Hours(12);
};

// The delay of a failed answer after `failures` failures in a row.
absl::Duration FailureDelay(const LoginPolicy& policy, int failures);

// An argon2id hash string (crypto_pwhash_str, interactive limits).
absl::StatusOr<std::string> HashPassword(std::string_view password);
bool VerifyPassword(const std::string& hash, std::string_view password);
// A random password of 20 characters, for new accounts and resets.
std::string RandomPassword();
// INVALID_ARGUMENT unless 10 to 1024 bytes.
absl::Status CheckNewPassword(std::string_view password);
// INVALID_ARGUMENT for a bad login, role or school for the role.
absl::Status CheckUser(const v1::User& user);

// --- Store (Writer thread) ---
struct AccountRow {
  v1::User user;  // locked_until unset when not locked
  std::string password_hash;
};
absl::Status InsertAccount(Database& db, const v1::User& user,
                           const std::string& password_hash, absl::Time now);
absl::StatusOr<std::vector<AccountRow>> LoadAccounts(Database& db);
// NOT_FOUND with the fix for an unknown login.
absl::StatusOr<AccountRow> LoadAccount(Database& db, const std::string& login);
// New hash; clears the failures and the lock; ends its sessions.
absl::Status SetPasswordHash(Database& db, const std::string& login,
                             const std::string& hash);
// Disables the account and ends its sessions.
absl::Status DisableAccount(Database& db, const std::string& login);
absl::Status DeleteLoginSession(Database& db, const std::string& token_hash);

struct LoginSessionRow {
  std::string token_hash;
  std::string login;
  absl::Time expires_at;
};
// Unexpired sessions at `now`.
absl::StatusOr<std::vector<LoginSessionRow>> LoadLoginSessions(Database& db,
                                                               absl::Time now);

// The slow half of a login: the argon2id verification (about 0.1 s and
// 64 MiB), read-only, so the console runs it on a thread of its own and
// never on the Writer. `hash` is the hash the password was checked against
// ("" when nothing was checked: unknown, disabled or locked account);
// AttemptLogin trusts `matched` only while the account still has that hash
// (a password reset in between makes the attempt wrong).
struct PasswordCheck {
  std::string hash;
  bool matched = false;
};
absl::StatusOr<PasswordCheck> CheckPassword(Database& db,
                                            const std::string& login,
                                            std::string_view password,
                                            absl::Time now);

// One login attempt, decided from `check` and recorded (counters, lock,
// session row and the audit lines) in the caller's transaction: fast, for
// the Writer. Non-OK only when the database fails; the attempt's answer is
// in `status`.
struct LoginOutcome {
  absl::Status status;  // OK, UNAUTHENTICATED or RESOURCE_EXHAUSTED
  v1::LoginResponse response;
  LoginSessionRow session;  // when OK
  absl::Duration delay;     // slow down the failed answer this much
  // A wrong password or an unknown account: what the per-address limit
  // counts (not refusals of disabled or locked accounts, which cost
  // nothing).
  bool guessed_wrong = false;
};
absl::StatusOr<LoginOutcome> AttemptLogin(
    Database& db, const std::string& login, const PasswordCheck& check,
    absl::Time now, const LoginPolicy& policy, const std::string& peer);

// --- In-memory view ---
class Accounts final : public SchoolModel {
 public:
  explicit Accounts(const Sessions* sessions) : sessions_(sessions) {}
  Accounts(const Accounts&) = delete;
  Accounts& operator=(const Accounts&) = delete;

  // Reads accounts, unexpired sessions and teacher assignments (startup,
  // with the Writer's database).
  absl::Status Load(Database& db, absl::Time now);

  // The caller behind `authorization` metadata ("Bearer TOKEN") at `now`;
  // UNAUTHENTICATED with the fix for a missing, unknown or expired token or
  // a disabled account. `peer` names the caller's address for the audit.
  absl::StatusOr<Caller> Authenticate(std::string_view authorization,
                                      absl::Time now,
                                      const std::string& peer) const;

  // After commits.
  void PutUser(const v1::User& user);
  void AddSession(const LoginSessionRow& session);
  void DropSession(const std::string& token_hash);
  void DropSessionsOf(const std::string& login);
  void AddAssignment(const v1::TeacherAssignment& assignment);

  // The school of an account (empty: city-wide); false if unknown.
  bool SchoolOfUser(const std::string& login, std::string* school) const;
  // Logins of accounts of `school`.
  std::vector<std::string> LoginsOf(const std::string& school) const;

  // SchoolModel.
  std::string SchoolOfClass(const std::string& class_name) const override;
  std::vector<std::string> ClassesOf(const std::string& teacher,
                                     absl::Time now) const override;
  std::vector<std::string> DevicesOfClass(
      const std::string& class_name) const override;

 private:
  const Sessions* sessions_;
  mutable absl::Mutex mu_;
  std::map<std::string, v1::User> users_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, LoginSessionRow> sessions_by_hash_ ABSL_GUARDED_BY(mu_);
  std::vector<v1::TeacherAssignment> assignments_ ABSL_GUARDED_BY(mu_);
};

// The token's stored form.
std::string TokenHash(std::string_view token);

}  // namespace ardoise

#endif  // ARDOISE_TEACHER_CONSOLE_SERVER_ACCOUNTS_H_
