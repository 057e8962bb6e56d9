// Client-side encryption of cloud objects, format version 1: what the cloud
// stores for an object of a target with an encryption key.
//
// - Every object has its own random 256-bit data key (DEK), sealed with
//   SecretBox (AES-256-GCM, random nonce) under the target's key-encryption
//   key (KEK). The seal's AAD binds the KEK id, the object key (relative to
//   the target prefix), the segment size, the plaintext size and the nonce
//   prefix, so no field of the header can be altered or moved to another
//   object.
// - The plaintext is cut into segments of `segment_size` bytes (the last one
//   shorter; an empty object has one empty segment). Segment i is stored as
//   AES-256-GCM(DEK, nonce = 4-byte random prefix | big-endian i,
//   AAD = "skyarray-seg/1" | object key | i | last flag) ciphertext followed
//   by its 16-byte tag, the segments back to back. Reordered, swapped,
//   altered or cut segments fail authentication; a cut at a segment boundary
//   leaves a last segment without the last flag.
// - The header travels as user metadata (x-amz-meta-skyarray-enc-*):
//   "skyarray-enc" = "1", "-key-id", "-dek" (base64 sealed DEK), "-nonce"
//   (base64 prefix), "-segment", "-size" (plaintext bytes) and, for single
//   PUTs, "-md5" (the plaintext MD5 sealed under the DEK) so the local side
//   can check restored bytes end to end without the cloud seeing the digest.
//
// Keys, DEKs and plaintext never appear in logs or error messages.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "common/status.h"
#include "services/security/segment_cipher.h"

namespace skyarray::services {

inline constexpr uint64_t kEncryptSegmentSize = SegmentCipher::kSegmentSize;
inline constexpr uint64_t kEncryptTagSize = SegmentCipher::kTagSize;
inline constexpr size_t kEncryptKeySize = SegmentCipher::kKeySize;

// Ciphertext bytes of a `plain`-byte object.
inline uint64_t encrypted_size(uint64_t plain, uint64_t segment_size = kEncryptSegmentSize) {
  return SegmentCipher::sealed_size(plain, segment_size);
}
// Inverse of encrypted_size(); kCorruption when no plaintext size maps to
// `cipher`.
inline Result<uint64_t> plaintext_size(uint64_t cipher,
                                       uint64_t segment_size = kEncryptSegmentSize) {
  return SegmentCipher::plain_size(cipher, segment_size);
}

// A new random key id (16 hex digits) and KEK.
struct EncryptionKey {
  std::string id;
  std::string key;  // kEncryptKeySize raw bytes
};
EncryptionKey new_encryption_key();

// One object's header (DEK in the clear: memory only).
struct ObjectEncryption {
  std::string key_id;
  std::string dek;
  std::string nonce_prefix;  // 4 bytes
  uint64_t segment_size = kEncryptSegmentSize;
  uint64_t size = 0;       // plaintext bytes
  std::string object_key;  // relative to the target prefix

  // A fresh random DEK and nonce prefix.
  static ObjectEncryption create(const EncryptionKey& kek, std::string object_key, uint64_t size);
  // Reads the header from user metadata. kNotFound when the object is not
  // encrypted, kPermissionDenied when it names another KEK, kCorruption when
  // the header does not open under `kek`.
  static Result<ObjectEncryption> read(const std::map<std::string, std::string>& meta,
                                       const EncryptionKey& kek, std::string object_key);
  // Adds the header (DEK sealed under `kek`) to user metadata.
  Status write(const EncryptionKey& kek, std::map<std::string, std::string>* meta) const;
  // The compact form of the header used in multipart upload ids.
  Result<std::string> token(const EncryptionKey& kek) const;
  static Result<ObjectEncryption> from_token(std::string_view token, const EncryptionKey& kek,
                                             std::string object_key);

  uint64_t segment_count() const;
  uint64_t cipher_size() const { return encrypted_size(size, segment_size); }

  // Appends the sealed segments first_segment.. of `plain` (a whole number
  // of segments unless it reaches the end of the object) to `out`.
  Status seal(uint64_t first_segment, std::string_view plain, std::string* out) const;
  // Opens whole sealed segments starting at `first_segment`, appending the
  // plaintext to `out`. kCorruption when any fails authentication.
  Status open(uint64_t first_segment, std::string_view sealed, std::string* out) const;

  // The plaintext MD5 sealed under the DEK (metadata "-md5"), and back.
  Result<std::string> seal_digest(std::string_view md5) const;
  Result<std::string> open_digest(std::string_view sealed) const;
};

// True for user metadata keys that belong to the encryption header.
bool is_encryption_metadata(std::string_view key);

}  // namespace skyarray::services
