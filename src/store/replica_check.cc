#include "store/replica_check.h"

#include <algorithm>
#include <cstring>
#include <optional>

#include "common/checksum.h"
#include "drives/chunk_file.h"
#include "store/chunk_access.h"

namespace skyarray {

namespace {

constexpr uint64_t kBlock = ChunkFile::kBlockSize;

}  // namespace

std::optional<ChunkOwner> ReplicaCheck::header_owner(Drive& d, uint64_t chunk_id,
                                                     const ChunkRecord& record) {
  auto h = ChunkFile::read_header(d, chunk_id);
  if (!h.is_ok() || h->chunk_id != chunk_id || h->length != record.length ||
      h->block_crcs != record.block_crcs) {
    return std::nullopt;
  }
  return std::move(h->owner);
}

std::optional<ChunkOwner> ReplicaCheck::choose_owner(const std::vector<ChunkOwner>& owners) {
  const ChunkOwner none;
  const bool any_named =
      std::any_of(owners.begin(), owners.end(), [&](const ChunkOwner& o) { return o != none; });
  std::optional<ChunkOwner> best;
  size_t best_votes = 0;
  for (const ChunkOwner& o : owners) {
    if (any_named && o == none) continue;
    size_t votes = std::count(owners.begin(), owners.end(), o);
    if (votes > best_votes) {
      best = o;
      best_votes = votes;
    }
  }
  return best;
}

std::optional<ChunkOwner> ReplicaCheck::owner_of(uint64_t chunk_id, const ChunkRecord& record,
                                                 const std::vector<Drive*>& sources) {
  std::vector<ChunkOwner> owners;
  for (Drive* d : sources) {
    if (!d->readable()) continue;
    if (auto o = header_owner(*d, chunk_id, record)) owners.push_back(std::move(*o));
  }
  return choose_owner(owners);
}

namespace {

// Blocks of the chunk that have a good copy in the check's data so far.
struct BlockTally {
  std::vector<bool> have;
  uint64_t missing = 0;
};

// Verifies every block of a replica read into `into` against the record;
// good blocks not had yet are copied into `data` (unless `into` is it).
void tally_blocks(const ChunkRecord& record, const uint8_t* into, uint8_t* data, BlockTally* tally,
                  ReplicaFinding* f) {
  const uint64_t blocks = tally->have.size();
  for (uint64_t b = 0; b < blocks; ++b) {
    uint64_t off = b * kBlock;
    size_t len = std::min<uint64_t>(kBlock, record.length - off);
    if (b >= record.block_crcs.size() || crc32c(0, into + off, len) != record.block_crcs[b]) {
      f->bad_blocks.push_back(static_cast<uint32_t>(b));
      continue;
    }
    if (!tally->have[b]) {
      if (into != data) std::memcpy(data + off, into + off, len);
      tally->have[b] = true;
      --tally->missing;
    }
  }
}

// Sizes the two buffers for the chunk: `reuse`'s when given, else fresh.
void prepare_buffers(uint64_t length, Buffer* bufs) {
  for (int i = 0; i < 2; ++i) {
    if (bufs[i].capacity() < std::max<uint64_t>(length, 1)) {
      bufs[i] = Buffer(std::max<uint64_t>(length, 1));
    }
    bufs[i].resize(length);
  }
}

}  // namespace

ReplicaCheck ReplicaCheck::run(ChunkAccess* chunks, uint64_t chunk_id, const ChunkRecord& record,
                               const std::vector<Drive*>& sources, bool all, Buffer* reuse) {
  ReplicaCheck out;
  BlockTally tally;
  tally.have.assign((record.length + kBlock - 1) / kBlock, false);
  tally.missing = tally.have.size();
  Buffer local[2];
  Buffer* bufs = reuse ? reuse : local;
  prepare_buffers(record.length, bufs);
  out.data = std::move(bufs[0]);
  Buffer& scratch = bufs[1];
  bool first = true;                              // the first replica read lands in `data` directly
  std::vector<std::optional<ChunkOwner>> owners;  // per replica in out.replicas (all)
  for (Drive* d : sources) {
    if (!all && tally.missing == 0) break;
    ReplicaFinding f;
    f.drive_id = d->id();
    if (!d->readable()) {
      out.replicas.push_back(std::move(f));
      owners.emplace_back();
      continue;
    }
    f.checked = true;
    uint8_t* into = first ? out.data.data() : scratch.data();
    Status s = ChunkFile::read(*d, chunk_id, 0, record.length, into);
    if (!s.is_ok()) {
      f.missing = true;
      if (s.code() != StatusCode::kNotFound) d->note_error(s);
      out.replicas.push_back(std::move(f));
      owners.emplace_back();
      continue;
    }
    out.bytes_read += record.length;
    if (all) {
      owners.push_back(header_owner(*d, chunk_id, record));
      f.header_bad = !owners.back();
    }
    tally_blocks(record, into, out.data.data(), &tally, &f);
    first = false;
    if (!f.bad_blocks.empty()) {
      chunks->count_checksum_mismatches(f.bad_blocks.size());
      d->note_error(Status::corruption("chunk block checksum"));
    }
    out.replicas.push_back(std::move(f));
  }
  out.complete = tally.missing == 0;
  for (uint64_t b = 0; b < tally.have.size() && !out.complete; ++b) {
    if (!tally.have[b]) out.lost_blocks.push_back(static_cast<uint32_t>(b));
  }
  out.settle_owner(chunk_id, record, sources, all, owners);
  return out;
}

void ReplicaCheck::settle_owner(uint64_t chunk_id, const ChunkRecord& record,
                                const std::vector<Drive*>& sources, bool all,
                                const std::vector<std::optional<ChunkOwner>>& owners) {
  std::optional<ChunkOwner> chosen;
  if (all) {
    std::vector<ChunkOwner> sound;
    for (const auto& o : owners) {
      if (o) sound.push_back(*o);
    }
    chosen = choose_owner(sound);
    // A sound header naming another owner than the others is a copy that
    // lost (or never had) it: as bad as a damaged header.
    for (size_t i = 0; i < replicas.size(); ++i) {
      if (chosen && owners[i] && *owners[i] != *chosen) {
        replicas[i].header_bad = true;
        replicas[i].owner_differs = true;
      }
    }
  } else {
    // Headers only (8 KiB each), of every source: the copy must not take
    // its owner from a replica that lost it while another still has it.
    chosen = owner_of(chunk_id, record, sources);
  }
  if (chosen) {
    owner = std::move(*chosen);
    owner_known = true;
  }
}

}  // namespace skyarray
