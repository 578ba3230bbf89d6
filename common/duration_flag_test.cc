#include "common/duration_flag.h"

#include <string>

#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace opsbrain {
namespace {

TEST(DurationWithDaysTest, ParsesDaysAndAbseilDurations) {
  struct Case {
    const char* text;
    bool ok;
    absl::Duration value;
  };
  const Case kCases[] = {
      {"90d", true, absl::Hours(24 * 90)},
      {"1.5d", true, absl::Hours(36)},
      {"36h", true, absl::Hours(36)},
      {"250ms", true, absl::Milliseconds(250)},
      {"0", true, absl::ZeroDuration()},
      {"0d", true, absl::ZeroDuration()},
      {"-1d", false, absl::ZeroDuration()},
      {"-5s", false, absl::ZeroDuration()},
      {"d", false, absl::ZeroDuration()},
      {"ninety days", false, absl::ZeroDuration()},
      {"", false, absl::ZeroDuration()},
  };
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.text);
    DurationWithDays parsed;
    std::string error;
    ASSERT_EQ(AbslParseFlag(c.text, &parsed, &error), c.ok) << error;
    if (c.ok) {
      EXPECT_EQ(parsed.value, c.value);
    } else {
      EXPECT_FALSE(error.empty());
    }
  }
}

TEST(DurationWithDaysTest, UnparsesWholeDaysAsDays) {
  EXPECT_EQ(AbslUnparseFlag({absl::Hours(24 * 90)}), "90d");
  EXPECT_EQ(AbslUnparseFlag({absl::Hours(36)}), "36h");
  EXPECT_EQ(AbslUnparseFlag({absl::ZeroDuration()}), "0");
}

}  // namespace
}  // namespace opsbrain
