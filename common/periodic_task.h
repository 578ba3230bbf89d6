// Runs a function on its own thread at a fixed interval until stopped:
// health probes, sweepers, checkpoints.
//
//   PeriodicTask probe(absl::Seconds(1), [&] { health.Probe(); });
//   ...
//   probe.Stop();  // or let the destructor do it
//
// The first run comes one interval after construction; runs never overlap
// (a run that takes longer than the interval delays the next). Stop wakes
// the thread at once rather than at the end of its wait, and returns after
// a run in progress has finished.
//
// Thread-safety: Stop may be called from any thread but the task's own.
#ifndef OPSBRAIN_COMMON_PERIODIC_TASK_H_
#define OPSBRAIN_COMMON_PERIODIC_TASK_H_

#include <functional>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace opsbrain {

class PeriodicTask {
 public:
  // `interval` must be positive.
  PeriodicTask(absl::Duration interval, std::function<void()> task);
  PeriodicTask(const PeriodicTask&) = delete;
  PeriodicTask& operator=(const PeriodicTask&) = delete;
  ~PeriodicTask();

  // Idempotent.
  void Stop() ABSL_LOCKS_EXCLUDED(mu_);

 private:
  void Loop() ABSL_LOCKS_EXCLUDED(mu_);

  const absl::Duration interval_;
  const std::function<void()> task_;
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // Last, so that it starts after everything it reads is initialised.
  std::thread thread_;
};

}  // namespace opsbrain

#endif  // OPSBRAIN_COMMON_PERIODIC_TASK_H_
