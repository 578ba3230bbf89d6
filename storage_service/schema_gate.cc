#include "storage_service/schema_gate.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/logging.h"

namespace opsbrain {

SchemaGate::SchemaGate(SchemaManager* schema, std::function<void()> on_current,
                       absl::Duration recheck_interval)
    : schema_(*schema),
      on_current_(std::move(on_current)),
      recheck_interval_(recheck_interval) {}

absl::Status SchemaGate::Check() {
  if (current_.load(std::memory_order_acquire)) return absl::OkStatus();
  absl::MutexLock lock(&mu_);
  if (absl::Now() < next_check_) return last_;
  return Evaluate();
}

absl::Status SchemaGate::Refresh() {
  if (current_.load(std::memory_order_acquire)) return absl::OkStatus();
  absl::MutexLock lock(&mu_);
  return Evaluate();
}

absl::Status SchemaGate::Evaluate() {
  next_check_ = absl::Now() + recheck_interval_;
  absl::StatusOr<SchemaStatus> status = schema_.GetStatus();
  if (!status.ok()) {
    last_ = status.status();
    return last_;
  }
  if (!status->problems.empty()) {
    last_ = absl::FailedPreconditionError(absl::StrCat(
        "the schema history does not match this storage service's "
        "migrations: ",
        status->problems.front().message, "; run `migrator validate`"));
    return last_;
  }
  if (!status->is_current()) {
    last_ = absl::UnavailableError(
        absl::StrCat("schema is at version ", status->current_version,
                     ", this storage service needs version ",
                     status->latest_version, "; run `migrator up`"));
    return last_;
  }
  last_ = absl::OkStatus();
  if (!current_.exchange(true, std::memory_order_acq_rel)) {
    OPSBRAIN_LOG(INFO) << "schema is current at version "
                       << status->current_version << " (" << status->dialect
                       << ")";
    if (on_current_) on_current_();
  }
  return last_;
}

}  // namespace opsbrain
