// Plain HTTP request and response values, so that the gateway's logic
// neither sees nor compiles against the HTTP library.
#ifndef OPSBRAIN_GATEWAY_HTTP_TYPES_H_
#define OPSBRAIN_GATEWAY_HTTP_TYPES_H_

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/string_view.h"

namespace opsbrain::gateway {

struct HttpHeader {
  std::string name;
  std::string value;
};

struct HttpRequest {
  std::string method;  // As sent: "GET", "PATCH", ...
  std::string target;  // Origin form: "/v1/things/a?x=1".
  std::vector<HttpHeader> headers;
  std::string body;
};

struct HttpResponse {
  int status = 200;
  std::vector<HttpHeader> headers;
  std::string body;
};

// The value of the first header called `name` (any letter case), or
// nullptr.
inline const std::string* FindHeader(const std::vector<HttpHeader>& headers,
                                     absl::string_view name) {
  for (const HttpHeader& header : headers) {
    if (absl::EqualsIgnoreCase(header.name, name)) return &header.value;
  }
  return nullptr;
}

}  // namespace opsbrain::gateway

#endif  // OPSBRAIN_GATEWAY_HTTP_TYPES_H_
