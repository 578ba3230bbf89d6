#include "gateway/rate_limiter.h"

#include <algorithm>
#include <functional>
#include <string>
#include <utility>

#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace opsbrain::gateway {

RateLimiter::RateLimiter(RateLimit limit, std::function<absl::Time()> clock)
    : limit_(limit), clock_(std::move(clock)) {}

absl::Duration RateLimiter::Acquire(absl::string_view key) {
  const absl::Time now = clock_();
  absl::MutexLock lock(&mu_);
  auto [it, inserted] = buckets_.try_emplace(key);
  Bucket& bucket = it->second;
  if (inserted) {
    bucket.tokens = limit_.burst;
  } else if (now > bucket.refilled) {
    const double earned =
        absl::ToDoubleSeconds(now - bucket.refilled) * limit_.per_second;
    bucket.tokens = std::min(limit_.burst, bucket.tokens + earned);
  }
  // A clock that steps back refills nothing, and does not move `refilled`
  // back either.
  bucket.refilled = std::max(bucket.refilled, now);

  if (bucket.tokens >= 1) {
    bucket.tokens -= 1;
    return absl::ZeroDuration();
  }
  return absl::Seconds((1 - bucket.tokens) / limit_.per_second);
}

}  // namespace opsbrain::gateway
