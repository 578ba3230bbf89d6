// Fuzz target: page-token decoding (storage_service/sql/page_token.h).
//
// Input: a scope, a field count (decimal), and the rest, read both as a
// token to decode and as cursor values (one per line) to encode.
// Invariants checked:
//   - decoding answers the cursor or INVALID_ARGUMENT "page_token: ...";
//   - a token that decodes is the one encoding of what it decodes to, with
//     exactly the number of values asked for;
//   - what EncodePageToken issues decodes to the same values for its scope,
//     and fails for another scope, another field count, and after any
//     one-character change or truncation (the tag is SHA-256 based, so a
//     collision is out of reach of a fuzzer).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "fuzz/fuzz_support.h"
#include "storage_service/sql/page_token.h"

namespace opsbrain::sql {
namespace {

// DecodePageToken refuses longer tokens outright.
constexpr size_t kMaxTokenBytes = 4096;
constexpr size_t kMaxFields = 8;

void CheckRefused(const absl::StatusOr<std::vector<std::string>>& decoded,
                  absl::string_view what) {
  FUZZ_CHECK(!decoded.ok(), std::string(what));
  FUZZ_CHECK(decoded.status().code() == absl::StatusCode::kInvalidArgument &&
                 absl::StartsWith(decoded.status().message(), "page_token: "),
             decoded.status().ToString());
}

void CheckDecode(absl::string_view token, absl::string_view scope,
                 size_t fields) {
  const absl::StatusOr<std::vector<std::string>> decoded =
      DecodePageToken(token, scope, fields);
  if (!decoded.ok()) {
    CheckRefused(decoded, "");
    return;
  }
  FUZZ_CHECK(decoded->size() == fields, "wrong number of values");
  FUZZ_CHECK(EncodePageToken(scope, *decoded) == token,
             "a token that is not the encoding of its values");
}

void CheckEncode(absl::string_view scope,
                 const std::vector<std::string>& cursor, size_t mutation) {
  const std::string token = EncodePageToken(scope, cursor);
  if (token.size() > kMaxTokenBytes) return;
  const absl::StatusOr<std::vector<std::string>> decoded =
      DecodePageToken(token, scope, cursor.size());
  FUZZ_CHECK(decoded.ok(), decoded.status().ToString());
  FUZZ_CHECK(*decoded == cursor, "decodes to other values");

  CheckRefused(DecodePageToken(token, absl::StrCat(scope, "x"), cursor.size()),
               "accepted for another scope");
  CheckRefused(DecodePageToken(token, scope, cursor.size() + 1),
               "accepted for another field count");
  const size_t at = mutation % token.size();
  std::string edited = token;
  // Another character of the web-safe alphabet at one place.
  static constexpr absl::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const size_t was = kAlphabet.find(edited[at]);
  edited[at] = kAlphabet[(was + 1 + mutation / token.size() % 63) % 64];
  CheckRefused(DecodePageToken(edited, scope, cursor.size()),
               absl::StrCat("accepted after an edit at ", at));
  CheckRefused(DecodePageToken(absl::string_view(token).substr(0, at), scope,
                               cursor.size()),
               absl::StrCat("accepted when cut at ", at));
}

}  // namespace
}  // namespace opsbrain::sql

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace opsbrain::sql;  // NOLINT: the target's own namespace.
  const std::vector<absl::string_view> fields =
      opsbrain::fuzz::SplitFields(opsbrain::fuzz::AsText(data, size), 3);
  size_t count = 0;
  if (!absl::SimpleAtoi(fields[1], &count) || count > kMaxFields ||
      fields[2].size() > 2 * kMaxTokenBytes) {
    return -1;
  }
  const absl::string_view scope = fields[0];
  CheckDecode(fields[2], scope, count);

  std::vector<std::string> cursor;
  if (count > 0) {
    cursor = absl::StrSplit(fields[2], absl::MaxSplits('\n', count - 1));
    cursor.resize(count);
  }
  CheckEncode(scope, cursor, size + count * 7919);
  return 0;
}
