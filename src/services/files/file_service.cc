// FileService: names, attributes and data of shares (file_service.h);
// directory listing is in file_listing.cc.
#include "services/files/file_service.h"

#include <chrono>

#include "common/encoding.h"
#include "common/runtime.h"
#include "services/objects/object_service.h"

namespace skyarray::services {

namespace {

const char* const kMetaVerifier = "file-create-verifier";

}  // namespace

const Caller& FileService::system_caller() {
  static const Caller c{"", true, false};
  return c;
}

int64_t FileService::now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Status FileService::check_name(const std::string& dir_key, const std::string& name) {
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos ||
      name.find('\0') != std::string::npos) {
    return Status::invalid_argument("bad file name");
  }
  if (name.size() > kMaxName || dir_key.size() + name.size() + 1 > kMaxKeyLength)
    return Status(StatusCode::kTooLarge, "name too long");
  return Status::ok();
}

FileService::FileService(Runtime& runtime, ObjectService& objects, ShareRegistry& shares,
                         FileIds& ids)
    : runtime_(runtime), objects_(objects), shares_(shares), ids_(ids), writeback_(objects) {}

FileService::~FileService() = default;

// ---------------------------------------------------------------- shares

Task<Result<Share>> FileService::create_share(const Share& share) {
  auto bucket = co_await objects_.buckets().head_bucket(system_caller(), share.bucket);
  if (!bucket.is_ok()) co_return bucket.status();
  co_return co_await runtime_.blocking([&] { return shares_.create(share); });
}

Task<Result<Share>> FileService::update_share(const std::string& name,
                                              const std::function<Status(Share&)>& change) {
  co_return co_await runtime_.blocking([&] { return shares_.update(name, change); });
}

Task<Status> FileService::remove_share(const std::string& name) {
  co_return co_await runtime_.blocking([&] { return shares_.remove(name); });
}

// ---------------------------------------------------------------- nodes

Task<Result<std::optional<ObjectInfo>>> FileService::head(const std::string& bucket,
                                                          const std::string& key) {
  if (key.empty()) co_return std::optional<ObjectInfo>();
  GetOptions o;
  auto info = co_await objects_.reads().head_object(system_caller(), bucket, key, o);
  if (info.is_ok()) co_return std::optional<ObjectInfo>(std::move(*info));
  if (info.status().code() == StatusCode::kNotFound) co_return std::optional<ObjectInfo>();
  co_return info.status();
}

Task<Result<bool>> FileService::dir_exists(const Share& share, const std::string& dir_key) {
  if (dir_key == share.prefix) co_return true;
  SKY_CO_ASSIGN_OR_RETURN(auto marker, co_await head(share.bucket, dir_key));
  if (marker) co_return true;
  ListObjectsOptions lo;
  lo.prefix = dir_key;
  lo.max_keys = 1;
  auto list = co_await objects_.reads().list_objects(system_caller(), share.bucket, lo);
  if (!list.is_ok()) co_return list.status();
  co_return !list->objects.empty() || !list->common_prefixes.empty();
}

Task<Result<FileNode>> FileService::file_node(const Share& share, const ObjectInfo& info) {
  auto id = co_await runtime_.blocking([&] { return ids_.id_of(share.bucket, info.key); });
  if (!id.is_ok()) co_return id.status();
  co_return file_node(share, info, *id);
}

FileNode FileService::file_node(const Share& share, const ObjectInfo& info,
                                const FileIdEntry& id) const {
  FileNode n;
  n.key = info.key;
  n.attrs = attrs_from_metadata(info.user_metadata, FileType::kRegular, info.size,
                                to_ns(info.last_modified), share);
  n.attrs.file_id = id.id;
  n.attrs.generation = id.generation;
  if (auto staged = writeback_.staged(id.id)) {
    n.attrs.size = staged->size;
    n.attrs.mtime_ns = n.attrs.ctime_ns = staged->mtime_ns;
  }
  return n;
}

Task<Result<FileNode>> FileService::dir_node(const Share& share, const std::string& dir_key) {
  SKY_CO_ASSIGN_OR_RETURN(auto marker, co_await head(share.bucket, dir_key));
  auto id = co_await runtime_.blocking([&] { return ids_.id_of(share.bucket, dir_key); });
  if (!id.is_ok()) co_return id.status();
  FileNode n;
  n.key = dir_key;
  n.is_root = dir_key == share.prefix;
  n.has_marker = marker.has_value();
  static const std::map<std::string, std::string> kNone;
  n.attrs = attrs_from_metadata(marker ? marker->user_metadata : kNone, FileType::kDirectory, 4096,
                                marker ? to_ns(marker->last_modified) : share.created_ns, share);
  n.attrs.size = 4096;
  n.attrs.file_id = id->id;
  n.attrs.generation = id->generation;
  co_return n;
}

Task<Result<FileNode>> FileService::node_of_key(const Share& share, const std::string& key) {
  if (key == share.prefix || key.ends_with('/')) {
    SKY_CO_ASSIGN_OR_RETURN(bool exists, co_await dir_exists(share, key));
    if (!exists) co_return Status::not_found("no such directory");
    co_return co_await dir_node(share, key);
  }
  SKY_CO_ASSIGN_OR_RETURN(auto info, co_await head(share.bucket, key));
  if (!info) co_return Status::not_found("no such file");
  co_return co_await file_node(share, *info);
}

FileAttrs FileService::new_attrs(const Share& share, FileType type,
                                 const FileAttrChange& init) const {
  FileAttrs a;
  a.type = type;
  a.mode =
      init.mode.value_or(type == FileType::kDirectory ? share.dir_mode : share.file_mode) & 07777;
  a.uid = init.uid.value_or(share.uid);
  a.gid = init.gid.value_or(share.gid);
  int64_t now = now_ns();
  a.mtime_ns = init.mtime_ns.value_or(now);
  a.atime_ns = init.atime_ns.value_or(now);
  a.ctime_ns = now;
  return a;
}

namespace {

// Stages the file id of the key a put creates in the put's own batch.
class FileIdStager final : public PutCommitStager {
 public:
  explicit FileIdStager(FileIds& ids) : ids_(ids) {}
  Status stage_with_put(MetaBatch* batch, const ObjectInfo& written,
                        const std::optional<ObjectInfo>&) override {
    return ids_.stage_assign(batch, written.bucket, written.key).status();
  }

 private:
  FileIds& ids_;
};

}  // namespace

Task<Status> FileService::put_empty(const Share& share, const std::string& key,
                                    const std::map<std::string, std::string>& meta, bool exclusive,
                                    const std::string& body) {
  PutOptions o;
  o.user_metadata = meta;
  if (exclusive) o.if_none_match = {"*"};
  o.expected_size = body.size();
  // The new name's id commits with its object.
  auto ids = std::make_shared<FileIdStager>(ids_);
  auto w = co_await objects_.writes().put_object(system_caller(), share.bucket, key, o, ids);
  if (!w.is_ok()) co_return w.status();
  if (!body.empty()) SKY_CO_RETURN_IF_ERROR(co_await (*w)->write(Buffer::copy_of(body)));
  auto done = co_await (*w)->commit();
  if (done.status().code() == StatusCode::kPreconditionFailed)
    co_return Status::already_exists("name exists");
  co_return done.status();
}

Task<Status> FileService::replace_metadata(const Share& share, const ObjectInfo& info,
                                           const std::map<std::string, std::string>& meta) {
  CopyOptions c;
  c.metadata_directive = MetadataDirective::kReplace;
  c.replace.user_metadata = meta;
  c.replace.content = info.content;
  c.keep_source_encryption = true;
  auto copied = co_await objects_.writes().copy_object(system_caller(), share.bucket, info.key,
                                                       share.bucket, info.key, c);
  co_return copied.status();
}

// Gives a directory that is only a prefix its marker, so that it outlives
// the removal of its last entry (the root needs none).
Task<Status> FileService::keep_dir(const Share& share, const FileNode& dir) {
  if (dir.key == share.prefix) co_return Status::ok();
  SKY_CO_ASSIGN_OR_RETURN(auto marker, co_await head(share.bucket, dir.key));
  if (marker) co_return Status::ok();
  std::map<std::string, std::string> meta;
  attrs_to_metadata(dir.attrs, &meta);
  Status s = co_await put_empty(share, dir.key, meta, true);
  co_return s.code() == StatusCode::kAlreadyExists ? Status::ok() : s;
}

// ---------------------------------------------------------------- names

Task<Result<FileNode>> FileService::root(const Share& share) {
  co_return co_await dir_node(share, share.prefix);
}

Task<Result<FileNode>> FileService::resolve(const Share& share, uint64_t file_id,
                                            uint32_t generation) {
  auto found = co_await runtime_.blocking([&] { return ids_.find(file_id); });
  if (!found.is_ok()) co_return found.status();
  const auto& e = *found;
  if (!e || e->deleted || e->generation != generation || e->bucket != share.bucket ||
      !e->key.starts_with(share.prefix)) {
    co_return Status::not_found("stale file handle");
  }
  co_return co_await node_of_key(share, e->key);
}

Task<Result<FileNode>> FileService::lookup(const Share& share, const FileNode& dir,
                                           const std::string& name) {
  if (!dir.is_dir()) co_return Status(StatusCode::kPreconditionFailed, "not a directory");
  if (name == ".") co_return dir;
  if (name == "..") {
    if (dir.key == share.prefix) co_return dir;
    std::string parent = dir.key.substr(0, dir.key.size() - 1);
    auto slash = parent.rfind('/');
    parent = slash == std::string::npos ? std::string() : parent.substr(0, slash + 1);
    if (parent.size() < share.prefix.size()) parent = share.prefix;
    co_return co_await dir_node(share, parent);
  }
  SKY_CO_RETURN_IF_ERROR(check_name(dir.key, name));
  std::string key = dir.key + name;
  SKY_CO_ASSIGN_OR_RETURN(auto info, co_await head(share.bucket, key));
  if (info) co_return co_await file_node(share, *info);
  SKY_CO_ASSIGN_OR_RETURN(bool is_dir, co_await dir_exists(share, key + "/"));
  if (is_dir) co_return co_await dir_node(share, key + "/");
  co_return Status::not_found("no such file or directory");
}

Task<Result<FileNode>> FileService::create(const Share& share, const FileNode& dir,
                                           const std::string& name, const FileAttrChange& init,
                                           CreateMode mode, const std::string& verifier) {
  if (!dir.is_dir()) co_return Status(StatusCode::kPreconditionFailed, "not a directory");
  SKY_CO_RETURN_IF_ERROR(check_name(dir.key, name));
  std::string key = dir.key + name;
  SKY_CO_ASSIGN_OR_RETURN(bool is_dir, co_await dir_exists(share, key + "/"));
  if (is_dir) co_return Status::already_exists("a directory has that name");
  SKY_CO_ASSIGN_OR_RETURN(auto existing, co_await head(share.bucket, key));
  if (!existing) {
    FileAttrs a = new_attrs(share, FileType::kRegular, init);
    std::map<std::string, std::string> meta;
    attrs_to_metadata(a, &meta);
    if (mode == CreateMode::kExclusive) meta[kMetaVerifier] = hex_encode(verifier);
    Status s = co_await put_empty(share, key, meta, mode != CreateMode::kUnchecked);
    if (!s.is_ok() && s.code() != StatusCode::kAlreadyExists) co_return s;
    SKY_CO_ASSIGN_OR_RETURN(existing, co_await head(share.bucket, key));
    if (!existing) co_return Status(StatusCode::kConflict, "file removed while created");
    if (s.is_ok()) co_return co_await file_node(share, *existing);
  }
  if (mode == CreateMode::kGuarded) co_return Status::already_exists("file exists");
  if (mode == CreateMode::kExclusive) {
    auto v = existing->user_metadata.find(kMetaVerifier);
    if (v == existing->user_metadata.end() || v->second != hex_encode(verifier))
      co_return Status::already_exists("file exists");
  }
  SKY_CO_ASSIGN_OR_RETURN(FileNode node, co_await file_node(share, *existing));
  if (mode == CreateMode::kUnchecked && init.size) {
    FileAttrChange truncate;
    truncate.size = init.size;
    co_return co_await setattr(share, node, truncate);
  }
  co_return node;
}

Task<Result<FileNode>> FileService::mkdir(const Share& share, const FileNode& dir,
                                          const std::string& name, const FileAttrChange& init) {
  if (!dir.is_dir()) co_return Status(StatusCode::kPreconditionFailed, "not a directory");
  SKY_CO_RETURN_IF_ERROR(check_name(dir.key, name));
  std::string key = dir.key + name;
  SKY_CO_ASSIGN_OR_RETURN(auto file, co_await head(share.bucket, key));
  if (file) co_return Status::already_exists("a file has that name");
  SKY_CO_ASSIGN_OR_RETURN(bool is_dir, co_await dir_exists(share, key + "/"));
  if (is_dir) co_return Status::already_exists("directory exists");
  std::map<std::string, std::string> meta;
  attrs_to_metadata(new_attrs(share, FileType::kDirectory, init), &meta);
  SKY_CO_RETURN_IF_ERROR(co_await put_empty(share, key + "/", meta, true));
  co_return co_await dir_node(share, key + "/");
}

Task<Result<FileNode>> FileService::symlink(const Share& share, const FileNode& dir,
                                            const std::string& name, const std::string& target,
                                            const FileAttrChange& init) {
  if (!dir.is_dir()) co_return Status(StatusCode::kPreconditionFailed, "not a directory");
  SKY_CO_RETURN_IF_ERROR(check_name(dir.key, name));
  if (target.empty() || target.size() > kMaxKeyLength)
    co_return Status::invalid_argument("bad symbolic link target");
  std::string key = dir.key + name;
  SKY_CO_ASSIGN_OR_RETURN(bool is_dir, co_await dir_exists(share, key + "/"));
  if (is_dir) co_return Status::already_exists("a directory has that name");
  FileAttrs a = new_attrs(share, FileType::kSymlink, init);
  a.mode = 0777;
  std::map<std::string, std::string> meta;
  attrs_to_metadata(a, &meta);
  SKY_CO_RETURN_IF_ERROR(co_await put_empty(share, key, meta, true, target));
  SKY_CO_ASSIGN_OR_RETURN(auto info, co_await head(share.bucket, key));
  if (!info) co_return Status(StatusCode::kConflict, "link removed while made");
  co_return co_await file_node(share, *info);
}

Task<Result<std::string>> FileService::readlink(const Share& share, const FileNode& link) {
  if (link.attrs.type != FileType::kSymlink)
    co_return Status::invalid_argument("not a symbolic link");
  GetOptions g;
  auto r = co_await objects_.reads().get_object(system_caller(), share.bucket, link.key, g);
  if (!r.is_ok()) co_return r.status();
  std::string target;
  while (target.size() <= kMaxKeyLength) {
    auto b = co_await (*r)->read(kMaxKeyLength + 1);
    if (!b.is_ok()) co_return b.status();
    if (b->empty()) break;
    target.append(b->view());
  }
  co_return target;
}

Task<Status> FileService::remove(const Share& share, const FileNode& dir, const std::string& name) {
  if (!dir.is_dir()) co_return Status(StatusCode::kPreconditionFailed, "not a directory");
  SKY_CO_RETURN_IF_ERROR(check_name(dir.key, name));
  std::string key = dir.key + name;
  SKY_CO_ASSIGN_OR_RETURN(auto info, co_await head(share.bucket, key));
  if (!info) {
    SKY_CO_ASSIGN_OR_RETURN(bool is_dir, co_await dir_exists(share, key + "/"));
    if (is_dir) co_return Status(StatusCode::kMethodNotAllowed, "is a directory");
    co_return Status::not_found("no such file");
  }
  SKY_CO_RETURN_IF_ERROR(co_await keep_dir(share, dir));
  auto id = co_await runtime_.blocking([&] { return ids_.id_of(share.bucket, key); });
  if (!id.is_ok()) co_return id.status();
  writeback_.forget(id->id);
  // The id goes first: a crash in between leaves the file with a stale
  // handle (found again by name), never its old handle on a later file.
  Status gone = co_await runtime_.blocking([&] { return ids_.removed(share.bucket, key); });
  if (!gone.is_ok()) co_return gone;
  DeleteOptions d;
  auto deleted = co_await objects_.writes().delete_object(system_caller(), share.bucket, key, d);
  co_return deleted.status();
}

Task<Status> FileService::rmdir(const Share& share, const FileNode& dir, const std::string& name) {
  if (!dir.is_dir()) co_return Status(StatusCode::kPreconditionFailed, "not a directory");
  SKY_CO_RETURN_IF_ERROR(check_name(dir.key, name));
  std::string key = dir.key + name;
  SKY_CO_ASSIGN_OR_RETURN(auto file, co_await head(share.bucket, key));
  if (file) co_return Status(StatusCode::kPreconditionFailed, "not a directory");
  std::string dkey = key + "/";
  ListObjectsOptions lo;
  lo.prefix = dkey;
  lo.max_keys = 2;
  auto list = co_await objects_.reads().list_objects(system_caller(), share.bucket, lo);
  if (!list.is_ok()) co_return list.status();
  bool marker = false;
  for (const auto& o : list->objects) {
    if (o.key != dkey) co_return Status(StatusCode::kNotEmpty, "directory not empty");
    marker = true;
  }
  if (!marker) co_return Status::not_found("no such directory");
  SKY_CO_RETURN_IF_ERROR(co_await keep_dir(share, dir));
  // The id goes first: a crash in between leaves the file with a stale
  // handle (found again by name), never its old handle on a later file.
  Status gone = co_await runtime_.blocking([&] { return ids_.removed(share.bucket, dkey); });
  if (!gone.is_ok()) co_return gone;
  DeleteOptions d;
  auto deleted = co_await objects_.writes().delete_object(system_caller(), share.bucket, dkey, d);
  co_return deleted.status();
}

Task<Status> FileService::rename_dir(const Share& share, const std::string& from,
                                     const std::string& to) {
  if (from == to) co_return Status::ok();
  if (to.starts_with(from))
    co_return Status::invalid_argument("cannot move a directory into itself");
  SKY_CO_ASSIGN_OR_RETURN(auto file, co_await head(share.bucket, to.substr(0, to.size() - 1)));
  if (file) co_return Status(StatusCode::kPreconditionFailed, "not a directory");
  SKY_CO_ASSIGN_OR_RETURN(bool exists, co_await dir_exists(share, to));
  if (exists) co_return Status::already_exists("target directory exists");
  // Staged writes under the directory are published first (they name the
  // old keys); what is staged while it moves follows it.
  SKY_CO_RETURN_IF_ERROR(co_await writeback_.flush_prefix(share.bucket, from));
  // Every object and every file id under the directory moves in one
  // metadata commit: no reader sees half a tree, handles keep working.
  const std::function<Status(MetaBatch*)> ids = [&](MetaBatch* batch) {
    return ids_.stage_moved_prefix(batch, share.bucket, from, to);
  };
  auto moved = co_await objects_.writes().rename_prefix(system_caller(), share.bucket, from, to,
                                                        kMaxRenameEntries, ids);
  if (!moved.is_ok()) {
    if (moved.status().code() == StatusCode::kTooLarge) {
      co_return Status::not_supported("renaming a directory of more than " +
                                      std::to_string(kMaxRenameEntries) +
                                      " entries is not implemented");
    }
    co_return moved.status();
  }
  writeback_.moved_prefix(share.bucket, from, to);
  co_return Status::ok();
}

Task<Status> FileService::rename(const Share& share, const FileNode& from_dir,
                                 const std::string& from_name, const FileNode& to_dir,
                                 const std::string& to_name) {
  if (!from_dir.is_dir() || !to_dir.is_dir())
    co_return Status(StatusCode::kPreconditionFailed, "not a directory");
  SKY_CO_RETURN_IF_ERROR(check_name(from_dir.key, from_name));
  SKY_CO_RETURN_IF_ERROR(check_name(to_dir.key, to_name));
  std::string from = from_dir.key + from_name, to = to_dir.key + to_name;
  SKY_CO_ASSIGN_OR_RETURN(auto src, co_await head(share.bucket, from));
  if (!src) {
    SKY_CO_ASSIGN_OR_RETURN(bool is_dir, co_await dir_exists(share, from + "/"));
    if (!is_dir) co_return Status::not_found("no such file or directory");
    SKY_CO_RETURN_IF_ERROR(co_await keep_dir(share, from_dir));
    co_return co_await rename_dir(share, from + "/", to + "/");
  }
  if (from == to) co_return Status::ok();
  SKY_CO_ASSIGN_OR_RETURN(bool to_is_dir, co_await dir_exists(share, to + "/"));
  if (to_is_dir) co_return Status(StatusCode::kMethodNotAllowed, "target is a directory");
  auto ids = co_await runtime_.blocking([&] {
    std::vector<std::string> keys{from, to};
    return ids_.ids_of(share.bucket, keys);
  });
  if (!ids.is_ok()) co_return ids.status();
  // The source's staged writes go first; the target's old contents go.
  SKY_CO_RETURN_IF_ERROR(co_await writeback_.flush((*ids)[0].id));
  writeback_.forget((*ids)[1].id);
  SKY_CO_RETURN_IF_ERROR(co_await keep_dir(share, from_dir));
  CopyOptions c;
  c.keep_source_encryption = true;
  auto copied = co_await objects_.writes().copy_object(system_caller(), share.bucket, from,
                                                       share.bucket, to, c);
  if (!copied.is_ok()) co_return copied.status();
  // Copy, move the id, then remove the old key: a crash in between leaves
  // both names (the rename is retried), and handles keep working.
  Status moved = co_await runtime_.blocking([&] { return ids_.moved(share.bucket, from, to); });
  if (!moved.is_ok()) co_return moved;
  DeleteOptions d;
  auto deleted = co_await objects_.writes().delete_object(system_caller(), share.bucket, from, d);
  co_return deleted.status();
}

// ---------------------------------------------------------------- attributes

Task<Result<FileNode>> FileService::setattr(const Share& share, const FileNode& node,
                                            const FileAttrChange& change) {
  int64_t now = now_ns();
  if (change.size) {
    if (node.is_dir()) co_return Status(StatusCode::kMethodNotAllowed, "is a directory");
    if (node.attrs.type == FileType::kSymlink)
      co_return Status::invalid_argument("cannot truncate a symbolic link");
    writeback_.resize(node.attrs.file_id, share.bucket, node.key, node.attrs.size, *change.size,
                      now);
  }
  if (!node.is_dir()) SKY_CO_RETURN_IF_ERROR(co_await writeback_.flush(node.attrs.file_id));
  bool attrs = change.mode || change.uid || change.gid || change.atime_ns || change.mtime_ns;
  if (attrs) {
    if (node.key.empty()) co_return Status::not_supported("a whole-bucket root has no attributes");
    SKY_CO_ASSIGN_OR_RETURN(auto info, co_await head(share.bucket, node.key));
    FileAttrs a = node.attrs;
    if (info) {
      a = attrs_from_metadata(info->user_metadata, node.attrs.type, info->size,
                              to_ns(info->last_modified), share);
    }
    if (change.mode) a.mode = *change.mode & 07777;
    if (change.uid) a.uid = *change.uid;
    if (change.gid) a.gid = *change.gid;
    if (change.atime_ns) a.atime_ns = *change.atime_ns;
    if (change.mtime_ns) a.mtime_ns = *change.mtime_ns;
    a.ctime_ns = now;
    std::map<std::string, std::string> meta =
        info ? info->user_metadata : std::map<std::string, std::string>();
    attrs_to_metadata(a, &meta);
    if (info) {
      SKY_CO_RETURN_IF_ERROR(co_await replace_metadata(share, *info, meta));
    } else if (node.is_dir()) {
      SKY_CO_RETURN_IF_ERROR(co_await put_empty(share, node.key, meta, false));
    } else {
      co_return Status::not_found("stale file handle");
    }
  }
  co_return co_await node_of_key(share, node.key);
}

// ---------------------------------------------------------------- data

Task<Result<ReadResult>> FileService::read(const Share& share, const FileNode& file,
                                           uint64_t offset, uint32_t count) {
  if (file.is_dir()) co_return Status(StatusCode::kMethodNotAllowed, "is a directory");
  if (file.attrs.type == FileType::kSymlink) co_return Status::invalid_argument("a symbolic link");
  SKY_CO_RETURN_IF_ERROR(co_await writeback_.flush(file.attrs.file_id));
  ReadResult out;
  if (count == 0) co_return out;
  GetOptions g;
  g.range = ByteRange{offset, offset + count - 1, std::nullopt};
  auto r = co_await objects_.reads().get_object(system_caller(), share.bucket, file.key, g);
  if (!r.is_ok()) {
    if (r.status().code() != StatusCode::kOutOfRange) co_return r.status();
    out.eof = true;
    co_return out;
  }
  while (out.data.size() < count) {
    auto b = co_await (*r)->read(count - out.data.size());
    if (!b.is_ok()) co_return b.status();
    if (b->empty()) break;
    out.data.append(b->view());
  }
  out.eof = offset + out.data.size() >= (*r)->info().size;
  co_return out;
}

Task<Result<WriteStability>> FileService::write(const Share& share, const FileNode& file,
                                                uint64_t offset, std::string data,
                                                WriteStability stable) {
  if (file.is_dir()) co_return Status(StatusCode::kMethodNotAllowed, "is a directory");
  if (file.attrs.type == FileType::kSymlink) co_return Status::invalid_argument("a symbolic link");
  SKY_CO_ASSIGN_OR_RETURN(
      bool full, writeback_.stage(file.attrs.file_id, share.bucket, file.key, file.attrs.size,
                                  offset, std::move(data), now_ns()));
  if (stable == WriteStability::kUnstable && !full) co_return WriteStability::kUnstable;
  SKY_CO_RETURN_IF_ERROR(
      co_await writeback_.flush(file.attrs.file_id, stable != WriteStability::kUnstable));
  co_return stable == WriteStability::kUnstable ? WriteStability::kUnstable
                                                : WriteStability::kFileSync;
}

Task<Status> FileService::commit(const Share&, const FileNode& file) {
  if (file.is_dir()) co_return Status::ok();
  co_return co_await writeback_.flush(file.attrs.file_id, /*commit=*/true);
}

Task<void> FileService::flush_idle(int64_t idle_ns) {
  co_await writeback_.flush_idle(now_ns(), idle_ns);
}

Task<Result<ShareUsage>> FileService::usage(const Share& share) {
  auto b = co_await objects_.buckets().head_bucket(system_caller(), share.bucket);
  if (!b.is_ok()) co_return b.status();
  const SpaceUsage space = objects_.writes().space();
  co_return ShareUsage{b->bytes, b->objects, space.capacity, space.available};
}

}  // namespace skyarray::services
