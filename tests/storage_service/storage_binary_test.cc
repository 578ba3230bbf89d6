// Drives the real storage_service binary over gRPC on loopback, on each
// backend: start-up, the schema gate, the API, and SIGTERM while calls are
// in flight.
#include <signal.h>

#include <atomic>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "opsbrain/v1/internal.grpc.pb.h"
#include "opsbrain/v1/repository.grpc.pb.h"
#include "tests/conformance/test_store.h"
#include "tests/storage_service/storage_process.h"
#include "tests/util/subprocess.h"

namespace opsbrain::testing {
namespace {

using ::grpc::health::v1::HealthCheckResponse;
using ::testing::HasSubstr;
using ::testing::Not;

class StorageBinaryTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    absl::StatusOr<std::string> url = NewDatabaseUrl(GetParam());
    ASSERT_TRUE(url.ok()) << url.status();
    url_ = *url;
  }

  std::unique_ptr<StorageProcess> StartOrDie(std::vector<std::string> flags) {
    absl::StatusOr<std::unique_ptr<StorageProcess>> process =
        StorageProcess::Start(url_, std::move(flags));
    EXPECT_TRUE(process.ok()) << process.status();
    return process.ok() ? *std::move(process) : nullptr;
  }

  std::string url_;
};

TEST_P(StorageBinaryTest, RepositoryWaitsForMigrationsThroughSchemaApi) {
  std::unique_ptr<StorageProcess> storage = StartOrDie({});
  ASSERT_NE(storage, nullptr);
  EXPECT_EQ(storage->Health(""), HealthCheckResponse::NOT_SERVING);

  // Before migrations: UNAVAILABLE naming versions and the fix.
  grpc::ClientContext get_context;
  Prepare(&get_context);
  v1::GetConfigurationRequest get;
  get.set_key("app_name");
  v1::Configuration config;
  grpc::Status status =
      storage->Repository()->GetConfiguration(&get_context, get, &config);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(status.error_message(), HasSubstr("version 0"));
  EXPECT_THAT(status.error_message(), HasSubstr("migrator up"));

  grpc::ClientContext status_context;
  Prepare(&status_context);
  v1::SchemaStatus schema;
  ASSERT_TRUE(
      storage->Schema()->GetSchemaStatus(&status_context, {}, &schema).ok());
  EXPECT_EQ(schema.current_version(), 0);
  EXPECT_EQ(schema.latest_version(), 3);
  EXPECT_EQ(schema.pending_size(), 3);

  grpc::ClientContext apply_context;
  Prepare(&apply_context);
  v1::ApplyMigrationsResponse applied;
  ASSERT_TRUE(
      storage->Schema()->ApplyMigrations(&apply_context, {}, &applied).ok());
  EXPECT_EQ(applied.applied_size(), 3);
  EXPECT_EQ(storage->Health(""), HealthCheckResponse::SERVING);
  EXPECT_EQ(storage->Health("opsbrain.v1.Repository"),
            HealthCheckResponse::SERVING);

  grpc::ClientContext again_context;
  Prepare(&again_context);
  status =
      storage->Repository()->GetConfiguration(&again_context, get, &config);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);

  // A second run has nothing to do.
  grpc::ClientContext twice_context;
  Prepare(&twice_context);
  ASSERT_TRUE(
      storage->Schema()->ApplyMigrations(&twice_context, {}, &applied).ok());
  EXPECT_EQ(applied.applied_size(), 0);
}

TEST_P(StorageBinaryTest, ServesRecordsWithMaskingAuditAndValidation) {
  std::unique_ptr<StorageProcess> storage = StartOrDie({"--migrate"});
  ASSERT_NE(storage, nullptr);
  auto repository = storage->Repository();

  // A sensitive configuration, written by an identified caller.
  v1::UpdateConfigurationRequest update;
  update.set_allow_missing(true);
  v1::Configuration* secret = update.mutable_configuration();
  secret->set_key("openai_api_key");
  secret->set_value("sk-FAKE-123");
  secret->set_category("openai");
  secret->set_is_sensitive(true);
  v1::Configuration stored;
  {
    grpc::ClientContext context;
    Prepare(&context, "read,write", "U-ops");
    grpc::Status status =
        repository->UpdateConfiguration(&context, update, &stored);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_TRUE(stored.value_redacted());
    EXPECT_EQ(stored.value(), "");
  }

  // Masked without the secrets scope, revealed with it.
  v1::GetConfigurationRequest get;
  get.set_key("openai_api_key");
  for (const std::string scopes : {"read", "read,secrets"}) {
    grpc::ClientContext context;
    Prepare(&context, scopes);
    v1::Configuration config;
    ASSERT_TRUE(repository->GetConfiguration(&context, get, &config).ok());
    bool revealed = scopes == "read,secrets";
    EXPECT_EQ(config.value(), revealed ? "sk-FAKE-123" : "") << scopes;
    EXPECT_EQ(config.value_redacted(), !revealed) << scopes;
  }

  // The audit row names the caller and hides the value.
  {
    grpc::ClientContext context;
    Prepare(&context, "read,secrets");
    v1::ListAuditEntriesRequest list;
    list.set_record_id("openai_api_key");
    v1::ListAuditEntriesResponse audit;
    ASSERT_TRUE(repository->ListAuditEntries(&context, list, &audit).ok());
    ASSERT_EQ(audit.audit_entries_size(), 1);
    EXPECT_EQ(audit.audit_entries(0).actor(), "U-ops");
    EXPECT_THAT(audit.audit_entries(0).new_values().DebugString(),
                Not(HasSubstr("sk-FAKE")));
  }

  // Bad input changes nothing and names the field.
  {
    grpc::ClientContext context;
    Prepare(&context);
    v1::UpdateConfigurationRequest bad = update;
    bad.mutable_configuration()->set_key("");
    v1::Configuration ignored;
    grpc::Status status =
        repository->UpdateConfiguration(&context, bad, &ignored);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(status.error_message(), HasSubstr("configuration.key"));
  }
}

// A request that must be refused: its RPC, and the field the message names.
struct BadRequest {
  const char* name;
  const char* field;
  std::function<grpc::Status(v1::Repository::Stub&, grpc::ClientContext*)> call;
};

grpc::Status PutConfiguration(v1::Repository::Stub& stub,
                              grpc::ClientContext* context,
                              const std::string& key, const std::string& value,
                              const std::string& category = "general") {
  v1::UpdateConfigurationRequest request;
  request.set_allow_missing(true);
  request.mutable_configuration()->set_key(key);
  request.mutable_configuration()->set_value(value);
  request.mutable_configuration()->set_category(category);
  v1::Configuration response;
  return stub.UpdateConfiguration(context, request, &response);
}

std::vector<BadRequest> BadRequests() {
  using Stub = v1::Repository::Stub;
  using Context = grpc::ClientContext;
  return {
      {"EmptyKey", "configuration.key",
       [](Stub& s, Context* c) { return PutConfiguration(s, c, "", "v"); }},
      {"OversizeValue", "configuration.value",
       [](Stub& s, Context* c) {
         return PutConfiguration(s, c, "k", std::string(65 * 1024, 'x'));
       }},
      // Protobuf refuses the bytes before any handler sees them, so this
      // message cannot name the field; see parse_error_interceptor.h.
      {"InvalidUtf8Value", "not valid UTF-8",
       [](Stub& s, Context* c) {
         return PutConfiguration(s, c, "k", "bad \xC3\x28 bytes");
       }},
      {"NulInKey", "configuration.key",
       [](Stub& s, Context* c) {
         return PutConfiguration(s, c, std::string("a\0b", 3), "v");
       }},
      {"UnknownCategory", "configuration.category",
       [](Stub& s, Context* c) {
         return PutConfiguration(s, c, "k", "v", "astrology");
       }},
      {"WrongSettingType", "app_setting.value",
       [](Stub& s, Context* c) {
         v1::UpdateAppSettingRequest request;
         request.set_allow_missing(true);
         request.mutable_app_setting()->set_key("max_concurrent_requests");
         request.mutable_app_setting()->set_value("ten");
         request.mutable_app_setting()->set_type(v1::AppSetting::INTEGER);
         v1::AppSetting response;
         return s.UpdateAppSetting(c, request, &response);
       }},
      {"UnknownEnumValue", "app_setting.type",
       [](Stub& s, Context* c) {
         v1::UpdateAppSettingRequest request;
         request.set_allow_missing(true);
         request.mutable_app_setting()->set_key("k");
         request.mutable_app_setting()->set_value("v");
         request.mutable_app_setting()->set_type(
             static_cast<v1::AppSetting::Type>(7));
         v1::AppSetting response;
         return s.UpdateAppSetting(c, request, &response);
       }},
      {"UnknownArea", "business_goal.area",
       [](Stub& s, Context* c) {
         v1::UpdateBusinessGoalRequest request;
         request.set_allow_missing(true);
         request.mutable_business_goal()->set_id("g1");
         request.mutable_business_goal()->set_title("t");
         request.mutable_business_goal()->set_area("astrology");
         v1::BusinessGoal response;
         return s.UpdateBusinessGoal(c, request, &response);
       }},
      {"TamperedPageToken", "page_token",
       [](Stub& s, Context* c) {
         v1::ListConfigurationsRequest request;
         request.set_page_size(1);
         request.set_page_token("b3BzYnJhaW4tdGFtcGVyZWQ");
         v1::ListConfigurationsResponse response;
         return s.ListConfigurations(c, request, &response);
       }},
      {"NegativePageSize", "page_size",
       [](Stub& s, Context* c) {
         v1::ListConfigurationsRequest request;
         request.set_page_size(-1);
         v1::ListConfigurationsResponse response;
         return s.ListConfigurations(c, request, &response);
       }},
      {"NanMetric", "performance_metric.value",
       [](Stub& s, Context* c) {
         v1::CreatePerformanceMetricRequest request;
         request.mutable_performance_metric()->set_name("m");
         request.mutable_performance_metric()->set_value(
             std::numeric_limits<double>::quiet_NaN());
         v1::PerformanceMetric response;
         return s.CreatePerformanceMetric(c, request, &response);
       }},
  };
}

TEST_P(StorageBinaryTest, BadInputIsInvalidArgumentAndStoresNothing) {
  std::unique_ptr<StorageProcess> storage = StartOrDie({"--migrate"});
  ASSERT_NE(storage, nullptr);
  auto repository = storage->Repository();
  {
    grpc::ClientContext context;
    Prepare(&context);
    ASSERT_TRUE(PutConfiguration(*repository, &context, "k", "original").ok());
  }

  for (const BadRequest& bad : BadRequests()) {
    grpc::ClientContext context;
    Prepare(&context);
    grpc::Status status = bad.call(*repository, &context);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << bad.name << ": " << status.error_message();
    EXPECT_THAT(status.error_message(), HasSubstr(bad.field)) << bad.name;
  }

  // Nothing changed: one configuration, one audit row, no settings, goals
  // or metrics.
  grpc::ClientContext context;
  Prepare(&context, "read,secrets");
  v1::ListAuditEntriesResponse audit;
  ASSERT_TRUE(repository->ListAuditEntries(&context, {}, &audit).ok());
  EXPECT_EQ(audit.audit_entries_size(), 1);
  grpc::ClientContext get_context;
  Prepare(&get_context);
  v1::GetConfigurationRequest get;
  get.set_key("k");
  v1::Configuration config;
  ASSERT_TRUE(repository->GetConfiguration(&get_context, get, &config).ok());
  EXPECT_EQ(config.value(), "original");
  grpc::ClientContext metrics_context;
  Prepare(&metrics_context);
  v1::ListPerformanceMetricsResponse metrics;
  ASSERT_TRUE(
      repository->ListPerformanceMetrics(&metrics_context, {}, &metrics).ok());
  EXPECT_EQ(metrics.performance_metrics_size(), 0);
}

TEST_P(StorageBinaryTest, SigtermLetsCallsInFlightFinishAndExitsZero) {
  std::unique_ptr<StorageProcess> storage =
      StartOrDie({"--migrate", "--drain_timeout=20s"});
  ASSERT_NE(storage, nullptr);

  // Writers send batches of metrics until the server goes away; every
  // batch either succeeds whole or is refused, never half-written.
  constexpr int kWriters = 4;
  constexpr int kMaxBatchesPerWriter = 200;
  constexpr int kBatchSize = 500;
  std::atomic<int> acknowledged{0};
  std::atomic<int> started{0};
  std::atomic<int> acknowledged_after_signal{0};
  std::atomic<bool> signalled{false};
  std::vector<grpc::Status> failures[kWriters];
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      auto repository = storage->Repository();
      for (int b = 0; b < kMaxBatchesPerWriter; ++b) {
        v1::BatchCreatePerformanceMetricsRequest batch;
        for (int i = 0; i < kBatchSize; ++i) {
          v1::PerformanceMetric* metric =
              batch.add_requests()->mutable_performance_metric();
          metric->set_name("drain_test");
          metric->set_value(i);
        }
        grpc::ClientContext context;
        Prepare(&context);
        v1::BatchCreatePerformanceMetricsResponse response;
        bool before = !signalled.load();
        started.fetch_add(1);
        grpc::Status status = repository->BatchCreatePerformanceMetrics(
            &context, batch, &response);
        if (status.ok()) {
          acknowledged.fetch_add(1);
          if (before && signalled.load()) acknowledged_after_signal++;
        } else {
          failures[w].push_back(status);
          return;
        }
      }
    });
  }

  // Signal while the writers are busy.
  const absl::Time give_up = absl::Now() + absl::Seconds(30);
  while (started.load() < kWriters * 3 && absl::Now() < give_up) {
    std::this_thread::yield();
  }
  signalled.store(true);
  ASSERT_TRUE(storage->process().Signal(SIGTERM).ok());
  absl::StatusOr<int> exit_code = storage->process().Wait(absl::Seconds(30));
  for (std::thread& writer : writers) writer.join();
  ASSERT_TRUE(exit_code.ok()) << exit_code.status();
  EXPECT_EQ(*exit_code, 0) << storage->process().output();
  EXPECT_THAT(storage->process().output(), HasSubstr("SIGTERM"));

  // Calls in flight at the signal completed. Calls that reached the server
  // after it stopped accepting were refused: UNAVAILABLE, or CANCELLED for
  // those gRPC had queued but not yet handed to a handler. None was
  // executed in part (see the count below).
  EXPECT_GT(acknowledged_after_signal.load(), 0);
  for (const auto& statuses : failures) {
    for (const grpc::Status& status : statuses) {
      EXPECT_THAT(status.error_code(),
                  ::testing::AnyOf(grpc::StatusCode::UNAVAILABLE,
                                   grpc::StatusCode::CANCELLED))
          << status.error_message();
    }
  }

  // Every acknowledged batch is stored, whole.
  std::unique_ptr<StorageProcess> again = StartOrDie({});
  ASSERT_NE(again, nullptr);
  int64_t stored = 0;
  std::string token;
  auto repository = again->Repository();
  do {
    grpc::ClientContext context;
    Prepare(&context);
    v1::ListPerformanceMetricsRequest list;
    list.set_name("drain_test");
    list.set_page_size(1000);
    list.set_page_token(token);
    v1::ListPerformanceMetricsResponse page;
    grpc::Status status =
        repository->ListPerformanceMetrics(&context, list, &page);
    ASSERT_TRUE(status.ok()) << status.error_message();
    stored += page.performance_metrics_size();
    token = page.next_page_token();
  } while (!token.empty());
  EXPECT_EQ(stored, int64_t{acknowledged.load()} * kBatchSize);
  EXPECT_GT(acknowledged.load(), 0);
}

TEST_P(StorageBinaryTest, ReflectionListsEveryService) {
  std::unique_ptr<StorageProcess> storage = StartOrDie({"--migrate"});
  ASSERT_NE(storage, nullptr);
  auto reflection =
      grpc::reflection::v1alpha::ServerReflection::NewStub(storage->channel());
  grpc::ClientContext context;
  Prepare(&context);
  auto stream = reflection->ServerReflectionInfo(&context);
  grpc::reflection::v1alpha::ServerReflectionRequest request;
  request.set_list_services("");
  ASSERT_TRUE(stream->Write(request));
  ASSERT_TRUE(stream->WritesDone());
  grpc::reflection::v1alpha::ServerReflectionResponse response;
  ASSERT_TRUE(stream->Read(&response));
  std::vector<std::string> names;
  for (const auto& service : response.list_services_response().service()) {
    names.push_back(service.name());
  }
  EXPECT_THAT(names, ::testing::IsSupersetOf(
                         {"opsbrain.v1.Repository", "opsbrain.v1.Schema",
                          "opsbrain.v1.Import", "grpc.health.v1.Health"}));
  while (stream->Read(&response)) {
  }
  EXPECT_TRUE(stream->Finish().ok());
}

TEST_P(StorageBinaryTest, UnknownDatabaseSchemeFailsStartWithoutLeakingIt) {
  absl::StatusOr<std::unique_ptr<Subprocess>> process = Subprocess::Start(
      {RunfilePath("storage_service/storage_service"), "--listen=127.0.0.1:0"},
      {{"DATABASE_URL", "mysql://root:hunter2@127.0.0.1/opsbrain"}});
  ASSERT_TRUE(process.ok());
  absl::StatusOr<int> exit_code = (*process)->Wait(absl::Seconds(30));
  ASSERT_TRUE(exit_code.ok());
  EXPECT_EQ(*exit_code, 1);
  EXPECT_THAT((*process)->output(), HasSubstr("unsupported scheme"));
  EXPECT_THAT((*process)->output(), Not(HasSubstr("hunter2")));
}

TEST_P(StorageBinaryTest, MetricsEndpointCountsCallsByMethodAndCode) {
  std::unique_ptr<StorageProcess> storage =
      StartOrDie({"--migrate", "--metrics_listen=127.0.0.1:0"});
  ASSERT_NE(storage, nullptr);
  auto repository = storage->Repository();

  // Three misses and one write.
  v1::GetConfigurationRequest get;
  get.set_key("absent");
  for (int i = 0; i < 3; ++i) {
    grpc::ClientContext context;
    Prepare(&context);
    v1::Configuration config;
    EXPECT_EQ(repository->GetConfiguration(&context, get, &config).error_code(),
              grpc::StatusCode::NOT_FOUND);
  }
  {
    grpc::ClientContext context;
    Prepare(&context);
    ASSERT_TRUE(PutConfiguration(*repository, &context, "k", "v").ok());
  }

  absl::StatusOr<std::string> page = storage->ScrapeMetrics();
  ASSERT_TRUE(page.ok()) << page.status();
  const std::string get_labels =
      "grpc_type=\"unary\",grpc_service=\"opsbrain.v1.Repository\","
      "grpc_method=\"GetConfiguration\"";
  EXPECT_EQ(
      SampleValue(*page, absl::StrCat("grpc_server_handled_total{", get_labels,
                                      ",grpc_code=\"NotFound\"}")),
      3)
      << *page;
  EXPECT_EQ(SampleValue(*page, absl::StrCat("grpc_server_started_total{",
                                            get_labels, "}")),
            3);
  EXPECT_EQ(
      SampleValue(*page, absl::StrCat("grpc_server_handling_seconds_count{",
                                      get_labels, "}")),
      3);
  EXPECT_EQ(
      SampleValue(*page, absl::StrCat("grpc_server_handling_seconds_bucket{",
                                      get_labels, ",le=\"+Inf\"}")),
      3);
  EXPECT_EQ(SampleValue(*page,
                        "grpc_server_handled_total{grpc_type=\"unary\","
                        "grpc_service=\"opsbrain.v1.Repository\","
                        "grpc_method=\"UpdateConfiguration\","
                        "grpc_code=\"OK\"}"),
            1);

  // The pool and the database probe are there too.
  EXPECT_EQ(SampleValue(*page, "opsbrain_db_pool_max_connections"), 8);
  EXPECT_TRUE(
      SampleValue(*page, "opsbrain_db_pool_connections{state=\"idle\"}"))
      << *page;
  EXPECT_TRUE(SampleValue(*page, "opsbrain_db_pool_waiting"));
  EXPECT_EQ(SampleValue(*page, "opsbrain_database_up"), 1);
  EXPECT_THAT(*page, HasSubstr("# TYPE grpc_server_handling_seconds "
                               "histogram\n"));
  EXPECT_THAT(*page, HasSubstr("opsbrain_db_statement_duration_seconds_count{"
                               "statement=\"SELECT configurations\"}"));
}

INSTANTIATE_TEST_SUITE_P(Backends, StorageBinaryTest,
                         ::testing::Values(Backend::kSqlite,
                                           Backend::kPostgres),
                         [](const ::testing::TestParamInfo<Backend>& info) {
                           return BackendName(info.param);
                         });

}  // namespace
}  // namespace opsbrain::testing
