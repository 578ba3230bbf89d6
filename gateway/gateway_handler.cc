#include "gateway/gateway_handler.h"

#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/logging.h"
#include "gateway/backend.h"
#include "gateway/http_types.h"
#include "gateway/request_id.h"
#include "gateway/router.h"
#include "gateway/status_mapping.h"
#include "gateway/transcoder.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/support/status.h"

namespace opsbrain::gateway {
namespace {

constexpr absl::string_view kRequestIdHeader = "X-Request-Id";
constexpr absl::string_view kRequestIdMetadata = "x-request-id";
constexpr absl::string_view kInternalHeaderPrefix = "x-opsbrain-";
constexpr absl::string_view kServing = R"({"status":"SERVING"})";
// A method is a token the HTTP parser checked, but it may be long.
constexpr size_t kMaxLoggedMethodBytes = 16;

// What the access log line and every response need about one request.
struct Exchange {
  std::string method = "-";
  std::string route = "-";
  std::string request_id;
  absl::Time start;
};

Exchange StartExchange(const HttpRequest& request) {
  Exchange exchange;
  exchange.start = absl::Now();
  if (!request.method.empty()) {
    exchange.method = request.method.substr(0, kMaxLoggedMethodBytes);
  }
  const std::string* client_id = FindHeader(request.headers, kRequestIdHeader);
  exchange.request_id = RequestIdFor(client_id == nullptr ? "" : *client_id);
  return exchange;
}

HttpResponse JsonResponse(int status, std::string body) {
  HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

HttpResponse ErrorResponse(int http_status, absl::StatusCode code,
                           absl::string_view message) {
  return JsonResponse(http_status, ErrorBody(code, message));
}

HttpResponse FromStatus(const absl::Status& status) {
  return ErrorResponse(HttpStatusFromCode(status.code()), status.code(),
                       status.message());
}

// gRPC's client library writes the messages of UNAVAILABLE and
// DEADLINE_EXCEEDED itself, with addresses of the private network in them;
// a public client gets a fixed message instead.
std::string PublicMessage(const grpc::Status& status) {
  switch (status.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
      return "the storage service is unavailable";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "the storage service did not answer in time";
    default:
      return status.error_message();
  }
}

HttpResponse FromGrpcError(const grpc::Status& status) {
  // The details travel in the grpc-status-details-bin trailer as a
  // serialized google.rpc.Status; pass them on when they parse.
  google::rpc::Status body;
  if (status.error_details().empty() ||
      !body.ParseFromString(status.error_details())) {
    body.Clear();
  }
  body.set_code(status.error_code());
  body.set_message(PublicMessage(status));
  return JsonResponse(
      HttpStatusFromCode(static_cast<absl::StatusCode>(status.error_code())),
      ErrorBody(std::move(body)));
}

// Adds the headers every response carries and writes the access log line.
HttpResponse Complete(const Exchange& exchange, HttpResponse response) {
  response.headers.push_back({"Content-Type", "application/json"});
  response.headers.push_back(
      {std::string(kRequestIdHeader), exchange.request_id});
  OPSBRAIN_LOG(INFO) << "access method=" << exchange.method
                     << " route=" << exchange.route
                     << " status=" << response.status << " latency_ms="
                     << absl::StrFormat(
                            "%.3f", absl::ToDoubleMilliseconds(absl::Now() -
                                                               exchange.start))
                     << " request_id=" << exchange.request_id;
  return response;
}

void Finish(const Exchange& exchange, HttpResponse response,
            const HttpHandler::Respond& respond) {
  respond(Complete(exchange, std::move(response)));
}

HttpResponse MethodNotAllowed(absl::string_view method,
                              const std::vector<std::string>& allowed) {
  const std::string allow = absl::StrJoin(allowed, ", ");
  HttpResponse response = ErrorResponse(
      405, absl::StatusCode::kUnimplemented,
      absl::StrCat("method ", method.substr(0, kMaxLoggedMethodBytes),
                   " is not allowed on this path; allowed: ", allow));
  response.headers.push_back({"Allow", allow});
  return response;
}

}  // namespace

bool IsJsonContentType(absl::string_view content_type) {
  std::vector<absl::string_view> parts = absl::StrSplit(content_type, ';');
  if (!absl::EqualsIgnoreCase(absl::StripAsciiWhitespace(parts[0]),
                              "application/json")) {
    return false;
  }
  for (size_t i = 1; i < parts.size(); ++i) {
    std::pair<absl::string_view, absl::string_view> parameter =
        absl::StrSplit(parts[i], absl::MaxSplits('=', 1));
    absl::string_view value = absl::StripAsciiWhitespace(parameter.second);
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    if (absl::EqualsIgnoreCase(absl::StripAsciiWhitespace(parameter.first),
                               "charset") &&
        !absl::EqualsIgnoreCase(value, "utf-8")) {
      return false;
    }
  }
  return true;
}

GatewayHandler::GatewayHandler(const Router* router, Backend* backend,
                               absl::Duration request_timeout)
    : router_(router), backend_(backend), request_timeout_(request_timeout) {}

void GatewayHandler::Handle(HttpRequest request, Respond respond) {
  Exchange exchange = StartExchange(request);

  // Only the gateway speaks for the caller's identity; the storage service
  // trusts these names, so they never pass through from a client.
  request.headers.erase(
      std::remove_if(request.headers.begin(), request.headers.end(),
                     [](const HttpHeader& header) {
                       return absl::StartsWithIgnoreCase(header.name,
                                                         kInternalHeaderPrefix);
                     }),
      request.headers.end());

  const absl::string_view target = request.target;
  const size_t question = target.find('?');
  const absl::string_view path = target.substr(0, question);
  const absl::string_view query =
      question == absl::string_view::npos ? "" : target.substr(question + 1);

  // The probes, answered before any route.
  if (path == "/healthz" || path == "/readyz") {
    exchange.route = std::string(path);
    if (request.method != "GET") {
      return Finish(exchange, MethodNotAllowed(request.method, {"GET"}),
                    respond);
    }
    if (path == "/healthz") {
      return Finish(exchange, JsonResponse(200, std::string(kServing)),
                    respond);
    }
    backend_->CheckHealth(
        exchange.start + request_timeout_,
        [exchange, respond](absl::Status status) {
          if (status.ok()) {
            return Finish(exchange, JsonResponse(200, std::string(kServing)),
                          respond);
          }
          OPSBRAIN_LOG(VERBOSE) << "not ready: " << status.message();
          Finish(exchange,
                 ErrorResponse(503, absl::StatusCode::kUnavailable,
                               "the storage service is not ready"),
                 respond);
        });
    return;
  }

  // The route.
  RouteMatch match = router_->Match(request.method, path);
  switch (match.outcome) {
    case RouteMatch::Outcome::kMatched:
      break;
    case RouteMatch::Outcome::kBadPath:
      return Finish(
          exchange,
          ErrorResponse(400, absl::StatusCode::kInvalidArgument, match.error),
          respond);
    case RouteMatch::Outcome::kNotFound:
      return Finish(exchange,
                    ErrorResponse(404, absl::StatusCode::kNotFound,
                                  "no route matches this path"),
                    respond);
    case RouteMatch::Outcome::kMethodNotAllowed:
      return Finish(exchange, MethodNotAllowed(request.method, match.allowed),
                    respond);
  }
  const Route& route = *match.route;
  exchange.route = route.path.text();

  // The request message. A body must be JSON; a bodiless request needs no
  // content type.
  if (route.body != BodyKind::kNone && !request.body.empty()) {
    const std::string* content_type =
        FindHeader(request.headers, "Content-Type");
    if (content_type == nullptr || !IsJsonContentType(*content_type)) {
      return Finish(exchange,
                    ErrorResponse(415, absl::StatusCode::kInvalidArgument,
                                  "the body must be application/json "
                                  "(charset utf-8 if any)"),
                    respond);
    }
  }
  absl::StatusOr<std::unique_ptr<google::protobuf::Message>> message =
      BuildRequest(route, match.path_values, query, request.body);
  if (!message.ok()) {
    return Finish(exchange, FromStatus(message.status()), respond);
  }
  BackendCall call;
  call.method = route.grpc_method;
  if (!(*message)->SerializeToString(&call.request)) {
    return Finish(exchange,
                  ErrorResponse(500, absl::StatusCode::kInternal,
                                "the request message does not serialize"),
                  respond);
  }
  call.metadata.emplace_back(std::string(kRequestIdMetadata),
                             exchange.request_id);
  call.deadline = exchange.start + request_timeout_;

  // The call; its answer comes on a gRPC thread.
  const google::protobuf::Descriptor* output = route.method->output_type();
  backend_->Call(
      std::move(call),
      [exchange, output, respond](grpc::Status status, std::string response) {
        if (!status.ok()) {
          OPSBRAIN_LOG(VERBOSE)
              << "request " << exchange.request_id << ": "
              << status.error_code() << " " << status.error_message();
          return Finish(exchange, FromGrpcError(status), respond);
        }
        absl::StatusOr<std::string> json = ResponseToJson(output, response);
        if (!json.ok()) {
          OPSBRAIN_LOG(ERROR) << "request " << exchange.request_id << ": "
                              << json.status().message();
          return Finish(exchange, FromStatus(json.status()), respond);
        }
        Finish(exchange, JsonResponse(200, *std::move(json)), respond);
      });
}

HttpResponse GatewayHandler::HandleUnreadable(const HttpRequest& head,
                                              int http_status,
                                              absl::string_view reason) {
  return Complete(
      StartExchange(head),
      ErrorResponse(http_status, absl::StatusCode::kInvalidArgument, reason));
}

}  // namespace opsbrain::gateway
