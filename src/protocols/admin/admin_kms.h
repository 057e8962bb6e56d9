// Admin routes for the built-in KMS (services/security/key_store.h):
//   GET  /admin/v1/kms/keys                   {"keys":[{id,description,enabled,versions,
//                                             created,rotated}...]}
//   POST /admin/v1/kms/keys  {description}    201, the new key
//   POST /admin/v1/kms/keys/<id>/rotate       adds a version of key material, then
//                                             reseals every data key under it
//                                             ("resealed": how many; no data rewritten)
//   POST /admin/v1/kms/keys/<id>/disable      its objects become unreadable
//   POST /admin/v1/kms/keys/<id>/enable       and readable again
// Key material never leaves the key store.
#pragma once

#include <functional>
#include <string>

#include "protocols/admin/admin_module.h"

namespace skyarray {
class Runtime;
}
namespace skyarray::services {
class KeyStore;
}

namespace skyarray::admin {

// Reseals the data keys of a rotated key (the object service's
// DataKeyRotation): how many changed.
using ResealDataKeys = std::function<Task<Result<uint64_t>>(const std::string& key_id)>;

class KmsAdmin : public AdminModule {
 public:
  KmsAdmin(Runtime& runtime, services::KeyStore& keys, ResealDataKeys reseal)
      : rt_(runtime), keys_(keys), reseal_(std::move(reseal)) {}
  Task<std::optional<http::HttpResponse>> handle(const AdminCall& call) override;

 private:
  Runtime& rt_;
  services::KeyStore& keys_;
  ResealDataKeys reseal_;
};

}  // namespace skyarray::admin
