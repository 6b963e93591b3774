#include "teacher-console/server/writer.h"

#include <utility>

#include "absl/synchronization/notification.h"
#include "common/logging.h"

namespace ardoise {

std::unique_ptr<Writer> Writer::Start(std::unique_ptr<Database> db,
                                      int max_batch, absl::Duration gather) {
  return std::unique_ptr<Writer>(new Writer(std::move(db), max_batch, gather));
}

Writer::Writer(std::unique_ptr<Database> db, int max_batch,
               absl::Duration gather)
    : db_(std::move(db)), max_batch_(max_batch), gather_(gather) {
  thread_ = std::thread([this] { Loop(); });
}

Writer::~Writer() { Stop(); }

void Writer::Post(Work work, Done done) {
  Enqueue(Item{std::move(work), std::move(done), true, absl::InfinitePast()});
}

void Writer::PostBackground(Work work, Done done) {
  Enqueue(Item{std::move(work), std::move(done), false, absl::Now() + gather_});
}

void Writer::Enqueue(Item item) {
  {
    absl::MutexLock lock(&mu_);
    if (!stopping_) {
      if (item.urgent) ++urgent_queued_;
      queue_.push_back(std::move(item));
      return;
    }
  }
  if (item.done) {
    item.done(absl::UnavailableError("the console is shutting down"));
  }
}

absl::Status Writer::Run(Work work) {
  absl::Notification finished;
  absl::Status result;
  Post(std::move(work), [&](absl::Status status) {
    result = std::move(status);
    finished.Notify();
  });
  finished.WaitForNotification();
  return result;
}

void Writer::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

int64_t Writer::commits() const {
  absl::MutexLock lock(&mu_);
  return commits_;
}

bool Writer::BatchDueLocked() const {
  return stopping_ || urgent_queued_ > 0 ||
         static_cast<int>(queue_.size()) >= max_batch_;
}

void Writer::Loop() {
  for (;;) {
    std::deque<Item> batch;
    {
      absl::MutexLock lock(&mu_);
      // Sleeps while there is nothing, or only background work that may
      // still wait: posting it then wakes nobody.
      for (;;) {
        if (queue_.empty()) {
          mu_.Await(absl::Condition(
              +[](Writer* w) ABSL_EXCLUSIVE_LOCKS_REQUIRED(w->mu_) {
                return w->stopping_ || !w->queue_.empty();
              },
              this));
          if (queue_.empty()) return;  // stopping and drained
          continue;
        }
        if (BatchDueLocked() || absl::Now() >= queue_.front().due) break;
        mu_.AwaitWithDeadline(absl::Condition(
                                  +[](Writer* w) ABSL_EXCLUSIVE_LOCKS_REQUIRED(
                                       w->mu_) { return w->BatchDueLocked(); },
                                  this),
                              queue_.front().due);
      }
      while (!queue_.empty() && static_cast<int>(batch.size()) < max_batch_) {
        if (queue_.front().urgent) --urgent_queued_;
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    RunBatch(batch);
  }
}

void Writer::RunBatch(std::deque<Item>& batch) {
  std::vector<absl::Status> results;
  results.reserve(batch.size());
  absl::Status begun = db_->Begin();
  if (begun.ok()) {
    for (Item& item : batch) {
      absl::Status status = db_->ExecCached("SAVEPOINT work");
      if (status.ok()) {
        status = item.work(*db_);
        if (status.ok()) {
          status = db_->ExecCached("RELEASE work");
        } else {
          // Undo this item only; keep the rest of the batch.
          absl::Status undo = db_->ExecCached("ROLLBACK TO work");
          if (undo.ok()) undo = db_->ExecCached("RELEASE work");
          if (!undo.ok()) {
            ARDOISE_LOG(ERROR)
                << "writer: cannot roll back one item: " << undo.ToString();
          }
        }
      }
      results.push_back(std::move(status));
    }
    absl::Status committed = db_->Commit();
    if (!committed.ok()) {
      ARDOISE_LOG(ERROR) << "writer: commit failed: " << committed.ToString();
      (void)db_->Rollback();
      for (absl::Status& s : results) s = committed;
    }
  } else {
    ARDOISE_LOG(ERROR) << "writer: cannot begin: " << begun.ToString();
    results.assign(batch.size(), begun);
  }
  {
    absl::MutexLock lock(&mu_);
    ++commits_;
  }
  for (size_t i = 0; i < batch.size(); ++i) {
    if (batch[i].done) batch[i].done(std::move(results[i]));
  }
}

}  // namespace ardoise
