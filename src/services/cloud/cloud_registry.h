// CloudRegistry: the cloud targets and bucket links configured on this
// array, kept in metadata (format: cloud_config.h) with target secrets sealed
// by SecretBox, and cached in memory for the commit path (link_of() is
// called inside every object change).
//
// Thread safety: all methods may be called concurrently. Methods that touch
// the MetaStore block: call them on the blocking pool.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/mutex.h"
#include "common/status.h"
#include "services/cloud/cloud_config.h"
#include "services/security/secret_box.h"

namespace skyarray {
class MetaStore;
}

namespace skyarray::services {

class CloudRegistry {
 public:
  // Loads every target and link (kCorruption when a secret does not open).
  static Result<std::unique_ptr<CloudRegistry>> open(MetaStore& meta, SecretBox box);

  // kAlreadyExists unless `replace`.
  Status add_target(const CloudTargetConfig& target, bool replace);
  // kConflict while a bucket is linked to it; kNotFound when absent.
  Status remove_target(const std::string& name);
  std::vector<CloudTargetConfig> targets() const;
  std::optional<CloudTargetConfig> target(const std::string& name) const;

  // kNotFound for an unknown target; kAlreadyExists when the bucket already
  // has a link.
  Status add_link(const CloudLink& link);
  Status remove_link(const std::string& bucket);
  std::vector<CloudLink> links() const;
  std::optional<CloudLink> link_of(const std::string& bucket) const;

 private:
  CloudRegistry(MetaStore& meta, SecretBox box) : meta_(meta), box_(std::move(box)) {}
  Status load();

  MetaStore& meta_;
  SecretBox box_;
  mutable Mutex mu_;
  std::unordered_map<std::string, CloudTargetConfig> targets_ GUARDED_BY(mu_);
  std::unordered_map<std::string, CloudLink> links_ GUARDED_BY(mu_);
};

}  // namespace skyarray::services
