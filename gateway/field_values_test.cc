#include "gateway/field_values.h"

#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "opsbrain/gatewaytest/v1/gateway_test.pb.h"
#include "opsbrain/v1/repository.pb.h"

namespace opsbrain::gateway {
namespace {

using ::opsbrain::gatewaytest::v1::EchoRequest;
using ::testing::HasSubstr;

TEST(ResolveFieldPathTest, FollowsNestedMessages) {
  absl::StatusOr<FieldPath> path = ResolveFieldPath(
      EchoRequest::descriptor(), "parent.child.name", FieldNames::kProto);
  ASSERT_TRUE(path.ok()) << path.status();
  ASSERT_EQ(path->size(), 3u);
  EXPECT_EQ(FieldPathName(*path), "parent.child.name");
}

TEST(ResolveFieldPathTest, JsonNamesOnlyWhenAsked) {
  const google::protobuf::Descriptor* type =
      opsbrain::v1::ListPerformanceMetricsRequest::descriptor();
  EXPECT_TRUE(
      ResolveFieldPath(type, "startTime", FieldNames::kProtoOrJson).ok());
  EXPECT_EQ(
      ResolveFieldPath(type, "startTime", FieldNames::kProto).status().code(),
      absl::StatusCode::kInvalidArgument);
}

TEST(ResolveFieldPathTest, NamesTheUnknownField) {
  absl::Status status = ResolveFieldPath(EchoRequest::descriptor(),
                                         "parent.nope", FieldNames::kProto)
                            .status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("parent.nope"));
}

TEST(ResolveFieldPathTest, RejectsEmptyNames) {
  EXPECT_FALSE(
      ResolveFieldPath(EchoRequest::descriptor(), "", FieldNames::kProto).ok());
  EXPECT_FALSE(ResolveFieldPath(EchoRequest::descriptor(), "parent..id",
                                FieldNames::kProto)
                   .ok());
}

TEST(IsSettableFromTextTest, ScalarsAndTextualMessagesOnly) {
  const google::protobuf::Descriptor* type = EchoRequest::descriptor();
  for (const char* name : {"id", "count", "tags", "colors", "since", "times",
                           "wait", "mask", "note", "limit", "blob"}) {
    EXPECT_TRUE(IsSettableFromText(type->FindFieldByName(name))) << name;
  }
  EXPECT_FALSE(IsSettableFromText(type->FindFieldByName("parent")));
  EXPECT_FALSE(IsSettableFromText(type->FindFieldByName("labels")));
}

TEST(SetFieldFromTextTest, CreatesIntermediateMessages) {
  EchoRequest request;
  absl::StatusOr<FieldPath> path = ResolveFieldPath(
      EchoRequest::descriptor(), "parent.child.size", FieldNames::kProto);
  ASSERT_TRUE(path.ok());
  ASSERT_TRUE(SetFieldFromText(&request, *path, "-9223372036854775808").ok());
  EXPECT_EQ(request.parent().child().size(), INT64_MIN);
}

TEST(SetFieldFromTextTest, EchoesAtMostAShortPieceOfABadValue) {
  EchoRequest request;
  absl::StatusOr<FieldPath> path =
      ResolveFieldPath(EchoRequest::descriptor(), "count", FieldNames::kProto);
  ASSERT_TRUE(path.ok());
  absl::Status status =
      SetFieldFromText(&request, *path, std::string(1000, 'x'));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_LT(status.message().size(), 200u);
}

}  // namespace
}  // namespace opsbrain::gateway
