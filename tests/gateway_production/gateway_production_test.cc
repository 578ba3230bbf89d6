// The gateway in production shape, over the real binaries on loopback: the
// gateway in front of the real storage_service (SQLite), with bearer tokens,
// scopes, rate limits, CORS, strict input, ETag/If-Match, metrics, the
// OpenAPI document, and TLS and mutual TLS to the storage service. The last
// test reads every log line both programs printed during the suite and
// finds no token and no sensitive value in any.
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/api/annotations.pb.h"
#include "google/api/http.pb.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "opsbrain/v1/repository.pb.h"
#include "tests/gateway/http_test_client.h"
#include "tests/gateway_production/production_stack.h"

namespace opsbrain::gateway::testing {
namespace {

using ::google::protobuf::Struct;
using ::google::protobuf::Value;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kConsoleOrigin[] = "https://console.opsbrain.example";
// Sensitive values the tests store; no response to a caller without the
// secrets scope, and no log line, may hold them.
constexpr char kOpenAiKey[] = "sk-test-9f3c1e7a5b2d4c6e8a0b";
constexpr char kSlackSecret[] = "xoxb-test-51a7c3e9d2b4f6a8";

Struct ParseJson(const std::string& body) {
  Struct parsed;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(body, &parsed).ok())
      << body;
  return parsed;
}

std::string StringField(const std::string& body, const std::string& name) {
  const Struct parsed = ParseJson(body);
  auto it = parsed.fields().find(name);
  return it == parsed.fields().end() ? "" : it->second.string_value();
}

google::rpc::Status ErrorOf(const TestResponse& response) {
  google::rpc::Status status;
  EXPECT_TRUE(
      google::protobuf::util::JsonStringToMessage(response.body, &status).ok())
      << response.body;
  return status;
}

// ---- One stack for most behaviours
// -------------------------------------------

class ProductionGatewayTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<std::unique_ptr<ProductionStack>> stack =
        ProductionStack::Start(
            {absl::StrCat("--cors_allowed_origins=", kConsoleOrigin)});
    if (stack.ok()) {
      stack_ = stack->release();
    } else {
      error_ = new std::string(stack.status().ToString());
    }
  }

  static void TearDownTestSuite() {
    delete stack_;
    stack_ = nullptr;
  }

  void SetUp() override {
    ASSERT_NE(stack_, nullptr) << (error_ == nullptr ? "" : *error_);
  }

  static ProductionStack* stack_;
  static std::string* error_;
};

ProductionStack* ProductionGatewayTest::stack_ = nullptr;
std::string* ProductionGatewayTest::error_ = nullptr;

TEST_F(ProductionGatewayTest, MissingOrUnknownTokenIs401AndProbesStayOpen) {
  ProductionStack& s = *stack_;
  TestResponse missing = s.Http(nullptr, "GET", "/v1/configurations");
  EXPECT_EQ(missing.status, 401);
  EXPECT_EQ(missing.Header("WWW-Authenticate"), R"(Bearer realm="opsbrain")");
  EXPECT_EQ(ErrorOf(missing).code(), 16);

  const TestToken unknown{"nobody", "opsb_not-a-token-of-this-gateway", ""};
  LogRecord::Get().AddSecret(unknown.token);
  TestResponse wrong = s.Http(&unknown, "GET", "/v1/configurations");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_THAT(wrong.Header("WWW-Authenticate"),
              HasSubstr(R"(error="invalid_token")"));
  EXPECT_EQ(s.Http(nullptr, "GET", "/openapi.json").status, 401);
  EXPECT_EQ(s.Http(nullptr, "GET", "/metrics").status, 401);

  EXPECT_EQ(s.Http(nullptr, "GET", "/healthz").status, 200);
  EXPECT_EQ(s.Http(nullptr, "GET", "/readyz").status, 200);
}

TEST_F(ProductionGatewayTest, ReadTokenCannotWrite) {
  ProductionStack& s = *stack_;
  s.Ok(s.writer, "PATCH", "/v1/appSettings/read_only_probe?allowMissing=true",
       R"({"value":"1","type":"INTEGER"})");

  const struct {
    const char* method;
    const char* target;
    const char* body;
  } kWrites[] = {
      {"PATCH", "/v1/appSettings/read_only_probe", R"({"value":"2"})"},
      {"PATCH", "/v1/appSettings/new_key?allowMissing=true",
       R"({"value":"x"})"},
      {"DELETE", "/v1/appSettings/read_only_probe", ""},
      {"POST", "/v1/performanceMetrics", R"({"name":"m","value":1})"},
      {"POST", "/v1/threadContexts:purgeExpired", "{}"},
  };
  for (const auto& write : kWrites) {
    TestResponse response =
        s.Http(&s.reader, write.method, write.target, write.body);
    EXPECT_EQ(response.status, 403) << write.method << " " << write.target;
    EXPECT_EQ(ErrorOf(response).code(), 7);
    EXPECT_THAT(response.Header("WWW-Authenticate"),
                HasSubstr(R"(scope="write")"));
  }

  // Nothing changed, and reading is allowed.
  const std::string body =
      s.Ok(s.reader, "GET", "/v1/appSettings/read_only_probe");
  EXPECT_EQ(StringField(body, "value"), "1");
  EXPECT_EQ(s.Http(&s.reader, "GET", "/v1/appSettings/new_key").status, 404);
  // A token with no scope only authenticates.
  EXPECT_EQ(s.Http(&s.scraper, "GET", "/v1/appSettings").status, 403);
}

TEST_F(ProductionGatewayTest, ClientIdentityHeadersGrantNothing) {
  ProductionStack& s = *stack_;
  const TestHeaders claims = {
      {"X-Opsbrain-Actor", "ops-admin"},
      {"X-Opsbrain-Scopes", "read,write,secrets,admin"}};
  EXPECT_EQ(
      s.Http(&s.reader, "PATCH", "/v1/appSettings/claimed?allowMissing=true",
             R"({"value":"x"})", claims)
          .status,
      403);
  EXPECT_EQ(s.Http(nullptr, "GET", "/v1/appSettings", "", claims).status, 401);
}

TEST_F(ProductionGatewayTest, SensitiveValuesReachOnlyTheSecretsScope) {
  ProductionStack& s = *stack_;
  LogRecord::Get().AddSecret(kOpenAiKey);
  LogRecord::Get().AddSecret(kSlackSecret);

  // Not even the answer to its own write shows a writer the value.
  std::string written = s.Ok(
      s.writer, "PATCH", "/v1/configurations/openai_api_key?allowMissing=true",
      absl::StrCat(R"({"value":")", kOpenAiKey,
                   R"(","category":"openai","isSensitive":true})"));
  EXPECT_THAT(written, Not(HasSubstr(kOpenAiKey)));
  written = s.Ok(s.admin, "PATCH",
                 "/v1/configurations/slack_bot_token?allowMissing=true",
                 absl::StrCat(R"({"value":")", kSlackSecret,
                              R"(","category":"slack","isSensitive":true})"));
  // Then a change of the secret, so that the audit has old and new values.
  s.Ok(s.writer, "PATCH", "/v1/configurations/openai_api_key",
       absl::StrCat(R"({"value":")", kOpenAiKey, R"(-rotated"})"));

  // Every read a caller without secrets can make: get, list, filtered
  // list, audit (all and per record).
  const std::vector<std::string> kReads = {
      "/v1/configurations/openai_api_key",
      "/v1/configurations/slack_bot_token",
      "/v1/configurations",
      "/v1/configurations?category=openai",
      "/v1/auditEntries",
      "/v1/auditEntries?tableName=configurations&recordId=openai_api_key",
  };
  for (const TestToken* token : {&s.reader, &s.writer}) {
    for (const std::string& target : kReads) {
      const std::string body = s.Ok(*token, "GET", target);
      EXPECT_THAT(body, Not(HasSubstr(kOpenAiKey))) << token->name << target;
      EXPECT_THAT(body, Not(HasSubstr(kSlackSecret))) << token->name << target;
    }
  }
  // Clearing the flag would show the value: a writer without secrets is
  // refused, and the flag stays.
  for (const char* target :
       {"/v1/configurations/openai_api_key?updateMask=isSensitive",
        "/v1/configurations/openai_api_key?updateMask=is_sensitive"}) {
    TestResponse refused =
        s.Http(&s.writer, "PATCH", target, R"({"isSensitive":false})");
    EXPECT_EQ(refused.status, 403) << target;
    EXPECT_EQ(ErrorOf(refused).code(), 7) << target;
    EXPECT_THAT(refused.body, Not(HasSubstr(kOpenAiKey))) << target;
  }
  const std::string masked =
      s.Ok(s.reader, "GET", "/v1/configurations/openai_api_key");
  EXPECT_EQ(StringField(masked, "value"), "");
  EXPECT_TRUE(ParseJson(masked).fields().at("valueRedacted").bool_value());

  // The secrets scope, and admin, see the value; the audit never does.
  for (const TestToken* token : {&s.secrets, &s.admin}) {
    EXPECT_EQ(
        StringField(s.Ok(*token, "GET", "/v1/configurations/slack_bot_token"),
                    "value"),
        kSlackSecret)
        << token->name;
    EXPECT_THAT(s.Ok(*token, "GET", "/v1/auditEntries"),
                Not(HasSubstr(kSlackSecret)));
  }
}

TEST_F(ProductionGatewayTest, AuditRowsNameTheCaller) {
  ProductionStack& s = *stack_;
  s.Ok(s.writer, "PATCH", "/v1/users/U42/preferences/tz?allowMissing=true",
       R"({"value":"Europe/Paris"})");
  s.Ok(s.admin, "PATCH", "/v1/users/U42/preferences/tz",
       R"({"value":"Europe/Berlin"})");

  const Struct audit = ParseJson(
      s.Ok(s.reader, "GET",
           "/v1/auditEntries?tableName=user_preferences&recordId=U42/tz"));
  std::vector<std::string> actors;
  for (const Value& entry :
       audit.fields().at("auditEntries").list_value().values()) {
    actors.push_back(entry.struct_value().fields().at("actor").string_value());
  }
  // Newest first.
  EXPECT_THAT(actors, ::testing::ElementsAre("ops-admin", "writer"));
}

TEST_F(ProductionGatewayTest, StaleIfMatchIs412AndStaleBodyEtagIs409) {
  ProductionStack& s = *stack_;
  TestResponse created = s.Http(&s.writer, "PATCH",
                                "/v1/businessGoals/etag_goal?allowMissing=true",
                                R"({"title":"Ship","area":"product"})");
  ASSERT_EQ(created.status, 200) << created.body;
  const std::string first = created.Header("ETag");
  EXPECT_EQ(first, absl::StrCat("\"", StringField(created.body, "etag"), "\""));

  // The current tag writes and gives a new one.
  TestResponse changed =
      s.Http(&s.writer, "PATCH", "/v1/businessGoals/etag_goal",
             R"({"progress":10})", {{"If-Match", first}});
  ASSERT_EQ(changed.status, 200) << changed.body;
  const std::string second = changed.Header("ETag");
  EXPECT_NE(second, first);
  EXPECT_EQ(
      s.Http(&s.reader, "GET", "/v1/businessGoals/etag_goal").Header("ETag"),
      second);

  // The old tag fails, as 412 through If-Match and as 409 in the body.
  TestResponse stale = s.Http(&s.writer, "PATCH", "/v1/businessGoals/etag_goal",
                              R"({"progress":20})", {{"If-Match", first}});
  EXPECT_EQ(stale.status, 412) << stale.body;
  EXPECT_EQ(ErrorOf(stale).code(), 10);
  EXPECT_EQ(s.Http(&s.writer, "DELETE", "/v1/businessGoals/etag_goal", "",
                   {{"If-Match", first}})
                .status,
            412);
  const std::string stale_body = absl::StrCat(
      R"({"progress":20,"etag":")", first.substr(1, first.size() - 2), "\"}");
  EXPECT_EQ(
      s.Http(&s.writer, "PATCH", "/v1/businessGoals/etag_goal", stale_body)
          .status,
      409);
  EXPECT_EQ(ParseJson(s.Ok(s.reader, "GET", "/v1/businessGoals/etag_goal"))
                .fields()
                .at("progress")
                .number_value(),
            10);

  // The current tag deletes.
  EXPECT_EQ(s.Http(&s.writer, "DELETE", "/v1/businessGoals/etag_goal", "",
                   {{"If-Match", second}})
                .status,
            200);
  EXPECT_EQ(s.Http(&s.reader, "GET", "/v1/businessGoals/etag_goal").status,
            404);
}

TEST_F(ProductionGatewayTest, StrictInputNamesWhatItRefuses) {
  ProductionStack& s = *stack_;
  const struct {
    const char* method;
    const char* target;
    const char* body;
    const char* names;
  } kCases[] = {
      {"PATCH", "/v1/appSettings/strict?allowMissing=true",
       R"({"value":"1","valeu":"2"})", "valeu"},
      {"GET", "/v1/configurations?categroy=slack", "", "categroy"},
      {"GET", "/v1/configurations?category=slack&category=api", "", "category"},
      {"GET", "/v1/businessGoals?pageSize=1&pageSize=2", "", "page_size"},
  };
  for (const auto& c : kCases) {
    TestResponse response = s.Http(&s.writer, c.method, c.target, c.body);
    EXPECT_EQ(response.status, 400) << c.target << ": " << response.body;
    EXPECT_THAT(ErrorOf(response).message(), HasSubstr(c.names)) << c.target;
  }
}

TEST_F(ProductionGatewayTest, CorsPreflightAnswersAllowedOriginsOnly) {
  ProductionStack& s = *stack_;
  TestResponse allowed =
      s.Http(nullptr, "OPTIONS", "/v1/configurations/some_key", "",
             {{"Origin", kConsoleOrigin},
              {"Access-Control-Request-Method", "PATCH"},
              {"Access-Control-Request-Headers", "authorization,if-match"}});
  EXPECT_EQ(allowed.status, 204);
  EXPECT_EQ(allowed.Header("Access-Control-Allow-Origin"), kConsoleOrigin);
  EXPECT_EQ(allowed.Header("Access-Control-Allow-Methods"),
            "DELETE, GET, PATCH");
  EXPECT_THAT(allowed.Header("Access-Control-Allow-Headers"),
              HasSubstr("Authorization"));
  EXPECT_THAT(allowed.Header("Access-Control-Allow-Headers"),
              HasSubstr("If-Match"));

  TestResponse refused =
      s.Http(nullptr, "OPTIONS", "/v1/configurations/some_key", "",
             {{"Origin", "https://elsewhere.example"},
              {"Access-Control-Request-Method", "PATCH"}});
  EXPECT_EQ(refused.status, 403);
  EXPECT_EQ(refused.Header("Access-Control-Allow-Origin"), "");

  // The actual request from the console carries the CORS answer too.
  TestResponse actual = s.Http(&s.reader, "GET", "/v1/configurations", "",
                               {{"Origin", kConsoleOrigin}});
  EXPECT_EQ(actual.status, 200);
  EXPECT_EQ(actual.Header("Access-Control-Allow-Origin"), kConsoleOrigin);
  EXPECT_THAT(actual.Header("Vary"), HasSubstr("Origin"));
}

TEST_F(ProductionGatewayTest, MetricsCountRequestsByRouteTemplate) {
  ProductionStack& s = *stack_;
  s.Ok(s.reader, "GET", "/v1/configurations");
  s.Http(&s.reader, "GET", "/v1/configurations/no_such_key_for_metrics");

  TestResponse scrape = s.Http(&s.scraper, "GET", "/metrics");
  ASSERT_EQ(scrape.status, 200);
  EXPECT_THAT(scrape.Header("Content-Type"), HasSubstr("text/plain"));
  EXPECT_THAT(scrape.body,
              HasSubstr("gateway_http_requests_total{route=\"/v1/"
                        "configurations\",method=\"GET\",status=\"200\"}"));
  EXPECT_THAT(scrape.body,
              HasSubstr("gateway_http_requests_total{route=\"/v1/"
                        "configurations/{key}\",method=\"GET\",status="
                        "\"404\"}"));
  EXPECT_THAT(scrape.body, HasSubstr("gateway_upstream_errors_total{code="
                                     "\"NOT_FOUND\"}"));
  EXPECT_THAT(scrape.body, HasSubstr("gateway_auth_failures_total{reason="));
  EXPECT_THAT(scrape.body, HasSubstr("gateway_http_requests_in_flight "));
  EXPECT_THAT(scrape.body, HasSubstr("gateway_http_request_duration_seconds_"
                                     "bucket{route=\"/v1/configurations\","));
  // Raw paths never become labels.
  EXPECT_THAT(scrape.body, Not(HasSubstr("no_such_key_for_metrics")));
}

// The OpenAPI path of a google.api.http template: "{x=...}" becomes "{x}".
std::string OpenApiPath(absl::string_view template_text) {
  std::string path;
  bool in_pattern = false;
  for (char c : template_text) {
    if (c == '=') in_pattern = true;
    if (c == '}') in_pattern = false;
    if (!in_pattern) path += c;
  }
  return path;
}

TEST_F(ProductionGatewayTest, OpenApiDocumentListsEveryAnnotatedRoute) {
  ProductionStack& s = *stack_;
  const Struct document = ParseJson(s.Ok(s.reader, "GET", "/openapi.json"));
  EXPECT_EQ(document.fields().at("openapi").string_value(), "3.0.3");
  const auto& paths = document.fields().at("paths").struct_value().fields();

  const google::protobuf::ServiceDescriptor* service =
      v1::GetConfigurationRequest::descriptor()->file()->FindServiceByName(
          "Repository");
  int routes = 0;
  for (int i = 0; i < service->method_count(); ++i) {
    const google::protobuf::MethodDescriptor* method = service->method(i);
    ASSERT_TRUE(method->options().HasExtension(google::api::http))
        << method->name();
    const google::api::HttpRule& rule =
        method->options().GetExtension(google::api::http);
    std::string verb;
    std::string path;
    switch (rule.pattern_case()) {
      case google::api::HttpRule::kGet:
        verb = "get", path = rule.get();
        break;
      case google::api::HttpRule::kPost:
        verb = "post", path = rule.post();
        break;
      case google::api::HttpRule::kPatch:
        verb = "patch", path = rule.patch();
        break;
      case google::api::HttpRule::kDelete:
        verb = "delete", path = rule.delete_();
        break;
      case google::api::HttpRule::kPut:
        verb = "put", path = rule.put();
        break;
      default:
        FAIL() << method->name() << " has a rule this test does not know";
    }
    ++routes;
    auto item = paths.find(OpenApiPath(path));
    ASSERT_NE(item, paths.end()) << method->name() << ": " << path;
    const auto& operations = item->second.struct_value().fields();
    ASSERT_TRUE(operations.contains(verb)) << method->name();
    EXPECT_EQ(operations.at(verb)
                  .struct_value()
                  .fields()
                  .at("operationId")
                  .string_value(),
              method->name());
  }
  for (const char* own : {"/healthz", "/readyz", "/openapi.json", "/metrics"}) {
    EXPECT_TRUE(paths.contains(own)) << own;
  }
  int operations = 0;
  for (const auto& [path, item] : paths) {
    operations += item.struct_value().fields_size();
  }
  EXPECT_EQ(operations, routes + 4);
}

// ---- Rate limits and lenient input: gateways of their own
// ---------------------

TEST(RateLimitTest, BucketEmptiesInto429WithRetryAfterPerToken) {
  absl::StatusOr<std::unique_ptr<ProductionStack>> stack =
      ProductionStack::Start({"--rate_limit=0.2", "--rate_limit_burst=3"});
  ASSERT_TRUE(stack.ok()) << stack.status();
  ProductionStack& s = **stack;
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(s.Http(&s.reader, "GET", "/v1/appSettings").status, 200) << i;
  }
  TestResponse limited = s.Http(&s.reader, "GET", "/v1/appSettings");
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(ErrorOf(limited).code(), 8);
  int retry_after = 0;
  ASSERT_TRUE(absl::SimpleAtoi(limited.Header("Retry-After"), &retry_after))
      << limited.Header("Retry-After");
  EXPECT_GE(retry_after, 1);
  EXPECT_LE(retry_after, 5);
  // Each token has its own bucket; the probes have none.
  EXPECT_EQ(s.Http(&s.writer, "GET", "/v1/appSettings").status, 200);
  EXPECT_EQ(s.Http(nullptr, "GET", "/healthz").status, 200);
}

TEST(LenientInputTest, AllowUnknownFieldsIgnoresWhatItDoesNotKnow) {
  absl::StatusOr<std::unique_ptr<ProductionStack>> stack =
      ProductionStack::Start({"--allow_unknown_fields"});
  ASSERT_TRUE(stack.ok()) << stack.status();
  ProductionStack& s = **stack;
  const std::string body =
      s.Ok(s.writer, "PATCH", "/v1/appSettings/lenient?allowMissing=true",
           R"({"value":"1","fromTheFuture":true})");
  EXPECT_EQ(StringField(body, "value"), "1");
  s.Ok(s.reader, "GET", "/v1/appSettings?newFilter=x");
  // Known fields are still checked.
  EXPECT_EQ(s.Http(&s.reader, "GET", "/v1/appSettings?pageSize=x").status, 400);
}

// ---- TLS to the storage service
// ------------------------------------------------

class StorageTlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<TlsFiles> files = MakeTlsFiles();
    if (files.ok()) {
      files_ = new TlsFiles(*std::move(files));
    } else {
      error_ = new std::string(files.status().ToString());
    }
  }

  void SetUp() override {
    ASSERT_NE(files_, nullptr) << (error_ == nullptr ? "" : *error_);
  }

  std::vector<std::string> ServerTls(bool mutual) const {
    std::vector<std::string> flags = {
        absl::StrCat("--tls_cert=", files_->server_cert),
        absl::StrCat("--tls_key=", files_->server_key)};
    if (mutual) {
      flags.push_back(absl::StrCat("--tls_client_ca=", files_->ca_cert));
    }
    return flags;
  }

  // Starts a gateway on `storage` and expects /readyz and a read to answer
  // `status`.
  static void ExpectGatewayAnswers(ProductionStack& stack, int status) {
    EXPECT_EQ(stack.Http(nullptr, "GET", "/readyz").status, status);
    TestResponse read = stack.Http(&stack.reader, "GET", "/v1/appSettings");
    EXPECT_EQ(read.status, status) << read.body;
    if (status == 503) {
      EXPECT_EQ(ErrorOf(read).message(), "the storage service is unavailable");
    }
  }

  static TlsFiles* files_;
  static std::string* error_;
};

TlsFiles* StorageTlsTest::files_ = nullptr;
std::string* StorageTlsTest::error_ = nullptr;

TEST_F(StorageTlsTest, TlsWithTheServersCaWorks) {
  absl::StatusOr<std::unique_ptr<ProductionStack>> stack =
      ProductionStack::Start({absl::StrCat("--storage_ca=", files_->ca_cert)},
                             ServerTls(/*mutual=*/false));
  ASSERT_TRUE(stack.ok()) << stack.status();
  ExpectGatewayAnswers(**stack, 200);
  (*stack)->Ok((*stack)->writer, "PATCH",
               "/v1/appSettings/over_tls?allowMissing=true",
               R"({"value":"1"})");
}

TEST_F(StorageTlsTest, MutualTlsWorksWithTheClientCertificate) {
  absl::StatusOr<std::unique_ptr<ProductionStack>> stack =
      ProductionStack::Start(
          {absl::StrCat("--storage_ca=", files_->ca_cert),
           absl::StrCat("--storage_client_cert=", files_->client_cert),
           absl::StrCat("--storage_client_key=", files_->client_key)},
          ServerTls(/*mutual=*/true));
  ASSERT_TRUE(stack.ok()) << stack.status();
  ExpectGatewayAnswers(**stack, 200);
}

TEST_F(StorageTlsTest, MutualTlsWithoutAClientCertificateIs503) {
  absl::StatusOr<std::unique_ptr<ProductionStack>> stack =
      ProductionStack::Start({absl::StrCat("--storage_ca=", files_->ca_cert)},
                             ServerTls(/*mutual=*/true));
  ASSERT_TRUE(stack.ok()) << stack.status();
  ExpectGatewayAnswers(**stack, 503);
}

TEST_F(StorageTlsTest, PlaintextToATlsServerIs503) {
  absl::StatusOr<std::unique_ptr<ProductionStack>> stack =
      ProductionStack::Start({}, ServerTls(/*mutual=*/false));
  ASSERT_TRUE(stack.ok()) << stack.status();
  ExpectGatewayAnswers(**stack, 503);
}

TEST_F(StorageTlsTest, AServerCertificateFromAnotherCaIs503) {
  absl::StatusOr<std::unique_ptr<ProductionStack>> stack =
      ProductionStack::Start(
          {absl::StrCat("--storage_ca=", files_->other_ca_cert)},
          ServerTls(/*mutual=*/false));
  ASSERT_TRUE(stack.ok()) << stack.status();
  ExpectGatewayAnswers(**stack, 503);
}

// ---- Last: what the logs hold
// -------------------------------------------------

TEST(LogHygieneTest, NoLogLineHoldsATokenOrSensitiveValue) {
  if (LogRecord::Get().lines().empty()) {
    GTEST_SKIP() << "no process ran before this test";
  }
  ExpectCleanLogs(/*min_access_lines=*/20);
}

}  // namespace
}  // namespace opsbrain::gateway::testing
