// KeyStore: the array's built-in key management service (KMS) for
// encryption at rest.
//
// A KMS key has an id (a UUID), a description, a state (enabled or
// disabled) and versions of key material: 32 random bytes each, sealed by
// the box key (SecretBox, <data>/keys/master.key) and kept in the `users`
// column family under "E" + id. Rotation adds a version; older versions
// stay, so data keys sealed under them still open until they are resealed
// (reseal()). Key material never leaves this class unsealed except inside
// the data keys it opens.
//
// Data keys (DEKs): every object has its own random 256-bit DEK, sealed
// under the newest version of a KMS key with an AAD that names what it
// belongs to. A disabled key seals and opens nothing (kKeyUnavailable), so
// its objects are unreadable until it is enabled again; nothing is lost.
//
// The key SSE-S3 uses (kS3KeyId) is created at first open.
//
// Threading: every method is safe from any thread; keys are cached in
// memory (there are few), and create/rotate/enable commit to the
// MetaStore (blocking: call them on the blocking pool).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/mutex.h"
#include "common/status.h"
#include "services/security/secret_box.h"

namespace skyarray {
class MetaStore;
}

namespace skyarray::services {

struct KmsKey {
  std::string id;
  std::string description;
  bool enabled = true;
  uint32_t versions = 1;  // rotation adds one; the newest seals new data keys
  int64_t created_ns = 0;
  int64_t rotated_ns = 0;  // 0: never rotated
};

// A DEK sealed under one version of a KMS key.
struct SealedDataKey {
  std::string key_id;
  uint32_t version = 0;  // 1-based
  std::string sealed;    // SecretBox format under that version's material
};

class KeyStore {
 public:
  // The SSE-S3 key's id.
  static constexpr std::string_view kS3KeyId = "00000000-0000-4000-8000-000000000053";

  // Loads every key (creates the SSE-S3 key on first open).
  static Result<std::unique_ptr<KeyStore>> open(MetaStore& meta, SecretBox box);

  // A new enabled key with one version.
  Result<KmsKey> create(const std::string& description);
  std::vector<KmsKey> list() const;
  // The key named by an id or a KMS ARN ending in "key/<id>";
  // kInvalidArgument when there is no such key.
  Result<KmsKey> describe(std::string_view id_or_arn) const;
  // Adds a version of key material; new data keys are sealed under it.
  // kKeyUnavailable for a disabled key.
  Result<KmsKey> rotate(const std::string& id);
  // A disabled key neither seals nor opens data keys.
  Result<KmsKey> set_enabled(const std::string& id, bool enabled);

  // A new random DEK (returned in `dek`) sealed under the newest version of
  // key `id` with `aad`. kInvalidArgument: no such key; kKeyUnavailable:
  // it is disabled.
  Result<SealedDataKey> new_data_key(std::string_view id_or_arn, std::string_view aad,
                                     std::string* dek) const;
  // `dek` (an existing data key) sealed under the newest version of key
  // `id` with `aad`; errors as new_data_key().
  Result<SealedDataKey> seal_data_key(std::string_view id_or_arn, std::string_view aad,
                                      const std::string& dek) const;
  // The DEK; kKeyUnavailable when the key is gone or disabled, kCorruption
  // when the sealed value or its AAD was altered.
  Result<std::string> open_data_key(const SealedDataKey& key, std::string_view aad) const;
  // The same DEK sealed under the key's newest version (no data rewritten).
  Result<SealedDataKey> reseal(const SealedDataKey& key, std::string_view aad) const;

 private:
  struct Entry {
    KmsKey key;
    std::vector<std::string> material;  // per version, unsealed
  };
  KeyStore(MetaStore& meta, SecretBox box) : meta_(meta), box_(std::move(box)) {}
  Status load();
  Result<KmsKey> add(std::string id, const std::string& description);
  // Persists `e` (sealing its material) and caches it.
  Status save(const Entry& e) EXCLUDES(mu_);
  // The box of version `version` (0: the newest) of an enabled key, one
  // lock held; `used` names the key and version.
  Result<SecretBox> version_box(std::string_view id_or_arn, uint32_t version,
                                SealedDataKey* used) const EXCLUDES(mu_);

  MetaStore& meta_;
  SecretBox box_;
  mutable Mutex mu_;
  std::map<std::string, Entry, std::less<>> keys_ GUARDED_BY(mu_);
  Mutex write_mu_;  // one create/rotate/enable at a time
};

}  // namespace skyarray::services
