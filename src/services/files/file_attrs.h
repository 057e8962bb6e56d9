// FileAttrs: the POSIX attributes of a file or directory of a share, and
// their home in object metadata. They are stored as user metadata under the
// names AWS Storage Gateway (File Gateway) uses, so objects carry their
// attributes to and from other gateways:
//   x-amz-meta-file-permissions  "0100644": st_mode in octal, type bits included
//   x-amz-meta-file-owner        uid, decimal
//   x-amz-meta-file-group        gid, decimal
//   x-amz-meta-file-mtime        "<nanoseconds since the epoch>ns"
//   x-amz-meta-file-atime        (the same; a bare integer is read as ns too)
//   x-amz-meta-file-ctime
// An object without them gets the share's defaults (Share::uid, gid,
// file_mode, dir_mode) and its last-modified time for all three times.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "services/files/share.h"

namespace skyarray::services {

// A symbolic link is an object whose bytes are the target path and whose
// file-permissions carry the link type bits (0120777), as AWS File Cache
// stores them.
enum class FileType : uint8_t { kRegular = 1, kDirectory = 2, kSymlink = 3 };

struct FileAttrs {
  FileType type = FileType::kRegular;
  uint32_t mode = 0644;  // permission bits only (07777)
  uint32_t uid = 0;
  uint32_t gid = 0;
  uint64_t size = 0;
  int64_t atime_ns = 0;
  int64_t mtime_ns = 0;
  int64_t ctime_ns = 0;
  uint64_t file_id = 0;
  uint32_t generation = 0;
};

// Changes asked by SETATTR (and CREATE's initial attributes); unset fields
// stay as they are.
struct FileAttrChange {
  std::optional<uint32_t> mode;
  std::optional<uint32_t> uid;
  std::optional<uint32_t> gid;
  std::optional<uint64_t> size;
  std::optional<int64_t> atime_ns;
  std::optional<int64_t> mtime_ns;
};

// The user-metadata names (lower case, without "x-amz-meta-").
inline constexpr const char* kMetaPermissions = "file-permissions";
inline constexpr const char* kMetaOwner = "file-owner";
inline constexpr const char* kMetaGroup = "file-group";
inline constexpr const char* kMetaMtime = "file-mtime";
inline constexpr const char* kMetaAtime = "file-atime";
inline constexpr const char* kMetaCtime = "file-ctime";

// Attributes from an object's user metadata, the share's defaults filling
// what is absent or unreadable; `last_modified_ns` stands in for times. An
// object (`type` kRegular) whose permissions carry the link type bits is a
// kSymlink.
FileAttrs attrs_from_metadata(const std::map<std::string, std::string>& meta, FileType type,
                              uint64_t size, int64_t last_modified_ns, const Share& share);
// Writes the attributes into user metadata (other entries are kept).
void attrs_to_metadata(const FileAttrs& attrs, std::map<std::string, std::string>* meta);

// Mode-bit permission check: may `who` have `want` (bits of kAccessRead,
// kAccessWrite, kAccessExecute) on a file with `attrs`? uid 0 may read and
// write anything, and execute what has any execute bit (or a directory).
inline constexpr uint32_t kAccessRead = 4;
inline constexpr uint32_t kAccessWrite = 2;
inline constexpr uint32_t kAccessExecute = 1;
bool may_access(const FileAttrs& attrs, const FileIdentity& who, uint32_t want);

}  // namespace skyarray::services
