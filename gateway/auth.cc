#include "gateway/auth.h"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "openssl/crypto.h"
#include "openssl/rand.h"
#include "openssl/sha.h"

namespace opsbrain::gateway {
namespace {

constexpr absl::string_view kHashPrefix = "sha256:";
constexpr absl::string_view kScopesPrefix = "scopes=";
constexpr absl::string_view kTokenPrefix = "opsb_";
constexpr size_t kMaxNameBytes = 64;
constexpr size_t kTokenRandomBytes = 32;

constexpr Scope kAllScopes[] = {Scope::kRead, Scope::kWrite, Scope::kSecrets,
                                Scope::kAdmin};

std::string Sha256(absl::string_view bytes) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
         digest);
  return std::string(reinterpret_cast<const char*>(digest), sizeof(digest));
}

bool IsNameChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' ||
         c == '_' || c == '@' || c == '-';
}

bool IsValidName(absl::string_view name) {
  if (name.empty() || name.size() > kMaxNameBytes) return false;
  for (char c : name) {
    if (!IsNameChar(c)) return false;
  }
  return true;
}

// The 32 raw bytes of "sha256:<64 hex digits>", or nullopt.
std::optional<std::string> ParseHash(absl::string_view text) {
  if (!absl::StartsWith(text, kHashPrefix)) return std::nullopt;
  text.remove_prefix(kHashPrefix.size());
  if (text.size() != 2 * SHA256_DIGEST_LENGTH) return std::nullopt;
  for (char c : text) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) {
      return std::nullopt;
    }
  }
  return absl::HexStringToBytes(text);
}

}  // namespace

absl::string_view ScopeName(Scope scope) {
  switch (scope) {
    case Scope::kRead:
      return "read";
    case Scope::kWrite:
      return "write";
    case Scope::kSecrets:
      return "secrets";
    case Scope::kAdmin:
      return "admin";
  }
  return "?";
}

ScopeSet::ScopeSet(std::initializer_list<Scope> scopes) {
  for (Scope scope : scopes) bits_ |= static_cast<uint8_t>(scope);
}

absl::StatusOr<ScopeSet> ScopeSet::Parse(absl::string_view text) {
  ScopeSet set;
  for (absl::string_view item : absl::StrSplit(text, ',')) {
    item = absl::StripAsciiWhitespace(item);
    if (item.empty()) continue;
    bool known = false;
    for (Scope scope : kAllScopes) {
      if (item == ScopeName(scope)) {
        set.bits_ |= static_cast<uint8_t>(scope);
        known = true;
      }
    }
    if (!known) {
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown scope '", item, "' (known: read, write, secrets, admin)"));
    }
  }
  return set;
}

bool ScopeSet::Grants(Scope scope) const {
  return (bits_ & (static_cast<uint8_t>(scope) |
                   static_cast<uint8_t>(Scope::kAdmin))) != 0;
}

std::string ScopeSet::Expanded() const {
  std::vector<absl::string_view> names;
  for (Scope scope : kAllScopes) {
    if (Grants(scope)) names.push_back(ScopeName(scope));
  }
  return absl::StrJoin(names, ",");
}

Scope ScopeForHttpMethod(absl::string_view http_method) {
  return http_method == "GET" ? Scope::kRead : Scope::kWrite;
}

absl::StatusOr<TokenStore> TokenStore::Parse(absl::string_view text,
                                             absl::string_view source) {
  TokenStore store;
  absl::flat_hash_set<std::string> names;
  absl::flat_hash_set<std::string> digests;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, absl::ByAnyChar("\n;"))) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line.front() == '#') continue;
    const auto error = [&](absl::string_view what) {
      return absl::InvalidArgumentError(
          absl::StrCat(source, ", entry ", line_number, ": ", what,
                       " (expected: NAME sha256:HEX scopes=read,write)"));
    };

    // NAME sha256:HEX scopes=LIST, separated by blanks.
    std::vector<absl::string_view> words =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    if (words.size() != 3) return error("not three words");
    Entry entry;
    if (!IsValidName(words[0])) {
      return error("the name must be 1 to 64 of A-Z a-z 0-9 . _ @ -");
    }
    entry.caller.name = std::string(words[0]);
    std::optional<std::string> digest = ParseHash(words[1]);
    if (!digest.has_value()) {
      return error("the hash must be sha256: and 64 hex digits");
    }
    entry.digest = *std::move(digest);
    if (!absl::StartsWith(words[2], kScopesPrefix)) {
      return error("the third word must be scopes=...");
    }
    absl::StatusOr<ScopeSet> scopes =
        ScopeSet::Parse(words[2].substr(kScopesPrefix.size()));
    if (!scopes.ok()) return error(scopes.status().message());
    entry.caller.scopes = *scopes;

    if (!names.insert(entry.caller.name).second) {
      return error(
          absl::StrCat("the name '", entry.caller.name, "' is already taken"));
    }
    if (!digests.insert(entry.digest).second) {
      return error("the same hash is listed twice");
    }
    store.entries_.push_back(std::move(entry));
  }
  return store;
}

const Caller* TokenStore::Find(absl::string_view token) const {
  const std::string digest = Sha256(token);
  const Caller* found = nullptr;
  for (const Entry& entry : entries_) {
    // No early exit: every entry costs the same whether it matches or not.
    const bool match =
        CRYPTO_memcmp(digest.data(), entry.digest.data(), digest.size()) == 0;
    if (match) found = &entry.caller;
  }
  return found;
}

std::string HashToken(absl::string_view token) {
  return absl::StrCat(kHashPrefix, absl::BytesToHexString(Sha256(token)));
}

absl::StatusOr<std::string> NewToken() {
  unsigned char random[kTokenRandomBytes];
  if (RAND_bytes(random, sizeof(random)) != 1) {
    return absl::InternalError("the random generator failed");
  }
  std::string encoded;
  absl::WebSafeBase64Escape(
      absl::string_view(reinterpret_cast<const char*>(random), sizeof(random)),
      &encoded);
  OPENSSL_cleanse(random, sizeof(random));
  return absl::StrCat(kTokenPrefix, encoded);
}

std::optional<absl::string_view> BearerToken(absl::string_view authorization) {
  constexpr absl::string_view kScheme = "bearer";
  if (authorization.size() <= kScheme.size() ||
      !absl::StartsWithIgnoreCase(authorization, kScheme) ||
      authorization[kScheme.size()] != ' ') {
    return std::nullopt;
  }
  absl::string_view token =
      absl::StripAsciiWhitespace(authorization.substr(kScheme.size()));
  if (token.empty()) return std::nullopt;
  return token;
}

}  // namespace opsbrain::gateway
