#include "gateway/query_params.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "gateway/field_values.h"
#include "gateway/percent_encoding.h"
#include "google/protobuf/message.h"

namespace opsbrain::gateway {
namespace {

// True when one path is the other or starts it.
bool Overlaps(const FieldPath& a, const FieldPath& b) {
  const size_t common = std::min(a.size(), b.size());
  return std::equal(a.begin(), a.begin() + common, b.begin());
}

}  // namespace

absl::StatusOr<std::vector<QueryParam>> ParseQueryString(
    absl::string_view query) {
  std::vector<QueryParam> params;
  for (absl::string_view piece : absl::StrSplit(query, '&')) {
    if (piece.empty()) continue;
    std::pair<absl::string_view, absl::string_view> name_value =
        absl::StrSplit(piece, absl::MaxSplits('=', 1));
    absl::StatusOr<std::string> name =
        PercentDecode(name_value.first, DecodeMode::kQuery);
    absl::StatusOr<std::string> value =
        PercentDecode(name_value.second, DecodeMode::kQuery);
    if (!name.ok() || !value.ok()) {
      return absl::InvalidArgumentError(
          "query string: malformed percent-encoding");
    }
    if (name->empty()) {
      return absl::InvalidArgumentError(
          "query string: a parameter has no name");
    }
    params.push_back({*std::move(name), *std::move(value)});
  }
  return params;
}

absl::Status ApplyQueryParams(absl::Span<const QueryParam> params,
                              absl::Span<const FieldPath> bound,
                              google::protobuf::Message* message,
                              bool ignore_unknown) {
  absl::flat_hash_set<std::string> singular_seen;
  for (const QueryParam& param : params) {
    absl::StatusOr<FieldPath> path = ResolveFieldPath(
        message->GetDescriptor(), param.name, FieldNames::kProtoOrJson);
    if (!path.ok() && ignore_unknown) continue;
    if (!path.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("query parameter: ", path.status().message()));
    }
    const std::string name = FieldPathName(*path);

    for (const FieldPath& taken : bound) {
      if (Overlaps(*path, taken)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "query parameter '", name, "': field '", FieldPathName(taken),
            "' is already set by the path or the body"));
      }
    }
    if (!IsSettableFromText(path->back())) {
      return absl::InvalidArgumentError(
          absl::StrCat("query parameter '", name,
                       "': this field cannot be set from a query parameter"));
    }
    if (!path->back()->is_repeated() && !singular_seen.insert(name).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("query parameter '", name,
                       "' is given more than once but is not repeated"));
    }

    absl::Status status = SetFieldFromText(message, *path, param.value);
    if (!status.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("query parameter: ", status.message()));
    }
  }
  return absl::OkStatus();
}

}  // namespace opsbrain::gateway
