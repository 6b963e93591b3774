// Slowing down repeated failures: a token bucket per key (a peer address for
// AgentLink.Enroll, an account or address for logins). Each failure takes a
// token; tokens come back at a steady rate up to a burst. While a key has no
// token left, Allow() refuses with RESOURCE_EXHAUSTED and the wait, so an
// attacker guessing tokens or passwords gets `burst` tries, then one per
// `refill`. Successes cost nothing and give nothing back (a valid token must
// not reset the count of an address that also guesses).
//
// Pure: time is passed in (tests use FakeClock). Memory is bounded: at most
// `max_keys` buckets; when full, buckets that refilled are forgotten first,
// then the fullest one.
//
// Thread safety: every method is thread-safe (one absl::Mutex held for a few
// map operations; never blocks on I/O), so gRPC reactors and the Writer's
// done callbacks may call it.
#ifndef ARDOISE_TEACHER_CONSOLE_SERVER_RATE_LIMIT_H_
#define ARDOISE_TEACHER_CONSOLE_SERVER_RATE_LIMIT_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace ardoise {

struct RateLimitOptions {
  // Failures allowed in a row from a fresh key.
  int burst = 10;
  // Time for one failure to be forgiven (one token back).
  absl::Duration refill = absl::Seconds(6);
  // Buckets kept at most (memory bound).
  size_t max_keys = 10000;
  // Names what is limited in the refusal: "failed enrollments".
  std::string what = "failed attempts";
};

class RateLimiter final {
 public:
  explicit RateLimiter(RateLimitOptions options);
  RateLimiter(const RateLimiter&) = delete;
  RateLimiter& operator=(const RateLimiter&) = delete;

  // OK when `key` may try now; RESOURCE_EXHAUSTED "too many failed attempts
  // from KEY: try again in 6s" otherwise. Takes nothing.
  absl::Status Allow(const std::string& key, absl::Time now);

  // Takes one token from `key` (never below zero).
  void RecordFailure(const std::string& key, absl::Time now);

  // Buckets held (for tests).
  size_t size() const;

 private:
  // The bucket as a time (GCRA): `debt_until` is when every failure so far
  // is forgiven; the key may try while it is at most (burst - 1) x refill
  // ahead. Exact integer arithmetic, no token fractions.
  struct Bucket {
    absl::Time debt_until;
    absl::Time latest;  // the latest `now` seen: a clock going back is held
  };
  // `now`, never before what the bucket has seen.
  static absl::Time Seen(Bucket& bucket, absl::Time now);
  void MakeRoomLocked(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const RateLimitOptions options_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Bucket> buckets_ ABSL_GUARDED_BY(mu_);
};

// The address part of a gRPC peer string, without the port, as a rate limit
// key: "ipv4:10.0.0.7:51234" -> "ipv4:10.0.0.7", "ipv6:[::1]:443" ->
// "ipv6:[::1]"; anything else as is.
std::string PeerHost(std::string_view peer);

}  // namespace ardoise

#endif  // ARDOISE_TEACHER_CONSOLE_SERVER_RATE_LIMIT_H_
