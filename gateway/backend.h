// The gateway's view of the storage service: unary calls on serialized
// messages and a health check. GrpcBackend is the real one; tests inject
// fakes.
#ifndef OPSBRAIN_GATEWAY_BACKEND_H_
#define OPSBRAIN_GATEWAY_BACKEND_H_

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "grpcpp/support/status.h"

namespace opsbrain::gateway {

struct BackendCall {
  std::string method;   // "/package.Service/Method".
  std::string request;  // The serialized request message.
  std::vector<std::pair<std::string, std::string>> metadata;
  absl::Time deadline = absl::InfiniteFuture();
};

class Backend {
 public:
  // The call's status and, when OK, the serialized response. A grpc::Status
  // rather than an absl::Status because it carries the error details that
  // the error body passes on.
  using CallDone = std::function<void(grpc::Status, std::string)>;
  // OK when the service answers SERVING, else UNAVAILABLE.
  using HealthDone = std::function<void(absl::Status)>;

  virtual ~Backend() = default;

  // Starts a unary call. `done` runs exactly once, on any thread, possibly
  // before Call returns.
  virtual void Call(BackendCall call, CallDone done) = 0;

  // Asks grpc.health.v1.Health/Check about service "" (the whole server).
  // `done` runs as for Call.
  virtual void CheckHealth(absl::Time deadline, HealthDone done) = 0;
};

}  // namespace opsbrain::gateway

#endif  // OPSBRAIN_GATEWAY_BACKEND_H_
