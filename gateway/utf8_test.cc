#include "gateway/utf8.h"

#include <string>

#include "gtest/gtest.h"

namespace opsbrain::gateway {
namespace {

struct Utf8Case {
  std::string text;
  bool valid;
};

class Utf8Test : public ::testing::TestWithParam<Utf8Case> {};

TEST_P(Utf8Test, ValidatesPerRfc3629) {
  EXPECT_EQ(IsValidUtf8(GetParam().text), GetParam().valid);
}

INSTANTIATE_TEST_SUITE_P(
    Table, Utf8Test,
    ::testing::Values(Utf8Case{"", true}, Utf8Case{"ascii", true},
                      Utf8Case{"caf\xC3\xA9", true},
                      Utf8Case{"\xE2\x82\xAC", true},          // U+20AC
                      Utf8Case{"\xF0\x9F\x98\x80", true},      // U+1F600
                      Utf8Case{"\xF4\x8F\xBF\xBF", true},      // U+10FFFF
                      Utf8Case{std::string("a\0b", 3), true},  // NUL
                      Utf8Case{"\xFF", false},                 // no lead
                      Utf8Case{"\x80", false},                 // stray
                      Utf8Case{"\xC3", false},                 // truncated
                      Utf8Case{"\xC0\xAF", false},             // overlong
                      Utf8Case{"\xE0\x80\xAF", false},         // overlong
                      Utf8Case{"\xED\xA0\x80", false},         // surrogate
                      Utf8Case{"\xF4\x90\x80\x80", false},     // > 10FFFF
                      Utf8Case{"\xE2\x82", false},             // truncated
                      Utf8Case{"ok\xE2\x28\xA1", false}));     // bad cont.

TEST(CoerceToUtf8Test, ReplacesOnlyBadBytes) {
  EXPECT_EQ(CoerceToUtf8("a\xFF"
                         "b\xC3\xA9"),
            "a?b\xC3\xA9");
  EXPECT_EQ(CoerceToUtf8("\xC3"), "?");
  EXPECT_EQ(CoerceToUtf8("fine"), "fine");
}

}  // namespace
}  // namespace opsbrain::gateway
