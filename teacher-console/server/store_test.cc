#include "teacher-console/server/store.h"

#include <stdlib.h>

#include <filesystem>

#include "common/proto_time.h"
#include "common/random.h"
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

TEST_F(StoreTest, RekeyKeepsThePendingKeyUntilItsHashIsCommitted) {
  auto token = CreateToken(*db_, "ecole", "", 2, absl::Hours(1), kNow, "it");
  auto device =
      EnrollDevice(*db_, token->token, "tab-1", v1::DEVICE_KIND_TABLET, kNow);
  ASSERT_TRUE(device.ok());
  const std::string id = device->record.id;
  auto key = StartRekey(*db_, id);
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(key->size(), 64u);
  EXPECT_NE(*key, device->node_key);
  auto loaded = LoadDevices(*db_);
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->at(0).pending_key, *key);
  EXPECT_EQ(loaded->at(0).key_hash, device->record.key_hash);

  EXPECT_FALSE(CommitRekey(*db_, id, Sha256Hex("wrong")).value());
  EXPECT_TRUE(CommitRekey(*db_, id, Sha256Hex(*key)).value());
  EXPECT_FALSE(CommitRekey(*db_, id, Sha256Hex(*key)).value());  // once
  loaded = LoadDevices(*db_);
  EXPECT_EQ(loaded->at(0).pending_key, "");
  EXPECT_EQ(loaded->at(0).key_hash, Sha256Hex(*key));

  ASSERT_TRUE(RetireDevice(*db_, id, kNow).ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(StartRekey(*db_, id).status()));
  EXPECT_TRUE(absl::IsFailedPrecondition(StartRekey(*db_, "d-none").status()));
}

// The school model: a school with a room and a cart, and a double-level
// class living in the room.
class SchoolStoreTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    v1::School school;
    school.set_name("ecole-jaures");
    ASSERT_TRUE(InsertSchool(*db_, school, kNow).ok());
    ASSERT_TRUE(
        InsertPool(*db_, MakePool("salle-12", v1::POOL_KIND_ROOM), kNow).ok());
    ASSERT_TRUE(
        InsertPool(*db_, MakePool("chariot-a", v1::POOL_KIND_CART), kNow).ok());
  }

  static v1::Pool MakePool(const std::string& name, v1::PoolKind kind,
                           const std::string& school = "ecole-jaures") {
    v1::Pool pool;
    pool.set_name(name);
    pool.set_school(school);
    pool.set_kind(kind);
    return pool;
  }

  static v1::Class MakeClass(const std::string& name,
                             std::vector<std::string> levels,
                             const std::string& home_room = "",
                             std::vector<std::string> groups = {}) {
    v1::Class klass;
    klass.set_name(name);
    klass.set_school("ecole-jaures");
    for (const std::string& level : levels) klass.add_levels(level);
    klass.set_home_room(home_room);
    for (const std::string& group : groups) klass.add_groups(group);
    return klass;
  }

  static v1::Date Day(int year, int month, int day) {
    v1::Date date;
    date.set_year(year);
    date.set_month(month);
    date.set_day(day);
    return date;
  }

  static v1::TeacherAssignment Assign(const std::string& class_name,
                                      const std::string& teacher, v1::Date from,
                                      v1::Date to) {
    v1::TeacherAssignment a;
    a.set_class_name(class_name);
    a.set_teacher(teacher);
    *a.mutable_from() = from;
    *a.mutable_to() = to;
    return a;
  }

  // The status message, for checking that errors name the problem.
  template <typename T>
  static std::string Message(const absl::StatusOr<T>& result) {
    return std::string(result.status().message());
  }
};

TEST_F(SchoolStoreTest, SchoolGetsTheDefaultTimeZoneAndUniqueName) {
  auto schools = LoadSchools(*db_);
  ASSERT_TRUE(schools.ok());
  ASSERT_EQ(schools->size(), 1u);
  EXPECT_EQ((*schools)[0].timezone(), "Europe/Paris");

  v1::School again;
  again.set_name("ecole-jaures");
  auto duplicate = InsertSchool(*db_, again, kNow);
  EXPECT_TRUE(absl::IsAlreadyExists(duplicate.status()));
  EXPECT_NE(Message(duplicate).find("\"ecole-jaures\" already exists"),
            std::string::npos)
      << duplicate.status();

  v1::School bad;
  bad.set_name("école jaures");
  EXPECT_TRUE(absl::IsInvalidArgument(InsertSchool(*db_, bad, kNow).status()));

  v1::School overseas;
  overseas.set_name("ecole-cayenne");
  overseas.set_timezone("America/Cayenne");
  auto stored = InsertSchool(*db_, overseas, kNow);
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->timezone(), "America/Cayenne");

  v1::School nowhere;
  nowhere.set_name("ecole-x");
  nowhere.set_timezone("Europe/Atlantis");
  auto refused = InsertSchool(*db_, nowhere, kNow);
  EXPECT_TRUE(absl::IsInvalidArgument(refused.status()));
  EXPECT_NE(Message(refused).find("Europe/Atlantis"), std::string::npos)
      << refused.status();
}

TEST_F(SchoolStoreTest, PoolNeedsAKnownSchoolAKindAndACityWideUniqueName) {
  auto unknown = InsertPool(
      *db_, MakePool("salle-1", v1::POOL_KIND_ROOM, "ecole-ferry"), kNow);
  EXPECT_TRUE(absl::IsNotFound(unknown.status()));
  EXPECT_NE(Message(unknown).find("no school \"ecole-ferry\""),
            std::string::npos)
      << unknown.status();
  EXPECT_TRUE(absl::IsInvalidArgument(
      InsertPool(*db_, MakePool("salle-1", v1::POOL_KIND_UNSPECIFIED), kNow)
          .status()));
  EXPECT_TRUE(absl::IsInvalidArgument(
      InsertPool(*db_, MakePool("salle 1", v1::POOL_KIND_ROOM), kNow)
          .status()));

  v1::School other;
  other.set_name("ecole-ferry");
  ASSERT_TRUE(InsertSchool(*db_, other, kNow).ok());
  auto taken = InsertPool(
      *db_, MakePool("salle-12", v1::POOL_KIND_ROOM, "ecole-ferry"), kNow);
  EXPECT_TRUE(absl::IsAlreadyExists(taken.status())) << taken.status();

  auto all = LoadPools(*db_, "");
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].name(), "chariot-a");
  EXPECT_EQ((*all)[0].kind(), v1::POOL_KIND_CART);
  auto none = LoadPools(*db_, "ecole-ferry");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  EXPECT_TRUE(absl::IsNotFound(LoadPools(*db_, "ecole-x").status()));
}

TEST_F(SchoolStoreTest, DoubleLevelClassWithGroupsIsStoredAndListed) {
  auto stored = InsertClass(
      *db_, MakeClass("cm1-cm2", {"CM1", "CM2"}, "salle-12", {"A", "B"}), kNow);
  ASSERT_TRUE(stored.ok()) << stored.status();
  auto classes = LoadClasses(*db_, "ecole-jaures");
  ASSERT_TRUE(classes.ok());
  ASSERT_EQ(classes->size(), 1u);
  const v1::Class& c = (*classes)[0];
  EXPECT_EQ(c.name(), "cm1-cm2");
  ASSERT_EQ(c.levels_size(), 2);
  EXPECT_EQ(c.levels(1), "CM2");
  EXPECT_EQ(c.home_room(), "salle-12");
  ASSERT_EQ(c.groups_size(), 2);
  EXPECT_EQ(c.groups(0), "A");

  auto duplicate = InsertClass(*db_, MakeClass("cm1-cm2", {"CP"}), kNow);
  EXPECT_TRUE(absl::IsAlreadyExists(duplicate.status()));
  EXPECT_TRUE(absl::IsNotFound(LoadClasses(*db_, "ecole-x").status()));
}

TEST_F(SchoolStoreTest, ClassLevelsMustBeKnownAndGivenOnce) {
  auto none = InsertClass(*db_, MakeClass("c", {}), kNow);
  EXPECT_TRUE(absl::IsInvalidArgument(none.status()));
  auto bad = InsertClass(*db_, MakeClass("c", {"CM1", "6e"}), kNow);
  EXPECT_TRUE(absl::IsInvalidArgument(bad.status()));
  EXPECT_NE(Message(bad).find("bad level \"6e\""), std::string::npos)
      << bad.status();
  EXPECT_TRUE(absl::IsInvalidArgument(
      InsertClass(*db_, MakeClass("c", {"cm1"}), kNow).status()));
  auto twice = InsertClass(*db_, MakeClass("c", {"CE1", "CE1"}), kNow);
  EXPECT_TRUE(absl::IsInvalidArgument(twice.status()));
  EXPECT_NE(Message(twice).find("CE1 is given twice"), std::string::npos);
}

TEST_F(SchoolStoreTest, ClassGroupsAreUniqueValidNamesAtMostFour) {
  auto twice = InsertClass(*db_, MakeClass("c", {"CP"}, "", {"A", "A"}), kNow);
  EXPECT_TRUE(absl::IsInvalidArgument(twice.status()));
  EXPECT_NE(Message(twice).find("group \"A\" is given twice"),
            std::string::npos);
  auto five = InsertClass(
      *db_, MakeClass("c", {"CP"}, "", {"A", "B", "C", "D", "E"}), kNow);
  EXPECT_TRUE(absl::IsInvalidArgument(five.status()));
  EXPECT_NE(Message(five).find("at most 4"), std::string::npos);
  EXPECT_TRUE(absl::IsInvalidArgument(
      InsertClass(*db_, MakeClass("c", {"CP"}, "", {"A B"}), kNow).status()));
  EXPECT_TRUE(
      InsertClass(*db_, MakeClass("c", {"CP"}, "", {"A", "B", "C", "D"}), kNow)
          .ok());
}

TEST_F(SchoolStoreTest, ClassNeedsAKnownSchoolAndAHomeRoomOfItsOwn) {
  v1::Class elsewhere = MakeClass("c", {"CP"});
  elsewhere.set_school("ecole-ferry");
  EXPECT_TRUE(absl::IsNotFound(InsertClass(*db_, elsewhere, kNow).status()));

  auto missing = InsertClass(*db_, MakeClass("c", {"CP"}, "salle-99"), kNow);
  EXPECT_TRUE(absl::IsNotFound(missing.status()));
  EXPECT_NE(Message(missing).find("no pool \"salle-99\""), std::string::npos);

  auto cart = InsertClass(*db_, MakeClass("c", {"CP"}, "chariot-a"), kNow);
  EXPECT_TRUE(absl::IsInvalidArgument(cart.status()));
  EXPECT_NE(Message(cart).find("\"chariot-a\" is not a room but a cart"),
            std::string::npos)
      << cart.status();

  v1::School other;
  other.set_name("ecole-ferry");
  ASSERT_TRUE(InsertSchool(*db_, other, kNow).ok());
  ASSERT_TRUE(
      InsertPool(*db_, MakePool("salle-f1", v1::POOL_KIND_ROOM, "ecole-ferry"),
                 kNow)
          .ok());
  auto foreign = InsertClass(*db_, MakeClass("c", {"CP"}, "salle-f1"), kNow);
  EXPECT_TRUE(absl::IsInvalidArgument(foreign.status()));
  EXPECT_NE(Message(foreign).find("belongs to school \"ecole-ferry\""),
            std::string::npos)
      << foreign.status();
}

TEST_F(SchoolStoreTest, AssignmentsNeedAClassAnOrderedRangeAndNoTwin) {
  ASSERT_TRUE(InsertClass(*db_, MakeClass("cp-a", {"CP"}), kNow).ok());
  auto titular = Assign("cp-a", "mme.martin", Day(2026, 9, 1), Day(2027, 7, 4));
  ASSERT_TRUE(InsertAssignment(*db_, titular, kNow).ok());
  v1::TeacherAssignment substitute =
      Assign("cp-a", "m.durand", Day(2026, 11, 26), Day(2026, 11, 26));
  substitute.set_substitute(true);
  ASSERT_TRUE(InsertAssignment(*db_, substitute, kNow).ok());

  auto twin = InsertAssignment(*db_, titular, kNow);
  EXPECT_TRUE(absl::IsAlreadyExists(twin.status()));
  EXPECT_NE(Message(twin).find("already assigned"), std::string::npos);

  auto reversed = InsertAssignment(
      *db_, Assign("cp-a", "x", Day(2027, 1, 2), Day(2027, 1, 1)), kNow);
  EXPECT_TRUE(absl::IsInvalidArgument(reversed.status()));
  EXPECT_NE(Message(reversed).find("is before first day 2027-01-02"),
            std::string::npos)
      << reversed.status();
  EXPECT_TRUE(absl::IsInvalidArgument(
      InsertAssignment(
          *db_, Assign("cp-a", "x", Day(2027, 2, 30), Day(2027, 3, 1)), kNow)
          .status()));
  EXPECT_TRUE(absl::IsInvalidArgument(
      InsertAssignment(*db_, Assign("cp-a", "x", v1::Date(), Day(2027, 3, 1)),
                       kNow)
          .status()));
  EXPECT_TRUE(absl::IsInvalidArgument(
      InsertAssignment(
          *db_, Assign("cp-a", "bad login", Day(2027, 1, 1), Day(2027, 1, 1)),
          kNow)
          .status()));
  auto no_class = InsertAssignment(
      *db_, Assign("cp-z", "x", Day(2027, 1, 1), Day(2027, 1, 1)), kNow);
  EXPECT_TRUE(absl::IsNotFound(no_class.status()));
  EXPECT_NE(Message(no_class).find("no class \"cp-z\""), std::string::npos);

  auto listed = LoadAssignments(*db_, "cp-a");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].teacher(), "mme.martin");
  EXPECT_FALSE((*listed)[0].substitute());
  EXPECT_EQ((*listed)[1].teacher(), "m.durand");
  EXPECT_TRUE((*listed)[1].substitute());
  EXPECT_EQ((*listed)[1].to().day(), 26);
  EXPECT_TRUE(absl::IsNotFound(LoadAssignments(*db_, "cp-z").status()));
}

TEST_F(SchoolStoreTest, SchoolModelSurvivesReopening) {
  ASSERT_TRUE(
      InsertClass(*db_, MakeClass("cm1", {"CM1"}, "salle-12", {"A"}), kNow)
          .ok());
  db_.reset();
  auto reopened = OpenConsoleDatabase(dir_, false);
  ASSERT_TRUE(reopened.ok());
  db_ = *std::move(reopened);
  EXPECT_EQ(LoadSchools(*db_).value_or(std::vector<v1::School>()).size(), 1u);
  EXPECT_EQ(LoadPools(*db_, "").value_or(std::vector<v1::Pool>()).size(), 2u);
  auto classes = LoadClasses(*db_, "");
  ASSERT_TRUE(classes.ok());
  ASSERT_EQ(classes->size(), 1u);
  EXPECT_EQ((*classes)[0].groups(0), "A");
}

}  // namespace
}  // namespace ardoise
