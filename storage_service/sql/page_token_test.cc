#include "storage_service/sql/page_token.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace opsbrain::sql {
namespace {

using ::testing::ElementsAre;

TEST(PageTokenTest, RoundTripsCursorValues) {
  std::string token = EncodePageToken("goals|5:sales", {"4", "", "a:b|c"});
  absl::StatusOr<std::vector<std::string>> cursor =
      DecodePageToken(token, "goals|5:sales", 3);
  ASSERT_TRUE(cursor.ok()) << cursor.status();
  EXPECT_THAT(*cursor, ElementsAre("4", "", "a:b|c"));
}

TEST(PageTokenTest, TokenForOtherFiltersIsInvalid) {
  std::string token = EncodePageToken("goals|5:sales", {"4"});
  EXPECT_EQ(DecodePageToken(token, "goals|4:team", 1).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(PageTokenTest, EveryAlteredCharacterIsDetected) {
  std::string token = EncodePageToken("configurations|0:", {"openai_model"});
  for (size_t i = 0; i < token.size(); ++i) {
    std::string altered = token;
    altered[i] = altered[i] == 'A' ? 'B' : 'A';
    absl::StatusOr<std::vector<std::string>> cursor =
        DecodePageToken(altered, "configurations|0:", 1);
    EXPECT_EQ(cursor.status().code(), absl::StatusCode::kInvalidArgument)
        << "position " << i;
  }
}

TEST(PageTokenTest, GarbageIsInvalidWithFieldName) {
  for (const char* garbage : {"", "!!!", "AAAA", "%00", "x"}) {
    absl::StatusOr<std::vector<std::string>> cursor =
        DecodePageToken(garbage, "scope", 1);
    ASSERT_FALSE(cursor.ok()) << garbage;
    EXPECT_EQ(cursor.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(cursor.status().message()),
                ::testing::StartsWith("page_token:"));
  }
}

}  // namespace
}  // namespace opsbrain::sql
