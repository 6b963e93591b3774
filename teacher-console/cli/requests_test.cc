#include "teacher-console/cli/requests.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ardoise::cli {
namespace {

using ::testing::HasSubstr;

TEST(ConsoleAddressTest, FlagThenEnvironmentThenError) {
  EXPECT_EQ(*ResolveConsoleAddress("a:1", "b:2"), "a:1");
  EXPECT_EQ(*ResolveConsoleAddress("", "b:2"), "b:2");
  absl::StatusOr<std::string> none = ResolveConsoleAddress("", nullptr);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().message(),
            "no console: pass --console HOST:PORT or set ARDOISE_CONSOLE");
  EXPECT_FALSE(ResolveConsoleAddress("", "").ok());
}

TEST(CaPathTest, FlagThenEnvironmentThenTheXdgConfigFolder) {
  auto flag = ResolveCaPath("/etc/ca.pem", "/env/ca.pem", "/xdg", "/home/a");
  ASSERT_TRUE(flag.ok());
  EXPECT_EQ(flag->path, "/etc/ca.pem");
  EXPECT_TRUE(flag->chosen);
  auto env = ResolveCaPath("", "/env/ca.pem", "/xdg", "/home/a");
  ASSERT_TRUE(env.ok());
  EXPECT_EQ(env->path, "/env/ca.pem");
  EXPECT_TRUE(env->chosen);
  auto xdg = ResolveCaPath("", "", "/xdg", "/home/a");
  ASSERT_TRUE(xdg.ok());
  EXPECT_EQ(xdg->path, "/xdg/ardoise/ca.pem");
  EXPECT_FALSE(xdg->chosen);
  auto home = ResolveCaPath("", nullptr, nullptr, "/home/a");
  ASSERT_TRUE(home.ok());
  EXPECT_EQ(home->path, "/home/a/.config/ardoise/ca.pem");
  auto none = ResolveCaPath("", nullptr, "", nullptr);
  EXPECT_EQ(none.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(none.status().message().find("--ca FILE"), std::string::npos);
}

TEST(TargetTest, BareNameIsResolvedByTheConsole) {
  absl::StatusOr<v1::Target> t = ParseTarget("salle-12", false);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->kind(), v1::Target::KIND_AUTO);
  EXPECT_EQ(t->name(), "salle-12");
}

TEST(TargetTest, KindPrefixes) {
  absl::StatusOr<v1::Target> device = ParseTarget("device/tab-1", false);
  ASSERT_TRUE(device.ok());
  EXPECT_EQ(device->kind(), v1::Target::KIND_DEVICE);
  EXPECT_EQ(device->name(), "tab-1");
  absl::StatusOr<v1::Target> pool = ParseTarget("pool/chariot-a", false);
  ASSERT_TRUE(pool.ok());
  EXPECT_EQ(pool->kind(), v1::Target::KIND_POOL);
  EXPECT_EQ(pool->name(), "chariot-a");
}

TEST(TargetTest, AllFlag) {
  absl::StatusOr<v1::Target> all = ParseTarget("", true);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->kind(), v1::Target::KIND_ALL);
  EXPECT_EQ(all->name(), "");
}

TEST(TargetTest, MalformedTargetsAreUsageErrors) {
  for (const char* bad :
       {"", "room/cm1", "pool/", "device/", "class/", "/x", "pool/a/b"}) {
    absl::StatusOr<v1::Target> t = ParseTarget(bad, false);
    ASSERT_FALSE(t.ok()) << bad;
    EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(t.status().message(), HasSubstr("pool/NAME")) << bad;
  }
  EXPECT_THAT(ParseTarget("room/cm1", false).status().message(),
              HasSubstr("unknown kind \"room\""));
  absl::StatusOr<v1::Target> klass = ParseTarget("class/cm1", false);
  ASSERT_TRUE(klass.ok());
  EXPECT_EQ(klass->kind(), v1::Target::KIND_CLASS);
  EXPECT_EQ(klass->name(), "cm1");
  EXPECT_THAT(ParseTarget("tab-1", true).status().message(),
              HasSubstr("not both"));
}

TEST(SecondsFlagTest, ParsesDurationsAndNamesTheFlag) {
  EXPECT_EQ(*ParseSecondsFlag("--ttl", "24h"), 86400);
  EXPECT_EQ(*ParseSecondsFlag("--for", "1h30"), 5400);
  absl::StatusOr<int64_t> bad = ParseSecondsFlag("--for", "90");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("--for: bad duration"));
  EXPECT_THAT(ParseSecondsFlag("--ttl", "0s").status().message(),
              HasSubstr("at least 1s"));
}

TEST(TokenRequestTest, FillsEveryField) {
  TokenFlags flags;
  flags.school = "jaures";
  flags.pool = "salle-12";
  flags.uses = 30;
  absl::StatusOr<v1::CreateEnrollmentTokenRequest> r = MakeTokenRequest(flags);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->school(), "jaures");
  EXPECT_EQ(r->pool(), "salle-12");
  EXPECT_EQ(r->uses(), 30);
  EXPECT_EQ(r->ttl_seconds(), 24 * 3600);

  flags.uses = 0;
  EXPECT_FALSE(MakeTokenRequest(flags).ok());
  flags.uses = 1;
  flags.school = "";
  EXPECT_FALSE(MakeTokenRequest(flags).ok());
}

TEST(LockRequestTest, LockWithMessageAndDuration) {
  LockFlags flags;
  flags.target = "pool/salle-12";
  flags.message = "Les yeux au tableau";
  flags.duration = "45m";
  absl::StatusOr<v1::SetLockRequest> r = MakeLockRequest(flags, true);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->locked());
  EXPECT_EQ(r->target().kind(), v1::Target::KIND_POOL);
  EXPECT_EQ(r->message(), "Les yeux au tableau");
  EXPECT_EQ(r->duration_seconds(), 45 * 60);

  flags.duration = "45";
  EXPECT_FALSE(MakeLockRequest(flags, true).ok());
}

TEST(LockRequestTest, UnlockAll) {
  LockFlags flags;
  flags.all = true;
  absl::StatusOr<v1::SetLockRequest> r = MakeLockRequest(flags, false);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->locked());
  EXPECT_EQ(r->target().kind(), v1::Target::KIND_ALL);
  EXPECT_EQ(r->duration_seconds(), 0);
}

TEST(MessageRequestTest, TargetAndText) {
  MessageFlags flags;
  flags.target = "tab-2";
  flags.text = "Rangez les tablettes";
  absl::StatusOr<v1::SendMessageRequest> r = MakeMessageRequest(flags);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->target().name(), "tab-2");
  EXPECT_EQ(r->text(), "Rangez les tablettes");
  EXPECT_EQ(r->ttl_seconds(), 15 * 60);
}

TEST(MessageRequestTest, WithAllTheOnlyWordIsTheText) {
  MessageFlags flags;
  flags.all = true;
  flags.target = "Rangez les tablettes";
  absl::StatusOr<v1::SendMessageRequest> r = MakeMessageRequest(flags);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->target().kind(), v1::Target::KIND_ALL);
  EXPECT_EQ(r->text(), "Rangez les tablettes");

  flags.text = "again";  // TARGET, TEXT and --all
  EXPECT_THAT(MakeMessageRequest(flags).status().message(),
              HasSubstr("not both"));
}

TEST(MessageRequestTest, MissingText) {
  MessageFlags flags;
  flags.target = "tab-2";
  EXPECT_THAT(MakeMessageRequest(flags).status().message(),
              HasSubstr("missing TEXT"));
}

}  // namespace
}  // namespace ardoise::cli
