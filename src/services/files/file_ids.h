// FileIds: stable 64-bit file ids (NFS "fileid", the inode number) and
// generation numbers for the keys that file shares show, so that a file
// handle survives restarts and renames and is refused after a delete.
//
// Records (MetaCf::kFiles), format version 1, integers big-endian:
//   "k" bucket \0 key  -> id(8) generation(4)            the key's current id
//   "i" id(8)          -> generation(4) deleted(1) bucket \0 key
//                                                         where the id points
//   "n"                -> next(8)  ids below it may have been handed out
// A directory's key is its prefix ending in '/' (the share root: the share's
// prefix, "" for a whole bucket). Ids are never reused: a deleted file's id
// record stays, marked deleted, so its handles answer STALE while a file
// made later under the same name gets a new id. Generations are random, so
// handles from another array (or a wiped one) do not match.
// Ids are assigned when a key is first seen through a share (created,
// looked up or listed); an object that S3 deletes and puts again keeps its
// id, since the record of the key is not told of S3 changes. These records
// commit in their own batches, next to (not inside) the object change: the
// files service orders the two so that a crash between them leaves a
// stale handle or a second name, never a handle naming the wrong file.
//
// Thread safety: all methods may be called concurrently; all block on the
// MetaStore (call them on the blocking pool).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/mutex.h"
#include "common/status.h"

namespace skyarray {
class MetaStore;
}

namespace skyarray::services {

struct FileIdEntry {
  uint64_t id = 0;
  uint32_t generation = 0;
  std::string bucket;
  std::string key;
  bool deleted = false;
};

class FileIds {
 public:
  static Result<std::unique_ptr<FileIds>> open(MetaStore& meta);

  // The ids of bucket/keys, assigning new ones (in one batch) to keys that
  // have none. Same order as `keys`.
  Result<std::vector<FileIdEntry>> ids_of(const std::string& bucket,
                                          const std::vector<std::string>& keys);
  Result<FileIdEntry> id_of(const std::string& bucket, const std::string& key);
  // Where an id points (deleted ones too); nullopt for an unknown id.
  Result<std::optional<FileIdEntry>> find(uint64_t id) const;
  // The key moved (a rename): the id follows it; an id the destination key
  // had is marked deleted. Nothing changes when `from` has no id.
  Status moved(const std::string& bucket, const std::string& from, const std::string& to);
  // The key was removed: its id is marked deleted (ok when it had none).
  Status removed(const std::string& bucket, const std::string& key);

  // Ids below this are reserved (the share roots' own numbering, "." and
  // ".." cookies).
  static constexpr uint64_t kFirstId = 16;

 private:
  explicit FileIds(MetaStore& meta) : meta_(meta) {}
  Status load();
  // A fresh id, persisting a new ceiling every 4096 ids.
  Result<uint64_t> allocate() REQUIRES(mu_);
  Result<std::optional<FileIdEntry>> by_key(const std::string& bucket,
                                            const std::string& key) const;

  MetaStore& meta_;
  Mutex mu_;
  uint64_t next_ GUARDED_BY(mu_) = kFirstId;
  uint64_t ceiling_ GUARDED_BY(mu_) = kFirstId;
};

}  // namespace skyarray::services
