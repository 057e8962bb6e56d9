// StoreOptions: configuration of the local object store.
//
//   [store]
//   replicas = 3              # default copies of each chunk (1..16)
//   chunk_size = "8MiB"       # 1 MiB .. 64 MiB
//   inline_threshold = "64KiB" # blobs up to this size live in metadata
//   reserve = "1GiB"          # free space kept on every drive
//   io_threads = 0            # disk threads; 0: 4 per online drive, 8..64
//   gc_interval = "10s"       # how often deleted chunks are removed
//   checkpoint_interval = "1h" # metadata checkpoint to drives; 0 = never
//   checkpoint_copies = 2     # drives receiving each checkpoint
//   dev_drives = 3            # see below
//   rebuild_rate = "0"        # bytes/s written by re-replication; 0: unlimited
//   rebuild_parallelism = 0   # chunks re-replicated at once; 0: one per readable drive (2..32)
//   rebuild_interval = "10s"  # how often the re-replication queue is checked
//   scrub_interval = "7d"     # time from the end of one scrub pass to the next; 0 = never
//   scrub_rate = "64MiB"      # bytes/s read by the scrubber; 0: unlimited
//   scrub_busy_rate = "8MiB"  # scrub pace while foreground I/O exceeds scrub_busy_above
//   scrub_busy_above = "32MiB" # foreground bytes/s that count as busy
//   verified_cache = "1GiB"   # chunk bytes kept checked and locked in memory
//                             # (store/verified_chunk_cache.h); 0: none;
//                             # default 1 GiB or 1/16 of RAM if less
//
//   [[drive]]
//   path = "/srv/bay01"
//   label = "node1/enc1/01"   # failure domains: node/enclosure/bay
//   weight = 1.0
//   capacity = "0"            # optional quota; 0: the filesystem's size
//
// With no [[drive]] entries, a single-machine development layout is used:
// `dev_drives` directories <data>/drives/d0, d1, ... labelled
// local/e0/d0, local/e0/d1, ... (one node, one enclosure: replicas land on
// distinct drives of one filesystem, which protects against nothing but
// exercises every code path).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "drives/drive.h"

namespace skyarray {

class ConfigSection;

struct StoreOptions {
  std::string data_dir;  // <data>: metadata in <data>/meta unless meta_dir is set
  std::string meta_dir;
  int replicas = 3;
  uint64_t chunk_size = 8ull << 20;
  uint64_t inline_threshold = 64ull << 10;
  uint64_t reserve = 1ull << 30;
  int io_threads = 0;
  double gc_interval_seconds = 10;
  double checkpoint_interval_seconds = 3600;
  int checkpoint_copies = 2;
  int dev_drives = 3;
  std::vector<DriveConfig> drives;
  uint64_t rebuild_rate = 0;
  int rebuild_parallelism = 0;
  double rebuild_interval_seconds = 10;
  double scrub_interval_seconds = 7 * 86400;
  uint64_t scrub_rate = 64ull << 20;
  uint64_t scrub_busy_rate = 8ull << 20;
  uint64_t scrub_busy_above = 32ull << 20;
  uint64_t verified_cache = default_verified_cache();
  // Run the GC/checkpoint, rebuild and scrub threads. Tests turn it off and
  // call collect_garbage(), checkpoint(), rebuild_pass(), scrub_pass().
  bool background = true;

  static constexpr uint64_t kMinChunkSize = 1ull << 20;
  static constexpr uint64_t kMaxChunkSize = 64ull << 20;

  // 1 GiB, or a sixteenth of the machine's memory if that is less: the
  // cache's pages are locked, so a small box must keep room for the rest.
  static uint64_t default_verified_cache();

  // `store` is the [store] table, `drives` the [[drive]] entries.
  static Result<StoreOptions> from_config(const ConfigSection& store,
                                          const std::vector<ConfigSection>& drives,
                                          std::string data_dir);
  // The drives to open: `drives`, or the development layout.
  std::vector<DriveConfig> effective_drives() const;
  std::string effective_meta_dir() const;
};

}  // namespace skyarray
