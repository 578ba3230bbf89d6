// The paths the gateway answers itself, beside the annotated routes.
#ifndef OPSBRAIN_GATEWAY_ENDPOINTS_H_
#define OPSBRAIN_GATEWAY_ENDPOINTS_H_

namespace opsbrain::gateway {

// Open to everyone: the process is up.
inline constexpr char kHealthzPath[] = "/healthz";
// Open to everyone: the storage service answers SERVING and the gateway is
// not draining.
inline constexpr char kReadyzPath[] = "/readyz";
// Any known token: the OpenAPI 3 document of the routes.
inline constexpr char kOpenApiPath[] = "/openapi.json";
// Any known token: Prometheus metrics in the text format.
inline constexpr char kMetricsPath[] = "/metrics";

}  // namespace opsbrain::gateway

#endif  // OPSBRAIN_GATEWAY_ENDPOINTS_H_
