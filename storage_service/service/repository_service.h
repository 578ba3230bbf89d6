// The opsbrain.v1.Repository gRPC service over a Repository.
//
// Every RPC: the readiness gate (UNAVAILABLE while the schema is behind);
// the caller's metadata (request_context.h); the request's fields checked
// and converted (validation.h, field_masks.h, conversions.h), so bad input
// is INVALID_ARGUMENT naming the field before the database is touched; the
// Repository call; the result converted back. Sensitive configuration
// values are withheld from callers without the `secrets` scope in every
// response (redaction.h). Statuses cross as status_conversion.h says.
//
// App settings: the stored value must parse as the stored type. When an
// update's mask names only one of value and type, the service reads the
// record first, checks the merged pair, and writes both with the etag it
// read (or the caller's, which must match), so a concurrent change fails
// with ABORTED instead of slipping past the check.
//
// Thread-safe; holds no state of its own.
#ifndef OPSBRAIN_STORAGE_SERVICE_SERVICE_REPOSITORY_SERVICE_H_
#define OPSBRAIN_STORAGE_SERVICE_SERVICE_REPOSITORY_SERVICE_H_

#include <functional>

#include "absl/time/time.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/status.h"
#include "opsbrain/v1/repository.grpc.pb.h"
#include "storage_service/repository.h"
#include "storage_service/service/rpc_runner.h"

namespace opsbrain::service {

// Largest BatchCreatePerformanceMetrics request.
inline constexpr int kMaxMetricsPerBatch = 1000;

class RepositoryService final : public v1::Repository::Service {
 public:
  // `repository` must outlive the service. `clock` gives the time writes
  // take effect and thread expiry is judged by. `readiness` (may be null:
  // always ready) returns OK when the schema is current, else the status
  // every RPC answers with.
  RepositoryService(Repository* repository, std::function<absl::Time()> clock,
                    ReadinessGate readiness);

  RepositoryService(const RepositoryService&) = delete;
  RepositoryService& operator=(const RepositoryService&) = delete;

  grpc::Status GetConfiguration(grpc::ServerContext* context,
                                const v1::GetConfigurationRequest* request,
                                v1::Configuration* response) override;
  grpc::Status ListConfigurations(
      grpc::ServerContext* context,
      const v1::ListConfigurationsRequest* request,
      v1::ListConfigurationsResponse* response) override;
  grpc::Status UpdateConfiguration(
      grpc::ServerContext* context,
      const v1::UpdateConfigurationRequest* request,
      v1::Configuration* response) override;
  grpc::Status DeleteConfiguration(
      grpc::ServerContext* context,
      const v1::DeleteConfigurationRequest* request,
      google::protobuf::Empty* response) override;

  grpc::Status GetThreadContext(grpc::ServerContext* context,
                                const v1::GetThreadContextRequest* request,
                                v1::ThreadContext* response) override;
  grpc::Status ListThreadContexts(
      grpc::ServerContext* context,
      const v1::ListThreadContextsRequest* request,
      v1::ListThreadContextsResponse* response) override;
  grpc::Status UpdateThreadContext(
      grpc::ServerContext* context,
      const v1::UpdateThreadContextRequest* request,
      v1::ThreadContext* response) override;
  grpc::Status DeleteThreadContext(
      grpc::ServerContext* context,
      const v1::DeleteThreadContextRequest* request,
      google::protobuf::Empty* response) override;
  grpc::Status PurgeExpiredThreadContexts(
      grpc::ServerContext* context,
      const v1::PurgeExpiredThreadContextsRequest* request,
      v1::PurgeExpiredThreadContextsResponse* response) override;

  grpc::Status GetBusinessGoal(grpc::ServerContext* context,
                               const v1::GetBusinessGoalRequest* request,
                               v1::BusinessGoal* response) override;
  grpc::Status ListBusinessGoals(
      grpc::ServerContext* context, const v1::ListBusinessGoalsRequest* request,
      v1::ListBusinessGoalsResponse* response) override;
  grpc::Status UpdateBusinessGoal(grpc::ServerContext* context,
                                  const v1::UpdateBusinessGoalRequest* request,
                                  v1::BusinessGoal* response) override;
  grpc::Status DeleteBusinessGoal(grpc::ServerContext* context,
                                  const v1::DeleteBusinessGoalRequest* request,
                                  google::protobuf::Empty* response) override;

  grpc::Status GetAppSetting(grpc::ServerContext* context,
                             const v1::GetAppSettingRequest* request,
                             v1::AppSetting* response) override;
  grpc::Status ListAppSettings(grpc::ServerContext* context,
                               const v1::ListAppSettingsRequest* request,
                               v1::ListAppSettingsResponse* response) override;
  grpc::Status UpdateAppSetting(grpc::ServerContext* context,
                                const v1::UpdateAppSettingRequest* request,
                                v1::AppSetting* response) override;
  grpc::Status DeleteAppSetting(grpc::ServerContext* context,
                                const v1::DeleteAppSettingRequest* request,
                                google::protobuf::Empty* response) override;

  grpc::Status GetUserPreference(grpc::ServerContext* context,
                                 const v1::GetUserPreferenceRequest* request,
                                 v1::UserPreference* response) override;
  grpc::Status ListUserPreferences(
      grpc::ServerContext* context,
      const v1::ListUserPreferencesRequest* request,
      v1::ListUserPreferencesResponse* response) override;
  grpc::Status UpdateUserPreference(
      grpc::ServerContext* context,
      const v1::UpdateUserPreferenceRequest* request,
      v1::UserPreference* response) override;
  grpc::Status DeleteUserPreference(
      grpc::ServerContext* context,
      const v1::DeleteUserPreferenceRequest* request,
      google::protobuf::Empty* response) override;

  grpc::Status ListAuditEntries(
      grpc::ServerContext* context, const v1::ListAuditEntriesRequest* request,
      v1::ListAuditEntriesResponse* response) override;

  grpc::Status CreatePerformanceMetric(
      grpc::ServerContext* context,
      const v1::CreatePerformanceMetricRequest* request,
      v1::PerformanceMetric* response) override;
  grpc::Status BatchCreatePerformanceMetrics(
      grpc::ServerContext* context,
      const v1::BatchCreatePerformanceMetricsRequest* request,
      v1::BatchCreatePerformanceMetricsResponse* response) override;
  grpc::Status ListPerformanceMetrics(
      grpc::ServerContext* context,
      const v1::ListPerformanceMetricsRequest* request,
      v1::ListPerformanceMetricsResponse* response) override;

 private:
  // The clock, truncated to microseconds as the repository stores times.
  absl::Time Now() const;
  WriteContext WriteContextFor(const RequestContext& caller) const;

  Repository* const repository_;
  const std::function<absl::Time()> clock_;
  const RpcRunner runner_;
};

}  // namespace opsbrain::service

#endif  // OPSBRAIN_STORAGE_SERVICE_SERVICE_REPOSITORY_SERVICE_H_
