// Usage records end to end: never lost, never doubled, whatever is killed
// when (issue #5, "Must show").
#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <random>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "ardoise/v1/usage.pb.h"
#include "common/school_time.h"
#include "common/sqlite.h"
#include "gtest/gtest.h"
#include "tests/e2e/harness.h"

namespace ardoise::testing {
namespace {

const absl::Duration kHeartbeat = absl::Seconds(2);
// Upper bounds for polling (never sleeps): generous for sanitizer builds on a
// loaded machine; a healthy run takes a fraction of them.
const absl::Duration kPatience = absl::Seconds(45);
// Agents cut an interval this often, so a few seconds make hundreds.
const std::vector<std::string> kFastUsage = {"--usage-cut-every", "100ms"};
// After the chaos: nothing new but what a restart records.
const std::vector<std::string> kQuietUsage = {"--usage-cut-every", "1h"};

std::unique_ptr<Database> OpenReadOnly(const std::string& path) {
  Database::Options options;
  options.create = false;
  options.read_only = true;
  auto db = Database::Open(path, options);
  return db.ok() ? *std::move(db) : nullptr;
}

// What an agent says it recorded (agent.db, written in the same
// transactions as its outbox).
struct AgentTotals {
  int64_t recorded = -1;
  int64_t recorded_ms = -1;
  int64_t pending = -1;
};

AgentTotals ReadAgent(const std::string& dir) {
  AgentTotals totals;
  auto db = OpenReadOnly(dir + "/agent.db");
  if (db == nullptr) return totals;
  auto kv = db->Prepare(
      "SELECT (SELECT value FROM kv WHERE key = 'usage_recorded'), (SELECT "
      "value FROM kv WHERE key = 'usage_recorded_ms'), (SELECT COUNT(*) FROM "
      "usage_outbox)");
  if (!kv.ok()) return totals;
  auto row = kv->Step();
  if (!row.ok() || !*row) return totals;
  totals.recorded = std::stoll("0" + kv->ColumnText(0));
  totals.recorded_ms = std::stoll("0" + kv->ColumnText(1));
  totals.pending = kv->ColumnInt64(2);
  return totals;
}

// What the console stored for one device.
struct ConsoleTotals {
  int64_t rows = -1;
  int64_t distinct = -1;
  int64_t ms = -1;
  int64_t epochs = -1;
  bool gapless = false;  // per epoch: seqs 1..max, max == contiguous
  int64_t aggregated_intervals = -1;
  int64_t aggregated_on_ms = -1;
};

ConsoleTotals ReadConsole(const std::string& console_dir,
                          const std::string& device_id) {
  ConsoleTotals totals;
  auto db = OpenReadOnly(console_dir + "/console.db");
  if (db == nullptr) return totals;
  auto rows = db->Prepare(
      "SELECT COUNT(*), COUNT(DISTINCT epoch || '/' || seq), "
      "COALESCE(SUM(end_ms - start_ms), 0), COUNT(DISTINCT epoch) FROM "
      "usage_intervals WHERE device_id = ?");
  if (!rows.ok()) return totals;
  rows->Bind(1, device_id);
  if (!*rows->Step()) return totals;
  totals.rows = rows->ColumnInt64(0);
  totals.distinct = rows->ColumnInt64(1);
  totals.ms = rows->ColumnInt64(2);
  totals.epochs = rows->ColumnInt64(3);
  auto streams = db->Prepare(
      "SELECT s.contiguous_seq, s.max_seq, (SELECT COUNT(*) FROM "
      "usage_intervals i WHERE i.device_id = s.device_id AND i.epoch = "
      "s.epoch) FROM usage_streams s WHERE s.device_id = ?");
  streams->Bind(1, device_id);
  totals.gapless = true;
  while (*streams->Step()) {
    totals.gapless = totals.gapless &&
                     streams->ColumnInt64(0) == streams->ColumnInt64(1) &&
                     streams->ColumnInt64(1) == streams->ColumnInt64(2);
  }
  auto days = db->Prepare(
      "SELECT COALESCE(SUM(intervals), 0), COALESCE(SUM(on_ms), 0) FROM "
      "usage_device_days WHERE device_id = ?");
  days->Bind(1, device_id);
  if (*days->Step()) {
    totals.aggregated_intervals = days->ColumnInt64(0);
    totals.aggregated_on_ms = days->ColumnInt64(1);
  }
  return totals;
}

class UsageTest : public ::testing::Test {
 protected:
  void Enroll(int n) {
    bed_.StartConsole(kHeartbeat);
    const std::string token = bed_.CreateToken("ecole-jaures", "chariot-a", n);
    for (int i = 1; i <= n; ++i) {
      const std::string name = absl::StrCat("tab-", i);
      bed_.Enroll(token, name);
      names_.push_back(name);
    }
  }

  std::string DeviceId(const std::string& name) {
    return bed_.Device(name).id();
  }

  // Every agent's outbox is empty and the console holds all it recorded.
  bool AllDelivered() {
    for (const std::string& name : names_) {
      const AgentTotals agent = ReadAgent(bed_.AgentDir(name));
      if (agent.pending != 0 || agent.recorded <= 0) return false;
      if (ReadConsole(bed_.dir() + "/console", ids_[name]).rows !=
          agent.recorded) {
        return false;
      }
    }
    return true;
  }

  // The console holds exactly what each agent recorded. The agents keep
  // running (a quiet agent may still cut an interval now and then), so the
  // pair of reads is retried until it is consistent; a missing or doubled
  // interval never becomes consistent and fails with the last reads.
  void ExpectTotalsEqual() {
    for (const std::string& name : names_) {
      AgentTotals agent;
      ConsoleTotals console;
      WaitFor(
          [&] {
            agent = ReadAgent(bed_.AgentDir(name));
            console = ReadConsole(bed_.dir() + "/console", ids_[name]);
            return agent.pending == 0 && console.rows == agent.recorded &&
                   console.ms == agent.recorded_ms &&
                   console.aggregated_intervals == agent.recorded &&
                   console.aggregated_on_ms == agent.recorded_ms;
          },
          kPatience);
      SCOPED_TRACE(name);
      EXPECT_GT(agent.recorded, 0);
      EXPECT_EQ(console.rows, agent.recorded);    // none missing
      EXPECT_EQ(console.distinct, console.rows);  // none doubled
      EXPECT_EQ(console.ms, agent.recorded_ms);   // to the millisecond
      EXPECT_TRUE(console.gapless);
      EXPECT_EQ(console.epochs, 1);
      // The aggregates counted each interval exactly once.
      EXPECT_EQ(console.aggregated_intervals, agent.recorded);
      EXPECT_EQ(console.aggregated_on_ms, agent.recorded_ms);
    }
  }

  TestBed bed_;
  std::vector<std::string> names_;
  std::map<std::string, std::string> ids_;
};

TEST_F(UsageTest, KillingConsoleAndAgentsLosesAndDoublesNothing) {
  Enroll(5);
  for (const std::string& name : names_) bed_.StartAgent(name, "", kFastUsage);
  for (const std::string& name : names_) {
    ASSERT_TRUE(bed_.WaitForDevice(
        name, [](const v1::Device& d) { return d.online(); }, kPatience));
    ids_[name] = DeviceId(name);
  }

  // Chaos: the console SIGKILLed 3 times and every agent twice, at random
  // moments over about 8 seconds, each restarted at once.
  std::mt19937 rng(std::random_device{}());
  std::uniform_int_distribution<int> when(200, 8000);
  std::vector<std::pair<int, std::string>> events;  // ms, "" = console
  for (int i = 0; i < 3; ++i) events.emplace_back(when(rng), "");
  for (const std::string& name : names_) {
    for (int i = 0; i < 2; ++i) events.emplace_back(when(rng), name);
  }
  std::sort(events.begin(), events.end());
  const absl::Time start = absl::Now();
  for (const auto& [at, who] : events) {
    const absl::Time due = start + absl::Milliseconds(at);
    if (absl::Now() < due) absl::SleepFor(due - absl::Now());
    if (who.empty()) {
      bed_.KillConsole(SIGKILL);
      bed_.StartConsole(kHeartbeat);
    } else {
      bed_.KillAgent(who, SIGKILL);
      bed_.StartAgent(who, "", kFastUsage);
    }
  }

  // Freeze the agents, then let them deliver what they hold: restarted
  // quiet, each adds only its recovered tail and its boot.
  for (const std::string& name : names_) bed_.KillAgent(name, SIGKILL);
  for (const std::string& name : names_) bed_.StartAgent(name, "", kQuietUsage);
  ASSERT_TRUE(WaitFor([&] { return AllDelivered(); }, kPatience));
  ExpectTotalsEqual();
  for (const std::string& name : names_) {
    EXPECT_GT(ReadAgent(bed_.AgentDir(name)).recorded, 20) << name;
  }
}

TEST_F(UsageTest, AgentOfflineDeliversEverythingOnReconnect) {
  Enroll(1);
  const std::string name = names_[0];
  bed_.StartAgent(name, "", kFastUsage);
  ASSERT_TRUE(
      bed_.WaitForDevice(name, [](const v1::Device& d) { return d.online(); }));
  ids_[name] = DeviceId(name);
  // Each cut reaches the console at once, but the console acknowledges
  // lazily: the agent still holds intervals the console already stored.
  ASSERT_TRUE(WaitFor(
      [&] {
        const AgentTotals agent = ReadAgent(bed_.AgentDir(name));
        const ConsoleTotals console =
            ReadConsole(bed_.dir() + "/console", ids_[name]);
        return console.rows >= 10 &&
               console.rows > agent.recorded - agent.pending;
      },
      kPatience));
  const ConsoleTotals before = ReadConsole(bed_.dir() + "/console", ids_[name]);

  // The console is gone; the agent keeps recording into its outbox.
  bed_.KillConsole(SIGKILL);
  ASSERT_TRUE(WaitFor(
      [&] { return ReadAgent(bed_.AgentDir(name)).pending >= 40; }, kPatience));
  bed_.KillAgent(name, SIGKILL);
  const AgentTotals offline = ReadAgent(bed_.AgentDir(name));

  bed_.StartConsole(kHeartbeat);
  bed_.StartAgent(name, "", kQuietUsage);
  ASSERT_TRUE(WaitFor([&] { return AllDelivered(); }, kPatience));
  ExpectTotalsEqual();
  const ConsoleTotals after = ReadConsole(bed_.dir() + "/console", ids_[name]);
  // What it recorded while the console was away is there too.
  EXPECT_GT(offline.recorded, before.rows);
  EXPECT_GE(after.rows, offline.recorded);
  EXPECT_GT(after.aggregated_on_ms, before.aggregated_on_ms);

  // The devices report now shows the device's day (built from aggregates).
  const absl::TimeZone paris = *LoadSchoolTimeZone("Europe/Paris");
  const std::string today =
      absl::FormatCivilTime(absl::ToCivilDay(absl::Now(), paris));
  const std::string yesterday =
      absl::FormatCivilTime(absl::ToCivilDay(absl::Now(), paris) - 1);
  v1::DevicesReportResponse report;
  ASSERT_TRUE(bed_.CliJson(
      {"report", "devices", "--from", yesterday, "--to", today}, &report));
  int64_t on_minutes = 0;
  bool listed = false;
  for (const v1::DeviceDayUsage& row : report.devices()) {
    if (row.device() != name) continue;
    listed = true;
    on_minutes += row.on_minutes();
  }
  EXPECT_TRUE(listed);
  EXPECT_EQ(on_minutes * 60000 <= after.aggregated_on_ms, true);
  ASSERT_GE(report.schools_size(), 1);
  EXPECT_EQ(report.schools(0).school(), "ecole-jaures");
  EXPECT_EQ(report.schools(0).devices(), 1);
}

TEST_F(UsageTest, RestoredDataFolderNeverHasItsNewRecordsDropped) {
  Enroll(1);
  const std::string name = names_[0];
  const std::string dir = bed_.AgentDir(name);
  bed_.StartAgent(name, "", kFastUsage);
  ASSERT_TRUE(
      bed_.WaitForDevice(name, [](const v1::Device& d) { return d.online(); }));
  ids_[name] = DeviceId(name);
  ASSERT_TRUE(
      WaitFor([&] { return ReadAgent(dir).recorded >= 10; }, kPatience));
  // An image of the data folder, taken with the agent stopped.
  bed_.KillAgent(name, SIGKILL);
  const std::string image = bed_.dir() + "/image";
  std::filesystem::copy(dir, image, std::filesystem::copy_options::recursive);
  const AgentTotals at_image = ReadAgent(image);

  // The device goes on and delivers more under the same epoch ...
  bed_.StartAgent(name, "", kFastUsage);
  ASSERT_TRUE(
      WaitFor([&] { return ReadAgent(dir).recorded >= at_image.recorded + 20; },
              kPatience));
  bed_.KillAgent(name, SIGKILL);
  bed_.StartAgent(name, "", kQuietUsage);
  ASSERT_TRUE(WaitFor([&] { return AllDelivered(); }, kPatience));
  bed_.KillAgent(name, SIGKILL);

  // ... then is restored from the image: its next seqs are already taken.
  std::filesystem::remove_all(dir);
  std::filesystem::copy(image, dir, std::filesystem::copy_options::recursive);
  bed_.StartAgent(name, "", kFastUsage);
  ASSERT_TRUE(
      WaitFor([&] { return ReadAgent(dir).recorded >= at_image.recorded + 10; },
              kPatience));
  bed_.KillAgent(name, SIGKILL);
  bed_.StartAgent(name, "", kQuietUsage);
  ASSERT_TRUE(WaitFor([&] { return ReadAgent(dir).pending == 0; }, kPatience));
  bed_.KillAgent(name, SIGKILL);

  // Everything recorded since the restore (and what the image still held)
  // is on the console, under a new epoch, none dropped as a duplicate.
  const AgentTotals restored = ReadAgent(dir);
  auto db = OpenReadOnly(bed_.dir() + "/console/console.db");
  ASSERT_NE(db, nullptr);
  auto epochs = db->Prepare(
      "SELECT epoch, COUNT(*), MAX(seq) FROM usage_intervals WHERE device_id "
      "= ? GROUP BY epoch ORDER BY MIN(start_ms)");
  ASSERT_TRUE(epochs.ok());
  epochs->Bind(1, ids_[name]);
  std::vector<std::pair<int64_t, int64_t>> counts;  // rows, max seq
  while (*epochs->Step()) {
    counts.emplace_back(epochs->ColumnInt64(1), epochs->ColumnInt64(2));
  }
  ASSERT_EQ(counts.size(), 2u);
  const int64_t since_restore = restored.recorded - at_image.recorded;
  EXPECT_EQ(counts[1].first, since_restore + at_image.pending);
  EXPECT_EQ(counts[1].second, counts[1].first);  // gapless from 1
}

}  // namespace
}  // namespace ardoise::testing
