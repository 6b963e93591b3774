// Usage on the console: how many intervals per second the single Writer
// ingests with the production settings (WAL, synchronous=FULL, each batch
// acknowledged only after its durable commit, many agents' batches sharing
// one commit), and how long the no-screen report takes for a city.
#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "benchmark/benchmark.h"
#include "common/proto_time.h"
#include "common/school_time.h"
#include "teacher-console/server/store.h"
#include "teacher-console/server/usage_reports.h"
#include "teacher-console/server/usage_store.h"
#include "teacher-console/server/writer.h"

namespace ardoise {
namespace {

std::string TempDir() {
  std::string dir =
      std::filesystem::temp_directory_path().string() + "/ardoise-bench-XXXXXX";
  return mkdtemp(dir.data()) == nullptr ? "" : dir;
}

const absl::TimeZone& Paris() {
  static const absl::TimeZone zone = *LoadSchoolTimeZone("Europe/Paris");
  return zone;
}

// `devices` agents each send one batch of `per_batch` one-minute intervals
// per iteration, all posted at once; an iteration ends when every batch is
// durably committed (when the acks would go out).
void BM_IngestUsage(benchmark::State& state) {
  const int devices = static_cast<int>(state.range(0));
  const int per_batch = static_cast<int>(state.range(1));
  const std::string dir = TempDir();
  auto db = OpenConsoleDatabase(dir, true);
  if (dir.empty() || !db.ok()) {
    state.SkipWithError("open");
    return;
  }
  auto writer = Writer::Start(*std::move(db));
  std::vector<int64_t> next_seq(devices, 1);
  const absl::Time t0 =
      absl::FromCivil(absl::CivilSecond(2027, 3, 1, 8, 0, 0), Paris());
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<std::shared_ptr<v1::UsageBatch>> batches;
    for (int d = 0; d < devices; ++d) {
      auto batch = std::make_shared<v1::UsageBatch>();
      batch->set_epoch("3f9a0c12aa55bb66");
      for (int i = 0; i < per_batch; ++i) {
        const int64_t seq = next_seq[d]++;
        v1::UsageInterval* interval = batch->add_intervals();
        interval->set_seq(seq);
        interval->set_kind(v1::INTERVAL_KIND_AGENT_UP);
        ToProto(t0 + absl::Minutes(seq), interval->mutable_start());
        ToProto(t0 + absl::Minutes(seq + 1), interval->mutable_end());
        interval->set_locked(seq % 3 == 0);
        interval->set_in_use(seq % 3 != 0);
        interval->set_activity("gcompris");
      }
      batches.push_back(std::move(batch));
    }
    state.ResumeTiming();
    std::atomic<int> left{devices};
    absl::Notification all_done;
    for (int d = 0; d < devices; ++d) {
      UsagePlacement placement{absl::StrCat("d-", d), "ecole-jaures",
                               absl::StrCat("chariot-", d % 10),
                               v1::DEVICE_KIND_TABLET};
      writer->Post(
          [placement, batch = batches[d]](Database& db) -> absl::Status {
            const absl::TimeZone zone = SchoolTimeZone(db, placement.school);
            return IngestUsage(db, placement, zone, *batch).status();
          },
          [&](absl::Status status) {
            if (!status.ok()) state.SkipWithError("ingest failed");
            if (--left == 0) all_done.Notify();
          });
    }
    all_done.WaitForNotification();
  }
  state.SetItemsProcessed(state.iterations() * devices * per_batch);
  state.counters["commits"] = static_cast<double>(writer->commits());
  writer->Stop();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_IngestUsage)
    ->Args({1, 500})
    ->Args({20, 500})
    ->Args({100, 100})
    ->Args({200, 500})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// 5,000 tablets in 30 schools, a 5-day no-screen week, each device with a
// day row per day (used, exempt, locked or nothing).
void BM_NoScreenReport(benchmark::State& state) {
  const int devices = static_cast<int>(state.range(0));
  const std::string dir = TempDir();
  auto db = OpenConsoleDatabase(dir, true);
  if (dir.empty() || !db.ok()) {
    state.SkipWithError("open");
    return;
  }
  v1::EffectivePolicy policy;
  policy.set_timezone("Europe/Paris");
  v1::NoScreenPeriod* period = policy.add_no_screen_periods();
  period->mutable_range()->set_name("Semaine sans écrans");
  period->mutable_range()->mutable_from()->set_year(2027);
  period->mutable_range()->mutable_from()->set_month(5);
  period->mutable_range()->mutable_from()->set_day(17);
  *period->mutable_range()->mutable_to() = period->range().from();
  period->mutable_range()->mutable_to()->set_day(21);
  period->add_kinds(v1::DEVICE_KIND_TABLET);
  std::vector<ReportDevice> report_devices;
  Database& d = **db;
  if (!d.Begin().ok()) return;
  auto day_row = d.Prepare(
      "INSERT INTO usage_device_days VALUES (?, ?, ?, ?, ?, ?, ?, 10)");
  auto stream_row =
      d.Prepare("INSERT INTO usage_streams VALUES (?, 'e', 10, 10, ?, ?)");
  auto reason_row = d.Prepare(
      "INSERT INTO usage_exemption_days VALUES (?, ?, 'Projet radio', ?)");
  for (int i = 0; i < devices; ++i) {
    ReportDevice& r = report_devices.emplace_back();
    r.id = absl::StrCat("d-", i);
    r.name = absl::StrCat("tab-", i);
    r.school = absl::StrCat("ecole-", i % 30);
    r.pool = absl::StrCat("chariot-", i % 120);
    r.kind = v1::DEVICE_KIND_TABLET;
    r.policy = policy;
    for (int day = 17; day <= 21; ++day) {
      const int kind = (i + day) % 5;  // 4 = nothing that day
      if (kind == 4) continue;
      const std::string text = absl::StrCat("2027-05-", day);
      const int64_t used = kind == 0 ? 600000 : 0;
      const int64_t exempt = kind == 1 ? 300000 : 0;
      day_row->Bind(1, text)
          .Bind(2, r.id)
          .Bind(3, int64_t{3600000})
          .Bind(4, int64_t{3600000})
          .Bind(5, used + exempt)
          .Bind(6, int64_t{3600000} - used - exempt)
          .Bind(7, exempt);
      if (!day_row->Run().ok()) state.SkipWithError("insert");
      if (exempt > 0) {
        reason_row->Bind(1, text).Bind(2, r.id).Bind(3, exempt);
        if (!reason_row->Run().ok()) state.SkipWithError("insert");
      }
    }
    stream_row->Bind(1, r.id)
        .Bind(2, int64_t{1794000000000})
        .Bind(3, int64_t{1800000000000});
    if (!stream_row->Run().ok()) state.SkipWithError("insert");
  }
  if (!d.Commit().ok()) return;
  Database::Options read_only;
  read_only.create = false;
  read_only.read_only = true;
  auto reader = Database::Open(dir + "/console.db", read_only);
  v1::NoScreenReportRequest request;
  size_t rows = 0;
  for (auto _ : state) {
    auto report = BuildNoScreenReport(**reader, report_devices, request);
    if (!report.ok()) state.SkipWithError("report");
    rows = report->schools_size();
    benchmark::DoNotOptimize(report);
  }
  state.counters["school_days"] = static_cast<double>(rows);
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_NoScreenReport)->Arg(5000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace ardoise

BENCHMARK_MAIN();
