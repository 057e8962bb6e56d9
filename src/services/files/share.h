// Share: one file share — a bucket (optionally a key prefix inside it)
// offered over file protocols (NFS today; SMB and FTP next), with its export
// rules: which clients may mount it, read-only or not, and how client user
// ids are squashed. Managed by ShareRegistry, stored as JSON (format below).
//
// Stored record (MetaCf::kBuckets, key "\x01share\0" + name), version 1:
//   {"v":1,"name","id","bucket","prefix","protocols":[..],"clients":[..],
//    "read_only","squash":"none|root|all","anon_uid","anon_gid",
//    "uid","gid","file_mode","dir_mode","created_ns"}
// `id` is a small number assigned at creation and never reused: NFS file
// handles carry it, so a share removed and made again under the same name
// does not accept the old share's handles.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace skyarray::services {

// How client identities are mapped (NFS export "squash" options).
enum class Squash : uint8_t {
  kNone,  // ids as the client sends them
  kRoot,  // uid 0 becomes anon_uid/anon_gid (the usual default)
  kAll,   // every user becomes anon_uid/anon_gid
};
std::string_view squash_name(Squash s);
Result<Squash> parse_squash(std::string_view name);

// Who a file request acts as, after the share's squashing.
struct FileIdentity {
  uint32_t uid = 65534;
  uint32_t gid = 65534;
  std::vector<uint32_t> groups;  // supplementary groups
};

struct Share {
  std::string name;  // 1–64 of [A-Za-z0-9._-], not starting with '.'; the NFS path is /name
  uint32_t id = 0;   // assigned by the registry
  std::string bucket;
  std::string prefix;                  // "" (whole bucket) or a key prefix ending in '/'
  std::vector<std::string> protocols;  // "nfs", "smb", "ftp"
  std::vector<std::string> clients;    // address blocks allowed to connect (common/cidr.h)
  bool read_only = false;
  Squash squash = Squash::kRoot;
  uint32_t anon_uid = 65534;
  uint32_t anon_gid = 65534;
  // Attributes of files and directories that carry none (objects written
  // over S3, directories that are only a prefix).
  uint32_t uid = 0;
  uint32_t gid = 0;
  uint32_t file_mode = 0644;
  uint32_t dir_mode = 0755;
  int64_t created_ns = 0;

  // Names, prefix, protocols, address blocks and modes (kInvalidArgument).
  Status validate() const;
  bool serves(std::string_view protocol) const;
  // True when `address` (a client IP, v4 or v6) is in one of `clients`.
  bool allows_client(const std::string& address) const;
  // The identity a request with these client credentials acts as.
  FileIdentity map_identity(uint32_t uid, uint32_t gid, std::vector<uint32_t> groups) const;

  boost::json::object to_json() const;
  static Result<Share> from_json(const boost::json::object& o);
};

}  // namespace skyarray::services
