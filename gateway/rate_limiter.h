// Per-caller rate limits: one token bucket per key.
//
// Each key's bucket holds up to `burst` requests and refills at
// `per_second` requests per second; a request takes one. A key's bucket is
// made full on its first request. Keys must come from a bounded set (the
// gateway uses the token's name from the token file), since buckets are
// never dropped.
//
// Thread-safe.
#ifndef OPSBRAIN_GATEWAY_RATE_LIMITER_H_
#define OPSBRAIN_GATEWAY_RATE_LIMITER_H_

#include <functional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace opsbrain::gateway {

struct RateLimit {
  double per_second = 0;  // Must be positive.
  double burst = 1;       // Must be at least 1.
};

class RateLimiter {
 public:
  // `clock` is for tests; it must be monotonic enough for the caller's
  // purposes (absl::Now by default).
  explicit RateLimiter(RateLimit limit,
                       std::function<absl::Time()> clock = &absl::Now);
  RateLimiter(const RateLimiter&) = delete;
  RateLimiter& operator=(const RateLimiter&) = delete;

  // Takes one request from `key`'s bucket. Returns zero when it was there,
  // else how long until one will be (and takes nothing).
  absl::Duration Acquire(absl::string_view key) ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct Bucket {
    double tokens = 0;
    absl::Time refilled;
  };

  const RateLimit limit_;
  const std::function<absl::Time()> clock_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Bucket> buckets_ ABSL_GUARDED_BY(mu_);
};

}  // namespace opsbrain::gateway

#endif  // OPSBRAIN_GATEWAY_RATE_LIMITER_H_
