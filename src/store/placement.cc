#include "store/placement.h"

#include <algorithm>

#include "common/space_reserve.h"

namespace skyarray {

namespace {

// Picks one index of `pool` at random, weighted by weight × available.
size_t weighted_pick(const std::vector<const PlacementCandidate*>& pool, std::mt19937_64& rng) {
  double total = 0;
  for (const auto* c : pool) total += std::max(c->weight, 0.0) * static_cast<double>(c->available);
  if (total <= 0) return std::uniform_int_distribution<size_t>(0, pool.size() - 1)(rng);
  double x = std::uniform_real_distribution<double>(0, total)(rng);
  for (size_t i = 0; i < pool.size(); ++i) {
    x -= std::max(pool[i]->weight, 0.0) * static_cast<double>(pool[i]->available);
    if (x < 0) return i;
  }
  return pool.size() - 1;
}

}  // namespace

Result<PlacementDecision> Placement::choose(const std::vector<PlacementCandidate>& candidates,
                                            int replicas, uint64_t chunk_bytes,
                                            const std::vector<DriveLabel>& existing) {
  if (replicas < 1) return Status::invalid_argument("replicas must be at least 1");
  std::vector<const PlacementCandidate*> eligible;
  bool any_writable = false;
  for (const auto& c : candidates) {
    if (!c.writable) continue;
    any_writable = true;
    if (c.available >= chunk_bytes && c.weight > 0) eligible.push_back(&c);
  }
  if (!any_writable) return Status::unavailable("no drive is online for writing");
  if (eligible.empty()) {
    return Status::no_space("no drive has room for the object's replicas: " +
                            human_bytes(chunk_bytes) + " needed above each drive's reserve");
  }

  PlacementDecision d;
  std::vector<const PlacementCandidate*> chosen;
  std::vector<PlacementCandidate> held;  // replicas the chunk already has
  for (const auto& l : existing) held.push_back(PlacementCandidate{.label = l});
  MutexLock lock(&mu_);
  while (static_cast<int>(chosen.size()) < replicas) {
    auto used = [&](auto same) {
      if (std::any_of(chosen.begin(), chosen.end(), same)) return true;
      return std::any_of(held.begin(), held.end(),
                         [&](const PlacementCandidate& h) { return same(&h); });
    };
    // Widest domain first: a new node, else a new enclosure, else a new drive.
    std::vector<const PlacementCandidate*> pool;
    for (int level = 0; level < 3 && pool.empty(); ++level) {
      for (const auto* c : eligible) {
        bool taken = used([&](const PlacementCandidate* o) {
          if (o == c) return true;
          if (level == 0) return o->label.node == c->label.node;
          if (level == 1) {
            return o->label.node == c->label.node && o->label.enclosure == c->label.enclosure;
          }
          return false;
        });
        if (!taken) pool.push_back(c);
      }
    }
    if (pool.empty()) break;
    const auto* pick = pool[weighted_pick(pool, rng_)];
    auto note_shared = [&](const DriveLabel& o) {
      if (o.node == pick->label.node) {
        d.shares_node = true;
        if (o.enclosure == pick->label.enclosure) d.shares_enclosure = true;
      }
    };
    for (const auto* o : chosen) note_shared(o->label);
    for (const auto& h : held) note_shared(h.label);
    chosen.push_back(pick);
  }
  for (const auto* c : chosen) d.drive_ids.push_back(c->drive_id);
  d.under_replicated = static_cast<int>(chosen.size()) < replicas;
  return d;
}

}  // namespace skyarray
