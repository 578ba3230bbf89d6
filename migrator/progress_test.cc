#include "migrator/progress.h"

#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace opsbrain::migrator {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class ProgressTest : public ::testing::Test {
 protected:
  Progress Make(ProgressStyle style) {
    ProgressOptions options;
    options.style = style;
    options.out = &out_;
    options.interval = absl::Seconds(1);
    options.clock = [this] { return now_; };
    return Progress(options);
  }

  std::vector<std::string> Lines() {
    std::vector<std::string> lines =
        absl::StrSplit(out_.str(), '\n', absl::SkipEmpty());
    return lines;
  }

  std::ostringstream out_;
  absl::Time now_ = absl::FromUnixSeconds(1000);
};

TEST_F(ProgressTest, JsonRecordsComeOncePerIntervalWithRateAndTimeLeft) {
  Progress progress = Make(ProgressStyle::kJsonLines);
  progress.Start("import", "performance_metrics", 1000);
  now_ += absl::Milliseconds(500);
  progress.Update(100);  // Not due yet.
  now_ += absl::Milliseconds(500);
  progress.Update(250);  // 250 rows in 1 s: 750 left at 250/s.
  now_ += absl::Seconds(1);
  progress.Finish();

  const std::string head = R"({"event":"progress","phase":"import",)"
                           R"("table":"performance_metrics",)";
  EXPECT_THAT(Lines(),
              ElementsAre(head + R"("rows":0,"total":1000,"percent":0.0,)"
                                 R"("rows_per_second":0.0,)"
                                 R"("elapsed_seconds":0.0,"done":false})",
                          head + R"("rows":250,"total":1000,"percent":25.0,)"
                                 R"("rows_per_second":250.0,)"
                                 R"("elapsed_seconds":1.0,"eta_seconds":3.0,)"
                                 R"("done":false})",
                          head + R"("rows":250,"total":1000,"percent":25.0,)"
                                 R"("rows_per_second":125.0,)"
                                 R"("elapsed_seconds":2.0,"eta_seconds":0.0,)"
                                 R"("done":true})"));
}

TEST_F(ProgressTest, BarIsRedrawnInPlaceAndEndsWithANewline) {
  Progress progress = Make(ProgressStyle::kBar);
  progress.Start("verify", "configurations", 40);
  now_ += absl::Seconds(2);
  progress.Update(20);
  progress.Finish();

  const std::string text = out_.str();
  EXPECT_EQ(text.front(), '\r');
  EXPECT_EQ(text.back(), '\n');
  EXPECT_THAT(text, HasSubstr("verify    configurations       [###############"
                              "...............]  50% 20/40  10 rows/s  ETA "
                              "2s"));
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1);
}

TEST_F(ProgressTest, NoneWritesNothing) {
  Progress progress = Make(ProgressStyle::kNone);
  progress.Start("import", "t", 5);
  progress.Update(5);
  progress.Finish();
  EXPECT_THAT(out_.str(), IsEmpty());
}

TEST_F(ProgressTest, EmptyTableShowsNothing) {
  Progress progress = Make(ProgressStyle::kJsonLines);
  progress.Start("import", "config_audit", 0);
  progress.Update(0);
  progress.Finish();
  EXPECT_THAT(out_.str(), IsEmpty());
}

TEST(ParseProgressStyleTest, AutoDependsOnTheTerminal) {
  struct Case {
    const char* flag;
    bool terminal;
    ProgressStyle want;
  };
  for (const Case& c : {Case{"auto", true, ProgressStyle::kBar},
                        Case{"auto", false, ProgressStyle::kJsonLines},
                        Case{"bar", false, ProgressStyle::kBar},
                        Case{"json", true, ProgressStyle::kJsonLines},
                        Case{"none", true, ProgressStyle::kNone}}) {
    absl::StatusOr<ProgressStyle> style =
        ParseProgressStyle(c.flag, c.terminal);
    ASSERT_TRUE(style.ok()) << c.flag;
    EXPECT_EQ(*style, c.want) << c.flag;
  }
  EXPECT_FALSE(ParseProgressStyle("fancy", true).ok());
}

}  // namespace
}  // namespace opsbrain::migrator
