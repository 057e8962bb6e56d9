#include "store/replica_check.h"

#include <algorithm>
#include <cstring>
#include <optional>

#include "common/checksum.h"
#include "drives/chunk_file.h"
#include "store/blob_store_impl.h"

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

ReplicaCheck ReplicaCheck::run(StoreCore* core, uint64_t chunk_id, const ChunkRecord& record,
                               const std::vector<Drive*>& sources, bool all, Buffer* reuse) {
  ReplicaCheck out;
  const uint64_t blocks = (record.length + kBlock - 1) / kBlock;
  std::vector<bool> have(blocks, false);
  uint64_t missing_blocks = blocks;
  Buffer local[2];
  Buffer* bufs = reuse ? reuse : local;
  for (int i = 0; i < 2; ++i) {
    if (bufs[i].capacity() < std::max<uint64_t>(record.length, 1)) {
      bufs[i] = Buffer(std::max<uint64_t>(record.length, 1));
    }
    bufs[i].resize(record.length);
  }
  out.data = std::move(bufs[0]);
  Buffer& scratch = bufs[1];
  bool first = true;                              // the first replica read lands in `data` directly
  std::vector<std::optional<ChunkOwner>> owners;  // per replica in out.replicas (all)
  for (Drive* d : sources) {
    if (!all && missing_blocks == 0) break;
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
    for (uint64_t b = 0; b < blocks; ++b) {
      uint64_t off = b * kBlock;
      size_t len = std::min<uint64_t>(kBlock, record.length - off);
      if (b >= record.block_crcs.size() || crc32c(0, into + off, len) != record.block_crcs[b]) {
        f.bad_blocks.push_back(static_cast<uint32_t>(b));
        continue;
      }
      if (!have[b]) {
        if (!first) std::memcpy(out.data.data() + off, into + off, len);
        have[b] = true;
        --missing_blocks;
      }
    }
    first = false;
    if (!f.bad_blocks.empty()) {
      core->counters.checksum_mismatches += f.bad_blocks.size();
      d->note_error(Status::corruption("chunk block checksum"));
    }
    out.replicas.push_back(std::move(f));
  }
  out.complete = missing_blocks == 0;
  for (uint64_t b = 0; b < blocks && !out.complete; ++b) {
    if (!have[b]) out.lost_blocks.push_back(static_cast<uint32_t>(b));
  }
  std::optional<ChunkOwner> owner;
  if (all) {
    std::vector<ChunkOwner> sound;
    for (const auto& o : owners) {
      if (o) sound.push_back(*o);
    }
    owner = choose_owner(sound);
    // A sound header naming another owner than the others is a copy that
    // lost (or never had) it: as bad as a damaged header.
    for (size_t i = 0; i < out.replicas.size(); ++i) {
      if (owner && owners[i] && *owners[i] != *owner) {
        out.replicas[i].header_bad = true;
        out.replicas[i].owner_differs = true;
      }
    }
  } else {
    // Headers only (8 KiB each), of every source: the copy must not take
    // its owner from a replica that lost it while another still has it.
    owner = owner_of(chunk_id, record, sources);
  }
  if (owner) {
    out.owner = std::move(*owner);
    out.owner_known = true;
  }
  return out;
}

}  // namespace skyarray
