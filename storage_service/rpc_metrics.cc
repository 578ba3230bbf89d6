#include "storage_service/rpc_metrics.h"

#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/support/interceptor.h"

namespace opsbrain {
namespace {

using grpc::experimental::InterceptionHookPoints;
using grpc::experimental::Interceptor;
using grpc::experimental::InterceptorBatchMethods;
using grpc::experimental::ServerInterceptorFactoryInterface;
using grpc::experimental::ServerRpcInfo;

const char* TypeName(ServerRpcInfo::Type type) {
  switch (type) {
    case ServerRpcInfo::Type::UNARY:
      return "unary";
    case ServerRpcInfo::Type::CLIENT_STREAMING:
      return "client_stream";
    case ServerRpcInfo::Type::SERVER_STREAMING:
      return "server_stream";
    case ServerRpcInfo::Type::BIDI_STREAMING:
      return "bidi_stream";
  }
  return "unknown";
}

struct RpcFamilies {
  metrics::CounterFamily* started;
  metrics::CounterFamily* handled;
  metrics::HistogramFamily* seconds;
};

class RpcMetricsInterceptor final : public Interceptor {
 public:
  RpcMetricsInterceptor(const RpcFamilies& families, ServerRpcInfo* info)
      : families_(families), start_(absl::Now()) {
    // "/package.Service/Method".
    absl::string_view method = info->method() == nullptr ? "" : info->method();
    if (!method.empty() && method.front() == '/') method.remove_prefix(1);
    const size_t slash = method.find('/');
    const std::string type = TypeName(info->type());
    const std::string service(method.substr(0, slash));
    const std::string name(
        slash == absl::string_view::npos ? "" : method.substr(slash + 1));
    labels_ = {type, service, name};
    families_.started->WithLabels(labels_)->Increment();
  }

  void Intercept(InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_STATUS)) {
      const grpc::Status status = methods->GetSendStatus();
      std::vector<std::string> handled = labels_;
      handled.push_back(GrpcCodeName(status.error_code()));
      families_.handled->WithLabels(std::move(handled))->Increment();
      families_.seconds->WithLabels(labels_)->Observe(
          absl::ToDoubleSeconds(absl::Now() - start_));
    }
    methods->Proceed();
  }

 private:
  const RpcFamilies& families_;
  const absl::Time start_;
  std::vector<std::string> labels_;
};

class RpcMetricsInterceptorFactory final
    : public ServerInterceptorFactoryInterface {
 public:
  explicit RpcMetricsInterceptorFactory(metrics::Registry* registry) {
    families_.started = registry->AddCounter(
        "grpc_server_started_total", "RPCs started on the server.",
        {"grpc_type", "grpc_service", "grpc_method"});
    families_.handled = registry->AddCounter(
        "grpc_server_handled_total",
        "RPCs completed on the server, by status code.",
        {"grpc_type", "grpc_service", "grpc_method", "grpc_code"});
    families_.seconds = registry->AddHistogram(
        "grpc_server_handling_seconds",
        "Time from the start of an RPC to its status being sent.",
        {"grpc_type", "grpc_service", "grpc_method"},
        metrics::DefaultLatencyBounds());
  }

  Interceptor* CreateServerInterceptor(ServerRpcInfo* info) override {
    return new RpcMetricsInterceptor(families_, info);
  }

 private:
  RpcFamilies families_;
};

}  // namespace

std::unique_ptr<ServerInterceptorFactoryInterface>
NewRpcMetricsInterceptorFactory(metrics::Registry* registry) {
  return std::make_unique<RpcMetricsInterceptorFactory>(registry);
}

std::string GrpcCodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "OK";
    case grpc::StatusCode::CANCELLED:
      return "Canceled";
    case grpc::StatusCode::UNKNOWN:
      return "Unknown";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "InvalidArgument";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DeadlineExceeded";
    case grpc::StatusCode::NOT_FOUND:
      return "NotFound";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "AlreadyExists";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "PermissionDenied";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "ResourceExhausted";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FailedPrecondition";
    case grpc::StatusCode::ABORTED:
      return "Aborted";
    case grpc::StatusCode::OUT_OF_RANGE:
      return "OutOfRange";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "Unimplemented";
    case grpc::StatusCode::INTERNAL:
      return "Internal";
    case grpc::StatusCode::UNAVAILABLE:
      return "Unavailable";
    case grpc::StatusCode::DATA_LOSS:
      return "DataLoss";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "Unauthenticated";
    default:
      return "Unknown";
  }
}

}  // namespace opsbrain
