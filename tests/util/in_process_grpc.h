#ifndef OPSBRAIN_TESTS_UTIL_IN_PROCESS_GRPC_H_
#define OPSBRAIN_TESTS_UTIL_IN_PROCESS_GRPC_H_

#include <memory>

#include "grpcpp/channel.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"

namespace opsbrain::testutil {

// A service test that runs the server and its client in one process hands
// state to a handler the way a blocking call does: the test thread writes a
// fake's fields, makes the call, and a server thread reads them. gRPC
// orders the two, but inside Debian's uninstrumented library, where
// ThreadSanitizer cannot see it. These two helpers add interceptors at both
// ends of such a call that tell it what a synchronous call guarantees:
// everything the caller did before the call happens before the handler
// runs, and everything the handler did happens before the call returns.
// In builds other than --config=tsan the interceptors do nothing.

// Adds the server half to `builder`, before BuildAndStart.
void AddCallOrderInterceptor(grpc::ServerBuilder* builder);

// An in-process channel to `server` with the client half.
std::shared_ptr<grpc::Channel> InProcessChannel(grpc::Server* server);

}  // namespace opsbrain::testutil

#endif  // OPSBRAIN_TESTS_UTIL_IN_PROCESS_GRPC_H_
