#include "storage_service/service/status_conversion.h"

#include <string>

#include "absl/status/status.h"
#include "grpcpp/support/status.h"
#include "gtest/gtest.h"

namespace opsbrain::service {
namespace {

struct Case {
  absl::StatusCode absl_code;
  grpc::StatusCode grpc_code;
  bool message_kept;
};

TEST(StatusConversionTest, CodesKeepTheirNumbers) {
  const Case cases[] = {
      {absl::StatusCode::kCancelled, grpc::StatusCode::CANCELLED, true},
      {absl::StatusCode::kUnknown, grpc::StatusCode::UNKNOWN, false},
      {absl::StatusCode::kInvalidArgument, grpc::StatusCode::INVALID_ARGUMENT,
       true},
      {absl::StatusCode::kDeadlineExceeded, grpc::StatusCode::DEADLINE_EXCEEDED,
       true},
      {absl::StatusCode::kNotFound, grpc::StatusCode::NOT_FOUND, true},
      {absl::StatusCode::kAlreadyExists, grpc::StatusCode::ALREADY_EXISTS,
       true},
      {absl::StatusCode::kPermissionDenied, grpc::StatusCode::PERMISSION_DENIED,
       true},
      {absl::StatusCode::kResourceExhausted,
       grpc::StatusCode::RESOURCE_EXHAUSTED, true},
      {absl::StatusCode::kFailedPrecondition,
       grpc::StatusCode::FAILED_PRECONDITION, true},
      {absl::StatusCode::kAborted, grpc::StatusCode::ABORTED, true},
      {absl::StatusCode::kOutOfRange, grpc::StatusCode::OUT_OF_RANGE, true},
      {absl::StatusCode::kUnimplemented, grpc::StatusCode::UNIMPLEMENTED, true},
      {absl::StatusCode::kInternal, grpc::StatusCode::INTERNAL, false},
      {absl::StatusCode::kUnavailable, grpc::StatusCode::UNAVAILABLE, true},
      {absl::StatusCode::kDataLoss, grpc::StatusCode::DATA_LOSS, false},
      {absl::StatusCode::kUnauthenticated, grpc::StatusCode::UNAUTHENTICATED,
       true},
  };
  for (const Case& c : cases) {
    const grpc::Status status =
        ToGrpcStatus(absl::Status(c.absl_code, "detail from below"));
    EXPECT_EQ(status.error_code(), c.grpc_code)
        << absl::StatusCodeToString(c.absl_code);
    EXPECT_EQ(static_cast<int>(status.error_code()),
              static_cast<int>(c.absl_code));
    EXPECT_EQ(status.error_message() == "detail from below", c.message_kept)
        << absl::StatusCodeToString(c.absl_code);
    EXPECT_EQ(IsMessageWithheld(c.absl_code), !c.message_kept);
  }
}

TEST(StatusConversionTest, OkIsOk) {
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
}

TEST(StatusConversionTest, WithheldMessagesBecomeGeneric) {
  EXPECT_EQ(
      ToGrpcStatus(absl::InternalError("password=hunter2")).error_message(),
      "internal error");
  EXPECT_EQ(ToGrpcStatus(absl::DataLossError("row 7")).error_message(),
            "data loss");
  EXPECT_EQ(ToGrpcStatus(absl::UnknownError("x")).error_message(),
            "unknown error");
}

TEST(StatusConversionTest, UnknownCodeNumberBecomesUnknown) {
  const grpc::Status status =
      ToGrpcStatus(absl::Status(static_cast<absl::StatusCode>(42), "odd"));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNKNOWN);
  EXPECT_EQ(status.error_message(), "unknown error");
}

TEST(StatusConversionTest, UnavailableKeepsTheGateMessage) {
  const grpc::Status status = ToGrpcStatus(
      absl::UnavailableError("schema version 1, need 3: run `migrator up`"));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(status.error_message(),
            "schema version 1, need 3: run `migrator up`");
}

}  // namespace
}  // namespace opsbrain::service
