// Admin routes for API bearer tokens (services/security/token_store.h):
//   POST   /admin/v1/tokens  {user, scope, ttl_seconds}  (201, {token, id, user,
//                            scope, created, expires}: the only time the token
//                            is shown)
//   GET    /admin/v1/tokens  {"tokens":[{id,user,scope,created,expires}...]}
//   DELETE /admin/v1/tokens/<id>  revokes the token at once
#pragma once

#include "protocols/admin/admin_module.h"

namespace skyarray::services {
class TokenStore;
}

namespace skyarray::admin {

class TokensAdmin : public AdminModule {
 public:
  explicit TokensAdmin(services::TokenStore& tokens) : tokens_(tokens) {}
  Task<std::optional<http::HttpResponse>> handle(const AdminCall& call) override;

 private:
  services::TokenStore& tokens_;
};

}  // namespace skyarray::admin
