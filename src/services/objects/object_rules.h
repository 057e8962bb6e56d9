// The object service's rules that need no state: argument validation,
// request conditions, CRC composition, and the clock and ids every part
// stamps records with. Internal to services/objects.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/checksum.h"
#include "common/status.h"
#include "services/objects/object_records.h"
#include "services/objects/object_types.h"

namespace skyarray::services {

// kInvalidArgument for an empty key, kTooLarge beyond kMaxKeyLength.
Status validate_key(const std::string& key);
// At most 10 tags; key 1..128, value ≤256 bytes.
Status validate_object_tags(const TagSet& tags);
// Storage class, MD5 and checksum lengths, metadata size, tags.
Status validate_put_options(const PutOptions& o);

// Evaluates read conditions against `rec`. `copy_source`: a not-modified
// outcome is kPreconditionFailed.
Status check_read_conditions(const Conditions& c, const ObjectRecord& rec, bool copy_source);
// Write conditions (If-Match / If-None-Match) against the current version.
Status check_write_conditions(const std::vector<std::string>& if_match,
                              const std::vector<std::string>& if_none_match,
                              const std::optional<ObjectRecord>& current);
// DeleteObject's conditions against the current version: If-Match as for
// writes (kNotFound when absent), last-modified time (second precision) and
// size → kPreconditionFailed when they differ; these two pass when absent.
Status check_delete_conditions(const DeleteOptions& options,
                               const std::optional<ObjectRecord>& current);

// kPositionMismatch unless an append at `position` continues `current`
// (length 0 when absent).
Status check_append_position(uint64_t position, const std::optional<ObjectRecord>& current);

// CRC32, CRC32C and CRC64NVME: the algorithms whose object CRC can be built
// from its pieces' CRCs.
bool is_crc(ChecksumAlgorithm a);
// The CRC (raw, big-endian) of a + b from the CRCs of a and b, b being len_b
// bytes long; nullopt for an algorithm that is not a CRC.
std::optional<std::string> combine_crc(ChecksumAlgorithm alg, const std::string& a,
                                       const std::string& b, uint64_t len_b);

// What a version keeps of the request that made it: storage class, content
// headers, user metadata, tags, ACL and Object Lock (PutOptions, UploadRecord and
// ObjectRecord name these fields alike).
template <typename From, typename To>
void copy_stored_headers(const From& from, To* to) {
  to->storage_class = from.storage_class;
  to->content = from.content;
  to->user_metadata = from.user_metadata;
  to->tags = from.tags;
  to->acl = from.acl;
  to->lock = from.lock;
}

// The common prefix `key` rolls up into in a listing by `prefix` and
// `delimiter`, or "" when it does not.
std::string common_prefix(const std::string& key, const std::string& prefix,
                          const std::string& delimiter);

// Wall-clock now, in ns since the epoch (record timestamps).
int64_t now_ns();
// `bytes` random bytes, hex-encoded.
std::string random_hex(size_t bytes);

}  // namespace skyarray::services
