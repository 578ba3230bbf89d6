#include "common/json_escape.h"

#include <string>

#include "gtest/gtest.h"

namespace opsbrain {
namespace {

std::string Escaped(unsigned char c) {
  std::string out = "x";
  if (!AppendRequiredJsonEscape(c, &out)) return "(none)";
  return out.substr(1);
}

TEST(AppendRequiredJsonEscapeTest, UsesTheShortFormsJsonHas) {
  EXPECT_EQ(Escaped('"'), R"(\")");
  EXPECT_EQ(Escaped('\\'), R"(\\)");
  EXPECT_EQ(Escaped('\b'), R"(\b)");
  EXPECT_EQ(Escaped('\f'), R"(\f)");
  EXPECT_EQ(Escaped('\n'), R"(\n)");
  EXPECT_EQ(Escaped('\r'), R"(\r)");
  EXPECT_EQ(Escaped('\t'), R"(\t)");
}

TEST(AppendRequiredJsonEscapeTest, OtherControlsAreUnicodeEscapes) {
  EXPECT_EQ(Escaped(0x00), R"(\u0000)");
  EXPECT_EQ(Escaped(0x01), R"(\u0001)");
  EXPECT_EQ(Escaped(0x1f), R"(\u001f)");
}

TEST(AppendRequiredJsonEscapeTest, LeavesEveryOtherByteAlone) {
  for (int c = 0x20; c <= 0xff; ++c) {
    if (c == '"' || c == '\\') continue;
    std::string out;
    EXPECT_FALSE(AppendRequiredJsonEscape(static_cast<unsigned char>(c), &out))
        << c;
    EXPECT_TRUE(out.empty()) << c;
  }
}

TEST(AppendJsonUnicodeEscapeTest, WritesFourLowerCaseHexDigits) {
  std::string out;
  AppendJsonUnicodeEscape(0x7f, &out);
  AppendJsonUnicodeEscape(0xd83c, &out);
  AppendJsonUnicodeEscape(0xFEFF, &out);
  EXPECT_EQ(out, R"(\u007f\ud83c\ufeff)");
}

}  // namespace
}  // namespace opsbrain
