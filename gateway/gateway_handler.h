// The gateway's request handling: HTTP/JSON in, a gRPC call on the storage
// service, HTTP/JSON out.
//
// For each request it
// - takes the client's X-Request-Id when sane (request_id.h), else makes
//   one, returns it on the response and sends it as x-request-id metadata;
// - forwards no client header as metadata but that id: above all never an
//   x-opsbrain-* header, whose names carry identity between the gateway and
//   the storage service;
// - answers GET /healthz itself (the process is up) and GET /readyz from
//   the storage service's health check;
// - routes by the google.api.http rules (router.h), builds the request
//   message (transcoder.h), calls the method with the request timeout as
//   deadline, and prints the response or maps the error (status_mapping.h);
// - writes one access-log line: method, route template, status, latency,
//   request id. Never a body, a raw path (it may hold a key) or a header.
//
// Every error response carries the JSON error body. Thread-safe.
#ifndef OPSBRAIN_GATEWAY_GATEWAY_HANDLER_H_
#define OPSBRAIN_GATEWAY_GATEWAY_HANDLER_H_

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gateway/backend.h"
#include "gateway/http_server.h"
#include "gateway/http_types.h"
#include "gateway/router.h"

namespace opsbrain::gateway {

// True for "application/json", in any letter case, with no charset or
// charset utf-8 ("application/json; charset=UTF-8").
bool IsJsonContentType(absl::string_view content_type);

class GatewayHandler : public HttpHandler {
 public:
  // `router` and `backend` must outlive the handler. `request_timeout`
  // becomes the deadline of each call on the storage service.
  GatewayHandler(const Router* router, Backend* backend,
                 absl::Duration request_timeout);

  void Handle(HttpRequest request, Respond respond) override;
  HttpResponse HandleUnreadable(const HttpRequest& head, int http_status,
                                absl::string_view reason) override;

 private:
  const Router* const router_;
  Backend* const backend_;
  const absl::Duration request_timeout_;
};

}  // namespace opsbrain::gateway

#endif  // OPSBRAIN_GATEWAY_GATEWAY_HANDLER_H_
