// Entity tags of stored records.
#ifndef OPSBRAIN_STORAGE_SERVICE_SQL_ETAG_H_
#define OPSBRAIN_STORAGE_SERVICE_SQL_ETAG_H_

#include <string>

namespace opsbrain::sql {

// A fresh etag: 64 random bits as 16 hex digits. Random rather than a
// counter, so a record deleted and created again never repeats an etag a
// client still holds. Thread-safe.
std::string NewEtag();

}  // namespace opsbrain::sql

#endif  // OPSBRAIN_STORAGE_SERVICE_SQL_ETAG_H_
