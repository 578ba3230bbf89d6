// ThreadSanitizer annotations for Debian's uninstrumented Abseil
// synchronisation primitives. Linked only under --config=tsan.
//
// libabsl_synchronization.so is built without -fsanitize=thread, so TSan
// cannot see absl::Mutex lock and unlock (a futex and atomics inside the
// library): every access our code guards with an absl::Mutex would be
// reported as a race. The linker's --wrap option (the `build:tsan` lines of
// .bazelrc) sends every call our objects make to the out-of-line entry
// points below to __wrap_<symbol>, which tells TSan what the call does
// (__tsan_mutex_pre_lock/post_lock/pre_unlock/post_unlock, the annotations
// TSan's own interceptors use for pthread mutexes) around __real_<symbol>,
// the library's function. Calls made inside Debian's libraries (gRPC's own
// use of absl::Mutex) are not rewritten; their memory accesses are not
// instrumented either, so TSan sees neither side of them.
//
// The symbols are the mangled names of Abseil 20220623 in Debian's inline
// namespace `debian3`; if Debian renames it, the link fails on an undefined
// __real_ symbol rather than silently losing the annotations.

#include <sanitizer/tsan_interface.h>

#include <atomic>
#include <cstdint>

#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"

// The layouts relied on below: absl::Mutex is one atomic word whose
// writer bit says whether it is held exclusively, and absl::Notification is
// a Mutex followed by its std::atomic<bool>.
static_assert(sizeof(absl::Mutex) == sizeof(intptr_t), "absl::Mutex layout");
static_assert(sizeof(absl::Notification) == 2 * sizeof(absl::Mutex),
              "absl::Notification layout");

namespace {

// absl::Mutex's kMuWriter bit (absl/synchronization/mutex.cc).
constexpr intptr_t kMuWriter = 0x0008;

// The annotation flags that match how `mu` is held by this thread: Await
// and CondVar::Wait release and re-acquire the mutex in the mode it is held.
unsigned HeldModeFlags(absl::Mutex* mu) {
  const auto* word = reinterpret_cast<const std::atomic<intptr_t>*>(mu);
  return (word->load(std::memory_order_relaxed) & kMuWriter) != 0
             ? 0
             : __tsan_mutex_read_lock;
}

// Notification::HasBeenNotified() is inline: our instrumented code does an
// acquire load of notified_yet_ directly, so Notify must release on that
// address as well as on the object.
void* NotifiedYetAddress(const absl::Notification* n) {
  return const_cast<char*>(reinterpret_cast<const char*>(n) +
                           sizeof(absl::Mutex));
}

}  // namespace

// Declares __real_<sym> and defines __wrap_<sym> with the given signature.
#define OPSBRAIN_WRAP(ret, sym, ...) \
  ret __real_##sym(__VA_ARGS__);     \
  ret __wrap_##sym(__VA_ARGS__)

extern "C" {

// ---- absl::Mutex ------------------------------------------------------------

// Mutex::Lock()
OPSBRAIN_WRAP(void, _ZN4absl7debian35Mutex4LockEv, absl::Mutex* mu) {
  __tsan_mutex_pre_lock(mu, 0);
  __real__ZN4absl7debian35Mutex4LockEv(mu);
  __tsan_mutex_post_lock(mu, 0, 0);
}

// Mutex::Unlock()
OPSBRAIN_WRAP(void, _ZN4absl7debian35Mutex6UnlockEv, absl::Mutex* mu) {
  __tsan_mutex_pre_unlock(mu, 0);
  __real__ZN4absl7debian35Mutex6UnlockEv(mu);
  __tsan_mutex_post_unlock(mu, 0);
}

// Mutex::TryLock()
OPSBRAIN_WRAP(bool, _ZN4absl7debian35Mutex7TryLockEv, absl::Mutex* mu) {
  __tsan_mutex_pre_lock(mu, __tsan_mutex_try_lock);
  const bool locked = __real__ZN4absl7debian35Mutex7TryLockEv(mu);
  __tsan_mutex_post_lock(
      mu, locked ? __tsan_mutex_try_lock : __tsan_mutex_try_lock_failed, 0);
  return locked;
}

// Mutex::ReaderLock()
OPSBRAIN_WRAP(void, _ZN4absl7debian35Mutex10ReaderLockEv, absl::Mutex* mu) {
  __tsan_mutex_pre_lock(mu, __tsan_mutex_read_lock);
  __real__ZN4absl7debian35Mutex10ReaderLockEv(mu);
  __tsan_mutex_post_lock(mu, __tsan_mutex_read_lock, 0);
}

// Mutex::ReaderUnlock()
OPSBRAIN_WRAP(void, _ZN4absl7debian35Mutex12ReaderUnlockEv, absl::Mutex* mu) {
  __tsan_mutex_pre_unlock(mu, __tsan_mutex_read_lock);
  __real__ZN4absl7debian35Mutex12ReaderUnlockEv(mu);
  __tsan_mutex_post_unlock(mu, __tsan_mutex_read_lock);
}

// Mutex::ReaderTryLock()
OPSBRAIN_WRAP(bool, _ZN4absl7debian35Mutex13ReaderTryLockEv, absl::Mutex* mu) {
  __tsan_mutex_pre_lock(mu, __tsan_mutex_try_read_lock);
  const bool locked = __real__ZN4absl7debian35Mutex13ReaderTryLockEv(mu);
  __tsan_mutex_post_lock(
      mu,
      locked ? __tsan_mutex_try_read_lock : __tsan_mutex_try_read_lock_failed,
      0);
  return locked;
}

// Mutex::LockWhen(const Condition&). The condition runs inside the real
// call, between the pre and post annotations, where TSan ignores accesses;
// it only reads state guarded by this mutex.
OPSBRAIN_WRAP(void, _ZN4absl7debian35Mutex8LockWhenERKNS0_9ConditionE,
              absl::Mutex* mu, const absl::Condition& cond) {
  __tsan_mutex_pre_lock(mu, 0);
  __real__ZN4absl7debian35Mutex8LockWhenERKNS0_9ConditionE(mu, cond);
  __tsan_mutex_post_lock(mu, 0, 0);
}

// Mutex::ReaderLockWhen(const Condition&)
OPSBRAIN_WRAP(void, _ZN4absl7debian35Mutex14ReaderLockWhenERKNS0_9ConditionE,
              absl::Mutex* mu, const absl::Condition& cond) {
  __tsan_mutex_pre_lock(mu, __tsan_mutex_read_lock);
  __real__ZN4absl7debian35Mutex14ReaderLockWhenERKNS0_9ConditionE(mu, cond);
  __tsan_mutex_post_lock(mu, __tsan_mutex_read_lock, 0);
}

// Mutex::LockWhenWithTimeout(const Condition&, Duration): holds the mutex
// on return whatever the result.
OPSBRAIN_WRAP(
    bool,
    _ZN4absl7debian35Mutex19LockWhenWithTimeoutERKNS0_9ConditionENS0_8DurationE,
    absl::Mutex* mu, const absl::Condition& cond, absl::Duration timeout) {
  __tsan_mutex_pre_lock(mu, 0);
  const bool met =
      __real__ZN4absl7debian35Mutex19LockWhenWithTimeoutERKNS0_9ConditionENS0_8DurationE(
          mu, cond, timeout);
  __tsan_mutex_post_lock(mu, 0, 0);
  return met;
}

// Mutex::LockWhenWithDeadline(const Condition&, Time)
OPSBRAIN_WRAP(
    bool,
    _ZN4absl7debian35Mutex20LockWhenWithDeadlineERKNS0_9ConditionENS0_4TimeE,
    absl::Mutex* mu, const absl::Condition& cond, absl::Time deadline) {
  __tsan_mutex_pre_lock(mu, 0);
  const bool met =
      __real__ZN4absl7debian35Mutex20LockWhenWithDeadlineERKNS0_9ConditionENS0_4TimeE(
          mu, cond, deadline);
  __tsan_mutex_post_lock(mu, 0, 0);
  return met;
}

// Mutex::ReaderLockWhenWithTimeout(const Condition&, Duration)
OPSBRAIN_WRAP(
    bool,
    _ZN4absl7debian35Mutex25ReaderLockWhenWithTimeoutERKNS0_9ConditionENS0_8DurationE,
    absl::Mutex* mu, const absl::Condition& cond, absl::Duration timeout) {
  __tsan_mutex_pre_lock(mu, __tsan_mutex_read_lock);
  const bool met =
      __real__ZN4absl7debian35Mutex25ReaderLockWhenWithTimeoutERKNS0_9ConditionENS0_8DurationE(
          mu, cond, timeout);
  __tsan_mutex_post_lock(mu, __tsan_mutex_read_lock, 0);
  return met;
}

// Mutex::ReaderLockWhenWithDeadline(const Condition&, Time)
OPSBRAIN_WRAP(
    bool,
    _ZN4absl7debian35Mutex26ReaderLockWhenWithDeadlineERKNS0_9ConditionENS0_4TimeE,
    absl::Mutex* mu, const absl::Condition& cond, absl::Time deadline) {
  __tsan_mutex_pre_lock(mu, __tsan_mutex_read_lock);
  const bool met =
      __real__ZN4absl7debian35Mutex26ReaderLockWhenWithDeadlineERKNS0_9ConditionENS0_4TimeE(
          mu, cond, deadline);
  __tsan_mutex_post_lock(mu, __tsan_mutex_read_lock, 0);
  return met;
}

// Mutex::Await(const Condition&): may release the mutex and take it again,
// so it is an unlock followed by a lock in the mode it is held.
OPSBRAIN_WRAP(void, _ZN4absl7debian35Mutex5AwaitERKNS0_9ConditionE,
              absl::Mutex* mu, const absl::Condition& cond) {
  const unsigned mode = HeldModeFlags(mu);
  __tsan_mutex_pre_unlock(mu, mode);
  __tsan_mutex_post_unlock(mu, mode);
  __tsan_mutex_pre_lock(mu, mode);
  __real__ZN4absl7debian35Mutex5AwaitERKNS0_9ConditionE(mu, cond);
  __tsan_mutex_post_lock(mu, mode, 0);
}

// Mutex::AwaitWithTimeout(const Condition&, Duration)
OPSBRAIN_WRAP(
    bool,
    _ZN4absl7debian35Mutex16AwaitWithTimeoutERKNS0_9ConditionENS0_8DurationE,
    absl::Mutex* mu, const absl::Condition& cond, absl::Duration timeout) {
  const unsigned mode = HeldModeFlags(mu);
  __tsan_mutex_pre_unlock(mu, mode);
  __tsan_mutex_post_unlock(mu, mode);
  __tsan_mutex_pre_lock(mu, mode);
  const bool met =
      __real__ZN4absl7debian35Mutex16AwaitWithTimeoutERKNS0_9ConditionENS0_8DurationE(
          mu, cond, timeout);
  __tsan_mutex_post_lock(mu, mode, 0);
  return met;
}

// Mutex::AwaitWithDeadline(const Condition&, Time)
OPSBRAIN_WRAP(
    bool, _ZN4absl7debian35Mutex17AwaitWithDeadlineERKNS0_9ConditionENS0_4TimeE,
    absl::Mutex* mu, const absl::Condition& cond, absl::Time deadline) {
  const unsigned mode = HeldModeFlags(mu);
  __tsan_mutex_pre_unlock(mu, mode);
  __tsan_mutex_post_unlock(mu, mode);
  __tsan_mutex_pre_lock(mu, mode);
  const bool met =
      __real__ZN4absl7debian35Mutex17AwaitWithDeadlineERKNS0_9ConditionENS0_4TimeE(
          mu, cond, deadline);
  __tsan_mutex_post_lock(mu, mode, 0);
  return met;
}

// Mutex::~Mutex(), both the complete and the base object destructor:
// forget the mutex so a new one at the same address starts clean.
OPSBRAIN_WRAP(void, _ZN4absl7debian35MutexD1Ev, absl::Mutex* mu) {
  __tsan_mutex_destroy(mu, 0);
  __real__ZN4absl7debian35MutexD1Ev(mu);
}
OPSBRAIN_WRAP(void, _ZN4absl7debian35MutexD2Ev, absl::Mutex* mu) {
  __tsan_mutex_destroy(mu, 0);
  __real__ZN4absl7debian35MutexD2Ev(mu);
}

// ---- absl::CondVar ----------------------------------------------------------

// CondVar::Wait(Mutex*) and its timed forms release `mu` while waiting and
// hold it again on return.
OPSBRAIN_WRAP(void, _ZN4absl7debian37CondVar4WaitEPNS0_5MutexE,
              absl::CondVar* cv, absl::Mutex* mu) {
  const unsigned mode = HeldModeFlags(mu);
  __tsan_mutex_pre_unlock(mu, mode);
  __tsan_mutex_post_unlock(mu, mode);
  __tsan_mutex_pre_lock(mu, mode);
  __real__ZN4absl7debian37CondVar4WaitEPNS0_5MutexE(cv, mu);
  __tsan_mutex_post_lock(mu, mode, 0);
}

OPSBRAIN_WRAP(
    bool, _ZN4absl7debian37CondVar15WaitWithTimeoutEPNS0_5MutexENS0_8DurationE,
    absl::CondVar* cv, absl::Mutex* mu, absl::Duration timeout) {
  const unsigned mode = HeldModeFlags(mu);
  __tsan_mutex_pre_unlock(mu, mode);
  __tsan_mutex_post_unlock(mu, mode);
  __tsan_mutex_pre_lock(mu, mode);
  const bool timed_out =
      __real__ZN4absl7debian37CondVar15WaitWithTimeoutEPNS0_5MutexENS0_8DurationE(
          cv, mu, timeout);
  __tsan_mutex_post_lock(mu, mode, 0);
  return timed_out;
}

OPSBRAIN_WRAP(bool,
              _ZN4absl7debian37CondVar16WaitWithDeadlineEPNS0_5MutexENS0_4TimeE,
              absl::CondVar* cv, absl::Mutex* mu, absl::Time deadline) {
  const unsigned mode = HeldModeFlags(mu);
  __tsan_mutex_pre_unlock(mu, mode);
  __tsan_mutex_post_unlock(mu, mode);
  __tsan_mutex_pre_lock(mu, mode);
  const bool timed_out =
      __real__ZN4absl7debian37CondVar16WaitWithDeadlineEPNS0_5MutexENS0_4TimeE(
          cv, mu, deadline);
  __tsan_mutex_post_lock(mu, mode, 0);
  return timed_out;
}

// ---- absl::Notification -----------------------------------------------------

// Notify() releases what the notifying thread did; a successful wait (or an
// inline HasBeenNotified() that returns true) acquires it.
OPSBRAIN_WRAP(void, _ZN4absl7debian312Notification6NotifyEv,
              absl::Notification* n) {
  __tsan_release(n);
  __tsan_release(NotifiedYetAddress(n));
  __real__ZN4absl7debian312Notification6NotifyEv(n);
}

OPSBRAIN_WRAP(void, _ZNK4absl7debian312Notification19WaitForNotificationEv,
              const absl::Notification* n) {
  __real__ZNK4absl7debian312Notification19WaitForNotificationEv(n);
  __tsan_acquire(const_cast<absl::Notification*>(n));
}

OPSBRAIN_WRAP(
    bool,
    _ZNK4absl7debian312Notification30WaitForNotificationWithTimeoutENS0_8DurationE,
    const absl::Notification* n, absl::Duration timeout) {
  const bool notified =
      __real__ZNK4absl7debian312Notification30WaitForNotificationWithTimeoutENS0_8DurationE(
          n, timeout);
  if (notified) __tsan_acquire(const_cast<absl::Notification*>(n));
  return notified;
}

OPSBRAIN_WRAP(
    bool,
    _ZNK4absl7debian312Notification31WaitForNotificationWithDeadlineENS0_4TimeE,
    const absl::Notification* n, absl::Time deadline) {
  const bool notified =
      __real__ZNK4absl7debian312Notification31WaitForNotificationWithDeadlineENS0_4TimeE(
          n, deadline);
  if (notified) __tsan_acquire(const_cast<absl::Notification*>(n));
  return notified;
}

// ---- absl::BlockingCounter --------------------------------------------------

OPSBRAIN_WRAP(bool, _ZN4absl7debian315BlockingCounter14DecrementCountEv,
              absl::BlockingCounter* counter) {
  __tsan_release(counter);
  const bool zero =
      __real__ZN4absl7debian315BlockingCounter14DecrementCountEv(counter);
  if (zero) __tsan_acquire(counter);
  return zero;
}

OPSBRAIN_WRAP(void, _ZN4absl7debian315BlockingCounter4WaitEv,
              absl::BlockingCounter* counter) {
  __real__ZN4absl7debian315BlockingCounter4WaitEv(counter);
  __tsan_acquire(counter);
}

}  // extern "C"
