// The migrator's schema commands over the storage service's Schema API:
// status, up (and its dry run), validate, baseline. Each prints what it
// found or did on `out`, a failure on `err` ("migrator: ..."), and returns
// the exit code (exit_codes.h).
//
// Thread-compatible.
#ifndef OPSBRAIN_MIGRATOR_SCHEMA_COMMANDS_H_
#define OPSBRAIN_MIGRATOR_SCHEMA_COMMANDS_H_

#include <ostream>

#include "absl/time/time.h"
#include "migrator/exit_codes.h"
#include "migrator/store_client.h"

namespace opsbrain::migrator {

struct SchemaCommandOptions {
  // up: print the plan and the SQL that would run; change nothing.
  bool dry_run = false;
  // up, baseline: how long the service waits for another run's migration
  // lock before giving up (ABORTED: exit 1).
  absl::Duration lock_timeout = StoreClient::kDefaultLockTimeout;
};

// The version, the applied and pending migrations, the failed attempts not
// yet resolved, and the history's problems. 0 whenever the status could be
// read, even with problems (`validate` is the check).
ExitCode RunStatusCommand(StoreClient& store, std::ostream& out,
                          std::ostream& err);

// Applies the pending migrations (nothing to do is fine). A migration that
// fails is rolled back and recorded by the service: exit 1 with its
// reason. A history with problems: exit 7, nothing applied. With
// options.dry_run: the plan and each pending migration's SQL, exit 7 when
// the history has problems (up would refuse), else 0.
ExitCode RunUpCommand(StoreClient& store, const SchemaCommandOptions& options,
                      std::ostream& out, std::ostream& err);

// Checks every applied migration against the storage service's compiled-in
// ones (checksums, unknown and out-of-order versions): 0 when they match,
// 7 naming each problem otherwise. Pending migrations and failed attempts
// are shown but are not problems.
ExitCode RunValidateCommand(StoreClient& store, std::ostream& out,
                            std::ostream& err);

// Records a schema the legacy app created as migration 1, after the
// service has compared its tables and columns with migration 1 (exit 1
// naming every difference otherwise). 0, changing nothing, when the
// database already has a history.
ExitCode RunBaselineCommand(StoreClient& store,
                            const SchemaCommandOptions& options,
                            std::ostream& out, std::ostream& err);

}  // namespace opsbrain::migrator

#endif  // OPSBRAIN_MIGRATOR_SCHEMA_COMMANDS_H_
