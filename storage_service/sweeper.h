// Background clean-up of the store: expired thread contexts, and
// performance metrics past their retention. A PeriodicTask runs RunOnce on
// the sweep interval.
//
// Deletions are logged at INFO when there were any; failures at WARNING
// (the next sweep tries again). With a registry it exports
// opsbrain_sweeper_deleted_total{table} and
// opsbrain_sweeper_failures_total.
//
// Several replicas may sweep the same PostgreSQL database at once: the
// deletes are idempotent, and metrics go in small transactions.
#ifndef OPSBRAIN_STORAGE_SERVICE_SWEEPER_H_
#define OPSBRAIN_STORAGE_SERVICE_SWEEPER_H_

#include <functional>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/metrics.h"
#include "storage_service/repository.h"

namespace opsbrain {

struct SweeperOptions {
  // Metrics older than this are deleted; zero keeps them forever.
  absl::Duration metrics_retention = absl::ZeroDuration();
  // Rows per transaction when deleting metrics.
  int metrics_batch_size = 1000;
};

class Sweeper {
 public:
  // `ready` says whether the store may be swept now (the schema gate);
  // `clock` gives the current time. `repository` (and `registry`, if not
  // null) must outlive the sweeper.
  Sweeper(Repository* repository, std::function<absl::Status()> ready,
          std::function<absl::Time()> clock, const SweeperOptions& options,
          metrics::Registry* registry);

  // One sweep. OK without doing anything while `ready` fails; otherwise
  // the first failure, after trying both kinds of clean-up. Not to be run
  // concurrently with itself.
  absl::Status RunOnce();

 private:
  Repository& repository_;
  const std::function<absl::Status()> ready_;
  const std::function<absl::Time()> clock_;
  const SweeperOptions options_;
  metrics::Counter* threads_deleted_ = nullptr;
  metrics::Counter* metrics_deleted_ = nullptr;
  metrics::Counter* failures_ = nullptr;
};

}  // namespace opsbrain

#endif  // OPSBRAIN_STORAGE_SERVICE_SWEEPER_H_
