#include "gateway/cors.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "gateway/http_types.h"

namespace opsbrain::gateway {
namespace {

// What a browser script may read of a response besides the safelisted
// headers.
constexpr absl::string_view kExposedHeaders =
    "ETag, Retry-After, WWW-Authenticate, X-Request-Id";
// Browsers may cache a preflight answer this long (seconds).
constexpr absl::string_view kMaxAgeSeconds = "600";

// "http(s)://host[:port]", nothing after the authority.
bool IsOrigin(absl::string_view origin) {
  absl::string_view rest = origin;
  if (!absl::ConsumePrefix(&rest, "https://") &&
      !absl::ConsumePrefix(&rest, "http://")) {
    return false;
  }
  if (rest.empty()) return false;
  for (char c : rest) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (!absl::ascii_isalnum(u) && c != '.' && c != '-' && c != ':' &&
        c != '[' && c != ']') {
      return false;
    }
  }
  return true;
}

}  // namespace

absl::StatusOr<CorsPolicy> CorsPolicy::Create(
    const std::vector<std::string>& origins,
    std::vector<std::string> request_headers) {
  CorsPolicy policy;
  for (const std::string& origin : origins) {
    if (origin == "*") {
      policy.any_ = true;
    } else if (IsOrigin(origin)) {
      policy.origins_.insert(origin);
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("CORS origin '", origin,
                       "' must be * or scheme://host[:port] with no path"));
    }
  }
  policy.allow_headers_ = absl::StrJoin(request_headers, ", ");
  return policy;
}

bool CorsPolicy::Allows(absl::string_view origin) const {
  if (origin.empty()) return false;
  return any_ || origins_.contains(origin);
}

std::vector<HttpHeader> CorsPolicy::ResponseHeaders(
    absl::string_view origin) const {
  return {{"Access-Control-Allow-Origin", std::string(origin)},
          {"Access-Control-Expose-Headers", std::string(kExposedHeaders)},
          {"Vary", "Origin"}};
}

std::vector<HttpHeader> CorsPolicy::PreflightHeaders(
    absl::string_view origin, const std::vector<std::string>& methods) const {
  return {{"Access-Control-Allow-Origin", std::string(origin)},
          {"Access-Control-Allow-Methods", absl::StrJoin(methods, ", ")},
          {"Access-Control-Allow-Headers", allow_headers_},
          {"Access-Control-Max-Age", std::string(kMaxAgeSeconds)},
          {"Vary",
           "Origin, Access-Control-Request-Method, "
           "Access-Control-Request-Headers"}};
}

}  // namespace opsbrain::gateway
