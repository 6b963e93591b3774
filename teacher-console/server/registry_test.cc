#include "teacher-console/server/registry.h"

#include <vector>

#include "common/proto_time.h"
#include "common/random.h"
#include "gtest/gtest.h"

namespace ardoise {
namespace {

class RecordingLink final : public LinkHandle {
 public:
  bool Push(v1::ConsoleMessage message) override {
    pushed.push_back(std::move(message));
    return true;
  }
  void Flush() override { ++flushes; }
  int flushes = 0;
  void Close(absl::Status status) override { closed = status; }
  std::vector<v1::ConsoleMessage> pushed;
  absl::Status closed = absl::OkStatus();
};

const absl::Time kStart = absl::FromUnixSeconds(1795000000);

DeviceRecord Tablet(const std::string& id, const std::string& name,
                    const std::string& pool, const std::string& key) {
  DeviceRecord r;
  r.id = id;
  r.name = name;
  r.kind = v1::DEVICE_KIND_TABLET;
  r.school = "ecole-jaures";
  r.pool = pool;
  r.key_hash = Sha256Hex(key);
  r.enrolled_at = kStart;
  return r;
}

class RegistryTest : public ::testing::Test {
 protected:
  RegistryTest()
      : clock_(kStart),
        registry_(&clock_, absl::Seconds(30),
                  [this](const DeviceRecord& record) {
                    v1::EffectivePolicy policy;
                    policy.set_version(policy_version_);
                    policy.set_timezone(record.school);
                    return policy;
                  }) {
    std::vector<DeviceRecord> devices;
    devices.push_back(Tablet("d-1", "tab-1", "chariot-a", "key1"));
    devices.push_back(Tablet("d-2", "tab-2", "chariot-a", "key2"));
    devices.push_back(Tablet("d-3", "salle-12", "salle-12", "key3"));
    registry_.Load(std::move(devices));
  }
  FakeClock clock_;
  int64_t policy_version_ = 0;
  Registry registry_;
};

TEST_F(RegistryTest, PoliciesAreSentWhenTheirVersionDiffers) {
  RecordingLink link;
  ASSERT_TRUE(registry_.Attach("d-1", "key1", &link).ok());
  registry_.OnHello("d-1", v1::Hello(), &link);
  ASSERT_EQ(link.pushed.size(), 1u);  // version 0 on both sides: Welcome only
  link.pushed.clear();

  policy_version_ = 5;
  EXPECT_EQ(registry_.RefreshPolicies(), 3);
  ASSERT_EQ(link.pushed.size(), 1u);
  EXPECT_EQ(link.pushed[0].desired().policy().version(), 5);
  EXPECT_EQ(link.pushed[0].desired().policy().timezone(), "ecole-jaures");
  EXPECT_EQ(registry_.RefreshPolicies(), 0);  // nothing new
  EXPECT_EQ(registry_.Get("d-1")->desired_policy_version(), 5);
  EXPECT_FALSE(registry_.Get("d-1")->in_sync());

  RecordingLink again;
  registry_.Detach("d-1", &link);
  ASSERT_TRUE(registry_.Attach("d-1", "key1", &again).ok());
  v1::Hello hello;
  hello.set_policy_version(4);
  registry_.OnHello("d-1", hello, &again);
  ASSERT_EQ(again.pushed.size(), 2u);
  EXPECT_EQ(again.pushed[1].desired().policy().version(), 5);
  EXPECT_FALSE(again.pushed[1].desired().has_manual_lock());
}

TEST_F(RegistryTest, AttachChecksTheKeyAndRefusesASecondStream) {
  RecordingLink first, second;
  EXPECT_TRUE(
      absl::IsUnauthenticated(registry_.Attach("d-1", "wrong", &first)));
  EXPECT_TRUE(absl::IsUnauthenticated(registry_.Attach("d-9", "key1", &first)));
  EXPECT_TRUE(absl::IsUnauthenticated(registry_.Attach("d-1", "", &first)));
  ASSERT_TRUE(registry_.Attach("d-1", "key1", &first).ok());
  EXPECT_TRUE(absl::IsAlreadyExists(registry_.Attach("d-1", "key1", &second)));
  registry_.Detach("d-1", &second);  // not the holder: no effect
  EXPECT_TRUE(absl::IsAlreadyExists(registry_.Attach("d-1", "key1", &second)));
  registry_.Detach("d-1", &first);
  EXPECT_TRUE(registry_.Attach("d-1", "key1", &second).ok());
}

TEST_F(RegistryTest, AStreamThatMissedItsReportIsReplacedNotFlagged) {
  // A tablet that vanished (Wi-Fi roaming, power loss) and comes back on a
  // new connection before its old stream was closed as silent.
  RecordingLink old_link, clone, comeback;
  ASSERT_TRUE(registry_.Attach("d-1", "key1", &old_link).ok());
  registry_.OnHello("d-1", v1::Hello(), &old_link);
  clock_.Advance(absl::Seconds(40));
  registry_.OnReport("d-1", v1::DeviceState());
  // Reported on time: a second agent with the key is a clone.
  clock_.Advance(absl::Seconds(40));
  EXPECT_TRUE(absl::IsAlreadyExists(registry_.Attach("d-1", "key1", &clone)));
  EXPECT_TRUE(old_link.closed.ok());
  // 1.5 heartbeats of silence: the old stream is closed and replaced.
  clock_.Advance(absl::Seconds(6));
  ASSERT_TRUE(registry_.Attach("d-1", "key1", &comeback).ok());
  EXPECT_TRUE(absl::IsUnavailable(old_link.closed));
  registry_.Detach("d-1", &old_link);  // its end: no effect on the new one
  registry_.OnHello("d-1", v1::Hello(), &comeback);
  ASSERT_FALSE(comeback.pushed.empty());
  EXPECT_TRUE(comeback.pushed[0].has_welcome());
  EXPECT_TRUE(registry_.Get("d-1")->online());
}

TEST_F(RegistryTest, AnyMessageKeepsTheDeviceOnline) {
  // Any message counts as the heartbeat (a usage batch, an ack).
  RecordingLink link;
  ASSERT_TRUE(registry_.Attach("d-1", "key1", &link).ok());
  registry_.OnHello("d-1", v1::Hello(), &link);
  clock_.Advance(absl::Seconds(50));
  registry_.Heard("d-1");
  clock_.Advance(absl::Seconds(20));  // 70 s after the Hello, 20 s after
  EXPECT_TRUE(registry_.Get("d-1")->online());
  clock_.Advance(absl::Seconds(41));  // two heartbeats of silence
  EXPECT_FALSE(registry_.Get("d-1")->online());
}

TEST_F(RegistryTest, StreamsSilentTooLongAreClosedOthersKept) {
  // Real time, whatever the registry's clock: a vanished tablet's stream
  // ends 2 heartbeats + 10 s after its last message.
  RecordingLink quiet, chatty, gone;
  ASSERT_TRUE(registry_.Attach("d-1", "key1", &quiet).ok());
  ASSERT_TRUE(registry_.Attach("d-2", "key2", &chatty).ok());
  ASSERT_TRUE(registry_.Attach("d-3", "key3", &gone).ok());
  registry_.Detach("d-3", &gone);
  const absl::Time t0 = absl::Now();
  const absl::Duration silence = absl::Seconds(70);
  EXPECT_EQ(registry_.CloseSilent(t0 + absl::Seconds(60), silence), 0);
  const absl::Time attached = absl::Now();
  while (absl::Now() <= attached) {
  }
  const absl::Time before = absl::Now();  // after d-1's last message
  registry_.Heard("d-2");
  // d-2 was heard exactly `silence` ago or less; d-1 longer ago.
  EXPECT_EQ(registry_.CloseSilent(before + silence, silence), 1);
  EXPECT_TRUE(absl::IsDeadlineExceeded(quiet.closed)) << quiet.closed;
  EXPECT_TRUE(chatty.closed.ok());
  EXPECT_TRUE(gone.closed.ok());  // detached: nothing to close
}

TEST_F(RegistryTest, WritesStartAfterTheRegistryIsUnlocked) {
  // Flush() runs after the mutex is released: it may even read the
  // registry (with the mutex still held this would deadlock).
  class ReadingLink final : public LinkHandle {
   public:
    explicit ReadingLink(Registry* registry) : registry_(registry) {}
    bool Push(v1::ConsoleMessage) override {
      ++pushed;
      return true;
    }
    void Flush() override {
      ++flushes;
      EXPECT_TRUE(registry_->Get("d-1").ok());
    }
    void Close(absl::Status) override {}
    int pushed = 0;
    int flushes = 0;

   private:
    Registry* registry_;
  };
  ReadingLink link(&registry_);
  ASSERT_TRUE(registry_.Attach("d-1", "key1", &link).ok());
  registry_.OnHello("d-1", v1::Hello(), &link);
  v1::ManualLock lock;
  lock.set_version(1);
  lock.set_locked(true);
  registry_.SetDesiredLock("d-1", lock);
  EXPECT_GE(link.pushed, 2);
  EXPECT_EQ(link.flushes, link.pushed);
}

TEST_F(RegistryTest, HelloGetsWelcomeThenOnlyWhatDiffers) {
  v1::ManualLock lock;
  lock.set_version(4);
  lock.set_locked(true);
  registry_.SetDesiredLock("d-1", lock);
  v1::Command executed, pending, expired;
  executed.set_seq(1);
  ToProto(kStart + absl::Minutes(5), executed.mutable_expires_at());
  pending = executed;
  pending.set_seq(2);
  expired.set_seq(3);
  ToProto(kStart - absl::Seconds(1), expired.mutable_expires_at());
  registry_.AddCommand("d-1", executed);
  registry_.AddCommand("d-1", pending);
  registry_.AddCommand("d-1", expired);

  RecordingLink link;
  ASSERT_TRUE(registry_.Attach("d-1", "key1", &link).ok());
  registry_.SetDesiredLock("d-1", lock);  // not newer: nothing
  EXPECT_TRUE(link.pushed.empty());       // not welcomed yet either
  v1::Hello hello;
  hello.set_manual_lock_version(3);
  hello.set_last_command_seq(1);
  registry_.OnHello("d-1", hello, &link);
  ASSERT_EQ(link.pushed.size(), 3u);
  EXPECT_TRUE(link.pushed[0].has_welcome());
  EXPECT_EQ(link.pushed[0].welcome().heartbeat_seconds(), 30);
  EXPECT_EQ(link.pushed[1].desired().manual_lock().version(), 4);
  EXPECT_EQ(link.pushed[2].command().seq(), 2);

  // An agent holding the current version gets no desired state.
  RecordingLink again;
  registry_.Detach("d-1", &link);
  ASSERT_TRUE(registry_.Attach("d-1", "key1", &again).ok());
  hello.set_manual_lock_version(4);
  hello.set_last_command_seq(2);
  registry_.OnHello("d-1", hello, &again);
  ASSERT_EQ(again.pushed.size(), 1u);
  EXPECT_TRUE(again.pushed[0].has_welcome());
}

TEST_F(RegistryTest, ChangesArePushedToWelcomedStreamsOnly) {
  RecordingLink link;
  ASSERT_TRUE(registry_.Attach("d-2", "key2", &link).ok());
  registry_.OnHello("d-2", v1::Hello(), &link);
  link.pushed.clear();
  v1::ManualLock lock;
  lock.set_version(1);
  lock.set_locked(true);
  registry_.SetDesiredLock("d-2", lock);
  registry_.SetDesiredLock("d-1", lock);  // not connected
  ASSERT_EQ(link.pushed.size(), 1u);
  EXPECT_TRUE(link.pushed[0].desired().manual_lock().locked());
}

TEST_F(RegistryTest, OnlineMeansLiveStreamHeardFromWithinTwoHeartbeats) {
  RecordingLink link;
  ASSERT_TRUE(registry_.Attach("d-1", "key1", &link).ok());
  EXPECT_FALSE(registry_.Get("d-1")->online());  // no Hello yet
  registry_.OnHello("d-1", v1::Hello(), &link);
  EXPECT_TRUE(registry_.Get("tab-1")->online());
  clock_.Advance(absl::Seconds(59));
  EXPECT_TRUE(registry_.Get("d-1")->online());
  clock_.Advance(absl::Seconds(2));
  EXPECT_FALSE(registry_.Get("d-1")->online());
  registry_.OnReport("d-1", v1::DeviceState());
  EXPECT_TRUE(registry_.Get("d-1")->online());
  registry_.Detach("d-1", &link);
  EXPECT_FALSE(registry_.Get("d-1")->online());
}

TEST_F(RegistryTest, ResolveDevicesPoolsAndAmbiguity) {
  std::string described;
  v1::Target target;
  target.set_name("chariot-a");
  auto ids = registry_.Resolve(target, &described);
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(*ids, (std::vector<std::string>{"d-1", "d-2"}));
  EXPECT_EQ(described, "pool chariot-a");

  target.set_name("tab-2");
  ids = registry_.Resolve(target, &described);
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(*ids, std::vector<std::string>{"d-2"});

  target.set_name("salle-12");  // a device and a pool share the name
  EXPECT_TRUE(
      absl::IsInvalidArgument(registry_.Resolve(target, &described).status()));
  target.set_kind(v1::Target::KIND_POOL);
  ids = registry_.Resolve(target, &described);
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(*ids, std::vector<std::string>{"d-3"});

  target.set_kind(v1::Target::KIND_AUTO);
  target.set_name("nowhere");
  EXPECT_TRUE(absl::IsNotFound(registry_.Resolve(target, &described).status()));

  target.set_kind(v1::Target::KIND_ALL);
  ids = registry_.Resolve(target, &described);
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(ids->size(), 3u);
}

TEST_F(RegistryTest, RetireClosesTheStreamAndRefusesTheKey) {
  RecordingLink link;
  ASSERT_TRUE(registry_.Attach("d-1", "key1", &link).ok());
  registry_.Retire("d-1");
  EXPECT_TRUE(absl::IsPermissionDenied(link.closed));
  registry_.Detach("d-1", &link);
  EXPECT_TRUE(absl::IsUnauthenticated(registry_.Attach("d-1", "key1", &link)));
  std::string described;
  v1::Target all;
  all.set_kind(v1::Target::KIND_ALL);
  EXPECT_EQ(registry_.Resolve(all, &described)->size(), 2u);
}

TEST_F(RegistryTest, DirtyLiveFieldsAreTakenOnce) {
  registry_.OnReport("d-2", v1::DeviceState());
  auto dirty = registry_.TakeDirty();
  ASSERT_EQ(dirty.size(), 1u);
  EXPECT_EQ(dirty[0].id, "d-2");
  EXPECT_EQ(dirty[0].last_seen, kStart);
  EXPECT_TRUE(registry_.TakeDirty().empty());
}

TEST_F(RegistryTest, RekeySendsThePendingKeyAndBothKeysWorkUntilCommitted) {
  RecordingLink link;
  ASSERT_TRUE(registry_.Attach("d-1", "key1", &link).ok());
  registry_.OnHello("d-1", v1::Hello(), &link);
  link.pushed.clear();

  EXPECT_TRUE(registry_.SetPendingKey("d-1", "new1"));
  ASSERT_EQ(link.pushed.size(), 1u);
  EXPECT_EQ(link.pushed[0].rekey().node_key(), "new1");
  EXPECT_TRUE(registry_.Get("d-1")->rekey_pending());
  registry_.Detach("d-1", &link);

  // Until the ack is committed, the old key works and gets the key again.
  RecordingLink old_key;
  bool pending_used = true;
  ASSERT_TRUE(registry_.Attach("d-1", "key1", &old_key, &pending_used).ok());
  EXPECT_FALSE(pending_used);
  registry_.OnHello("d-1", v1::Hello(), &old_key);
  EXPECT_EQ(old_key.pushed.back().rekey().node_key(), "new1");
  registry_.Detach("d-1", &old_key);
  // The new key works too, and says so (its ack was lost).
  RecordingLink new_key;
  ASSERT_TRUE(registry_.Attach("d-1", "new1", &new_key, &pending_used).ok());
  EXPECT_TRUE(pending_used);
  registry_.Detach("d-1", &new_key);

  // A wrong hash commits nothing.
  registry_.CommitRekey("d-1", Sha256Hex("other"));
  EXPECT_TRUE(registry_.Get("d-1")->rekey_pending());
  registry_.CommitRekey("d-1", Sha256Hex("new1"));
  EXPECT_FALSE(registry_.Get("d-1")->rekey_pending());
  RecordingLink after;
  EXPECT_EQ(registry_.Attach("d-1", "key1", &after).code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_TRUE(registry_.Attach("d-1", "new1", &after).ok());
}

TEST_F(RegistryTest, RekeyOfAnOfflineDeviceWaitsForItsHello) {
  EXPECT_FALSE(registry_.SetPendingKey("d-2", "new2"));
  RecordingLink link;
  ASSERT_TRUE(registry_.Attach("d-2", "key2", &link).ok());
  registry_.OnHello("d-2", v1::Hello(), &link);
  ASSERT_FALSE(link.pushed.empty());
  EXPECT_TRUE(link.pushed.front().has_welcome());
  EXPECT_EQ(link.pushed.back().rekey().node_key(), "new2");
}

}  // namespace
}  // namespace ardoise
