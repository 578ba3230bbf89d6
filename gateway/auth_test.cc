#include "gateway/auth.h"

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace opsbrain::gateway {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;

// The SHA-256 of "abc" (FIPS 180-2, appendix B.1).
constexpr char kAbcHash[] =
    "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

TEST(HashTokenTest, IsTheSha256InLowercaseHex) {
  EXPECT_EQ(HashToken("abc"), kAbcHash);
}

TEST(NewTokenTest, IsRandomAndUrlSafe) {
  absl::StatusOr<std::string> a = NewToken();
  absl::StatusOr<std::string> b = NewToken();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_THAT(*a, MatchesRegex("opsb_[A-Za-z0-9_-]{43}"));
  EXPECT_NE(*a, *b);
}

struct ScopeCase {
  const char* text;
  Scope scope;
  bool granted;
};

class ScopeSetTest : public ::testing::TestWithParam<ScopeCase> {};

TEST_P(ScopeSetTest, GrantsItsScopesAndAdminGrantsAll) {
  absl::StatusOr<ScopeSet> set = ScopeSet::Parse(GetParam().text);
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(set->Grants(GetParam().scope), GetParam().granted)
      << GetParam().text << " / " << ScopeName(GetParam().scope);
}

INSTANTIATE_TEST_SUITE_P(
    Table, ScopeSetTest,
    ::testing::Values(ScopeCase{"read", Scope::kRead, true},
                      ScopeCase{"read", Scope::kWrite, false},
                      ScopeCase{"read", Scope::kSecrets, false},
                      ScopeCase{" read , write ", Scope::kWrite, true},
                      ScopeCase{"read,,secrets", Scope::kSecrets, true},
                      ScopeCase{"write", Scope::kRead, false},
                      ScopeCase{"admin", Scope::kRead, true},
                      ScopeCase{"admin", Scope::kWrite, true},
                      ScopeCase{"admin", Scope::kSecrets, true},
                      ScopeCase{"", Scope::kRead, false}));

TEST(ScopeSetParseTest, RejectsAnUnknownScopeNamingIt) {
  absl::StatusOr<ScopeSet> set = ScopeSet::Parse("read,root");
  ASSERT_FALSE(set.ok());
  EXPECT_THAT(std::string(set.status().message()), HasSubstr("'root'"));
}

TEST(ScopeSetExpandedTest, ExpandsAdminForTheStorageService) {
  EXPECT_EQ(ScopeSet({Scope::kAdmin}).Expanded(), "read,write,secrets,admin");
  EXPECT_EQ(ScopeSet({Scope::kWrite, Scope::kRead}).Expanded(), "read,write");
  EXPECT_EQ(ScopeSet().Expanded(), "");
}

TEST(ScopeForHttpMethodTest, GetReadsEverythingElseWrites) {
  EXPECT_EQ(ScopeForHttpMethod("GET"), Scope::kRead);
  for (const char* method : {"POST", "PUT", "PATCH", "DELETE", "SEARCH"}) {
    EXPECT_EQ(ScopeForHttpMethod(method), Scope::kWrite) << method;
  }
}

TEST(TokenStoreTest, FindsTheCallerOfAKnownTokenOnly) {
  const std::string file = absl::StrCat(
      "# comment\n\n"
      "reader ",
      HashToken("token-r"), " scopes=read\n", "  writer\t",
      HashToken("token-w"), "   scopes=read,write  \n", "scraper ",
      HashToken("token-s"), " scopes=\n");
  absl::StatusOr<TokenStore> store = TokenStore::Parse(file, "test");
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ(store->size(), 3u);

  const Caller* reader = store->Find("token-r");
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(reader->name, "reader");
  EXPECT_TRUE(reader->scopes.Grants(Scope::kRead));
  EXPECT_FALSE(reader->scopes.Grants(Scope::kWrite));
  ASSERT_NE(store->Find("token-w"), nullptr);
  EXPECT_EQ(store->Find("token-w")->name, "writer");
  ASSERT_NE(store->Find("token-s"), nullptr);
  EXPECT_EQ(store->Find("token-s")->scopes.Expanded(), "");

  EXPECT_EQ(store->Find("token-x"), nullptr);
  EXPECT_EQ(store->Find(""), nullptr);
  EXPECT_EQ(store->Find(HashToken("token-r")), nullptr);
}

TEST(TokenStoreTest, SemicolonsSeparateEntriesForTheEnvironment) {
  absl::StatusOr<TokenStore> store =
      TokenStore::Parse(absl::StrCat("a ", HashToken("1"), " scopes=read; b ",
                                     HashToken("2"), " scopes=admin"),
                        "GATEWAY_AUTH_TOKENS");
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ(store->size(), 2u);
  ASSERT_NE(store->Find("2"), nullptr);
  EXPECT_EQ(store->Find("2")->name, "b");
}

struct BadLineCase {
  const char* name;
  std::string line;
  const char* says;
};

class TokenStoreBadLineTest : public ::testing::TestWithParam<BadLineCase> {};

TEST_P(TokenStoreBadLineTest, IsRefusedNamingTheEntryButNeverTheHash) {
  absl::StatusOr<TokenStore> store =
      TokenStore::Parse(absl::StrCat("# first\n", GetParam().line), "tokens");
  ASSERT_FALSE(store.ok());
  const std::string message(store.status().message());
  EXPECT_THAT(message, HasSubstr("tokens, entry "));
  EXPECT_THAT(message, HasSubstr(GetParam().says));
  EXPECT_THAT(message, Not(HasSubstr(HashToken("t").substr(7))));
}

INSTANTIATE_TEST_SUITE_P(
    Table, TokenStoreBadLineTest,
    ::testing::Values(
        BadLineCase{"TwoWords", "a " + HashToken("t"), "three words"},
        BadLineCase{"BadName", "a/b " + HashToken("t") + " scopes=read",
                    "the name"},
        BadLineCase{"PlainToken", "a t scopes=read", "sha256:"},
        BadLineCase{"ShortHash", "a sha256:abcd scopes=read", "sha256:"},
        BadLineCase{"NoScopesWord", "a " + HashToken("t") + " read", "scopes="},
        BadLineCase{"UnknownScope", "a " + HashToken("t") + " scopes=root",
                    "'root'"},
        BadLineCase{"SameName",
                    "a " + HashToken("u") + " scopes=read\na " +
                        HashToken("t") + " scopes=read",
                    "already taken"},
        BadLineCase{"SameHash",
                    "a " + HashToken("t") + " scopes=read\nb " +
                        HashToken("t") + " scopes=read",
                    "twice"}),
    [](const ::testing::TestParamInfo<BadLineCase>& info) {
      return info.param.name;
    });

struct BearerCase {
  const char* header;
  std::optional<std::string> token;
};

class BearerTokenTest : public ::testing::TestWithParam<BearerCase> {};

TEST_P(BearerTokenTest, TakesTheTokenOfTheBearerSchemeOnly) {
  std::optional<absl::string_view> token = BearerToken(GetParam().header);
  if (!GetParam().token.has_value()) {
    EXPECT_FALSE(token.has_value()) << GetParam().header;
    return;
  }
  ASSERT_TRUE(token.has_value()) << GetParam().header;
  EXPECT_EQ(*token, *GetParam().token);
}

INSTANTIATE_TEST_SUITE_P(
    Table, BearerTokenTest,
    ::testing::Values(BearerCase{"Bearer abc", "abc"},
                      BearerCase{"bearer abc", "abc"},
                      BearerCase{"BEARER   abc  ", "abc"},
                      BearerCase{"Bearer", std::nullopt},
                      BearerCase{"Bearer ", std::nullopt},
                      BearerCase{"Bearerabc", std::nullopt},
                      BearerCase{"Basic YWJjOmRlZg==", std::nullopt},
                      BearerCase{"", std::nullopt}));

}  // namespace
}  // namespace opsbrain::gateway
