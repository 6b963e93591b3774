#include "teacher-console/server/session_store.h"

#include <stdlib.h>

#include <filesystem>

#include "common/proto_time.h"
#include "gtest/gtest.h"
#include "teacher-console/server/sessions.h"
#include "teacher-console/server/store.h"

namespace ardoise {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1795420800);  // Mon 2026-11-23

class SessionStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "session-store-XXXXXX";
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

  v1::SessionRecord Running(const std::string& id,
                            const std::string& class_name) {
    v1::SessionRecord record;
    v1::Session* s = record.mutable_session();
    s->set_id(id);
    s->set_class_name(class_name);
    s->set_school("jaures");
    s->set_status(v1::Session::STATUS_RUNNING);
    ToProto(kNow, s->mutable_started_at());
    record.mutable_state()->set_session_id(id);
    return record;
  }

  std::string dir_;
  std::unique_ptr<Database> db_;
};

TEST_F(SessionStoreTest, OneRunningSessionPerClassAndTheLastOneIsFound) {
  v1::SessionRecord first = Running("s-1", "cm1-b");
  ASSERT_TRUE(SaveSession(*db_, first).ok());
  absl::Status second = SaveSession(*db_, Running("s-2", "cm1-b"));
  EXPECT_TRUE(absl::IsAlreadyExists(second)) << second;
  EXPECT_NE(second.message().find("session end cm1-b"), std::string::npos);
  ASSERT_TRUE(SaveSession(*db_, Running("s-3", "cm2-a")).ok());

  auto running = LoadRunningSessions(*db_);
  ASSERT_TRUE(running.ok());
  EXPECT_EQ(running->size(), 2u);

  // Ended, the class may start another; the last one is the newest.
  first.mutable_session()->set_status(v1::Session::STATUS_ENDED);
  ToProto(kNow + absl::Minutes(30),
          first.mutable_session()->mutable_ended_at());
  ASSERT_TRUE(SaveSession(*db_, first).ok());
  v1::SessionRecord later = Running("s-4", "cm1-b");
  ToProto(kNow + absl::Hours(1), later.mutable_session()->mutable_started_at());
  ASSERT_TRUE(SaveSession(*db_, later).ok());
  auto last = LoadLastSession(*db_, "cm1-b");
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last->session().id(), "s-4");
  EXPECT_TRUE(absl::IsNotFound(LoadLastSession(*db_, "ce1").status()));
}

TEST_F(SessionStoreTest, UsageAddsUpPerDayAndWeekAndGroup) {
  const absl::CivilDay sunday(2026, 11, 29);  // 2026-W48
  const absl::CivilDay monday(2026, 11, 30);  // 2026-W49
  ASSERT_TRUE(ChargeClassUsage(
                  *db_, "jaures", "cm1-b", "",
                  {{sunday, absl::Minutes(20)}, {monday, absl::Minutes(10)}})
                  .ok());
  ASSERT_TRUE(ChargeClassUsage(*db_, "jaures", "cm1-b", "",
                               {{sunday, absl::Seconds(30)}})
                  .ok());
  ASSERT_TRUE(ChargeClassUsage(*db_, "jaures", "cm1-b", "A",
                               {{monday, absl::Minutes(5)}})
                  .ok());
  auto w48 = ClassWeekUsage(*db_, "cm1-b", IsoWeek{2026, 48});
  ASSERT_TRUE(w48.ok());
  EXPECT_EQ((*w48)[""], 20 * 60 + 30);
  EXPECT_EQ(w48->count("A"), 0u);
  auto w49 = ClassWeekUsage(*db_, "cm1-b", IsoWeek{2026, 49});
  ASSERT_TRUE(w49.ok());
  EXPECT_EQ((*w49)[""], 10 * 60);
  EXPECT_EQ((*w49)["A"], 5 * 60);
}

TEST_F(SessionStoreTest, SessionStatesGetAGrowingVersionPerDevice) {
  auto token =
      CreateToken(*db_, "jaures", "salle-12", 2, absl::Hours(1), kNow, "it");
  ASSERT_TRUE(token.ok());
  auto device =
      EnrollDevice(*db_, token->token, "tab-1", v1::DEVICE_KIND_TABLET, kNow);
  ASSERT_TRUE(device.ok());
  v1::SessionState state;
  state.set_session_id("s-1");
  auto first = StoreSessionStates(*db_, {device->record.id}, state);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ((*first)[0].version(), 1);
  auto cleared =
      StoreSessionStates(*db_, {device->record.id}, v1::SessionState());
  ASSERT_TRUE(cleared.ok());
  EXPECT_EQ((*cleared)[0].version(), 2);
  EXPECT_TRUE((*cleared)[0].session_id().empty());
  auto loaded = LoadDevices(*db_);
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ((*loaded)[0].desired_session.version(), 2);
  EXPECT_TRUE(
      absl::IsNotFound(StoreSessionStates(*db_, {"d-nope"}, state).status()));
}

}  // namespace
}  // namespace ardoise

namespace ardoise {
namespace {

TEST(ClassWeekRowsTest, GroupsAreChargedWholeClassSessionsToo) {
  v1::Class klass;
  klass.set_name("cm1-b");
  klass.set_school("jaures");
  klass.add_groups("A");
  klass.add_groups("B");
  std::map<std::string, WeekSessions> sessions;
  sessions[""].count = 1;
  sessions["A"].count = 2;
  sessions["A"].override_reasons.push_back("sortie");
  const std::vector<v1::ClassWeek> rows =
      ClassWeekRows(klass, {{"", 1800}, {"A", 9000}}, sessions,
                    absl::Minutes(180), 9, 9, /*week_over=*/true);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].group(), "A");
  EXPECT_EQ(rows[0].used_seconds(), 10800);
  EXPECT_EQ(rows[0].flag(), v1::ClassWeek::FLAG_ON_TARGET);
  EXPECT_EQ(rows[0].sessions(), 3);
  EXPECT_EQ(rows[0].overrides(), 1);
  EXPECT_EQ(rows[1].group(), "B");
  EXPECT_EQ(rows[1].used_seconds(), 1800);
  EXPECT_EQ(rows[1].flag(), v1::ClassWeek::FLAG_UNDER);
  EXPECT_EQ(rows[1].sessions(), 1);
}

TEST(ClassWeekRowsTest, AClassWithoutGroupSessionsIsOneRow) {
  v1::Class klass;
  klass.set_name("ce1");
  klass.add_groups("A");
  const std::vector<v1::ClassWeek> over =
      ClassWeekRows(klass, {{"", 11000}}, {}, absl::Minutes(180), 9, 9, false);
  ASSERT_EQ(over.size(), 1u);
  EXPECT_EQ(over[0].group(), "");
  EXPECT_EQ(over[0].flag(), v1::ClassWeek::FLAG_OVER);
  EXPECT_EQ(over[0].percent(), 101);
  const std::vector<v1::ClassWeek> early =
      ClassWeekRows(klass, {}, {}, absl::Minutes(100), 5, 9, false);
  EXPECT_EQ(early[0].flag(), v1::ClassWeek::FLAG_IN_PROGRESS);
  EXPECT_EQ(early[0].target_seconds(), 6000);
}

}  // namespace
}  // namespace ardoise
