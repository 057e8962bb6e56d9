// EncryptingCloudTarget: a CloudTarget that encrypts object bodies before
// they leave the array and decrypts them on the way back (format:
// encrypt_format.h), over any other CloudTarget. The cloud tier's upload,
// multipart, read-through, subscribe, journal and restore paths use it
// unchanged.
//
// - put_object/upload_part seal the plaintext and send the ciphertext's own
//   Content-MD5/CRC32C (what the cloud verifies); put_object returns the
//   plaintext MD5 as the ETag, and head() reports it (sealed in the header)
//   for single-part objects, so the local side's checks stay on plaintext.
// - Multipart: the header is fixed at create_multipart (attrs.size must be
//   the object's size); the returned upload id carries the sealed header, so
//   parts resumed after a restart use the same DEK. Parts other than the last
//   must be `part_size` bytes, a multiple of the segment size, so segments
//   are numbered across the whole object.
// - get() fetches the segments covering the range, opens and trims them. An
//   object whose header or segments fail authentication is an error, never
//   wrong bytes. Headers are cached per key; a failure with a cached header
//   refetches it once (the object may have been replaced).
// - head()/list() report plaintext sizes and hide the header metadata;
//   list() leaves single-part ETags (the ciphertext's MD5) empty.
//   Keys, tags and user metadata are not encrypted.
// - Objects of the target that are not encrypted are refused (kCorruption),
//   so removing the header cannot downgrade an object to plaintext.
//
// With no key (`kek.key` empty) the target only guards reads: head() and
// get() of an encrypted object fail with kPermissionDenied naming the key
// id, so a restore without the key fails instead of storing ciphertext.
//
// Thread safety: like the wrapped target, bound to one event loop.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "services/cloud/cloud_sync.h"
#include "services/cloud/cloud_target.h"
#include "services/cloud/encrypt_format.h"

namespace skyarray::services {

class EncryptingCloudTarget : public CloudTarget {
 public:
  // `prefix` is the target's key prefix (object keys are bound without it,
  // so a prefix can be moved as a whole).
  EncryptingCloudTarget(std::unique_ptr<CloudTarget> inner, std::string prefix, EncryptionKey kek,
                        uint64_t part_size);

  Task<Result<std::string>> put_object(const std::string& key, const CloudObjectAttrs& attrs,
                                       std::string& body, const std::string& md5,
                                       uint32_t crc32c) override;
  Task<Result<std::string>> create_multipart(const std::string& key,
                                             const CloudObjectAttrs& attrs) override;
  Task<Result<std::string>> upload_part(const std::string& key, const std::string& upload_id,
                                        uint32_t number, std::string& body, const std::string& md5,
                                        uint32_t crc32c) override;
  Task<Result<std::string>> complete_multipart(const std::string& key, const std::string& upload_id,
                                               const std::vector<CloudPart>& parts) override;
  Task<Status> abort_multipart(const std::string& key, const std::string& upload_id) override;
  Task<Result<CloudObjectHead>> head(const std::string& key) override;
  Task<Result<std::string>> get(const std::string& key, uint64_t first, uint64_t length) override;
  Task<Result<std::map<std::string, std::string>>> get_tags(const std::string& key) override;
  Task<Status> put_tags(const std::string& key,
                        const std::map<std::string, std::string>& tags) override;
  Task<Status> remove(const std::string& key) override;
  Task<Result<CloudListPage>> list(const std::string& prefix, const std::string& token,
                                   const std::string& start_after) override;
  Task<Result<CloudObjectLock>> object_lock() override { return inner_->object_lock(); }

 private:
  struct Header {
    ObjectEncryption enc;
    uint64_t cipher_size = 0;
    std::string etag;  // what head() reports
  };
  std::string object_key(const std::string& key) const;
  // The header of `key` (cached unless `refresh`), with the head it came with.
  Task<Result<Header>> header(const std::string& key, bool refresh, CloudObjectHead* head);
  Task<Result<std::string>> read(const Header& h, const std::string& key, uint64_t first,
                                 uint64_t length);

  std::unique_ptr<CloudTarget> inner_;
  std::string prefix_;
  EncryptionKey kek_;
  uint64_t part_size_;
  std::unordered_map<std::string, Header> headers_;
  std::unordered_set<std::string> plain_keys_;  // without a key: checked not encrypted
};

// Wraps `inner` so that targets with an encryption key encrypt (and those
// without refuse to read encrypted objects). `part_size` is the tier's
// multipart part size (a multiple of the segment size for encrypted
// targets).
CloudTargetFactory encrypting_target_factory(CloudTargetFactory inner, uint64_t part_size);

}  // namespace skyarray::services
