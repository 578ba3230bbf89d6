// The migrator's exit codes: what a deploy pipeline can tell apart.
//
//   0  success: the command did what it says (for import: every row is in
//      the store and verified, the legacy file archived unless --keep)
//   1  any other failure: the storage service refused a call (its schema
//      is behind: run `migrator up`), the archive could not be written, an
//      internal error
//   2  usage: unknown command or flag, missing --from
//   3  bad rows: rows that cannot be converted or that the store refuses,
//      without --skip-bad-rows; nothing was written, the legacy file stays
//   4  verification failed: a row the import should have left in the store
//      is missing or differs; the legacy file stays
//   5  the storage service is unreachable (or answered UNAVAILABLE)
//   6  the legacy file is unusable: missing, not SQLite, corrupt, not an
//      OpsBrain database, or the store's own database
//   7  the schema history does not match the storage service's migrations
//      (an applied migration was edited, is unknown, or is out of order):
//      `validate` failed, or `up` refused and applied nothing
#ifndef OPSBRAIN_MIGRATOR_EXIT_CODES_H_
#define OPSBRAIN_MIGRATOR_EXIT_CODES_H_

namespace opsbrain::migrator {

enum ExitCode : int {
  kExitOk = 0,
  kExitFailure = 1,
  kExitUsage = 2,
  kExitBadRows = 3,
  kExitVerificationFailed = 4,
  kExitUnavailable = 5,
  kExitLegacyFileUnusable = 6,
  kExitSchemaHistory = 7,
};

}  // namespace opsbrain::migrator

#endif  // OPSBRAIN_MIGRATOR_EXIT_CODES_H_
