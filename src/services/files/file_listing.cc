// FileService::readdir: directory listing by range scans of the bucket's
// keys (one list_objects page per call, with the objects' metadata, so a
// file's attributes need no read of their own), cookies being file ids
// (looked up for the whole page at once).
#include <algorithm>

#include "common/runtime.h"
#include "services/files/file_service.h"
#include "services/objects/object_service.h"

namespace skyarray::services {

namespace {

constexpr uint64_t kCookieDot = 1;
constexpr uint64_t kCookieDotDot = 2;

}  // namespace

Task<Result<DirPage>> FileService::readdir(const Share& share, const FileNode& dir, uint64_t cookie,
                                           size_t max_entries) {
  if (!dir.is_dir()) co_return Status(StatusCode::kPreconditionFailed, "not a directory");
  DirPage page;
  if (cookie == 0) page.entries.push_back(DirEntry{".", kCookieDot, dir});
  if (cookie <= kCookieDot) {
    SKY_CO_ASSIGN_OR_RETURN(FileNode parent, co_await lookup(share, dir, ".."));
    page.entries.push_back(DirEntry{"..", kCookieDotDot, std::move(parent)});
  }
  std::string start_after;
  if (cookie > kCookieDotDot) {
    auto found = co_await runtime_.blocking([&] { return ids_.find(cookie); });
    if (!found.is_ok()) co_return found.status();
    if (!*found || (*found)->bucket != share.bucket || !(*found)->key.starts_with(dir.key))
      co_return Status(StatusCode::kOutOfRange, "bad directory cookie");
    start_after = (*found)->key;
  }
  size_t room = max_entries > page.entries.size() ? max_entries - page.entries.size() : 1;
  SKY_CO_ASSIGN_OR_RETURN(DirPage rest, co_await list_page(share, dir, start_after, room));
  for (auto& e : rest.entries) page.entries.push_back(std::move(e));
  page.eof = rest.eof;
  co_return page;
}

Task<Result<DirPage>> FileService::list_page(const Share& share, const FileNode& dir,
                                             const std::string& start_after, size_t max) {
  ListObjectsOptions lo;
  lo.prefix = dir.key;
  lo.delimiter = "/";
  lo.start_after = start_after;
  lo.max_keys = static_cast<uint32_t>(std::min<size_t>(max, 1000));
  lo.with_metadata = true;
  auto list = co_await objects_.reads().list_objects(system_caller(), share.bucket, lo);
  if (!list.is_ok()) co_return list.status();
  // Files and sub-directories, merged in key order (a prefix sorts as its
  // key); the directory's own marker is not an entry.
  std::vector<std::pair<std::string, const ObjectInfo*>> keys;
  for (const auto& o : list->objects) {
    if (o.key != dir.key && o.key.size() > dir.key.size()) keys.emplace_back(o.key, &o);
  }
  for (const auto& p : list->common_prefixes) {
    if (p.size() > dir.key.size() + 1) keys.emplace_back(p, nullptr);
  }
  std::sort(keys.begin(), keys.end());
  std::vector<std::string> files;
  for (const auto& [key, info] : keys) {
    if (info) files.push_back(key);
  }
  auto ids = co_await runtime_.blocking([&] { return ids_.ids_of(share.bucket, files); });
  if (!ids.is_ok()) co_return ids.status();
  DirPage page;
  page.eof = !list->is_truncated;
  size_t next_file = 0;
  for (const auto& [key, info] : keys) {
    Result<FileNode> n = Status::not_found("");
    if (!info) {
      n = co_await dir_node(share, key);  // its marker's attributes, if it has one
    } else {
      n = file_node(share, *info, (*ids)[next_file++]);
    }
    if (!n.is_ok()) co_return n.status();
    std::string name = key.substr(dir.key.size());
    if (!info) name.pop_back();
    uint64_t cookie = n->attrs.file_id;
    page.entries.push_back(DirEntry{std::move(name), cookie, std::move(*n)});
  }
  co_return page;
}

}  // namespace skyarray::services
