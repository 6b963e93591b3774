#include "teacher-console/server/report_worker.h"

#include <utility>

#include "common/status_macros.h"

namespace ardoise {

absl::StatusOr<std::unique_ptr<ReportWorker>> ReportWorker::Start(
    const std::string& db_path) {
  Database::Options options;
  options.create = false;
  options.read_only = true;
  ARDOISE_ASSIGN_OR_RETURN(auto db, Database::Open(db_path, options));
  return std::unique_ptr<ReportWorker>(new ReportWorker(std::move(db)));
}

ReportWorker::ReportWorker(std::unique_ptr<Database> db) : db_(std::move(db)) {
  thread_ = std::thread([this] { Loop(); });
}

ReportWorker::~ReportWorker() { Stop(); }

void ReportWorker::Post(Job job) {
  {
    absl::MutexLock lock(&mu_);
    if (!stopping_ && queue_.size() < kMaxQueued) {
      queue_.push_back(std::move(job));
      return;
    }
  }
  job(nullptr);
}

void ReportWorker::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void ReportWorker::Loop() {
  for (;;) {
    Job job;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](ReportWorker* w) ABSL_EXCLUSIVE_LOCKS_REQUIRED(w->mu_) {
            return w->stopping_ || !w->queue_.empty();
          },
          this));
      if (queue_.empty()) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    job(db_.get());
  }
}

}  // namespace ardoise
