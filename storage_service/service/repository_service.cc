#include "storage_service/service/repository_service.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/status_macros.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/status.h"
#include "opsbrain/v1/repository.grpc.pb.h"
#include "storage_service/records.h"
#include "storage_service/repository.h"
#include "storage_service/service/conversions.h"
#include "storage_service/service/field_masks.h"
#include "storage_service/service/redaction.h"
#include "storage_service/service/request_context.h"
#include "storage_service/service/rpc_runner.h"
#include "storage_service/service/setting_values.h"
#include "storage_service/service/validation.h"

namespace opsbrain::service {
namespace {

constexpr char kServiceName[] = "opsbrain.v1.Repository";

absl::StatusOr<PageRequest> PageFrom(int32_t page_size,
                                     const std::string& page_token) {
  PageRequest page;
  OPSBRAIN_ASSIGN_OR_RETURN(page.page_size,
                            EffectivePageSize("page_size", page_size));
  OPSBRAIN_RETURN_IF_ERROR(CheckPageToken("page_token", page_token));
  page.page_token = page_token;
  return page;
}

// Completes an app setting whose mask names only one of value and type with
// the stored other half, so that the pair can be checked, and pins the write
// to the etag read: a change in between then fails with ABORTED.
absl::Status MergeStoredSetting(Repository& repository, bool allow_missing,
                                FieldMask* mask, AppSetting* setting) {
  const bool has_value = mask->Has("value");
  absl::StatusOr<AppSetting> stored = repository.GetAppSetting(setting->key);
  if (stored.ok()) {
    if (!setting->etag.empty() && setting->etag != stored->etag) {
      return absl::AbortedError(
          "app_setting.etag: does not match the stored setting");
    }
    if (!has_value) setting->value = stored->value;
    if (!mask->Has("type")) setting->type = stored->type;
    setting->etag = stored->etag;
  } else if (!absl::IsNotFound(stored.status()) || !allow_missing) {
    return stored.status();
  }
  // When absent, the write creates the setting and the unmasked half keeps
  // its default (empty value, or STRING).

  OPSBRAIN_ASSIGN_OR_RETURN(
      setting->value, CanonicalSettingValue(setting->type, setting->value,
                                            has_value ? "app_setting.value"
                                                      : "app_setting.type"));
  std::vector<std::string> paths = mask->paths();
  paths.push_back("value");
  paths.push_back("type");
  *mask = FieldMask(std::move(paths));
  return absl::OkStatus();
}

}  // namespace

RepositoryService::RepositoryService(Repository* repository,
                                     std::function<absl::Time()> clock,
                                     ReadinessGate readiness)
    : repository_(repository),
      clock_(std::move(clock)),
      runner_(kServiceName, std::move(readiness)) {}

absl::Time RepositoryService::Now() const {
  return absl::FromUnixMicros(absl::ToUnixMicros(clock_()));
}

WriteContext RepositoryService::WriteContextFor(
    const RequestContext& caller) const {
  WriteContext write;
  write.actor = caller.actor;
  write.now = Now();
  write.may_read_secrets = caller.may_read_secrets();
  return write;
}

// ---- Configurations -------------------------------------------------------

grpc::Status RepositoryService::GetConfiguration(
    grpc::ServerContext* context, const v1::GetConfigurationRequest* request,
    v1::Configuration* response) {
  return runner_.Run(
      *context, "GetConfiguration",
      [&](const RequestContext& caller) -> absl::Status {
        OPSBRAIN_RETURN_IF_ERROR(CheckIdentifier("key", request->key()));
        OPSBRAIN_ASSIGN_OR_RETURN(
            const Configuration config,
            repository_->GetConfiguration(request->key()));
        ConfigurationToProto(config, response);
        RedactConfiguration(caller.may_read_secrets(), response);
        return absl::OkStatus();
      });
}

grpc::Status RepositoryService::ListConfigurations(
    grpc::ServerContext* context, const v1::ListConfigurationsRequest* request,
    v1::ListConfigurationsResponse* response) {
  return runner_.Run(
      *context, "ListConfigurations",
      [&](const RequestContext& caller) -> absl::Status {
        std::string category;
        if (!request->category().empty()) {
          OPSBRAIN_ASSIGN_OR_RETURN(
              category, CanonicalCategory("category", request->category()));
        }
        OPSBRAIN_ASSIGN_OR_RETURN(
            const PageRequest page,
            PageFrom(request->page_size(), request->page_token()));
        OPSBRAIN_ASSIGN_OR_RETURN(
            const Page<Configuration> result,
            repository_->ListConfigurations(category, page));
        for (const Configuration& config : result.items) {
          v1::Configuration* proto = response->add_configurations();
          ConfigurationToProto(config, proto);
          RedactConfiguration(caller.may_read_secrets(), proto);
        }
        response->set_next_page_token(result.next_page_token);
        return absl::OkStatus();
      });
}

grpc::Status RepositoryService::UpdateConfiguration(
    grpc::ServerContext* context, const v1::UpdateConfigurationRequest* request,
    v1::Configuration* response) {
  return runner_.Run(
      *context, "UpdateConfiguration",
      [&](const RequestContext& caller) -> absl::Status {
        OPSBRAIN_ASSIGN_OR_RETURN(const FieldMask mask,
                                  ConfigurationUpdateMask(*request));
        OPSBRAIN_ASSIGN_OR_RETURN(
            Configuration config,
            ConfigurationFromProto(request->configuration(), mask,
                                   "configuration"));
        OPSBRAIN_RETURN_IF_ERROR(
            ValidateConfiguration("configuration", mask, &config));
        OPSBRAIN_ASSIGN_OR_RETURN(const Configuration stored,
                                  repository_->UpdateConfiguration(
                                      config, mask, request->allow_missing(),
                                      WriteContextFor(caller)));
        ConfigurationToProto(stored, response);
        RedactConfiguration(caller.may_read_secrets(), response);
        return absl::OkStatus();
      });
}

grpc::Status RepositoryService::DeleteConfiguration(
    grpc::ServerContext* context, const v1::DeleteConfigurationRequest* request,
    google::protobuf::Empty* /*response*/) {
  return runner_.Run(
      *context, "DeleteConfiguration",
      [&](const RequestContext& caller) -> absl::Status {
        OPSBRAIN_RETURN_IF_ERROR(CheckIdentifier("key", request->key()));
        OPSBRAIN_RETURN_IF_ERROR(CheckEtag("etag", request->etag()));
        return repository_->DeleteConfiguration(request->key(), request->etag(),
                                                WriteContextFor(caller));
      });
}

// ---- Thread contexts ------------------------------------------------------

grpc::Status RepositoryService::GetThreadContext(
    grpc::ServerContext* context, const v1::GetThreadContextRequest* request,
    v1::ThreadContext* response) {
  return runner_.Run(
      *context, "GetThreadContext", [&](const RequestContext&) -> absl::Status {
        OPSBRAIN_RETURN_IF_ERROR(
            ParseThreadKey("thread_key", request->thread_key()).status());
        OPSBRAIN_ASSIGN_OR_RETURN(
            const ThreadContext thread,
            repository_->GetThreadContext(request->thread_key(), Now()));
        ThreadContextToProto(thread, response);
        return absl::OkStatus();
      });
}

grpc::Status RepositoryService::ListThreadContexts(
    grpc::ServerContext* context, const v1::ListThreadContextsRequest* request,
    v1::ListThreadContextsResponse* response) {
  return runner_.Run(
      *context, "ListThreadContexts",
      [&](const RequestContext&) -> absl::Status {
        OPSBRAIN_RETURN_IF_ERROR(
            CheckChannelId("channel_id", request->channel_id()));
        OPSBRAIN_ASSIGN_OR_RETURN(
            const PageRequest page,
            PageFrom(request->page_size(), request->page_token()));
        OPSBRAIN_ASSIGN_OR_RETURN(const Page<ThreadContext> result,
                                  repository_->ListThreadContexts(
                                      request->channel_id(), Now(), page));
        for (const ThreadContext& thread : result.items) {
          ThreadContextToProto(thread, response->add_thread_contexts());
        }
        response->set_next_page_token(result.next_page_token);
        return absl::OkStatus();
      });
}

grpc::Status RepositoryService::UpdateThreadContext(
    grpc::ServerContext* context, const v1::UpdateThreadContextRequest* request,
    v1::ThreadContext* response) {
  return runner_.Run(
      *context, "UpdateThreadContext",
      [&](const RequestContext& caller) -> absl::Status {
        OPSBRAIN_ASSIGN_OR_RETURN(const FieldMask mask,
                                  ThreadContextUpdateMask(*request));
        OPSBRAIN_ASSIGN_OR_RETURN(
            ThreadContext thread,
            ThreadContextFromProto(request->thread_context(), mask,
                                   "thread_context"));
        OPSBRAIN_RETURN_IF_ERROR(
            ValidateThreadContext("thread_context", mask, &thread));
        OPSBRAIN_ASSIGN_OR_RETURN(const ThreadContext stored,
                                  repository_->UpdateThreadContext(
                                      thread, mask, request->allow_missing(),
                                      WriteContextFor(caller)));
        ThreadContextToProto(stored, response);
        return absl::OkStatus();
      });
}

grpc::Status RepositoryService::DeleteThreadContext(
    grpc::ServerContext* context, const v1::DeleteThreadContextRequest* request,
    google::protobuf::Empty* /*response*/) {
  return runner_.Run(
      *context, "DeleteThreadContext",
      [&](const RequestContext& caller) -> absl::Status {
        OPSBRAIN_RETURN_IF_ERROR(
            ParseThreadKey("thread_key", request->thread_key()).status());
        OPSBRAIN_RETURN_IF_ERROR(CheckEtag("etag", request->etag()));
        return repository_->DeleteThreadContext(
            request->thread_key(), request->etag(), WriteContextFor(caller));
      });
}

grpc::Status RepositoryService::PurgeExpiredThreadContexts(
    grpc::ServerContext* context,
    const v1::PurgeExpiredThreadContextsRequest* /*request*/,
    v1::PurgeExpiredThreadContextsResponse* response) {
  return runner_.Run(*context, "PurgeExpiredThreadContexts",
                     [&](const RequestContext&) -> absl::Status {
                       OPSBRAIN_ASSIGN_OR_RETURN(
                           const int64_t deleted,
                           repository_->PurgeExpiredThreadContexts(Now()));
                       response->set_deleted_count(deleted);
                       return absl::OkStatus();
                     });
}

// ---- Business goals -------------------------------------------------------

grpc::Status RepositoryService::GetBusinessGoal(
    grpc::ServerContext* context, const v1::GetBusinessGoalRequest* request,
    v1::BusinessGoal* response) {
  return runner_.Run(
      *context, "GetBusinessGoal", [&](const RequestContext&) -> absl::Status {
        OPSBRAIN_RETURN_IF_ERROR(CheckIdentifier("id", request->id()));
        OPSBRAIN_ASSIGN_OR_RETURN(const BusinessGoal goal,
                                  repository_->GetBusinessGoal(request->id()));
        return BusinessGoalToProto(goal, response);
      });
}

grpc::Status RepositoryService::ListBusinessGoals(
    grpc::ServerContext* context, const v1::ListBusinessGoalsRequest* request,
    v1::ListBusinessGoalsResponse* response) {
  return runner_.Run(
      *context, "ListBusinessGoals",
      [&](const RequestContext&) -> absl::Status {
        std::string area;
        if (!request->area().empty()) {
          OPSBRAIN_ASSIGN_OR_RETURN(area,
                                    CanonicalArea("area", request->area()));
        }
        std::string status;
        if (!request->status().empty()) {
          OPSBRAIN_ASSIGN_OR_RETURN(
              status, CanonicalStatus("status", request->status()));
        }
        OPSBRAIN_ASSIGN_OR_RETURN(
            const PageRequest page,
            PageFrom(request->page_size(), request->page_token()));
        OPSBRAIN_ASSIGN_OR_RETURN(
            const Page<BusinessGoal> result,
            repository_->ListBusinessGoals(area, status, page));
        for (const BusinessGoal& goal : result.items) {
          OPSBRAIN_RETURN_IF_ERROR(
              BusinessGoalToProto(goal, response->add_business_goals()));
        }
        response->set_next_page_token(result.next_page_token);
        return absl::OkStatus();
      });
}

grpc::Status RepositoryService::UpdateBusinessGoal(
    grpc::ServerContext* context, const v1::UpdateBusinessGoalRequest* request,
    v1::BusinessGoal* response) {
  return runner_.Run(
      *context, "UpdateBusinessGoal",
      [&](const RequestContext& caller) -> absl::Status {
        OPSBRAIN_ASSIGN_OR_RETURN(const FieldMask mask,
                                  BusinessGoalUpdateMask(*request));
        OPSBRAIN_ASSIGN_OR_RETURN(
            BusinessGoal goal, BusinessGoalFromProto(request->business_goal(),
                                                     mask, "business_goal"));
        OPSBRAIN_RETURN_IF_ERROR(
            ValidateBusinessGoal("business_goal", mask, &goal));
        OPSBRAIN_ASSIGN_OR_RETURN(
            const BusinessGoal stored,
            repository_->UpdateBusinessGoal(
                goal, mask, request->allow_missing(), WriteContextFor(caller)));
        return BusinessGoalToProto(stored, response);
      });
}

grpc::Status RepositoryService::DeleteBusinessGoal(
    grpc::ServerContext* context, const v1::DeleteBusinessGoalRequest* request,
    google::protobuf::Empty* /*response*/) {
  return runner_.Run(
      *context, "DeleteBusinessGoal",
      [&](const RequestContext& caller) -> absl::Status {
        OPSBRAIN_RETURN_IF_ERROR(CheckIdentifier("id", request->id()));
        OPSBRAIN_RETURN_IF_ERROR(CheckEtag("etag", request->etag()));
        return repository_->DeleteBusinessGoal(request->id(), request->etag(),
                                               WriteContextFor(caller));
      });
}

// ---- App settings ---------------------------------------------------------

grpc::Status RepositoryService::GetAppSetting(
    grpc::ServerContext* context, const v1::GetAppSettingRequest* request,
    v1::AppSetting* response) {
  return runner_.Run(
      *context, "GetAppSetting", [&](const RequestContext&) -> absl::Status {
        OPSBRAIN_RETURN_IF_ERROR(CheckIdentifier("key", request->key()));
        OPSBRAIN_ASSIGN_OR_RETURN(const AppSetting setting,
                                  repository_->GetAppSetting(request->key()));
        AppSettingToProto(setting, response);
        return absl::OkStatus();
      });
}

grpc::Status RepositoryService::ListAppSettings(
    grpc::ServerContext* context, const v1::ListAppSettingsRequest* request,
    v1::ListAppSettingsResponse* response) {
  return runner_.Run(
      *context, "ListAppSettings", [&](const RequestContext&) -> absl::Status {
        OPSBRAIN_ASSIGN_OR_RETURN(
            const PageRequest page,
            PageFrom(request->page_size(), request->page_token()));
        OPSBRAIN_ASSIGN_OR_RETURN(const Page<AppSetting> result,
                                  repository_->ListAppSettings(page));
        for (const AppSetting& setting : result.items) {
          AppSettingToProto(setting, response->add_app_settings());
        }
        response->set_next_page_token(result.next_page_token);
        return absl::OkStatus();
      });
}

grpc::Status RepositoryService::UpdateAppSetting(
    grpc::ServerContext* context, const v1::UpdateAppSettingRequest* request,
    v1::AppSetting* response) {
  return runner_.Run(
      *context, "UpdateAppSetting",
      [&](const RequestContext& caller) -> absl::Status {
        OPSBRAIN_ASSIGN_OR_RETURN(FieldMask mask,
                                  AppSettingUpdateMask(*request));
        OPSBRAIN_ASSIGN_OR_RETURN(
            AppSetting setting,
            AppSettingFromProto(request->app_setting(), mask, "app_setting"));
        OPSBRAIN_RETURN_IF_ERROR(
            ValidateAppSetting("app_setting", mask, &setting));
        if (mask.Has("value") != mask.Has("type")) {
          OPSBRAIN_RETURN_IF_ERROR(MergeStoredSetting(
              *repository_, request->allow_missing(), &mask, &setting));
        }
        OPSBRAIN_ASSIGN_OR_RETURN(const AppSetting stored,
                                  repository_->UpdateAppSetting(
                                      setting, mask, request->allow_missing(),
                                      WriteContextFor(caller)));
        AppSettingToProto(stored, response);
        return absl::OkStatus();
      });
}

grpc::Status RepositoryService::DeleteAppSetting(
    grpc::ServerContext* context, const v1::DeleteAppSettingRequest* request,
    google::protobuf::Empty* /*response*/) {
  return runner_.Run(
      *context, "DeleteAppSetting",
      [&](const RequestContext& caller) -> absl::Status {
        OPSBRAIN_RETURN_IF_ERROR(CheckIdentifier("key", request->key()));
        OPSBRAIN_RETURN_IF_ERROR(CheckEtag("etag", request->etag()));
        return repository_->DeleteAppSetting(request->key(), request->etag(),
                                             WriteContextFor(caller));
      });
}

// ---- User preferences -----------------------------------------------------

grpc::Status RepositoryService::GetUserPreference(
    grpc::ServerContext* context, const v1::GetUserPreferenceRequest* request,
    v1::UserPreference* response) {
  return runner_.Run(
      *context, "GetUserPreference",
      [&](const RequestContext&) -> absl::Status {
        OPSBRAIN_RETURN_IF_ERROR(
            CheckIdentifier("user_id", request->user_id()));
        OPSBRAIN_RETURN_IF_ERROR(CheckIdentifier("key", request->key()));
        OPSBRAIN_ASSIGN_OR_RETURN(
            const UserPreference preference,
            repository_->GetUserPreference(request->user_id(), request->key()));
        UserPreferenceToProto(preference, response);
        return absl::OkStatus();
      });
}

grpc::Status RepositoryService::ListUserPreferences(
    grpc::ServerContext* context, const v1::ListUserPreferencesRequest* request,
    v1::ListUserPreferencesResponse* response) {
  return runner_.Run(
      *context, "ListUserPreferences",
      [&](const RequestContext&) -> absl::Status {
        OPSBRAIN_RETURN_IF_ERROR(
            CheckIdentifier("user_id", request->user_id()));
        OPSBRAIN_ASSIGN_OR_RETURN(
            const PageRequest page,
            PageFrom(request->page_size(), request->page_token()));
        OPSBRAIN_ASSIGN_OR_RETURN(
            const Page<UserPreference> result,
            repository_->ListUserPreferences(request->user_id(), page));
        for (const UserPreference& preference : result.items) {
          UserPreferenceToProto(preference, response->add_user_preferences());
        }
        response->set_next_page_token(result.next_page_token);
        return absl::OkStatus();
      });
}

grpc::Status RepositoryService::UpdateUserPreference(
    grpc::ServerContext* context,
    const v1::UpdateUserPreferenceRequest* request,
    v1::UserPreference* response) {
  return runner_.Run(
      *context, "UpdateUserPreference",
      [&](const RequestContext& caller) -> absl::Status {
        OPSBRAIN_ASSIGN_OR_RETURN(const FieldMask mask,
                                  UserPreferenceUpdateMask(*request));
        OPSBRAIN_ASSIGN_OR_RETURN(
            UserPreference preference,
            UserPreferenceFromProto(request->user_preference(), mask,
                                    "user_preference"));
        OPSBRAIN_RETURN_IF_ERROR(
            ValidateUserPreference("user_preference", mask, &preference));
        OPSBRAIN_ASSIGN_OR_RETURN(
            const UserPreference stored,
            repository_->UpdateUserPreference(preference, mask,
                                              request->allow_missing(),
                                              WriteContextFor(caller)));
        UserPreferenceToProto(stored, response);
        return absl::OkStatus();
      });
}

grpc::Status RepositoryService::DeleteUserPreference(
    grpc::ServerContext* context,
    const v1::DeleteUserPreferenceRequest* request,
    google::protobuf::Empty* /*response*/) {
  return runner_.Run(
      *context, "DeleteUserPreference",
      [&](const RequestContext& caller) -> absl::Status {
        OPSBRAIN_RETURN_IF_ERROR(
            CheckIdentifier("user_id", request->user_id()));
        OPSBRAIN_RETURN_IF_ERROR(CheckIdentifier("key", request->key()));
        OPSBRAIN_RETURN_IF_ERROR(CheckEtag("etag", request->etag()));
        return repository_->DeleteUserPreference(
            request->user_id(), request->key(), request->etag(),
            WriteContextFor(caller));
      });
}

// ---- Audit log ------------------------------------------------------------

grpc::Status RepositoryService::ListAuditEntries(
    grpc::ServerContext* context, const v1::ListAuditEntriesRequest* request,
    v1::ListAuditEntriesResponse* response) {
  return runner_.Run(
      *context, "ListAuditEntries", [&](const RequestContext&) -> absl::Status {
        OPSBRAIN_RETURN_IF_ERROR(CheckText("table_name", request->table_name(),
                                           kMaxIdentifierBytes));
        OPSBRAIN_RETURN_IF_ERROR(CheckText("record_id", request->record_id(),
                                           kMaxAuditRecordIdBytes));
        OPSBRAIN_ASSIGN_OR_RETURN(
            const PageRequest page,
            PageFrom(request->page_size(), request->page_token()));
        OPSBRAIN_ASSIGN_OR_RETURN(
            const Page<AuditEntry> result,
            repository_->ListAuditEntries(request->table_name(),
                                          request->record_id(), page));
        for (const AuditEntry& entry : result.items) {
          OPSBRAIN_RETURN_IF_ERROR(
              AuditEntryToProto(entry, response->add_audit_entries()));
        }
        response->set_next_page_token(result.next_page_token);
        return absl::OkStatus();
      });
}

// ---- Performance metrics --------------------------------------------------

grpc::Status RepositoryService::CreatePerformanceMetric(
    grpc::ServerContext* context,
    const v1::CreatePerformanceMetricRequest* request,
    v1::PerformanceMetric* response) {
  return runner_.Run(
      *context, "CreatePerformanceMetric",
      [&](const RequestContext&) -> absl::Status {
        OPSBRAIN_ASSIGN_OR_RETURN(
            PerformanceMetric metric,
            PerformanceMetricFromProto(request->performance_metric(), Now(),
                                       "performance_metric"));
        OPSBRAIN_RETURN_IF_ERROR(
            ValidatePerformanceMetric("performance_metric", metric));
        OPSBRAIN_ASSIGN_OR_RETURN(
            const std::vector<PerformanceMetric> stored,
            repository_->CreatePerformanceMetrics({std::move(metric)}));
        if (stored.size() != 1) {
          return absl::InternalError(absl::StrCat(
              "repository recorded ", stored.size(), " metrics for 1"));
        }
        return PerformanceMetricToProto(stored[0], response);
      });
}

grpc::Status RepositoryService::BatchCreatePerformanceMetrics(
    grpc::ServerContext* context,
    const v1::BatchCreatePerformanceMetricsRequest* request,
    v1::BatchCreatePerformanceMetricsResponse* response) {
  return runner_.Run(
      *context, "BatchCreatePerformanceMetrics",
      [&](const RequestContext&) -> absl::Status {
        if (request->requests_size() > kMaxMetricsPerBatch) {
          return absl::InvalidArgumentError(
              absl::StrCat("requests: must hold at most ", kMaxMetricsPerBatch,
                           " metrics, got ", request->requests_size()));
        }
        if (request->requests().empty()) return absl::OkStatus();

        // One time for the whole batch: it is one transaction.
        const absl::Time now = Now();
        std::vector<PerformanceMetric> metrics;
        metrics.reserve(request->requests_size());
        for (int i = 0; i < request->requests_size(); ++i) {
          const std::string field =
              absl::StrCat("requests[", i, "].performance_metric");
          OPSBRAIN_ASSIGN_OR_RETURN(
              PerformanceMetric metric,
              PerformanceMetricFromProto(
                  request->requests(i).performance_metric(), now, field));
          OPSBRAIN_RETURN_IF_ERROR(ValidatePerformanceMetric(field, metric));
          metrics.push_back(std::move(metric));
        }

        OPSBRAIN_ASSIGN_OR_RETURN(
            const std::vector<PerformanceMetric> stored,
            repository_->CreatePerformanceMetrics(metrics));
        for (const PerformanceMetric& metric : stored) {
          OPSBRAIN_RETURN_IF_ERROR(PerformanceMetricToProto(
              metric, response->add_performance_metrics()));
        }
        return absl::OkStatus();
      });
}

grpc::Status RepositoryService::ListPerformanceMetrics(
    grpc::ServerContext* context,
    const v1::ListPerformanceMetricsRequest* request,
    v1::ListPerformanceMetricsResponse* response) {
  return runner_.Run(
      *context, "ListPerformanceMetrics",
      [&](const RequestContext&) -> absl::Status {
        if (!request->name().empty()) {
          OPSBRAIN_RETURN_IF_ERROR(CheckIdentifier("name", request->name()));
        }
        std::optional<absl::Time> start;
        if (request->has_start_time()) {
          OPSBRAIN_ASSIGN_OR_RETURN(
              start, TimeFromProto(request->start_time(), "start_time"));
        }
        std::optional<absl::Time> end;
        if (request->has_end_time()) {
          OPSBRAIN_ASSIGN_OR_RETURN(
              end, TimeFromProto(request->end_time(), "end_time"));
        }
        if (start.has_value() && end.has_value() && *start > *end) {
          return absl::InvalidArgumentError(
              "start_time: must not be after end_time");
        }
        OPSBRAIN_ASSIGN_OR_RETURN(
            const PageRequest page,
            PageFrom(request->page_size(), request->page_token()));
        OPSBRAIN_ASSIGN_OR_RETURN(const Page<PerformanceMetric> result,
                                  repository_->ListPerformanceMetrics(
                                      request->name(), start, end, page));
        for (const PerformanceMetric& metric : result.items) {
          OPSBRAIN_RETURN_IF_ERROR(PerformanceMetricToProto(
              metric, response->add_performance_metrics()));
        }
        response->set_next_page_token(result.next_page_token);
        return absl::OkStatus();
      });
}

}  // namespace opsbrain::service
