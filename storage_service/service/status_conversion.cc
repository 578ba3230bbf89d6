#include "storage_service/service/status_conversion.h"

#include <string>

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace opsbrain::service {

bool IsMessageWithheld(absl::StatusCode code) {
  return code == absl::StatusCode::kInternal ||
         code == absl::StatusCode::kUnknown ||
         code == absl::StatusCode::kDataLoss;
}

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;

  const int number = static_cast<int>(status.code());
  const bool known = number > 0 && number <= grpc::StatusCode::UNAUTHENTICATED;
  const auto code =
      known ? static_cast<grpc::StatusCode>(number) : grpc::StatusCode::UNKNOWN;

  if (!known || IsMessageWithheld(status.code())) {
    switch (code) {
      case grpc::StatusCode::DATA_LOSS:
        return grpc::Status(code, "data loss");
      case grpc::StatusCode::INTERNAL:
        return grpc::Status(code, "internal error");
      default:
        return grpc::Status(grpc::StatusCode::UNKNOWN, "unknown error");
    }
  }
  return grpc::Status(code, std::string(status.message()));
}

}  // namespace opsbrain::service
