#include "services/audit/audit_archiver.h"

#include <spdlog/spdlog.h>

#include "common/ascii.h"
#include "common/file_util.h"
#include "common/runtime.h"
#include "services/audit/audit_archive.h"
#include "services/audit/audit_log.h"

namespace skyarray::services::audit {

namespace {

// The last segment stored; 0 when none was (or the state file is absent).
uint64_t read_archived(const std::string& path) {
  auto text = FileUtil::read_file(path, 64);
  if (!text.is_ok()) return 0;
  return parse_u64(trim(*text, " \n")).value_or(0);
}

}  // namespace

AuditArchiver::Progress AuditArchiver::progress() const {
  MutexLock lock(&mu_);
  return progress_;
}

Task<void> AuditArchiver::pass() {
  const std::string dir = log_.dir();
  const std::string state = dir + "/archived";
  const uint64_t archived = co_await runtime_.blocking([&] { return read_archived(state); });
  const uint64_t active = log_.active_segment();
  for (uint64_t n = archived + 1; n < active; ++n) {
    const std::string name = AuditLog::segment_name(n);
    Result<std::string> bytes = co_await runtime_.blocking(
        [&] { return FileUtil::read_file(dir + "/" + name, UINT64_MAX); });
    Status s = bytes.status();
    if (bytes.is_ok()) {
      s = co_await archive_.store(name, *bytes);
    } else if (s.code() == StatusCode::kNotFound) {
      // Removed by hand: nothing left to store (verify reports the gap).
      spdlog::warn("audit: {} is gone, not archived", name);
      s = Status::ok();
    }
    if (s.is_ok()) {
      s = co_await runtime_.blocking(
          [&] { return FileUtil::write_file_durably(state, std::to_string(n) + "\n", 0600); });
    }
    MutexLock lock(&mu_);
    if (!s.is_ok()) {
      if (progress_.last_error != s.to_string()) {
        spdlog::warn("audit: archiving {} failed (retried later): {}", name, s.to_string());
      }
      progress_.last_error = s.to_string();
      co_return;
    }
    progress_.archived = n;
    progress_.last_error.clear();
  }
}

}  // namespace skyarray::services::audit
