// Opaque page tokens for keyset pagination.
//
// A token carries the sort key of the last row of a page and is bound to the
// list and filters it was issued for (its "scope"). Tokens are not secret:
// they only name a position the caller could reach anyway. The embedded
// digest makes edited, truncated or foreign tokens fail cleanly with
// INVALID_ARGUMENT instead of reading from a wrong position.
#ifndef OPSBRAIN_STORAGE_SERVICE_SQL_PAGE_TOKEN_H_
#define OPSBRAIN_STORAGE_SERVICE_SQL_PAGE_TOKEN_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace opsbrain::sql {

// Encodes `cursor` (the sort key values of the last row) for `scope`.
std::string EncodePageToken(absl::string_view scope,
                            const std::vector<std::string>& cursor);

// Decodes a token issued for `scope` with `fields` cursor values.
// INVALID_ARGUMENT ("page_token: ...") when it was altered or issued for
// another list or other filters.
absl::StatusOr<std::vector<std::string>> DecodePageToken(
    absl::string_view token, absl::string_view scope, size_t fields);

}  // namespace opsbrain::sql

#endif  // OPSBRAIN_STORAGE_SERVICE_SQL_PAGE_TOKEN_H_
