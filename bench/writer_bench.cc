// How fast the console's single writer commits small durable writes when
// many callers post at once (batching), with the production settings
// (WAL, synchronous=FULL).
#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <string>

#include "absl/synchronization/notification.h"
#include "benchmark/benchmark.h"
#include "teacher-console/server/writer.h"

namespace ardoise {
namespace {

void BM_WriterPostedInserts(benchmark::State& state) {
  std::string dir =
      std::filesystem::temp_directory_path().string() + "/ardoise-bench-XXXXXX";
  if (mkdtemp(dir.data()) == nullptr) {
    state.SkipWithError("mkdtemp");
    return;
  }
  Database::Options options;
  options.synchronous_full = true;
  auto db = Database::Open(dir + "/bench.db", options);
  if (!db.ok() || !(*db)
                       ->Exec("CREATE TABLE t (k INTEGER PRIMARY KEY, v "
                              "TEXT NOT NULL)")
                       .ok()) {
    state.SkipWithError("open");
    return;
  }
  auto writer = Writer::Start(*std::move(db));
  const int per_iteration = static_cast<int>(state.range(0));
  int64_t key = 0;
  for (auto _ : state) {
    std::atomic<int> left{per_iteration};
    absl::Notification all_done;
    for (int i = 0; i < per_iteration; ++i) {
      const int64_t k = ++key;
      writer->Post(
          [k](Database& d) -> absl::Status {
            auto insert = d.Cached("INSERT INTO t (k, v) VALUES (?, 'x')");
            if (!insert.ok()) return insert.status();
            return (*insert)->Bind(1, k).Run();
          },
          [&](absl::Status) {
            if (--left == 0) all_done.Notify();
          });
    }
    all_done.WaitForNotification();
  }
  state.SetItemsProcessed(state.iterations() * per_iteration);
  state.counters["commits"] = static_cast<double>(writer->commits());
  writer->Stop();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_WriterPostedInserts)->Arg(1)->Arg(100)->Arg(1000)->UseRealTime();

}  // namespace
}  // namespace ardoise

BENCHMARK_MAIN();
