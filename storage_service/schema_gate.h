// Whether the database schema is current, as the Repository API needs it.
//
// The storage service serves the Repository API only on a current schema;
// until then every call gets UNAVAILABLE with a message naming both versions
// and the command that fixes it. Another process (the migrator through
// another replica) may bring the schema up at any time, so while it is
// behind the gate looks again, at most once per recheck interval.
#ifndef OPSBRAIN_STORAGE_SERVICE_SCHEMA_GATE_H_
#define OPSBRAIN_STORAGE_SERVICE_SCHEMA_GATE_H_

#include <atomic>
#include <functional>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "storage_service/schema.h"

namespace opsbrain {

class SchemaGate {
 public:
  // `on_current` runs once, when the schema is first seen current (the
  // service then reports SERVING). `schema` must outlive the gate.
  SchemaGate(SchemaManager* schema, std::function<void()> on_current,
             absl::Duration recheck_interval = absl::Seconds(1));

  SchemaGate(const SchemaGate&) = delete;
  SchemaGate& operator=(const SchemaGate&) = delete;

  // OK when the schema is current. Otherwise UNAVAILABLE ("schema is at
  // version 0, this service needs 2; run `migrator up`"),
  // FAILED_PRECONDITION naming the first problem of the history (an edited,
  // unknown or out-of-order migration), or the error that reading the
  // schema history gave. Thread-safe; cheap once current.
  absl::Status Check();

  // Reads the schema history now (after migrations ran); same result as
  // Check.
  absl::Status Refresh();

 private:
  absl::Status Evaluate() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  SchemaManager& schema_;
  const std::function<void()> on_current_;
  const absl::Duration recheck_interval_;
  std::atomic<bool> current_{false};

  absl::Mutex mu_;
  absl::Status last_ ABSL_GUARDED_BY(mu_);
  absl::Time next_check_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

}  // namespace opsbrain

#endif  // OPSBRAIN_STORAGE_SERVICE_SCHEMA_GATE_H_
