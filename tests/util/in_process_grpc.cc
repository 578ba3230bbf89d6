#include "tests/util/in_process_grpc.h"

#include <memory>
#include <utility>
#include <vector>

#include "common/tsan_annotations.h"
#include "grpcpp/support/client_interceptor.h"
#include "grpcpp/support/interceptor.h"
#include "grpcpp/support/server_interceptor.h"

namespace opsbrain::testutil {
namespace {

using grpc::experimental::ClientInterceptorFactoryInterface;
using grpc::experimental::ClientRpcInfo;
using grpc::experimental::InterceptionHookPoints;
using grpc::experimental::Interceptor;
using grpc::experimental::InterceptorBatchMethods;
using grpc::experimental::ServerInterceptorFactoryInterface;
using grpc::experimental::ServerRpcInfo;

// One key for every call of the process: the tests that use these helpers
// make their calls one at a time from the test thread.
const char kCallOrder = 0;

// Both halves: whatever a side did before it sends happens before what the
// other side does after receiving it.
class CallOrder final : public Interceptor {
 public:
  void Intercept(InterceptorBatchMethods* methods) override {
    for (InterceptionHookPoints send :
         {InterceptionHookPoints::PRE_SEND_INITIAL_METADATA,
          InterceptionHookPoints::PRE_SEND_MESSAGE,
          InterceptionHookPoints::PRE_SEND_STATUS}) {
      if (methods->QueryInterceptionHookPoint(send)) {
        HappensBefore(&kCallOrder);
      }
    }
    for (InterceptionHookPoints receive :
         {InterceptionHookPoints::POST_RECV_INITIAL_METADATA,
          InterceptionHookPoints::POST_RECV_MESSAGE,
          InterceptionHookPoints::POST_RECV_STATUS}) {
      if (methods->QueryInterceptionHookPoint(receive)) {
        HappensAfter(&kCallOrder);
      }
    }
    methods->Proceed();
  }
};

class ClientFactory final : public ClientInterceptorFactoryInterface {
 public:
  Interceptor* CreateClientInterceptor(ClientRpcInfo* /*info*/) override {
    return new CallOrder();
  }
};

class ServerFactory final : public ServerInterceptorFactoryInterface {
 public:
  Interceptor* CreateServerInterceptor(ServerRpcInfo* /*info*/) override {
    return new CallOrder();
  }
};

}  // namespace

void AddCallOrderInterceptor(grpc::ServerBuilder* builder) {
  std::vector<std::unique_ptr<ServerInterceptorFactoryInterface>> factories;
  factories.push_back(std::make_unique<ServerFactory>());
  builder->experimental().SetInterceptorCreators(std::move(factories));
}

std::shared_ptr<grpc::Channel> InProcessChannel(grpc::Server* server) {
  std::vector<std::unique_ptr<ClientInterceptorFactoryInterface>> factories;
  factories.push_back(std::make_unique<ClientFactory>());
  return server->experimental().InProcessChannelWithInterceptors(
      grpc::ChannelArguments(), std::move(factories));
}

}  // namespace opsbrain::testutil
