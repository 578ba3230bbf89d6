#include "gateway/http_server.h"

#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "gateway/http_types.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/gateway/http_test_client.h"

namespace opsbrain::gateway {
namespace {

using ::opsbrain::gateway::testing::HttpTestClient;
using ::opsbrain::gateway::testing::ReadUntilClosed;
using ::opsbrain::gateway::testing::SendRaw;
using ::opsbrain::gateway::testing::TestResponse;
using ::opsbrain::gateway::testing::TimeUntilClosed;
using ::testing::HasSubstr;
using ::testing::Not;

// Answers "METHOD TARGET BODY", at once, or for target "/later" only when
// the test releases it, from another thread.
class EchoHandler : public HttpHandler {
 public:
  void Handle(HttpRequest request, Respond respond) override {
    HttpResponse response;
    response.body =
        absl::StrCat(request.method, " ", request.target, " ", request.body);
    const std::string* header = FindHeader(request.headers, "X-Echo");
    if (header != nullptr) response.headers.push_back({"X-Echo", *header});
    if (request.target != "/later") return respond(std::move(response));

    absl::MutexLock lock(&mu_);
    later_ = [respond, response]() { respond(response); };
  }

  HttpResponse HandleUnreadable(const HttpRequest& head, int http_status,
                                absl::string_view reason) override {
    HttpResponse response;
    response.status = http_status;
    response.body = absl::StrCat("unreadable ", head.target, ": ", reason);
    return response;
  }

  // Waits for the "/later" request and answers it from a new thread.
  void ReleaseLater() {
    std::function<void()> later;
    {
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(
          absl::Condition(
              +[](std::function<void()>* f) { return static_cast<bool>(*f); },
              &later_),
          absl::Seconds(10));
      later = std::move(later_);
    }
    ASSERT_TRUE(later);
    std::thread(later).join();
  }

 private:
  absl::Mutex mu_;
  std::function<void()> later_ ABSL_GUARDED_BY(mu_);
};

class HttpServerTest : public ::testing::Test {
 protected:
  void StartServer(HttpServerOptions options) {
    options.address = "127.0.0.1";
    options.port = 0;
    server_ = std::make_unique<HttpServer>(options, &handler_);
    ASSERT_TRUE(server_->Start().ok());
    ASSERT_GT(server_->port(), 0);
  }

  void SetUp() override {
    HttpServerOptions options;
    options.threads = 2;
    options.max_body_bytes = 100;
    options.max_header_bytes = 1024;
    options.read_timeout = absl::Milliseconds(300);
    StartServer(options);
  }

  int port() const { return server_->port(); }

  EchoHandler handler_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(HttpServerTest, ServesManyRequestsOnOneConnection) {
  HttpTestClient client(port());
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<TestResponse> response =
        client.Send("POST", absl::StrCat("/r", i), "hi", {{"X-Echo", "e"}});
    ASSERT_TRUE(response.ok()) << response.status();
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->body, absl::StrCat("POST /r", i, " hi"));
    EXPECT_EQ(response->Header("X-Echo"), "e");
    EXPECT_TRUE(response->keep_alive);
  }
  EXPECT_EQ(client.connections_opened(), 1);
}

TEST_F(HttpServerTest, ClosesWhenTheClientAsks) {
  absl::StatusOr<std::string> raw = ReadUntilClosed(
      port(), "GET /a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  ASSERT_TRUE(raw.ok()) << raw.status();
  EXPECT_THAT(*raw, HasSubstr("HTTP/1.1 200 OK"));
  EXPECT_THAT(*raw, HasSubstr("Connection: close"));
}

TEST_F(HttpServerTest, Http10ClosesByDefault) {
  absl::StatusOr<std::string> raw =
      ReadUntilClosed(port(), "GET /a HTTP/1.0\r\n\r\n");
  ASSERT_TRUE(raw.ok()) << raw.status();
  EXPECT_THAT(*raw, HasSubstr("HTTP/1.0 200 OK"));
}

TEST_F(HttpServerTest, AnswersExpectContinue) {
  absl::StatusOr<std::string> raw =
      ReadUntilClosed(port(),
                      "POST /c HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                      "Content-Length: 2\r\nConnection: close\r\n\r\nhi");
  ASSERT_TRUE(raw.ok()) << raw.status();
  EXPECT_THAT(*raw, HasSubstr("HTTP/1.1 100 Continue\r\n"));
  EXPECT_THAT(*raw, HasSubstr("POST /c hi"));
}

TEST_F(HttpServerTest, ReadsAChunkedBody) {
  absl::StatusOr<std::string> raw = ReadUntilClosed(
      port(),
      "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n"
      "Connection: close\r\n\r\n2\r\nhi\r\n1\r\n!\r\n0\r\n\r\n");
  ASSERT_TRUE(raw.ok()) << raw.status();
  EXPECT_THAT(*raw, HasSubstr("HTTP/1.1 200 OK"));
  EXPECT_THAT(*raw, HasSubstr("POST /c hi!"));
}

TEST_F(HttpServerTest, NeverServesWhatFollowsAnUnreadableBody) {
  absl::StatusOr<std::string> raw = ReadUntilClosed(
      port(),
      "POST /s HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n"
      "\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(raw.ok()) << raw.status();
  EXPECT_THAT(*raw, HasSubstr("HTTP/1.1 400 Bad Request"));
  EXPECT_THAT(*raw, Not(HasSubstr("GET /smuggled")));
}

TEST_F(HttpServerTest, RespondsLaterFromAnotherThread) {
  std::optional<absl::StatusOr<TestResponse>> response;
  std::thread client([this, &response] {
    HttpTestClient c(port());
    response = c.Send("GET", "/later");
  });
  handler_.ReleaseLater();
  client.join();
  ASSERT_TRUE(response.has_value());
  ASSERT_TRUE(response->ok()) << response->status();
  EXPECT_EQ((*response)->body, "GET /later ");
}

struct UnreadableCase {
  const char* name;
  std::string bytes;
  bool half_close;
  int status;
  const char* reason;
};

class HttpServerUnreadableTest
    : public HttpServerTest,
      public ::testing::WithParamInterface<UnreadableCase> {};

TEST_P(HttpServerUnreadableTest, AnswersThroughTheHandlerAndCloses) {
  const UnreadableCase& c = GetParam();
  absl::StatusOr<TestResponse> response =
      SendRaw(port(), c.bytes, c.half_close);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, c.status);
  EXPECT_THAT(response->body, HasSubstr(c.reason));
  EXPECT_FALSE(response->keep_alive);

  // The server still serves.
  HttpTestClient client(port());
  absl::StatusOr<TestResponse> next = client.Send("GET", "/next");
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(next->status, 200);
}

INSTANTIATE_TEST_SUITE_P(
    Table, HttpServerUnreadableTest,
    ::testing::Values(
        UnreadableCase{"BodyOverLimit",
                       "POST /big HTTP/1.1\r\nHost: x\r\n"
                       "Content-Length: 101\r\n\r\n" +
                           std::string(101, 'b'),
                       false, 413,
                       "unreadable /big: the request body "
                       "exceeds 100 bytes"},
        UnreadableCase{"ChunkedBodyOverLimit",
                       "POST /big HTTP/1.1\r\nHost: x\r\n"
                       "Transfer-Encoding: chunked\r\n\r\n"
                       "80\r\n" +
                           std::string(128, 'b') + "\r\n0\r\n\r\n",
                       false, 413, "exceeds 100 bytes"},
        UnreadableCase{"HeadersOverLimit",
                       "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " +
                           std::string(2000, 'h') + "\r\n\r\n",
                       false, 431, "exceed 1024 bytes"},
        UnreadableCase{"Garbage", "GARBAGE\r\n\r\n", false, 400,
                       "malformed HTTP request"},
        UnreadableCase{"BadVersion", "GET / HTTP/1.1x\r\n\r\n", false, 400,
                       "malformed HTTP request"},
        UnreadableCase{"BadContentLength",
                       "POST / HTTP/1.1\r\nContent-Length: abc\r\n\r\n", false,
                       400, "malformed HTTP request"},
        UnreadableCase{
            "BadChunk",
            "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
            "zz\r\n",
            false, 400, "malformed HTTP request"},
        UnreadableCase{
            "TruncatedBody",
            "POST /t HTTP/1.1\r\nHost: x\r\nContent-Length: 20\r\n\r\nshort",
            true, 400, "ended before it was complete"},
        UnreadableCase{"TruncatedHeaders", "GET / HTTP/1.1\r\nHost: x", true,
                       400, "ended before it was complete"},
        // Framing a reader could take two ways: each is refused, and what
        // follows the head is never read as a second request.
        UnreadableCase{"ChunkedNotLast",
                       "POST /s HTTP/1.1\r\nHost: x\r\n"
                       "Transfer-Encoding: chunked, gzip\r\n\r\n"
                       "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n",
                       false, 400, "only Transfer-Encoding accepted"},
        UnreadableCase{"UnknownCoding",
                       "POST /s HTTP/1.1\r\nHost: x\r\n"
                       "Transfer-Encoding: xchunked\r\n\r\n"
                       "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n",
                       false, 400, "only Transfer-Encoding accepted"},
        UnreadableCase{"CodingBeforeChunked",
                       "POST /s HTTP/1.1\r\nHost: x\r\n"
                       "Transfer-Encoding: gzip, chunked\r\n\r\n"
                       "2\r\n{}\r\n0\r\n\r\n",
                       false, 400, "only Transfer-Encoding accepted"},
        UnreadableCase{"ChunkedInHttp10",
                       "POST /s HTTP/1.0\r\nHost: x\r\n"
                       "Transfer-Encoding: chunked\r\n\r\n"
                       "2\r\n{}\r\n0\r\n\r\n",
                       false, 400, "not allowed in an HTTP/1.0 request"},
        UnreadableCase{"Http11WithoutHost",
                       "GET / HTTP/1.1\r\nConnection: keep-alive\r\n\r\n",
                       false, 400, "must have a Host header"},
        UnreadableCase{"Trailers",
                       "POST /s HTTP/1.1\r\nHost: x\r\n"
                       "Transfer-Encoding: chunked\r\n\r\n"
                       "2\r\n{}\r\n0\r\nAuthorization: Bearer t\r\n\r\n",
                       false, 400, "trailer fields"}),
    [](const ::testing::TestParamInfo<UnreadableCase>& info) {
      return std::string(info.param.name);
    });

TEST_F(HttpServerTest, CutsOffAHalfRequestAfterTheReadTimeout) {
  absl::StatusOr<absl::Duration> took = TimeUntilClosed(
      port(), "GET / HTTP/1.1\r\nHost: x\r\n", absl::Seconds(5));
  ASSERT_TRUE(took.ok()) << took.status();
  EXPECT_GE(*took, absl::Milliseconds(250));
}

TEST_F(HttpServerTest, CutsOffAHalfBodyAfterTheReadTimeout) {
  absl::StatusOr<absl::Duration> took = TimeUntilClosed(
      port(), "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\nhalf",
      absl::Seconds(5));
  ASSERT_TRUE(took.ok()) << took.status();
  EXPECT_GE(*took, absl::Milliseconds(250));
}

TEST_F(HttpServerTest, ClosesAnIdleConnectionAfterTheReadTimeout) {
  absl::StatusOr<absl::Duration> took =
      TimeUntilClosed(port(), "", absl::Seconds(5));
  ASSERT_TRUE(took.ok()) << took.status();
  EXPECT_GE(*took, absl::Milliseconds(250));
}

TEST_F(HttpServerTest, StopsWithConnectionsOpen) {
  HttpTestClient client(port());
  ASSERT_TRUE(client.Send("GET", "/a").ok());
  server_->Stop();
  server_->Stop();
  // Destroying the server closes the connections it still held.
  server_.reset();
  EXPECT_FALSE(client.Send("GET", "/b").ok());
}

TEST(HttpServerStartTest, RejectsABadAddress) {
  EchoHandler handler;
  HttpServerOptions options;
  options.address = "not-an-address";
  options.port = 0;
  HttpServer server(options, &handler);
  EXPECT_EQ(server.Start().code(), absl::StatusCode::kInvalidArgument);
}

TEST(HttpServerStartTest, ReportsAPortInUse) {
  EchoHandler handler;
  HttpServerOptions options;
  options.address = "127.0.0.1";
  options.port = 0;
  HttpServer first(options, &handler);
  ASSERT_TRUE(first.Start().ok());
  options.port = first.port();
  HttpServer second(options, &handler);
  EXPECT_EQ(second.Start().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace opsbrain::gateway
