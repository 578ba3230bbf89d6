#include "storage_service/service/request_context.h"

#include <algorithm>
#include <iterator>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/string_ref.h"

namespace opsbrain::service {
namespace {

absl::string_view View(const grpc::string_ref& ref) {
  return absl::string_view(ref.data(), ref.size());
}

bool IsPrintableAscii(absl::string_view text, size_t max_bytes) {
  if (text.empty() || text.size() > max_bytes) return false;
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return c >= 0x20 && c <= 0x7E; });
}

}  // namespace

bool RequestContext::HasScope(absl::string_view scope) const {
  return std::find(scopes.begin(), scopes.end(), scope) != scopes.end();
}

absl::StatusOr<RequestContext> RequestContextFromMetadata(
    const ClientMetadata& metadata) {
  RequestContext context;

  // Actor: a second value would leave the audit trail ambiguous.
  const auto [actor_begin, actor_end] = metadata.equal_range(kActorHeader);
  if (actor_begin != actor_end) {
    if (std::next(actor_begin) != actor_end) {
      return absl::InvalidArgumentError(
          absl::StrCat(kActorHeader, ": must be sent at most once"));
    }
    const absl::string_view actor = View(actor_begin->second);
    if (!actor.empty()) {
      if (!IsPrintableAscii(actor, kMaxActorBytes)) {
        return absl::InvalidArgumentError(
            absl::StrCat(kActorHeader, ": must be 1 to ", kMaxActorBytes,
                         " printable ASCII characters"));
      }
      context.actor = std::string(actor);
    }
  }

  const auto [scopes_begin, scopes_end] = metadata.equal_range(kScopesHeader);
  for (auto it = scopes_begin; it != scopes_end; ++it) {
    for (absl::string_view scope :
         absl::StrSplit(View(it->second), ',', absl::SkipWhitespace())) {
      context.scopes.emplace_back(absl::StripAsciiWhitespace(scope));
    }
  }

  // Only for logs, so a bad id is dropped rather than failing the call.
  const auto id = metadata.find(kRequestIdHeader);
  if (id != metadata.end() &&
      IsPrintableAscii(View(id->second), kMaxRequestIdBytes)) {
    context.request_id = std::string(View(id->second));
  }
  return context;
}

absl::StatusOr<RequestContext> RequestContextFromServer(
    const grpc::ServerContext& context) {
  return RequestContextFromMetadata(context.client_metadata());
}

}  // namespace opsbrain::service
