// How an object version's Object Lock travels with its cloud copy, so that
// a restore (or any reader of the cloud bucket) knows it. Format version 1,
// user metadata of the cloud object (keys without "x-amz-meta-"):
//   skyarray-lock-mode           GOVERNANCE | COMPLIANCE (with a retention)
//   skyarray-lock-retain-until   retain-until date, decimal ns since the epoch
//   skyarray-lock-legal-hold     ON (absent: off)
// The cloud copy carries the lock as data, and the array keeps the cloud
// copy of a protected version (the upload dispatcher does not delete it).
// When the link's target can lock (CloudLink::lock_cloud_copy), the upload
// also puts the lock on the cloud object itself (CloudObjectAttrs).
#pragma once

#include <map>
#include <string>

#include "services/objects/object_types.h"

namespace skyarray::services {

// Adds the lock's keys to `meta` (none for an empty lock).
void put_lock_metadata(const ObjectLock& lock, std::map<std::string, std::string>* meta);
// Removes the lock's keys from `meta` and returns the lock they describe
// (empty when absent or unreadable: a damaged key locks nothing it cannot
// prove, and is dropped rather than shown as user metadata).
ObjectLock take_lock_metadata(std::map<std::string, std::string>* meta);

}  // namespace skyarray::services
