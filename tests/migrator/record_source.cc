#include "tests/migrator/record_source.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "grpcpp/client_context.h"
#include "opsbrain/v1/repository.grpc.pb.h"
#include "tests/storage_service/storage_process.h"

namespace opsbrain::testing {
namespace {

constexpr int kPageSize = 1000;

absl::Status FromGrpc(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      status.error_message());
}

void SetTime(absl::Time time, google::protobuf::Timestamp* timestamp) {
  timestamp->set_seconds(absl::ToUnixSeconds(time));
  timestamp->set_nanos(0);
}

class GrpcRecordSource final : public RecordSource {
 public:
  explicit GrpcRecordSource(v1::Repository::Stub* stub) : stub_(*stub) {}

  absl::StatusOr<std::vector<v1::Configuration>> ListConfigurations(
      const std::string& scopes) override {
    v1::ListConfigurationsRequest request;
    request.set_page_size(kPageSize);
    return Pages<v1::Configuration>(
        request, scopes,
        [&](grpc::ClientContext* context,
            const v1::ListConfigurationsRequest& page,
            std::vector<v1::Configuration>* out, std::string* next) {
          v1::ListConfigurationsResponse response;
          grpc::Status status =
              stub_.ListConfigurations(context, page, &response);
          out->assign(response.configurations().begin(),
                      response.configurations().end());
          *next = response.next_page_token();
          return status;
        });
  }

  absl::StatusOr<v1::Configuration> GetConfiguration(
      const std::string& key) override {
    grpc::ClientContext context;
    Prepare(&context, "read");
    v1::GetConfigurationRequest request;
    request.set_key(key);
    v1::Configuration response;
    absl::Status status =
        FromGrpc(stub_.GetConfiguration(&context, request, &response));
    if (!status.ok()) return status;
    return response;
  }

  absl::StatusOr<std::vector<v1::BusinessGoal>> ListBusinessGoals(
      const std::string& area, const std::string& status) override {
    v1::ListBusinessGoalsRequest request;
    request.set_area(area);
    request.set_status(status);
    request.set_page_size(kPageSize);
    return Pages<v1::BusinessGoal>(
        request, "read",
        [&](grpc::ClientContext* context,
            const v1::ListBusinessGoalsRequest& page,
            std::vector<v1::BusinessGoal>* out, std::string* next) {
          v1::ListBusinessGoalsResponse response;
          grpc::Status result =
              stub_.ListBusinessGoals(context, page, &response);
          out->assign(response.business_goals().begin(),
                      response.business_goals().end());
          *next = response.next_page_token();
          return result;
        });
  }

  absl::StatusOr<std::vector<v1::AppSetting>> ListAppSettings() override {
    v1::ListAppSettingsRequest request;
    request.set_page_size(kPageSize);
    return Pages<v1::AppSetting>(
        request, "read",
        [&](grpc::ClientContext* context,
            const v1::ListAppSettingsRequest& page,
            std::vector<v1::AppSetting>* out, std::string* next) {
          v1::ListAppSettingsResponse response;
          grpc::Status status = stub_.ListAppSettings(context, page, &response);
          out->assign(response.app_settings().begin(),
                      response.app_settings().end());
          *next = response.next_page_token();
          return status;
        });
  }

  absl::StatusOr<v1::UserPreference> GetUserPreference(
      const std::string& user_id, const std::string& key) override {
    grpc::ClientContext context;
    Prepare(&context, "read");
    v1::GetUserPreferenceRequest request;
    request.set_user_id(user_id);
    request.set_key(key);
    v1::UserPreference response;
    absl::Status status =
        FromGrpc(stub_.GetUserPreference(&context, request, &response));
    if (!status.ok()) return status;
    return response;
  }

  absl::StatusOr<v1::ThreadContext> GetThreadContext(
      const std::string& thread_key) override {
    grpc::ClientContext context;
    Prepare(&context, "read");
    v1::GetThreadContextRequest request;
    request.set_thread_key(thread_key);
    v1::ThreadContext response;
    absl::Status status =
        FromGrpc(stub_.GetThreadContext(&context, request, &response));
    if (!status.ok()) return status;
    return response;
  }

  absl::StatusOr<std::vector<v1::AuditEntry>> ListAuditEntries() override {
    v1::ListAuditEntriesRequest request;
    request.set_page_size(kPageSize);
    return Pages<v1::AuditEntry>(
        request, "read",
        [&](grpc::ClientContext* context,
            const v1::ListAuditEntriesRequest& page,
            std::vector<v1::AuditEntry>* out, std::string* next) {
          v1::ListAuditEntriesResponse response;
          grpc::Status status =
              stub_.ListAuditEntries(context, page, &response);
          out->assign(response.audit_entries().begin(),
                      response.audit_entries().end());
          *next = response.next_page_token();
          return status;
        });
  }

  absl::StatusOr<std::vector<v1::PerformanceMetric>> ListPerformanceMetrics(
      std::optional<absl::Time> start, std::optional<absl::Time> end) override {
    v1::ListPerformanceMetricsRequest request;
    request.set_page_size(kPageSize);
    if (start.has_value()) SetTime(*start, request.mutable_start_time());
    if (end.has_value()) SetTime(*end, request.mutable_end_time());
    return Pages<v1::PerformanceMetric>(
        request, "read",
        [&](grpc::ClientContext* context,
            const v1::ListPerformanceMetricsRequest& page,
            std::vector<v1::PerformanceMetric>* out, std::string* next) {
          v1::ListPerformanceMetricsResponse response;
          grpc::Status status =
              stub_.ListPerformanceMetrics(context, page, &response);
          out->assign(response.performance_metrics().begin(),
                      response.performance_metrics().end());
          *next = response.next_page_token();
          return status;
        });
  }

 private:
  // Calls `fetch` page by page until next_page_token is empty.
  template <typename Record, typename Request, typename Fetch>
  absl::StatusOr<std::vector<Record>> Pages(Request request,
                                            const std::string& scopes,
                                            const Fetch& fetch) {
    std::vector<Record> all;
    for (int page = 0; page < 100; ++page) {
      grpc::ClientContext context;
      Prepare(&context, scopes);
      std::vector<Record> records;
      std::string next;
      absl::Status status = FromGrpc(fetch(&context, request, &records, &next));
      if (!status.ok()) return status;
      all.insert(all.end(), records.begin(), records.end());
      if (next.empty()) return all;
      request.set_page_token(next);
    }
    return absl::InternalError("more than 100 pages");
  }

  v1::Repository::Stub& stub_;
};

}  // namespace

std::unique_ptr<RecordSource> NewGrpcRecordSource(v1::Repository::Stub* stub) {
  return std::make_unique<GrpcRecordSource>(stub);
}

}  // namespace opsbrain::testing
