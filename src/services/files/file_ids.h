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
// Ids are assigned when a key is first seen through a share: a file or
// directory the share creates gets its id in the very batch that commits
// its object (stage_assign(), through a PutCommitStager), so the two are
// durable together; an object put over S3 gets one when first looked up or
// listed. An object that S3 overwrites, or deletes and puts again, keeps its
// id, since the record of the key is not told of S3 changes. A rename
// commits the id's move in its own batch before the old key goes, and a
// directory's rename in the batch that moves its objects; a removal marks
// the id deleted before the object goes: a crash in between leaves a stale
// handle or a second name, never a handle naming the wrong file.
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
class MetaBatch;
}  // namespace skyarray

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
  // The id of a key whose object `batch` commits: its id when it has one,
  // else a new one staged in `batch`. Blocking (allocating may commit a
  // new ceiling); in a memory-only run (Runtime::memory_only, a commit
  // tried on a network thread) it fails with note_would_block() rather
  // than assign, so the commit is redone on the pool.
  Result<FileIdEntry> stage_assign(MetaBatch* batch, const std::string& bucket,
                                   const std::string& key);
  // Where an id points (deleted ones too); nullopt for an unknown id.
  Result<std::optional<FileIdEntry>> find(uint64_t id) const;
  // The key moved (a rename): the id follows it; an id the destination key
  // had is marked deleted. Nothing changes when `from` has no id.
  Status moved(const std::string& bucket, const std::string& from, const std::string& to);
  // Stages into `batch` (the batch that moves the objects) the move of
  // every id of a key starting with `from` to the same key under `to`: a
  // directory's rename. Ids the new keys had are marked deleted. Blocking.
  Status stage_moved_prefix(MetaBatch* batch, const std::string& bucket, const std::string& from,
                            const std::string& to);
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
  // A fresh id for bucket/key, its records staged in `batch`.
  Result<FileIdEntry> assign(MetaBatch* batch, const std::string& bucket, const std::string& key)
      REQUIRES(mu_);
  Result<std::optional<FileIdEntry>> by_key(const std::string& bucket,
                                            const std::string& key) const;

  MetaStore& meta_;
  Mutex mu_;
  uint64_t next_ GUARDED_BY(mu_) = kFirstId;
  uint64_t ceiling_ GUARDED_BY(mu_) = kFirstId;
};

}  // namespace skyarray::services
