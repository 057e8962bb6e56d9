// CloudTarget: the cloud tier's view of one remote S3 bucket. The service
// (services/cloud) speaks only in these terms; the wire format lives in
// protocols/s3client (S3CloudTarget) and is injected by the app.
//
// Keys passed here are full cloud keys (the link's prefix already applied).
//
// Guarantees expected of an implementation:
// - Every call has a timeout and returns kUnavailable/kTimeout for network
//   trouble, kPermissionDenied for 401/403, kNotFound for a missing key,
//   kBadDigest when the cloud rejects or contradicts the checksums sent.
// - put_object/upload_part send Content-MD5 and x-amz-checksum-crc32c (when
//   the target supports flexible checksums) and check the answer (ETag equals
//   the MD5 sent).
// Thread safety: an implementation is bound to one event loop; concurrent
// coroutines on that loop may share it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/async.h"
#include "common/status.h"

namespace skyarray::services {

// What is carried with every object so the cloud bucket is useful on its own.
struct CloudObjectAttrs {
  std::string content_type;
  std::string content_encoding;
  std::string content_disposition;
  std::string cache_control;
  std::map<std::string, std::string> user_metadata;  // keys lower-case, no x-amz-meta-
  std::map<std::string, std::string> tags;
  // Uploads: the whole object's bytes (an encrypting target fixes its layout
  // at create_multipart). Not filled by head().
  uint64_t size = 0;
  // Uploads to a bucket with Object Lock: the cloud object's own lock
  // (x-amz-object-lock-mode, -retain-until-date, -legal-hold). Empty mode
  // and no hold: none sent.
  std::string lock_mode;  // GOVERNANCE | COMPLIANCE
  int64_t lock_retain_until_ns = 0;
  bool lock_legal_hold = false;
};

struct CloudObjectHead {
  uint64_t size = 0;
  std::string etag;  // no quotes
  int64_t mtime_ns = 0;
  CloudObjectAttrs attrs;  // tags not filled by head()
};

struct CloudListEntry {
  std::string key;
  uint64_t size = 0;
  std::string etag;
  int64_t mtime_ns = 0;
};

struct CloudListPage {
  std::vector<CloudListEntry> entries;
  std::string next_token;  // empty when complete
};

struct CloudPart {
  uint32_t number = 0;
  std::string etag;
};

// Whether the cloud bucket can lock objects (S3 Object Lock), as
// GetObjectLockConfiguration tells: kEnabled (ObjectLockEnabled=Enabled),
// kNotEnabled (the server knows Object Lock, the bucket was not created
// with it: ObjectLockConfigurationNotFoundError), kUnsupported (the server
// does not know the request).
enum class CloudObjectLock : uint8_t { kEnabled, kNotEnabled, kUnsupported };
inline std::string_view cloud_object_lock_name(CloudObjectLock lock) {
  switch (lock) {
    case CloudObjectLock::kEnabled:
      return "enabled";
    case CloudObjectLock::kNotEnabled:
      return "not enabled";
    case CloudObjectLock::kUnsupported:
      break;
  }
  return "unsupported";
}

class CloudTarget {
 public:
  virtual ~CloudTarget() = default;

  // `md5` and `crc32c` are raw digests of `body`, which is consumed (moved
  // from). Returns the cloud ETag. Arguments are references so that callers
  // pass named variables (no temporaries in co_await expressions: GCC 12).
  virtual Task<Result<std::string>> put_object(const std::string& key,
                                               const CloudObjectAttrs& attrs, std::string& body,
                                               const std::string& md5, uint32_t crc32c) = 0;
  // Returns the upload id.
  virtual Task<Result<std::string>> create_multipart(const std::string& key,
                                                     const CloudObjectAttrs& attrs) = 0;
  virtual Task<Result<std::string>> upload_part(const std::string& key,
                                                const std::string& upload_id, uint32_t number,
                                                std::string& body, const std::string& md5,
                                                uint32_t crc32c) = 0;
  virtual Task<Result<std::string>> complete_multipart(const std::string& key,
                                                       const std::string& upload_id,
                                                       const std::vector<CloudPart>& parts) = 0;
  virtual Task<Status> abort_multipart(const std::string& key, const std::string& upload_id) = 0;

  virtual Task<Result<CloudObjectHead>> head(const std::string& key) = 0;
  // Bytes [first, first + length) (length 0: to the end), at most 64 MiB.
  virtual Task<Result<std::string>> get(const std::string& key, uint64_t first,
                                        uint64_t length) = 0;
  virtual Task<Result<std::map<std::string, std::string>>> get_tags(const std::string& key) = 0;
  // Replaces the object's tags (some servers, e.g. radosgw 16, ignore tags
  // sent with CreateMultipartUpload).
  virtual Task<Status> put_tags(const std::string& key,
                                const std::map<std::string, std::string>& tags) = 0;
  // OK when absent.
  virtual Task<Status> remove(const std::string& key) = 0;
  // Keys under `prefix` in order, after `start_after` (when not empty).
  virtual Task<Result<CloudListPage>> list(const std::string& prefix, const std::string& token,
                                           const std::string& start_after) = 0;
  // The bucket's Object Lock support (errors only when it cannot be told:
  // network, credentials, missing bucket). A target that cannot ask the
  // question answers kUnsupported.
  virtual Task<Result<CloudObjectLock>> object_lock() { co_return CloudObjectLock::kUnsupported; }
};

}  // namespace skyarray::services
