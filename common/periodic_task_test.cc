#include "common/periodic_task.h"

#include <atomic>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace opsbrain {
namespace {

TEST(PeriodicTaskTest, RunsRepeatedlyUntilStopped) {
  absl::Mutex mu;
  int runs = 0;
  PeriodicTask task(absl::Milliseconds(5), [&] {
    absl::MutexLock lock(&mu);
    ++runs;
  });
  {
    absl::MutexLock lock(&mu);
    ASSERT_TRUE(
        mu.AwaitWithTimeout(absl::Condition(
                                +[](int* count) { return *count >= 3; }, &runs),
                            absl::Seconds(10)));
  }
  task.Stop();
  int after_stop;
  {
    absl::MutexLock lock(&mu);
    after_stop = runs;
  }
  task.Stop();  // Idempotent.
  absl::MutexLock lock(&mu);
  EXPECT_EQ(runs, after_stop);
}

TEST(PeriodicTaskTest, StopDoesNotWaitForTheInterval) {
  std::atomic<int> runs{0};
  const absl::Time start = absl::Now();
  {
    PeriodicTask task(absl::Hours(1), [&] { ++runs; });
  }
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  EXPECT_EQ(runs.load(), 0);
}

}  // namespace
}  // namespace opsbrain
