// Reads the store's records the way a client of the public API does, so
// that the end-to-end checks (legacy_checks.h) can run over any door to the
// store: NewGrpcRecordSource calls the Repository service directly;
// http_record_source.h goes through the gateway's HTTP/JSON surface.
#ifndef OPSBRAIN_TESTS_MIGRATOR_RECORD_SOURCE_H_
#define OPSBRAIN_TESTS_MIGRATOR_RECORD_SOURCE_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "opsbrain/v1/records.pb.h"
#include "opsbrain/v1/repository.grpc.pb.h"

namespace opsbrain::testing {

// Every List method follows next_page_token to the last page. Errors keep
// the API's code (NOT_FOUND for an absent or expired record).
class RecordSource {
 public:
  virtual ~RecordSource() = default;

  // As a caller with `scopes` ("read" or "read,secrets").
  virtual absl::StatusOr<std::vector<v1::Configuration>> ListConfigurations(
      const std::string& scopes) = 0;
  virtual absl::StatusOr<v1::Configuration> GetConfiguration(
      const std::string& key) = 0;
  // `area` may be empty (all).
  virtual absl::StatusOr<std::vector<v1::BusinessGoal>> ListBusinessGoals(
      const std::string& area, const std::string& status) = 0;
  virtual absl::StatusOr<std::vector<v1::AppSetting>> ListAppSettings() = 0;
  virtual absl::StatusOr<v1::UserPreference> GetUserPreference(
      const std::string& user_id, const std::string& key) = 0;
  virtual absl::StatusOr<v1::ThreadContext> GetThreadContext(
      const std::string& thread_key) = 0;
  virtual absl::StatusOr<std::vector<v1::AuditEntry>> ListAuditEntries() = 0;
  // [start, end) when given.
  virtual absl::StatusOr<std::vector<v1::PerformanceMetric>>
  ListPerformanceMetrics(std::optional<absl::Time> start,
                         std::optional<absl::Time> end) = 0;
};

// Over the Repository gRPC service; `stub` must outlive it.
std::unique_ptr<RecordSource> NewGrpcRecordSource(v1::Repository::Stub* stub);

}  // namespace opsbrain::testing

#endif  // OPSBRAIN_TESTS_MIGRATOR_RECORD_SOURCE_H_
