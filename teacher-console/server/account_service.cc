// Console: people's accounts (login, logout, users) and the audit viewer.
// Password checks and the hashing of new passwords run on the login worker,
// never on the Writer nor on a reactor; failed logins are limited per address
// (RateLimiter) and per account (LoginPolicy's lock); a failed login's
// answer is slowed down with a gRPC alarm, not a sleep. The audit is read on
// the ReportWorker.
#include <algorithm>
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/grpc_status.h"
#include "common/logging.h"
#include "common/proto_time.h"
#include "common/status_macros.h"
#include "grpcpp/alarm.h"
#include "teacher-console/server/rate_limit.h"
#include "teacher-console/server/report_worker.h"
#include "teacher-console/server/services.h"
#include "teacher-console/server/store.h"

namespace ardoise {
namespace {

constexpr char kCityWide[] = "(city-wide)";

// Finishes `reactor` with `status` after `delay` (now when zero).
void FinishAfter(grpc::ServerUnaryReactor* reactor, const grpc::Status& status,
                 absl::Duration delay) {
  if (delay <= absl::ZeroDuration()) {
    reactor->Finish(status);
    return;
  }
  auto* alarm = new grpc::Alarm;
  alarm->Set(absl::ToChronoTime(absl::Now() + delay),
             [alarm, reactor, status](bool) {
               reactor->Finish(status);
               // gRPC keeps its own reference while the callback runs.
               delete alarm;
             });
}

// The scope of a request about an existing account: its school.
ScopeResolver ScopeOfAccount(const ConsoleContext& context,
                             const std::string& login) {
  return [&context, login](const Caller&, RequestScope& scope) {
    std::string school;
    if (!context.accounts->SchoolOfUser(login, &school)) {
      return absl::NotFoundError(
          absl::StrCat("no account ", login, " (see `ardoise users list`)"));
    }
    scope.school = school.empty() ? kCityWide : school;
    return absl::OkStatus();
  };
}

// Hashes `password` on the login worker (argon2id: ~0.1 s, never on the
// Writer), then posts `write(db, hash)` to the Writer and `done` after its
// commit. `reactor` is finished with UNAVAILABLE when the worker is full.
void HashThenWrite(
    const ConsoleContext& context, grpc::ServerUnaryReactor* reactor,
    std::string password,
    std::function<absl::Status(Database&, const std::string&)> write,
    Writer::Done done) {
  Writer* writer = context.writer;
  context.login_worker->Post([=](Database* db) {
    if (db == nullptr) {
      reactor->Finish(ToGrpc(absl::UnavailableError(
          "the console is busy or shutting down: try again")));
      return;
    }
    absl::StatusOr<std::string> hash = HashPassword(password);
    if (!hash.ok()) {
      reactor->Finish(ToGrpc(hash.status()));
      return;
    }
    writer->Post([write, hash = *std::move(hash)](
                     Database& db) { return write(db, hash); },
                 done);
  });
}

// The Writer's done callback of a change that ends an account's login
// sessions (disabled, new password): once committed, the in-memory view
// gets `user` as written and forgets the sessions; then the call finishes.
Writer::Done SessionsEnded(Accounts* accounts,
                           grpc::ServerUnaryReactor* reactor,
                           const v1::User* user, std::string login) {
  return
      [accounts, reactor, user, login = std::move(login)](absl::Status status) {
        if (status.ok()) {
          accounts->PutUser(*user);
          accounts->DropSessionsOf(login);
        }
        reactor->Finish(ToGrpc(status));
      };
}

std::string BearerOf(grpc::CallbackServerContext* ctx) {
  auto header = ctx->client_metadata().find("authorization");
  if (header == ctx->client_metadata().end()) return "";
  std::string value(header->second.data(), header->second.size());
  return absl::StartsWith(value, "Bearer ") ? value.substr(7) : "";
}

}  // namespace

grpc::ServerUnaryReactor* ConsoleService::Login(
    grpc::CallbackServerContext* ctx, const v1::LoginRequest* request,
    v1::LoginResponse* response) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  if (request->login().empty() || request->login().size() > 64 ||
      request->password().size() > 1024) {
    reactor->Finish(
        ToGrpc(absl::UnauthenticatedError("wrong login or password")));
    return reactor;
  }
  const absl::Time now = context_.clock->Now();
  const std::string peer = ctx->peer();
  const std::string host = PeerHost(peer);
  RateLimiter* limiter = context_.login_limiter;
  if (limiter != nullptr) {
    absl::Status allowed = limiter->Allow(host, now);
    if (!allowed.ok()) {
      ARDOISE_LOG(WARNING) << "login of \"" << request->login()
                           << "\" refused: " << allowed.message();
      reactor->Finish(ToGrpc(allowed));
      return reactor;
    }
  }
  const LoginPolicy policy = context_.login_policy;
  Accounts* accounts = context_.accounts;
  Writer* writer = context_.writer;
  // The password is checked on the login worker (slow, read-only), then
  // the attempt is recorded on the Writer (fast), which trusts the check
  // only if the account's hash has not changed in between.
  context_.login_worker->Post([=](Database* db) {
    if (db == nullptr) {
      reactor->Finish(ToGrpc(absl::UnavailableError(
          "too many logins at once: try again in a few seconds")));
      return;
    }
    absl::StatusOr<PasswordCheck> check =
        CheckPassword(*db, request->login(), request->password(), now);
    if (!check.ok()) {
      reactor->Finish(ToGrpc(check.status()));
      return;
    }
    auto outcome = std::make_shared<LoginOutcome>();
    writer->Post(
        [=, check = *std::move(check)](Database& db) -> absl::Status {
          ARDOISE_ASSIGN_OR_RETURN(
              *outcome,
              AttemptLogin(db, request->login(), check, now, policy, peer));
          return absl::OkStatus();
        },
        [=](absl::Status status) {
          if (!status.ok()) {
            reactor->Finish(ToGrpc(status));
            return;
          }
          if (outcome->status.ok()) {
            accounts->AddSession(outcome->session);
            accounts->PutUser(outcome->response.user());
            *response = std::move(outcome->response);
          } else if (limiter != nullptr && outcome->guessed_wrong) {
            limiter->RecordFailure(host, now);
          }
          FinishAfter(reactor, ToGrpc(outcome->status), outcome->delay);
        });
  });
  return reactor;
}

grpc::ServerUnaryReactor* ConsoleService::Logout(
    grpc::CallbackServerContext* ctx, const v1::LogoutRequest* /*request*/,
    v1::LogoutResponse* /*response*/) {
  Caller caller;
  if (auto* refused = Admit(
          context_, ctx, "Logout",
          [](const Caller&, RequestScope&) { return absl::OkStatus(); },
          &caller)) {
    return refused;
  }
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  const std::string hash = TokenHash(BearerOf(ctx));
  const absl::Time now = context_.clock->Now();
  Accounts* accounts = context_.accounts;
  context_.writer->Post(
      [=](Database& db) {
        ARDOISE_RETURN_IF_ERROR(DeleteLoginSession(db, hash));
        return AppendAudit(db, now, caller.actor, "logout", caller.login, "ok");
      },
      [=](absl::Status status) {
        if (status.ok()) accounts->DropSession(hash);
        reactor->Finish(ToGrpc(status));
      });
  return reactor;
}

grpc::ServerUnaryReactor* ConsoleService::CreateUser(
    grpc::CallbackServerContext* ctx, const v1::CreateUserRequest* request,
    v1::CreateUserResponse* response) {
  Caller caller;
  if (auto* refused = Admit(
          context_, ctx, "CreateUser",
          [request](const Caller&, RequestScope& scope) {
            scope.school = request->user().school().empty()
                               ? kCityWide
                               : request->user().school();
            return absl::OkStatus();
          },
          &caller)) {
    return refused;
  }
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  v1::User user = request->user();
  user.set_disabled(false);
  user.clear_locked_until();
  user.set_failed_logins(0);
  absl::Status valid = CheckUser(user);
  if (valid.ok() && !request->password().empty()) {
    valid = CheckNewPassword(request->password());
  }
  if (!valid.ok()) {
    reactor->Finish(ToGrpc(valid));
    return reactor;
  }
  const std::string password =
      request->password().empty() ? RandomPassword() : request->password();
  const bool generated = request->password().empty();
  const absl::Time now = context_.clock->Now();
  Accounts* accounts = context_.accounts;
  HashThenWrite(
      context_, reactor, password,
      [=](Database& db, const std::string& hash) -> absl::Status {
        ARDOISE_RETURN_IF_ERROR(InsertAccount(db, user, hash, now));
        *response->mutable_user() = user;
        if (generated) response->set_password(password);
        return AppendAudit(db, now, caller.actor, "user.create", user.login(),
                           "ok",
                           absl::StrCat("role=", RoleName(user.role()),
                                        " school=", user.school()));
      },
      [=](absl::Status status) {
        if (status.ok()) accounts->PutUser(user);
        reactor->Finish(ToGrpc(status));
      });
  return reactor;
}

grpc::ServerUnaryReactor* ConsoleService::ListUsers(
    grpc::CallbackServerContext* ctx, const v1::ListUsersRequest* request,
    v1::ListUsersResponse* response) {
  Caller caller;
  if (auto* refused = Admit(context_, ctx, "ListUsers",
                            ScopeOfSchool(request->school()), &caller)) {
    return refused;
  }
  const std::string school = request->school();
  return AnswerOnReportWorker(
      ctx, context_, response,
      [school](Database& db) -> absl::StatusOr<v1::ListUsersResponse> {
        ARDOISE_ASSIGN_OR_RETURN(std::vector<AccountRow> rows,
                                 LoadAccounts(db));
        v1::ListUsersResponse out;
        for (AccountRow& row : rows) {
          if (!school.empty() && row.user.school() != school) continue;
          *out.add_users() = std::move(row.user);
        }
        return out;
      });
}

grpc::ServerUnaryReactor* ConsoleService::DisableUser(
    grpc::CallbackServerContext* ctx, const v1::DisableUserRequest* request,
    v1::User* response) {
  Caller caller;
  if (auto* refused =
          Admit(context_, ctx, "DisableUser",
                ScopeOfAccount(context_, request->login()), &caller)) {
    return refused;
  }
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  const std::string login = request->login();
  const absl::Time now = context_.clock->Now();
  Accounts* accounts = context_.accounts;
  context_.writer->Post(
      [=](Database& db) -> absl::Status {
        ARDOISE_RETURN_IF_ERROR(DisableAccount(db, login));
        ARDOISE_ASSIGN_OR_RETURN(AccountRow row, LoadAccount(db, login));
        *response = row.user;
        return AppendAudit(db, now, caller.actor, "user.disable", login, "ok");
      },
      SessionsEnded(accounts, reactor, response, login));
  return reactor;
}

grpc::ServerUnaryReactor* ConsoleService::ResetPassword(
    grpc::CallbackServerContext* ctx, const v1::ResetPasswordRequest* request,
    v1::CreateUserResponse* response) {
  Caller caller;
  if (auto* refused =
          Admit(context_, ctx, "ResetPassword",
                ScopeOfAccount(context_, request->login()), &caller)) {
    return refused;
  }
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  if (!request->password().empty()) {
    absl::Status valid = CheckNewPassword(request->password());
    if (!valid.ok()) {
      reactor->Finish(ToGrpc(valid));
      return reactor;
    }
  }
  const std::string login = request->login();
  const std::string password =
      request->password().empty() ? RandomPassword() : request->password();
  const bool generated = request->password().empty();
  const absl::Time now = context_.clock->Now();
  Accounts* accounts = context_.accounts;
  HashThenWrite(
      context_, reactor, password,
      [=](Database& db, const std::string& hash) -> absl::Status {
        ARDOISE_RETURN_IF_ERROR(SetPasswordHash(db, login, hash));
        ARDOISE_ASSIGN_OR_RETURN(AccountRow row, LoadAccount(db, login));
        *response->mutable_user() = row.user;
        if (generated) response->set_password(password);
        return AppendAudit(db, now, caller.actor, "user.reset-password", login,
                           "ok");
      },
      SessionsEnded(accounts, reactor, response->mutable_user(), login));
  return reactor;
}

grpc::ServerUnaryReactor* ConsoleService::ListAudit(
    grpc::CallbackServerContext* ctx, const v1::ListAuditRequest* request,
    v1::ListAuditResponse* response) {
  Caller caller;
  if (auto* refused = Admit(
          context_, ctx, "ListAudit",
          [](const Caller& who, RequestScope& scope) {
            // Scoped callers read the lines of their school's accounts.
            scope.school = who.school;
            return absl::OkStatus();
          },
          &caller)) {
    return refused;
  }
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  if (request->limit() < 0 || request->limit() > 10000) {
    reactor->Finish(
        ToGrpc(absl::InvalidArgumentError("--limit: use 1 to 10000")));
    return reactor;
  }
  const int limit = request->limit() == 0 ? 100 : request->limit();
  const int64_t since = request->has_since()
                            ? absl::ToUnixMillis(FromProto(request->since()))
                            : 0;
  const std::string actor = request->actor();
  std::vector<std::string> allowed;
  const bool scoped = !caller.school.empty();
  if (scoped) allowed = context_.accounts->LoginsOf(caller.school);
  context_.reports->Post([=](Database* db) {
    if (db == nullptr) {
      reactor->Finish(ToGrpc(absl::UnavailableError(
          "the console is busy or shutting down: try again")));
      return;
    }
    absl::Status status = [&]() -> absl::Status {
      ARDOISE_ASSIGN_OR_RETURN(
          Statement rows,
          db->Prepare("SELECT id, at, actor, action, target, outcome, detail "
                      "FROM audit WHERE at >= ? ORDER BY id DESC"));
      rows.Bind(1, since);
      while (response->lines_size() < limit) {
        ARDOISE_ASSIGN_OR_RETURN(bool more, rows.Step());
        if (!more) break;
        const std::string who = rows.ColumnText(2);
        const std::string login = who.substr(0, who.find('@'));
        if (!actor.empty() && login != actor) continue;
        if (scoped &&
            std::find(allowed.begin(), allowed.end(), login) == allowed.end()) {
          continue;
        }
        v1::AuditLine* line = response->add_lines();
        line->set_id(rows.ColumnInt64(0));
        ToProto(absl::FromUnixMillis(rows.ColumnInt64(1)), line->mutable_at());
        line->set_actor(who);
        line->set_action(rows.ColumnText(3));
        line->set_target(rows.ColumnText(4));
        line->set_outcome(rows.ColumnText(5));
        line->set_detail(rows.ColumnText(6));
      }
      return absl::OkStatus();
    }();
    reactor->Finish(ToGrpc(status));
  });
  return reactor;
}

}  // namespace ardoise
