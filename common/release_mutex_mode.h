// absl::Mutex's deadlock detection, off in optimised builds.
//
// Abseil built without NDEBUG, as Debian builds it, records the order in
// which every absl::Mutex is taken (gRPC's locks included) in one global
// graph, taking a global lock to do so; Abseil's own release builds leave
// that off. A program calls UseReleaseMutexMode() first thing in main():
// built with NDEBUG (bazel -c opt) it turns the tracking off, which was
// about 2 % of the gateway's and the storage service's CPU
// (bench/README.md); in other builds, the tests' among them, it does
// nothing, so a lock-order inversion still fails there.
#ifndef OPSBRAIN_COMMON_RELEASE_MUTEX_MODE_H_
#define OPSBRAIN_COMMON_RELEASE_MUTEX_MODE_H_

#include "absl/synchronization/mutex.h"

namespace opsbrain {

inline void UseReleaseMutexMode() {
#ifdef NDEBUG
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
#endif
}

}  // namespace opsbrain

#endif  // OPSBRAIN_COMMON_RELEASE_MUTEX_MODE_H_
