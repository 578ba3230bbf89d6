// Counts every RPC the server handles and times it, for the metrics
// endpoint, under the names and labels of the go-grpc-prometheus
// convention (so that existing dashboards and alerts fit):
//
//   grpc_server_started_total{grpc_type,grpc_service,grpc_method}
//   grpc_server_handled_total{grpc_type,grpc_service,grpc_method,grpc_code}
//   grpc_server_handling_seconds{grpc_type,grpc_service,grpc_method}
//
// grpc_code is the code's name as gRPC spells it elsewhere ("OK",
// "NotFound", "Unavailable"); grpc_type is "unary", "client_stream",
// "server_stream" or "bidi_stream". A call is counted handled, and its
// latency observed, when its status is sent: the code counted is the one
// the client receives.
//
// Add the factory after interceptors that rewrite statuses, so that it
// sees their result.
#ifndef OPSBRAIN_STORAGE_SERVICE_RPC_METRICS_H_
#define OPSBRAIN_STORAGE_SERVICE_RPC_METRICS_H_

#include <memory>
#include <string>

#include "common/metrics.h"
#include "grpcpp/support/server_interceptor.h"
#include "grpcpp/support/status.h"

namespace opsbrain {

// `registry` must outlive the server.
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
NewRpcMetricsInterceptorFactory(metrics::Registry* registry);

// "OK", "Canceled", ..., "Unauthenticated"; "Unknown" for a code outside
// the canonical set.
std::string GrpcCodeName(grpc::StatusCode code);

}  // namespace opsbrain

#endif  // OPSBRAIN_STORAGE_SERVICE_RPC_METRICS_H_
