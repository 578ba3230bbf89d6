#include "storage_service/sweeper.h"

#include <utility>

#include "absl/status/statusor.h"
#include "common/logging.h"

namespace opsbrain {

Sweeper::Sweeper(Repository* repository, std::function<absl::Status()> ready,
                 std::function<absl::Time()> clock,
                 const SweeperOptions& options, metrics::Registry* registry)
    : repository_(*repository),
      ready_(std::move(ready)),
      clock_(std::move(clock)),
      options_(options) {
  if (registry == nullptr) return;
  metrics::CounterFamily* deleted = registry->AddCounter(
      "opsbrain_sweeper_deleted_total",
      "Rows the background sweeper deleted, by table.", {"table"});
  threads_deleted_ = deleted->WithLabels({"thread_contexts"});
  metrics_deleted_ = deleted->WithLabels({"performance_metrics"});
  failures_ = registry
                  ->AddCounter("opsbrain_sweeper_failures_total",
                               "Sweeps that failed (retried next interval).")
                  ->WithLabels();
}

absl::Status Sweeper::RunOnce() {
  if (ready_ && !ready_().ok()) return absl::OkStatus();
  const absl::Time now = clock_();
  absl::Status result;

  absl::StatusOr<int64_t> threads = repository_.PurgeExpiredThreadContexts(now);
  if (threads.ok()) {
    if (threads_deleted_ != nullptr) threads_deleted_->Increment(*threads);
    if (*threads > 0) {
      OPSBRAIN_LOG(INFO) << "sweeper deleted " << *threads
                         << " expired thread contexts";
    }
  } else {
    result = threads.status();
  }

  if (options_.metrics_retention > absl::ZeroDuration()) {
    absl::StatusOr<int64_t> metrics = repository_.PurgePerformanceMetricsBefore(
        now - options_.metrics_retention, options_.metrics_batch_size);
    if (metrics.ok()) {
      if (metrics_deleted_ != nullptr) metrics_deleted_->Increment(*metrics);
      if (*metrics > 0) {
        OPSBRAIN_LOG(INFO) << "sweeper deleted " << *metrics
                           << " performance metrics older than "
                           << absl::FormatDuration(options_.metrics_retention);
      }
    } else if (result.ok()) {
      result = metrics.status();
    }
  }

  if (!result.ok()) {
    if (failures_ != nullptr) failures_->Increment();
    OPSBRAIN_LOG(WARNING) << "sweep failed; retrying at the next interval: "
                          << result.message();
  }
  return result;
}

}  // namespace opsbrain
