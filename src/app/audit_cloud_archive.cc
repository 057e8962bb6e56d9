#include "app/audit_cloud_archive.h"

#include "common/checksum.h"
#include "common/runtime.h"
#include "services/cloud/cloud_registry.h"
#include "services/cloud/cloud_target.h"

namespace skyarray::app {

Task<Status> AuditCloudArchive::store(const std::string& name, std::string& bytes) {
  auto config = registry_.target(target_);
  if (!config) {
    co_return Status::not_found("no cloud target \"" + target_ + "\" ([audit] upload_target)");
  }
  auto target = factory_(runtime_.io(0), *config);
  if (!target.is_ok()) co_return target.status();
  auto md5 = Checksum::create(ChecksumAlgorithm::kMd5);
  if (!md5.is_ok()) co_return md5.status();
  (*md5)->update(bytes);
  const std::string digest = (*md5)->finish();
  const uint32_t crc = crc32c(0, bytes.data(), bytes.size());
  services::CloudObjectAttrs attrs;
  attrs.content_type = "application/x-ndjson";
  attrs.size = bytes.size();
  const std::string key = prefix_ + name;
  auto etag = co_await (*target)->put_object(key, attrs, bytes, digest, crc);
  co_return etag.status();
}

}  // namespace skyarray::app
