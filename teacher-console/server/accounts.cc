#include "teacher-console/server/accounts.h"

#include <sodium.h>

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/policy/policy_parse.h"
#include "common/proto_time.h"
#include "common/random.h"
#include "common/status_macros.h"
#include "teacher-console/server/store.h"

namespace ardoise {
namespace {

bool ValidLogin(const std::string& login) {
  if (login.empty() || login.size() > 64) return false;
  for (char c : login) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

v1::User UserFrom(const Statement& row) {
  // login, role, school, disabled, failed_logins, locked_until
  v1::User user;
  user.set_login(row.ColumnText(0));
  v1::Role role = v1::ROLE_UNSPECIFIED;
  ParseRole(row.ColumnText(1), &role);
  user.set_role(role);
  user.set_school(row.ColumnText(2));
  user.set_disabled(row.ColumnInt64(3) != 0);
  user.set_failed_logins(static_cast<int32_t>(row.ColumnInt64(4)));
  if (row.ColumnInt64(5) > 0) {
    ToProto(absl::FromUnixMillis(row.ColumnInt64(5)),
            user.mutable_locked_until());
  }
  return user;
}

constexpr char kAccountColumns[] =
    "login, role, school, disabled, failed_logins, locked_until, "
    "password_hash";

absl::Status EndSessionsOf(Database& db, const std::string& login) {
  ARDOISE_ASSIGN_OR_RETURN(
      Statement * drop,
      db.Cached("DELETE FROM login_sessions WHERE login = ?"));
  return drop->Bind(1, login).Run();
}

}  // namespace

absl::Duration FailureDelay(const LoginPolicy& policy, int failures) {
  if (failures <= policy.slow_after) return absl::ZeroDuration();
  const int doublings = std::min(failures - policy.slow_after - 1, 20);
  return std::min(policy.max_delay, absl::Milliseconds(100) * (1 << doublings));
}

absl::StatusOr<std::string> HashPassword(std::string_view password) {
  char out[crypto_pwhash_STRBYTES];
  (void)RandomHex(1);  // initializes libsodium once (common/random.h)
  if (crypto_pwhash_str_alg(out, password.data(), password.size(),
                            crypto_pwhash_OPSLIMIT_INTERACTIVE,
                            crypto_pwhash_MEMLIMIT_INTERACTIVE,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return absl::ResourceExhaustedError(
        "cannot hash the password: out of memory");
  }
  return std::string(out);
}

bool VerifyPassword(const std::string& hash, std::string_view password) {
  (void)RandomHex(1);
  return crypto_pwhash_str_verify(hash.c_str(), password.data(),
                                  password.size()) == 0;
}

std::string RandomPassword() {
  static constexpr char kAlphabet[] =
      "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  const std::string bytes = RandomBytes(20);
  std::string out;
  for (unsigned char b : bytes) out += kAlphabet[b % (sizeof(kAlphabet) - 1)];
  return out;
}

absl::Status CheckNewPassword(std::string_view password) {
  if (password.size() < 10 || password.size() > 1024) {
    return absl::InvalidArgumentError(
        "a password has 10 to 1024 characters (leave it out for a random "
        "one)");
  }
  return absl::OkStatus();
}

absl::Status CheckUser(const v1::User& user) {
  if (!ValidLogin(user.login())) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad login \"", user.login(),
                     "\": use 1 to 64 of a-z, 0-9, '.', '-' and '_'"));
  }
  if (user.role() == v1::ROLE_UNSPECIFIED) {
    return absl::InvalidArgumentError(
        "give a role: it_admin, director, teacher or city_viewer");
  }
  if (user.role() == v1::ROLE_DIRECTOR && user.school().empty()) {
    return absl::InvalidArgumentError(
        "a director belongs to one school: add --school SCHOOL");
  }
  return absl::OkStatus();
}

absl::Status InsertAccount(Database& db, const v1::User& user,
                           const std::string& password_hash, absl::Time now) {
  ARDOISE_RETURN_IF_ERROR(CheckUser(user));
  if (!user.school().empty()) {
    ARDOISE_ASSIGN_OR_RETURN(Statement * school,
                             db.Cached("SELECT 1 FROM schools WHERE name = ?"));
    school->Bind(1, user.school());
    ARDOISE_ASSIGN_OR_RETURN(bool found, school->Step());
    school->Reset();
    if (!found) {
      return absl::NotFoundError(absl::StrCat("no school ", user.school(),
                                              " (see `ardoise schools list`)"));
    }
  }
  ARDOISE_ASSIGN_OR_RETURN(
      Statement * insert,
      db.Cached("INSERT INTO accounts (login, role, school, password_hash, "
                "created_at) VALUES (?, ?, ?, ?, ?)"));
  absl::Status inserted = insert->Bind(1, user.login())
                              .Bind(2, RoleName(user.role()))
                              .Bind(3, user.school())
                              .Bind(4, password_hash)
                              .Bind(5, absl::ToUnixMillis(now))
                              .Run();
  if (absl::IsAlreadyExists(inserted)) {
    return absl::AlreadyExistsError(
        absl::StrCat("account ", user.login(),
                     " already exists (see `ardoise users list`)"));
  }
  return inserted;
}

absl::StatusOr<std::vector<AccountRow>> LoadAccounts(Database& db) {
  ARDOISE_ASSIGN_OR_RETURN(
      Statement rows,
      db.Prepare(absl::StrCat("SELECT ", kAccountColumns,
                              " FROM accounts ORDER BY login")));
  std::vector<AccountRow> out;
  while (true) {
    ARDOISE_ASSIGN_OR_RETURN(bool more, rows.Step());
    if (!more) break;
    out.push_back({UserFrom(rows), rows.ColumnText(6)});
  }
  return out;
}

absl::StatusOr<AccountRow> LoadAccount(Database& db, const std::string& login) {
  ARDOISE_ASSIGN_OR_RETURN(
      Statement row,
      db.Prepare(absl::StrCat("SELECT ", kAccountColumns,
                              " FROM accounts WHERE login = ?")));
  row.Bind(1, login);
  ARDOISE_ASSIGN_OR_RETURN(bool found, row.Step());
  if (!found) {
    return absl::NotFoundError(
        absl::StrCat("no account ", login, " (see `ardoise users list`)"));
  }
  return AccountRow{UserFrom(row), row.ColumnText(6)};
}

absl::Status SetPasswordHash(Database& db, const std::string& login,
                             const std::string& hash) {
  ARDOISE_ASSIGN_OR_RETURN(
      Statement * update,
      db.Cached("UPDATE accounts SET password_hash = ?, failed_logins = 0, "
                "locked_until = 0 WHERE login = ?"));
  ARDOISE_RETURN_IF_ERROR(update->Bind(1, hash).Bind(2, login).Run());
  if (db.Changes() == 0) {
    return absl::NotFoundError(
        absl::StrCat("no account ", login, " (see `ardoise users list`)"));
  }
  return EndSessionsOf(db, login);
}

absl::Status DisableAccount(Database& db, const std::string& login) {
  ARDOISE_ASSIGN_OR_RETURN(
      Statement * update,
      db.Cached("UPDATE accounts SET disabled = 1 WHERE login = ?"));
  ARDOISE_RETURN_IF_ERROR(update->Bind(1, login).Run());
  if (db.Changes() == 0) {
    return absl::NotFoundError(
        absl::StrCat("no account ", login, " (see `ardoise users list`)"));
  }
  return EndSessionsOf(db, login);
}

absl::Status DeleteLoginSession(Database& db, const std::string& token_hash) {
  ARDOISE_ASSIGN_OR_RETURN(
      Statement * drop,
      db.Cached("DELETE FROM login_sessions WHERE token_hash = ?"));
  return drop->Bind(1, token_hash).Run();
}

absl::StatusOr<std::vector<LoginSessionRow>> LoadLoginSessions(Database& db,
                                                               absl::Time now) {
  ARDOISE_ASSIGN_OR_RETURN(
      Statement rows,
      db.Prepare("SELECT token_hash, login, expires_at FROM login_sessions "
                 "WHERE expires_at > ?"));
  rows.Bind(1, absl::ToUnixMillis(now));
  std::vector<LoginSessionRow> out;
  while (true) {
    ARDOISE_ASSIGN_OR_RETURN(bool more, rows.Step());
    if (!more) break;
    out.push_back({rows.ColumnText(0), rows.ColumnText(1),
                   absl::FromUnixMillis(rows.ColumnInt64(2))});
  }
  return out;
}

absl::StatusOr<PasswordCheck> CheckPassword(Database& db,
                                            const std::string& login,
                                            std::string_view password,
                                            absl::Time now) {
  PasswordCheck check;
  absl::StatusOr<AccountRow> account = LoadAccount(db, login);
  if (!account.ok()) {
    if (absl::IsNotFound(account.status())) return check;
    return account.status();
  }
  const v1::User& user = account->user;
  if (user.disabled() ||
      (user.has_locked_until() && FromProto(user.locked_until()) > now)) {
    return check;  // refused without spending a hash on it
  }
  check.hash = account->password_hash;
  check.matched = VerifyPassword(check.hash, password);
  return check;
}

absl::StatusOr<LoginOutcome> AttemptLogin(
    Database& db, const std::string& login, const PasswordCheck& check,
    absl::Time now, const LoginPolicy& policy, const std::string& peer) {
  LoginOutcome outcome;
  const std::string actor = absl::StrCat(login, "@", peer);
  absl::StatusOr<AccountRow> account = LoadAccount(db, login);
  if (!account.ok()) {
    if (!absl::IsNotFound(account.status())) return account.status();
    outcome.status = absl::UnauthenticatedError("wrong login or password");
    outcome.guessed_wrong = true;
    ARDOISE_RETURN_IF_ERROR(AppendAudit(db, now, actor, "login", login,
                                        "refused", "unknown account"));
    return outcome;
  }
  const v1::User& user = account->user;
  if (user.disabled()) {
    outcome.status = absl::UnauthenticatedError(
        absl::StrCat("account ", login,
                     " is disabled: ask IT staff (`ardoise users "
                     "reset-password`)"));
    ARDOISE_RETURN_IF_ERROR(
        AppendAudit(db, now, actor, "login", login, "refused", "disabled"));
    return outcome;
  }
  if (user.has_locked_until() && FromProto(user.locked_until()) > now) {
    const absl::Time until = FromProto(user.locked_until());
    outcome.status = absl::ResourceExhaustedError(absl::StrCat(
        "account ", login, " is locked after ", policy.lock_after,
        " failed logins until ",
        absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", until, absl::UTCTimeZone()),
        ": try again then, or ask IT staff to reset the password"));
    ARDOISE_RETURN_IF_ERROR(
        AppendAudit(db, now, actor, "login", login, "refused", "locked"));
    return outcome;
  }
  if (!check.matched || check.hash != account->password_hash) {
    int failures = user.failed_logins() + 1;
    int64_t locked_until = 0;
    if (failures >= policy.lock_after) {
      locked_until = absl::ToUnixMillis(now + policy.lock_for);
    }
    outcome.delay = FailureDelay(policy, failures);
    outcome.guessed_wrong = true;
    ARDOISE_ASSIGN_OR_RETURN(
        Statement * update,
        db.Cached("UPDATE accounts SET failed_logins = ?, locked_until = ? "
                  "WHERE login = ?"));
    ARDOISE_RETURN_IF_ERROR(update->Bind(1, locked_until > 0 ? 0 : failures)
                                .Bind(2, locked_until)
                                .Bind(3, login)
                                .Run());
    ARDOISE_RETURN_IF_ERROR(
        AppendAudit(db, now, actor, "login", login, "refused",
                    absl::StrCat("wrong password (", failures, " in a row)")));
    if (locked_until > 0) {
      ARDOISE_RETURN_IF_ERROR(AppendAudit(
          db, now, actor, "login.lock", login, "ok",
          absl::StrCat("locked for ", absl::FormatDuration(policy.lock_for),
                       " after ", failures, " failed logins")));
      outcome.status = absl::ResourceExhaustedError(absl::StrCat(
          "wrong login or password; account ", login, " is now locked for ",
          absl::FormatDuration(policy.lock_for)));
    } else {
      outcome.status = absl::UnauthenticatedError("wrong login or password");
    }
    return outcome;
  }
  ARDOISE_ASSIGN_OR_RETURN(
      Statement * reset,
      db.Cached("UPDATE accounts SET failed_logins = 0, locked_until = 0 "
                "WHERE login = ?"));
  ARDOISE_RETURN_IF_ERROR(reset->Bind(1, login).Run());
  const std::string token = RandomHex(32);
  outcome.session = {TokenHash(token), login, now + policy.session_ttl};
  ARDOISE_ASSIGN_OR_RETURN(
      Statement * insert,
      db.Cached("INSERT INTO login_sessions (token_hash, login, created_at, "
                "expires_at) VALUES (?, ?, ?, ?)"));
  ARDOISE_RETURN_IF_ERROR(
      insert->Bind(1, outcome.session.token_hash)
          .Bind(2, login)
          .Bind(3, absl::ToUnixMillis(now))
          .Bind(4, absl::ToUnixMillis(outcome.session.expires_at))
          .Run());
  ARDOISE_RETURN_IF_ERROR(AppendAudit(db, now, actor, "login", login, "ok"));
  outcome.response.set_token(token);
  ToProto(outcome.session.expires_at, outcome.response.mutable_expires_at());
  *outcome.response.mutable_user() = user;
  outcome.response.mutable_user()->set_failed_logins(0);
  outcome.response.mutable_user()->clear_locked_until();
  outcome.status = absl::OkStatus();
  return outcome;
}

std::string TokenHash(std::string_view token) { return Sha256Hex(token); }

absl::Status Accounts::Load(Database& db, absl::Time now) {
  ARDOISE_ASSIGN_OR_RETURN(std::vector<AccountRow> accounts, LoadAccounts(db));
  ARDOISE_ASSIGN_OR_RETURN(std::vector<LoginSessionRow> sessions,
                           LoadLoginSessions(db, now));
  ARDOISE_ASSIGN_OR_RETURN(
      Statement rows,
      db.Prepare("SELECT class_name, teacher, from_day, to_day, substitute "
                 "FROM teacher_assignments"));
  std::vector<v1::TeacherAssignment> assignments;
  while (true) {
    ARDOISE_ASSIGN_OR_RETURN(bool more, rows.Step());
    if (!more) break;
    v1::TeacherAssignment& a = assignments.emplace_back();
    a.set_class_name(rows.ColumnText(0));
    a.set_teacher(rows.ColumnText(1));
    *a.mutable_from() = DateOfText(rows.ColumnText(2));
    *a.mutable_to() = DateOfText(rows.ColumnText(3));
    a.set_substitute(rows.ColumnInt64(4) != 0);
  }
  absl::MutexLock lock(&mu_);
  for (AccountRow& row : accounts) users_[row.user.login()] = row.user;
  for (LoginSessionRow& s : sessions) sessions_by_hash_[s.token_hash] = s;
  assignments_ = std::move(assignments);
  return absl::OkStatus();
}

absl::StatusOr<Caller> Accounts::Authenticate(std::string_view authorization,
                                              absl::Time now,
                                              const std::string& peer) const {
  constexpr std::string_view kBearer = "Bearer ";
  if (authorization.substr(0, kBearer.size()) != kBearer) {
    return absl::UnauthenticatedError(
        "not logged in: run `ardoise login --user LOGIN` first");
  }
  const std::string hash = TokenHash(authorization.substr(kBearer.size()));
  absl::MutexLock lock(&mu_);
  auto session = sessions_by_hash_.find(hash);
  if (session == sessions_by_hash_.end() || session->second.expires_at <= now) {
    return absl::UnauthenticatedError(
        "your login session is unknown or expired: run `ardoise login "
        "--user LOGIN` again");
  }
  auto user = users_.find(session->second.login);
  if (user == users_.end() || user->second.disabled()) {
    return absl::UnauthenticatedError("this account is disabled: ask IT staff");
  }
  Caller caller;
  caller.login = user->second.login();
  caller.role = user->second.role();
  caller.school = user->second.school();
  caller.actor = absl::StrCat(caller.login, "@", peer);
  return caller;
}

void Accounts::PutUser(const v1::User& user) {
  absl::MutexLock lock(&mu_);
  users_[user.login()] = user;
}

void Accounts::AddSession(const LoginSessionRow& session) {
  absl::MutexLock lock(&mu_);
  // Expired sessions are dropped here, so the map stays as small as the
  // number of people logged in.
  for (auto it = sessions_by_hash_.begin(); it != sessions_by_hash_.end();) {
    if (it->second.expires_at <= session.expires_at - absl::Hours(24 * 7)) {
      it = sessions_by_hash_.erase(it);
    } else {
      ++it;
    }
  }
  sessions_by_hash_[session.token_hash] = session;
}

void Accounts::DropSession(const std::string& token_hash) {
  absl::MutexLock lock(&mu_);
  sessions_by_hash_.erase(token_hash);
}

void Accounts::DropSessionsOf(const std::string& login) {
  absl::MutexLock lock(&mu_);
  for (auto it = sessions_by_hash_.begin(); it != sessions_by_hash_.end();) {
    if (it->second.login == login) {
      it = sessions_by_hash_.erase(it);
    } else {
      ++it;
    }
  }
}

void Accounts::AddAssignment(const v1::TeacherAssignment& assignment) {
  absl::MutexLock lock(&mu_);
  assignments_.push_back(assignment);
}

bool Accounts::SchoolOfUser(const std::string& login,
                            std::string* school) const {
  absl::MutexLock lock(&mu_);
  auto it = users_.find(login);
  if (it == users_.end()) return false;
  *school = it->second.school();
  return true;
}

std::vector<std::string> Accounts::LoginsOf(const std::string& school) const {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> out;
  for (const auto& [login, user] : users_) {
    if (user.school() == school) out.push_back(login);
  }
  return out;
}

std::string Accounts::SchoolOfClass(const std::string& class_name) const {
  std::string school;
  std::string timezone;
  if (!sessions_->ClassPlace(class_name, &school, &timezone)) return "";
  return school;
}

std::vector<std::string> Accounts::ClassesOf(const std::string& teacher,
                                             absl::Time now) const {
  std::vector<v1::TeacherAssignment> mine;
  {
    absl::MutexLock lock(&mu_);
    for (const v1::TeacherAssignment& a : assignments_) {
      if (a.teacher() == teacher) mine.push_back(a);
    }
  }
  std::vector<std::string> out;
  for (const v1::TeacherAssignment& a : mine) {
    std::string school;
    std::string timezone;
    if (!sessions_->ClassPlace(a.class_name(), &school, &timezone)) continue;
    absl::TimeZone zone = absl::UTCTimeZone();
    if (!absl::LoadTimeZone(timezone, &zone)) zone = absl::UTCTimeZone();
    const std::string today =
        absl::FormatCivilTime(absl::ToCivilDay(now, zone));
    if (FormatDate(a.from()) <= today && today <= FormatDate(a.to())) {
      out.push_back(a.class_name());
    }
  }
  return out;
}

std::vector<std::string> Accounts::DevicesOfClass(
    const std::string& class_name) const {
  std::string described;
  auto ids = sessions_->ClassDevices(class_name, &described);
  if (!ids.ok()) return {};
  return *std::move(ids);
}

}  // namespace ardoise
