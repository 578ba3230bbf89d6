#include "common/metrics_http_server.h"

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "boost/asio/connect.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "common/metrics.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace opsbrain::metrics {
namespace {

namespace beast = ::boost::beast;
namespace http = ::boost::beast::http;
using tcp = ::boost::asio::ip::tcp;
using ::testing::HasSubstr;

// Sends requests on one kept-alive connection.
class Client {
 public:
  explicit Client(int port) : socket_(io_) {
    tcp::resolver resolver(io_);
    boost::asio::connect(socket_,
                         resolver.resolve("127.0.0.1", std::to_string(port)));
  }

  http::response<http::string_body> Send(http::verb method,
                                         const std::string& target) {
    http::request<http::string_body> request(method, target, 11);
    request.set(http::field::host, "127.0.0.1");
    request.keep_alive(true);
    http::write(socket_, request);
    http::response_parser<http::string_body> parser;
    parser.skip(method == http::verb::head);
    http::read(socket_, buffer_, parser);
    return parser.release();
  }

 private:
  boost::asio::io_context io_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
};

class MetricsHttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    registry_.AddCounter("served_total", "Served.")->WithLabels()->Increment(3);
    absl::StatusOr<std::unique_ptr<MetricsHttpServer>> server =
        MetricsHttpServer::Start("127.0.0.1:0", &registry_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }

  Registry registry_;
  std::unique_ptr<MetricsHttpServer> server_;
};

TEST_F(MetricsHttpServerTest, GetMetricsAnswersTheTextFormat) {
  Client client(server_->port());
  http::response<http::string_body> response =
      client.Send(http::verb::get, "/metrics");
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_EQ(response[http::field::content_type], kTextContentType);
  EXPECT_THAT(response.body(), HasSubstr("served_total 3\n"));

  // The same connection serves the next scrape, which sees new values.
  registry_.AddCounter("served_total", "Served.")->WithLabels()->Increment();
  response = client.Send(http::verb::get, "/metrics?x=1");
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_THAT(response.body(), HasSubstr("served_total 4\n"));
}

TEST_F(MetricsHttpServerTest, AnswersOtherPathsAndMethodsWithErrors) {
  struct Case {
    http::verb method;
    const char* target;
    int status;
  };
  const Case kCases[] = {
      {http::verb::get, "/", 404},
      {http::verb::get, "/metricsx", 404},
      {http::verb::post, "/metrics", 405},
      {http::verb::delete_, "/metrics", 405},
      {http::verb::head, "/metrics", 200},
  };
  Client client(server_->port());
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.target);
    http::response<http::string_body> response =
        client.Send(c.method, c.target);
    EXPECT_EQ(response.result_int(), c.status);
    if (c.status == 405) {
      EXPECT_EQ(response[http::field::allow], "GET, HEAD");
    }
  }
}

TEST(ParseListenAddressTest, AcceptsHostPortForms) {
  struct Case {
    const char* listen;
    bool ok;
    const char* host;
    int port;
  };
  const Case kCases[] = {
      {"127.0.0.1:9090", true, "127.0.0.1", 9090},
      {"[::1]:0", true, "::1", 0},
      {":9090", true, "0.0.0.0", 9090},
      {"127.0.0.1", false, "", 0},
      {"127.0.0.1:http", false, "", 0},
      {"127.0.0.1:70000", false, "", 0},
  };
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.listen);
    absl::StatusOr<ListenAddress> address = ParseListenAddress(c.listen);
    ASSERT_EQ(address.ok(), c.ok) << address.status();
    if (!c.ok) continue;
    EXPECT_EQ(address->host, c.host);
    EXPECT_EQ(address->port, c.port);
  }
}

TEST(MetricsHttpServerStartTest, RefusesBadAndTakenAddresses) {
  Registry registry;
  EXPECT_EQ(MetricsHttpServer::Start("nowhere:1", &registry).status().code(),
            absl::StatusCode::kInvalidArgument);
  absl::StatusOr<std::unique_ptr<MetricsHttpServer>> first =
      MetricsHttpServer::Start("127.0.0.1:0", &registry);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(MetricsHttpServer::Start(
                absl::StrCat("127.0.0.1:", (*first)->port()), &registry)
                .status()
                .code(),
            absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace opsbrain::metrics
