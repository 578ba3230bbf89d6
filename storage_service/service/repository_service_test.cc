// The service layer's own logic, in process, over a hand-written fake
// Repository: the readiness gate, input checks before the database, masks,
// redaction, caller metadata and status conversion. The behaviour of the
// real repository is the conformance suite's (tests/).
#include "storage_service/service/repository_service.h"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/empty.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "grpcpp/support/status.h"
#include "gtest/gtest.h"
#include "opsbrain/v1/repository.grpc.pb.h"
#include "storage_service/records.h"
#include "storage_service/repository.h"
#include "tests/util/in_process_grpc.h"

namespace opsbrain::service {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// Keeps configurations and settings in maps, with etags; records what the
// service asked for. Everything else is UNIMPLEMENTED.
class FakeRepository : public Repository {
 public:
  std::map<std::string, Configuration> configs;
  std::map<std::string, AppSetting> settings;
  std::vector<PerformanceMetric> created_metrics;
  // Set to fail the next call with it.
  absl::Status fail_next;
  int calls = 0;
  FieldMask last_mask;
  WriteContext last_write;
  PageRequest last_page;
  std::string last_etag;
  std::optional<absl::Time> last_start;
  std::optional<absl::Time> last_end;

  absl::StatusOr<Configuration> GetConfiguration(
      absl::string_view key) override {
    if (absl::Status failure = Enter(); !failure.ok()) return failure;
    auto it = configs.find(std::string(key));
    if (it == configs.end()) return absl::NotFoundError("no configuration");
    return it->second;
  }
  absl::StatusOr<Page<Configuration>> ListConfigurations(
      absl::string_view, const PageRequest& page) override {
    if (absl::Status failure = Enter(); !failure.ok()) return failure;
    last_page = page;
    Page<Configuration> result;
    for (const auto& [key, config] : configs) result.items.push_back(config);
    return result;
  }
  absl::StatusOr<Configuration> UpdateConfiguration(
      const Configuration& config, const FieldMask& mask, bool allow_missing,
      const WriteContext& context) override {
    if (absl::Status failure = Enter(); !failure.ok()) return failure;
    last_mask = mask;
    last_write = context;
    last_etag = config.etag;
    auto it = configs.find(config.key);
    if (it == configs.end() && !allow_missing) {
      return absl::NotFoundError("no configuration");
    }
    Configuration stored = it == configs.end() ? Configuration() : it->second;
    stored.key = config.key;
    if (mask.Has("value")) stored.value = config.value;
    if (mask.Has("category")) stored.category = config.category;
    if (mask.Has("description")) stored.description = config.description;
    if (mask.Has("is_sensitive")) stored.is_sensitive = config.is_sensitive;
    stored.update_time = context.now;
    stored.etag = absl::StrCat("e", ++etag_counter_);
    return configs[config.key] = stored;
  }
  absl::Status DeleteConfiguration(absl::string_view key,
                                   absl::string_view etag,
                                   const WriteContext& context) override {
    if (absl::Status failure = Enter(); !failure.ok()) return failure;
    last_etag = std::string(etag);
    last_write = context;
    return configs.erase(std::string(key)) ? absl::OkStatus()
                                           : absl::NotFoundError("none");
  }

  absl::StatusOr<ThreadContext> GetThreadContext(absl::string_view,
                                                 absl::Time) override {
    return Unimplemented();
  }
  absl::StatusOr<Page<ThreadContext>> ListThreadContexts(
      absl::string_view, absl::Time, const PageRequest&) override {
    return Unimplemented();
  }
  absl::StatusOr<ThreadContext> UpdateThreadContext(
      const ThreadContext&, const FieldMask&, bool,
      const WriteContext&) override {
    return Unimplemented();
  }
  absl::Status DeleteThreadContext(absl::string_view, absl::string_view,
                                   const WriteContext&) override {
    return Unimplemented();
  }
  absl::StatusOr<int64_t> PurgeExpiredThreadContexts(absl::Time) override {
    return Unimplemented();
  }
  absl::StatusOr<int64_t> PurgePerformanceMetricsBefore(absl::Time,
                                                        int) override {
    return Unimplemented();
  }

  absl::StatusOr<BusinessGoal> GetBusinessGoal(absl::string_view) override {
    return Unimplemented();
  }
  absl::StatusOr<Page<BusinessGoal>> ListBusinessGoals(
      absl::string_view, absl::string_view, const PageRequest&) override {
    return Unimplemented();
  }
  absl::StatusOr<BusinessGoal> UpdateBusinessGoal(
      const BusinessGoal&, const FieldMask&, bool,
      const WriteContext&) override {
    return Unimplemented();
  }
  absl::Status DeleteBusinessGoal(absl::string_view, absl::string_view,
                                  const WriteContext&) override {
    return Unimplemented();
  }

  absl::StatusOr<AppSetting> GetAppSetting(absl::string_view key) override {
    if (absl::Status failure = Enter(); !failure.ok()) return failure;
    auto it = settings.find(std::string(key));
    if (it == settings.end()) return absl::NotFoundError("no setting");
    return it->second;
  }
  absl::StatusOr<Page<AppSetting>> ListAppSettings(
      const PageRequest&) override {
    return Unimplemented();
  }
  absl::StatusOr<AppSetting> UpdateAppSetting(
      const AppSetting& setting, const FieldMask& mask, bool allow_missing,
      const WriteContext& context) override {
    if (absl::Status failure = Enter(); !failure.ok()) return failure;
    ++setting_updates;
    last_mask = mask;
    last_write = context;
    last_etag = setting.etag;
    auto it = settings.find(setting.key);
    if (it == settings.end() && !allow_missing) {
      return absl::NotFoundError("no setting");
    }
    if (it != settings.end() && !setting.etag.empty() &&
        setting.etag != it->second.etag) {
      return absl::AbortedError("etag mismatch");
    }
    AppSetting stored = it == settings.end() ? AppSetting() : it->second;
    stored.key = setting.key;
    if (mask.Has("value")) stored.value = setting.value;
    if (mask.Has("type")) stored.type = setting.type;
    if (mask.Has("description")) stored.description = setting.description;
    stored.etag = absl::StrCat("e", ++etag_counter_);
    return settings[setting.key] = stored;
  }
  absl::Status DeleteAppSetting(absl::string_view, absl::string_view,
                                const WriteContext&) override {
    return Unimplemented();
  }

  absl::StatusOr<UserPreference> GetUserPreference(absl::string_view,
                                                   absl::string_view) override {
    return Unimplemented();
  }
  absl::StatusOr<Page<UserPreference>> ListUserPreferences(
      absl::string_view, const PageRequest&) override {
    return Unimplemented();
  }
  absl::StatusOr<UserPreference> UpdateUserPreference(
      const UserPreference&, const FieldMask&, bool,
      const WriteContext&) override {
    return Unimplemented();
  }
  absl::Status DeleteUserPreference(absl::string_view, absl::string_view,
                                    absl::string_view,
                                    const WriteContext&) override {
    return Unimplemented();
  }

  absl::StatusOr<Page<AuditEntry>> ListAuditEntries(
      absl::string_view, absl::string_view, const PageRequest&) override {
    return Unimplemented();
  }

  absl::StatusOr<std::vector<PerformanceMetric>> CreatePerformanceMetrics(
      const std::vector<PerformanceMetric>& metrics) override {
    if (absl::Status failure = Enter(); !failure.ok()) return failure;
    std::vector<PerformanceMetric> stored = metrics;
    for (PerformanceMetric& metric : stored) metric.id = ++metric_ids_;
    created_metrics = stored;
    return stored;
  }
  absl::StatusOr<Page<PerformanceMetric>> ListPerformanceMetrics(
      absl::string_view, std::optional<absl::Time> start,
      std::optional<absl::Time> end, const PageRequest& page) override {
    if (absl::Status failure = Enter(); !failure.ok()) return failure;
    last_start = start;
    last_end = end;
    last_page = page;
    return Page<PerformanceMetric>();
  }

  int setting_updates = 0;

 private:
  // Counts the call and consumes fail_next.
  absl::Status Enter() {
    ++calls;
    absl::Status failure = std::move(fail_next);
    fail_next = absl::OkStatus();
    return failure;
  }
  absl::Status Unimplemented() { return absl::UnimplementedError("fake"); }

  int etag_counter_ = 0;
  int64_t metric_ids_ = 0;
};

class RepositoryServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    service_ = std::make_unique<RepositoryService>(
        &repository_, [this] { return now_; }, [this] { return gate_; });
    grpc::ServerBuilder builder;
    builder.RegisterService(service_.get());
    testutil::AddCallOrderInterceptor(&builder);
    server_ = builder.BuildAndStart();
    stub_ = v1::Repository::NewStub(testutil::InProcessChannel(server_.get()));

    Configuration token;
    token.key = "slack_bot_token";
    token.value = "xoxb-FAKE";
    token.category = "slack";
    token.is_sensitive = true;
    token.etag = "e0";
    repository_.configs[token.key] = token;
  }

  void TearDown() override { server_->Shutdown(); }

  // A client context carrying the given scopes and actor.
  static std::unique_ptr<grpc::ClientContext> Caller(
      const std::string& scopes = "", const std::string& actor = "") {
    auto context = std::make_unique<grpc::ClientContext>();
    if (!scopes.empty()) context->AddMetadata("x-opsbrain-scopes", scopes);
    if (!actor.empty()) context->AddMetadata("x-opsbrain-actor", actor);
    return context;
  }

  v1::Configuration GetConfiguration(const std::string& key,
                                     const std::string& scopes,
                                     grpc::Status* status) {
    v1::GetConfigurationRequest request;
    request.set_key(key);
    v1::Configuration response;
    *status = stub_->GetConfiguration(Caller(scopes).get(), request, &response);
    return response;
  }

  FakeRepository repository_;
  // 2025-09-01T12:00:00.123456789Z; the service truncates to microseconds.
  absl::Time now_ = absl::FromUnixNanos(1756728000123456789);
  absl::Status gate_ = absl::OkStatus();
  std::unique_ptr<RepositoryService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::Repository::Stub> stub_;
};

TEST_F(RepositoryServiceTest, ClosedGateAnswersWithItsStatus) {
  gate_ = absl::UnavailableError(
      "schema is at version 1, this server needs 3: run `migrator up`");
  grpc::Status status;
  GetConfiguration("slack_bot_token", "secrets", &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(status.error_message(),
            "schema is at version 1, this server needs 3: run `migrator up`");
  EXPECT_EQ(repository_.calls, 0);
}

TEST_F(RepositoryServiceTest, SensitiveValueIsWithheldWithoutSecretsScope) {
  grpc::Status status;
  const v1::Configuration config =
      GetConfiguration("slack_bot_token", "read,write", &status);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(config.value(), "");
  EXPECT_TRUE(config.value_redacted());
  EXPECT_TRUE(config.is_sensitive());
  EXPECT_EQ(config.category(), "slack");
}

TEST_F(RepositoryServiceTest, SensitiveValueIsShownWithSecretsScope) {
  grpc::Status status;
  const v1::Configuration config =
      GetConfiguration("slack_bot_token", "read, secrets", &status);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(config.value(), "xoxb-FAKE");
  EXPECT_FALSE(config.value_redacted());
}

TEST_F(RepositoryServiceTest, ListRedactsEverySensitiveValue) {
  Configuration plain;
  plain.key = "app_name";
  plain.value = "OpsBrain";
  repository_.configs[plain.key] = plain;

  v1::ListConfigurationsResponse response;
  const grpc::Status status = stub_->ListConfigurations(
      Caller().get(), v1::ListConfigurationsRequest(), &response);
  ASSERT_TRUE(status.ok());
  ASSERT_EQ(response.configurations_size(), 2);
  EXPECT_EQ(response.configurations(0).value(), "OpsBrain");
  EXPECT_FALSE(response.configurations(0).value_redacted());
  EXPECT_EQ(response.configurations(1).value(), "");
  EXPECT_TRUE(response.configurations(1).value_redacted());
  EXPECT_EQ(repository_.last_page.page_size, kDefaultPageSize);
}

TEST_F(RepositoryServiceTest, UpdateResponseIsRedactedToo) {
  v1::UpdateConfigurationRequest request;
  request.mutable_configuration()->set_key("slack_bot_token");
  request.mutable_configuration()->set_value("xoxb-ROTATED");
  v1::Configuration response;
  const grpc::Status status =
      stub_->UpdateConfiguration(Caller().get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.value(), "");
  EXPECT_TRUE(response.value_redacted());
  EXPECT_EQ(repository_.configs["slack_bot_token"].value, "xoxb-ROTATED");
}

TEST_F(RepositoryServiceTest, UpdateWithoutMaskKeepsIsSensitive) {
  v1::UpdateConfigurationRequest request;
  request.mutable_configuration()->set_key("slack_bot_token");
  request.mutable_configuration()->set_value("xoxb-ROTATED");
  v1::Configuration response;
  ASSERT_TRUE(
      stub_->UpdateConfiguration(Caller().get(), request, &response).ok());
  EXPECT_THAT(repository_.last_mask.paths(), ElementsAre("value"));
  EXPECT_TRUE(repository_.configs["slack_bot_token"].is_sensitive);
}

TEST_F(RepositoryServiceTest, UpdatePassesActorTimeAndCanonicalCategory) {
  v1::UpdateConfigurationRequest request;
  request.mutable_configuration()->set_key("openai_model");
  request.mutable_configuration()->set_value("gpt-4o");
  request.mutable_configuration()->set_category("OpenAI");
  request.set_allow_missing(true);
  v1::Configuration response;
  ASSERT_TRUE(
      stub_->UpdateConfiguration(Caller("", "U123").get(), request, &response)
          .ok());
  EXPECT_EQ(repository_.last_write.actor, "U123");
  EXPECT_EQ(absl::ToUnixMicros(repository_.last_write.now), 1756728000123456);
  EXPECT_EQ(response.category(), "openai");
  EXPECT_EQ(response.update_time().nanos(), 123456000);
}

TEST_F(RepositoryServiceTest, ActorDefaultsToSystem) {
  v1::DeleteConfigurationRequest request;
  request.set_key("slack_bot_token");
  request.set_etag("e0");
  google::protobuf::Empty response;
  ASSERT_TRUE(
      stub_->DeleteConfiguration(Caller().get(), request, &response).ok());
  EXPECT_EQ(repository_.last_write.actor, "system");
  EXPECT_EQ(repository_.last_etag, "e0");
}

struct BadRequest {
  std::string name;
  std::function<grpc::Status(v1::Repository::Stub&, grpc::ClientContext*)> call;
  std::string message;
};

std::vector<BadRequest> BadRequests() {
  return {
      {"empty key",
       [](auto& stub, auto* context) {
         v1::GetConfigurationRequest request;
         v1::Configuration response;
         return stub.GetConfiguration(context, request, &response);
       },
       "key: must not be empty"},
      {"unknown category filter",
       [](auto& stub, auto* context) {
         v1::ListConfigurationsRequest request;
         request.set_category("misc");
         v1::ListConfigurationsResponse response;
         return stub.ListConfigurations(context, request, &response);
       },
       "category: 'misc' is not one of general, api, slack, notion, openai, "
       "trello, dashboard, prompts, scheduling, features"},
      {"negative page size",
       [](auto& stub, auto* context) {
         v1::ListConfigurationsRequest request;
         request.set_page_size(-5);
         v1::ListConfigurationsResponse response;
         return stub.ListConfigurations(context, request, &response);
       },
       "page_size: must not be negative, got -5"},
      {"output-only mask path",
       [](auto& stub, auto* context) {
         v1::UpdateConfigurationRequest request;
         request.mutable_configuration()->set_key("k");
         request.mutable_update_mask()->add_paths("create_time");
         v1::Configuration response;
         return stub.UpdateConfiguration(context, request, &response);
       },
       "update_mask: 'create_time' is output only"},
      {"oversized value",
       [](auto& stub, auto* context) {
         v1::UpdateConfigurationRequest request;
         request.mutable_configuration()->set_key("k");
         request.mutable_configuration()->set_value(
             std::string(64 * 1024 + 1, 'v'));
         v1::Configuration response;
         return stub.UpdateConfiguration(context, request, &response);
       },
       "configuration.value: must be at most 65536 bytes, got 65537"},
      {"thread key ending in colon",
       [](auto& stub, auto* context) {
         v1::GetThreadContextRequest request;
         request.set_thread_key("C04:");
         v1::ThreadContext response;
         return stub.GetThreadContext(context, request, &response);
       },
       "thread_key: must not end with ':'"},
      {"unknown area filter",
       [](auto& stub, auto* context) {
         v1::ListBusinessGoalsRequest request;
         request.set_area("marketing");
         v1::ListBusinessGoalsResponse response;
         return stub.ListBusinessGoals(context, request, &response);
       },
       "area: 'marketing' is not one of sales, delivery, product, financial, "
       "team, process"},
      {"goal priority out of range",
       [](auto& stub, auto* context) {
         v1::UpdateBusinessGoalRequest request;
         request.mutable_business_goal()->set_id("g");
         request.mutable_business_goal()->set_priority(7);
         v1::BusinessGoal response;
         return stub.UpdateBusinessGoal(context, request, &response);
       },
       "business_goal.priority: must be between 1 and 4, got 7"},
      {"unknown setting type",
       [](auto& stub, auto* context) {
         v1::UpdateAppSettingRequest request;
         request.mutable_app_setting()->set_key("k");
         request.mutable_app_setting()->set_value("1");
         request.mutable_app_setting()->set_type(
             static_cast<v1::AppSetting::Type>(7));
         v1::AppSetting response;
         return stub.UpdateAppSetting(context, request, &response);
       },
       "app_setting.type: unknown type 7"},
      {"setting value not of its type",
       [](auto& stub, auto* context) {
         v1::UpdateAppSettingRequest request;
         request.mutable_app_setting()->set_key("k");
         request.mutable_app_setting()->set_value("abc");
         request.mutable_app_setting()->set_type(v1::AppSetting::INTEGER);
         v1::AppSetting response;
         return stub.UpdateAppSetting(context, request, &response);
       },
       "app_setting.value: 'abc' is not a valid INTEGER"},
      {"metric without name",
       [](auto& stub, auto* context) {
         v1::CreatePerformanceMetricRequest request;
         v1::PerformanceMetric response;
         return stub.CreatePerformanceMetric(context, request, &response);
       },
       "performance_metric.name: must not be empty"},
      {"batch metric naming its index",
       [](auto& stub, auto* context) {
         v1::BatchCreatePerformanceMetricsRequest request;
         request.add_requests()->mutable_performance_metric()->set_name("a");
         request.add_requests()->mutable_performance_metric()->set_unit("s");
         v1::BatchCreatePerformanceMetricsResponse response;
         return stub.BatchCreatePerformanceMetrics(context, request, &response);
       },
       "requests[1].performance_metric.name: must not be empty"},
      {"batch over 1000",
       [](auto& stub, auto* context) {
         v1::BatchCreatePerformanceMetricsRequest request;
         for (int i = 0; i < 1001; ++i) {
           request.add_requests()->mutable_performance_metric()->set_name("m");
         }
         v1::BatchCreatePerformanceMetricsResponse response;
         return stub.BatchCreatePerformanceMetrics(context, request, &response);
       },
       "requests: must hold at most 1000 metrics, got 1001"},
      {"start after end",
       [](auto& stub, auto* context) {
         v1::ListPerformanceMetricsRequest request;
         request.mutable_start_time()->set_seconds(10);
         request.mutable_end_time()->set_seconds(5);
         v1::ListPerformanceMetricsResponse response;
         return stub.ListPerformanceMetrics(context, request, &response);
       },
       "start_time: must not be after end_time"},
      {"bad time",
       [](auto& stub, auto* context) {
         v1::ListPerformanceMetricsRequest request;
         request.mutable_end_time()->set_nanos(-1);
         v1::ListPerformanceMetricsResponse response;
         return stub.ListPerformanceMetrics(context, request, &response);
       },
       "end_time: nanos -1 is outside 0 to 999999999"},
  };
}

TEST_F(RepositoryServiceTest, BadInputIsRejectedBeforeTheRepository) {
  for (const BadRequest& bad : BadRequests()) {
    auto context = Caller();
    const grpc::Status status = bad.call(*stub_, context.get());
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << bad.name;
    EXPECT_EQ(status.error_message(), bad.message) << bad.name;
  }
  EXPECT_EQ(repository_.calls, 0);
}

TEST_F(RepositoryServiceTest, BadActorHeaderIsRejected) {
  v1::GetConfigurationRequest request;
  request.set_key("slack_bot_token");
  v1::Configuration response;
  const grpc::Status status = stub_->GetConfiguration(
      Caller("", std::string(200, 'a')).get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(repository_.calls, 0);
}

TEST_F(RepositoryServiceTest, RepositoryCodesPassThrough) {
  grpc::Status status;
  GetConfiguration("absent", "", &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(), "no configuration");

  repository_.fail_next = absl::AbortedError("etag mismatch");
  GetConfiguration("slack_bot_token", "", &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ABORTED);
}

TEST_F(RepositoryServiceTest, InternalDetailIsWithheld) {
  repository_.fail_next =
      absl::InternalError("pq: connection to postgres://u:hunter2@db failed");
  grpc::Status status;
  GetConfiguration("slack_bot_token", "", &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_EQ(status.error_message(), "internal error");
}

TEST_F(RepositoryServiceTest, PageSizeIsClamped) {
  v1::ListConfigurationsRequest request;
  request.set_page_size(5000);
  v1::ListConfigurationsResponse response;
  ASSERT_TRUE(
      stub_->ListConfigurations(Caller().get(), request, &response).ok());
  EXPECT_EQ(repository_.last_page.page_size, kMaxPageSize);
}

class AppSettingUpdateTest : public RepositoryServiceTest {
 protected:
  void Store(const std::string& value, SettingType type) {
    AppSetting setting;
    setting.key = "max_concurrent_requests";
    setting.value = value;
    setting.type = type;
    setting.etag = "e-read";
    repository_.settings[setting.key] = setting;
  }

  grpc::Status Update(const std::string& value, v1::AppSetting::Type type,
                      std::vector<std::string> paths,
                      v1::AppSetting* response) {
    v1::UpdateAppSettingRequest request;
    request.mutable_app_setting()->set_key("max_concurrent_requests");
    request.mutable_app_setting()->set_value(value);
    request.mutable_app_setting()->set_type(type);
    for (const std::string& path : paths) {
      request.mutable_update_mask()->add_paths(path);
    }
    return stub_->UpdateAppSetting(Caller().get(), request, response);
  }
};

TEST_F(AppSettingUpdateTest, TypeChangeChecksTheStoredValue) {
  Store("abc", SettingType::kString);
  v1::AppSetting response;
  const grpc::Status status =
      Update("", v1::AppSetting::INTEGER, {"type"}, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(),
            "app_setting.type: 'abc' is not a valid INTEGER");
  EXPECT_EQ(repository_.setting_updates, 0);
}

TEST_F(AppSettingUpdateTest, TypeChangeWritesBothWithTheEtagRead) {
  Store("010", SettingType::kString);
  v1::AppSetting response;
  ASSERT_TRUE(Update("", v1::AppSetting::INTEGER, {"type"}, &response).ok());
  EXPECT_EQ(repository_.last_etag, "e-read");
  EXPECT_THAT(repository_.last_mask.paths(), ElementsAre("type", "value"));
  EXPECT_EQ(response.value(), "10");
  EXPECT_EQ(response.type(), v1::AppSetting::INTEGER);
}

TEST_F(AppSettingUpdateTest, ValueChangeIsCheckedAgainstTheStoredType) {
  Store("true", SettingType::kBoolean);
  v1::AppSetting response;
  ASSERT_TRUE(
      Update("Off", v1::AppSetting::TYPE_UNSPECIFIED, {}, &response).ok());
  EXPECT_EQ(response.value(), "false");
  EXPECT_EQ(response.type(), v1::AppSetting::BOOLEAN);

  const grpc::Status status =
      Update("maybe", v1::AppSetting::TYPE_UNSPECIFIED, {}, &response);
  EXPECT_EQ(status.error_message(),
            "app_setting.value: 'maybe' is not a valid BOOLEAN");
}

TEST_F(AppSettingUpdateTest, StaleCallerEtagIsAborted) {
  Store("1", SettingType::kInteger);
  v1::UpdateAppSettingRequest request;
  request.mutable_app_setting()->set_key("max_concurrent_requests");
  request.mutable_app_setting()->set_value("2");
  request.mutable_app_setting()->set_etag("e-old");
  v1::AppSetting response;
  const grpc::Status status =
      stub_->UpdateAppSetting(Caller().get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ABORTED);
  EXPECT_EQ(repository_.setting_updates, 0);
}

TEST_F(AppSettingUpdateTest, MissingSettingNeedsAllowMissing) {
  v1::AppSetting response;
  const grpc::Status status =
      Update("5", v1::AppSetting::TYPE_UNSPECIFIED, {}, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(AppSettingUpdateTest, ValueAndTypeTogetherNeedNoRead) {
  v1::AppSetting response;
  v1::UpdateAppSettingRequest request;
  request.mutable_app_setting()->set_key("new_flag");
  request.mutable_app_setting()->set_value("YES");
  request.mutable_app_setting()->set_type(v1::AppSetting::BOOLEAN);
  request.set_allow_missing(true);
  ASSERT_TRUE(stub_->UpdateAppSetting(Caller().get(), request, &response).ok());
  EXPECT_EQ(response.value(), "true");
  EXPECT_EQ(repository_.calls, 1);
  EXPECT_EQ(repository_.last_etag, "");
}

TEST_F(RepositoryServiceTest, MetricTimeDefaultsToNow) {
  v1::CreatePerformanceMetricRequest request;
  request.mutable_performance_metric()->set_name("slack_response_time");
  request.mutable_performance_metric()->set_value(1.5);
  request.mutable_performance_metric()->set_id(99);
  v1::PerformanceMetric response;
  ASSERT_TRUE(
      stub_->CreatePerformanceMetric(Caller().get(), request, &response).ok());
  ASSERT_EQ(repository_.created_metrics.size(), 1u);
  EXPECT_EQ(absl::ToUnixMicros(repository_.created_metrics[0].time),
            1756728000123456);
  EXPECT_EQ(response.id(), 1);
  EXPECT_EQ(response.time().seconds(), 1756728000);
}

TEST_F(RepositoryServiceTest, EmptyBatchTouchesNothing) {
  v1::BatchCreatePerformanceMetricsResponse response;
  ASSERT_TRUE(stub_
                  ->BatchCreatePerformanceMetrics(
                      Caller().get(),
                      v1::BatchCreatePerformanceMetricsRequest(), &response)
                  .ok());
  EXPECT_THAT(response.performance_metrics(), IsEmpty());
  EXPECT_EQ(repository_.calls, 0);
}

TEST_F(RepositoryServiceTest, MetricBoundsAreOptional) {
  v1::ListPerformanceMetricsRequest request;
  v1::ListPerformanceMetricsResponse response;
  ASSERT_TRUE(
      stub_->ListPerformanceMetrics(Caller().get(), request, &response).ok());
  EXPECT_EQ(repository_.last_start, std::nullopt);
  EXPECT_EQ(repository_.last_end, std::nullopt);

  request.mutable_start_time()->set_seconds(0);  // Set, at the epoch.
  ASSERT_TRUE(
      stub_->ListPerformanceMetrics(Caller().get(), request, &response).ok());
  EXPECT_EQ(repository_.last_start, absl::UnixEpoch());
  EXPECT_EQ(repository_.last_end, std::nullopt);
}

}  // namespace
}  // namespace opsbrain::service
