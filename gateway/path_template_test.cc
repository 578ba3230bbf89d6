#include "gateway/path_template.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace opsbrain::gateway {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;

// ---------------------------------------------------------------------------
// Parsing.

TEST(PathTemplateTest, ParsesLiteralsVariablesAndVerb) {
  absl::StatusOr<PathTemplate> t =
      PathTemplate::Parse("/v1/{name=shelves/*/books/*}/x:publish");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->verb(), "publish");
  ASSERT_EQ(t->segments().size(), 6u);
  EXPECT_EQ(t->literal_count(), 4);
  ASSERT_EQ(t->variables().size(), 1u);
  EXPECT_EQ(t->variables()[0].field_path, "name");
  EXPECT_EQ(t->variables()[0].begin, 1);
  EXPECT_EQ(t->variables()[0].end, 5);
  EXPECT_FALSE(t->has_double_wildcard());
}

TEST(PathTemplateTest, ParsesNestedFieldPathAndDoubleWildcard) {
  absl::StatusOr<PathTemplate> t =
      PathTemplate::Parse("/v1/{parent.child.name}/{rest=**}");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->variables()[0].field_path, "parent.child.name");
  EXPECT_EQ(t->variables()[1].field_path, "rest");
  EXPECT_TRUE(t->has_double_wildcard());
  EXPECT_EQ(t->text(), "/v1/{parent.child.name}/{rest=**}");
}

class PathTemplateParseErrorTest
    : public ::testing::TestWithParam<const char*> {};

TEST_P(PathTemplateParseErrorTest, RejectsTemplateOutsideGrammar) {
  EXPECT_EQ(PathTemplate::Parse(GetParam()).status().code(),
            absl::StatusCode::kInvalidArgument)
      << GetParam();
}

INSTANTIATE_TEST_SUITE_P(
    Table, PathTemplateParseErrorTest,
    ::testing::Values("", "v1/things", "/", "/v1//things", "/v1/things/",
                      "/v1/{id", "/v1/{}", "/v1/{1id}", "/v1/{a..b}",
                      "/v1/{a={b}}", "/v1/**/x", "/v1/{a=**}/x",
                      "/v1/things:", "/v1/{id}/{id}", "/v1/th{id}", "/v1/x?y",
                      "/v1/a b", "/v1/%41"));

// ---------------------------------------------------------------------------
// Matching.

struct MatchCase {
  const char* name;
  const char* path_template;
  const char* request_path;
  bool matches;
  std::vector<std::string> values;
};

class PathTemplateMatchTest : public ::testing::TestWithParam<MatchCase> {};

TEST_P(PathTemplateMatchTest, MatchesAndDecodes) {
  const MatchCase& c = GetParam();
  absl::StatusOr<PathTemplate> t = PathTemplate::Parse(c.path_template);
  ASSERT_TRUE(t.ok()) << t.status();
  std::optional<std::vector<std::string>> values =
      t->Match(SplitPathSegments(c.request_path));
  ASSERT_EQ(values.has_value(), c.matches)
      << c.path_template << " vs " << c.request_path;
  if (c.matches) EXPECT_THAT(*values, ElementsAreArray(c.values));
}

INSTANTIATE_TEST_SUITE_P(
    Table, PathTemplateMatchTest,
    ::testing::Values(
        MatchCase{"Literal", "/v1/things", "/v1/things", true, {}},
        MatchCase{"LiteralMismatch", "/v1/things", "/v1/thing", false, {}},
        MatchCase{"LiteralIsDecoded", "/v1/things", "/v1/thing%73", true, {}},
        MatchCase{"Variable", "/v1/things/{id}", "/v1/things/a1", true, {"a1"}},
        MatchCase{"EncodedSlashStaysInSingleSegmentValue",
                  "/v1/things/{id}",
                  "/v1/things/a%2Fb",
                  true,
                  {"a/b"}},
        MatchCase{"LowercaseEncodedSlash",
                  "/v1/things/{id}",
                  "/v1/things/a%2fb",
                  true,
                  {"a/b"}},
        MatchCase{"RealSlashDoesNotMatchOneSegment",
                  "/v1/things/{id}",
                  "/v1/things/a/b",
                  false,
                  {}},
        MatchCase{"EscapesDecoded",
                  "/v1/things/{id}",
                  "/v1/things/caf%C3%A9%20x",
                  true,
                  {"caf\xC3\xA9 x"}},
        MatchCase{"PlusIsNotSpaceInPath",
                  "/v1/things/{id}",
                  "/v1/things/a+b",
                  true,
                  {"a+b"}},
        MatchCase{"TrailingSlashDoesNotMatch",
                  "/v1/things/{id}",
                  "/v1/things/a/",
                  false,
                  {}},
        MatchCase{
            "TrailingSlashOnLiteral", "/v1/things", "/v1/things/", false, {}},
        MatchCase{"EmptySegmentDoesNotMatch",
                  "/v1/things/{id}",
                  "/v1//things/a",
                  false,
                  {}},
        MatchCase{"EmptyVariableDoesNotMatch",
                  "/v1/things/{id}/x",
                  "/v1/things//x",
                  false,
                  {}},
        MatchCase{"ColonWithoutDeclaredVerbIsPartOfValue",
                  "/v1/threadContexts/{thread_key}",
                  "/v1/threadContexts/C1:123.45",
                  true,
                  {"C1:123.45"}},
        MatchCase{"Verb",
                  "/v1/things/{id}:archive",
                  "/v1/things/a1:archive",
                  true,
                  {"a1"}},
        MatchCase{"VerbSplitsAtLastColon",
                  "/v1/things/{id}:archive",
                  "/v1/things/a:b:archive",
                  true,
                  {"a:b"}},
        MatchCase{"WrongVerb",
                  "/v1/things/{id}:archive",
                  "/v1/things/a1:restore",
                  false,
                  {}},
        MatchCase{"MissingVerb",
                  "/v1/things/{id}:archive",
                  "/v1/things/a1",
                  false,
                  {}},
        MatchCase{"EncodedColonIsNotVerb",
                  "/v1/things/{id}:archive",
                  "/v1/things/a1%3Aarchive",
                  false,
                  {}},
        MatchCase{"EmptySegmentBeforeVerb",
                  "/v1/things/{id}:archive",
                  "/v1/things/:archive",
                  false,
                  {}},
        MatchCase{
            "VerbOnLiteral", "/v1/things:purge", "/v1/things:purge", true, {}},
        MatchCase{"DoubleWildcardTakesRest",
                  "/v1/files/{path=**}",
                  "/v1/files/a/b%2Fc/d",
                  true,
                  {"a/b%2Fc/d"}},
        MatchCase{"DoubleWildcardTakesOne",
                  "/v1/files/{path=**}",
                  "/v1/files/a",
                  true,
                  {"a"}},
        MatchCase{"DoubleWildcardTakesNone",
                  "/v1/files/{path=**}",
                  "/v1/files",
                  true,
                  {""}},
        MatchCase{"DoubleWildcardRejectsEmptySegment",
                  "/v1/files/{path=**}",
                  "/v1/files/a//b",
                  false,
                  {}},
        MatchCase{"DoubleWildcardWithVerb",
                  "/v1/{name=**}:get",
                  "/v1/a/b:get",
                  true,
                  {"a/b"}},
        MatchCase{"MultiSegmentVariable",
                  "/v1/{name=shelves/*/books/*}",
                  "/v1/shelves/s1/books/b%2F2",
                  true,
                  {"shelves/s1/books/b%2F2"}},
        MatchCase{"MultiSegmentVariableLiteralMismatch",
                  "/v1/{name=shelves/*/books/*}",
                  "/v1/shelves/s1/cds/c",
                  false,
                  {}},
        MatchCase{"UnnamedWildcard",
                  "/v1/*/things/{id}",
                  "/v1/x/things/y",
                  true,
                  {"y"}},
        MatchCase{
            "NestedFields", "/v1/{a.b}/{c.d.e}", "/v1/x/y", true, {"x", "y"}},
        MatchCase{"TooManySegments",
                  "/v1/things/{id}",
                  "/v1/things/a/b/c",
                  false,
                  {}},
        MatchCase{"TooFewSegments", "/v1/things/{id}", "/v1/things", false, {}},
        MatchCase{"Root", "/v1", "/", false, {}}),
    [](const ::testing::TestParamInfo<MatchCase>& info) {
      return std::string(info.param.name);
    });

TEST(SplitPathSegmentsTest, KeepsEmptySegmentsAndEscapes) {
  EXPECT_THAT(SplitPathSegments("/a//b%2F/"), ElementsAre("a", "", "b%2F", ""));
  EXPECT_THAT(SplitPathSegments("/"), ElementsAre(""));
}

}  // namespace
}  // namespace opsbrain::gateway
