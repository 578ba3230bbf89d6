#include "storage_service/service/text.h"

#include <string>

#include "gtest/gtest.h"

namespace opsbrain::service {
namespace {

struct Utf8Case {
  const char* name;
  std::string bytes;
  bool valid;
};

TEST(TextTest, IsValidUtf8FollowsRfc3629) {
  const Utf8Case cases[] = {
      {"empty", "", true},
      {"ascii", "hello", true},
      {"nul is well-formed", std::string("a\0b", 3), true},
      {"two bytes", "\xC3\xA9", true},
      {"three bytes", "\xE2\x82\xAC", true},
      {"four bytes", "\xF0\x9F\x9A\x80", true},
      {"last before surrogates", "\xED\x9F\xBF", true},
      {"first after surrogates", "\xEE\x80\x80", true},
      {"U+FFFF", "\xEF\xBF\xBF", true},
      {"U+10FFFF", "\xF4\x8F\xBF\xBF", true},
      {"overlong two bytes", "\xC0\x80", false},
      {"overlong C1", "\xC1\xBF", false},
      {"overlong three bytes", "\xE0\x80\x80", false},
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
      {"truncated four bytes", "\xF0\x9F\x9A", false},
      {"bad continuation", "\xC3\x28", false},
      {"valid then invalid", "ok\xC3\xA9\xC3", false},
  };
  for (const Utf8Case& c : cases) {
    EXPECT_EQ(IsValidUtf8(c.bytes), c.valid) << c.name;
  }
}

struct ExcerptCase {
  const char* name;
  std::string text;
  size_t max_bytes;
  std::string expected;
};

TEST(TextTest, ExcerptIsShortPrintableAndValid) {
  const ExcerptCase cases[] = {
      {"short text unchanged", "abc", 64, "abc"},
      {"cut with ellipsis", "abcdef", 3, "abc..."},
      {"exact length not cut", "abc", 3, "abc"},
      {"control characters escaped", "a\nb\x7F", 64, "a\\x0Ab\\x7F"},
      {"nul escaped", std::string("a\0b", 3), 64, "a\\x00b"},
      {"invalid bytes escaped", "a\xFF\xC3", 64, "a\\xFF\\xC3"},
      {"multibyte kept whole", "\xC3\xA9\xC3\xA9", 3, "\xC3\xA9..."},
      {"four bytes kept whole", "\xF0\x9F\x9A\x80", 4, "\xF0\x9F\x9A\x80"},
      {"four bytes not split", "\xF0\x9F\x9A\x80", 3, "..."},
  };
  for (const ExcerptCase& c : cases) {
    const std::string excerpt = Excerpt(c.text, c.max_bytes);
    EXPECT_EQ(excerpt, c.expected) << c.name;
    EXPECT_TRUE(IsValidUtf8(excerpt)) << c.name;
  }
}

TEST(TextTest, ExcerptDefaultsToSixtyFourBytes) {
  const std::string excerpt = Excerpt(std::string(1000, 'x'));
  EXPECT_EQ(excerpt, std::string(64, 'x') + "...");
}

}  // namespace
}  // namespace opsbrain::service
