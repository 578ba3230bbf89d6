#include "storage_service/health_monitor.h"

#include <utility>

#include "common/logging.h"

namespace opsbrain {

HealthMonitor::HealthMonitor(sql::Database* database,
                             std::function<bool()> schema_current,
                             metrics::Registry* registry)
    : database_(*database), schema_current_(std::move(schema_current)) {
  if (registry != nullptr) {
    up_gauge_ = registry
                    ->AddGauge("opsbrain_database_up",
                               "1 while the database answers the health "
                               "probe, else 0.")
                    ->WithLabels();
    up_gauge_->Set(1);
  }
}

void HealthMonitor::Probe() {
  // Outside the lock: a ping may take up to the pool's timeouts.
  const absl::Status ping = database_.Ping();
  const bool schema_ok = schema_current_();

  absl::MutexLock lock(&mu_);
  if (ping.ok() != database_up_) {
    if (ping.ok()) {
      OPSBRAIN_LOG(INFO) << "database answers again; health follows the "
                            "schema (SERVING when current)";
    } else {
      OPSBRAIN_LOG(WARNING) << "database does not answer; health is "
                               "NOT_SERVING until it does: "
                            << ping.message();
    }
  }
  database_up_ = ping.ok();
  schema_ok_ = schema_ok_ || schema_ok;
  if (up_gauge_ != nullptr) up_gauge_->Set(database_up_ ? 1 : 0);
  Publish();
}

void HealthMonitor::SchemaBecameCurrent() {
  absl::MutexLock lock(&mu_);
  schema_ok_ = true;
  Publish();
}

void HealthMonitor::SetPublisher(std::function<void(bool)> publish) {
  absl::MutexLock lock(&mu_);
  publish_ = std::move(publish);
  if (publish_) {
    // The publisher's side starts at NOT_SERVING whatever it heard before.
    published_ = false;
    if (!stopped_ && database_up_ && schema_ok_) {
      published_ = true;
      publish_(true);
    }
  }
}

void HealthMonitor::Stop() {
  absl::MutexLock lock(&mu_);
  stopped_ = true;
  Publish();
}

bool HealthMonitor::serving() const {
  absl::MutexLock lock(&mu_);
  return !stopped_ && database_up_ && schema_ok_;
}

void HealthMonitor::Publish() {
  const bool serving = !stopped_ && database_up_ && schema_ok_;
  if (serving == published_ || !publish_) return;
  published_ = serving;
  publish_(serving);
}

}  // namespace opsbrain
