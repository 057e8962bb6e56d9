// Clang thread-safety annotations (https://clang.llvm.org/docs/
// ThreadSafetyAnalysis.html), as LevelDB uses them. Members guarded by a
// lock say so with GUARDED_BY(mu_); functions that expect the caller to hold
// it say REQUIRES(mu_). The `lint` build (clang, -Wthread-safety) checks
// them; other compilers see nothing.
#pragma once

#if defined(__clang__)
#define SKYARRAY_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define SKYARRAY_THREAD_ANNOTATION(x)
#endif

#define CAPABILITY(x) SKYARRAY_THREAD_ANNOTATION(capability(x))
#define SCOPED_CAPABILITY SKYARRAY_THREAD_ANNOTATION(scoped_lockable)
#define GUARDED_BY(x) SKYARRAY_THREAD_ANNOTATION(guarded_by(x))
#define PT_GUARDED_BY(x) SKYARRAY_THREAD_ANNOTATION(pt_guarded_by(x))
#define ACQUIRED_AFTER(...) SKYARRAY_THREAD_ANNOTATION(acquired_after(__VA_ARGS__))
#define ACQUIRED_BEFORE(...) SKYARRAY_THREAD_ANNOTATION(acquired_before(__VA_ARGS__))
#define REQUIRES(...) SKYARRAY_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define REQUIRES_SHARED(...) SKYARRAY_THREAD_ANNOTATION(requires_shared_capability(__VA_ARGS__))
#define ACQUIRE(...) SKYARRAY_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define ACQUIRE_SHARED(...) SKYARRAY_THREAD_ANNOTATION(acquire_shared_capability(__VA_ARGS__))
#define RELEASE(...) SKYARRAY_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define RELEASE_SHARED(...) SKYARRAY_THREAD_ANNOTATION(release_shared_capability(__VA_ARGS__))
#define RELEASE_GENERIC(...) SKYARRAY_THREAD_ANNOTATION(release_generic_capability(__VA_ARGS__))
#define TRY_ACQUIRE(...) SKYARRAY_THREAD_ANNOTATION(try_acquire_capability(__VA_ARGS__))
#define TRY_ACQUIRE_SHARED(...) \
  SKYARRAY_THREAD_ANNOTATION(try_acquire_shared_capability(__VA_ARGS__))
#define EXCLUDES(...) SKYARRAY_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define ASSERT_CAPABILITY(x) SKYARRAY_THREAD_ANNOTATION(assert_capability(x))
#define RETURN_CAPABILITY(x) SKYARRAY_THREAD_ANNOTATION(lock_returned(x))
#define NO_THREAD_SAFETY_ANALYSIS SKYARRAY_THREAD_ANNOTATION(no_thread_safety_analysis)
