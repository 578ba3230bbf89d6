// Fuzz target: JSON-to-request transcoding (gateway/transcoder.h).
//
// Input: one field with a number (its value modulo twice the route count
// picks the route of the Repository and GatewayTest services and whether
// unknown fields are ignored), then one field per path variable of that
// route, one with the query string, and the body. Invariants checked:
//   - BuildRequest answers OK or INVALID_ARGUMENT with a UTF-8 message
//     (never INTERNAL: the path values always fit the route here);
//   - a built request serializes and parses back equal, prints as JSON,
//     and that JSON reads back into an equal request;
//   - the path wins: each string path field holds its path value;
//   - ignoring unknown fields never turns a success into a failure or
//     changes the result.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/utf8.h"
#include "fuzz/fuzz_support.h"
#include "gateway/field_values.h"
#include "gateway/router.h"
#include "gateway/transcoder.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/util/json_util.h"
#include "opsbrain/gatewaytest/v1/gateway_test.pb.h"
#include "opsbrain/v1/repository.pb.h"

namespace opsbrain::gateway {
namespace {

using ::google::protobuf::Message;

constexpr size_t kMaxInputBytes = 16384;

const Router& TheRouter() {
  static const Router* router = new Router(
      *Router::Build({opsbrain::v1::GetConfigurationRequest::descriptor()
                          ->file()
                          ->FindServiceByName("Repository"),
                      opsbrain::gatewaytest::v1::EchoRequest::descriptor()
                          ->file()
                          ->FindServiceByName("GatewayTest")}));
  return *router;
}

std::optional<std::string> StringAt(const Message& message,
                                    const FieldPath& path) {
  const Message* current = &message;
  for (size_t i = 0; i + 1 < path.size(); ++i) {
    current = &current->GetReflection()->GetMessage(*current, path[i]);
  }
  if (path.back()->type() != google::protobuf::FieldDescriptor::TYPE_STRING) {
    return std::nullopt;
  }
  return current->GetReflection()->GetString(*current, path.back());
}

std::unique_ptr<Message> Build(const Route& route,
                               const std::vector<std::string>& path_values,
                               absl::string_view query, absl::string_view body,
                               bool ignore_unknown) {
  TranscodeOptions options;
  options.ignore_unknown_fields = ignore_unknown;
  absl::StatusOr<std::unique_ptr<Message>> request =
      BuildRequest(route, path_values, query, body, options);
  if (!request.ok()) {
    FUZZ_CHECK(request.status().code() == absl::StatusCode::kInvalidArgument,
               request.status().ToString());
    FUZZ_CHECK(IsValidUtf8(request.status().message()),
               "an error message that is not UTF-8");
    return nullptr;
  }
  return *std::move(request);
}

void CheckRequest(const Route& route,
                  const std::vector<std::string>& path_values,
                  const Message& request) {
  const std::unique_ptr<Message> wire = opsbrain::fuzz::WireRoundTrip(request);
  FUZZ_CHECK(wire != nullptr && opsbrain::fuzz::SameMessage(*wire, request),
             request.ShortDebugString());

  absl::StatusOr<std::string> json = MessageToJson(request);
  FUZZ_CHECK(json.ok(), json.status().ToString());
  std::unique_ptr<Message> reread(request.New());
  const auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json->data(), json->size()), reread.get());
  FUZZ_CHECK(status.ok(), absl::StrCat(status.ToString(), " reading ", *json));
  FUZZ_CHECK(
      opsbrain::fuzz::SameMessage(*reread, request),
      absl::StrCat(*json, " reads back as ", reread->ShortDebugString()));

  for (size_t i = 0; i < path_values.size(); ++i) {
    std::optional<std::string> held = StringAt(request, route.path_fields[i]);
    FUZZ_CHECK(!held.has_value() || *held == path_values[i],
               absl::StrCat("path field ", FieldPathName(route.path_fields[i]),
                            " does not hold its path value"));
  }
}

}  // namespace
}  // namespace opsbrain::gateway

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace opsbrain::gateway;  // NOLINT: the target's own namespace.
  if (size > kMaxInputBytes) return -1;
  const std::vector<absl::string_view> head =
      opsbrain::fuzz::SplitFields(opsbrain::fuzz::AsText(data, size), 2);
  size_t number = 0;
  if (!absl::SimpleAtoi(head[0], &number)) return -1;
  const std::vector<Route>& routes = TheRouter().routes();
  const Route& route = routes[(number / 2) % routes.size()];
  const bool ignore_unknown = number % 2 == 1;

  const size_t variables = route.path_fields.size();
  const std::vector<absl::string_view> fields =
      opsbrain::fuzz::SplitFields(head[1], variables + 2);
  const std::vector<std::string> path_values(fields.begin(),
                                             fields.begin() + variables);
  const absl::string_view query = fields[variables];
  const absl::string_view body = fields[variables + 1];

  const std::unique_ptr<google::protobuf::Message> strict =
      Build(route, path_values, query, body, ignore_unknown);
  if (strict != nullptr) CheckRequest(route, path_values, *strict);
  if (!ignore_unknown) {
    const std::unique_ptr<google::protobuf::Message> lenient =
        Build(route, path_values, query, body, true);
    if (strict != nullptr) {
      FUZZ_CHECK(
          lenient != nullptr && opsbrain::fuzz::SameMessage(*strict, *lenient),
          "ignoring unknown fields changed the request");
    }
  }
  return 0;
}
