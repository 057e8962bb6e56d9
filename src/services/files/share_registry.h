// ShareRegistry: the file shares configured on this array, kept in metadata
// (record format: share.h) and cached in memory, so that the per-request
// lookups (by name at mount, by id for every file handle) touch no disk.
//
// Thread safety: all methods may be called concurrently. create/update/
// remove commit to the MetaStore (blocking: call them on the blocking pool);
// the lookups read memory only.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/mutex.h"
#include "common/status.h"
#include "services/files/share.h"

namespace skyarray {
class MetaStore;
}

namespace skyarray::services {

class ShareRegistry {
 public:
  // Loads every share (kCorruption for an unreadable record).
  static Result<std::unique_ptr<ShareRegistry>> open(MetaStore& meta);

  // Validates, assigns the id and creation time, stores. kAlreadyExists for
  // a taken name. Returns the share as stored.
  Result<Share> create(Share share);
  // Applies `change` to a copy of the share, validates and stores it; the
  // name and id cannot change. kNotFound when absent.
  Result<Share> update(const std::string& name, const std::function<Status(Share&)>& change);
  // kNotFound when absent. The share's files stay in its bucket.
  Status remove(const std::string& name);

  std::vector<Share> list() const;  // by name
  std::optional<Share> get(const std::string& name) const;
  std::optional<Share> by_id(uint32_t id) const;

 private:
  explicit ShareRegistry(MetaStore& meta) : meta_(meta) {}
  Status load();
  Status store(const Share& share) REQUIRES(mu_);

  MetaStore& meta_;
  mutable Mutex mu_;
  std::unordered_map<std::string, Share> shares_ GUARDED_BY(mu_);
  uint32_t next_id_ GUARDED_BY(mu_) = 1;
};

}  // namespace skyarray::services
