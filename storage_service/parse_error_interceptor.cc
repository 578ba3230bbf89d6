#include "storage_service/parse_error_interceptor.h"

#include "grpcpp/support/interceptor.h"
#include "grpcpp/support/status.h"

namespace opsbrain {
namespace {

using grpc::experimental::InterceptionHookPoints;
using grpc::experimental::Interceptor;
using grpc::experimental::InterceptorBatchMethods;
using grpc::experimental::ServerInterceptorFactoryInterface;
using grpc::experimental::ServerRpcInfo;

class ParseErrorInterceptor final : public Interceptor {
 public:
  void Intercept(InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_STATUS)) {
      // Handlers never answer INTERNAL without a message (the service
      // layer words every failure), so this is gRPC's own parse failure.
      grpc::Status status = methods->GetSendStatus();
      if (status.error_code() == grpc::StatusCode::INTERNAL &&
          status.error_message().empty()) {
        methods->ModifySendStatus(grpc::Status(
            grpc::StatusCode::INVALID_ARGUMENT,
            "request could not be parsed: a string field holds bytes that "
            "are not valid UTF-8, or the message is malformed"));
      }
    }
    methods->Proceed();
  }
};

class ParseErrorInterceptorFactory final
    : public ServerInterceptorFactoryInterface {
 public:
  Interceptor* CreateServerInterceptor(ServerRpcInfo* /*info*/) override {
    return new ParseErrorInterceptor();
  }
};

}  // namespace

std::unique_ptr<ServerInterceptorFactoryInterface>
NewParseErrorInterceptorFactory() {
  return std::make_unique<ParseErrorInterceptorFactory>();
}

}  // namespace opsbrain
