// Early-return helpers for absl::Status and absl::StatusOr.
//
// Debian's Abseil (20220623) ships no status macros of its own. These two
// cover the project's uses: propagate a failed Status, or unwrap a StatusOr
// into a new variable.
#ifndef OPSBRAIN_COMMON_STATUS_MACROS_H_
#define OPSBRAIN_COMMON_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

// Returns the status of `expr` from the enclosing function when it fails.
#define OPSBRAIN_RETURN_IF_ERROR(expr)                   \
  do {                                                   \
    ::absl::Status opsbrain_status_ = (expr);            \
    if (!opsbrain_status_.ok()) return opsbrain_status_; \
  } while (false)

#define OPSBRAIN_STATUS_CONCAT_INNER_(a, b) a##b
#define OPSBRAIN_STATUS_CONCAT_(a, b) OPSBRAIN_STATUS_CONCAT_INNER_(a, b)

// Declares `lhs` from the value of the StatusOr `expr`, or returns its
// status from the enclosing function when it fails.
#define OPSBRAIN_ASSIGN_OR_RETURN(lhs, expr) \
  OPSBRAIN_ASSIGN_OR_RETURN_IMPL_(           \
      OPSBRAIN_STATUS_CONCAT_(opsbrain_statusor_, __LINE__), lhs, expr)

#define OPSBRAIN_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                                    \
  if (!statusor.ok()) return std::move(statusor).status();   \
  lhs = std::move(statusor).value()

#endif  // OPSBRAIN_COMMON_STATUS_MACROS_H_
