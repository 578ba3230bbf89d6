#include "gateway/rate_limiter.h"

#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace opsbrain::gateway {
namespace {

class RateLimiterTest : public ::testing::Test {
 protected:
  absl::Time now_ = absl::FromUnixSeconds(1000);
  // 2 per second, 3 at once.
  RateLimiter limiter_{RateLimit{2, 3}, [this] { return now_; }};
};

TEST_F(RateLimiterTest, AllowsTheBurstThenSaysHowLongToWait) {
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(limiter_.Acquire("a"), absl::ZeroDuration()) << i;
  }
  EXPECT_EQ(limiter_.Acquire("a"), absl::Milliseconds(500));
  EXPECT_EQ(limiter_.Acquire("a"), absl::Milliseconds(500));
}

TEST_F(RateLimiterTest, RefillsAtTheRateUpToTheBurst) {
  for (int i = 0; i < 3; ++i) limiter_.Acquire("a");
  now_ += absl::Milliseconds(500);
  EXPECT_EQ(limiter_.Acquire("a"), absl::ZeroDuration());
  EXPECT_GT(limiter_.Acquire("a"), absl::ZeroDuration());

  now_ += absl::Hours(1);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(limiter_.Acquire("a"), absl::ZeroDuration()) << i;
  }
  EXPECT_GT(limiter_.Acquire("a"), absl::ZeroDuration());
}

TEST_F(RateLimiterTest, KeysHaveTheirOwnBuckets) {
  for (int i = 0; i < 3; ++i) limiter_.Acquire("a");
  EXPECT_GT(limiter_.Acquire("a"), absl::ZeroDuration());
  EXPECT_EQ(limiter_.Acquire("b"), absl::ZeroDuration());
}

TEST_F(RateLimiterTest, AClockThatStepsBackRefillsNothing) {
  for (int i = 0; i < 3; ++i) limiter_.Acquire("a");
  now_ -= absl::Hours(1);
  EXPECT_GT(limiter_.Acquire("a"), absl::ZeroDuration());
  now_ += absl::Hours(1) + absl::Milliseconds(500);
  EXPECT_EQ(limiter_.Acquire("a"), absl::ZeroDuration());
}

}  // namespace
}  // namespace opsbrain::gateway
