// AuditArchive: where sealed audit segments are copied off the box (a
// cloud bucket), so that a copy out of reach of whoever controls the box
// can be checked against it (`skyarray admin audit verify --dir`).
//
// The audit service knows only this port; the app implements it over a
// cloud target (app/audit_cloud_archive.h) and AuditArchiver
// (audit_archiver.h) calls it for each sealed segment in order.
#pragma once

#include <string>

#include "common/async.h"
#include "common/status.h"

namespace skyarray::services::audit {

class AuditArchive {
 public:
  virtual ~AuditArchive() = default;
  // Stores `bytes` (consumed) as `name` ("segment-<16 hex>.log"); called
  // again with the same name after a failure, so storing twice must be
  // harmless.
  virtual Task<Status> store(const std::string& name, std::string& bytes) = 0;
};

}  // namespace skyarray::services::audit
