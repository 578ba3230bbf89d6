#include "storage_service/sql/page_token.h"

#include <openssl/sha.h>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace opsbrain::sql {
namespace {

constexpr char kVersion = '1';
constexpr size_t kTagBytes = 12;

// The first kTagBytes of SHA-256(scope, NUL, payload).
std::string Tag(absl::string_view scope, absl::string_view payload) {
  std::string input = absl::StrCat(scope, std::string(1, '\0'), payload);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(input.data()), input.size(),
         digest);
  return std::string(reinterpret_cast<const char*>(digest), kTagBytes);
}

absl::Status Invalid() {
  return absl::InvalidArgumentError(
      "page_token: not a token issued for this list and these filters");
}

}  // namespace

std::string EncodePageToken(absl::string_view scope,
                            const std::vector<std::string>& cursor) {
  // Payload: version, then each value as "<length>:<bytes>".
  std::string payload(1, kVersion);
  for (const std::string& value : cursor) {
    absl::StrAppend(&payload, value.size(), ":", value);
  }
  std::string token;
  absl::WebSafeBase64Escape(payload + Tag(scope, payload), &token);
  return token;
}

absl::StatusOr<std::vector<std::string>> DecodePageToken(
    absl::string_view token, absl::string_view scope, size_t fields) {
  std::string raw;
  if (token.size() > 4096 || !absl::WebSafeBase64Unescape(token, &raw) ||
      raw.size() < kTagBytes + 1) {
    return Invalid();
  }
  // Base64 leaves spare bits in the last character; only the canonical
  // spelling of these bytes is a token we issued.
  std::string canonical;
  absl::WebSafeBase64Escape(raw, &canonical);
  if (canonical != token) return Invalid();
  absl::string_view payload(raw.data(), raw.size() - kTagBytes);
  absl::string_view tag(raw.data() + payload.size(), kTagBytes);
  if (payload[0] != kVersion || Tag(scope, payload) != tag) return Invalid();

  std::vector<std::string> cursor;
  absl::string_view rest = payload.substr(1);
  while (!rest.empty()) {
    size_t colon = rest.find(':');
    size_t length = 0;
    if (colon == absl::string_view::npos ||
        !absl::SimpleAtoi(rest.substr(0, colon), &length) ||
        length > rest.size() - colon - 1) {
      return Invalid();
    }
    cursor.emplace_back(rest.substr(colon + 1, length));
    rest.remove_prefix(colon + 1 + length);
  }
  if (cursor.size() != fields) return Invalid();
  return cursor;
}

}  // namespace opsbrain::sql
