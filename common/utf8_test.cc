#include "common/utf8.h"

#include <cstddef>
#include <string>

#include "gtest/gtest.h"

namespace opsbrain {
namespace {

struct Utf8Case {
  const char* name;
  std::string bytes;
  bool valid;
};

TEST(Utf8Test, IsValidUtf8FollowsRfc3629) {
  const Utf8Case cases[] = {
      {"empty", "", true},
      {"ascii", "hello", true},
      {"nul is well-formed", std::string("a\0b", 3), true},
      {"two bytes", "caf\xC3\xA9", true},
      {"three bytes", "\xE2\x82\xAC", true},
      {"em dash", "\xE2\x80\x94", true},
      {"four bytes", "\xF0\x9F\x9A\x80", true},
      {"emoji U+1F600", "\xF0\x9F\x98\x80", true},
      {"emoji U+1F3AF", "\xF0\x9F\x8E\xAF", true},
      {"last before surrogates", "\xED\x9F\xBF", true},
      {"first after surrogates", "\xEE\x80\x80", true},
      {"U+FFFF", "\xEF\xBF\xBF", true},
      {"U+10FFFF", "\xF4\x8F\xBF\xBF", true},
      {"overlong two bytes", "\xC0\x80", false},
      {"overlong slash", "\xC0\xAF", false},
      {"overlong C1", "\xC1\xBF", false},
      {"overlong three bytes", "\xE0\x80\x80", false},
      {"overlong three bytes slash", "\xE0\x80\xAF", false},
      {"overlong three bytes high", "\xE0\x9F\xBF", false},
      {"overlong four bytes", "\xF0\x80\x80\x80", false},
      {"overlong four bytes high", "\xF0\x8F\xBF\xBF", false},
      {"first surrogate", "\xED\xA0\x80", false},
      {"last surrogate", "\xED\xBF\xBF", false},
      {"surrogate pair as CESU-8", "\xED\xA0\xBD\xED\xB8\x80", false},
      {"above U+10FFFF", "\xF4\x90\x80\x80", false},
      {"F5 lead", "\xF5\x80\x80\x80", false},
      {"FF byte", "\xFF", false},
      {"lone continuation", "\x80", false},
      {"truncated two bytes", "\xC3", false},
      {"truncated three bytes", "\xE2\x82", false},
      {"truncated three bytes em dash", "\xE2\x80", false},
      {"truncated four bytes", "\xF0\x9F\x9A", false},
      {"bad continuation", "\xC3\x28", false},
      {"bad third byte", "ok\xE2\x28\xA1", false},
      {"valid then invalid", "ok\xC3\xA9\xC3", false},
  };
  for (const Utf8Case& c : cases) {
    EXPECT_EQ(IsValidUtf8(c.bytes), c.valid) << c.name;
  }
}

struct LengthCase {
  const char* name;
  std::string bytes;
  size_t length;
};

TEST(Utf8Test, SequenceLengthMeasuresOnlyTheFirstCharacter) {
  const LengthCase cases[] = {
      {"empty", "", 0},
      {"ascii", "ab", 1},
      {"nul", std::string("\0a", 2), 1},
      {"two bytes", "\xC3\xA9x", 2},
      {"three bytes", "\xE2\x82\xAC\xE2", 3},
      {"four bytes", "\xF0\x9F\x9A\x80", 4},
      {"ill-formed lead",
       "\xFF"
       "a",
       0},
      {"truncated", "\xF0\x9F\x9A", 0},
      {"surrogate", "\xED\xA0\x80", 0},
  };
  for (const LengthCase& c : cases) {
    EXPECT_EQ(Utf8SequenceLength(c.bytes), c.length) << c.name;
  }
}

struct CoerceCase {
  const char* name;
  std::string text;
  std::string expected;
};

TEST(Utf8Test, CoerceToUtf8ReplacesOnlyBadBytes) {
  const CoerceCase cases[] = {
      {"valid text unchanged", "fine", "fine"},
      {"bad bytes replaced",
       "a\xFF"
       "b\xC3\xA9",
       "a?b\xC3\xA9"},
      {"truncated sequence", "\xC3", "?"},
      {"each byte of a surrogate", "\xED\xA0\x80", "???"},
      {"control characters kept", "a\nb", "a\nb"},
  };
  for (const CoerceCase& c : cases) {
    EXPECT_EQ(CoerceToUtf8(c.text), c.expected) << c.name;
  }
}

struct ExcerptCase {
  const char* name;
  std::string text;
  size_t max_bytes;
  std::string expected;
};

TEST(Utf8Test, ExcerptIsShortPrintableAndValid) {
  const ExcerptCase cases[] = {
      {"short text unchanged", "abc", 64, "abc"},
      {"cut with ellipsis", "abcdef", 3, "abc..."},
      {"exact length not cut", "abc", 3, "abc"},
      {"control characters escaped", "a\nb\x7F", 64, "a\\x0Ab\\x7F"},
      {"quotes and backslashes kept", "a'b\"c\\d\x01", 64, "a'b\"c\\d\\x01"},
      {"nul escaped", std::string("a\0b", 3), 64, "a\\x00b"},
      {"invalid bytes escaped", "a\xFF\xC3", 64, "a\\xFF\\xC3"},
      {"invalid lead then text", "\xFF ok", 64, "\\xFF ok"},
      {"multibyte kept whole", "\xC3\xA9\xC3\xA9", 3, "\xC3\xA9..."},
      {"multibyte not split", "a\xC3\xA9", 2, "a..."},
      {"four bytes kept whole", "\xF0\x9F\x9A\x80", 4, "\xF0\x9F\x9A\x80"},
      {"four bytes not split", "\xF0\x9F\x9A\x80", 3, "..."},
  };
  for (const ExcerptCase& c : cases) {
    const std::string excerpt = Excerpt(c.text, c.max_bytes);
    EXPECT_EQ(excerpt, c.expected) << c.name;
    EXPECT_TRUE(IsValidUtf8(excerpt)) << c.name;
  }
}

TEST(Utf8Test, ExcerptDefaultsToSixtyFourBytes) {
  const std::string excerpt = Excerpt(std::string(1000, 'x'));
  EXPECT_EQ(excerpt, std::string(64, 'x') + "...");
}

}  // namespace
}  // namespace opsbrain
