#include "gateway/gateway_handler.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/metrics.h"
#include "gateway/auth.h"
#include "gateway/backend.h"
#include "gateway/cors.h"
#include "gateway/http_types.h"
#include "gateway/rate_limiter.h"
#include "gateway/request_id.h"
#include "gateway/router.h"
#include "gateway/static_files.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/wrappers.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/support/status.h"
#include "gtest/gtest.h"
#include "opsbrain/gatewaytest/v1/gateway_test.pb.h"
#include "opsbrain/v1/repository.pb.h"

namespace opsbrain::gateway {
namespace {

using ::opsbrain::gatewaytest::v1::EchoRequest;
using ::opsbrain::gatewaytest::v1::EchoResponse;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsSupersetOf;
using ::testing::Not;
using ::testing::Pair;

// Answers every call at once with a preset result, and records the calls.
class FakeBackend : public Backend {
 public:
  void Call(BackendCall call, CallDone done) override {
    calls.push_back(call);
    done(status, response);
  }
  void CheckHealth(absl::Time deadline, HealthDone done) override {
    health_deadline = deadline;
    done(health);
  }

  grpc::Status status = grpc::Status::OK;
  std::string response;
  absl::Status health = absl::OkStatus();
  absl::Time health_deadline;
  std::vector<BackendCall> calls;
};

class GatewayHandlerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<Router> router = Router::Build(
        {EchoRequest::descriptor()->file()->FindServiceByName("GatewayTest"),
         v1::GetConfigurationRequest::descriptor()->file()->FindServiceByName(
             "Repository")});
    ASSERT_TRUE(router.ok()) << router.status();
    router_ = *std::move(router);
    EchoResponse echo;
    echo.set_rpc("GetThing");
    backend_.response = echo.SerializeAsString();
    Reset({});
  }

  // A new handler with `options` and a request timeout of 7 s.
  void Reset(GatewayHandlerOptions options) {
    options.request_timeout = absl::Seconds(7);
    handler_ = std::make_unique<GatewayHandler>(&router_, &backend_,
                                                std::move(options));
  }

  HttpResponse Handle(std::string method, std::string target,
                      std::vector<HttpHeader> headers = {},
                      std::string body = "") {
    HttpRequest request;
    request.method = std::move(method);
    request.target = std::move(target);
    request.headers = std::move(headers);
    request.body = std::move(body);
    std::optional<HttpResponse> response;
    handler_->Handle(std::move(request),
                     [&response](HttpResponse r) { response = std::move(r); });
    EXPECT_TRUE(response.has_value()) << "the fake answers at once";
    return response.value_or(HttpResponse{});
  }

  static google::rpc::Status ErrorOf(const HttpResponse& response) {
    google::rpc::Status status;
    EXPECT_TRUE(
        google::protobuf::util::JsonStringToMessage(response.body, &status)
            .ok())
        << response.body;
    return status;
  }

  static std::string HeaderOf(const HttpResponse& response,
                              absl::string_view name) {
    const std::string* value = FindHeader(response.headers, name);
    return value == nullptr ? "" : *value;
  }

  Router router_;
  FakeBackend backend_;
  std::unique_ptr<GatewayHandler> handler_;
};

TEST_F(GatewayHandlerTest, CallsTheMethodAndPrintsItsResponse) {
  const absl::Time before = absl::Now();
  HttpResponse response = Handle("GET", "/v1/things/t1?count=5");
  EXPECT_EQ(response.status, 200);
  EXPECT_THAT(response.body, HasSubstr(R"("rpc":"GetThing")"));
  EXPECT_EQ(HeaderOf(response, "Content-Type"), "application/json");

  ASSERT_EQ(backend_.calls.size(), 1u);
  const BackendCall& call = backend_.calls[0];
  EXPECT_EQ(call.method, "/opsbrain.gatewaytest.v1.GatewayTest/GetThing");
  EchoRequest sent;
  ASSERT_TRUE(sent.ParseFromString(call.request));
  EXPECT_EQ(sent.id(), "t1");
  EXPECT_EQ(sent.count(), 5);
  EXPECT_GE(call.deadline, before + absl::Seconds(7));
  EXPECT_LE(call.deadline, absl::Now() + absl::Seconds(7));
}

TEST_F(GatewayHandlerTest, PassesTheRequestIdAndTheGatewaysCallerOnly) {
  HttpResponse response = Handle("GET", "/v1/things/t1",
                                 {{"X-Request-Id", "abc-123"},
                                  {"X-Opsbrain-Actor", "admin"},
                                  {"x-opsbrain-scopes", "secrets"},
                                  {"Authorization", "Bearer t"},
                                  {"X-Other", "x"}});
  EXPECT_EQ(HeaderOf(response, "X-Request-Id"), "abc-123");
  ASSERT_EQ(backend_.calls.size(), 1u);
  EXPECT_THAT(backend_.calls[0].metadata,
              ElementsAre(Pair("x-request-id", "abc-123"),
                          Pair("x-opsbrain-actor", "anonymous"),
                          Pair("x-opsbrain-scopes", "read,write")));
}

TEST_F(GatewayHandlerTest, ReplacesAnInsaneRequestId) {
  HttpResponse response =
      Handle("GET", "/v1/things/t1", {{"X-Request-Id", "bad id;"}});
  const std::string id = HeaderOf(response, "X-Request-Id");
  EXPECT_NE(id, "bad id;");
  EXPECT_TRUE(IsSaneRequestId(id));
  ASSERT_EQ(backend_.calls.size(), 1u);
  EXPECT_THAT(backend_.calls[0].metadata, Contains(Pair("x-request-id", id)));
}

TEST_F(GatewayHandlerTest, GeneratesARequestIdForEveryResponse) {
  for (HttpResponse response :
       {Handle("GET", "/nope"), Handle("GET", "/healthz"),
        Handle("GET", "/v1/things/t1")}) {
    EXPECT_TRUE(IsSaneRequestId(HeaderOf(response, "X-Request-Id")));
  }
}

TEST_F(GatewayHandlerTest, MapsBackendErrorsWithDetails) {
  google::rpc::Status details;
  details.set_code(9);
  google::protobuf::StringValue detail;
  detail.set_value("why");
  details.add_details()->PackFrom(detail);
  backend_.status = grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "stale",
                                 details.SerializeAsString());
  HttpResponse response = Handle("GET", "/v1/things/t1");
  EXPECT_EQ(response.status, 400);
  google::rpc::Status body = ErrorOf(response);
  EXPECT_EQ(body.code(), 9);
  EXPECT_EQ(body.message(), "stale");
  ASSERT_EQ(body.details_size(), 1);
  EXPECT_TRUE(body.details(0).Is<google::protobuf::StringValue>());
}

TEST_F(GatewayHandlerTest, HidesTransportErrorText) {
  backend_.status = grpc::Status(
      grpc::StatusCode::UNAVAILABLE,
      "failed to connect to all addresses; last error: ipv4:10.1.2.3:50051");
  HttpResponse response = Handle("GET", "/v1/things/t1");
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(ErrorOf(response).code(), 14);
  EXPECT_THAT(response.body, ::testing::Not(HasSubstr("10.1.2.3")));

  backend_.status = grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "x");
  EXPECT_EQ(Handle("GET", "/v1/things/t1").status, 504);
}

TEST_F(GatewayHandlerTest, AnswersAResponseThatDoesNotParseWith500) {
  backend_.response = "\xFF\xFF\xFF";
  HttpResponse response = Handle("GET", "/v1/things/t1");
  EXPECT_EQ(response.status, 500);
  EXPECT_EQ(ErrorOf(response).code(), 13);
}

TEST_F(GatewayHandlerTest, RoutingErrorsCarryTheErrorBody) {
  HttpResponse not_found = Handle("GET", "/v2/nothing");
  EXPECT_EQ(not_found.status, 404);
  EXPECT_EQ(ErrorOf(not_found).code(), 5);

  HttpResponse not_allowed = Handle("DELETE", "/v1/things");
  EXPECT_EQ(not_allowed.status, 405);
  EXPECT_EQ(HeaderOf(not_allowed, "Allow"), "GET, POST, SEARCH");
  EXPECT_EQ(ErrorOf(not_allowed).code(), 12);

  HttpResponse bad_path = Handle("GET", "/v1/things/%zz");
  EXPECT_EQ(bad_path.status, 400);
  EXPECT_EQ(ErrorOf(bad_path).code(), 3);
  EXPECT_TRUE(backend_.calls.empty());
}

TEST_F(GatewayHandlerTest, BodyNeedsJsonContentType) {
  EXPECT_EQ(Handle("POST", "/v1/things", {}, "{}").status, 415);
  EXPECT_EQ(Handle("POST", "/v1/things", {{"Content-Type", "text/plain"}}, "{}")
                .status,
            415);
  EXPECT_EQ(Handle("POST", "/v1/things",
                   {{"content-type", "application/json; charset=UTF-8"}}, "{}")
                .status,
            200);
  // No body, no content type needed.
  EXPECT_EQ(Handle("POST", "/v1/things").status, 200);
  EXPECT_EQ(Handle("POST", "/v1/things/t:archive").status, 200);
}

TEST_F(GatewayHandlerTest, TranscodingErrorsAre400NamingTheField) {
  HttpResponse response =
      Handle("POST", "/v1/things", {{"Content-Type", "application/json"}},
             R"({"count":"many"})");
  EXPECT_EQ(response.status, 400);
  EXPECT_THAT(ErrorOf(response).message(), HasSubstr("count"));
  EXPECT_TRUE(backend_.calls.empty());
}

TEST_F(GatewayHandlerTest, AnswersProbes) {
  EXPECT_EQ(Handle("GET", "/healthz").status, 200);
  const absl::Time before = absl::Now();
  EXPECT_EQ(Handle("GET", "/readyz").status, 200);
  // Within a probe's timeout, not the 7 s request timeout.
  EXPECT_LE(backend_.health_deadline, absl::Now() + kReadyCheckTimeout);
  EXPECT_GE(backend_.health_deadline, before + kReadyCheckTimeout);

  backend_.health = absl::UnavailableError("reports NOT_SERVING");
  HttpResponse not_ready = Handle("GET", "/readyz");
  EXPECT_EQ(not_ready.status, 503);
  EXPECT_EQ(ErrorOf(not_ready).code(), 14);
  EXPECT_EQ(Handle("GET", "/healthz").status, 200);

  HttpResponse post = Handle("POST", "/healthz");
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(HeaderOf(post, "Allow"), "GET");
}

TEST_F(GatewayHandlerTest, UnreadableRequestsGetTheErrorBody) {
  HttpRequest head;
  head.headers.push_back({"X-Request-Id", "r1"});
  HttpResponse response = handler_->HandleUnreadable(head, 413, "too big");
  EXPECT_EQ(response.status, 413);
  EXPECT_EQ(HeaderOf(response, "X-Request-Id"), "r1");
  EXPECT_EQ(ErrorOf(response).code(), 3);
  EXPECT_EQ(ErrorOf(response).message(), "too big");

  response = handler_->HandleUnreadable(HttpRequest{}, 400, "garbage");
  EXPECT_TRUE(IsSaneRequestId(HeaderOf(response, "X-Request-Id")));
}

TEST_F(GatewayHandlerTest, ReadyzIs503WhileDraining) {
  EXPECT_EQ(Handle("GET", "/readyz").status, 200);
  handler_->StartDraining();
  HttpResponse draining = Handle("GET", "/readyz");
  EXPECT_EQ(draining.status, 503);
  EXPECT_EQ(ErrorOf(draining).code(), 14);
  EXPECT_EQ(Handle("GET", "/healthz").status, 200);
}

// ---- Authentication and authorization --------------------------------------

class GatewayAuthTest : public GatewayHandlerTest {
 protected:
  void SetUp() override {
    GatewayHandlerTest::SetUp();
    absl::StatusOr<TokenStore> tokens = TokenStore::Parse(
        absl::StrCat("reader ", HashToken("r-token"), " scopes=read\n",
                     "writer ", HashToken("w-token"), " scopes=read,write\n",
                     "boss ", HashToken("a-token"), " scopes=admin\n",
                     "scraper ", HashToken("s-token"), " scopes=\n"),
        "test");
    ASSERT_TRUE(tokens.ok()) << tokens.status();
    tokens_ = *std::move(tokens);
    GatewayHandlerOptions options;
    options.tokens = &tokens_;
    Reset(std::move(options));
  }

  static std::vector<HttpHeader> Bearer(const std::string& token) {
    return {{"Authorization", absl::StrCat("Bearer ", token)}};
  }

  TokenStore tokens_;
};

TEST_F(GatewayAuthTest, MissingTokenIs401WithAChallenge) {
  HttpResponse response = Handle("GET", "/v1/things/t1");
  EXPECT_EQ(response.status, 401);
  EXPECT_EQ(ErrorOf(response).code(), 16);
  EXPECT_EQ(HeaderOf(response, "WWW-Authenticate"),
            R"(Bearer realm="opsbrain")");
  EXPECT_EQ(
      Handle("GET", "/v1/things/t1", {{"Authorization", "Basic eDp5"}}).status,
      401);
  EXPECT_TRUE(backend_.calls.empty());
}

TEST_F(GatewayAuthTest, UnknownTokenIs401InvalidToken) {
  HttpResponse response = Handle("GET", "/v1/things/t1", Bearer("nope"));
  EXPECT_EQ(response.status, 401);
  EXPECT_THAT(HeaderOf(response, "WWW-Authenticate"),
              HasSubstr(R"(error="invalid_token")"));
  EXPECT_THAT(response.body, Not(HasSubstr("nope")));
  EXPECT_TRUE(backend_.calls.empty());
}

TEST_F(GatewayAuthTest, ProbesStayOpen) {
  EXPECT_EQ(Handle("GET", "/healthz").status, 200);
  EXPECT_EQ(Handle("GET", "/readyz").status, 200);
}

struct ScopeCase {
  const char* token;
  const char* method;
  const char* target;
  int status;
};

class GatewayScopeTest : public GatewayAuthTest,
                         public ::testing::WithParamInterface<ScopeCase> {};

TEST_P(GatewayScopeTest, RoutesNeedTheirScope) {
  const ScopeCase& c = GetParam();
  HttpResponse response = Handle(c.method, c.target, Bearer(c.token));
  EXPECT_EQ(response.status, c.status)
      << c.token << " " << c.method << " " << c.target << ": " << response.body;
  if (c.status == 403) {
    EXPECT_EQ(ErrorOf(response).code(), 7);
    EXPECT_THAT(HeaderOf(response, "WWW-Authenticate"),
                HasSubstr(R"(error="insufficient_scope")"));
    EXPECT_TRUE(backend_.calls.empty());
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, GatewayScopeTest,
    ::testing::Values(ScopeCase{"r-token", "GET", "/v1/things/t1", 200},
                      ScopeCase{"r-token", "POST", "/v1/things", 403},
                      ScopeCase{"r-token", "DELETE", "/v1/things/t1", 403},
                      ScopeCase{"w-token", "POST", "/v1/things", 200},
                      ScopeCase{"w-token", "DELETE", "/v1/things/t1", 200},
                      ScopeCase{"a-token", "PATCH", "/v1/things/t1/parent",
                                200},
                      ScopeCase{"a-token", "GET", "/v1/things", 200},
                      ScopeCase{"s-token", "GET", "/v1/things/t1", 403},
                      ScopeCase{"s-token", "GET", "/metrics", 200},
                      ScopeCase{"s-token", "GET", "/openapi.json", 404},
                      ScopeCase{"r-token", "POST", "/metrics", 405}));

TEST_F(GatewayAuthTest, TheCallerTravelsAsMetadataWithAdminExpanded) {
  ASSERT_EQ(Handle("GET", "/v1/things/t1", Bearer("r-token")).status, 200);
  ASSERT_EQ(Handle("GET", "/v1/things/t1", Bearer("a-token")).status, 200);
  ASSERT_EQ(backend_.calls.size(), 2u);
  EXPECT_THAT(backend_.calls[0].metadata,
              IsSupersetOf({Pair("x-opsbrain-actor", "reader"),
                            Pair("x-opsbrain-scopes", "read")}));
  EXPECT_THAT(
      backend_.calls[1].metadata,
      IsSupersetOf({Pair("x-opsbrain-actor", "boss"),
                    Pair("x-opsbrain-scopes", "read,write,secrets,admin")}));
}

TEST_F(GatewayAuthTest, RateLimitAnswers429WithRetryAfter) {
  absl::Time now = absl::FromUnixSeconds(100);
  RateLimiter limiter(RateLimit{0.5, 2}, [&now] { return now; });
  GatewayHandlerOptions options;
  options.tokens = &tokens_;
  options.rate_limiter = &limiter;
  Reset(std::move(options));

  EXPECT_EQ(Handle("GET", "/v1/things/t1", Bearer("r-token")).status, 200);
  EXPECT_EQ(Handle("GET", "/v1/things/t1", Bearer("r-token")).status, 200);
  HttpResponse limited = Handle("GET", "/v1/things/t1", Bearer("r-token"));
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(ErrorOf(limited).code(), 8);
  EXPECT_EQ(HeaderOf(limited, "Retry-After"), "2");
  // Another token has its own bucket.
  EXPECT_EQ(Handle("GET", "/v1/things/t1", Bearer("w-token")).status, 200);
  now += absl::Seconds(2);
  EXPECT_EQ(Handle("GET", "/v1/things/t1", Bearer("r-token")).status, 200);
}

// ---- Headers
// -------------------------------------------------------------------

TEST_F(GatewayHandlerTest, IfMatchFillsTheRecordsEtagOnUpdates) {
  v1::Configuration stored;
  stored.set_key("k");
  stored.set_etag("00aa");
  backend_.response = stored.SerializeAsString();
  HttpResponse response =
      Handle("PATCH", "/v1/configurations/k",
             {{"If-Match", R"("00aa")"}, {"Content-Type", "application/json"}},
             R"({"value":"v"})");
  EXPECT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(HeaderOf(response, "ETag"), R"("00aa")");
  ASSERT_EQ(backend_.calls.size(), 1u);
  v1::UpdateConfigurationRequest sent;
  ASSERT_TRUE(sent.ParseFromString(backend_.calls[0].request));
  EXPECT_EQ(sent.configuration().etag(), "00aa");
  EXPECT_EQ(sent.configuration().value(), "v");
  EXPECT_THAT(backend_.calls[0].metadata,
              Contains(Pair("if-match", R"("00aa")")));
}

TEST_F(GatewayHandlerTest, IfMatchFillsTheRequestsEtagOnDeletes) {
  backend_.response = "";
  EXPECT_EQ(
      Handle("DELETE", "/v1/appSettings/k", {{"If-Match", R"("0b")"}}).status,
      200);
  ASSERT_EQ(backend_.calls.size(), 1u);
  v1::DeleteAppSettingRequest sent;
  ASSERT_TRUE(sent.ParseFromString(backend_.calls[0].request));
  EXPECT_EQ(sent.etag(), "0b");
}

TEST_F(GatewayHandlerTest, BadIfMatchIs400) {
  for (const char* value : {"00aa", "*", R"(W/"00aa")", R"("a", "b")"}) {
    EXPECT_EQ(
        Handle("DELETE", "/v1/appSettings/k", {{"If-Match", value}}).status,
        400)
        << value;
  }
  // A route without an etag, and a body etag that disagrees.
  EXPECT_EQ(
      Handle("GET", "/v1/configurations/k", {{"If-Match", R"("1")"}}).status,
      400);
  EXPECT_EQ(
      Handle("PATCH", "/v1/configurations/k",
             {{"If-Match", R"("1")"}, {"Content-Type", "application/json"}},
             R"({"etag":"2"})")
          .status,
      400);
  EXPECT_TRUE(backend_.calls.empty());
}

TEST_F(GatewayHandlerTest, AbortedIs412WithIfMatchAnd409Without) {
  backend_.status = grpc::Status(grpc::StatusCode::ABORTED, "stale etag");
  HttpResponse with =
      Handle("DELETE", "/v1/appSettings/k", {{"If-Match", R"("00aa")"}});
  EXPECT_EQ(with.status, 412);
  EXPECT_EQ(ErrorOf(with).code(), 10);
  EXPECT_EQ(Handle("DELETE", "/v1/appSettings/k?etag=00aa").status, 409);
}

TEST_F(GatewayHandlerTest, ConfiguredHeadersAndTraceparentAreForwarded) {
  constexpr char kTraceparent[] =
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  GatewayHandlerOptions options;
  options.forward_headers = {"x-tenant"};
  Reset(std::move(options));
  Handle(
      "GET", "/v1/things/t1",
      {{"X-Tenant", "acme"}, {"X-Other", "no"}, {"traceparent", kTraceparent}});
  ASSERT_EQ(backend_.calls.size(), 1u);
  EXPECT_THAT(backend_.calls[0].metadata,
              IsSupersetOf({Pair("x-tenant", "acme"),
                            Pair("traceparent", kTraceparent)}));
  EXPECT_THAT(backend_.calls[0].metadata, Not(Contains(Pair("x-other", "no"))));
}

TEST(ValidateForwardHeadersTest, RefusesCredentialsAndInternalNames) {
  EXPECT_TRUE(ValidateForwardHeaders({"x-tenant", "x-client-version"}).ok());
  for (const char* bad : {"authorization", "cookie", "x-opsbrain-actor",
                          "grpc-timeout", "X-Tenant", "host", "a b", ""}) {
    EXPECT_FALSE(ValidateForwardHeaders({bad}).ok()) << bad;
  }
}

// ---- CORS
// ------------------------------------------------------------------------

class GatewayCorsTest : public GatewayHandlerTest {
 protected:
  void SetUp() override {
    GatewayHandlerTest::SetUp();
    absl::StatusOr<CorsPolicy> cors =
        CorsPolicy::Create({"https://app.example"}, {"Authorization"});
    ASSERT_TRUE(cors.ok());
    GatewayHandlerOptions options;
    options.cors = *cors;
    options.tokens = &tokens_;
    Reset(std::move(options));
  }

  TokenStore tokens_;
};

TEST_F(GatewayCorsTest, PreflightFromAnAllowedOriginIs204WithoutAToken) {
  HttpResponse response = Handle("OPTIONS", "/v1/things/t1",
                                 {{"Origin", "https://app.example"},
                                  {"Access-Control-Request-Method", "DELETE"}});
  EXPECT_EQ(response.status, 204);
  EXPECT_EQ(HeaderOf(response, "Access-Control-Allow-Origin"),
            "https://app.example");
  EXPECT_EQ(HeaderOf(response, "Access-Control-Allow-Methods"),
            "DELETE, GET, PUT");
  EXPECT_EQ(HeaderOf(response, "Content-Type"), "");
  EXPECT_TRUE(response.body.empty());
}

TEST_F(GatewayCorsTest, PreflightFromAnotherOriginIs403) {
  HttpResponse response = Handle("OPTIONS", "/v1/things/t1",
                                 {{"Origin", "https://evil.example"},
                                  {"Access-Control-Request-Method", "GET"}});
  EXPECT_EQ(response.status, 403);
  EXPECT_EQ(HeaderOf(response, "Access-Control-Allow-Origin"), "");
}

TEST_F(GatewayCorsTest, AnswersToAnAllowedOriginCarryTheHeadersEvenOn401) {
  HttpResponse response =
      Handle("GET", "/v1/things/t1", {{"Origin", "https://app.example"}});
  EXPECT_EQ(response.status, 401);
  EXPECT_EQ(HeaderOf(response, "Access-Control-Allow-Origin"),
            "https://app.example");
  EXPECT_THAT(HeaderOf(response, "Access-Control-Expose-Headers"),
              HasSubstr("WWW-Authenticate"));

  HttpResponse other =
      Handle("GET", "/v1/things/t1", {{"Origin", "https://evil.example"}});
  EXPECT_EQ(HeaderOf(other, "Access-Control-Allow-Origin"), "");
}

// ---- The gateway's own documents
// -----------------------------------------------

TEST_F(GatewayHandlerTest, ServesMetricsAndTheOpenApiDocument) {
  metrics::Registry registry;
  GatewayHandlerOptions options;
  options.metrics = &registry;
  options.openapi_json = R"({"openapi":"3.0.3"})";
  Reset(std::move(options));
  backend_.status = grpc::Status(grpc::StatusCode::UNAVAILABLE, "down");
  Handle("GET", "/v1/things/t1");

  HttpResponse openapi = Handle("GET", "/openapi.json");
  EXPECT_EQ(openapi.status, 200);
  EXPECT_EQ(openapi.body, R"({"openapi":"3.0.3"})");

  HttpResponse metrics = Handle("GET", "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_EQ(HeaderOf(metrics, "Content-Type"), metrics::kTextContentType);
  EXPECT_THAT(metrics.body,
              HasSubstr("gateway_http_requests_total{route=\"/v1/things/{id}\","
                        "method=\"GET\",status=\"503\"} 1"));
  EXPECT_THAT(
      metrics.body,
      HasSubstr("gateway_upstream_errors_total{code=\"UNAVAILABLE\"} 1"));
  // The scrape itself is in flight while it is written.
  EXPECT_THAT(metrics.body, HasSubstr("gateway_http_requests_in_flight 1"));
  EXPECT_THAT(metrics.body,
              HasSubstr("gateway_http_request_duration_seconds_bucket"));
}

TEST_F(GatewayHandlerTest, UnknownMethodsShareOneMetricsLabel) {
  metrics::Registry registry;
  GatewayHandlerOptions options;
  options.metrics = &registry;
  Reset(std::move(options));
  Handle("BREW", "/v1/things/t1");
  Handle("FROB", "/v1/things/t1");
  EXPECT_THAT(registry.TextExposition(),
              HasSubstr("method=\"OTHER\",status=\"405\"} 2"));
}

struct ContentTypeCase {
  const char* value;
  bool json;
};

class IsJsonContentTypeTest : public ::testing::TestWithParam<ContentTypeCase> {
};

TEST_P(IsJsonContentTypeTest, AcceptsJsonWithUtf8OrNoCharset) {
  EXPECT_EQ(IsJsonContentType(GetParam().value), GetParam().json)
      << GetParam().value;
}

INSTANTIATE_TEST_SUITE_P(
    Table, IsJsonContentTypeTest,
    ::testing::Values(
        ContentTypeCase{"application/json", true},
        ContentTypeCase{"Application/JSON", true},
        ContentTypeCase{" application/json ", true},
        ContentTypeCase{"application/json; charset=utf-8", true},
        ContentTypeCase{"application/json;charset=\"UTF-8\"", true},
        ContentTypeCase{"application/json; foo=bar", true},
        ContentTypeCase{"application/json; charset=latin1", false},
        ContentTypeCase{"application/jsonx", false},
        ContentTypeCase{"text/json", false},
        ContentTypeCase{"text/plain", false}, ContentTypeCase{"", false}));

// The console's files are open to all, before authentication and rate
// limits, while the API behind them still needs a token.
TEST_F(GatewayHandlerTest, ServesTheConsoleWithoutATokenAndTheApiWithOne) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::filesystem::path dir =
      std::filesystem::path(tmp == nullptr ? "/tmp" : tmp) /
      absl::StrCat("handler_console_", getpid());
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "index.html") << "<!doctype html><title>c</title>";
  absl::StatusOr<StaticFiles> console = StaticFiles::Load(dir.string());
  ASSERT_TRUE(console.ok()) << console.status();
  absl::StatusOr<TokenStore> tokens = TokenStore::Parse(
      absl::StrCat("reader ", HashToken("r-token"), " scopes=read\n"), "test");
  ASSERT_TRUE(tokens.ok()) << tokens.status();
  // A limiter with no burst to spare: the console must not spend it.
  RateLimiter limiter(RateLimit{0.001, 1});
  GatewayHandlerOptions options;
  options.tokens = &*tokens;
  options.rate_limiter = &limiter;
  options.console = &*console;
  Reset(std::move(options));

  for (int i = 0; i < 3; ++i) {
    HttpResponse page = Handle("GET", "/console/");
    EXPECT_EQ(page.status, 200);
    EXPECT_EQ(page.body, "<!doctype html><title>c</title>");
    EXPECT_EQ(HeaderOf(page, "Content-Type"), "text/html; charset=utf-8");
    EXPECT_EQ(HeaderOf(page, "X-Frame-Options"), "DENY");
    EXPECT_FALSE(HeaderOf(page, "X-Request-Id").empty());
  }
  EXPECT_EQ(Handle("GET", "/console").status, 301);
  EXPECT_EQ(Handle("GET", "/console/../v1/things/t1").status, 404);
  EXPECT_EQ(Handle("POST", "/console/").status, 405);
  EXPECT_TRUE(backend_.calls.empty());

  EXPECT_EQ(Handle("GET", "/v1/things/t1").status, 401);
  EXPECT_EQ(
      Handle("GET", "/v1/things/t1", {{"Authorization", "Bearer r-token"}})
          .status,
      200);
  std::filesystem::remove_all(dir);
}

// Without a console directory, /console/ is an unknown path like any other.
TEST_F(GatewayHandlerTest, NoConsoleUnlessConfigured) {
  HttpResponse response = Handle("GET", "/console/");
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(HeaderOf(response, "Content-Type"), "application/json");
}

}  // namespace
}  // namespace opsbrain::gateway
