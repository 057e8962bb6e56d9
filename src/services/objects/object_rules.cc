// The object service's stateless rules (object_rules.h).
#include "services/objects/object_rules.h"

#include <openssl/rand.h>

#include <algorithm>
#include <chrono>
#include <iterator>

#include "common/encoding.h"

namespace skyarray::services {

namespace {

uint64_t be_value(const std::string& d) {
  uint64_t v = 0;
  for (unsigned char c : d) v = (v << 8) | c;
  return v;
}

std::string be_bytes(uint64_t v, size_t n) {
  std::string out(n, '\0');
  for (size_t i = 0; i < n; ++i) out[n - 1 - i] = static_cast<char>(v >> (8 * i));
  return out;
}

}  // namespace

std::string common_prefix(const std::string& key, const std::string& prefix,
                          const std::string& delimiter) {
  if (delimiter.empty() || key.size() < prefix.size()) return {};
  size_t pos = key.find(delimiter, prefix.size());
  if (pos == std::string::npos) return {};
  return key.substr(0, pos + delimiter.size());
}

bool is_valid_storage_class(const std::string& c) {
  static const char* kClasses[] = {"STANDARD",   "REDUCED_REDUNDANCY",  "STANDARD_IA",
                                   "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER",
                                   "GLACIER_IR", "DEEP_ARCHIVE"};
  return std::any_of(std::begin(kClasses), std::end(kClasses),
                     [&](const char* k) { return c == k; });
}

int64_t now_ns() {
  return to_ns(std::chrono::system_clock::now());
}

std::string random_hex(size_t bytes) {
  std::string raw(bytes, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes));
  return hex_encode(raw);
}

Status validate_key(const std::string& key) {
  if (key.empty()) return Status::invalid_argument("object key is empty");
  if (key.size() > kMaxKeyLength) {
    return Status(StatusCode::kTooLarge, "object key longer than 1024 bytes");
  }
  return Status::ok();
}

Status validate_object_tags(const TagSet& tags) {
  if (tags.size() > kMaxTags) return Status::invalid_argument("more than 10 tags");
  for (const auto& [k, v] : tags) {
    if (k.empty() || k.size() > 128) return Status::invalid_argument("tag key length not 1..128");
    if (v.size() > 256) return Status::invalid_argument("tag value longer than 256");
  }
  return Status::ok();
}

// ---------------------------------------------------------------- conditions

namespace {
bool etag_matches(const std::vector<std::string>& list, const std::string& etag) {
  for (const auto& e : list) {
    if (e == "*" || e == etag) return true;
  }
  return false;
}
int64_t seconds_of(Timestamp t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}
}  // namespace

Status check_read_conditions(const Conditions& c, const ObjectRecord& rec, bool copy_source) {
  const int64_t mtime = rec.mtime_ns / 1000000000;
  auto failed = [] { return Status(StatusCode::kPreconditionFailed, "precondition failed"); };
  if (!c.if_match.empty()) {
    if (!etag_matches(c.if_match, rec.etag)) return failed();
  } else if (c.if_unmodified_since && mtime > seconds_of(*c.if_unmodified_since)) {
    return failed();
  }
  bool not_modified = false;
  if (!c.if_none_match.empty()) {
    not_modified = etag_matches(c.if_none_match, rec.etag);
  } else if (c.if_modified_since) {
    not_modified = mtime <= seconds_of(*c.if_modified_since);
  }
  if (not_modified) {
    if (copy_source) return failed();
    return Status(StatusCode::kNotModified, "not modified");
  }
  return Status::ok();
}

Status check_write_conditions(const std::vector<std::string>& if_match,
                              const std::vector<std::string>& if_none_match,
                              const std::optional<ObjectRecord>& current) {
  if (!if_match.empty()) {
    if (!current) return Status::not_found("object does not exist (If-Match)");
    if (!etag_matches(if_match, current->etag)) {
      return Status(StatusCode::kPreconditionFailed, "If-Match: ETag differs");
    }
  }
  if (!if_none_match.empty() && current && etag_matches(if_none_match, current->etag)) {
    return Status(StatusCode::kPreconditionFailed, "If-None-Match: object exists");
  }
  return Status::ok();
}

Status check_delete_conditions(const DeleteOptions& options,
                               const std::optional<ObjectRecord>& current) {
  SKY_RETURN_IF_ERROR(check_write_conditions(options.if_match, {}, current));
  if (!current) return Status::ok();
  if (options.if_match_last_modified &&
      current->mtime_ns / 1000000000 != seconds_of(*options.if_match_last_modified)) {
    return Status(StatusCode::kPreconditionFailed, "last-modified time differs");
  }
  if (options.if_match_size && current->size != *options.if_match_size) {
    return Status(StatusCode::kPreconditionFailed, "size differs");
  }
  return Status::ok();
}

Status check_append_position(uint64_t position, const std::optional<ObjectRecord>& current) {
  const uint64_t length = current ? current->size : 0;
  if (position == length) return Status::ok();
  return Status(StatusCode::kPositionMismatch, "append position " + std::to_string(position) +
                                                   " differs from the current length " +
                                                   std::to_string(length));
}

bool is_crc(ChecksumAlgorithm a) {
  return a == ChecksumAlgorithm::kCrc32 || a == ChecksumAlgorithm::kCrc32c ||
         a == ChecksumAlgorithm::kCrc64Nvme;
}

std::optional<std::string> combine_crc(ChecksumAlgorithm alg, const std::string& a,
                                       const std::string& b, uint64_t len_b) {
  switch (alg) {
    case ChecksumAlgorithm::kCrc32:
      return be_bytes(crc32_combine(uint32_t(be_value(a)), uint32_t(be_value(b)), len_b), 4);
    case ChecksumAlgorithm::kCrc32c:
      return be_bytes(crc32c_combine(uint32_t(be_value(a)), uint32_t(be_value(b)), len_b), 4);
    case ChecksumAlgorithm::kCrc64Nvme:
      return be_bytes(crc64_nvme_combine(be_value(a), be_value(b), len_b), 8);
    default:
      return std::nullopt;
  }
}

Status validate_put_options(const PutOptions& o) {
  if (!is_valid_storage_class(o.storage_class)) {
    return Status::invalid_argument("invalid storage class '" + o.storage_class + "'");
  }
  if (o.expected_md5 && o.expected_md5->size() != 16) {
    return Status::invalid_argument("Content-MD5 must be 16 bytes");
  }
  if (o.expected_checksum) {
    if (!o.checksum_algorithm) return Status::invalid_argument("checksum without algorithm");
    if (o.expected_checksum->size() != checksum_digest_size(*o.checksum_algorithm)) {
      return Status::invalid_argument("checksum has the wrong length");
    }
  }
  size_t metadata_bytes = 0;
  for (const auto& [k, v] : o.user_metadata) metadata_bytes += k.size() + v.size();
  if (metadata_bytes > kMaxUserMetadataBytes) {
    return Status(StatusCode::kTooLarge, "user metadata larger than 2 KiB");
  }
  if (o.checksum_algorithm == ChecksumAlgorithm::kMd5) {
    return Status::invalid_argument("MD5 is not a flexible checksum algorithm");
  }
  if (o.patch) {
    if (o.append_position) return Status::invalid_argument("a patch is not an append");
    for (const auto& p : o.patch->pieces) {
      if (p.from_base && p.base_offset + p.length > o.patch->base_size) {
        return Status::invalid_argument("patch piece beyond the patched version");
      }
    }
  }
  return validate_object_tags(o.tags);
}

}  // namespace skyarray::services
