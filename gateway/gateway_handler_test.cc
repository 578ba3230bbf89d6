#include "gateway/gateway_handler.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gateway/backend.h"
#include "gateway/http_types.h"
#include "gateway/request_id.h"
#include "gateway/router.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/wrappers.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/support/status.h"
#include "gtest/gtest.h"
#include "opsbrain/gatewaytest/v1/gateway_test.pb.h"

namespace opsbrain::gateway {
namespace {

using ::opsbrain::gatewaytest::v1::EchoRequest;
using ::opsbrain::gatewaytest::v1::EchoResponse;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

// Answers every call at once with a preset result, and records the calls.
class FakeBackend : public Backend {
 public:
  void Call(BackendCall call, CallDone done) override {
    calls.push_back(call);
    done(status, response);
  }
  void CheckHealth(absl::Time, HealthDone done) override { done(health); }

  grpc::Status status = grpc::Status::OK;
  std::string response;
  absl::Status health = absl::OkStatus();
  std::vector<BackendCall> calls;
};

class GatewayHandlerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<Router> router = Router::Build(
        {EchoRequest::descriptor()->file()->FindServiceByName("GatewayTest")});
    ASSERT_TRUE(router.ok()) << router.status();
    router_ = *std::move(router);
    EchoResponse echo;
    echo.set_rpc("GetThing");
    backend_.response = echo.SerializeAsString();
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
    handler_.Handle(std::move(request),
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
  GatewayHandler handler_{&router_, &backend_, absl::Seconds(7)};
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

TEST_F(GatewayHandlerTest, PassesASaneRequestIdOnAsTheOnlyMetadata) {
  HttpResponse response = Handle("GET", "/v1/things/t1",
                                 {{"X-Request-Id", "abc-123"},
                                  {"X-Opsbrain-Actor", "admin"},
                                  {"x-opsbrain-scopes", "secrets"},
                                  {"Authorization", "Bearer t"}});
  EXPECT_EQ(HeaderOf(response, "X-Request-Id"), "abc-123");
  ASSERT_EQ(backend_.calls.size(), 1u);
  EXPECT_THAT(backend_.calls[0].metadata,
              ElementsAre(Pair("x-request-id", "abc-123")));
}

TEST_F(GatewayHandlerTest, ReplacesAnInsaneRequestId) {
  HttpResponse response =
      Handle("GET", "/v1/things/t1", {{"X-Request-Id", "bad id;"}});
  const std::string id = HeaderOf(response, "X-Request-Id");
  EXPECT_NE(id, "bad id;");
  EXPECT_TRUE(IsSaneRequestId(id));
  ASSERT_EQ(backend_.calls.size(), 1u);
  EXPECT_THAT(backend_.calls[0].metadata,
              ElementsAre(Pair("x-request-id", id)));
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
  EXPECT_EQ(Handle("GET", "/readyz").status, 200);

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
  HttpResponse response = handler_.HandleUnreadable(head, 413, "too big");
  EXPECT_EQ(response.status, 413);
  EXPECT_EQ(HeaderOf(response, "X-Request-Id"), "r1");
  EXPECT_EQ(ErrorOf(response).code(), 3);
  EXPECT_EQ(ErrorOf(response).message(), "too big");

  response = handler_.HandleUnreadable(HttpRequest{}, 400, "garbage");
  EXPECT_TRUE(IsSaneRequestId(HeaderOf(response, "X-Request-Id")));
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

}  // namespace
}  // namespace opsbrain::gateway
