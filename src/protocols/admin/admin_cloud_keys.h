// Admin routes for cloud targets' client-side encryption keys
// (services/cloud/encrypting_cloud_target.h):
//   GET /admin/v1/cloud/targets/<name>/key   {"target","key_id","key":<base64>}
//       (the key-encryption key, for the operator's offline key file)
//   PUT /admin/v1/cloud/targets/<name>/key   {"key_id","key":<base64>}
//       imports a key (restoring on a new array); kConflict when the target
//       already has a different key.
// Only root users reach the admin API; key material is never logged.
#pragma once

#include "protocols/admin/admin_module.h"

namespace skyarray::services {
class CloudSync;
}

namespace skyarray::admin {

class CloudKeysAdmin : public AdminModule {
 public:
  explicit CloudKeysAdmin(services::CloudSync& cloud) : cloud_(cloud) {}
  Task<std::optional<http::HttpResponse>> handle(const AdminCall& call) override;

 private:
  Task<http::HttpResponse> import_key(const AdminCall& call);
  services::CloudSync& cloud_;
};

}  // namespace skyarray::admin
