#include "migrator/utf8.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace opsbrain::migrator {
namespace {

TEST(Utf8Test, AcceptsWellFormedText) {
  for (const std::string& text :
       {std::string(""), std::string("ascii"), std::string("caf\xc3\xa9"),
        std::string("\xe2\x80\x94"), std::string("\xf0\x9f\x8e\xaf"),
        std::string("a\0b", 3)}) {
    EXPECT_TRUE(IsValidUtf8(text)) << text;
  }
}

TEST(Utf8Test, RejectsIllFormedText) {
  for (const std::string& text :
       {std::string("\xff"), std::string("\xc3"), std::string("\xc0\xaf"),
        std::string("\xed\xa0\x80"), std::string("\xf4\x90\x80\x80"),
        std::string("\xe2\x80")}) {
    EXPECT_FALSE(IsValidUtf8(text));
  }
}

TEST(Utf8Test, AppendsEveryLength) {
  std::string out;
  for (uint32_t code_point : {0x41u, 0xE9u, 0x2014u, 0x1F3AFu}) {
    AppendUtf8(code_point, &out);
  }
  EXPECT_EQ(out, "A\xc3\xa9\xe2\x80\x94\xf0\x9f\x8e\xaf");
}

TEST(Utf8Test, PrintableEscapesAndCuts) {
  EXPECT_EQ(Printable("a'b\"c\\d\ne\x01"), "a'b\\\"c\\\\d\\ne\\x01");
  EXPECT_EQ(Printable("\xff ok"), "\\xff ok");
  EXPECT_EQ(Printable("abcdef", 3), "abc...");
  // Never cuts inside a character.
  EXPECT_EQ(Printable("a\xc3\xa9", 2), "a...");
}

}  // namespace
}  // namespace opsbrain::migrator
