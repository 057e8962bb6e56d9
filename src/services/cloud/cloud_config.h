// Cloud targets and bucket links: what the operator configures with
// `skyarray admin cloud add|link`, as stored in metadata.
//
// Storage (MetaCf::kBuckets, format version 1, JSON values):
//   "\x01cloud-target\0<name>" → {"v":1,"name","endpoint","region","bucket",
//       "prefix","path_style","ca_file","bandwidth","window","flexible_checksums",
//       "access_key","secret":<base64 SecretBox-sealed secret key, AAD = name>,
//       "kek_id","kek":<base64 sealed encryption key, AAD = name "\0kek\0" kek_id>}
//   "\x01cloud-link\0<bucket>" → {"v":1,"bucket","target","mode","created_ns",
//       "cache_bytes","pins":[prefix,...],"allow_unlocked_copy",
//       "lock_cloud_copy"}
// The leading 0x01 keeps these out of bucket-name ranges (bucket names are
// [a-z0-9.-]).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace skyarray::services {

struct CloudTargetConfig {
  std::string name;
  std::string endpoint;  // http(s)://host:port
  std::string region = "us-east-1";
  std::string bucket;
  std::string prefix;  // cloud key = prefix + local key
  bool path_style = true;
  std::string access_key;
  std::string secret_key;  // plaintext only in memory
  std::string ca_file;
  uint64_t bandwidth = 0;  // bytes/s; 0 = unlimited
  std::string window;      // "HH:MM-HH:MM" UTC upload window; empty = always
  // x-amz-checksum-crc32c on uploads (off for servers without flexible
  // checksums, e.g. radosgw 16).
  bool flexible_checksums = true;
  // Client-side encryption (encrypting_cloud_target.h): the key-encryption
  // key's id and 32 bytes, sealed like the secret; empty = not encrypted.
  std::string encryption_key_id;
  std::string encryption_key;  // plaintext only in memory

  Status validate() const;
  // "<prefix>.skyarray/": the array's private state in the cloud bucket
  // (change journal, checkpoints, probes).
  std::string private_prefix() const { return prefix + ".skyarray/"; }
  // True when `window` allows uploads at `unix_seconds`.
  bool in_window(int64_t unix_seconds) const;
};

enum class LinkMode : uint8_t { kSync, kCache, kSubscribe };
std::string_view link_mode_name(LinkMode mode);
std::optional<LinkMode> parse_link_mode(std::string_view name);

struct CloudLink {
  std::string bucket;
  std::string target;
  LinkMode mode = LinkMode::kSync;
  int64_t created_ns = 0;
  // cache mode: local bytes kept for the bucket (high watermark; eviction
  // goes down to 80% of it) and key prefixes never evicted.
  uint64_t cache_bytes = 0;
  std::vector<std::string> pins;
  // A bucket with Object Lock may be linked to a target whose bucket cannot
  // lock objects only when the operator said so (its cloud copies are then
  // unlocked: deletable by whoever holds the cloud's keys).
  bool allow_unlocked_copy = false;
  // Set by link() when the bucket has Object Lock and the target's bucket
  // can lock: uploads put each version's lock on its cloud object.
  bool lock_cloud_copy = false;
};

}  // namespace skyarray::services
