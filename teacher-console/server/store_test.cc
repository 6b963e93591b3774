#include "teacher-console/server/store.h"

#include <stdlib.h>

#include <filesystem>

#include "common/proto_time.h"
#include "gtest/gtest.h"

namespace ardoise {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1795000000);

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "store-XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    auto db = OpenConsoleDatabase(dir_, true);
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::string dir_;
  std::unique_ptr<Database> db_;
};

TEST_F(StoreTest, TokenEnrollsUntilUsedUpOrExpired) {
  auto token = CreateToken(*db_, "ecole-jaures", "chariot-a", 2, absl::Hours(1),
                           kNow, "it");
  ASSERT_TRUE(token.ok()) << token.status();
  auto first =
      EnrollDevice(*db_, token->token, "tab-1", v1::DEVICE_KIND_TABLET, kNow);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->record.school, "ecole-jaures");
  EXPECT_EQ(first->record.pool, "chariot-a");
  EXPECT_EQ(first->node_key.size(), 64u);
  EXPECT_NE(first->record.key_hash, first->node_key);

  // A name in service cannot be taken twice; the use is not consumed.
  auto same_name =
      EnrollDevice(*db_, token->token, "tab-1", v1::DEVICE_KIND_TABLET, kNow);
  EXPECT_TRUE(absl::IsAlreadyExists(same_name.status())) << same_name.status();
  ASSERT_TRUE(
      EnrollDevice(*db_, token->token, "tab-2", v1::DEVICE_KIND_TABLET, kNow)
          .ok());
  auto used_up =
      EnrollDevice(*db_, token->token, "tab-3", v1::DEVICE_KIND_TABLET, kNow);
  EXPECT_TRUE(absl::IsPermissionDenied(used_up.status()));

  auto other =
      CreateToken(*db_, "ecole-jaures", "", 5, absl::Hours(1), kNow, "it");
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(absl::IsPermissionDenied(EnrollDevice(*db_, other->token, "tab-4",
                                                    v1::DEVICE_KIND_TABLET,
                                                    kNow + absl::Hours(1))
                                           .status()));
  const std::string forged = other->id + ".00000000000000000000000000000000";
  EXPECT_TRUE(absl::IsPermissionDenied(
      EnrollDevice(*db_, forged, "tab-4", v1::DEVICE_KIND_TABLET, kNow)
          .status()));
  EXPECT_TRUE(absl::IsPermissionDenied(
      EnrollDevice(*db_, "garbage", "tab-4", v1::DEVICE_KIND_TABLET, kNow)
          .status()));
  EXPECT_TRUE(
      absl::IsInvalidArgument(EnrollDevice(*db_, other->token, "bad name!",
                                           v1::DEVICE_KIND_TABLET, kNow)
                                  .status()));
}

TEST_F(StoreTest, BadTokenRequestsAreRefused) {
  EXPECT_TRUE(absl::IsInvalidArgument(
      CreateToken(*db_, "", "", 1, absl::Hours(1), kNow, "it").status()));
  EXPECT_TRUE(absl::IsInvalidArgument(
      CreateToken(*db_, "a b", "", 1, absl::Hours(1), kNow, "it").status()));
  EXPECT_TRUE(absl::IsInvalidArgument(
      CreateToken(*db_, "s", "", 0, absl::Hours(1), kNow, "it").status()));
  EXPECT_TRUE(absl::IsInvalidArgument(
      CreateToken(*db_, "s", "", 1, absl::Hours(24 * 31), kNow, "it")
          .status()));
}

TEST_F(StoreTest, LocksAndCommandsSurviveReopening) {
  auto token =
      CreateToken(*db_, "ecole", "salle-1", 1, absl::Hours(1), kNow, "it");
  auto device =
      EnrollDevice(*db_, token->token, "tab-1", v1::DEVICE_KIND_TABLET, kNow);
  ASSERT_TRUE(device.ok());
  const std::string id = device->record.id;
  ASSERT_TRUE(StoreLocks(*db_, {id}, true, "Au tableau", absl::InfinitePast(),
                         "teacher")
                  .ok());
  auto locks =
      StoreLocks(*db_, {id}, true, "Encore", absl::InfinitePast(), "teacher");
  ASSERT_TRUE(locks.ok());
  EXPECT_EQ((*locks)[0].version(), 2);

  v1::Command prototype;
  ToProto(kNow + absl::Minutes(15), prototype.mutable_expires_at());
  prototype.mutable_show_message()->set_text("Rangez les tablettes");
  auto commands = StoreCommands(*db_, {id, id}, prototype);
  ASSERT_TRUE(commands.ok());
  EXPECT_EQ((*commands)[0].seq(), 1);
  EXPECT_EQ((*commands)[1].seq(), 2);
  ASSERT_TRUE(DeleteCommand(*db_, id, 1).ok());
  ASSERT_TRUE(DeleteCommand(*db_, id, 1).ok());  // a repeated ack is harmless
  ASSERT_TRUE(AddDeviceFlag(*db_, id, "cloned-key").ok());
  ASSERT_TRUE(AddDeviceFlag(*db_, id, "cloned-key").ok());

  db_.reset();
  auto reopened = OpenConsoleDatabase(dir_, false);
  ASSERT_TRUE(reopened.ok());
  db_ = *std::move(reopened);
  auto loaded = LoadDevices(*db_);
  ASSERT_TRUE(loaded.ok());
  ASSERT_EQ(loaded->size(), 1u);
  const DeviceRecord& r = (*loaded)[0];
  EXPECT_EQ(r.desired_lock.version(), 2);
  EXPECT_EQ(r.desired_lock.message(), "Encore");
  ASSERT_EQ(r.pending.size(), 1u);
  EXPECT_EQ(r.pending.begin()->first, 2);
  EXPECT_EQ(r.flags, std::vector<std::string>{"cloned-key"});

  // Sequence numbers are never reused, even after acks and expiry.
  EXPECT_EQ(PurgeExpiredCommands(*db_, kNow + absl::Hours(1)).value_or(-1), 1);
  commands = StoreCommands(*db_, {id}, prototype);
  ASSERT_TRUE(commands.ok());
  EXPECT_EQ((*commands)[0].seq(), 3);
}

TEST_F(StoreTest, AuditIsAppendOnly) {
  ASSERT_TRUE(AppendAudit(*db_, kNow, "it", "lock", "pool a", "ok").ok());
  EXPECT_FALSE(db_->Exec("UPDATE audit SET actor = 'x'").ok());
  EXPECT_FALSE(db_->Exec("DELETE FROM audit").ok());
}

TEST_F(StoreTest, RetiredNameCanBeEnrolledAgain) {
  auto token = CreateToken(*db_, "ecole", "", 2, absl::Hours(1), kNow, "it");
  auto first =
      EnrollDevice(*db_, token->token, "tab-1", v1::DEVICE_KIND_TABLET, kNow);
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(RetireDevice(*db_, first->record.id, kNow).ok());
  auto second =
      EnrollDevice(*db_, token->token, "tab-1", v1::DEVICE_KIND_TABLET, kNow);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_NE(second->record.id, first->record.id);
}

}  // namespace
}  // namespace ardoise
