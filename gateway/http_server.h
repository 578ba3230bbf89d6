// An HTTP/1.1 server on Boost.Beast: keep-alive, a pool of worker threads,
// bounded reads, and a handler that may answer later from another thread.
//
// Each connection reads one request at a time. The whole request (headers
// and body) must arrive within `read_timeout`, which also bounds each
// response write and the idle wait for the next request on a kept-alive
// connection; a client that stalls is cut off, and no worker thread ever
// waits on a client. A request the server cannot read (malformed, headers
// over `max_header_bytes`, body over `max_body_bytes`, truncated by the
// client; more than 100 header fields, trailers included; Host or
// Authorization given twice) is answered through
// HttpHandler::HandleUnreadable and the connection is then closed.
// `Expect: 100-continue` is honoured.
//
// Drain stops a server gently: the listening socket closes (new connections
// are refused), idle kept-alive connections close, and requests already
// arriving or in the handler are answered with `Connection: close`, up to
// a deadline.
//
// Thread-safety: Start, Drain and Stop from one thread; the handler is
// called on worker threads, concurrently for different connections.
#ifndef OPSBRAIN_GATEWAY_HTTP_SERVER_H_
#define OPSBRAIN_GATEWAY_HTTP_SERVER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gateway/http_types.h"

namespace opsbrain::gateway {

class HttpHandler {
 public:
  using Respond = std::function<void(HttpResponse)>;

  virtual ~HttpHandler() = default;

  // Called on a worker thread for each request read whole. `respond` must
  // be called exactly once, on any thread, now or later; it must not be
  // called after the server is destroyed.
  virtual void Handle(HttpRequest request, Respond respond) = 0;

  // Called for a request that could not be read. `head` holds its method,
  // target and headers when they were read, else nothing. `http_status` is
  // the status the server chose (400, 413, 431) and `reason` says why. The
  // returned response is sent and the connection closed.
  virtual HttpResponse HandleUnreadable(const HttpRequest& head,
                                        int http_status,
                                        absl::string_view reason) = 0;
};

struct HttpServerOptions {
  std::string address = "0.0.0.0";
  int port = 8080;  // 0 picks a free port; see HttpServer::port().
  int threads = 1;
  uint64_t max_body_bytes = 1 << 20;
  uint32_t max_header_bytes = 16 << 10;
  absl::Duration read_timeout = absl::Seconds(30);
};

class HttpServer {
 public:
  // `handler` must outlive the server.
  HttpServer(HttpServerOptions options, HttpHandler* handler);
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;
  // Stops the server if it runs.
  ~HttpServer();

  // Binds, listens and starts the worker threads. INVALID_ARGUMENT for a
  // bad address, UNAVAILABLE when the port cannot be bound.
  absl::Status Start();

  // The bound port, once Start has succeeded.
  int port() const;

  // Closes the listening socket (connects are refused from its return on)
  // and the idle connections; the others finish their current request and
  // close. Idempotent.
  void StopAccepting();

  // Stops accepting (if not done yet) and waits up to `timeout` for every
  // open connection to close; then stops as Stop does. True when every
  // connection closed in time.
  bool Drain(absl::Duration timeout);

  // Stops accepting, stops the workers and waits for them. Connections
  // still open are dropped when the server is destroyed. Idempotent.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace opsbrain::gateway

#endif  // OPSBRAIN_GATEWAY_HTTP_SERVER_H_
