// The console's single SQLite writer (DESIGN.md, Storage and threads).
//
// One thread owns the write connection. gRPC reactors never touch SQLite:
// they Post() work and are called back once it is durably committed. Work
// posted while a batch commits is gathered into the next batch, so many small
// writes share one fsync. Each piece of work runs inside its own SAVEPOINT,
// so one failing item rolls back alone and the rest of the batch commits.
//
// Thread safety: Post() may be called from any thread and never blocks on
// I/O. Work and done callbacks run on the writer thread, in posting order;
// done callbacks must not block (they typically finish an RPC or push to a
// stream).
#ifndef ARDOISE_TEACHER_CONSOLE_SERVER_WRITER_H_
#define ARDOISE_TEACHER_CONSOLE_SERVER_WRITER_H_

#include <deque>
#include <functional>
#include <memory>
#include <thread>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "common/sqlite.h"

namespace ardoise {

class Writer final {
 public:
  // Runs inside a transaction on the writer thread. A non-OK status rolls
  // back this work only.
  using Work = std::function<absl::Status(Database& db)>;
  // Called after the batch holding the work committed (with the work's
  // status), or failed to commit (with that error).
  using Done = std::function<void(absl::Status status)>;

  // Starts the thread; it owns `db` from now on.
  static std::unique_ptr<Writer> Start(std::unique_ptr<Database> db,
                                       int max_batch = 512);
  ~Writer();  // Stops after finishing what was posted.
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // Queues work. After Stop(), done is called at once with Unavailable.
  void Post(Work work, Done done);

  // Posts and waits. For startup, shutdown and tests; never in a reactor.
  absl::Status Run(Work work);

  // Finishes queued work, then stops the thread. Idempotent.
  void Stop();

  // Commits so far (each a batch); for benchmarks and tests.
  int64_t commits() const;

 private:
  struct Item {
    Work work;
    Done done;
  };
  Writer(std::unique_ptr<Database> db, int max_batch);
  void Loop();
  void RunBatch(std::deque<Item>& batch);

  std::unique_ptr<Database> db_;  // only the writer thread touches it
  const int max_batch_;
  mutable absl::Mutex mu_;
  std::deque<Item> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  int64_t commits_ ABSL_GUARDED_BY(mu_) = 0;
  std::thread thread_;
};

}  // namespace ardoise

#endif  // ARDOISE_TEACHER_CONSOLE_SERVER_WRITER_H_
