// Stored records of the object service and the keys they live under.
//
// Keys (meta/key_codec.h pieces, format version 1):
//   buckets  "B" str(bucket)                         → BucketRecord
//   objects  "L" str(bucket) str(key)                → ObjectRecord of the latest
//                                                      version, absent when the
//                                                      latest is a delete marker
//   objects  "V" str(bucket) str(key) inv_u64(seq)   → ObjectRecord of every
//                                                      version and delete marker,
//                                                      newest first
//   uploads  "M" str(bucket) str(key) str(upload id) → UploadRecord
//   uploads  "P" str(bucket) str(key) str(upload id) u64(part) → PartRecord
//   counters "S" str(bucket) "o" | "b"              → live objects | bytes
//   buckets  "Y" str(bucket)                         → lifecycle progress
//                                                      (object_lifecycle.h)
// ListObjects scans "L", ListObjectVersions scans "V", both as range scans
// from str(bucket) + str_prefix(prefix).
//
// Values: each record starts with a format version byte (1) and is encoded
// with record_codec.h; decode() rejects other versions, truncation and
// trailing bytes with kCorruption. Field order is documented in
// docs/SERVICES.md. Access extension (still version 1, written only when
// set, so older records keep their bytes): BucketRecord ends with bytes
// policy + ACL, ObjectRecord and UploadRecord with an ACL; an ACL is varint
// n × {u8 grantee (0 user, 1 AllUsers, 2 AuthenticatedUsers), bytes user id,
// u8 permission bits (1 READ, 2 WRITE, 4 READ_ACP, 8 WRITE_ACP, 15 FULL)}.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "services/objects/lifecycle_configuration.h"
#include "services/objects/object_types.h"
#include "store/blob_ref.h"

namespace skyarray::services {

inline constexpr uint8_t kRecordVersion = 1;

// Version ids: 16 lowercase hex digits of the version's seq, or "null".
std::string version_id_of(uint64_t seq, bool null_version);
// nullopt for "null"; kNoSuchVersion for anything that is not a version id.
Result<std::optional<uint64_t>> parse_version_id(std::string_view id);

// How a version's bytes are sealed on the drives (object_sse.h). The
// record holds no key in the clear: the data key is sealed under a KMS key
// version (kS3/kKms) or under the client's key (kCustomer).
struct SseRecord {
  SseMode mode = SseMode::kNone;
  std::string key_id;        // kS3/kKms: key store key
  uint32_t key_version = 0;  // kS3/kKms: the version that sealed the data key
  std::string sealed_dek;
  std::string kms_context;
  bool bucket_key = false;
  // One random salt per run of segments: per part of a multipart object
  // (in part order), else one. A run's key derives from the data key and
  // its salt, so no two runs share a key and nonce.
  std::vector<std::string> salts;

  bool empty() const { return mode == SseMode::kNone; }
  SseInfo info() const { return {mode, key_id, kms_context, bucket_key}; }
};

struct BucketRecord {
  std::string owner;
  std::string region;
  int64_t created_ns = 0;
  VersioningState versioning = VersioningState::kUnversioned;
  TagSet tags;
  std::vector<CorsRule> cors;
  std::string policy;  // bucket policy JSON as given (validated); empty: none
  AccessControlList acl;
  std::optional<PublicAccessBlock> public_access_block;  // none: every setting off
  std::optional<ObjectOwnership> ownership;              // none: ACLs enabled
  ObjectLockConfiguration object_lock;                   // not enabled: none
  std::optional<LifecycleConfiguration> lifecycle;       // none: no lifecycle rules
  BucketEncryption encryption;                           // kNone: no default

  std::string encode() const;
  static Result<BucketRecord> decode(std::string_view bytes);
};

struct ObjectRecord {
  uint64_t seq = 0;  // orders versions of a key; newest is largest
  bool null_version = false;
  bool delete_marker = false;
  bool appendable = false;
  bool evicted = false;  // bytes only in the cloud tier; `blob` is empty
  int64_t mtime_ns = 0;
  uint64_t size = 0;
  std::string etag;
  std::string owner;
  std::string storage_class = "STANDARD";
  ContentHeaders content;
  std::map<std::string, std::string> user_metadata;
  TagSet tags;
  std::optional<ObjectChecksum> checksum;
  std::vector<ObjectPart> parts;
  BlobRef blob;
  AccessControlList acl;
  // The multipart upload that made this version (flag 16); empty otherwise.
  // Lets a repeated CompleteMultipartUpload answer as the first one did.
  std::string upload_id;
  // Object Lock retention and legal hold (flag 32); empty: none.
  ObjectLock lock;
  // Encryption at rest (flag 64); empty: plaintext on the drives.
  SseRecord sse;

  std::string version_id() const { return version_id_of(seq, null_version); }
  ObjectInfo to_info(const std::string& bucket, const std::string& key, bool is_latest) const;

  std::string encode() const;
  static Result<ObjectRecord> decode(std::string_view bytes);
};

struct UploadRecord {
  std::string owner;
  int64_t initiated_ns = 0;
  std::string storage_class = "STANDARD";
  ContentHeaders content;
  std::map<std::string, std::string> user_metadata;
  TagSet tags;
  std::optional<ChecksumAlgorithm> checksum_algorithm;
  ChecksumType checksum_type = ChecksumType::kComposite;
  AccessControlList acl;  // given to the completed object
  ObjectLock lock;        // given to the completed object
  SseRecord sse;          // the completed object's (no salts: each part has its own)

  std::string encode() const;
  static Result<UploadRecord> decode(std::string_view bytes);
};

struct PartRecord {
  uint64_t size = 0;
  std::string etag;  // hex MD5
  std::optional<ObjectChecksum> checksum;
  int64_t mtime_ns = 0;
  BlobRef blob;
  std::string sse_salt;  // the part's run salt in an encrypted upload; empty: none

  std::string encode() const;
  static Result<PartRecord> decode(std::string_view bytes);
};

// Key builders (see the table above).
namespace keys {
std::string bucket(std::string_view bucket);
std::string buckets_begin();
std::string latest(std::string_view bucket, std::string_view key);
// Every latest key of `bucket` whose object key starts with `prefix`.
std::string latest_prefix(std::string_view bucket, std::string_view prefix);
std::string version(std::string_view bucket, std::string_view key, uint64_t seq);
std::string versions_of(std::string_view bucket, std::string_view key);
std::string versions_prefix(std::string_view bucket, std::string_view prefix);
std::string upload(std::string_view bucket, std::string_view key, std::string_view upload_id);
std::string uploads_prefix(std::string_view bucket, std::string_view key_prefix);
std::string part(std::string_view bucket, std::string_view key, std::string_view upload_id,
                 uint32_t number);
std::string parts_of(std::string_view bucket, std::string_view key, std::string_view upload_id);
std::string objects_counter(std::string_view bucket);
std::string bytes_counter(std::string_view bucket);

// Parsers: false when the key is not of that kind.
bool parse_bucket(std::string_view k, std::string* bucket);
bool parse_latest(std::string_view k, std::string* bucket, std::string* key);
bool parse_version(std::string_view k, std::string* bucket, std::string* key, uint64_t* seq);
bool parse_upload(std::string_view k, std::string* bucket, std::string* key,
                  std::string* upload_id);
bool parse_part(std::string_view k, uint32_t* number);
}  // namespace keys

}  // namespace skyarray::services
