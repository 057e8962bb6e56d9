#include "services/files/file_attrs.h"

#include <algorithm>

#include "common/ascii.h"

namespace skyarray::services {

namespace {

constexpr uint32_t kTypeRegular = 0100000;
constexpr uint32_t kTypeDirectory = 0040000;
constexpr uint32_t kTypeSymlink = 0120000;
constexpr uint32_t kTypeMask = 0170000;

std::optional<uint64_t> field(const std::map<std::string, std::string>& meta, const char* name) {
  auto it = meta.find(name);
  if (it == meta.end()) return std::nullopt;
  std::string_view v = it->second;
  if (v.ends_with("ns")) v.remove_suffix(2);
  return parse_u64(v);
}

std::optional<uint32_t> octal(const std::map<std::string, std::string>& meta, const char* name) {
  auto it = meta.find(name);
  if (it == meta.end() || it->second.empty() || it->second.size() > 12) return std::nullopt;
  uint32_t v = 0;
  for (char c : it->second) {
    if (c < '0' || c > '7') return std::nullopt;
    v = v * 8 + static_cast<uint32_t>(c - '0');
  }
  return v;
}

std::string to_octal(uint32_t v) {
  std::string s;
  do {
    s.insert(s.begin(), static_cast<char>('0' + (v & 7)));
    v >>= 3;
  } while (v);
  return "0" + s;
}

}  // namespace

FileAttrs attrs_from_metadata(const std::map<std::string, std::string>& meta, FileType type,
                              uint64_t size, int64_t last_modified_ns, const Share& share) {
  FileAttrs a;
  a.type = type;
  a.size = size;
  a.mode = type == FileType::kDirectory ? share.dir_mode : share.file_mode;
  if (auto m = octal(meta, kMetaPermissions)) {
    a.mode = *m & 07777;
    if (type == FileType::kRegular && (*m & kTypeMask) == kTypeSymlink) a.type = FileType::kSymlink;
  }
  a.uid = static_cast<uint32_t>(field(meta, kMetaOwner).value_or(share.uid));
  a.gid = static_cast<uint32_t>(field(meta, kMetaGroup).value_or(share.gid));
  auto lm = static_cast<uint64_t>(std::max<int64_t>(last_modified_ns, 0));
  a.mtime_ns = static_cast<int64_t>(field(meta, kMetaMtime).value_or(lm));
  a.atime_ns = static_cast<int64_t>(field(meta, kMetaAtime).value_or(a.mtime_ns));
  a.ctime_ns = static_cast<int64_t>(field(meta, kMetaCtime).value_or(lm));
  return a;
}

void attrs_to_metadata(const FileAttrs& a, std::map<std::string, std::string>* meta) {
  uint32_t type = a.type == FileType::kDirectory ? kTypeDirectory
                  : a.type == FileType::kSymlink ? kTypeSymlink
                                                 : kTypeRegular;
  (*meta)[kMetaPermissions] = to_octal(type | (a.mode & 07777));
  (*meta)[kMetaOwner] = std::to_string(a.uid);
  (*meta)[kMetaGroup] = std::to_string(a.gid);
  (*meta)[kMetaMtime] = std::to_string(a.mtime_ns) + "ns";
  (*meta)[kMetaAtime] = std::to_string(a.atime_ns) + "ns";
  (*meta)[kMetaCtime] = std::to_string(a.ctime_ns) + "ns";
}

bool may_access(const FileAttrs& a, const FileIdentity& who, uint32_t want) {
  if (who.uid == 0) {
    if (!(want & kAccessExecute)) return true;
    return a.type == FileType::kDirectory || (a.mode & 0111) != 0;
  }
  uint32_t bits;
  if (who.uid == a.uid) {
    bits = (a.mode >> 6) & 7;
  } else if (who.gid == a.gid ||
             std::find(who.groups.begin(), who.groups.end(), a.gid) != who.groups.end()) {
    bits = (a.mode >> 3) & 7;
  } else {
    bits = a.mode & 7;
  }
  return (bits & want) == want;
}

}  // namespace skyarray::services
