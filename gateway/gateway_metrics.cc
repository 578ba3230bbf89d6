#include "gateway/gateway_metrics.h"

#include <iterator>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/metrics.h"

namespace opsbrain::gateway {
namespace {

// gRPC's code names, by number.
constexpr const char* kCodeNames[] = {"OK",
                                      "CANCELLED",
                                      "UNKNOWN",
                                      "INVALID_ARGUMENT",
                                      "DEADLINE_EXCEEDED",
                                      "NOT_FOUND",
                                      "ALREADY_EXISTS",
                                      "PERMISSION_DENIED",
                                      "RESOURCE_EXHAUSTED",
                                      "FAILED_PRECONDITION",
                                      "ABORTED",
                                      "OUT_OF_RANGE",
                                      "UNIMPLEMENTED",
                                      "INTERNAL",
                                      "UNAVAILABLE",
                                      "DATA_LOSS",
                                      "UNAUTHENTICATED"};

}  // namespace

std::string MethodLabel(absl::string_view method) {
  for (absl::string_view known :
       {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}) {
    if (method == known) return std::string(known);
  }
  return "OTHER";
}

GatewayMetrics::GatewayMetrics(metrics::Registry* registry)
    : registry_(registry),
      requests_(registry->AddCounter(
          "gateway_http_requests_total",
          "HTTP requests answered, by route template, method and status.",
          {"route", "method", "status"})),
      latency_(registry->AddHistogram(
          "gateway_http_request_duration_seconds",
          "Time from a request's arrival to its answer, by route template "
          "and method.",
          {"route", "method"}, metrics::DefaultLatencyBounds())),
      in_flight_(registry
                     ->AddGauge("gateway_http_requests_in_flight",
                                "HTTP requests read and not yet answered.")
                     ->WithLabels()),
      upstream_errors_(registry->AddCounter(
          "gateway_upstream_errors_total",
          "Calls on the storage service that failed, by gRPC code.", {"code"})),
      auth_failures_(registry->AddCounter(
          "gateway_auth_failures_total",
          "Requests refused by authentication (missing or unknown token) or "
          "authorization (scope).",
          {"reason"})),
      rate_limited_(registry->AddCounter(
          "gateway_rate_limited_total",
          "Requests refused with 429 by the caller's rate limit.",
          {"caller"})) {}

void GatewayMetrics::RequestStarted() { in_flight_->Add(1); }

void GatewayMetrics::RequestFinished(absl::string_view route,
                                     absl::string_view method, int status,
                                     absl::Duration latency) {
  in_flight_->Add(-1);
  const std::string method_label = MethodLabel(method);
  requests_
      ->WithLabels({std::string(route), method_label, absl::StrCat(status)})
      ->Increment();
  latency_->WithLabels({std::string(route), method_label})
      ->Observe(absl::ToDoubleSeconds(latency));
}

void GatewayMetrics::UpstreamError(int code) {
  const bool known =
      code >= 0 && code < static_cast<int>(std::size(kCodeNames));
  upstream_errors_->WithLabels({known ? kCodeNames[code] : "UNKNOWN"})
      ->Increment();
}

void GatewayMetrics::AuthFailure(absl::string_view reason) {
  auth_failures_->WithLabels({std::string(reason)})->Increment();
}

void GatewayMetrics::RateLimited(absl::string_view caller) {
  rate_limited_->WithLabels({std::string(caller)})->Increment();
}

}  // namespace opsbrain::gateway
