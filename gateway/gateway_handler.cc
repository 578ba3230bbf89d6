#include "gateway/gateway_handler.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/logging.h"
#include "common/metrics.h"
#include "gateway/auth.h"
#include "gateway/backend.h"
#include "gateway/endpoints.h"
#include "gateway/etag.h"
#include "gateway/field_values.h"
#include "gateway/http_types.h"
#include "gateway/request_id.h"
#include "gateway/router.h"
#include "gateway/static_files.h"
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
constexpr absl::string_view kTraceparent = "traceparent";
constexpr absl::string_view kIfMatch = "If-Match";
constexpr absl::string_view kIfMatchMetadata = "if-match";
constexpr absl::string_view kActorMetadata = "x-opsbrain-actor";
constexpr absl::string_view kScopesMetadata = "x-opsbrain-scopes";
constexpr absl::string_view kInternalHeaderPrefix = "x-opsbrain-";
constexpr absl::string_view kServing = R"({"status":"SERVING"})";
constexpr absl::string_view kRealm = R"(Bearer realm="opsbrain")";
constexpr absl::string_view kJsonContentType = "application/json";
// A method is a token the HTTP parser checked, but it may be long.
constexpr size_t kMaxLoggedMethodBytes = 16;

// Headers that must never become metadata, whatever the configuration.
constexpr absl::string_view kNeverForwarded[] = {
    "authorization", "proxy-authorization",
    "cookie",        "set-cookie",
    "host",          "connection",
    "keep-alive",    "te",
    "trailer",       "transfer-encoding",
    "upgrade",       "content-length",
    "content-type",  "expect",
    "x-request-id"};

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

HttpResponse FromGrpcError(const grpc::Status& status, bool if_match) {
  // The details travel in the grpc-status-details-bin trailer as a
  // serialized google.rpc.Status; pass them on when they parse.
  google::rpc::Status body;
  if (status.error_details().empty() ||
      !body.ParseFromString(status.error_details())) {
    body.Clear();
  }
  body.set_code(status.error_code());
  body.set_message(PublicMessage(status));
  int http_status =
      HttpStatusFromCode(static_cast<absl::StatusCode>(status.error_code()));
  // The store answers a stale etag with ABORTED; asked through If-Match,
  // HTTP calls that a failed precondition.
  if (if_match && status.error_code() == grpc::StatusCode::ABORTED) {
    http_status = 412;
  }
  return JsonResponse(http_status, ErrorBody(std::move(body)));
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

HttpResponse Unauthenticated(absl::string_view message,
                             absl::string_view challenge) {
  HttpResponse response =
      ErrorResponse(401, absl::StatusCode::kUnauthenticated, message);
  response.headers.push_back({"WWW-Authenticate", std::string(challenge)});
  return response;
}

// A gRPC metadata value must be printable ASCII.
bool IsMetadataValue(absl::string_view value) {
  if (value.empty()) return false;
  for (char c : value) {
    if (c < 0x20 || c > 0x7E) return false;
  }
  return true;
}

bool IsMetadataKey(absl::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!absl::ascii_islower(static_cast<unsigned char>(c)) &&
        !absl::ascii_isdigit(static_cast<unsigned char>(c)) && c != '-' &&
        c != '_' && c != '.') {
      return false;
    }
  }
  return true;
}

bool IsBuiltinPath(absl::string_view path) {
  return path == kHealthzPath || path == kReadyzPath || path == kOpenApiPath ||
         path == kMetricsPath;
}

}  // namespace

// What the access log line and every response need about one request.
struct GatewayHandler::Exchange {
  std::string method = "-";
  std::string route = "-";
  std::string request_id;
  std::string caller = "-";
  absl::Time start;
  // Added to the response: the CORS headers of an allowed origin.
  std::vector<HttpHeader> headers;
  // The request carried If-Match.
  bool if_match = false;
};

absl::Status ValidateForwardHeaders(const std::vector<std::string>& names) {
  for (const std::string& name : names) {
    bool refused = !IsMetadataKey(name) ||
                   absl::StartsWith(name, kInternalHeaderPrefix) ||
                   absl::StartsWith(name, "grpc-");
    for (absl::string_view never : kNeverForwarded) {
      if (name == never) refused = true;
    }
    if (refused) {
      return absl::InvalidArgumentError(absl::StrCat(
          "header '", name,
          "' cannot be forwarded (lower-case metadata names only; never "
          "x-opsbrain-*, grpc-*, credentials or framing headers)"));
    }
  }
  return absl::OkStatus();
}

bool IsJsonContentType(absl::string_view content_type) {
  std::vector<absl::string_view> parts = absl::StrSplit(content_type, ';');
  if (!absl::EqualsIgnoreCase(absl::StripAsciiWhitespace(parts[0]),
                              kJsonContentType)) {
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
                               GatewayHandlerOptions options)
    : router_(router),
      backend_(backend),
      options_(std::move(options)),
      own_registry_(options_.metrics == nullptr
                        ? std::make_unique<metrics::Registry>()
                        : nullptr),
      metrics_(options_.metrics == nullptr ? own_registry_.get()
                                           : options_.metrics) {}

GatewayHandler::Exchange GatewayHandler::StartExchange(
    const HttpRequest& request) {
  Exchange exchange;
  exchange.start = absl::Now();
  if (!request.method.empty()) {
    exchange.method = request.method.substr(0, kMaxLoggedMethodBytes);
  }
  const std::string* client_id = FindHeader(request.headers, kRequestIdHeader);
  exchange.request_id = RequestIdFor(client_id == nullptr ? "" : *client_id);
  metrics_.RequestStarted();
  return exchange;
}

// Adds the headers every response carries, writes the access log line and
// counts the request.
HttpResponse GatewayHandler::Complete(const Exchange& exchange,
                                      HttpResponse response) {
  if (FindHeader(response.headers, "Content-Type") == nullptr &&
      response.status != 204) {
    response.headers.push_back({"Content-Type", std::string(kJsonContentType)});
  }
  response.headers.push_back(
      {std::string(kRequestIdHeader), exchange.request_id});
  for (const HttpHeader& header : exchange.headers) {
    response.headers.push_back(header);
  }

  const absl::Duration latency = absl::Now() - exchange.start;
  LogEvent(LogSeverity::kInfo, "access",
           {{"method", exchange.method},
            {"route", exchange.route},
            {"status", response.status},
            {"latency_ms", absl::ToDoubleMilliseconds(latency)},
            {"request_id", exchange.request_id},
            {"caller", exchange.caller}});
  metrics_.RequestFinished(exchange.route, exchange.method, response.status,
                           latency);
  return response;
}

void GatewayHandler::Finish(const Exchange& exchange, HttpResponse response,
                            const Respond& respond) {
  respond(Complete(exchange, std::move(response)));
}

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

  // CORS: an allowed origin's answers say so; a preflight is answered here,
  // before authentication, since browsers send it without credentials.
  const std::string* origin_header = FindHeader(request.headers, "Origin");
  const absl::string_view origin =
      origin_header == nullptr ? "" : absl::string_view(*origin_header);
  if (options_.cors.enabled() && !origin.empty()) {
    if (options_.cors.Allows(origin)) {
      exchange.headers = options_.cors.ResponseHeaders(origin);
    }
    if (request.method == "OPTIONS" &&
        FindHeader(request.headers, "Access-Control-Request-Method") !=
            nullptr) {
      return Preflight(exchange, origin, path, respond);
    }
  }

  // The console's static files, open to all: no data in them.
  if (options_.console != nullptr && StaticFiles::Handles(path)) {
    // A template, never the raw path, in logs and metric labels.
    exchange.route = "/console/*";
    return Finish(
        exchange,
        options_.console->Serve(request.method, path, request.headers),
        respond);
  }

  // The probes, open to all.
  if (path == kHealthzPath || path == kReadyzPath) {
    exchange.route = std::string(path);
    if (request.method != "GET") {
      return Finish(exchange, MethodNotAllowed(request.method, {"GET"}),
                    respond);
    }
    if (path == kHealthzPath) {
      return Finish(exchange, JsonResponse(200, std::string(kServing)),
                    respond);
    }
    return Ready(exchange, respond);
  }

  // Who is calling.
  Caller anonymous{kAnonymousCaller, ScopeSet{Scope::kRead, Scope::kWrite}};
  const Caller* caller = &anonymous;
  if (options_.tokens != nullptr) {
    const std::string* authorization =
        FindHeader(request.headers, "Authorization");
    std::optional<absl::string_view> token;
    if (authorization != nullptr) token = BearerToken(*authorization);
    if (!token.has_value()) {
      metrics_.AuthFailure("missing");
      return Finish(exchange,
                    Unauthenticated("a bearer token is required", kRealm),
                    respond);
    }
    caller = options_.tokens->Find(*token);
    if (caller == nullptr) {
      metrics_.AuthFailure("unknown");
      return Finish(
          exchange,
          Unauthenticated("the bearer token is not valid",
                          absl::StrCat(kRealm, R"(, error="invalid_token")")),
          respond);
    }
  }
  exchange.caller = caller->name;

  // The caller's rate limit.
  if (options_.rate_limiter != nullptr) {
    const absl::Duration wait = options_.rate_limiter->Acquire(caller->name);
    if (wait > absl::ZeroDuration()) {
      metrics_.RateLimited(caller->name);
      HttpResponse response =
          ErrorResponse(429, absl::StatusCode::kResourceExhausted,
                        "the rate limit of this token is exhausted");
      const int64_t seconds = std::max<int64_t>(
          1, static_cast<int64_t>(std::ceil(absl::ToDoubleSeconds(wait))));
      response.headers.push_back({"Retry-After", absl::StrCat(seconds)});
      return Finish(exchange, std::move(response), respond);
    }
  }

  // The gateway's own documents, for any known caller.
  if (path == kOpenApiPath || path == kMetricsPath) {
    exchange.route = std::string(path);
    if (request.method != "GET") {
      return Finish(exchange, MethodNotAllowed(request.method, {"GET"}),
                    respond);
    }
    if (path == kMetricsPath) {
      HttpResponse response;
      response.body = metrics_.registry().TextExposition();
      response.headers.push_back(
          {"Content-Type", std::string(metrics::kTextContentType)});
      return Finish(exchange, std::move(response), respond);
    }
    if (options_.openapi_json.empty()) {
      return Finish(exchange,
                    ErrorResponse(404, absl::StatusCode::kNotFound,
                                  "no OpenAPI document is configured"),
                    respond);
    }
    return Finish(exchange, JsonResponse(200, options_.openapi_json), respond);
  }

  CallRoute(std::move(exchange), request, path, query, *caller, respond);
}

void GatewayHandler::Preflight(const Exchange& exchange,
                               absl::string_view origin, absl::string_view path,
                               const Respond& respond) {
  Exchange preflight = exchange;
  preflight.headers.clear();
  if (!options_.cors.Allows(origin)) {
    return Finish(preflight,
                  ErrorResponse(403, absl::StatusCode::kPermissionDenied,
                                "this origin may not call the gateway"),
                  respond);
  }

  // The methods this path serves.
  std::vector<std::string> methods;
  if (IsBuiltinPath(path)) {
    methods = {"GET"};
  } else {
    RouteMatch match = router_->Match("OPTIONS", path);
    if (match.outcome == RouteMatch::Outcome::kMethodNotAllowed) {
      methods = match.allowed;
    } else if (match.outcome == RouteMatch::Outcome::kMatched) {
      methods = {"OPTIONS"};
    }
  }
  if (methods.empty()) {
    return Finish(preflight,
                  ErrorResponse(404, absl::StatusCode::kNotFound,
                                "no route matches this path"),
                  respond);
  }
  HttpResponse response;
  response.status = 204;
  response.headers = options_.cors.PreflightHeaders(origin, methods);
  Finish(preflight, std::move(response), respond);
}

void GatewayHandler::Ready(const Exchange& exchange, const Respond& respond) {
  if (draining_.load()) {
    return Finish(exchange,
                  ErrorResponse(503, absl::StatusCode::kUnavailable,
                                "the gateway is shutting down"),
                  respond);
  }
  // A probe has a timeout of its own (a few seconds on every platform);
  // a storage service that hangs must read as not ready within it.
  backend_->CheckHealth(
      exchange.start + std::min(options_.request_timeout, kReadyCheckTimeout),
      [this, exchange, respond](absl::Status status) {
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
}

void GatewayHandler::CallRoute(Exchange exchange, const HttpRequest& request,
                               absl::string_view path, absl::string_view query,
                               const Caller& caller, const Respond& respond) {
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
  const gateway::Route& route = *match.route;
  exchange.route = route.path.text();

  // The scope the route needs.
  const Scope needed = ScopeForHttpMethod(route.http_method);
  if (!caller.scopes.Grants(needed)) {
    metrics_.AuthFailure("scope");
    HttpResponse response = ErrorResponse(
        403, absl::StatusCode::kPermissionDenied,
        absl::StrCat("this token lacks the ", ScopeName(needed), " scope"));
    response.headers.push_back(
        {"WWW-Authenticate",
         absl::StrCat(kRealm, R"(, error="insufficient_scope", scope=")",
                      ScopeName(needed), "\"")});
    return Finish(exchange, std::move(response), respond);
  }

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
      BuildRequest(route, match.path_values, query, request.body,
                   options_.transcode);
  if (!message.ok()) {
    return Finish(exchange, FromStatus(message.status()), respond);
  }

  // If-Match stands for the etag field of the record or the request.
  const std::string* if_match = FindHeader(request.headers, kIfMatch);
  if (if_match != nullptr) {
    exchange.if_match = true;
    const std::optional<FieldPath> field = IfMatchTarget(route);
    if (!field.has_value()) {
      return Finish(exchange,
                    ErrorResponse(400, absl::StatusCode::kInvalidArgument,
                                  absl::StrCat("If-Match is not supported on ",
                                               route.http_method, " ",
                                               route.path.text())),
                    respond);
    }
    absl::StatusOr<std::string> tag = ParseIfMatch(*if_match);
    if (!tag.ok()) return Finish(exchange, FromStatus(tag.status()), respond);

    // An etag in the body too must agree.
    const google::protobuf::Message* holder = message->get();
    for (size_t i = 0; i + 1 < field->size(); ++i) {
      holder = &holder->GetReflection()->GetMessage(*holder, (*field)[i]);
    }
    const std::string in_body =
        holder->GetReflection()->GetString(*holder, field->back());
    if (!in_body.empty() && in_body != *tag) {
      return Finish(
          exchange,
          ErrorResponse(400, absl::StatusCode::kInvalidArgument,
                        absl::StrCat("If-Match and the field '",
                                     FieldPathName(*field), "' disagree")),
          respond);
    }
    absl::Status set = SetFieldFromText(message->get(), *field, *tag);
    if (!set.ok()) return Finish(exchange, FromStatus(set), respond);
  }

  BackendCall call;
  call.method = route.grpc_method;
  if (!(*message)->SerializeToString(&call.request)) {
    return Finish(exchange,
                  ErrorResponse(500, absl::StatusCode::kInternal,
                                "the request message does not serialize"),
                  respond);
  }

  // The metadata: an allow-list, then the caller as the gateway knows it.
  call.metadata.emplace_back(std::string(kRequestIdMetadata),
                             exchange.request_id);
  const std::string* traceparent = FindHeader(request.headers, kTraceparent);
  if (traceparent != nullptr && IsValidTraceparent(*traceparent)) {
    call.metadata.emplace_back(std::string(kTraceparent), *traceparent);
  }
  if (if_match != nullptr && IsMetadataValue(*if_match)) {
    call.metadata.emplace_back(std::string(kIfMatchMetadata), *if_match);
  }
  for (const std::string& name : options_.forward_headers) {
    const std::string* value = FindHeader(request.headers, name);
    if (value != nullptr && IsMetadataValue(*value)) {
      call.metadata.emplace_back(name, *value);
    }
  }
  call.metadata.emplace_back(std::string(kActorMetadata), caller.name);
  const std::string scopes = caller.scopes.Expanded();
  if (!scopes.empty()) {
    call.metadata.emplace_back(std::string(kScopesMetadata), scopes);
  }
  call.deadline = exchange.start + options_.request_timeout;

  // The call; its answer comes on a gRPC thread.
  const google::protobuf::Descriptor* output = route.method->output_type();
  backend_->Call(std::move(call), [this, exchange, output, respond](
                                      grpc::Status status, std::string bytes) {
    if (!status.ok()) {
      metrics_.UpstreamError(status.error_code());
      OPSBRAIN_LOG(VERBOSE)
          << "request " << exchange.request_id << ": " << status.error_code()
          << " " << status.error_message();
      return Finish(exchange, FromGrpcError(status, exchange.if_match),
                    respond);
    }
    absl::StatusOr<std::unique_ptr<google::protobuf::Message>> response =
        ParseResponse(output, bytes);
    absl::StatusOr<std::string> json =
        response.ok() ? MessageToJson(**response)
                      : absl::StatusOr<std::string>(response.status());
    if (!json.ok()) {
      OPSBRAIN_LOG(ERROR) << "request " << exchange.request_id << ": "
                          << json.status().message();
      return Finish(exchange, FromStatus(json.status()), respond);
    }
    HttpResponse ok = JsonResponse(200, *std::move(json));
    const std::string etag = EtagOf(**response);
    if (!etag.empty() && ParseIfMatch(ETagHeaderValue(etag)).ok()) {
      ok.headers.push_back({"ETag", ETagHeaderValue(etag)});
    }
    Finish(exchange, std::move(ok), respond);
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
