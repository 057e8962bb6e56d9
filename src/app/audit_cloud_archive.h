// AuditCloudArchive: the audit log's archive (services/audit/audit_archive.h)
// over a cloud target of the cloud tier, named by `[audit] upload_target`:
// each sealed segment becomes the object <upload_prefix><segment name> in
// the target's bucket (after the target's own prefix), encrypted on the
// way when the target has a client-side encryption key, like every other
// upload to it.
//
// The target is looked up at each store, so it may be added (`skyarray
// admin cloud add`) after the box started; until it exists, stores fail and
// are retried.
#pragma once

#include <string>

#include "services/audit/audit_archive.h"
#include "services/cloud/cloud_target_pool.h"

namespace skyarray {
class Runtime;
}
namespace skyarray::services {
class CloudRegistry;
}

namespace skyarray::app {

class AuditCloudArchive : public services::audit::AuditArchive {
 public:
  AuditCloudArchive(Runtime& runtime, services::CloudRegistry& registry,
                    services::CloudTargetFactory factory, std::string target, std::string prefix)
      : runtime_(runtime),
        registry_(registry),
        factory_(std::move(factory)),
        target_(std::move(target)),
        prefix_(std::move(prefix)) {}

  Task<Status> store(const std::string& name, std::string& bytes) override;

 private:
  Runtime& runtime_;
  services::CloudRegistry& registry_;
  services::CloudTargetFactory factory_;
  const std::string target_;
  const std::string prefix_;
};

}  // namespace skyarray::app
