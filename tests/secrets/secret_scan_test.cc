// The scanner finds what is planted, says where, and never prints it.
#include "tests/secrets/secret_scan.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace opsbrain::secrets {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr char kPlanted[] = "sk-planted-0123456789abcdef";

TEST(SecretScanTest, FindsAPlantedValueOnItsLine) {
  const std::vector<std::string> leaks =
      FindLeaks({{"clean", "nothing here\nor here"},
                 {"gateway log", std::string("a\nb\nkey=") + kPlanted + ";"}},
                {kPlanted, "other"});
  ASSERT_THAT(leaks,
              ElementsAre("gateway log, line 3: holds sk-p...(27 bytes)"));
  EXPECT_THAT(leaks[0], Not(HasSubstr(kPlanted)));
}

TEST(SecretScanTest, FindsEveryOccurrenceAndIgnoresEmptySecrets) {
  EXPECT_EQ(FindLeaks({{"a", std::string(kPlanted) + "\n" + kPlanted}},
                      {kPlanted, ""})
                .size(),
            2);
  EXPECT_THAT(FindLeaks({{"a", "text"}}, {""}), IsEmpty());
  EXPECT_THAT(FindLeaks({{"a", "sk-planted"}}, {kPlanted}), IsEmpty());
}

}  // namespace
}  // namespace opsbrain::secrets
