#ifndef OPSBRAIN_COMMON_TSAN_ANNOTATIONS_H_
#define OPSBRAIN_COMMON_TSAN_ANNOTATIONS_H_

// Happens-before annotations for ThreadSanitizer (--config=tsan defines
// OPSBRAIN_TSAN; every other build compiles these to nothing).
//
// Debian's gRPC is not instrumented, so TSan cannot see how it hands a call
// from the thread that starts it to the thread that completes it. Where our
// code crosses that boundary it says so: HappensBefore(key) on the starting
// side after the last write the other side may read, HappensAfter(key) on
// the completing side before the first such read. The key is any address
// both sides know (the call's own state).

#ifdef OPSBRAIN_TSAN
#include <sanitizer/tsan_interface.h>
#endif

namespace opsbrain {

inline void HappensBefore(const void* key) {
#ifdef OPSBRAIN_TSAN
  __tsan_release(const_cast<void*>(key));
#else
  (void)key;
#endif
}

inline void HappensAfter(const void* key) {
#ifdef OPSBRAIN_TSAN
  __tsan_acquire(const_cast<void*>(key));
#else
  (void)key;
#endif
}

}  // namespace opsbrain

#endif  // OPSBRAIN_COMMON_TSAN_ANNOTATIONS_H_
