// Fuzz target: query-parameter mapping (gateway/query_params.h).
//
// Input: one field naming the request type (its index, in decimal, among the
// request types of the Repository and GatewayTest services), then the query
// string. Invariants checked:
//   - parsed parameters have names; spelling every name and value with
//     escapes only ("%XX") parses to the same parameters;
//   - errors are INVALID_ARGUMENT, and their messages are valid UTF-8;
//   - a message that ApplyQueryParams fills serializes and parses back equal
//     (so no string field holds invalid UTF-8);
//   - ignoring unknown names never turns a success into a failure or
//     changes the result; fields bound by the path only add refusals.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "common/utf8.h"
#include "fuzz/fuzz_support.h"
#include "gateway/field_values.h"
#include "gateway/query_params.h"
#include "gateway/router.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "opsbrain/gatewaytest/v1/gateway_test.pb.h"
#include "opsbrain/v1/repository.pb.h"

namespace opsbrain::gateway {
namespace {

using ::google::protobuf::Message;

constexpr size_t kMaxQueryBytes = 4096;

const std::vector<const Route*>& Routes() {
  static const auto* routes = [] {
    static const Router* router = new Router(
        *Router::Build({opsbrain::v1::GetConfigurationRequest::descriptor()
                            ->file()
                            ->FindServiceByName("Repository"),
                        opsbrain::gatewaytest::v1::EchoRequest::descriptor()
                            ->file()
                            ->FindServiceByName("GatewayTest")}));
    auto* all = new std::vector<const Route*>();
    for (const Route& route : router->routes()) all->push_back(&route);
    return all;
  }();
  return *routes;
}

std::unique_ptr<Message> NewRequest(const Route& route) {
  return std::unique_ptr<Message>(
      google::protobuf::MessageFactory::generated_factory()
          ->GetPrototype(route.method->input_type())
          ->New());
}

void CheckError(const absl::Status& status) {
  FUZZ_CHECK(status.code() == absl::StatusCode::kInvalidArgument,
             status.ToString());
  FUZZ_CHECK(IsValidUtf8(status.message()), "a message that is not UTF-8");
}

// Applies `params` to a fresh request of `route`; nullptr when refused.
std::unique_ptr<Message> Apply(const Route& route,
                               const std::vector<QueryParam>& params,
                               const std::vector<FieldPath>& bound,
                               bool ignore_unknown) {
  std::unique_ptr<Message> request = NewRequest(route);
  const absl::Status status =
      ApplyQueryParams(params, bound, request.get(), ignore_unknown);
  if (!status.ok()) {
    CheckError(status);
    return nullptr;
  }
  const std::unique_ptr<Message> parsed =
      opsbrain::fuzz::WireRoundTrip(*request);
  FUZZ_CHECK(
      parsed != nullptr && opsbrain::fuzz::SameMessage(*parsed, *request),
      request->ShortDebugString());
  return request;
}

}  // namespace
}  // namespace opsbrain::gateway

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace opsbrain::gateway;  // NOLINT: the target's own namespace.
  const std::vector<absl::string_view> fields =
      opsbrain::fuzz::SplitFields(opsbrain::fuzz::AsText(data, size), 2);
  size_t index = 0;
  if (!absl::SimpleAtoi(fields[0], &index) ||
      fields[1].size() > kMaxQueryBytes) {
    return -1;
  }
  const Route& route = *Routes()[index % Routes().size()];
  const absl::string_view query = fields[1];

  absl::StatusOr<std::vector<QueryParam>> params = ParseQueryString(query);
  if (!params.ok()) {
    CheckError(params.status());
    return 0;
  }
  std::vector<std::string> respelled;
  for (const QueryParam& param : *params) {
    FUZZ_CHECK(!param.name.empty(), std::string(query));
    respelled.push_back(
        absl::StrCat(opsbrain::fuzz::PercentEncodeAll(param.name), "=",
                     opsbrain::fuzz::PercentEncodeAll(param.value)));
  }
  absl::StatusOr<std::vector<QueryParam>> again =
      ParseQueryString(absl::StrJoin(respelled, "&"));
  FUZZ_CHECK(again.ok() && again->size() == params->size(), std::string(query));
  for (size_t i = 0; i < params->size(); ++i) {
    FUZZ_CHECK((*again)[i].name == (*params)[i].name &&
                   (*again)[i].value == (*params)[i].value,
               std::string(query));
  }

  const std::unique_ptr<google::protobuf::Message> strict =
      Apply(route, *params, {}, false);
  const std::unique_ptr<google::protobuf::Message> lenient =
      Apply(route, *params, {}, true);
  const std::unique_ptr<google::protobuf::Message> bound =
      Apply(route, *params, route.path_fields, false);
  if (strict != nullptr) {
    FUZZ_CHECK(
        lenient != nullptr && opsbrain::fuzz::SameMessage(*strict, *lenient),
        std::string(query));
  }
  if (bound != nullptr) {
    FUZZ_CHECK(
        strict != nullptr && opsbrain::fuzz::SameMessage(*strict, *bound),
        std::string(query));
  }
  return 0;
}
