// Who is calling: the identity and rights the gateway (or the migrator)
// states in gRPC metadata, which the storage service trusts because only
// they can reach it.
//
//   x-opsbrain-actor   the caller, written to audit rows; "system" when
//                      absent or empty. 1 to 128 printable ASCII characters
//                      (U+0020..U+007E); anything else, or the header sent
//                      twice, is INVALID_ARGUMENT.
//   x-opsbrain-scopes  comma-separated scopes (read, write, secrets, admin);
//                      surrounding spaces and empty items are ignored, and
//                      the header may repeat. `secrets` grants unmasked
//                      sensitive values.
//   x-request-id       correlates log lines; kept only when 1 to 128
//                      printable ASCII characters, never an error.
//
// Thread-safe: free functions; a RequestContext is a plain value.
#ifndef OPSBRAIN_STORAGE_SERVICE_SERVICE_REQUEST_CONTEXT_H_
#define OPSBRAIN_STORAGE_SERVICE_SERVICE_REQUEST_CONTEXT_H_

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/string_ref.h"

namespace opsbrain::service {

inline constexpr char kActorHeader[] = "x-opsbrain-actor";
inline constexpr char kScopesHeader[] = "x-opsbrain-scopes";
inline constexpr char kRequestIdHeader[] = "x-request-id";
inline constexpr char kDefaultActor[] = "system";
inline constexpr char kSecretsScope[] = "secrets";
inline constexpr size_t kMaxActorBytes = 128;
inline constexpr size_t kMaxRequestIdBytes = 128;

struct RequestContext {
  std::string actor = kDefaultActor;
  // In header order, duplicates kept.
  std::vector<std::string> scopes;
  // Empty when the caller sent none (or an unusable one).
  std::string request_id;

  // Exact, case-sensitive match.
  bool HasScope(absl::string_view scope) const;
  bool may_read_secrets() const { return HasScope(kSecretsScope); }
};

using ClientMetadata = std::multimap<grpc::string_ref, grpc::string_ref>;

// Reads the headers above from gRPC client metadata (keys in lower case, as
// gRPC delivers them).
absl::StatusOr<RequestContext> RequestContextFromMetadata(
    const ClientMetadata& metadata);

absl::StatusOr<RequestContext> RequestContextFromServer(
    const grpc::ServerContext& context);

}  // namespace opsbrain::service

#endif  // OPSBRAIN_STORAGE_SERVICE_SERVICE_REQUEST_CONTEXT_H_
