// The gateway's metrics, on a metrics::Registry (common/metrics.h), served
// at GET /metrics.
//
//   gateway_http_requests_total{route,method,status}     counter
//   gateway_http_request_duration_seconds{route,method}  histogram
//   gateway_http_requests_in_flight                      gauge
//   gateway_upstream_errors_total{code}                  counter
//   gateway_auth_failures_total{reason}                  counter
//   gateway_rate_limited_total{caller}                   counter
//
// Every label takes values from a bounded set, so that no client can grow
// the registry: `route` is a route template (or one of the gateway's own
// paths, or "-" when nothing matched), `method` a known HTTP method or
// "OTHER", `code` a gRPC code name, `reason` one of missing, unknown,
// scope, `caller` a token name from the token file.
//
// Thread-safe.
#ifndef OPSBRAIN_GATEWAY_GATEWAY_METRICS_H_
#define OPSBRAIN_GATEWAY_GATEWAY_METRICS_H_

#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/metrics.h"

namespace opsbrain::gateway {

class GatewayMetrics {
 public:
  // `registry` must outlive this.
  explicit GatewayMetrics(metrics::Registry* registry);

  void RequestStarted();
  void RequestFinished(absl::string_view route, absl::string_view method,
                       int status, absl::Duration latency);
  // `code`: the numeric gRPC status code of a failed call.
  void UpstreamError(int code);
  void AuthFailure(absl::string_view reason);
  void RateLimited(absl::string_view caller);

  const metrics::Registry& registry() const { return *registry_; }

 private:
  metrics::Registry* const registry_;
  metrics::CounterFamily* const requests_;
  metrics::HistogramFamily* const latency_;
  metrics::Gauge* const in_flight_;
  metrics::CounterFamily* const upstream_errors_;
  metrics::CounterFamily* const auth_failures_;
  metrics::CounterFamily* const rate_limited_;
};

// `method` when it is one of the HTTP methods the gateway knows, else
// "OTHER".
std::string MethodLabel(absl::string_view method);

}  // namespace opsbrain::gateway

#endif  // OPSBRAIN_GATEWAY_GATEWAY_METRICS_H_
