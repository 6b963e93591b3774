#include "agent/enforce/agent_store.h"

#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>

#include "gtest/gtest.h"

namespace ardoise {
namespace {

class AgentStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "agent-store-XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern + "/data";
  }
  void TearDown() override {
    std::filesystem::remove_all(std::filesystem::path(dir_).parent_path());
  }
  std::string dir_;
};

TEST_F(AgentStoreTest, NotEnrolledSaysWhatToDo) {
  auto store = AgentStore::Open(dir_, true);
  ASSERT_TRUE(store.ok()) << store.status();
  auto identity = (*store)->LoadIdentity();
  EXPECT_TRUE(absl::IsNotFound(identity.status()));
  EXPECT_NE(identity.status().message().find("ardoise-agent enroll"),
            std::string::npos);
  EXPECT_TRUE(absl::IsNotFound((*store)->LoadNodeKey().status()));
  auto ca = (*store)->LoadConsoleCa();
  EXPECT_TRUE(absl::IsNotFound(ca.status()));
  EXPECT_NE(ca.status().message().find("enroll this device again"),
            std::string::npos);
}

TEST_F(AgentStoreTest, EverythingSurvivesAReopen) {
  {
    auto store = AgentStore::Open(dir_, true);
    ASSERT_TRUE(store.ok());
    Identity id;
    id.device_id = "d-1";
    id.name = "tab-1";
    id.kind = v1::DEVICE_KIND_WHITEBOARD;
    id.console = "127.0.0.1:7443";
    id.school = "ecole";
    id.pool = "salle-1";
    ASSERT_TRUE((*store)->SaveIdentity(id).ok());
    ASSERT_TRUE((*store)->SaveNodeKey("abc123").ok());
    ASSERT_TRUE((*store)->SaveConsoleCa("-----BEGIN CERTIFICATE-----\n").ok());
    v1::ManualLock lock;
    lock.set_version(7);
    lock.set_locked(true);
    lock.set_message("Au tableau");
    ASSERT_TRUE((*store)->SetManualLock(lock).ok());
    ASSERT_TRUE((*store)->RecordCommand(4, "Bonjour").ok());
    ASSERT_TRUE((*store)->RecordCommand(5, "").ok());  // keeps the last text
    ASSERT_TRUE((*store)->SetClockOffset(absl::Milliseconds(-1500)).ok());
  }
  struct stat st;
  ASSERT_EQ(stat((dir_ + "/node.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  auto store = AgentStore::Open(dir_, false);
  ASSERT_TRUE(store.ok());
  auto id = (*store)->LoadIdentity();
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(id->device_id, "d-1");
  EXPECT_EQ(id->kind, v1::DEVICE_KIND_WHITEBOARD);
  EXPECT_EQ(id->pool, "salle-1");
  EXPECT_EQ((*store)->LoadNodeKey().value_or(""), "abc123");
  EXPECT_EQ((*store)->LoadConsoleCa().value_or(""),
            "-----BEGIN CERTIFICATE-----\n");
  EXPECT_EQ((*store)->manual_lock().version(), 7);
  EXPECT_TRUE((*store)->manual_lock().locked());
  EXPECT_EQ((*store)->last_command_seq(), 5);
  EXPECT_EQ((*store)->last_message_shown(), "Bonjour");
  EXPECT_EQ((*store)->clock_offset(), absl::Milliseconds(-1500));
}

TEST_F(AgentStoreTest, OpeningAMissingFolderWithoutCreateFails) {
  EXPECT_FALSE(AgentStore::Open(dir_, false).ok());
}

}  // namespace
}  // namespace ardoise
