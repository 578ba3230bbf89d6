// absl::Status to grpc::Status, once, at the edge of every service.
//
// Thread-safe: free functions only.
#ifndef OPSBRAIN_STORAGE_SERVICE_SERVICE_STATUS_CONVERSION_H_
#define OPSBRAIN_STORAGE_SERVICE_SERVICE_STATUS_CONVERSION_H_

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace opsbrain::service {

// The code number is kept (absl and gRPC share the canonical codes; an
// unknown number becomes UNKNOWN). The message is kept too, except for
// INTERNAL, UNKNOWN and DATA_LOSS: those can carry database or driver text
// that callers must not see, so they become the code's generic description
// ("internal error"). Log the original before converting.
grpc::Status ToGrpcStatus(const absl::Status& status);

// True when ToGrpcStatus replaces the message of `code`.
bool IsMessageWithheld(absl::StatusCode code);

}  // namespace opsbrain::service

#endif  // OPSBRAIN_STORAGE_SERVICE_SERVICE_STATUS_CONVERSION_H_
