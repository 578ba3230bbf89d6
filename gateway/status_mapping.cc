#include "gateway/status_mapping.h"

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/utf8.h"
#include "google/protobuf/util/json_util.h"
#include "google/rpc/status.pb.h"

namespace opsbrain::gateway {

int HttpStatusFromCode(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return 200;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
      return 400;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kAborted:
      return 409;
    case absl::StatusCode::kResourceExhausted:
      return 429;
    case absl::StatusCode::kCancelled:
      // nginx's "client closed request": the call was cancelled, as a rule
      // because its caller went away.
      return 499;
    case absl::StatusCode::kUnimplemented:
      return 501;
    case absl::StatusCode::kUnavailable:
      return 503;
    case absl::StatusCode::kDeadlineExceeded:
      return 504;
    default:
      return 500;
  }
}

std::string ErrorBody(google::rpc::Status status) {
  status.set_message(CoerceToUtf8(status.message()));
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  std::string json;
  if (google::protobuf::util::MessageToJsonString(status, &json, options)
          .ok()) {
    return json;
  }

  // An Any whose type is not linked in cannot be printed.
  status.clear_details();
  json.clear();
  if (google::protobuf::util::MessageToJsonString(status, &json, options)
          .ok()) {
    return json;
  }
  return R"({"code":13,"message":"error body unavailable","details":[]})";
}

std::string ErrorBody(absl::StatusCode code, absl::string_view message) {
  google::rpc::Status status;
  status.set_code(static_cast<int>(code));
  status.set_message(std::string(message));
  return ErrorBody(std::move(status));
}

}  // namespace opsbrain::gateway
