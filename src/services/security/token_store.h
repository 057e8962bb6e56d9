// TokenStore: issues, lists, revokes and checks API bearer tokens
// (api_token.h) in the `users` column family.
//
// verify() compares the secret's hash in constant time, and refuses
// expired, revoked and other-scope tokens alike (kUnauthenticated, one
// message: a caller learns nothing about which). Tokens are never logged.
//
// Threading: any I/O thread; RocksDB work on the Runtime's blocking pool.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "common/async.h"
#include "common/status.h"
#include "services/security/api_token.h"

namespace skyarray {
class Runtime;
class MetaStore;
}  // namespace skyarray

namespace skyarray::services {

class UserStore;

// A token at its creation: the only time the full token exists outside the
// client.
struct NewApiToken {
  ApiToken record;
  std::string token;
};

class TokenStore {
 public:
  // Scopes a token may have.
  static constexpr std::string_view kDicomWeb = "dicomweb";
  static constexpr std::chrono::seconds kMaxLifetime{std::chrono::hours(24 * 90)};

  TokenStore(Runtime& runtime, MetaStore& meta, UserStore& users);

  // kNotFound: no such user; kInvalidArgument: unknown scope, or a lifetime
  // not in (0, 90 days].
  Task<Result<NewApiToken>> create(const std::string& user_id, const std::string& scope,
                                   std::chrono::seconds lifetime);
  Task<Result<std::vector<ApiToken>>> list();
  // kNotFound when there is no such token.
  Task<Status> revoke(const std::string& id);
  // The token's record when `presented` is a live token of `scope`.
  Task<Result<ApiToken>> verify(std::string_view presented, std::string_view scope, Timestamp now);

 private:
  Runtime& rt_;
  MetaStore& meta_;
  UserStore& users_;
};

}  // namespace skyarray::services
