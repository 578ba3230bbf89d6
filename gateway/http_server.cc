#include "gateway/http_server.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "boost/asio/dispatch.hpp"
#include "boost/asio/executor_work_guard.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/post.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/asio/strand.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "common/logging.h"
#include "gateway/http_types.h"

namespace opsbrain::gateway {
namespace {

namespace beast = ::boost::beast;
namespace http = ::boost::beast::http;
namespace net = ::boost::asio;
using tcp = ::boost::asio::ip::tcp;

// After an error answer, the server reads and drops what the client still
// sends for at most this long before closing, so that closing with unread
// data (which makes the kernel send RST) does not destroy the answer.
constexpr absl::Duration kMaxLinger = absl::Seconds(2);

// After a failed accept (out of descriptors, as a rule), wait this long
// before the next, rather than spin.
constexpr auto kAcceptBackoff = std::chrono::milliseconds(50);

// Most header fields (trailers included) a request may have. The byte
// limit alone lets a thousand tiny fields through, each one a map entry
// and a line for every header scan of the handler.
constexpr size_t kMaxHeaderFields = 100;

// The read buffer holds a request's head whole (Beast parses it in one
// piece) and, of a chunked body, a chunk-size line or the trailers, which
// Beast neither counts against the body limit nor the header limit: without
// a cap a client could make the buffer grow until the read timeout.
size_t ReadBufferLimit(uint32_t max_header_bytes) {
  return std::max<size_t>(64 << 10, 2 * size_t{max_header_bytes});
}

// How many fields a request head (and, once its body is read, its
// trailers) holds.
size_t FieldCount(const http::request<http::string_body>& request) {
  return static_cast<size_t>(std::distance(request.begin(), request.end()));
}

// Why a request head must not be served, or "": fields that a request
// carries at most once (RFC 9110: Host, Authorization) given twice, which
// two readers could resolve differently; an HTTP/1.1 request without Host
// (RFC 9112, section 3.2); too many fields; and a
// Transfer-Encoding other than `chunked` alone. Beast reads a body as
// chunked only when chunked is the last coding, and as empty otherwise, so
// "chunked, gzip" or "xchunked" would leave the body's bytes to be read
// as the next request: request smuggling (RFC 9112, section 6.1, requires
// a 400 and closing). No other coding is implemented, so none is accepted.
std::string HeadProblem(const http::request<http::string_body>& request,
                        int* status) {
  size_t fields = 0, hosts = 0, authorizations = 0;
  bool transfer_encoded = false;
  std::vector<std::string> codings;
  for (const auto& field : request) {
    ++fields;
    if (field.name() == http::field::host) ++hosts;
    if (field.name() == http::field::authorization) ++authorizations;
    if (field.name() == http::field::transfer_encoding) {
      transfer_encoded = true;
      for (absl::string_view coding : absl::StrSplit(
               absl::string_view(field.value().data(), field.value().size()),
               ',')) {
        codings.push_back(
            absl::AsciiStrToLower(absl::StripAsciiWhitespace(coding)));
      }
    }
  }
  if (fields > kMaxHeaderFields) {
    *status = 431;
    return absl::StrCat("the request has more than ", kMaxHeaderFields,
                        " header fields");
  }
  *status = 400;
  if (hosts > 1) return "the request has more than one Host header";
  if (hosts == 0 && request.version() >= 11) {
    return "an HTTP/1.1 request must have a Host header";
  }
  if (authorizations > 1) {
    return "the request has more than one Authorization header";
  }
  if (transfer_encoded) {
    if (request.version() < 11) {
      return "Transfer-Encoding is not allowed in an HTTP/1.0 request";
    }
    if (codings.size() != 1 || codings[0] != "chunked") {
      return "the only Transfer-Encoding accepted is \"chunked\" alone";
    }
  }
  return "";
}

std::chrono::steady_clock::duration ToChrono(absl::Duration d) {
  return absl::ToChronoNanoseconds(d);
}

bool IsHttpError(const beast::error_code& ec) {
  return ec.category() ==
         http::make_error_code(http::error::bad_method).category();
}

class Session;

// The open connections, so that a drain can close the idle ones and wait
// for the rest.
class SessionTracker {
 public:
  void Add(const std::shared_ptr<Session>& session) ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    sessions_[session.get()] = session;
  }

  void Remove(Session* session) ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    sessions_.erase(session);
  }

  std::vector<std::shared_ptr<Session>> Live() ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    std::vector<std::shared_ptr<Session>> live;
    for (auto& [raw, weak] : sessions_) {
      if (std::shared_ptr<Session> session = weak.lock()) {
        live.push_back(std::move(session));
      }
    }
    return live;
  }

  // True when no session is left by `deadline`.
  bool AwaitNone(absl::Time deadline) ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    return mu_.AwaitWithDeadline(
        absl::Condition(
            +[](absl::flat_hash_map<Session*, std::weak_ptr<Session>>* map) {
              return map->empty();
            },
            &sessions_),
        deadline);
  }

  bool draining() const { return draining_.load(); }
  void StartDraining() { draining_.store(true); }

 private:
  std::atomic<bool> draining_{false};
  absl::Mutex mu_;
  absl::flat_hash_map<Session*, std::weak_ptr<Session>> sessions_
      ABSL_GUARDED_BY(mu_);
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, const HttpServerOptions& options,
          HttpHandler* handler, SessionTracker* tracker)
      : stream_(std::move(socket)),
        options_(options),
        handler_(handler),
        tracker_(tracker),
        buffer_(ReadBufferLimit(options.max_header_bytes)) {}

  ~Session() { tracker_->Remove(this); }

  auto executor() { return stream_.get_executor(); }

  void Start() {
    net::dispatch(
        stream_.get_executor(),
        beast::bind_front_handler(&Session::ReadHeader, shared_from_this()));
  }

  // On the session's strand: closes the connection when it waits for a
  // request of which no byte has come. A request partly read goes on.
  void CloseIfIdle() {
    if (!awaiting_request_ || (parser_.has_value() && parser_->got_some())) {
      return;
    }
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

 private:
  // One deadline covers the headers and the body of a request.
  void ReadHeader() {
    if (tracker_->draining()) {
      // Draining: no next request on this connection.
      beast::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
      return;
    }
    awaiting_request_ = true;
    parser_.emplace();
    parser_->header_limit(options_.max_header_bytes);
    parser_->body_limit(options_.max_body_bytes);
    stream_.expires_after(ToChrono(options_.read_timeout));
    http::async_read_header(
        stream_, buffer_, *parser_,
        beast::bind_front_handler(&Session::OnHeader, shared_from_this()));
  }

  void OnHeader(beast::error_code ec, size_t) {
    awaiting_request_ = false;
    if (ec) return OnReadError(ec);
    if (RefuseHead()) return;
    const auto& header = parser_->get();
    header_fields_ = FieldCount(header);
    if (header.version() >= 11 &&
        absl::EqualsIgnoreCase(std::string(header[http::field::expect]),
                               "100-continue")) {
      continue_.emplace(http::status::continue_, header.version());
      http::async_write(
          stream_, *continue_,
          [self = shared_from_this()](beast::error_code write_ec, size_t) {
            if (write_ec) return;
            self->ReadBody();
          });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    http::async_read(
        stream_, buffer_, *parser_,
        beast::bind_front_handler(&Session::OnBody, shared_from_this()));
  }

  void OnBody(beast::error_code ec, size_t) {
    if (ec) return OnReadError(ec);
    // Beast adds the trailers of a chunked body to the header fields, where
    // they would pass for headers (credentials, preconditions) that a proxy
    // in front never saw as such. None of the API's requests has a use for
    // trailers, so a request with any is refused.
    if (FieldCount(parser_->get()) != header_fields_) {
      Send(handler_->HandleUnreadable(
               HeadOf(parser_->get()), 400,
               "trailer fields after a chunked body are not accepted"),
           /*keep_alive=*/false, /*linger=*/true);
      return;
    }
    Dispatch();
  }

  // Answers a head that HeadProblem refuses, and closes; false if none.
  bool RefuseHead() {
    int status = 400;
    const std::string reason = HeadProblem(parser_->get(), &status);
    if (reason.empty()) return false;
    Send(handler_->HandleUnreadable(HeadOf(parser_->get()), status, reason),
         /*keep_alive=*/false, /*linger=*/true);
    return true;
  }

  void OnReadError(beast::error_code ec) {
    if (ec == http::error::end_of_stream) {
      // The client closed between requests: the normal end.
      beast::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
      return;
    }
    if (!IsHttpError(ec)) {
      // Timed out (the stream is closed already), reset, or shut down.
      OPSBRAIN_LOG(VERBOSE) << "connection dropped: " << ec.message();
      return;
    }

    int status = 400;
    std::string reason;
    if (ec == http::error::body_limit) {
      status = 413;
      reason = absl::StrCat("the request body exceeds ",
                            options_.max_body_bytes, " bytes");
    } else if (ec == http::error::header_limit) {
      status = 431;
      reason = absl::StrCat("the request headers exceed ",
                            options_.max_header_bytes, " bytes");
    } else if (ec == http::error::partial_message) {
      reason = "the request ended before it was complete";
    } else {
      reason = absl::StrCat("malformed HTTP request: ", ec.message());
    }

    // A Content-Length over the limit fails as the headers complete, so
    // they are all there even though the parser does not say so.
    HttpRequest head;
    if (parser_->is_header_done() || ec == http::error::body_limit) {
      head = HeadOf(parser_->get());
    }
    Send(handler_->HandleUnreadable(head, status, reason),
         /*keep_alive=*/false, /*linger=*/true);
  }

  static HttpRequest HeadOf(const http::request<http::string_body>& request) {
    HttpRequest head;
    head.method = std::string(request.method_string());
    head.target = std::string(request.target());
    for (const auto& field : request) {
      head.headers.push_back(
          {std::string(field.name_string()), std::string(field.value())});
    }
    return head;
  }

  void Dispatch() {
    http::request<http::string_body> request = parser_->release();
    keep_alive_ = request.keep_alive() && !tracker_->draining();
    version_ = request.version();
    HttpRequest plain = HeadOf(request);
    plain.body = std::move(request.body());

    // The handler may take its time (it waits on the storage service,
    // under its own deadline); the read deadline must not fire meanwhile.
    stream_.expires_never();
    handler_->Handle(
        std::move(plain), [self = shared_from_this()](HttpResponse response) {
          net::post(self->stream_.get_executor(),
                    [self, response = std::move(response)]() mutable {
                      self->Send(std::move(response), self->keep_alive_,
                                 /*linger=*/false);
                    });
        });
  }

  void Send(HttpResponse response, bool keep_alive, bool linger) {
    // A drain that began while the handler worked closes the connection.
    keep_alive = keep_alive && !tracker_->draining();
    auto message = std::make_unique<http::response<http::string_body>>();
    message->version(version_);
    message->result(static_cast<unsigned>(response.status));
    if (response.status == 499) message->reason("Client Closed Request");
    for (HttpHeader& header : response.headers) {
      message->insert(header.name, header.value);
    }
    message->body() = std::move(response.body);
    message->keep_alive(keep_alive);
    message->prepare_payload();
    response_ = std::move(message);

    stream_.expires_after(ToChrono(options_.read_timeout));
    http::async_write(
        stream_, *response_,
        beast::bind_front_handler(&Session::OnWrite, shared_from_this(),
                                  keep_alive, linger));
  }

  void OnWrite(bool keep_alive, bool linger, beast::error_code ec, size_t) {
    response_.reset();
    if (ec) return;
    if (linger) return Linger();
    if (!keep_alive) {
      beast::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
      return;
    }
    ReadHeader();
  }

  // Half-closes, then drops what the client still sends until it closes
  // too or the linger time is up; the socket closes with the session.
  void Linger() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(
        ToChrono(std::min(options_.read_timeout, kMaxLinger)));
    DrainSome();
  }

  void DrainSome() {
    stream_.async_read_some(
        net::buffer(drain_),
        [self = shared_from_this()](beast::error_code ec, size_t) {
          if (!ec) self->DrainSome();
        });
  }

  beast::tcp_stream stream_;
  const HttpServerOptions& options_;
  HttpHandler* const handler_;
  SessionTracker* const tracker_;
  // True while waiting for the first bytes of a request's headers.
  bool awaiting_request_ = false;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::empty_body>> continue_;
  std::unique_ptr<http::response<http::string_body>> response_;
  std::array<char, 4096> drain_;
  bool keep_alive_ = false;
  // The fields of the current request's head, before any trailers.
  size_t header_fields_ = 0;
  unsigned version_ = 11;
};

}  // namespace

struct HttpServer::Impl {
  Impl(HttpServerOptions options_in, HttpHandler* handler_in)
      : options(std::move(options_in)),
        handler(handler_in),
        io_context(std::max(1, options.threads)),
        accept_strand(net::make_strand(io_context)),
        acceptor(accept_strand),
        backoff(accept_strand) {}

  // Runs on accept_strand, as every use of the acceptor does.
  void Accept() {
    acceptor.async_accept(
        net::make_strand(io_context),
        [this](beast::error_code ec, tcp::socket socket) {
          if (ec == net::error::operation_aborted || !acceptor.is_open()) {
            return;
          }
          if (ec) {
            OPSBRAIN_LOG(WARNING) << "accept failed: " << ec.message();
            backoff.expires_after(kAcceptBackoff);
            backoff.async_wait([this](beast::error_code) { Accept(); });
            return;
          }
          if (tracker.draining()) return;  // The socket closes here.
          auto session = std::make_shared<Session>(std::move(socket), options,
                                                   handler, &tracker);
          tracker.Add(session);
          session->Start();
          Accept();
        });
  }

  const HttpServerOptions options;
  HttpHandler* const handler;
  // Before io_context: sessions still queued there remove themselves from
  // it when the io_context is destroyed.
  SessionTracker tracker;
  net::io_context io_context;
  net::strand<net::io_context::executor_type> accept_strand;
  tcp::acceptor acceptor;
  net::steady_timer backoff;
  // Keeps the workers running while no operation is pending: during a
  // drain, a session waiting for its handler has none.
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  std::vector<std::thread> workers;
  int port = 0;
  bool running = false;
};

HttpServer::HttpServer(HttpServerOptions options, HttpHandler* handler)
    : impl_(std::make_unique<Impl>(std::move(options), handler)) {}

HttpServer::~HttpServer() { Stop(); }

absl::Status HttpServer::Start() {
  Impl& impl = *impl_;
  beast::error_code ec;
  const net::ip::address address =
      net::ip::make_address(impl.options.address, ec);
  if (ec) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad listen address '", impl.options.address, "'"));
  }
  if (impl.options.port < 0 || impl.options.port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad port ", impl.options.port));
  }

  // Open, bind and listen; each step reports its own failure.
  const tcp::endpoint endpoint(address,
                               static_cast<uint16_t>(impl.options.port));
  impl.acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl.acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) impl.acceptor.bind(endpoint, ec);
  if (!ec) impl.acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", impl.options.address, ":",
                     impl.options.port, ": ", ec.message()));
  }
  impl.port = impl.acceptor.local_endpoint(ec).port();

  net::post(impl.accept_strand, [&impl] { impl.Accept(); });
  impl.work.emplace(impl.io_context.get_executor());
  impl.running = true;
  for (int i = 0; i < std::max(1, impl.options.threads); ++i) {
    impl.workers.emplace_back([&impl] { impl.io_context.run(); });
  }
  return absl::OkStatus();
}

int HttpServer::port() const { return impl_->port; }

void HttpServer::StopAccepting() {
  Impl& impl = *impl_;
  if (!impl.running || impl.tracker.draining()) return;
  impl.tracker.StartDraining();

  // Close the listening socket on its strand, and wait for that, so that
  // every connect from here on is refused.
  auto closed = std::make_shared<absl::Notification>();
  net::post(impl.accept_strand, [&impl, closed] {
    beast::error_code ignored;
    impl.acceptor.close(ignored);
    impl.backoff.cancel();
    closed->Notify();
  });
  closed->WaitForNotification();

  // Idle connections close now; the others when their answer is out.
  for (const std::shared_ptr<Session>& session : impl.tracker.Live()) {
    net::post(session->executor(), [session] { session->CloseIfIdle(); });
  }
}

bool HttpServer::Drain(absl::Duration timeout) {
  Impl& impl = *impl_;
  if (!impl.running) return true;
  const absl::Time deadline = absl::Now() + timeout;
  StopAccepting();
  const bool all_closed = impl.tracker.AwaitNone(deadline);
  Stop();
  return all_closed;
}

void HttpServer::Stop() {
  Impl& impl = *impl_;
  if (!impl.running) return;
  impl.running = false;
  impl.work.reset();
  impl.io_context.stop();
  for (std::thread& worker : impl.workers) worker.join();
  impl.workers.clear();

  // No worker runs now, so the acceptor can be closed from here.
  beast::error_code ignored;
  impl.acceptor.close(ignored);
}

}  // namespace opsbrain::gateway
