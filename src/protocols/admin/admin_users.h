// Admin routes for users and access keys (services/security/UserStore):
//   GET    /admin/v1/users                        {"users":[{user_id,display_name,created,root}]}
//   POST   /admin/v1/users        {user_id, display_name}
//   GET    /admin/v1/users/<user_id>
//   DELETE /admin/v1/users/<user_id>
//   GET    /admin/v1/users/<user_id>/keys         {"keys":[{access_key_id,user_id,created,active}]}
//   POST   /admin/v1/users/<user_id>/keys         → {access_key_id, ..., secret_access_key}
//   DELETE /admin/v1/keys/<access_key_id>
// A secret appears only in the answer that creates it.
#pragma once

#include "protocols/admin/admin_module.h"

namespace skyarray::services {
class UserStore;
}

namespace skyarray::admin {

class UsersAdmin : public AdminModule {
 public:
  explicit UsersAdmin(services::UserStore& users) : users_(users) {}
  Task<std::optional<http::HttpResponse>> handle(const AdminCall& call) override;

 private:
  services::UserStore& users_;
};

}  // namespace skyarray::admin
