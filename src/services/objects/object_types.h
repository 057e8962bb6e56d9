// Value types of the object service: what callers pass in and get back.
//
// Protocol-neutral: no HTTP header names, no XML. The S3 front end (and the
// NFS/FTP/DICOM front ends) translate their wire formats into these types.
// Digests are raw bytes (an MD5 is 16 bytes, a CRC32C 4 bytes big-endian);
// the wire layer hex- or base64-encodes them.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/checksum.h"
#include "common/time.h"
#include "services/security/access_control_list.h"
#include "services/security/object_ownership.h"
#include "services/security/public_access_block.h"

namespace skyarray::services {

// Who is asking. Every bucket has one owner; a request on a bucket owned by
// somebody else fails with kPermissionDenied unless `authorized` is set.
// `system` is for internal workers (cloud tier, lifecycle, admin API) that act
// on every bucket; front ends never set it from a request.
// `authorized`: the front end has granted this request through the bucket's
// policy or ACLs (services/security/authorizer.h), so the owner check is
// skipped for it. user_id may then be empty (an anonymous request).
struct Caller {
  std::string user_id;
  bool system = false;
  bool authorized = false;
};

// ---------------------------------------------------------------- buckets

enum class VersioningState : uint8_t {
  kUnversioned = 0,  // never enabled: puts replace the "null" version
  kEnabled = 1,      // every put creates a new version
  kSuspended = 2,    // puts replace the "null" version; old versions stay
};

// One CORS rule, stored as given (validated: at least one origin and one
// method from GET/PUT/POST/DELETE/HEAD; at most one '*' per origin).
struct CorsRule {
  std::string id;
  std::vector<std::string> allowed_origins;  // may contain one '*' wildcard each
  std::vector<std::string> allowed_methods;  // upper case
  std::vector<std::string> allowed_headers;  // may contain '*' wildcards
  std::vector<std::string> expose_headers;
  std::optional<int64_t> max_age_seconds;
};

using TagSet = std::map<std::string, std::string>;

// ---------------------------------------------------------------- object lock

// S3 Object Lock retention modes. GOVERNANCE: removed, shortened or the
// version deleted only by a caller allowed to bypass it (S3's
// s3:BypassGovernanceRetention with x-amz-bypass-governance-retention).
// COMPLIANCE: by nobody, root and system callers included, until the date;
// it can only be extended.
enum class RetentionMode : uint8_t { kNone = 0, kGovernance = 1, kCompliance = 2 };

// An object version's lock: a retention (mode + retain-until date) and a
// legal hold, independent of each other. A version is protected while its
// retention date is in the future (by the retention clock) or its legal
// hold is on.
struct ObjectLock {
  RetentionMode mode = RetentionMode::kNone;
  int64_t retain_until_ns = 0;  // with a mode; ns since the epoch
  bool legal_hold = false;

  bool empty() const { return mode == RetentionMode::kNone && !legal_hold; }
  bool retained_at(int64_t now_ns) const {
    return mode != RetentionMode::kNone && retain_until_ns > now_ns;
  }
  bool protected_at(int64_t now_ns) const { return legal_hold || retained_at(now_ns); }
  bool operator==(const ObjectLock&) const = default;
};

// A bucket's Object Lock configuration. Enabled only at bucket creation
// (x-amz-bucket-object-lock-enabled) or on a versioned bucket, never
// disabled; versioning then stays Enabled. The default retention, when
// set, is given to every new version that does not name its own.
struct ObjectLockConfiguration {
  bool enabled = false;
  RetentionMode default_mode = RetentionMode::kNone;  // kNone: no default retention
  uint32_t default_days = 0;                          // exactly one of days, years
  uint32_t default_years = 0;
};

// ---------------------------------------------------------------- encryption

// Encryption at rest of a version's bytes (services/objects/object_sse.h):
// S3's SSE-S3 (the array's own key), SSE-KMS (a key of the key store,
// services/security/key_store.h) and SSE-C (a key the client sends with
// every request; the array never stores it).
enum class SseMode : uint8_t { kNone = 0, kS3 = 1, kKms = 2, kCustomer = 3 };

// What a write asks for. kNone: the bucket's default encryption, if any.
struct SseRequest {
  SseMode mode = SseMode::kNone;
  std::string kms_key_id;    // kKms: a key id or ARN; empty: the SSE-S3 key
  std::string kms_context;   // kKms: the encryption context as sent (bound to the data key)
  bool bucket_key = false;   // kKms/kS3: echoed; every object has its own data key anyway
  std::string customer_key;  // kCustomer: 32 raw bytes, memory only
};

// How a version (or an upload) is encrypted, as callers see it: no secrets.
struct SseInfo {
  SseMode mode = SseMode::kNone;
  std::string kms_key_id;  // kS3/kKms: the key store key
  std::string kms_context;
  bool bucket_key = false;
};

// What a rewrite of a version (a files-service metadata change, a whole
// rewrite) asks for to stay encrypted as it was: SSE-S3 and SSE-KMS carry
// over; SSE-C cannot (the array does not hold the key), nor plaintext.
inline SseRequest same_encryption(const SseInfo& info) {
  SseRequest r;
  if (info.mode == SseMode::kS3 || info.mode == SseMode::kKms) {
    r.mode = info.mode;
    r.kms_key_id = info.kms_key_id;
    r.kms_context = info.kms_context;
    r.bucket_key = info.bucket_key;
  }
  return r;
}

// A bucket's default encryption (PutBucketEncryption): kS3 or kKms for
// every new version that does not ask for its own; kNone: not configured.
struct BucketEncryption {
  SseMode mode = SseMode::kNone;
  std::string kms_key_id;  // kKms; empty: the SSE-S3 key
  bool bucket_key = false;
  bool operator==(const BucketEncryption&) const = default;
};

struct BucketInfo {
  std::string name;
  std::string owner;   // user id
  std::string region;  // LocationConstraint; empty = the service's default region
  Timestamp created;
  VersioningState versioning = VersioningState::kUnversioned;
  ObjectLockConfiguration object_lock;
  // Live counters, updated in the same metadata batch as each change:
  // objects = current (latest, non-delete-marker) object count;
  // bytes = logical bytes of all stored versions.
  uint64_t objects = 0;
  uint64_t bytes = 0;
};

struct CreateBucketOptions {
  std::string region;                        // LocationConstraint; empty = default region
  AccessControlList acl;                     // x-amz-acl / x-amz-grant-* at creation
  std::optional<ObjectOwnership> ownership;  // x-amz-object-ownership
  bool object_lock_enabled = false;          // x-amz-bucket-object-lock-enabled: versioning on
};

// ---------------------------------------------------------------- objects

// Standard content headers, stored and returned as given.
struct ContentHeaders {
  std::string content_type;  // empty → "binary/octet-stream" is returned by S3
  std::string content_encoding;
  std::string content_disposition;
  std::string content_language;
  std::string cache_control;
  std::string expires;  // the client's string, kept verbatim
};

// A checksum of a whole object (or part). For multipart objects `composite`
// is true and `digest` is the checksum of the concatenated part digests,
// rendered by S3 as "<base64>-<parts>".
struct ObjectChecksum {
  ChecksumAlgorithm algorithm = ChecksumAlgorithm::kCrc32c;
  std::string digest;  // raw bytes, checksum_digest_size(algorithm) long
  bool composite = false;
  uint32_t parts = 0;  // when composite
};

// One part of a multipart object, or one appended segment.
struct ObjectPart {
  uint32_t number = 0;  // 1-based
  uint64_t size = 0;
  std::string etag;  // hex MD5 of the part, no quotes
  std::optional<ObjectChecksum> checksum;
};

// Everything known about one object version.
struct ObjectInfo {
  std::string bucket;
  std::string key;
  std::string version_id;  // "null" for the null version
  bool is_latest = false;
  bool delete_marker = false;
  uint64_t size = 0;
  // Hex, no quotes: MD5 for simple objects, "<md5 of md5s>-<N>" for multipart
  // and appended objects.
  std::string etag;
  Timestamp last_modified;
  std::string owner;
  std::string storage_class = "STANDARD";
  ContentHeaders content;
  std::map<std::string, std::string> user_metadata;  // keys lower-case, no prefix
  size_t tag_count = 0;
  std::optional<ObjectChecksum> checksum;
  // Parts of a multipart object or segments of an appended one; empty for a
  // simple object.
  std::vector<ObjectPart> parts;
  bool appendable = false;  // created or extended by an append
  // The bytes were evicted to the cloud tier: reads stream from there.
  bool evicted = false;
  ObjectLock lock;  // Object Lock retention and legal hold of this version
  SseInfo sse;      // how the bytes are encrypted on the drives
};

// Valid storage classes: STANDARD, REDUCED_REDUNDANCY, STANDARD_IA,
// ONEZONE_IA, INTELLIGENT_TIERING, GLACIER, GLACIER_IR, DEEP_ARCHIVE.
bool is_valid_storage_class(const std::string& storage_class);

// Conditions on the current version, evaluated atomically with the operation.
// ETag lists hold unquoted ETags; "*" matches any existing object. Dates are
// compared at one-second precision, as HTTP dates are.
// Precedence follows RFC 9110 and S3: If-Match decides over
// If-Unmodified-Since, If-None-Match decides over If-Modified-Since.
struct Conditions {
  std::vector<std::string> if_match;
  std::vector<std::string> if_none_match;
  std::optional<Timestamp> if_modified_since;
  std::optional<Timestamp> if_unmodified_since;

  bool empty() const {
    return if_match.empty() && if_none_match.empty() && !if_modified_since && !if_unmodified_since;
  }
};

// How a multipart upload's checksum covers the object (S3's
// x-amz-checksum-type): COMPOSITE is the checksum of the parts' checksums,
// shown as "<base64>-<N>"; FULL_OBJECT is the CRC of the whole object, built
// from the parts' CRCs (CRC32, CRC32C and CRC64NVME only).
enum class ChecksumType : uint8_t { kComposite, kFullObject };

// A new version made of the current one's bytes with ranges replaced: the
// version is the concatenation of `pieces`, each taken either from the
// current version (at `base_offset`, shared: no byte is copied or written)
// or, in order, from the bytes given to the writer. So rewriting a few
// ranges of a large object writes only those ranges; to keep the object's
// chunks whole, replace whole aligned windows of
// ObjectWrites::patch_granularity() bytes.
struct PatchPiece {
  bool from_base = false;
  uint64_t base_offset = 0;  // from_base: where in the current version
  uint64_t length = 0;
};

struct ObjectPatch {
  // The version patched: the commit fails with kPreconditionFailed unless
  // the current version still has this ETag and size (equal ETag and size
  // mean equal bytes), and with kNotSupported when its bytes are evicted.
  std::string base_etag;
  uint64_t base_size = 0;
  std::vector<PatchPiece> pieces;
};

// What a new object version carries besides its bytes.
struct PutOptions {
  ContentHeaders content;
  std::map<std::string, std::string> user_metadata;
  TagSet tags;
  std::string storage_class = "STANDARD";
  // Known length (Content-Length); commit fails with kInvalidArgument when the
  // bytes written differ. Also lets small objects go inline directly.
  std::optional<uint64_t> expected_size;
  // Raw 16-byte MD5 from Content-MD5: mismatch at commit → kBadDigest.
  std::optional<std::string> expected_md5;
  // Compute and store this checksum (x-amz-checksum-algorithm / -<name>).
  std::optional<ChecksumAlgorithm> checksum_algorithm;
  // Expected value of that checksum (raw); may instead be given to the writer
  // later (trailers). Mismatch at commit → kBadDigest.
  std::optional<std::string> expected_checksum;
  // Multipart uploads only: how the object's checksum covers it. Default
  // (nullopt): FULL_OBJECT for CRC64NVME, COMPOSITE for the others.
  std::optional<ChecksumType> checksum_type;
  // Write conditions, checked at commit against the current version:
  // If-None-Match: * → kPreconditionFailed if the key exists;
  // If-Match: etag → kPreconditionFailed if it differs, kNotFound if absent.
  std::vector<std::string> if_match;
  std::vector<std::string> if_none_match;
  // Append: the bytes are added at this offset, which must equal the current
  // length (0 creates the object); otherwise kPositionMismatch (call
  // head_object for the current length). Appending to a non-appendable object
  // (one written by a normal put or multipart) is allowed only at its end.
  std::optional<uint64_t> append_position;
  // Patch: the version is the current one with ranges replaced by the
  // written bytes (ObjectPatch). Not with append_position or multipart; the
  // new version's ETag is opaque ("<hex>-1"), it keeps no whole-object
  // checksum, and the written bytes must add up to the written pieces
  // (else kInvalidArgument).
  std::optional<ObjectPatch> patch;
  // Grants stored with the new version (x-amz-acl / x-amz-grant-*); empty is
  // the canned "private".
  AccessControlList acl;
  // Object Lock of the new version (x-amz-object-lock-*): only in a bucket
  // with Object Lock (kInvalidArgument otherwise); a retention date must be
  // in the future. Without a mode the bucket's default retention applies.
  ObjectLock lock;
  // Encryption at rest. An upload part gives only customer_key (SSE-C
  // uploads), the upload decides the rest. Not with append_position or
  // patch on an encrypted object (kNotSupported).
  SseRequest sse;
};

// An object version as another array had it (restore from the cloud tier).
struct ImportedObject {
  std::string version_id;  // kept when valid ("null" or 16 hex digits); empty: new
  bool delete_marker = false;
  uint64_t size = 0;
  std::string etag;  // hex, no quotes
  int64_t mtime_ns = 0;
  std::string owner;
  ContentHeaders content;
  std::map<std::string, std::string> user_metadata;
  TagSet tags;
  ObjectLock lock;  // kept as the other array had it
};

// A byte range [first, last]; last = nullopt means to the end. A suffix
// range ("the last N bytes") is {suffix = N}.
struct ByteRange {
  std::optional<uint64_t> first;
  std::optional<uint64_t> last;
  std::optional<uint64_t> suffix;
};

struct GetOptions {
  std::optional<std::string> version_id;
  std::optional<ByteRange> range;       // kOutOfRange when unsatisfiable
  std::optional<uint32_t> part_number;  // mutually exclusive with range
  Conditions conditions;                // failure → kPreconditionFailed / kNotModified
  // HEAD: the reader carries the version's info and the resolved range but
  // opens no data, so an evicted version costs no cloud request and is not
  // counted as a read by the cache.
  bool metadata_only = false;
  // SSE-C: the key the version was written with (32 raw bytes). Missing for
  // an SSE-C version → kInvalidArgument; another key → kPermissionDenied;
  // given for a version that is not SSE-C → kInvalidArgument.
  std::string customer_key;
};

enum class MetadataDirective : uint8_t { kCopy, kReplace };

struct CopyOptions {
  std::optional<std::string> source_version_id;
  // Source conditions (x-amz-copy-source-if-*): every failure, including a
  // not-modified one, is kPreconditionFailed.
  Conditions source_conditions;
  MetadataDirective metadata_directive = MetadataDirective::kCopy;
  MetadataDirective tagging_directive = MetadataDirective::kCopy;
  // Used when the matching directive is kReplace (tags: tagging_directive).
  PutOptions replace;
  // Destination write conditions (If-Match / If-None-Match on the target).
  std::vector<std::string> if_match;
  std::vector<std::string> if_none_match;
  // SSE-C key of the source (x-amz-copy-source-server-side-encryption-
  // customer-key); the destination's encryption is replace.sse.
  std::string source_customer_key;
  // The copy is encrypted as its source is (SSE-S3/KMS), whatever
  // replace.sse and the bucket default say: renames and metadata changes
  // of the files service.
  bool keep_source_encryption = false;
};

// Conditions are evaluated on the current version, whatever version_id
// names (as S3's conditional deletes): If-Match fails with kNotFound when
// there is none; last-modified time (second precision) and size pass then.
struct DeleteOptions {
  std::optional<std::string> version_id;
  // The caller may remove a version under GOVERNANCE retention (S3: the
  // bypass header and s3:BypassGovernanceRetention, checked by the front
  // end). Nothing removes one under COMPLIANCE or legal hold.
  bool bypass_governance = false;
  std::vector<std::string> if_match;
  std::optional<Timestamp> if_match_last_modified;
  std::optional<uint64_t> if_match_size;
};

struct DeleteResult {
  std::string version_id;      // version removed, or of the marker created
  bool delete_marker = false;  // a delete marker was created or removed
};

// ---------------------------------------------------------------- listing

// ListObjects (V1 and V2). Results are in key byte order.
struct ListObjectsOptions {
  std::string prefix;
  std::string delimiter;  // empty: no grouping
  // Exclusive lower bound: V1 marker, V2 start-after.
  std::string start_after;
  // Opaque token from a previous ListObjectsResult; overrides start_after.
  std::string continuation_token;
  uint32_t max_keys = 1000;  // capped at 1000; 0 returns nothing, not truncated
  // Fill each object's user_metadata (the files service reads POSIX
  // attributes from it); S3 listings leave it empty.
  bool with_metadata = false;
};

struct ListObjectsResult {
  std::vector<ObjectInfo> objects;  // parts not filled; metadata only when asked
  std::vector<std::string> common_prefixes;
  bool is_truncated = false;
  // Last key or common prefix returned (V1 NextMarker).
  std::string next_marker;
  // Opaque; pass back as ListObjectsOptions::continuation_token.
  std::string next_continuation_token;
};

struct ListVersionsOptions {
  std::string prefix;
  std::string delimiter;
  std::string key_marker;
  std::string version_id_marker;  // only with key_marker
  uint32_t max_keys = 1000;
};

struct ListVersionsResult {
  // Newest first within a key; delete markers have delete_marker = true.
  std::vector<ObjectInfo> versions;
  std::vector<std::string> common_prefixes;
  bool is_truncated = false;
  std::string next_key_marker;
  std::string next_version_id_marker;
};

// ---------------------------------------------------------------- multipart

struct MultipartUpload {
  std::string bucket;
  std::string key;
  std::string upload_id;
  std::string owner;
  Timestamp initiated;
  std::string storage_class;
  std::optional<ChecksumAlgorithm> checksum_algorithm;
  ChecksumType checksum_type = ChecksumType::kComposite;  // with checksum_algorithm
  SseInfo sse;
};

// CompleteMultipartUpload's options besides the part list.
struct CompleteOptions {
  // Write conditions on the key, as for put.
  std::vector<std::string> if_match;
  std::vector<std::string> if_none_match;
  // The object's checksum as the client computed it (x-amz-checksum-<alg>,
  // raw digest; for COMPOSITE without the "-N"): kBadDigest when it differs.
  std::optional<ChecksumAlgorithm> checksum_algorithm;
  std::optional<std::string> expected_checksum;
  // x-amz-checksum-type: kInvalidArgument when it is not the upload's.
  std::optional<ChecksumType> checksum_type;
};

// A part named in CompleteMultipartUpload.
struct CompletedPart {
  uint32_t number = 0;
  std::string etag;                     // unquoted
  std::optional<std::string> checksum;  // raw, when the upload has an algorithm
};

struct ListPartsOptions {
  uint32_t part_number_marker = 0;
  uint32_t max_parts = 1000;
};

struct ListPartsResult {
  MultipartUpload upload;
  std::vector<ObjectPart> parts;              // ascending
  std::vector<Timestamp> part_last_modified;  // parallel to parts
  bool is_truncated = false;
  uint32_t next_part_number_marker = 0;
};

struct ListUploadsOptions {
  std::string prefix;
  std::string delimiter;
  std::string key_marker;
  std::string upload_id_marker;
  uint32_t max_uploads = 1000;
};

struct ListUploadsResult {
  std::vector<MultipartUpload> uploads;  // by key, then initiation time
  std::vector<std::string> common_prefixes;
  bool is_truncated = false;
  std::string next_key_marker;
  std::string next_upload_id_marker;
};

// Multipart limits (S3's).
inline constexpr uint32_t kMaxParts = 10000;
inline constexpr uint64_t kMinPartSize = 5ull << 20;  // all parts but the last
inline constexpr uint64_t kMaxPartSize = 5ull << 30;
inline constexpr size_t kMaxKeyLength = 1024;  // bytes of UTF-8
inline constexpr size_t kMaxTags = 10;
inline constexpr size_t kMaxUserMetadataBytes = 2048;  // keys + values (S3)

}  // namespace skyarray::services
