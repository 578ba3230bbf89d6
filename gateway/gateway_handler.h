// The gateway's request handling: HTTP/JSON in, a gRPC call on the storage
// service, HTTP/JSON out.
//
// For each request, in this order, it
// - takes the client's X-Request-Id when sane (request_id.h), else makes
//   one, returns it on the response and sends it as x-request-id metadata;
// - drops every client header named x-opsbrain-*: those names carry the
//   caller's identity to the storage service, which trusts them;
// - answers a CORS preflight (OPTIONS with Access-Control-Request-Method)
//   from an allowed origin with 204, from another with 403 (cors.h);
// - serves the operator console's static files under /console/ (when
//   configured; static_files.h), open to all like the probes: the page
//   holds no data and calls the API below with the operator's token;
// - answers GET /healthz itself (the process is up) and GET /readyz from
//   the storage service's health check (503 while draining); both open;
// - authenticates the bearer token (auth.h): none, 401 with
//   `WWW-Authenticate: Bearer realm="opsbrain"`; unknown, 401 with
//   error="invalid_token". With authentication off every caller is
//   "anonymous" with the read and write scopes (never secrets);
// - takes one request from the caller's rate limit: empty, 429 with
//   Retry-After in whole seconds;
// - serves GET /openapi.json and GET /metrics to any known caller;
// - routes by the google.api.http rules (router.h); checks the scope the
//   route needs (auth.h: GET read, others write; admin implies all): 403
//   with error="insufficient_scope" when missing;
// - builds the request message (transcoder.h); If-Match (one strong tag)
//   fills the record's etag on updates and the request's etag on deletes;
// - calls the method with the request timeout as deadline, with metadata
//   from an allow-list only: x-request-id, traceparent (when valid W3C),
//   if-match, the configured extra headers, and x-opsbrain-actor (the
//   token's name) and x-opsbrain-scopes (its scopes, admin expanded);
// - prints the response, with `ETag` from the record's etag, or maps the
//   error (status_mapping.h); ABORTED is 412 when If-Match was sent;
// - writes one access-log line: method, route template, status, latency,
//   request id, caller name. Never a body, a raw path (it may hold a key),
//   a header or a token.
//
// Every error response carries the JSON error body. Thread-safe.
#ifndef OPSBRAIN_GATEWAY_GATEWAY_HANDLER_H_
#define OPSBRAIN_GATEWAY_GATEWAY_HANDLER_H_

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/metrics.h"
#include "gateway/auth.h"
#include "gateway/backend.h"
#include "gateway/cors.h"
#include "gateway/gateway_metrics.h"
#include "gateway/http_server.h"
#include "gateway/http_types.h"
#include "gateway/rate_limiter.h"
#include "gateway/router.h"
#include "gateway/static_files.h"
#include "gateway/transcoder.h"

namespace opsbrain::gateway {

// The caller's name when authentication is off.
inline constexpr char kAnonymousCaller[] = "anonymous";

// The longest /readyz waits for the storage service's health check (or the
// request timeout, if shorter): under the probe timeouts of the deploy
// files (3 s).
inline constexpr absl::Duration kReadyCheckTimeout = absl::Seconds(2);

struct GatewayHandlerOptions {
  // The deadline of each call on the storage service.
  absl::Duration request_timeout = absl::Seconds(10);
  // The known tokens; nullptr turns authentication off.
  const TokenStore* tokens = nullptr;
  // Per-caller limits, keyed by the caller's name; nullptr for none.
  RateLimiter* rate_limiter = nullptr;
  // Disabled by default.
  CorsPolicy cors;
  TranscodeOptions transcode;
  // Request headers passed on as gRPC metadata besides the fixed ones, in
  // lower case; see ValidateForwardHeaders.
  std::vector<std::string> forward_headers;
  // The console's files under /console/; nullptr serves none (404 from
  // the router like any unknown path).
  const StaticFiles* console = nullptr;
  // The body of GET /openapi.json; empty answers 404.
  std::string openapi_json;
  // The registry the metrics go to and /metrics prints; nullptr gives the
  // handler one of its own. Must outlive the handler.
  metrics::Registry* metrics = nullptr;
};

// OK when every name may be forwarded as metadata: a valid lower-case
// metadata key that is not an x-opsbrain-* or grpc-* name, a credential
// (authorization, cookie, ...) or a hop-by-hop or framing header.
// INVALID_ARGUMENT naming the first that may not.
absl::Status ValidateForwardHeaders(const std::vector<std::string>& names);

// True for "application/json", in any letter case, with no charset or
// charset utf-8 ("application/json; charset=UTF-8").
bool IsJsonContentType(absl::string_view content_type);

class GatewayHandler : public HttpHandler {
 public:
  // `router` and `backend` (and what `options` points to) must outlive the
  // handler.
  GatewayHandler(const Router* router, Backend* backend,
                 GatewayHandlerOptions options);
  GatewayHandler(const GatewayHandler&) = delete;
  GatewayHandler& operator=(const GatewayHandler&) = delete;

  void Handle(HttpRequest request, Respond respond) override;
  HttpResponse HandleUnreadable(const HttpRequest& head, int http_status,
                                absl::string_view reason) override;

  // From now on /readyz answers 503, so that load balancers stop sending.
  void StartDraining() { draining_.store(true); }

 private:
  struct Exchange;

  Exchange StartExchange(const HttpRequest& request);
  HttpResponse Complete(const Exchange& exchange, HttpResponse response);
  void Finish(const Exchange& exchange, HttpResponse response,
              const Respond& respond);
  void Preflight(const Exchange& exchange, absl::string_view origin,
                 absl::string_view path, const Respond& respond);
  void Ready(const Exchange& exchange, const Respond& respond);
  // `path` and `query` point into `request`.
  void CallRoute(Exchange exchange, const HttpRequest& request,
                 absl::string_view path, absl::string_view query,
                 const Caller& caller, const Respond& respond);

  const Router* const router_;
  Backend* const backend_;
  const GatewayHandlerOptions options_;
  std::unique_ptr<metrics::Registry> own_registry_;
  GatewayMetrics metrics_;
  std::atomic<bool> draining_{false};
};

}  // namespace opsbrain::gateway

#endif  // OPSBRAIN_GATEWAY_GATEWAY_HANDLER_H_
