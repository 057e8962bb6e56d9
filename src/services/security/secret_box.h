// SecretBox: AES-256-GCM sealing of small secrets (access keys, cloud
// credentials) under the array's master key, a 32-byte random file
// <data>/keys/master.key (mode 0600, created at first start; a key file
// readable by others is refused).
//
// Sealed format, version 1:
//   0x01 (version) | 12-byte random nonce | ciphertext | 16-byte GCM tag
// The AAD names what the secret belongs to (an access key id, a cloud target
// name), so a sealed value cannot be moved to another record.
//
// Thread safety: const methods are safe to call concurrently.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace skyarray::services {

class SecretBox {
 public:
  // Loads (or creates, 0600) <data_dir>/keys/master.key. kPermissionDenied
  // when the file is readable by group/others, kCorruption when malformed.
  static Result<SecretBox> open_master(const std::string& data_dir);
  // A box over a given 32-byte key (tests, exported key files).
  static Result<SecretBox> from_key(std::string key);

  Result<std::string> seal(std::string_view plaintext, std::string_view aad) const;
  // kCorruption when the value was altered, sealed under another key or
  // with another AAD.
  Result<std::string> open(std::string_view sealed, std::string_view aad) const;

 private:
  explicit SecretBox(std::string key) : key_(std::move(key)) {}
  std::string key_;
};

}  // namespace skyarray::services
