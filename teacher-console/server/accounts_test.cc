#include "teacher-console/server/accounts.h"

#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include "common/proto_time.h"
#include "gtest/gtest.h"
#include "teacher-console/server/store.h"

namespace ardoise {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1795000000);
constexpr char kPassword[] = "correct horse battery";

class AccountsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "accounts-XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    auto db = OpenConsoleDatabase(dir_, true);
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
    v1::User user;
    user.set_login("mme.martin");
    user.set_role(v1::ROLE_TEACHER);
    auto hash = HashPassword(kPassword);
    ASSERT_TRUE(hash.ok()) << hash.status();
    ASSERT_TRUE(InsertAccount(*db_, user, *hash, kNow).ok());
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove_all(dir_);
  }
  LoginOutcome Attempt(const std::string& password, absl::Time at,
                       const std::string& login = "mme.martin") {
    auto check = CheckPassword(*db_, login, password, at);
    EXPECT_TRUE(check.ok()) << check.status();
    if (!check.ok()) return LoginOutcome{};
    auto outcome =
        AttemptLogin(*db_, login, *check, at, policy_, "ipv4:1.2.3.4");
    EXPECT_TRUE(outcome.ok()) << outcome.status();
    return outcome.ok() ? *std::move(outcome) : LoginOutcome{};
  }
  int64_t AuditCount(const std::string& action) {
    auto stmt = db_->Prepare("SELECT count(*) FROM audit WHERE action = ?");
    EXPECT_TRUE(stmt.ok());
    stmt->Bind(1, action);
    EXPECT_TRUE(stmt->Step().value_or(false));
    return stmt->ColumnInt64(0);
  }

  std::string dir_;
  std::unique_ptr<Database> db_;
  LoginPolicy policy_;
};

TEST(PasswordTest, Argon2idHashesVerifyOnlyTheirPassword) {
  auto hash = HashPassword("s3cret-passw0rd");
  ASSERT_TRUE(hash.ok());
  EXPECT_EQ(hash->rfind("$argon2id$", 0), 0u) << *hash;
  EXPECT_TRUE(VerifyPassword(*hash, "s3cret-passw0rd"));
  EXPECT_FALSE(VerifyPassword(*hash, "s3cret-passw0rD"));
  EXPECT_NE(*HashPassword("s3cret-passw0rd"), *hash);  // salted
  EXPECT_EQ(RandomPassword().size(), 20u);
  EXPECT_NE(RandomPassword(), RandomPassword());
  EXPECT_FALSE(CheckNewPassword("short").ok());
}

TEST(PasswordTest, FailedLoginsSlowDownThenCap) {
  LoginPolicy policy;
  EXPECT_EQ(FailureDelay(policy, 5), absl::ZeroDuration());
  EXPECT_EQ(FailureDelay(policy, 6), absl::Milliseconds(100));
  EXPECT_EQ(FailureDelay(policy, 7), absl::Milliseconds(200));
  EXPECT_EQ(FailureDelay(policy, 19), absl::Seconds(2));
}

TEST_F(AccountsTest, LoginOpensASessionOnlyItsHashIsStored) {
  LoginOutcome ok = Attempt(kPassword, kNow);
  ASSERT_TRUE(ok.status.ok()) << ok.status;
  EXPECT_EQ(ok.response.token().size(), 64u);
  EXPECT_EQ(ok.response.user().role(), v1::ROLE_TEACHER);
  EXPECT_EQ(FromProto(ok.response.expires_at()), kNow + absl::Hours(12));
  auto sessions = LoadLoginSessions(*db_, kNow);
  ASSERT_TRUE(sessions.ok());
  ASSERT_EQ(sessions->size(), 1u);
  EXPECT_NE((*sessions)[0].token_hash, ok.response.token());
  EXPECT_EQ((*sessions)[0].token_hash, TokenHash(ok.response.token()));

  Accounts accounts(nullptr);
  ASSERT_TRUE(accounts.Load(*db_, kNow).ok());
  auto caller = accounts.Authenticate("Bearer " + ok.response.token(),
                                      kNow + absl::Hours(1), "peer");
  ASSERT_TRUE(caller.ok()) << caller.status();
  EXPECT_EQ(caller->login, "mme.martin");
  EXPECT_EQ(caller->actor, "mme.martin@peer");
  EXPECT_TRUE(
      absl::IsUnauthenticated(accounts
                                  .Authenticate("Bearer " + ok.response.token(),
                                                kNow + absl::Hours(13), "peer")
                                  .status()));
  EXPECT_TRUE(absl::IsUnauthenticated(
      accounts.Authenticate("Bearer nope", kNow, "peer").status()));
  EXPECT_TRUE(absl::IsUnauthenticated(
      accounts.Authenticate("", kNow, "peer").status()));
  EXPECT_EQ(AuditCount("login"), 1);
}

TEST_F(AccountsTest, TwentyWrongPasswordsLockUntilTheLockExpires) {
  for (int i = 1; i < 20; ++i) {
    LoginOutcome wrong = Attempt("wrong password", kNow);
    EXPECT_TRUE(absl::IsUnauthenticated(wrong.status)) << i;
  }
  LoginOutcome twentieth = Attempt("wrong password", kNow);
  EXPECT_TRUE(absl::IsResourceExhausted(twentieth.status)) << twentieth.status;
  EXPECT_EQ(AuditCount("login.lock"), 1);

  // Locked: even the right password is refused, without being checked.
  LoginOutcome locked = Attempt(kPassword, kNow + absl::Minutes(14));
  EXPECT_TRUE(absl::IsResourceExhausted(locked.status)) << locked.status;
  EXPECT_NE(locked.status.message().find("locked"), std::string::npos);

  // After the lock, the right password works and the count starts again.
  LoginOutcome after = Attempt(kPassword, kNow + absl::Minutes(15));
  EXPECT_TRUE(after.status.ok()) << after.status;
  auto row = LoadAccount(*db_, "mme.martin");
  ASSERT_TRUE(row.ok());
  EXPECT_EQ(row->user.failed_logins(), 0);
  EXPECT_EQ(AuditCount("login"), 22);
}

TEST_F(AccountsTest, ASuccessResetsTheCount) {
  for (int i = 0; i < 10; ++i) Attempt("wrong password", kNow);
  EXPECT_TRUE(Attempt(kPassword, kNow).status.ok());
  for (int i = 0; i < 19; ++i) {
    EXPECT_TRUE(
        absl::IsUnauthenticated(Attempt("wrong password", kNow).status));
  }
}

TEST_F(AccountsTest, DisabledAndUnknownAccountsCannotLogIn) {
  LoginOutcome ok = Attempt(kPassword, kNow);
  ASSERT_TRUE(ok.status.ok());
  ASSERT_TRUE(DisableAccount(*db_, "mme.martin").ok());
  EXPECT_TRUE(absl::IsUnauthenticated(Attempt(kPassword, kNow).status));
  // Its sessions ended with it.
  EXPECT_TRUE(LoadLoginSessions(*db_, kNow)->empty());
  EXPECT_TRUE(
      absl::IsUnauthenticated(Attempt(kPassword, kNow, "nobody").status));
}

TEST_F(AccountsTest, APasswordCheckedAgainstAReplacedHashIsWrong) {
  // The check ran off the Writer; the password was reset before the
  // attempt was recorded: the old password must not open a session.
  auto check = CheckPassword(*db_, "mme.martin", kPassword, kNow);
  ASSERT_TRUE(check.ok());
  ASSERT_TRUE(check->matched);
  auto hash = HashPassword("a brand new password");
  ASSERT_TRUE(hash.ok());
  ASSERT_TRUE(SetPasswordHash(*db_, "mme.martin", *hash).ok());
  auto outcome =
      AttemptLogin(*db_, "mme.martin", *check, kNow, policy_, "ipv4:1.2.3.4");
  ASSERT_TRUE(outcome.ok());
  EXPECT_TRUE(absl::IsUnauthenticated(outcome->status));
  EXPECT_TRUE(LoadLoginSessions(*db_, kNow)->empty());
}

TEST_F(AccountsTest, ResetPasswordClearsTheLockAndEndsSessions) {
  for (int i = 0; i < 20; ++i) Attempt("wrong password", kNow);
  auto hash = HashPassword("a brand new password");
  ASSERT_TRUE(hash.ok());
  ASSERT_TRUE(SetPasswordHash(*db_, "mme.martin", *hash).ok());
  EXPECT_TRUE(Attempt("a brand new password", kNow).status.ok());
  EXPECT_TRUE(absl::IsNotFound(SetPasswordHash(*db_, "nobody", *hash)));
}

TEST_F(AccountsTest, AccountsAreChecked) {
  v1::User bad;
  bad.set_login("Bad Login");
  bad.set_role(v1::ROLE_TEACHER);
  EXPECT_TRUE(absl::IsInvalidArgument(InsertAccount(*db_, bad, "h", kNow)));
  v1::User director;
  director.set_login("dir");
  director.set_role(v1::ROLE_DIRECTOR);
  EXPECT_TRUE(
      absl::IsInvalidArgument(InsertAccount(*db_, director, "h", kNow)));
  director.set_school("nowhere");
  EXPECT_TRUE(absl::IsNotFound(InsertAccount(*db_, director, "h", kNow)));
  v1::User again;
  again.set_login("mme.martin");
  again.set_role(v1::ROLE_TEACHER);
  EXPECT_TRUE(absl::IsAlreadyExists(InsertAccount(*db_, again, "h", kNow)));
}

}  // namespace
}  // namespace ardoise
