#include "gateway/percent_encoding.h"

#include <string>

#include "absl/status/status.h"
#include "gtest/gtest.h"

namespace opsbrain::gateway {
namespace {

struct DecodeCase {
  const char* text;
  DecodeMode mode;
  const char* want;  // nullptr: INVALID_ARGUMENT.
};

class PercentDecodeTest : public ::testing::TestWithParam<DecodeCase> {};

TEST_P(PercentDecodeTest, DecodesOrRejects) {
  const DecodeCase& c = GetParam();
  absl::StatusOr<std::string> decoded = PercentDecode(c.text, c.mode);
  if (c.want == nullptr) {
    EXPECT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument)
        << c.text;
    EXPECT_FALSE(IsWellFormedPercentEncoding(c.text));
  } else {
    ASSERT_TRUE(decoded.ok()) << c.text << ": " << decoded.status();
    EXPECT_EQ(*decoded, c.want);
    EXPECT_TRUE(IsWellFormedPercentEncoding(c.text));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, PercentDecodeTest,
    ::testing::Values(DecodeCase{"plain", DecodeMode::kSegment, "plain"},
                      DecodeCase{"", DecodeMode::kSegment, ""},
                      DecodeCase{"a%20b", DecodeMode::kSegment, "a b"},
                      DecodeCase{"a%2Fb", DecodeMode::kSegment, "a/b"},
                      DecodeCase{"a%2fb", DecodeMode::kSegment, "a/b"},
                      DecodeCase{"a%2Fb%20c", DecodeMode::kMultiSegment,
                                 "a%2Fb c"},
                      DecodeCase{"a%2fb", DecodeMode::kMultiSegment, "a%2fb"},
                      DecodeCase{"a+b", DecodeMode::kSegment, "a+b"},
                      DecodeCase{"a+b%2B", DecodeMode::kQuery, "a b+"},
                      DecodeCase{"%C3%A9", DecodeMode::kSegment, "\xC3\xA9"},
                      DecodeCase{"%3a", DecodeMode::kSegment, ":"},
                      DecodeCase{"%", DecodeMode::kSegment, nullptr},
                      DecodeCase{"a%2", DecodeMode::kSegment, nullptr},
                      DecodeCase{"a%zz", DecodeMode::kSegment, nullptr},
                      DecodeCase{"a%g0", DecodeMode::kQuery, nullptr},
                      DecodeCase{"%%41", DecodeMode::kSegment, nullptr}));

TEST(PercentDecodeNulTest, KeepsNulBytes) {
  absl::StatusOr<std::string> decoded =
      PercentDecode("a%00b", DecodeMode::kSegment);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, std::string("a\0b", 3));
}

}  // namespace
}  // namespace opsbrain::gateway
