// The thread that builds reports (DESIGN.md, Storage and threads: slow work
// stays off gRPC's reactors). It owns a read-only SQLite connection of its
// own, so a report never waits for the Writer nor holds it up (WAL: readers
// and the writer do not block each other).
//
// Thread safety: Post() may be called from any thread and never blocks;
// jobs run one at a time, in order, on the worker thread.
#ifndef ARDOISE_TEACHER_CONSOLE_SERVER_REPORT_WORKER_H_
#define ARDOISE_TEACHER_CONSOLE_SERVER_REPORT_WORKER_H_

#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/sqlite.h"

namespace ardoise {

class ReportWorker final {
 public:
  // Runs on the worker thread with its connection, or with null when the
  // worker is stopping or its queue is full (the job must then answer
  // Unavailable or ResourceExhausted itself).
  using Job = std::function<void(Database* db)>;

  // At most this many jobs wait; more are refused (Post calls them with
  // null at once).
  static constexpr size_t kMaxQueued = 32;

  // Opens `db_path` read-only and starts the thread.
  static absl::StatusOr<std::unique_ptr<ReportWorker>> Start(
      const std::string& db_path);
  ~ReportWorker();  // Stops.
  ReportWorker(const ReportWorker&) = delete;
  ReportWorker& operator=(const ReportWorker&) = delete;

  void Post(Job job);
  // Finishes the queued jobs, then joins the thread. Idempotent.
  void Stop();

 private:
  explicit ReportWorker(std::unique_ptr<Database> db);
  void Loop();

  std::unique_ptr<Database> db_;  // only the worker thread touches it
  absl::Mutex mu_;
  std::deque<Job> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace ardoise

#endif  // ARDOISE_TEACHER_CONSOLE_SERVER_REPORT_WORKER_H_
