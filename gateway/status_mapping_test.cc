#include "gateway/status_mapping.h"

#include <string>

#include "absl/status/status.h"
#include "google/protobuf/wrappers.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"

namespace opsbrain::gateway {
namespace {

struct MappingCase {
  absl::StatusCode code;
  int http_status;
};

class HttpStatusFromCodeTest : public ::testing::TestWithParam<MappingCase> {};

TEST_P(HttpStatusFromCodeTest, FollowsTheTable) {
  EXPECT_EQ(HttpStatusFromCode(GetParam().code), GetParam().http_status)
      << absl::StatusCodeToString(GetParam().code);
}

INSTANTIATE_TEST_SUITE_P(
    Table, HttpStatusFromCodeTest,
    ::testing::Values(MappingCase{absl::StatusCode::kOk, 200},
                      MappingCase{absl::StatusCode::kCancelled, 499},
                      MappingCase{absl::StatusCode::kUnknown, 500},
                      MappingCase{absl::StatusCode::kInvalidArgument, 400},
                      MappingCase{absl::StatusCode::kDeadlineExceeded, 504},
                      MappingCase{absl::StatusCode::kNotFound, 404},
                      MappingCase{absl::StatusCode::kAlreadyExists, 409},
                      MappingCase{absl::StatusCode::kPermissionDenied, 403},
                      MappingCase{absl::StatusCode::kResourceExhausted, 429},
                      MappingCase{absl::StatusCode::kFailedPrecondition, 400},
                      MappingCase{absl::StatusCode::kAborted, 409},
                      MappingCase{absl::StatusCode::kOutOfRange, 500},
                      MappingCase{absl::StatusCode::kUnimplemented, 501},
                      MappingCase{absl::StatusCode::kInternal, 500},
                      MappingCase{absl::StatusCode::kUnavailable, 503},
                      MappingCase{absl::StatusCode::kDataLoss, 500},
                      MappingCase{absl::StatusCode::kUnauthenticated, 401}));

TEST(ErrorBodyTest, IsGoogleRpcStatusJson) {
  EXPECT_EQ(ErrorBody(absl::StatusCode::kNotFound, "no such key"),
            R"({"code":5,"message":"no such key","details":[]})");
}

TEST(ErrorBodyTest, EscapesAndRepairsTheMessage) {
  EXPECT_EQ(ErrorBody(absl::StatusCode::kInvalidArgument, "a\"b\xFF"),
            R"({"code":3,"message":"a\"b?","details":[]})");
}

TEST(ErrorBodyTest, PrintsKnownDetails) {
  google::rpc::Status status;
  status.set_code(9);
  status.set_message("stale");
  google::protobuf::StringValue detail;
  detail.set_value("why");
  status.add_details()->PackFrom(detail);
  EXPECT_EQ(ErrorBody(status),
            R"({"code":9,"message":"stale","details":[{"@type":)"
            R"("type.googleapis.com/google.protobuf.StringValue",)"
            R"("value":"why"}]})");
}

TEST(ErrorBodyTest, DropsDetailsOfUnknownTypes) {
  google::rpc::Status status;
  status.set_code(13);
  status.set_message("boom");
  google::protobuf::Any* any = status.add_details();
  any->set_type_url("type.googleapis.com/no.such.Type");
  any->set_value("\x08\x01");
  EXPECT_EQ(ErrorBody(status), R"({"code":13,"message":"boom","details":[]})");
}

}  // namespace
}  // namespace opsbrain::gateway
