// UserStore: users and their access keys, for request authentication.
//
// Users and keys live in the `users` column family. A secret key is never
// stored in plaintext: it is sealed with AES-256-GCM under the array's master
// key, a 32-byte random file <data>/keys/master.key (mode 0600, created at the
// first start; directory 0700). Losing that file makes every stored secret
// unreadable, so it belongs in the operator's backup.
//
// Record formats (format version 1; see docs/SERVICES.md):
//   users  "U" <user id>      → the user (user_codec.h)
//   users  "K" <access key>   → the key, its secret sealed (user_codec.h)
//   users  "I" <user> <key>   → "" (index: the keys of a user)
//   sealed secret = 0x01 (version) | 12-byte nonce | ciphertext | 16-byte tag,
//                   AAD = the access key id (a sealed secret cannot be moved
//                   to another key).
//
// Threading: every method may be called concurrently from any I/O thread; the
// RocksDB work runs on the Runtime's blocking pool. lookup() is served from a
// small in-memory cache that revoke/delete invalidate.
//
// Secrets are never logged; Credential/NewAccessKey are the only places a
// plaintext secret exists, and only in memory.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/async.h"
#include "common/status.h"
#include "common/time.h"

namespace skyarray {
class Runtime;
class MetaStore;
}  // namespace skyarray

namespace skyarray::services {

struct User {
  std::string user_id;  // [A-Za-z0-9_.@+=,-]{1,64}
  std::string display_name;
  Timestamp created;
  bool root = false;
};

struct AccessKey {
  std::string access_key_id;  // 16–128 chars of [A-Z0-9]
  std::string user_id;
  Timestamp created;
  bool active = true;
};

// A key with its plaintext secret: returned once, at creation.
struct NewAccessKey {
  AccessKey key;
  std::string secret;
};

// What request authentication needs for one access key.
struct Credential {
  std::string access_key_id;
  std::string secret;
  std::string user_id;
  bool root = false;
};

class UserStore {
 public:
  static constexpr const char* kRootUserId = "root";
  static constexpr const char* kRootAccessKeyEnv = "SKYARRAY_ROOT_ACCESS_KEY";
  static constexpr const char* kRootSecretKeyEnv = "SKYARRAY_ROOT_SECRET_KEY";

  // Loads (or creates, 0600) <data_dir>/keys/master.key. Fails with
  // kCorruption if the file exists with the wrong size, kPermissionDenied if
  // it is readable by group/others. Blocking: call at startup.
  static Result<std::unique_ptr<UserStore>> open(Runtime& runtime, MetaStore& meta,
                                                 const std::string& data_dir);
  ~UserStore();
  UserStore(const UserStore&) = delete;
  UserStore& operator=(const UserStore&) = delete;

  // First start: creates the root user and its key from the environment
  // (both SKYARRAY_ROOT_ACCESS_KEY and SKYARRAY_ROOT_SECRET_KEY) or freshly
  // generated, and returns that pair so `serve` can show it once (and write
  // <data>/root-credentials, 0600). Later starts return nullopt. Blocking.
  Result<std::optional<NewAccessKey>> bootstrap_root();

  // kAlreadyExists / kInvalidArgument (bad id).
  Task<Result<User>> create_user(const std::string& user_id, const std::string& display_name);
  Task<Result<std::vector<User>>> list_users();
  Task<Result<User>> get_user(const std::string& user_id);
  // Deletes the user and revokes all its keys. The root user cannot be
  // deleted (kPermissionDenied).
  Task<Status> delete_user(const std::string& user_id);

  // A new key for an existing user; generated id and secret.
  Task<Result<NewAccessKey>> create_key(const std::string& user_id);
  // A key with a chosen id and secret (imports, root from the environment).
  Task<Result<NewAccessKey>> import_key(const std::string& user_id,
                                        const std::string& access_key_id,
                                        const std::string& secret);
  Task<Result<std::vector<AccessKey>>> list_keys(const std::string& user_id);
  // Removes the key; kNotFound if unknown. Effective for the next lookup.
  Task<Status> revoke_key(const std::string& access_key_id);

  // The secret and owner of an active key (SigV4 verification); unknown or
  // revoked → kUnauthenticated.
  Task<Result<Credential>> lookup(const std::string& access_key_id);

 private:
  struct Impl;
  explicit UserStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace skyarray::services
