// The public HTTP API end to end: the real gateway binary in front of the
// real storage_service binary, on SQLite and on PostgreSQL. Every route of
// the google.api.http annotations of opsbrain.v1.Repository is driven over
// HTTP on loopback, and what it answers is compared with what a direct gRPC
// call on the storage service answers, printed as the gateway prints JSON.
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "gmock/gmock.h"
#include "google/api/annotations.pb.h"
#include "google/api/http.pb.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/empty.pb.h"
#include "google/protobuf/message.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/status.h"
#include "gtest/gtest.h"
#include "opsbrain/v1/internal.grpc.pb.h"
#include "opsbrain/v1/repository.grpc.pb.h"
#include "tests/conformance/test_store.h"
#include "tests/e2e/store_stack.h"
#include "tests/gateway/http_test_client.h"

namespace opsbrain::testing {
namespace {

using ::google::protobuf::Message;
using ::opsbrain::gateway::testing::HttpTestClient;
using ::opsbrain::gateway::testing::TestHeaders;
using ::opsbrain::gateway::testing::TestResponse;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;

using Stub = v1::Repository::Stub;

template <typename Request, typename Response>
using Rpc = grpc::Status (Stub::*)(grpc::ClientContext*, const Request&,
                                   Response*);

// A direct call of a test case, for comparing errors.
using GrpcCall = std::function<grpc::Status(Stub&, grpc::ClientContext*)>;

constexpr absl::Duration kCallTimeout = absl::Seconds(10);
// The access log line of a request is written before its response; the
// test reads the gateway's log on another thread, so it may lag a little.
constexpr absl::Duration kLogTimeout = absl::Seconds(5);

// ---- The routes, by record kind ---------------------------------------------
//
// Each kind's test drives every method of its list over HTTP and then checks
// the gateway's access log for a 200 on each method's route; the coverage
// test checks that the lists hold every annotated method.

constexpr const char* kConfigurationMethods[] = {
    "GetConfiguration", "ListConfigurations", "UpdateConfiguration",
    "DeleteConfiguration"};
constexpr const char* kThreadContextMethods[] = {
    "GetThreadContext", "ListThreadContexts", "UpdateThreadContext",
    "DeleteThreadContext", "PurgeExpiredThreadContexts"};
constexpr const char* kBusinessGoalMethods[] = {
    "GetBusinessGoal", "ListBusinessGoals", "UpdateBusinessGoal",
    "DeleteBusinessGoal"};
constexpr const char* kAppSettingMethods[] = {
    "GetAppSetting", "ListAppSettings", "UpdateAppSetting", "DeleteAppSetting"};
constexpr const char* kUserPreferenceMethods[] = {
    "GetUserPreference", "ListUserPreferences", "UpdateUserPreference",
    "DeleteUserPreference"};
constexpr const char* kAuditEntryMethods[] = {"ListAuditEntries"};
constexpr const char* kPerformanceMetricMethods[] = {
    "CreatePerformanceMetric", "BatchCreatePerformanceMetrics",
    "ListPerformanceMetrics"};

const google::protobuf::ServiceDescriptor* RepositoryDescriptor() {
  return google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
      "opsbrain.v1.Repository");
}

struct HttpRoute {
  std::string verb;
  std::string path_template;
};

// The HTTP route that `method` of the Repository service is annotated with.
absl::StatusOr<HttpRoute> RouteOf(absl::string_view method) {
  const google::protobuf::MethodDescriptor* descriptor =
      RepositoryDescriptor()->FindMethodByName(std::string(method));
  if (descriptor == nullptr) {
    return absl::NotFoundError(absl::StrCat("no method ", method));
  }
  if (!descriptor->options().HasExtension(google::api::http)) {
    return absl::NotFoundError(absl::StrCat(method, " has no HTTP rule"));
  }
  const google::api::HttpRule& rule =
      descriptor->options().GetExtension(google::api::http);
  switch (rule.pattern_case()) {
    case google::api::HttpRule::kGet:
      return HttpRoute{"GET", rule.get()};
    case google::api::HttpRule::kPut:
      return HttpRoute{"PUT", rule.put()};
    case google::api::HttpRule::kPost:
      return HttpRoute{"POST", rule.post()};
    case google::api::HttpRule::kDelete:
      return HttpRoute{"DELETE", rule.delete_()};
    case google::api::HttpRule::kPatch:
      return HttpRoute{"PATCH", rule.patch()};
    default:
      return absl::UnimplementedError(
          absl::StrCat(method, ": no plain HTTP method in its rule"));
  }
}

// ---- Messages and JSON ------------------------------------------------------

template <typename T>
T Proto(absl::string_view text) {
  T message;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(std::string(text),
                                                            &message))
      << text;
  return message;
}

google::protobuf::Timestamp TimestampOf(absl::Time time) {
  google::protobuf::Timestamp timestamp;
  const int64_t micros = absl::ToUnixMicros(time);
  timestamp.set_seconds(micros / 1000000);
  timestamp.set_nanos(static_cast<int32_t>(micros % 1000000) * 1000);
  return timestamp;
}

// `message` as the gateway prints a response: gateway/transcoder.cc's
// MessageToJson options (defaults printed, unset messages left out).
std::string GatewayJson(const Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  std::string json;
  EXPECT_TRUE(
      google::protobuf::util::MessageToJsonString(message, &json, options)
          .ok());
  return json;
}

// Any JSON text as a google.protobuf.Value, whose objects compare as maps.
absl::StatusOr<google::protobuf::Value> JsonValue(const std::string& json) {
  google::protobuf::Value value;
  const auto status = google::protobuf::util::JsonStringToMessage(json, &value);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("not JSON: ", status.message().as_string(), ": ", json));
  }
  return value;
}

// A response body as a message of type T; unknown fields are an error.
template <typename T>
T FromJson(const std::string& json) {
  T message;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json, &message).ok())
      << "not a " << T::descriptor()->full_name() << ": " << json;
  return message;
}

// The "etag" member of a record's JSON.
std::string EtagIn(const std::string& json) {
  const google::protobuf::Struct record =
      FromJson<google::protobuf::Struct>(json);
  const auto etag = record.fields().find("etag");
  EXPECT_TRUE(etag != record.fields().end()) << json;
  return etag == record.fields().end() ? "" : etag->second.string_value();
}

// An entity tag as the ETag and If-Match headers carry it.
std::string Quoted(absl::string_view etag) {
  return absl::StrCat("\"", etag, "\"");
}

// True when `http_body` is a valid JSON form of `expected`'s type and holds
// the same JSON as `expected` printed the gateway's way: the same members
// with the same values, in any order.
::testing::AssertionResult SameJson(const std::string& http_body,
                                    const Message& expected) {
  std::unique_ptr<Message> typed(expected.New());
  if (!google::protobuf::util::JsonStringToMessage(http_body, typed.get())
           .ok()) {
    return ::testing::AssertionFailure()
           << "not a " << expected.GetDescriptor()->full_name() << ": "
           << http_body;
  }
  const std::string grpc_json = GatewayJson(expected);
  absl::StatusOr<google::protobuf::Value> http_value = JsonValue(http_body);
  absl::StatusOr<google::protobuf::Value> grpc_value = JsonValue(grpc_json);
  if (!http_value.ok() || !grpc_value.ok()) {
    return ::testing::AssertionFailure()
           << http_value.status() << " " << grpc_value.status();
  }
  if (!google::protobuf::util::MessageDifferencer::Equals(*http_value,
                                                          *grpc_value)) {
    return ::testing::AssertionFailure()
           << "\nHTTP: " << http_body << "\ngRPC: " << grpc_json;
  }
  return ::testing::AssertionSuccess();
}

// The error body the gateway owes for a failed call: google.rpc.Status.
google::rpc::Status ErrorOf(const grpc::Status& status) {
  google::rpc::Status body;
  if (!status.error_details().empty()) {
    body.ParseFromString(status.error_details());
  }
  body.set_code(status.error_code());
  body.set_message(status.error_message());
  return body;
}

template <typename Request, typename Response>
GrpcCall CallOf(Rpc<Request, Response> rpc, const char* request_text) {
  return [rpc, request_text](Stub& stub, grpc::ClientContext* context) {
    Response response;
    return (stub.*rpc)(context, Proto<Request>(request_text), &response);
  };
}

// A deadline, and the identity the gateway sends for `caller`.
void PrepareContext(grpc::ClientContext* context,
                    const TestCaller& caller = kWriter) {
  context->set_deadline(absl::ToChronoTime(absl::Now() + kCallTimeout));
  context->AddMetadata("x-opsbrain-actor", caller.name);
  context->AddMetadata("x-opsbrain-scopes", caller.metadata_scopes);
}

TestHeaders BearerFor(const TestCaller& caller) {
  return {{"Authorization", absl::StrCat("Bearer ", caller.token)}};
}

// ---- The fixture ------------------------------------------------------------

// A fresh database, storage service and gateway for each test: starting
// and stopping them takes about 0.1 s on SQLite and 0.4 s on PostgreSQL,
// cheap enough to buy independence between tests.
class HttpApiTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<StoreStack>> stack =
        StoreStack::Start(GetParam());
    ASSERT_TRUE(stack.ok()) << stack.status();
    stack_ = *std::move(stack);
    client_ = std::make_unique<HttpTestClient>(stack_->http_port());
    stub_ = v1::Repository::NewStub(stack_->storage_channel());
  }

  void TearDown() override {
    if (stack_ == nullptr) return;
    client_.reset();
    stub_.reset();
    const absl::Status stopped = stack_->Stop();
    EXPECT_TRUE(stopped.ok()) << stopped;
  }

  // One exchange through the gateway, as kWriter unless `headers` hold an
  // Authorization header of their own or `caller` says otherwise (nullptr:
  // no credentials). A body goes as application/json.
  TestResponse Http(absl::string_view method, absl::string_view target,
                    absl::string_view body = "", TestHeaders headers = {},
                    const TestCaller* caller = &kWriter) {
    bool authorization = false;
    for (const auto& [name, value] : headers) {
      authorization =
          authorization || absl::EqualsIgnoreCase(name, "Authorization");
    }
    if (caller != nullptr && !authorization) {
      for (auto& header : BearerFor(*caller)) headers.push_back(header);
    }
    if (!body.empty()) headers.push_back({"Content-Type", "application/json"});
    absl::StatusOr<TestResponse> response =
        client_->Send(method, target, body, headers);
    EXPECT_TRUE(response.ok())
        << method << " " << target << ": " << response.status();
    return response.ok() ? *std::move(response) : TestResponse();
  }

  // An exchange that must answer 200 with JSON; returns the body.
  std::string HttpOk(absl::string_view method, absl::string_view target,
                     absl::string_view body = "") {
    TestResponse response = Http(method, target, body);
    EXPECT_EQ(response.status, 200)
        << method << " " << target << ": " << response.body;
    EXPECT_EQ(response.Header("Content-Type"), "application/json");
    return response.body;
  }

  // A direct call on the storage service with the metadata the gateway
  // sends for `caller`; a failure fails the test.
  template <typename Request, typename Response>
  Response Grpc(Rpc<Request, Response> rpc, const Request& request,
                const TestCaller& caller = kWriter) {
    grpc::ClientContext context;
    PrepareContext(&context, caller);
    Response response;
    const grpc::Status status =
        (stub_.get()->*rpc)(&context, request, &response);
    EXPECT_TRUE(status.ok())
        << status.error_code() << " " << status.error_message();
    return response;
  }

  template <typename Request, typename Response>
  grpc::StatusCode GrpcCode(Rpc<Request, Response> rpc,
                            const Request& request) {
    grpc::ClientContext context;
    PrepareContext(&context);
    Response response;
    return (stub_.get()->*rpc)(&context, request, &response).error_code();
  }

  // GETs `target` through the gateway and expects the JSON of the direct
  // call `rpc(request)`.
  template <typename Request, typename Response>
  void ExpectReadMatchesGrpc(absl::string_view target,
                             Rpc<Request, Response> rpc,
                             const Request& request) {
    const std::string body = HttpOk("GET", target);
    EXPECT_TRUE(SameJson(body, Grpc(rpc, request))) << "GET " << target;
  }

  // Expects the gateway's access log to show a 200 on the route of each of
  // `methods`.
  void ExpectRoutesServed(absl::Span<const char* const> methods) {
    for (const char* method : methods) {
      absl::StatusOr<HttpRoute> route = RouteOf(method);
      ASSERT_TRUE(route.ok()) << route.status();
      const std::string needle =
          absl::StrCat("method=", route->verb, " route=", route->path_template,
                       " status=200 ");
      EXPECT_TRUE(
          stack_->gateway().WaitForLine({needle}, kLogTimeout).has_value())
          << method << ": no access log line with '" << needle << "'";
    }
  }

  // Stores a thread that expired a day ago, through the storage service's
  // Import API, which (unlike the public API) honours an expiry.
  void ImportExpiredThread(const std::string& thread_key) {
    std::unique_ptr<v1::Import::Stub> import =
        v1::Import::NewStub(stack_->storage_channel());
    v1::ImportRowsRequest request;
    v1::ThreadContext* thread = request.add_rows()->mutable_thread_context();
    thread->set_thread_key(thread_key);
    thread->add_messages("User: an old question");
    const absl::Time now = absl::Now();
    *thread->mutable_create_time() = TimestampOf(now - absl::Hours(48));
    *thread->mutable_update_time() = TimestampOf(now - absl::Hours(48));
    *thread->mutable_expire_time() = TimestampOf(now - absl::Hours(24));

    grpc::ClientContext context;
    PrepareContext(&context);
    v1::ImportRowsResponse response;
    std::unique_ptr<grpc::ClientWriter<v1::ImportRowsRequest>> writer =
        import->ImportRows(&context, &response);
    ASSERT_TRUE(writer->Write(request));
    ASSERT_TRUE(writer->WritesDone());
    const grpc::Status status = writer->Finish();
    ASSERT_TRUE(status.ok()) << status.error_message();
    int64_t imported = 0;
    for (const v1::TableImportCounts& table : response.tables()) {
      if (table.table_name() == "thread_contexts") imported = table.imported();
    }
    ASSERT_EQ(imported, 1) << response.ShortDebugString();
  }

  std::unique_ptr<StoreStack> stack_;
  std::unique_ptr<HttpTestClient> client_;
  std::unique_ptr<Stub> stub_;
};

// ---- One test per record kind -----------------------------------------------

TEST_P(HttpApiTest, ConfigurationRoutesMatchGrpc) {
  // An upsert creates it; the category is stored in lower case.
  std::string body = HttpOk(
      "PATCH", "/v1/configurations/app_name?allowMissing=true",
      R"({"value":"OpsBrain","category":"General","description":"Name"})");
  const auto get = Proto<v1::GetConfigurationRequest>("key: 'app_name'");
  EXPECT_TRUE(SameJson(body, Grpc(&Stub::GetConfiguration, get)));
  const v1::Configuration created = FromJson<v1::Configuration>(body);
  EXPECT_EQ(created.category(), "general");
  HttpOk("PATCH", "/v1/configurations/slack_channel?allowMissing=true",
         R"({"value":"#ops","category":"slack"})");

  // A mask names the only field that changes.
  body = HttpOk("PATCH", "/v1/configurations/app_name?updateMask=description",
                R"({"value":"ignored","description":"Shown in Slack"})");
  EXPECT_TRUE(SameJson(body, Grpc(&Stub::GetConfiguration, get)));
  const v1::Configuration updated = FromJson<v1::Configuration>(body);
  EXPECT_EQ(updated.value(), "OpsBrain");
  EXPECT_EQ(updated.description(), "Shown in Slack");
  EXPECT_NE(updated.etag(), created.etag());

  // Reads.
  ExpectReadMatchesGrpc("/v1/configurations/app_name", &Stub::GetConfiguration,
                        get);
  ExpectReadMatchesGrpc(
      "/v1/configurations?category=GENERAL", &Stub::ListConfigurations,
      Proto<v1::ListConfigurationsRequest>("category: 'GENERAL'"));
  ExpectReadMatchesGrpc("/v1/configurations", &Stub::ListConfigurations,
                        v1::ListConfigurationsRequest());
  EXPECT_EQ(FromJson<v1::ListConfigurationsResponse>(
                HttpOk("GET", "/v1/configurations?category=slack"))
                .configurations_size(),
            1);

  // A delete that names the current etag.
  body = HttpOk("DELETE", absl::StrCat("/v1/configurations/app_name?etag=",
                                       updated.etag()));
  EXPECT_TRUE(SameJson(body, google::protobuf::Empty()));
  EXPECT_EQ(GrpcCode(&Stub::GetConfiguration, get),
            grpc::StatusCode::NOT_FOUND);

  ExpectRoutesServed(kConfigurationMethods);
}

TEST_P(HttpApiTest, SensitiveConfigurationValueIsMaskedThroughTheGateway) {
  // A caller without the secrets scope never sees the value, not even in
  // the answer to its own write.
  std::string body = HttpOk(
      "PATCH", "/v1/configurations/openai_api_key?allowMissing=true",
      R"({"value":"sk-FAKE-123","category":"openai","isSensitive":true})");
  v1::Configuration config = FromJson<v1::Configuration>(body);
  EXPECT_TRUE(config.value_redacted());
  EXPECT_EQ(config.value(), "");

  // Nor can it claim the scope with the gateway's internal header.
  const auto get = Proto<v1::GetConfigurationRequest>("key: 'openai_api_key'");
  TestResponse response = Http("GET", "/v1/configurations/openai_api_key", "",
                               {{"X-Opsbrain-Scopes", "secrets"}});
  EXPECT_EQ(response.status, 200);
  EXPECT_THAT(response.body, Not(HasSubstr("sk-FAKE")));
  EXPECT_TRUE(SameJson(response.body, Grpc(&Stub::GetConfiguration, get)));
  EXPECT_TRUE(FromJson<v1::Configuration>(response.body).value_redacted());

  // A token with the secrets scope (admin) reads the stored value.
  response = Http("GET", "/v1/configurations/openai_api_key", "", {}, &kAdmin);
  EXPECT_EQ(response.status, 200);
  EXPECT_TRUE(
      SameJson(response.body, Grpc(&Stub::GetConfiguration, get, kAdmin)));
  config = FromJson<v1::Configuration>(response.body);
  EXPECT_EQ(config.value(), "sk-FAKE-123");
  EXPECT_FALSE(config.value_redacted());

  // A write that leaves is_sensitive out keeps it; lists mask too.
  body = HttpOk("PATCH",
                "/v1/configurations/openai_api_key?updateMask=description",
                R"({"description":"OpenAI key"})");
  config = FromJson<v1::Configuration>(body);
  EXPECT_TRUE(config.is_sensitive());
  EXPECT_TRUE(config.value_redacted());
  body = HttpOk("GET", "/v1/configurations?category=openai");
  EXPECT_THAT(body, Not(HasSubstr("sk-FAKE")));
  EXPECT_TRUE(SameJson(
      body, Grpc(&Stub::ListConfigurations,
                 Proto<v1::ListConfigurationsRequest>("category: 'openai'"))));

  // The audit log holds the placeholder, whoever reads it.
  response =
      Http("GET", "/v1/auditEntries?recordId=openai_api_key", "", {}, &kAdmin);
  EXPECT_EQ(response.status, 200);
  EXPECT_THAT(response.body, Not(HasSubstr("sk-FAKE")));
  EXPECT_THAT(response.body, HasSubstr("[REDACTED]"));
}

TEST_P(HttpApiTest, BearerTokenAndScopeGateEveryRoute) {
  struct AuthCase {
    const char* name;
    const char* method;
    const char* target;
    const char* body;
    TestHeaders headers;
    const TestCaller* caller;
    int http_status;
    // In the WWW-Authenticate header; "" when there must be none.
    const char* challenge;
  };
  const AuthCase kCases[] = {
      {"NoToken",
       "GET",
       "/v1/appSettings",
       "",
       {},
       nullptr,
       401,
       "Bearer realm="},
      {"UnknownToken",
       "GET",
       "/v1/appSettings",
       "",
       {{"Authorization", "Bearer opsb_not-a-known-token"}},
       nullptr,
       401,
       "invalid_token"},
      {"OtherScheme",
       "GET",
       "/v1/appSettings",
       "",
       {{"Authorization", "Basic ZTJlOmUyZQ=="}},
       nullptr,
       401,
       "Bearer realm="},
      {"ReaderReads", "GET", "/v1/appSettings", "", {}, &kReader, 200, ""},
      {"ReaderCannotWrite",
       "PATCH",
       "/v1/appSettings/locked?allowMissing=true",
       R"({"value":"v"})",
       {},
       &kReader,
       403,
       "insufficient_scope"},
      {"ReaderCannotDelete",
       "DELETE",
       "/v1/appSettings/locked",
       "",
       {},
       &kReader,
       403,
       "insufficient_scope"},
      {"ReaderCannotPurge",
       "POST",
       "/v1/threadContexts:purgeExpired",
       "",
       {},
       &kReader,
       403,
       "insufficient_scope"},
      {"WriterWrites",
       "PATCH",
       "/v1/appSettings/open?allowMissing=true",
       R"({"value":"v"})",
       {},
       &kWriter,
       200,
       ""},
      {"AdminWrites",
       "DELETE",
       "/v1/appSettings/open",
       "",
       {},
       &kAdmin,
       200,
       ""},
  };
  for (const AuthCase& auth : kCases) {
    SCOPED_TRACE(auth.name);
    const TestResponse response =
        Http(auth.method, auth.target, auth.body, auth.headers, auth.caller);
    EXPECT_EQ(response.status, auth.http_status) << response.body;
    if (*auth.challenge == '\0') {
      EXPECT_EQ(response.Header("WWW-Authenticate"), "");
    } else {
      EXPECT_THAT(response.Header("WWW-Authenticate"),
                  HasSubstr(auth.challenge));
    }
    if (response.status != 200) {
      EXPECT_NE(FromJson<google::rpc::Status>(response.body).code(), 0);
    }
  }

  // Nothing the reader tried was written; the writer's write is audited
  // under its token's name.
  EXPECT_EQ(GrpcCode(&Stub::GetAppSetting,
                     Proto<v1::GetAppSettingRequest>("key: 'locked'")),
            grpc::StatusCode::NOT_FOUND);
  const auto audit = FromJson<v1::ListAuditEntriesResponse>(
      HttpOk("GET", "/v1/auditEntries?tableName=app_settings"));
  ASSERT_EQ(audit.audit_entries_size(), 2);
  EXPECT_EQ(audit.audit_entries(0).actor(), kAdmin.name);
  EXPECT_EQ(audit.audit_entries(1).actor(), kWriter.name);
  EXPECT_TRUE(stack_->gateway()
                  .WaitForLine({"status=403", "caller=e2e-reader"}, kLogTimeout)
                  .has_value());
}

TEST_P(HttpApiTest, ThreadContextRoutesMatchGrpc) {
  // A thread's key holds a ':', raw in the path.
  std::string body = HttpOk(
      "PATCH", "/v1/threadContexts/C123:1712345678.000100?allowMissing=true",
      R"({"messages":["User: status?","OpsBrain: all green"]})");
  const auto get = Proto<v1::GetThreadContextRequest>(
      "thread_key: 'C123:1712345678.000100'");
  EXPECT_TRUE(SameJson(body, Grpc(&Stub::GetThreadContext, get)));
  const v1::ThreadContext saved = FromJson<v1::ThreadContext>(body);
  EXPECT_EQ(saved.channel_id(), "C123");
  EXPECT_EQ(saved.thread_ts(), "1712345678.000100");
  HttpOk("PATCH", "/v1/threadContexts/C123?allowMissing=true",
         R"({"messages":["User: hello"]})");
  HttpOk("PATCH", "/v1/threadContexts/C999:1.2?allowMissing=true",
         R"({"messages":["User: elsewhere"]})");

  // Reads, with the ':' raw and percent-encoded.
  ExpectReadMatchesGrpc("/v1/threadContexts/C123:1712345678.000100",
                        &Stub::GetThreadContext, get);
  ExpectReadMatchesGrpc("/v1/threadContexts/C123%3A1712345678.000100",
                        &Stub::GetThreadContext, get);
  ExpectReadMatchesGrpc(
      "/v1/threadContexts/C123", &Stub::GetThreadContext,
      Proto<v1::GetThreadContextRequest>("thread_key: 'C123'"));
  const auto list = Proto<v1::ListThreadContextsRequest>("channel_id: 'C123'");
  ExpectReadMatchesGrpc("/v1/channels/C123/threadContexts",
                        &Stub::ListThreadContexts, list);
  const auto threads = FromJson<v1::ListThreadContextsResponse>(
      HttpOk("GET", "/v1/channels/C123/threadContexts"));
  std::vector<std::string> keys;
  for (const v1::ThreadContext& thread : threads.thread_contexts()) {
    keys.push_back(thread.thread_key());
  }
  EXPECT_THAT(keys, ElementsAre("C123", "C123:1712345678.000100"));

  // A save replaces the messages and slides the expiry.
  body = HttpOk("PATCH",
                "/v1/threadContexts/C123:1712345678.000100"
                "?updateMask=messages",
                R"({"messages":["User: status?","OpsBrain: all green",)"
                R"("User: thanks"]})");
  EXPECT_TRUE(SameJson(body, Grpc(&Stub::GetThreadContext, get)));
  const v1::ThreadContext resaved = FromJson<v1::ThreadContext>(body);
  EXPECT_EQ(resaved.messages_size(), 3);
  EXPECT_GE(resaved.expire_time().seconds(), saved.expire_time().seconds());

  // Delete.
  body = HttpOk("DELETE", "/v1/threadContexts/C123:1712345678.000100");
  EXPECT_TRUE(SameJson(body, google::protobuf::Empty()));
  EXPECT_EQ(Http("GET", "/v1/threadContexts/C123:1712345678.000100").status,
            404);

  // An expired thread reads as absent until the purge deletes it.
  ImportExpiredThread("C123:1600000000.000001");
  EXPECT_EQ(Http("GET", "/v1/threadContexts/C123:1600000000.000001").status,
            404);
  body = HttpOk("POST", "/v1/threadContexts:purgeExpired");
  EXPECT_EQ(
      FromJson<v1::PurgeExpiredThreadContextsResponse>(body).deleted_count(), 1)
      << body;
  EXPECT_THAT(body, HasSubstr(R"("deletedCount":"1")"));
  body = HttpOk("POST", "/v1/threadContexts:purgeExpired", "{}");
  EXPECT_TRUE(SameJson(body, Grpc(&Stub::PurgeExpiredThreadContexts,
                                  v1::PurgeExpiredThreadContextsRequest())));
  ExpectReadMatchesGrpc("/v1/channels/C123/threadContexts",
                        &Stub::ListThreadContexts, list);

  ExpectRoutesServed(kThreadContextMethods);
}

TEST_P(HttpApiTest, BusinessGoalRoutesMatchGrpc) {
  // Area and status in any letter case are stored in lower case.
  std::string body = HttpOk(
      "PATCH", "/v1/businessGoals/sales_1?allowMissing=true",
      R"({"title":"Close 5 deals","area":"SALES","status":"In_Progress",)"
      R"("priority":3,"targetDate":{"year":2026,"month":12,"day":31},)"
      R"("weeklyActions":["Call 10 leads"],)"
      R"("successMetrics":{"deals":5,"pipeline":"qualified"}})");
  const auto get = Proto<v1::GetBusinessGoalRequest>("id: 'sales_1'");
  EXPECT_TRUE(SameJson(body, Grpc(&Stub::GetBusinessGoal, get)));
  const v1::BusinessGoal created = FromJson<v1::BusinessGoal>(body);
  EXPECT_EQ(created.area(), "sales");
  EXPECT_EQ(created.status(), "in_progress");
  HttpOk("PATCH", "/v1/businessGoals/sales_2?allowMissing=true",
         R"({"title":"Renew key accounts","area":"sales","status":"BLOCKED"})");
  HttpOk("PATCH", "/v1/businessGoals/delivery_1?allowMissing=true",
         R"({"title":"Ship on time","area":"Delivery","priority":4})");

  // Filters in any letter case; ordered by priority, critical first.
  struct FilterCase {
    const char* query;
    const char* request;
    std::vector<std::string> ids;
  };
  const FilterCase kFilters[] = {
      {"", "", {"delivery_1", "sales_1", "sales_2"}},
      {"?area=Sales", "area: 'Sales'", {"sales_1", "sales_2"}},
      {"?area=sales&status=IN_PROGRESS",
       "area: 'sales' status: 'IN_PROGRESS'",
       {"sales_1"}},
      {"?status=not_started", "status: 'not_started'", {"delivery_1"}},
      {"?area=team", "area: 'team'", {}},
  };
  for (const FilterCase& filter : kFilters) {
    const std::string target = absl::StrCat("/v1/businessGoals", filter.query);
    ExpectReadMatchesGrpc(target, &Stub::ListBusinessGoals,
                          Proto<v1::ListBusinessGoalsRequest>(filter.request));
    const auto goals =
        FromJson<v1::ListBusinessGoalsResponse>(HttpOk("GET", target));
    std::vector<std::string> ids;
    for (const v1::BusinessGoal& goal : goals.business_goals()) {
      ids.push_back(goal.id());
    }
    EXPECT_EQ(ids, filter.ids) << target;
  }

  // A masked update changes only the named fields.
  body = HttpOk("PATCH", "/v1/businessGoals/sales_1?updateMask=progress,notes",
                R"({"progress":40,"notes":"2 of 5","title":"ignored"})");
  EXPECT_TRUE(SameJson(body, Grpc(&Stub::GetBusinessGoal, get)));
  const v1::BusinessGoal updated = FromJson<v1::BusinessGoal>(body);
  EXPECT_EQ(updated.progress(), 40);
  EXPECT_EQ(updated.title(), "Close 5 deals");
  ExpectReadMatchesGrpc("/v1/businessGoals/sales_1", &Stub::GetBusinessGoal,
                        get);

  body = HttpOk("DELETE", "/v1/businessGoals/sales_2");
  EXPECT_TRUE(SameJson(body, google::protobuf::Empty()));
  EXPECT_EQ(GrpcCode(&Stub::GetBusinessGoal,
                     Proto<v1::GetBusinessGoalRequest>("id: 'sales_2'")),
            grpc::StatusCode::NOT_FOUND);

  ExpectRoutesServed(kBusinessGoalMethods);
}

TEST_P(HttpApiTest, AppSettingRoutesMatchGrpc) {
  // Values are stored in the canonical form of their type.
  std::string body =
      HttpOk("PATCH", "/v1/appSettings/daily_digest?allowMissing=true",
             R"({"value":"Yes","type":"BOOLEAN","description":"Digest"})");
  const auto get = Proto<v1::GetAppSettingRequest>("key: 'daily_digest'");
  EXPECT_TRUE(SameJson(body, Grpc(&Stub::GetAppSetting, get)));
  EXPECT_EQ(FromJson<v1::AppSetting>(body).value(), "true");
  body = HttpOk("PATCH", "/v1/appSettings/max_requests?allowMissing=true",
                R"({"value":"0010","type":"INTEGER"})");
  EXPECT_EQ(FromJson<v1::AppSetting>(body).value(), "10");

  // A new value alone is checked against the stored type.
  body = HttpOk("PATCH", "/v1/appSettings/daily_digest?updateMask=value",
                R"({"value":"off"})");
  EXPECT_TRUE(SameJson(body, Grpc(&Stub::GetAppSetting, get)));
  const v1::AppSetting updated = FromJson<v1::AppSetting>(body);
  EXPECT_EQ(updated.value(), "false");
  EXPECT_EQ(updated.type(), v1::AppSetting::BOOLEAN);

  ExpectReadMatchesGrpc("/v1/appSettings/daily_digest", &Stub::GetAppSetting,
                        get);
  ExpectReadMatchesGrpc("/v1/appSettings", &Stub::ListAppSettings,
                        v1::ListAppSettingsRequest());

  body = HttpOk("DELETE", "/v1/appSettings/daily_digest");
  EXPECT_TRUE(SameJson(body, google::protobuf::Empty()));
  EXPECT_EQ(GrpcCode(&Stub::GetAppSetting, get), grpc::StatusCode::NOT_FOUND);

  ExpectRoutesServed(kAppSettingMethods);
}

TEST_P(HttpApiTest, UserPreferenceRoutesMatchGrpc) {
  std::string body =
      HttpOk("PATCH", "/v1/users/U123/preferences/timezone?allowMissing=true",
             R"({"value":"Europe/Paris"})");
  const auto get =
      Proto<v1::GetUserPreferenceRequest>("user_id: 'U123' key: 'timezone'");
  EXPECT_TRUE(SameJson(body, Grpc(&Stub::GetUserPreference, get)));
  HttpOk("PATCH", "/v1/users/U123/preferences/language?allowMissing=true",
         R"({"value":"fr"})");
  HttpOk("PATCH", "/v1/users/U456/preferences/language?allowMissing=true",
         R"({"value":"en"})");

  body = HttpOk("PATCH", "/v1/users/U123/preferences/timezone",
                R"({"value":"UTC"})");
  EXPECT_TRUE(SameJson(body, Grpc(&Stub::GetUserPreference, get)));
  EXPECT_EQ(FromJson<v1::UserPreference>(body).value(), "UTC");

  ExpectReadMatchesGrpc("/v1/users/U123/preferences/timezone",
                        &Stub::GetUserPreference, get);
  ExpectReadMatchesGrpc(
      "/v1/users/U123/preferences", &Stub::ListUserPreferences,
      Proto<v1::ListUserPreferencesRequest>("user_id: 'U123'"));
  EXPECT_EQ(FromJson<v1::ListUserPreferencesResponse>(
                HttpOk("GET", "/v1/users/U123/preferences"))
                .user_preferences_size(),
            2);

  body = HttpOk("DELETE", "/v1/users/U123/preferences/timezone");
  EXPECT_TRUE(SameJson(body, google::protobuf::Empty()));
  EXPECT_EQ(GrpcCode(&Stub::GetUserPreference, get),
            grpc::StatusCode::NOT_FOUND);

  ExpectRoutesServed(kUserPreferenceMethods);
}

TEST_P(HttpApiTest, AuditEntriesListEveryWriteNewestFirst) {
  HttpOk("PATCH", "/v1/configurations/report_hour?allowMissing=true",
         R"({"value":"9","category":"scheduling"})");
  HttpOk("PATCH", "/v1/configurations/report_hour", R"({"value":"10"})");
  HttpOk("DELETE", "/v1/configurations/report_hour");
  HttpOk("PATCH", "/v1/users/U1/preferences/tz?allowMissing=true",
         R"({"value":"UTC"})");

  const std::string target =
      "/v1/auditEntries?tableName=configurations&recordId=report_hour";
  ExpectReadMatchesGrpc(
      target, &Stub::ListAuditEntries,
      Proto<v1::ListAuditEntriesRequest>("table_name: 'configurations' "
                                         "record_id: 'report_hour'"));
  const auto audit =
      FromJson<v1::ListAuditEntriesResponse>(HttpOk("GET", target));
  std::vector<v1::AuditEntry::Action> actions;
  for (const v1::AuditEntry& entry : audit.audit_entries()) {
    actions.push_back(entry.action());
    EXPECT_EQ(entry.actor(), kWriter.name);
  }
  EXPECT_THAT(actions,
              ElementsAre(v1::AuditEntry::DELETE, v1::AuditEntry::UPDATE,
                          v1::AuditEntry::INSERT));

  // A preference's record id holds a '/', raw or encoded in the query.
  const auto preference =
      Proto<v1::ListAuditEntriesRequest>("record_id: 'U1/tz'");
  ExpectReadMatchesGrpc("/v1/auditEntries?recordId=U1/tz",
                        &Stub::ListAuditEntries, preference);
  ExpectReadMatchesGrpc("/v1/auditEntries?record_id=U1%2Ftz",
                        &Stub::ListAuditEntries, preference);
  ExpectReadMatchesGrpc("/v1/auditEntries", &Stub::ListAuditEntries,
                        v1::ListAuditEntriesRequest());

  ExpectRoutesServed(kAuditEntryMethods);
}

TEST_P(HttpApiTest, PerformanceMetricRoutesMatchGrpc) {
  std::string body =
      HttpOk("POST", "/v1/performanceMetrics",
             R"({"name":"slack_response_time","value":1.25,"unit":"seconds",)"
             R"("additionalData":{"channel":"C123"}})");
  const v1::PerformanceMetric created = FromJson<v1::PerformanceMetric>(body);
  EXPECT_GT(created.id(), 0);
  EXPECT_TRUE(created.has_time());
  const v1::ListPerformanceMetricsResponse by_name = Grpc(
      &Stub::ListPerformanceMetrics,
      Proto<v1::ListPerformanceMetricsRequest>("name: 'slack_response_time'"));
  ASSERT_EQ(by_name.performance_metrics_size(), 1);
  EXPECT_TRUE(SameJson(body, by_name.performance_metrics(0)));

  // A batch, with explicit times; the answer is in request order.
  body = HttpOk("POST", "/v1/performanceMetrics:batchCreate",
                R"({"requests":[)"
                R"({"performanceMetric":{"name":"openai_tokens","value":512,)"
                R"("unit":"count","time":"2026-01-01T10:00:00Z"}},)"
                R"({"performanceMetric":{"name":"openai_tokens","value":300,)"
                R"("unit":"count","time":"2026-01-01T11:00:00Z"}},)"
                R"({"performanceMetric":{"name":"openai_tokens","value":128.5,)"
                R"("unit":"count","time":"2026-01-01T12:00:00Z"}}]})");
  const v1::ListPerformanceMetricsResponse tokens =
      Grpc(&Stub::ListPerformanceMetrics,
           Proto<v1::ListPerformanceMetricsRequest>("name: 'openai_tokens'"));
  ASSERT_EQ(tokens.performance_metrics_size(), 3);
  v1::BatchCreatePerformanceMetricsResponse stored;
  for (int i = tokens.performance_metrics_size() - 1; i >= 0; --i) {
    *stored.add_performance_metrics() = tokens.performance_metrics(i);
  }
  EXPECT_TRUE(SameJson(body, stored));

  // Time windows: the start is inclusive, the end exclusive; offsets are
  // RFC 3339, with '+' percent-encoded in a query.
  struct WindowCase {
    const char* query;
    const char* request;
    std::vector<double> values;
  };
  const WindowCase kWindows[] = {
      {"&startTime=2026-01-01T10:00:00Z&endTime=2026-01-01T12:00:00Z",
       "start_time { seconds: 1767261600 } end_time { seconds: 1767268800 }",
       {300, 512}},
      {"&startTime=2026-01-01T12:00:00%2B01:00",
       "start_time { seconds: 1767265200 }",
       {128.5, 300}},
      {"&endTime=2026-01-01T10:00:00.000001Z",
       "end_time { seconds: 1767261600 nanos: 1000 }",
       {512}},
  };
  for (const WindowCase& window : kWindows) {
    const std::string target =
        absl::StrCat("/v1/performanceMetrics?name=openai_tokens", window.query);
    ExpectReadMatchesGrpc(target, &Stub::ListPerformanceMetrics,
                          Proto<v1::ListPerformanceMetricsRequest>(absl::StrCat(
                              "name: 'openai_tokens' ", window.request)));
    const auto metrics =
        FromJson<v1::ListPerformanceMetricsResponse>(HttpOk("GET", target));
    std::vector<double> values;
    for (const v1::PerformanceMetric& metric : metrics.performance_metrics()) {
      values.push_back(metric.value());
    }
    EXPECT_EQ(values, window.values) << target;
  }
  ExpectReadMatchesGrpc("/v1/performanceMetrics", &Stub::ListPerformanceMetrics,
                        v1::ListPerformanceMetricsRequest());

  ExpectRoutesServed(kPerformanceMetricMethods);
}

// ---- Across kinds -----------------------------------------------------------

TEST_P(HttpApiTest, ListsFollowNextPageTokenThroughTheGateway) {
  constexpr int kRecords = 5;
  constexpr int kPageSize = 2;
  constexpr int kMaxPages = 10;

  // Each list: how to add its i-th record, its HTTP target (ending in '?'
  // or '&'), and the same list by direct call for a page token.
  struct PagedList {
    const char* name;
    std::function<void(int)> add;
    std::string target;
    std::function<std::unique_ptr<Message>(const std::string&)> grpc_page;
  };
  auto page_of = [this](auto rpc, auto request) {
    return [this, rpc,
            request](const std::string& token) -> std::unique_ptr<Message> {
      auto page_request = request;
      page_request.set_page_size(kPageSize);
      page_request.set_page_token(token);
      auto response = Grpc(rpc, page_request);
      return std::make_unique<decltype(response)>(std::move(response));
    };
  };
  const std::vector<PagedList> lists = {
      {"Configurations",
       [this](int i) {
         HttpOk(
             "PATCH",
             absl::StrCat("/v1/configurations/page_", i, "?allowMissing=true"),
             R"({"value":"v","category":"slack"})");
       },
       "/v1/configurations?category=slack&",
       page_of(&Stub::ListConfigurations,
               Proto<v1::ListConfigurationsRequest>("category: 'slack'"))},
      {"ThreadContexts",
       [this](int i) {
         HttpOk("PATCH",
                absl::StrCat("/v1/threadContexts/CPAGE:", i,
                             ".0?allowMissing=true"),
                R"({"messages":["m"]})");
       },
       "/v1/channels/CPAGE/threadContexts?",
       page_of(&Stub::ListThreadContexts,
               Proto<v1::ListThreadContextsRequest>("channel_id: 'CPAGE'"))},
      {"BusinessGoals",
       [this](int i) {
         HttpOk(
             "PATCH",
             absl::StrCat("/v1/businessGoals/team_", i, "?allowMissing=true"),
             absl::StrCat(R"({"title":"t","area":"team","priority":)",
                          1 + i % 4, "}"));
       },
       "/v1/businessGoals?area=TEAM&",
       page_of(&Stub::ListBusinessGoals,
               Proto<v1::ListBusinessGoalsRequest>("area: 'TEAM'"))},
      {"AppSettings",
       [this](int i) {
         HttpOk("PATCH",
                absl::StrCat("/v1/appSettings/page_", i, "?allowMissing=true"),
                R"({"value":"v"})");
       },
       "/v1/appSettings?",
       page_of(&Stub::ListAppSettings, v1::ListAppSettingsRequest())},
      {"UserPreferences",
       [this](int i) {
         HttpOk("PATCH",
                absl::StrCat("/v1/users/UPAGE/preferences/page_", i,
                             "?allowMissing=true"),
                R"({"value":"v"})");
       },
       "/v1/users/UPAGE/preferences?",
       page_of(&Stub::ListUserPreferences,
               Proto<v1::ListUserPreferencesRequest>("user_id: 'UPAGE'"))},
      {"AuditEntries",
       [this](int i) {
         HttpOk("PATCH", "/v1/configurations/audited?allowMissing=true",
                absl::StrCat(R"({"value":"v)", i, R"("})"));
       },
       "/v1/auditEntries?recordId=audited&",
       page_of(&Stub::ListAuditEntries,
               Proto<v1::ListAuditEntriesRequest>("record_id: 'audited'"))},
      {"PerformanceMetrics",
       [this](int i) {
         HttpOk("POST", "/v1/performanceMetrics",
                absl::StrCat(R"({"name":"paged","value":)", i, "}"));
       },
       "/v1/performanceMetrics?name=paged&",
       page_of(&Stub::ListPerformanceMetrics,
               Proto<v1::ListPerformanceMetricsRequest>("name: 'paged'"))},
  };

  for (const PagedList& list : lists) {
    SCOPED_TRACE(list.name);
    for (int i = 0; i < kRecords; ++i) list.add(i);

    // Page by page, each page as the direct call gives it.
    int items = 0;
    int pages = 0;
    std::string token;
    do {
      ASSERT_LT(pages, kMaxPages) << "the pages do not end";
      std::string target = absl::StrCat(list.target, "pageSize=", kPageSize);
      if (!token.empty()) absl::StrAppend(&target, "&pageToken=", token);
      const std::string body = HttpOk("GET", target);
      EXPECT_TRUE(SameJson(body, *list.grpc_page(token))) << target;

      absl::StatusOr<google::protobuf::Value> page = JsonValue(body);
      ASSERT_TRUE(page.ok()) << page.status();
      token.clear();
      for (const auto& [name, value] : page->struct_value().fields()) {
        if (name == "nextPageToken") token = value.string_value();
        if (value.has_list_value()) {
          EXPECT_LE(value.list_value().values_size(), kPageSize);
          items += value.list_value().values_size();
        }
      }
      ++pages;
    } while (!token.empty());
    EXPECT_EQ(items, kRecords);
    EXPECT_EQ(pages, (kRecords + kPageSize - 1) / kPageSize);
  }
}

TEST_P(HttpApiTest, ErrorsKeepTheirCodeAndMessageThroughTheGateway) {
  struct ErrorCase {
    const char* name;
    const char* method;
    const char* target;
    const char* body;
    int http_status;
    // What the message must name: the record, or the field at fault.
    const char* names;
    GrpcCall call;
  };
  const ErrorCase kCases[] = {
      {"MissingConfiguration", "GET", "/v1/configurations/absent", "", 404,
       "absent", CallOf(&Stub::GetConfiguration, "key: 'absent'")},
      {"MissingThread", "GET", "/v1/threadContexts/C1:1.5", "", 404, "C1:1.5",
       CallOf(&Stub::GetThreadContext, "thread_key: 'C1:1.5'")},
      {"UpdateOfMissingWithoutAllowMissing", "PATCH",
       "/v1/users/U1/preferences/tz", R"({"value":"UTC"})", 404, "U1",
       CallOf(&Stub::UpdateUserPreference,
              "user_preference { user_id: 'U1' key: 'tz' value: 'UTC' }")},
      {"DeleteOfMissing", "DELETE", "/v1/appSettings/absent", "", 404, "absent",
       CallOf(&Stub::DeleteAppSetting, "key: 'absent'")},
      {"GoalWithoutArea", "PATCH", "/v1/businessGoals/g1?allowMissing=true",
       R"({"title":"t"})", 400, "business_goal.area",
       CallOf(&Stub::UpdateBusinessGoal,
              "business_goal { id: 'g1' title: 't' } allow_missing: true")},
      {"GoalWithEmptyAreaInMask", "PATCH",
       "/v1/businessGoals/g1?allowMissing=true&updateMask=title,area",
       R"({"title":"t","area":""})", 400, "business_goal.area",
       CallOf(&Stub::UpdateBusinessGoal,
              "business_goal { id: 'g1' title: 't' } allow_missing: true "
              "update_mask { paths: 'title' paths: 'area' }")},
      {"UnknownAreaFilter", "GET", "/v1/businessGoals?area=astrology", "", 400,
       "area", CallOf(&Stub::ListBusinessGoals, "area: 'astrology'")},
      {"BadPageToken", "GET", "/v1/businessGoals?pageToken=garbage", "", 400,
       "page_token", CallOf(&Stub::ListBusinessGoals, "page_token: 'garbage'")},
      {"NegativePageSize", "GET", "/v1/appSettings?pageSize=-1", "", 400,
       "page_size", CallOf(&Stub::ListAppSettings, "page_size: -1")},
      {"StartAfterEnd", "GET",
       "/v1/performanceMetrics?startTime=2026-01-02T00:00:00Z"
       "&endTime=2026-01-01T00:00:00Z",
       "", 400, "start_time",
       CallOf(&Stub::ListPerformanceMetrics,
              "start_time { seconds: 1767312000 } "
              "end_time { seconds: 1767225600 }")},
      {"ThreadKeyEndingInColon", "GET", "/v1/threadContexts/C1:", "", 400,
       "thread_key", CallOf(&Stub::GetThreadContext, "thread_key: 'C1:'")},
      {"SettingValueOfTheWrongType", "PATCH",
       "/v1/appSettings/max_requests?allowMissing=true",
       R"({"value":"ten","type":"INTEGER"})", 400, "app_setting.value",
       CallOf(&Stub::UpdateAppSetting,
              "app_setting { key: 'max_requests' value: 'ten' type: INTEGER } "
              "allow_missing: true")},
      {"EmptyMetricName", "POST", "/v1/performanceMetrics", R"({"value":1})",
       400, "performance_metric.name",
       CallOf(&Stub::CreatePerformanceMetric,
              "performance_metric { value: 1 }")},
  };

  for (const ErrorCase& error : kCases) {
    SCOPED_TRACE(error.name);
    const TestResponse response = Http(error.method, error.target, error.body);
    EXPECT_EQ(response.status, error.http_status) << response.body;
    EXPECT_EQ(response.Header("Content-Type"), "application/json");

    // The body is the google.rpc.Status of the direct call.
    grpc::ClientContext context;
    PrepareContext(&context);
    const grpc::Status direct = error.call(*stub_, &context);
    EXPECT_FALSE(direct.ok());
    EXPECT_TRUE(SameJson(response.body, ErrorOf(direct)));
    EXPECT_THAT(FromJson<google::rpc::Status>(response.body).message(),
                HasSubstr(error.names));
  }
}

TEST_P(HttpApiTest, StaleEtagIsRefusedAndChangesNothing) {
  // Each record kind: its path, a body that creates it, and fields that
  // change it (a JSON object's members, without braces).
  struct EtagCase {
    const char* path;
    const char* create;
    const char* change;
  };
  const EtagCase kCases[] = {
      {"/v1/configurations/etag_config", R"({"value":"1"})", R"("value":"2")"},
      {"/v1/threadContexts/CETAG:1.0", R"({"messages":["a"]})",
       R"("messages":["a","b"])"},
      {"/v1/businessGoals/etag_goal", R"({"title":"t","area":"team"})",
       R"("progress":10)"},
      {"/v1/appSettings/etag_setting", R"({"value":"1","type":"INTEGER"})",
       R"("value":"2")"},
      {"/v1/users/UETAG/preferences/etag_pref", R"({"value":"1"})",
       R"("value":"2")"},
  };

  for (const EtagCase& record : kCases) {
    SCOPED_TRACE(record.path);
    const std::string first_etag =
        EtagIn(HttpOk("PATCH", absl::StrCat(record.path, "?allowMissing=true"),
                      record.create));
    const std::string change = absl::StrCat("{", record.change, "}");
    auto change_with = [&](const std::string& etag) {
      return Http(
          "PATCH", record.path,
          absl::StrCat("{", record.change, R"(,"etag":")", etag, R"("})"));
    };

    // The current etag writes; the ETag header carries the new one.
    TestResponse response = change_with(first_etag);
    ASSERT_EQ(response.status, 200) << response.body;
    const std::string current = response.body;
    const std::string etag = EtagIn(current);
    EXPECT_NE(etag, first_etag);
    EXPECT_EQ(response.Header("ETag"), Quoted(etag));

    // The first etag is now stale: 409 when the body or the query carries
    // it, 412 when If-Match does.
    const TestHeaders if_match = {{"If-Match", Quoted(first_etag)}};
    for (const auto& [stale, http_status] :
         {std::pair(change_with(first_etag), 409),
          std::pair(
              Http("DELETE", absl::StrCat(record.path, "?etag=", first_etag)),
              409),
          std::pair(Http("PATCH", record.path, change, if_match), 412),
          std::pair(Http("DELETE", record.path, "", if_match), 412)}) {
      EXPECT_EQ(stale.status, http_status) << stale.body;
      const google::rpc::Status error =
          FromJson<google::rpc::Status>(stale.body);
      EXPECT_EQ(error.code(), grpc::StatusCode::ABORTED);
      EXPECT_THAT(error.message(), HasSubstr("etag"));
    }
    response = Http("GET", record.path);
    EXPECT_EQ(response.body, current);
    EXPECT_EQ(response.Header("ETag"), Quoted(etag));

    // The current etag deletes.
    HttpOk("DELETE", absl::StrCat(record.path, "?etag=", etag));
    EXPECT_EQ(Http("GET", record.path).status, 404);
  }
}

TEST_P(HttpApiTest, RequestIdIsEchoedOrMade) {
  struct RequestIdCase {
    const char* name;
    const char* target;
    TestHeaders headers;
    // A regular expression the response's X-Request-Id must match.
    const char* echoed;
  };
  const RequestIdCase kCases[] = {
      {"ClientIdOnSuccess",
       "/v1/appSettings",
       {{"X-Request-Id", "e2e-request.1"}},
       "e2e-request\\.1"},
      {"ClientIdOnError",
       "/v1/appSettings/absent",
       {{"X-Request-Id", "e2e-request-2"}},
       "e2e-request-2"},
      {"NoClientId", "/v1/appSettings", {}, "[0-9a-f]{32}"},
      {"UnsafeClientIdIsReplaced",
       "/v1/appSettings",
       {{"X-Request-Id", "two words"}},
       "[0-9a-f]{32}"},
  };
  for (const RequestIdCase& request : kCases) {
    SCOPED_TRACE(request.name);
    const TestResponse response =
        Http("GET", request.target, "", request.headers);
    EXPECT_THAT(response.Header("X-Request-Id"), MatchesRegex(request.echoed));
    EXPECT_TRUE(
        stack_->gateway()
            .WaitForLine(
                {absl::StrCat("request_id=", response.Header("X-Request-Id"))},
                kLogTimeout)
            .has_value());
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, HttpApiTest,
                         ::testing::Values(Backend::kSqlite,
                                           Backend::kPostgres),
                         [](const ::testing::TestParamInfo<Backend>& info) {
                           return BackendName(info.param);
                         });

// ---- Coverage ---------------------------------------------------------------

TEST(HttpApiCoverageTest, EveryAnnotatedMethodHasARecordKindTest) {
  std::set<std::string> driven;
  for (absl::Span<const char* const> kind :
       {absl::Span<const char* const>(kConfigurationMethods),
        absl::Span<const char* const>(kThreadContextMethods),
        absl::Span<const char* const>(kBusinessGoalMethods),
        absl::Span<const char* const>(kAppSettingMethods),
        absl::Span<const char* const>(kUserPreferenceMethods),
        absl::Span<const char* const>(kAuditEntryMethods),
        absl::Span<const char* const>(kPerformanceMetricMethods)}) {
    for (const char* method : kind) {
      EXPECT_TRUE(driven.insert(method).second) << method << " twice";
    }
  }

  std::set<std::string> annotated;
  const google::protobuf::ServiceDescriptor* service = RepositoryDescriptor();
  ASSERT_NE(service, nullptr);
  for (int i = 0; i < service->method_count(); ++i) {
    const google::protobuf::MethodDescriptor* method = service->method(i);
    EXPECT_TRUE(RouteOf(method->name()).ok())
        << RouteOf(method->name()).status();
    // The kind tests drive one route per method.
    EXPECT_EQ(method->options()
                  .GetExtension(google::api::http)
                  .additional_bindings_size(),
              0)
        << method->name() << " has more routes than its test drives";
    annotated.insert(method->name());
  }
  EXPECT_EQ(driven, annotated);
}

}  // namespace
}  // namespace opsbrain::testing
