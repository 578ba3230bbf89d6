// The case-file reader and the response splitter: what the hostile suite
// relies on to send the right bytes and to count answers right.
#include "tests/hostile/corpus_case.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/hostile/raw_exchange.h"

namespace opsbrain::hostile {
namespace {

TEST(CorpusCaseTest, DecodesEscapesAndDropsLineBreaks) {
  absl::StatusOr<std::string> bytes =
      Unescape("GET / HTTP/1.1\\r\\n\nX: \\x00\\xff\\t\\\\\n");
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  EXPECT_EQ(*bytes, std::string("GET / HTTP/1.1\r\nX: \0\xff\t\\", 23));
}

TEST(CorpusCaseTest, RejectsBadEscapes) {
  EXPECT_FALSE(Unescape("\\q").ok());
  EXPECT_FALSE(Unescape("\\x4").ok());
  EXPECT_FALSE(Unescape("a\\").ok());
}

TEST(CorpusCaseTest, ParsesHeaderAndExpandsMarkers) {
  absl::StatusOr<CorpusCase> c = ParseCase(
      "injection", "001-x",
      "# a note\nexpect: stored\nreadback: /v1/x\nfield: value=a\\x00b\n---\n"
      "A: {{token}}\\r\\n{{repeat 3}}ab{{/repeat}}\n");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->note, "a note");
  EXPECT_EQ(c->expect, Expect::kStored);
  EXPECT_EQ(c->readback, "/v1/x");
  ASSERT_EQ(c->fields.size(), 1);
  EXPECT_EQ(c->fields[0].second, std::string("a\0b", 3));
  absl::StatusOr<std::string> bytes = RequestBytes(*c, "TOK");
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  EXPECT_EQ(*bytes, "A: TOK\r\nababab");
}

TEST(CorpusCaseTest, RejectsIncompleteCases) {
  EXPECT_FALSE(ParseCase("c", "n", "expect: 4xx\n").ok());       // no ---
  EXPECT_FALSE(ParseCase("c", "n", "# x\n---\nGET").ok());       // no expect
  EXPECT_FALSE(ParseCase("c", "n", "expect: 5xx\n---\n").ok());  // unknown
  EXPECT_FALSE(ParseCase("c", "n", "expect: stored\n---\n").ok());
  absl::StatusOr<CorpusCase> open =
      ParseCase("c", "n", "expect: 4xx\n---\n{{repeat 2}}a\n");
  ASSERT_TRUE(open.ok());
  EXPECT_FALSE(RequestBytes(*open, "").ok());
}

TEST(RawExchangeTest, SplitsResponsesAndSkips1xx) {
  std::string trailing;
  std::vector<RawResponse> responses = SplitResponses(
      "HTTP/1.1 100 Continue\r\n\r\n"
      "HTTP/1.1 400 Bad Request\r\nContent-Length: 2\r\n"
      "Content-Type: application/json\r\n\r\n{}"
      "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nHTTP/1.1 2",
      &trailing);
  ASSERT_EQ(responses.size(), 2);
  EXPECT_EQ(responses[0].status, 400);
  EXPECT_EQ(responses[0].body, "{}");
  EXPECT_EQ(responses[0].Header("content-type"), "application/json");
  EXPECT_EQ(responses[1].status, 200);
  EXPECT_EQ(trailing, "HTTP/1.1 2");
}

}  // namespace
}  // namespace opsbrain::hostile
