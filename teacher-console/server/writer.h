// The console's single SQLite writer (DESIGN.md, Storage and threads).
//
// One thread owns the write connection. gRPC reactors never touch SQLite:
// they Post() work and are called back once it is durably committed. Work
// posted while a batch commits is gathered into the next batch, so many small
// writes share one fsync. Each piece of work runs inside its own SAVEPOINT,
// so one failing item rolls back alone and the rest of the batch commits.
//
// Two urgencies. Post() is for what someone waits for (a teacher's lock, a
// session step, a login): the writer starts a batch at once. PostBackground()
// is for the steady traffic nobody watches (usage batches, command acks,
// last-seen times): it may wait up to `gather` for more work, and rides
// along with the next urgent batch if one comes first. At 10,000 agents
// that turns ~170 commits (fsyncs and thread wake-ups) a second into ~4.
//
// Thread safety: Post() and PostBackground() may be called from any thread
// and never block on I/O. Work and done callbacks run on the writer thread,
// in posting order whatever the urgency; done callbacks must not block (they
// typically finish an RPC or push to a stream).
#ifndef ARDOISE_TEACHER_CONSOLE_SERVER_WRITER_H_
#define ARDOISE_TEACHER_CONSOLE_SERVER_WRITER_H_

#include <deque>
#include <functional>
#include <memory>
#include <thread>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
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

  // Starts the thread; it owns `db` from now on. Background work waits at
  // most `gather` before its batch starts.
  static std::unique_ptr<Writer> Start(
      std::unique_ptr<Database> db, int max_batch = 512,
      absl::Duration gather = absl::Milliseconds(250));
  ~Writer();  // Stops after finishing what was posted.
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // Queues work to commit as soon as possible. After Stop(), done is called
  // at once with Unavailable.
  void Post(Work work, Done done);
  // Queues work that may wait up to `gather` to share a commit. Same
  // contract otherwise.
  void PostBackground(Work work, Done done);

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
    bool urgent = true;
    absl::Time due;  // background: when its batch must start
  };
  Writer(std::unique_ptr<Database> db, int max_batch, absl::Duration gather);
  void Enqueue(Item item);
  // True when the next batch must start now.
  bool BatchDueLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Loop();
  void RunBatch(std::deque<Item>& batch);

  std::unique_ptr<Database> db_;  // only the writer thread touches it
  const int max_batch_;
  const absl::Duration gather_;
  mutable absl::Mutex mu_;
  std::deque<Item> queue_ ABSL_GUARDED_BY(mu_);
  int urgent_queued_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  int64_t commits_ ABSL_GUARDED_BY(mu_) = 0;
  std::thread thread_;
};

}  // namespace ardoise

#endif  // ARDOISE_TEACHER_CONSOLE_SERVER_WRITER_H_
