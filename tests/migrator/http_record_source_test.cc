#include "tests/migrator/http_record_source.h"

#include "absl/status/status.h"
#include "gtest/gtest.h"

namespace opsbrain::testing {
namespace {

TEST(CodeFromHttpStatusTest, InvertsTheGatewaysStatusTable) {
  struct Case {
    int http_status;
    absl::StatusCode code;
  };
  const Case kCases[] = {
      {200, absl::StatusCode::kOk},
      {204, absl::StatusCode::kOk},
      {400, absl::StatusCode::kInvalidArgument},
      {401, absl::StatusCode::kUnauthenticated},
      {403, absl::StatusCode::kPermissionDenied},
      {404, absl::StatusCode::kNotFound},
      {409, absl::StatusCode::kAborted},
      {429, absl::StatusCode::kResourceExhausted},
      {499, absl::StatusCode::kCancelled},
      {500, absl::StatusCode::kInternal},
      {501, absl::StatusCode::kUnimplemented},
      {503, absl::StatusCode::kUnavailable},
      {504, absl::StatusCode::kDeadlineExceeded},
      // Statuses the gateway's table never gives.
      {302, absl::StatusCode::kUnknown},
      {405, absl::StatusCode::kUnknown},
      {502, absl::StatusCode::kUnknown},
  };
  for (const Case& test_case : kCases) {
    EXPECT_EQ(CodeFromHttpStatus(test_case.http_status), test_case.code)
        << test_case.http_status;
  }
}

}  // namespace
}  // namespace opsbrain::testing
