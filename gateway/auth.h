// Bearer-token authentication and the scopes a caller holds.
//
// The gateway knows tokens only by their SHA-256 hashes, loaded at start
// from a token file (--auth_tokens_file) or an environment variable
// (GATEWAY_AUTH_TOKENS) in this format, one token per line:
//
//   # name       hash                  scopes
//   slack-bot    sha256:9f86d08...     scopes=read,write
//   ops-admin    sha256:2c26b46...     scopes=admin
//   prometheus   sha256:fcde2b2...     scopes=
//
// - name: 1 to 64 of [A-Za-z0-9._@-]; it is the caller's identity, written
//   to audit rows as the actor and to the access log. Unique.
// - hash: "sha256:" and 64 hex digits, the SHA-256 of the token's bytes.
//   Unique.
// - scopes: comma-separated, from read, write, secrets, admin; may be empty
//   (such a token only authenticates: /metrics, /openapi.json).
// Blank lines and lines starting with '#' are ignored; in the environment
// variable, ';' also ends an entry. Tokens must be high-entropy random
// strings (NewToken makes one): a plain hash is no defence for guessable
// passwords.
//
// Scopes: read (GET routes), write (every other route), secrets (sensitive
// configuration values come back unmasked), admin (all of these).
//
// Thread-safe: a TokenStore is immutable once built; the functions have no
// state.
#ifndef OPSBRAIN_GATEWAY_AUTH_H_
#define OPSBRAIN_GATEWAY_AUTH_H_

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace opsbrain::gateway {

enum class Scope : uint8_t {
  kRead = 1,
  kWrite = 2,
  kSecrets = 4,
  kAdmin = 8,
};

// The name of a scope as the token file and x-opsbrain-scopes spell it.
absl::string_view ScopeName(Scope scope);

class ScopeSet {
 public:
  ScopeSet() = default;
  ScopeSet(std::initializer_list<Scope> scopes);

  // Parses "read,write" (spaces around items and empty items ignored).
  // INVALID_ARGUMENT naming an unknown scope.
  static absl::StatusOr<ScopeSet> Parse(absl::string_view text);

  // True when the set holds `scope` or admin, which implies every scope.
  bool Grants(Scope scope) const;

  // The scopes granted, expanded (admin lists all four), comma-separated
  // in the order read, write, secrets, admin: the x-opsbrain-scopes value.
  // Empty for the empty set.
  std::string Expanded() const;

  bool operator==(const ScopeSet& other) const { return bits_ == other.bits_; }

 private:
  uint8_t bits_ = 0;
};

// The scope a route needs, from its HTTP method: GET needs read; every
// other method changes data and needs write. Generic, so that a newly
// annotated RPC needs no gateway code.
Scope ScopeForHttpMethod(absl::string_view http_method);

struct Caller {
  std::string name;
  ScopeSet scopes;
};

class TokenStore {
 public:
  // Parses the format above. INVALID_ARGUMENT naming `source` and the line
  // for a malformed line, an unknown scope, or a repeated name or hash. The
  // message never quotes a hash. An empty store is valid here; the caller
  // decides whether that may start.
  static absl::StatusOr<TokenStore> Parse(absl::string_view text,
                                          absl::string_view source);

  // The caller whose hash is the SHA-256 of `token`, or nullptr. Hashes are
  // compared in constant time and every entry is compared, so the time
  // taken says nothing about which entry (if any) matched.
  const Caller* Find(absl::string_view token) const;

  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    Caller caller;
    std::string digest;  // 32 raw bytes.
  };
  std::vector<Entry> entries_;
};

// "sha256:" and the lowercase hex SHA-256 of `token`.
std::string HashToken(absl::string_view token);

// A new random token: "opsb_" and 43 base64url characters (256 bits from
// the operating system's generator through OpenSSL). INTERNAL when the
// generator fails.
absl::StatusOr<std::string> NewToken();

// The token of an Authorization header value "Bearer <token>" (scheme in
// any letter case, one or more spaces). nullopt for any other scheme or an
// empty token.
std::optional<absl::string_view> BearerToken(absl::string_view authorization);

}  // namespace opsbrain::gateway

#endif  // OPSBRAIN_GATEWAY_AUTH_H_
