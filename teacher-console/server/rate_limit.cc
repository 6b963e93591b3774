// RateLimiter: see rate_limit.h.
#include "teacher-console/server/rate_limit.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"

namespace ardoise {

RateLimiter::RateLimiter(RateLimitOptions options)
    : options_(std::move(options)) {}

absl::Time RateLimiter::Seen(Bucket& bucket, absl::Time now) {
  bucket.latest = std::max(bucket.latest, now);
  return bucket.latest;
}

absl::Status RateLimiter::Allow(const std::string& key, absl::Time now) {
  absl::MutexLock lock(&mu_);
  auto it = buckets_.find(key);
  if (it == buckets_.end()) return absl::OkStatus();
  Bucket& bucket = it->second;
  now = Seen(bucket, now);
  const absl::Duration wait =
      bucket.debt_until - now - (options_.burst - 1) * options_.refill;
  if (wait <= absl::ZeroDuration()) return absl::OkStatus();
  return absl::ResourceExhaustedError(
      absl::StrCat("too many ", options_.what, " from ", key, ": try again in ",
                   absl::FormatDuration(absl::Ceil(wait, absl::Seconds(1)))));
}

void RateLimiter::RecordFailure(const std::string& key, absl::Time now) {
  absl::MutexLock lock(&mu_);
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    MakeRoomLocked(now);
    it = buckets_.emplace(key, Bucket{now, now}).first;
  }
  Bucket& bucket = it->second;
  now = Seen(bucket, now);
  // Never more than a full burst of debt: a key that keeps failing while
  // refused waits one refill, not forever.
  bucket.debt_until =
      std::min(std::max(bucket.debt_until, now) + options_.refill,
               now + options_.burst * options_.refill);
}

void RateLimiter::MakeRoomLocked(absl::Time now) {
  if (buckets_.size() < options_.max_keys) return;
  // Forget the buckets whose failures are all forgiven: they restrict
  // nothing.
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    if (it->second.debt_until <= std::max(now, it->second.latest)) {
      buckets_.erase(it++);
    } else {
      ++it;
    }
  }
  if (buckets_.size() < options_.max_keys || buckets_.empty()) return;
  // Still full: forget the least restricted one.
  auto least = std::min_element(
      buckets_.begin(), buckets_.end(), [](const auto& a, const auto& b) {
        return a.second.debt_until < b.second.debt_until;
      });
  buckets_.erase(least);
}

size_t RateLimiter::size() const {
  absl::MutexLock lock(&mu_);
  return buckets_.size();
}

std::string PeerHost(std::string_view peer) {
  if (peer.rfind("ipv4:", 0) == 0 || peer.rfind("ipv6:", 0) == 0) {
    const size_t colon = peer.rfind(':');
    const size_t bracket = peer.rfind(']');
    if (colon > 4 && (bracket == std::string_view::npos || colon > bracket)) {
      return std::string(peer.substr(0, colon));
    }
  }
  return std::string(peer);
}

}  // namespace ardoise
