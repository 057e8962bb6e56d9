// AuditRecorder: the port through which the doors (S3, admin API) append
// to the audit log. It is all they see of it: they never open its files or
// build its records.
//
// record() returns once the record is written to the log file (so a crash
// of the process, kill -9 included, keeps it: it is in the kernel's page
// cache), and for a mutating event (AuditEvent::mutating) once it is also
// synced to the disk, so no change is acknowledged whose record a power
// loss could take away. The door calls it after the request was handled
// and before the answer goes out.
//
// Thread safety: record() may be called from any I/O thread at once.
#pragma once

#include "common/async.h"
#include "common/status.h"
#include "services/audit/audit_event.h"

namespace skyarray::services::audit {

class AuditRecorder {
 public:
  virtual ~AuditRecorder() = default;
  // Fails only when the log cannot be written (a full or failed disk); the
  // door then logs the error and answers anyway: the request has already
  // taken effect.
  virtual Task<Status> record(AuditEvent event) = 0;
};

}  // namespace skyarray::services::audit
