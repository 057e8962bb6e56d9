// StoreCounters: what the store counts since it opened, copied into
// StoreStats by BlobStore::stats(). Internal to store/.
//
// Thread safety: each counter is an atomic, updated without a lock.
#pragma once

#include <atomic>
#include <cstdint>

namespace skyarray {

struct StoreCounters {
  std::atomic<uint64_t> chunks_written{0};
  std::atomic<uint64_t> bytes_written{0};  // chunk bytes written by writers, every replica
  std::atomic<uint64_t> under_replicated_writes{0};
  std::atomic<uint64_t> shared_domain_writes{0};
  std::atomic<uint64_t> read_failovers{0};
  std::atomic<uint64_t> checksum_mismatches{0};
  std::atomic<uint64_t> chunks_collected{0};
  std::atomic<uint64_t> orphans_removed{0};
  std::atomic<uint64_t> replicas_repaired{0};
  std::atomic<uint64_t> data_loss_reads{0};   // reads that met a block no replica serves
  std::atomic<uint64_t> foreground_bytes{0};  // read + written by clients: paces the scrubber
};

}  // namespace skyarray
