#include "storage_service/service/rpc_runner.h"

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/logging.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/status.h"
#include "storage_service/service/request_context.h"
#include "storage_service/service/status_conversion.h"

namespace opsbrain::service {

RpcRunner::RpcRunner(std::string service, ReadinessGate readiness)
    : service_(std::move(service)), readiness_(std::move(readiness)) {}

grpc::Status RpcRunner::Run(
    const grpc::ServerContext& context, absl::string_view method,
    absl::FunctionRef<absl::Status(const RequestContext&)> body) const {
  const absl::Time start = absl::Now();
  absl::Status status = readiness_ ? readiness_() : absl::OkStatus();

  RequestContext caller;
  if (status.ok()) {
    absl::StatusOr<RequestContext> parsed = RequestContextFromServer(context);
    if (parsed.ok()) {
      caller = *std::move(parsed);
      status = body(caller);
    } else {
      status = parsed.status();
    }
  }

  if (IsMessageWithheld(status.code())) {
    OPSBRAIN_LOG(ERROR) << service_ << "/" << method
                        << " request_id=" << caller.request_id
                        << " failed: " << status;
  }
  OPSBRAIN_LOG(VERBOSE) << "rpc " << service_ << "/" << method
                        << " request_id=" << caller.request_id
                        << " actor=" << caller.actor
                        << " code=" << absl::StatusCodeToString(status.code())
                        << " ms="
                        << absl::ToDoubleMilliseconds(absl::Now() - start);
  return ToGrpcStatus(status);
}

}  // namespace opsbrain::service
