// AuditArchiver: copies each sealed audit segment to an AuditArchive once,
// oldest first.
//
// State: <audit dir>/archived holds the number of the last segment stored
// (written durably after each store), so a restart resumes with the next
// one; segments are stored in order and a failed store is retried on the
// next pass, never skipped. The segment being written is never stored.
//
// Threading: pass() runs on one event loop at a time (the caller runs it
// periodically); file work goes to the Runtime's blocking pool.
#pragma once

#include <cstdint>
#include <string>

#include "common/async.h"
#include "common/mutex.h"
#include "common/status.h"

namespace skyarray {
class Runtime;
}

namespace skyarray::services::audit {

class AuditArchive;
class AuditLog;

class AuditArchiver {
 public:
  AuditArchiver(Runtime& runtime, AuditLog& log, AuditArchive& archive)
      : runtime_(runtime), log_(log), archive_(archive) {}

  // Stores every sealed segment not stored yet; stops at the first failure.
  Task<void> pass();

  struct Progress {
    uint64_t archived = 0;  // last segment stored (0: none)
    std::string last_error;
  };
  Progress progress() const;

 private:
  Runtime& runtime_;
  AuditLog& log_;
  AuditArchive& archive_;
  mutable Mutex mu_;
  Progress progress_ GUARDED_BY(mu_);
};

}  // namespace skyarray::services::audit
