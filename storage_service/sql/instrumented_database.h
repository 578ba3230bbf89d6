// A Database decorator that times every statement, logs slow ones and
// exports statement and pool metrics, the same way for every driver.
//
//   InstrumentationOptions options;
//   options.slow_statement_threshold = absl::Milliseconds(500);
//   options.registry = &registry;
//   std::unique_ptr<Database> db =
//       NewInstrumentedDatabase(*std::move(opened), options);
//
// A statement slower than the threshold is logged at WARNING under its
// name (StatementName: the command and the table, never a value or the
// SQL text). Metrics, when a registry is given:
//   opsbrain_db_statement_duration_seconds{statement}  histogram
//   opsbrain_db_slow_statements_total{statement}       counter
//   opsbrain_db_pool_connections{state="in_use"|"idle"} gauge
//   opsbrain_db_pool_waiting                           gauge
//   opsbrain_db_pool_max_connections                   gauge
#ifndef OPSBRAIN_STORAGE_SERVICE_SQL_INSTRUMENTED_DATABASE_H_
#define OPSBRAIN_STORAGE_SERVICE_SQL_INSTRUMENTED_DATABASE_H_

#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/metrics.h"
#include "storage_service/sql/database.h"

namespace opsbrain::sql {

struct InstrumentationOptions {
  // Zero or less: no statement is logged as slow.
  absl::Duration slow_statement_threshold = absl::Milliseconds(500);
  // Null: no metrics. Must outlive the returned Database.
  metrics::Registry* registry = nullptr;
};

// Wraps `inner`; the result behaves as `inner` does (same statuses, same
// thread-safety) and owns it.
std::unique_ptr<Database> NewInstrumentedDatabase(
    std::unique_ptr<Database> inner, const InstrumentationOptions& options);

// A name for `sql` fit for logs and metric labels: its command and the
// table it works on ("SELECT configurations", "INSERT config_audit",
// "UPDATE business_goals", "DELETE performance_metrics"), or the command
// alone ("SELECT", "BEGIN"). Never a literal from the text.
std::string StatementName(absl::string_view sql);

}  // namespace opsbrain::sql

#endif  // OPSBRAIN_STORAGE_SERVICE_SQL_INSTRUMENTED_DATABASE_H_
