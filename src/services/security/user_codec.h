// UserCodec: the stored forms of a user and of an access key, format
// version 1 (Boost.JSON, in the `users` column family; the layout of the
// keys and the sealing of secrets are UserStore's, see user_store.h):
//   user        {"v":1,"id","name","created_ns","root"}
//   access key  {"v":1,"key","user","created_ns","active",
//                "secret":<base64 of the sealed secret>}
// Decoding refuses anything else as kCorruption: a record is never half
// read.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "services/security/user_store.h"

namespace skyarray::services {

// An access key as stored: its secret sealed (SecretBox), never plaintext.
struct StoredAccessKey {
  AccessKey key;
  std::string sealed_secret;
};

class UserCodec {
 public:
  static std::string encode(const User& user);
  static Result<User> decode_user(std::string_view raw);

  static std::string encode(const StoredAccessKey& key);
  static Result<StoredAccessKey> decode_key(std::string_view raw);
};

}  // namespace skyarray::services
