// What a caller may see of a sensitive configuration.
//
// Thread-safe: free functions only.
#ifndef OPSBRAIN_STORAGE_SERVICE_SERVICE_REDACTION_H_
#define OPSBRAIN_STORAGE_SERVICE_SERVICE_REDACTION_H_

#include "opsbrain/v1/records.pb.h"

namespace opsbrain::service {

// Withholds the value of a sensitive configuration from a caller without
// the `secrets` scope: `value` becomes empty and `value_redacted` true.
// Otherwise `value_redacted` is false and the value is left as it is. Used
// on every Configuration a response carries (Get, List, Update).
void RedactConfiguration(bool may_read_secrets, v1::Configuration* config);

}  // namespace opsbrain::service

#endif  // OPSBRAIN_STORAGE_SERVICE_SERVICE_REDACTION_H_
