#include "common/metrics_http_server.h"

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/asio/strand.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "common/logging.h"

namespace opsbrain::metrics {
namespace {

namespace beast = ::boost::beast;
namespace http = ::boost::beast::http;
namespace net = ::boost::asio;
using tcp = ::boost::asio::ip::tcp;

constexpr auto kRequestTimeout = std::chrono::seconds(10);
constexpr uint32_t kMaxHeaderBytes = 8 << 10;
constexpr uint64_t kMaxBodyBytes = 1 << 10;
// After a failed accept (out of descriptors, as a rule), wait before the
// next rather than spin.
constexpr auto kAcceptBackoff = std::chrono::milliseconds(100);

// One client connection: read a request, answer it, repeat while the
// client keeps the connection alive.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, const Registry* registry)
      : stream_(std::move(socket)), registry_(registry) {}

  void Start() { Read(); }

 private:
  void Read() {
    parser_.emplace();
    parser_->header_limit(kMaxHeaderBytes);
    parser_->body_limit(kMaxBodyBytes);
    stream_.expires_after(kRequestTimeout);
    http::async_read(
        stream_, buffer_, *parser_,
        beast::bind_front_handler(&Session::OnRead, shared_from_this()));
  }

  void OnRead(beast::error_code ec, size_t) {
    if (ec == http::error::end_of_stream) {
      beast::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
      return;
    }
    if (ec) {
      // Timed out, reset, or unreadable: nothing useful to answer on a
      // metrics port beyond a plain 400 for the last case.
      if (ec.category() ==
          http::make_error_code(http::error::bad_method).category()) {
        Send(Answer(http::status::bad_request, "bad request\n", 11, false));
      }
      return;
    }
    const http::request<http::string_body>& request = parser_->get();
    Send(Respond(request));
  }

  std::unique_ptr<http::response<http::string_body>> Answer(http::status status,
                                                            std::string body,
                                                            unsigned version,
                                                            bool keep_alive) {
    auto response =
        std::make_unique<http::response<http::string_body>>(status, version);
    response->set(http::field::content_type, "text/plain; charset=utf-8");
    response->body() = std::move(body);
    response->keep_alive(keep_alive);
    response->prepare_payload();
    return response;
  }

  std::unique_ptr<http::response<http::string_body>> Respond(
      const http::request<http::string_body>& request) {
    const unsigned version = request.version();
    const bool keep_alive = request.keep_alive();
    const beast::string_view target = request.target();
    const beast::string_view path = target.substr(0, target.find('?'));
    if (path != "/metrics") {
      return Answer(http::status::not_found,
                    "not found; metrics are at /metrics\n", version,
                    keep_alive);
    }
    if (request.method() != http::verb::get &&
        request.method() != http::verb::head) {
      auto response = Answer(http::status::method_not_allowed,
                             "only GET and HEAD\n", version, keep_alive);
      response->set(http::field::allow, "GET, HEAD");
      return response;
    }
    auto response = Answer(http::status::ok, registry_->TextExposition(),
                           version, keep_alive);
    response->set(http::field::content_type, kTextContentType);
    if (request.method() == http::verb::head) {
      // Content-Length stays that of the GET answer, as HEAD requires.
      const size_t length = response->body().size();
      response->body().clear();
      response->content_length(length);
    }
    return response;
  }

  void Send(std::unique_ptr<http::response<http::string_body>> response) {
    response_ = std::move(response);
    const bool keep_alive = response_->keep_alive();
    stream_.expires_after(kRequestTimeout);
    http::async_write(stream_, *response_,
                      beast::bind_front_handler(
                          &Session::OnWrite, shared_from_this(), keep_alive));
  }

  void OnWrite(bool keep_alive, beast::error_code ec, size_t) {
    response_.reset();
    if (ec) return;
    if (!keep_alive) {
      beast::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
      return;
    }
    Read();
  }

  beast::tcp_stream stream_;
  const Registry* const registry_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::unique_ptr<http::response<http::string_body>> response_;
};

}  // namespace

struct MetricsHttpServer::Impl {
  explicit Impl(const Registry* registry_in)
      : registry(registry_in),
        io_context(1),
        acceptor(io_context),
        backoff(io_context) {}

  void Accept() {
    acceptor.async_accept(
        net::make_strand(io_context),
        [this](beast::error_code ec, tcp::socket socket) {
          if (ec == net::error::operation_aborted || !acceptor.is_open()) {
            return;
          }
          if (ec) {
            OPSBRAIN_LOG(WARNING)
                << "metrics endpoint: accept failed: " << ec.message();
            backoff.expires_after(kAcceptBackoff);
            backoff.async_wait([this](beast::error_code) { Accept(); });
            return;
          }
          std::make_shared<Session>(std::move(socket), registry)->Start();
          Accept();
        });
  }

  const Registry* const registry;
  net::io_context io_context;
  tcp::acceptor acceptor;
  net::steady_timer backoff;
  std::thread worker;
  int port = 0;
};

absl::StatusOr<ListenAddress> ParseListenAddress(absl::string_view listen) {
  const size_t colon = listen.rfind(':');
  if (colon == absl::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("listen address '", listen,
                     "' is not host:port (e.g. 127.0.0.1:9090)"));
  }
  ListenAddress address;
  absl::string_view host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  address.host = host.empty() ? "0.0.0.0" : std::string(host);
  if (!absl::SimpleAtoi(listen.substr(colon + 1), &address.port) ||
      address.port < 0 || address.port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("listen address '", listen, "' has no valid port"));
  }
  return address;
}

MetricsHttpServer::MetricsHttpServer(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)) {}

absl::StatusOr<std::unique_ptr<MetricsHttpServer>> MetricsHttpServer::Start(
    absl::string_view listen, const Registry* registry) {
  absl::StatusOr<ListenAddress> parsed = ParseListenAddress(listen);
  if (!parsed.ok()) return parsed.status();
  beast::error_code ec;
  const net::ip::address address = net::ip::make_address(parsed->host, ec);
  if (ec) {
    return absl::InvalidArgumentError(
        absl::StrCat("listen address '", listen, "' has no valid IP host"));
  }

  auto impl = std::make_unique<Impl>(registry);
  const tcp::endpoint endpoint(address, static_cast<uint16_t>(parsed->port));
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(endpoint, ec);
  if (!ec) impl->acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", listen, ": ", ec.message()));
  }
  impl->port = impl->acceptor.local_endpoint(ec).port();
  impl->Accept();
  Impl* raw = impl.get();
  impl->worker = std::thread([raw] { raw->io_context.run(); });
  return std::unique_ptr<MetricsHttpServer>(
      new MetricsHttpServer(std::move(impl)));
}

MetricsHttpServer::~MetricsHttpServer() {
  impl_->io_context.stop();
  if (impl_->worker.joinable()) impl_->worker.join();
  beast::error_code ignored;
  impl_->acceptor.close(ignored);
}

int MetricsHttpServer::port() const { return impl_->port; }

}  // namespace opsbrain::metrics
