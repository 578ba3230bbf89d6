#include "tests/gateway/http_test_client.h"

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "boost/asio/connect.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/write.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"

namespace opsbrain::gateway::testing {
namespace {

namespace beast = ::boost::beast;
namespace http = ::boost::beast::http;
namespace net = ::boost::asio;
using tcp = ::boost::asio::ip::tcp;

// The largest response a test reads.
constexpr uint64_t kMaxResponseBytes = 64 << 20;

// Runs `io` until `done`. Every operation runs under the stream's expiry,
// so each completes (with beast::error::timeout at worst) and this ends.
void RunUntil(net::io_context& io, const bool& done) {
  io.restart();
  while (!done && io.run_one() > 0) {
  }
}

absl::Status ToStatus(const beast::error_code& ec, absl::string_view what) {
  if (ec == beast::error::timeout) {
    return absl::DeadlineExceededError(absl::StrCat(what, ": timed out"));
  }
  return absl::UnavailableError(absl::StrCat(what, ": ", ec.message()));
}

beast::error_code Connect(net::io_context& io, beast::tcp_stream& stream,
                          int port, absl::Duration timeout) {
  bool done = false;
  beast::error_code result;
  stream.expires_after(absl::ToChronoNanoseconds(timeout));
  stream.async_connect(tcp::endpoint(net::ip::address_v4::loopback(),
                                     static_cast<uint16_t>(port)),
                       [&](beast::error_code ec) {
                         result = ec;
                         done = true;
                       });
  RunUntil(io, done);
  return result;
}

absl::StatusOr<TestResponse> ReadResponse(net::io_context& io,
                                          beast::tcp_stream& stream,
                                          beast::flat_buffer& buffer) {
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxResponseBytes);
  bool done = false;
  beast::error_code result;
  http::async_read(stream, buffer, parser, [&](beast::error_code ec, size_t) {
    result = ec;
    done = true;
  });
  RunUntil(io, done);
  if (result) return ToStatus(result, "read");

  http::response<http::string_body> message = parser.release();
  TestResponse response;
  response.status = static_cast<int>(message.result_int());
  for (const auto& field : message) {
    response.headers.emplace_back(std::string(field.name_string()),
                                  std::string(field.value()));
  }
  response.body = std::move(message.body());
  response.keep_alive = message.keep_alive();
  return response;
}

}  // namespace

std::string TestResponse::Header(absl::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (absl::EqualsIgnoreCase(key, name)) return value;
  }
  return "";
}

struct HttpTestClient::Impl {
  Impl(int port_in, absl::Duration timeout_in)
      : port(port_in), timeout(timeout_in) {}

  const int port;
  const absl::Duration timeout;
  net::io_context io;
  std::optional<beast::tcp_stream> stream;
  beast::flat_buffer buffer;
  int connections = 0;
};

HttpTestClient::HttpTestClient(int port, absl::Duration timeout)
    : impl_(std::make_unique<Impl>(port, timeout)) {}

HttpTestClient::~HttpTestClient() = default;

int HttpTestClient::connections_opened() const { return impl_->connections; }

absl::StatusOr<TestResponse> HttpTestClient::Send(absl::string_view method,
                                                  absl::string_view target,
                                                  absl::string_view body,
                                                  const TestHeaders& headers) {
  Impl& impl = *impl_;
  if (!impl.stream.has_value()) {
    impl.stream.emplace(impl.io);
    impl.buffer.clear();
    beast::error_code ec =
        Connect(impl.io, *impl.stream, impl.port, impl.timeout);
    if (ec) {
      impl.stream.reset();
      return ToStatus(ec, "connect");
    }
    ++impl.connections;
  }

  // Write the request.
  http::request<http::string_body> request;
  request.version(11);
  request.method_string(beast::string_view(method.data(), method.size()));
  request.target(beast::string_view(target.data(), target.size()));
  request.set(http::field::host, "127.0.0.1");
  for (const auto& [name, value] : headers) request.insert(name, value);
  if (!body.empty()) {
    request.body() = std::string(body);
    request.prepare_payload();
  }
  bool done = false;
  beast::error_code result;
  impl.stream->expires_after(absl::ToChronoNanoseconds(impl.timeout));
  http::async_write(*impl.stream, request, [&](beast::error_code ec, size_t) {
    result = ec;
    done = true;
  });
  RunUntil(impl.io, done);
  if (result) {
    impl.stream.reset();
    return ToStatus(result, "write");
  }

  // Read the response; drop the connection unless it stays open.
  absl::StatusOr<TestResponse> response =
      ReadResponse(impl.io, *impl.stream, impl.buffer);
  if (!response.ok() || !response->keep_alive) impl.stream.reset();
  return response;
}

absl::StatusOr<TestResponse> SendRaw(int port, absl::string_view bytes,
                                     bool half_close, absl::Duration timeout) {
  net::io_context io;
  beast::tcp_stream stream(io);
  beast::error_code ec = Connect(io, stream, port, timeout);
  if (ec) return ToStatus(ec, "connect");

  bool done = false;
  stream.expires_after(absl::ToChronoNanoseconds(timeout));
  net::async_write(stream, net::buffer(bytes.data(), bytes.size()),
                   [&](beast::error_code write_ec, size_t) {
                     ec = write_ec;
                     done = true;
                   });
  RunUntil(io, done);
  if (ec) return ToStatus(ec, "write");
  if (half_close) stream.socket().shutdown(tcp::socket::shutdown_send, ec);

  beast::flat_buffer buffer;
  stream.expires_after(absl::ToChronoNanoseconds(timeout));
  return ReadResponse(io, stream, buffer);
}

absl::StatusOr<std::string> ReadUntilClosed(int port, absl::string_view bytes,
                                            absl::Duration timeout) {
  net::io_context io;
  beast::tcp_stream stream(io);
  beast::error_code ec = Connect(io, stream, port, timeout);
  if (ec) return ToStatus(ec, "connect");

  bool done = false;
  stream.expires_after(absl::ToChronoNanoseconds(timeout));
  net::async_write(stream, net::buffer(bytes.data(), bytes.size()),
                   [&](beast::error_code write_ec, size_t) {
                     ec = write_ec;
                     done = true;
                   });
  RunUntil(io, done);
  if (ec) return ToStatus(ec, "write");

  // One deadline for the whole read.
  std::string received;
  std::array<char, 4096> data;
  while (true) {
    done = false;
    size_t n = 0;
    stream.async_read_some(net::buffer(data),
                           [&](beast::error_code read_ec, size_t size) {
                             ec = read_ec;
                             n = size;
                             done = true;
                           });
    RunUntil(io, done);
    received.append(data.data(), n);
    if (ec == net::error::eof) return received;
    if (ec) return ToStatus(ec, "read");
  }
}

absl::StatusOr<absl::Duration> TimeUntilClosed(int port,
                                               absl::string_view bytes,
                                               absl::Duration timeout) {
  net::io_context io;
  beast::tcp_stream stream(io);
  beast::error_code ec = Connect(io, stream, port, timeout);
  if (ec) return ToStatus(ec, "connect");
  const absl::Time start = absl::Now();

  bool done = false;
  stream.expires_after(absl::ToChronoNanoseconds(timeout));
  net::async_write(stream, net::buffer(bytes.data(), bytes.size()),
                   [&](beast::error_code write_ec, size_t) {
                     ec = write_ec;
                     done = true;
                   });
  RunUntil(io, done);
  if (ec) return ToStatus(ec, "write");

  // A close shows as end of file, or as a reset if the server had unread
  // data; either is the answer.
  std::array<char, 1024> data;
  size_t received = 0;
  done = false;
  stream.async_read_some(net::buffer(data),
                         [&](beast::error_code read_ec, size_t n) {
                           ec = read_ec;
                           received = n;
                           done = true;
                         });
  RunUntil(io, done);
  if (ec == beast::error::timeout) {
    return absl::DeadlineExceededError("the server kept the connection open");
  }
  if (!ec && received > 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the server answered: ", absl::string_view(data.data(), received)));
  }
  return absl::Now() - start;
}

}  // namespace opsbrain::gateway::testing
