// The frame around every RPC of the storage service's gRPC services.
//
// Thread-safe: Run may be called from any number of threads at once.
#ifndef OPSBRAIN_STORAGE_SERVICE_SERVICE_RPC_RUNNER_H_
#define OPSBRAIN_STORAGE_SERVICE_SERVICE_RPC_RUNNER_H_

#include <functional>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/status.h"
#include "storage_service/service/request_context.h"

namespace opsbrain::service {

// Returns OK when the service may serve, else the status to answer with
// (UNAVAILABLE naming the schema versions, for the Repository API).
using ReadinessGate = std::function<absl::Status()>;

class RpcRunner {
 public:
  // `service` names the service in log lines. A null `readiness` means
  // always ready.
  RpcRunner(std::string service, ReadinessGate readiness);

  // In order: asks the readiness gate; reads the caller's metadata
  // (request_context.h); runs `body`; logs one VERBOSE line (method, request
  // id, actor, code); converts the status (status_conversion.h). A status
  // whose message is withheld from the caller is logged at ERROR with its
  // message first. `body` fills the response itself; gRPC discards it when
  // the status is not OK.
  grpc::Status Run(
      const grpc::ServerContext& context, absl::string_view method,
      absl::FunctionRef<absl::Status(const RequestContext&)> body) const;

 private:
  std::string service_;
  ReadinessGate readiness_;
};

}  // namespace opsbrain::service

#endif  // OPSBRAIN_STORAGE_SERVICE_SERVICE_RPC_RUNNER_H_
