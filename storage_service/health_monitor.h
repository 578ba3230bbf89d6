// The storage service's health: SERVING exactly when the schema is current
// and the database answers.
//
// A prober calls Probe() every second or so (PeriodicTask); the schema gate
// calls SchemaBecameCurrent() the moment migrations are in. Each change of
// the combined state goes to the publisher (which sets the gRPC health
// service's status), and changes of the database's reachability are logged:
// WARNING when it stops answering, INFO when it answers again.
//
// Exports opsbrain_database_up (1 or 0) when given a registry.
//
// Limit: the probe's ping takes a connection from the service's own pool,
// so a pool that stays exhausted for longer than its wait timeout reads as
// an unreachable database (NOT_SERVING), which sheds load but is not an
// outage.
//
// Thread-safe.
#ifndef OPSBRAIN_STORAGE_SERVICE_HEALTH_MONITOR_H_
#define OPSBRAIN_STORAGE_SERVICE_HEALTH_MONITOR_H_

#include <functional>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "common/metrics.h"
#include "storage_service/sql/database.h"

namespace opsbrain {

class HealthMonitor {
 public:
  // `schema_current` is asked on every probe; it must be cheap once true
  // (SchemaGate::Check is). The database is taken to answer until a probe
  // says otherwise. `database` (and `registry`, if not null) must outlive
  // the monitor.
  HealthMonitor(sql::Database* database, std::function<bool()> schema_current,
                metrics::Registry* registry);

  HealthMonitor(const HealthMonitor&) = delete;
  HealthMonitor& operator=(const HealthMonitor&) = delete;

  // Pings the database and asks for the schema, then publishes the state
  // if it changed.
  void Probe() ABSL_LOCKS_EXCLUDED(mu_);

  // The schema is current from now on.
  void SchemaBecameCurrent() ABSL_LOCKS_EXCLUDED(mu_);

  // From now on each change is handed to `publish` (under the monitor's
  // lock, so calls are ordered); the current state is handed over at once.
  void SetPublisher(std::function<void(bool serving)> publish)
      ABSL_LOCKS_EXCLUDED(mu_);

  // Publishes NOT_SERVING and nothing more (shutdown).
  void Stop() ABSL_LOCKS_EXCLUDED(mu_);

  bool serving() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  void Publish() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  sql::Database& database_;
  const std::function<bool()> schema_current_;
  metrics::Gauge* up_gauge_ = nullptr;

  mutable absl::Mutex mu_;
  bool database_up_ ABSL_GUARDED_BY(mu_) = true;
  bool schema_ok_ ABSL_GUARDED_BY(mu_) = false;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  // What the publisher last heard; starts as the server's NOT_SERVING.
  bool published_ ABSL_GUARDED_BY(mu_) = false;
  std::function<void(bool)> publish_ ABSL_GUARDED_BY(mu_);
};

}  // namespace opsbrain

#endif  // OPSBRAIN_STORAGE_SERVICE_HEALTH_MONITOR_H_
