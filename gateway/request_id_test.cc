#include "gateway/request_id.h"

#include <string>

#include "gtest/gtest.h"

namespace opsbrain::gateway {
namespace {

struct SaneCase {
  std::string id;
  bool sane;
};

class RequestIdTest : public ::testing::TestWithParam<SaneCase> {};

TEST_P(RequestIdTest, AcceptsOnlySaneTokens) {
  EXPECT_EQ(IsSaneRequestId(GetParam().id), GetParam().sane) << GetParam().id;
  EXPECT_EQ(RequestIdFor(GetParam().id) == GetParam().id, GetParam().sane);
}

INSTANTIATE_TEST_SUITE_P(
    Table, RequestIdTest,
    ::testing::Values(
        SaneCase{"abc-123_DEF.4", true}, SaneCase{std::string(128, 'a'), true},
        SaneCase{std::string(129, 'a'), false}, SaneCase{"", false},
        SaneCase{"has space", false}, SaneCase{"semi;colon", false},
        SaneCase{"new\nline", false}, SaneCase{"caf\xC3\xA9", false},
        SaneCase{"slash/", false}));

TEST(NewRequestIdTest, IsSaneHexAndFresh) {
  const std::string a = NewRequestId();
  const std::string b = NewRequestId();
  EXPECT_EQ(a.size(), 32u);
  EXPECT_TRUE(IsSaneRequestId(a));
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(a, b);
}

struct TraceparentCase {
  const char* value;
  bool valid;
};

class TraceparentTest : public ::testing::TestWithParam<TraceparentCase> {};

TEST_P(TraceparentTest, AcceptsW3cTraceContextOnly) {
  EXPECT_EQ(IsValidTraceparent(GetParam().value), GetParam().valid)
      << GetParam().value;
}

INSTANTIATE_TEST_SUITE_P(
    Table, TraceparentTest,
    ::testing::Values(
        TraceparentCase{
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", true},
        TraceparentCase{
            "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", true},
        TraceparentCase{
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", false},
        TraceparentCase{
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", false},
        TraceparentCase{
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01", false},
        TraceparentCase{
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", false},
        TraceparentCase{
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x", false},
        TraceparentCase{"00-4bf92f35-00f067aa0ba902b7-01", false},
        TraceparentCase{"", false}));

}  // namespace
}  // namespace opsbrain::gateway
