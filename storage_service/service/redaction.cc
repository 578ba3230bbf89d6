#include "storage_service/service/redaction.h"

#include "opsbrain/v1/records.pb.h"

namespace opsbrain::service {

void RedactConfiguration(bool may_read_secrets, v1::Configuration* config) {
  const bool redact = config->is_sensitive() && !may_read_secrets;
  // Clearing (not just hiding) the value keeps it out of every later copy
  // of the message, logs and debug strings included.
  if (redact) config->clear_value();
  config->set_value_redacted(redact);
}

}  // namespace opsbrain::service
