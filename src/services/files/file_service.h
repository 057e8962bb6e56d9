// FileService: files and directories over objects, shared by the file
// protocols (NFS today; the FUSE mount behind SMB, and FTP next). A share
// (share.h) shows a bucket, or a prefix of it, as a file tree:
//   - a file is the object at the same key (S3 sees it at once, and objects
//     put over S3 are files at once);
//   - a directory is a key prefix ending in '/', with an explicit marker
//     object "dir/" when made by MKDIR (or kept when its last entry goes);
//   - POSIX attributes live in the object's metadata (file_attrs.h);
//   - file ids and generations (file_ids.h) make handles that survive
//     restarts and renames and go stale after a delete;
//   - writes are staged per file and published as object versions
//     (file_writeback.h).
// Everything is built on the object service's parts (reads(), writes(),
// buckets()) with a system caller: the share's export rules and the mode
// bits (may_access) are the protocol door's to enforce.
//
// Errors (StatusCode) and what they mean here, for the doors' tables:
//   kNotFound            no such name (on resolve(): the handle is stale)
//   kAlreadyExists       the name is taken
//   kNotEmpty            rmdir of a directory with entries
//   kMethodNotAllowed    a directory where a file is needed (EISDIR)
//   kPreconditionFailed  a file where a directory is needed (ENOTDIR)
//   kTooLarge            a name over 255 bytes or a key over 1024
//   kInvalidArgument     a name with '/', "" or a NUL
//   kNotSupported        what is not implemented (renaming a directory
//                        of more than kMaxRenameEntries objects, or one
//                        holding evicted files; attributes of a
//                        whole-bucket root)
//   kInvalidArgument     also: reading, writing or truncating a symlink,
//                        readlink of anything else
//   kBucketNotFound      the share's bucket is gone
//   and the object service's kNoSpace, kIOError, kCorruption.
//
// Thread safety: every method may be called concurrently from any I/O
// thread; blocking work runs on the Runtime's pool. Arguments are taken by
// reference and must outlive the call (co_await in the same statement).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/async.h"
#include "common/status.h"
#include "services/files/file_attrs.h"
#include "services/files/file_ids.h"
#include "services/files/file_writeback.h"
#include "services/files/share.h"
#include "services/files/share_registry.h"

namespace skyarray {
class Runtime;
}

namespace skyarray::services {

class ObjectService;
struct ObjectInfo;
struct Caller;

// A file or directory of a share.
struct FileNode {
  // The object key of a file; a directory's prefix ending in '/' (the share
  // root: the share's prefix, "" for a whole bucket).
  std::string key;
  FileAttrs attrs;
  bool is_root = false;
  bool has_marker = false;  // directory: an explicit "dir/" object exists
  bool is_dir() const { return attrs.type == FileType::kDirectory; }
};

enum class CreateMode : uint8_t { kUnchecked, kGuarded, kExclusive };
// How durable a WRITE is when it returns (NFSv3 stable_how).
enum class WriteStability : uint8_t { kUnstable = 0, kDataSync = 1, kFileSync = 2 };

struct DirEntry {
  std::string name;
  uint64_t cookie = 0;  // pass back to readdir() to continue after this entry
  FileNode node;
};

struct DirPage {
  std::vector<DirEntry> entries;
  bool eof = false;
};

struct ReadResult {
  std::string data;
  bool eof = false;
};

struct ShareUsage {
  uint64_t bytes = 0;    // logical bytes of the bucket's versions
  uint64_t objects = 0;  // current objects of the bucket
  // The array's room for file data (ObjectWrites::space): every share of
  // the array draws on the same drives.
  uint64_t total_bytes = 0;
  uint64_t free_bytes = 0;
};

class FileService {
 public:
  // Longest name of one directory entry, in bytes.
  static constexpr size_t kMaxName = 255;
  // Most objects a directory rename moves (one metadata batch).
  static constexpr size_t kMaxRenameEntries = 100000;

  FileService(Runtime& runtime, ObjectService& objects, ShareRegistry& shares, FileIds& ids);
  ~FileService();

  // ------------------------------------------------------------ shares
  ShareRegistry& shares() { return shares_; }
  // The bucket must exist (kBucketNotFound).
  Task<Result<Share>> create_share(const Share& share);
  Task<Result<Share>> update_share(const std::string& name,
                                   const std::function<Status(Share&)>& change);
  Task<Status> remove_share(const std::string& name);

  // ------------------------------------------------------------ names
  Task<Result<FileNode>> root(const Share& share);
  // The node of a handle's id; kNotFound when the file is gone (stale).
  Task<Result<FileNode>> resolve(const Share& share, uint64_t file_id, uint32_t generation);
  // "." and ".." are understood (the root is its own parent).
  Task<Result<FileNode>> lookup(const Share& share, const FileNode& dir, const std::string& name);
  // Changes attributes; a size change truncates or extends (sparse) the
  // file and is durable when this returns.
  Task<Result<FileNode>> setattr(const Share& share, const FileNode& node,
                                 const FileAttrChange& change);
  // A new empty file. kUnchecked on an existing file returns it (truncated
  // when init.size says so); kGuarded fails with kAlreadyExists;
  // kExclusive succeeds again only for the same verifier.
  Task<Result<FileNode>> create(const Share& share, const FileNode& dir, const std::string& name,
                                const FileAttrChange& init, CreateMode mode,
                                const std::string& verifier);
  Task<Result<FileNode>> mkdir(const Share& share, const FileNode& dir, const std::string& name,
                               const FileAttrChange& init);
  // A symbolic link (file_attrs.h): an object holding `target`.
  // kAlreadyExists when the name is taken.
  Task<Result<FileNode>> symlink(const Share& share, const FileNode& dir, const std::string& name,
                                 const std::string& target, const FileAttrChange& init);
  // The target of a symbolic link; kInvalidArgument for anything else.
  Task<Result<std::string>> readlink(const Share& share, const FileNode& link);
  Task<Status> remove(const Share& share, const FileNode& dir, const std::string& name);
  Task<Status> rmdir(const Share& share, const FileNode& dir, const std::string& name);
  // Files move as metadata (the object is copied without its bytes, then
  // the old key removed; the file id follows). A directory moves with
  // everything under it in one metadata commit (ObjectWrites::
  // rename_prefix): every client, S3 listings included, sees the whole old
  // tree or the whole new one; file ids follow, so handles keep working.
  // The target directory must not exist (kAlreadyExists).
  Task<Status> rename(const Share& share, const FileNode& from_dir, const std::string& from_name,
                      const FileNode& to_dir, const std::string& to_name);

  // ------------------------------------------------------------ data
  Task<Result<ReadResult>> read(const Share& share, const FileNode& file, uint64_t offset,
                                uint32_t count);
  // Reads and writes of a symbolic link are kInvalidArgument.
  // Returns how durable the write is: kUnstable (staged in memory) or
  // kFileSync (published and durable; asked for with kDataSync/kFileSync).
  Task<Result<WriteStability>> write(const Share& share, const FileNode& file, uint64_t offset,
                                     std::string data, WriteStability stable);
  // Publishes the file's staged writes; durable when OK.
  Task<Status> commit(const Share& share, const FileNode& file);
  // Publishes files idle for `idle_ns` (called periodically by the door).
  Task<void> flush_idle(int64_t idle_ns);

  // ------------------------------------------------------------ listing
  // Entries after `cookie` (0: from the start, with "." and ".."), at most
  // `max_entries`, in key order. A cookie is the file id of the entry it
  // follows, so it stays valid while entries come and go around it.
  Task<Result<DirPage>> readdir(const Share& share, const FileNode& dir, uint64_t cookie,
                                size_t max_entries);
  Task<Result<ShareUsage>> usage(const Share& share);

 private:
  static const Caller& system_caller();
  static int64_t now_ns();
  // kInvalidArgument / kTooLarge for a name that cannot be an entry of dir_key.
  static Status check_name(const std::string& dir_key, const std::string& name);
  Task<Result<std::optional<ObjectInfo>>> head(const std::string& bucket, const std::string& key);
  Task<Result<bool>> dir_exists(const Share& share, const std::string& dir_key);
  Task<Result<FileNode>> file_node(const Share& share, const ObjectInfo& info);
  // The node of a listed or read object whose id is known.
  FileNode file_node(const Share& share, const ObjectInfo& info, const FileIdEntry& id) const;
  Task<Result<FileNode>> dir_node(const Share& share, const std::string& dir_key);
  Task<Result<FileNode>> node_of_key(const Share& share, const std::string& key);
  Task<Status> keep_dir(const Share& share, const FileNode& dir);
  // Puts a small object (a new file, a directory marker, a link, new
  // attributes), its file id staged in the same commit.
  Task<Status> put_empty(const Share& share, const std::string& key,
                         const std::map<std::string, std::string>& meta, bool exclusive,
                         const std::string& body = std::string());
  Task<Status> replace_metadata(const Share& share, const ObjectInfo& info,
                                const std::map<std::string, std::string>& meta);
  Task<Status> rename_dir(const Share& share, const std::string& from, const std::string& to);
  Task<Result<DirPage>> list_page(const Share& share, const FileNode& dir,
                                  const std::string& start_after, size_t max);
  FileAttrs new_attrs(const Share& share, FileType type, const FileAttrChange& init) const;

  Runtime& runtime_;
  ObjectService& objects_;
  ShareRegistry& shares_;
  FileIds& ids_;
  FileWriteback writeback_;
};

}  // namespace skyarray::services
