// Placement: which drives receive the replicas of a new chunk.
//
// Rules (DESIGN.md, "Redundancy"):
//   1. replicas go to distinct failure domains, widest first: each replica
//      prefers a node holding no replica yet, then an enclosure holding none,
//      then any drive holding none;
//   2. among the eligible drives, the choice is random weighted by
//      weight × available bytes, so fuller drives receive less;
//   3. with fewer drives than replicas the chunk is still written, to as
//      many drives as there are, and reported as under-replicated;
//      replicas sharing a node or enclosure are reported as well.
// Only drives that are writable and have `chunk_bytes` available qualify.
// Fails with kNoSpace when no drive has room, kUnavailable when no drive is
// online.
//
// Thread safety: a Placement is immutable apart from its random generator,
// which is guarded; choose() may be called concurrently.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "common/mutex.h"
#include "common/status.h"
#include "drives/drive.h"

namespace skyarray {

struct PlacementCandidate {
  uint32_t drive_id = 0;
  DriveLabel label;
  double weight = 1.0;
  uint64_t available = 0;
  bool writable = true;
};

struct PlacementDecision {
  std::vector<uint32_t> drive_ids;  // distinct; size <= replicas requested
  bool under_replicated = false;    // fewer drives than replicas requested
  bool shares_node = false;         // two replicas on one node
  bool shares_enclosure = false;    // two replicas in one enclosure
};

class Placement {
 public:
  explicit Placement(uint64_t seed = std::random_device{}()) : rng_(seed) {}

  // `existing` are the labels of replicas the chunk already has (rebuild):
  // new replicas avoid their domains as they avoid each other's. Candidates
  // must not include the drives already holding the chunk.
  Result<PlacementDecision> choose(const std::vector<PlacementCandidate>& candidates, int replicas,
                                   uint64_t chunk_bytes,
                                   const std::vector<DriveLabel>& existing = {});

 private:
  Mutex mu_;
  std::mt19937_64 rng_ GUARDED_BY(mu_);
};

}  // namespace skyarray
