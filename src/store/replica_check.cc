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

// The replica's header, when it reads and agrees with the record.
std::optional<ChunkHeader> agreeing_header(Drive& d, uint64_t chunk_id, const ChunkRecord& record) {
  auto h = ChunkFile::read_header(d, chunk_id);
  if (!h.is_ok() || h->chunk_id != chunk_id || h->length != record.length ||
      h->block_crcs != record.block_crcs) {
    return std::nullopt;
  }
  return std::move(*h);
}

}  // namespace

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
  bool first = true;  // the first replica read lands in `data` directly
  bool have_owner = false;
  for (Drive* d : sources) {
    if (!all && missing_blocks == 0) break;
    ReplicaFinding f;
    f.drive_id = d->id();
    if (!d->readable()) {
      out.replicas.push_back(std::move(f));
      continue;
    }
    f.checked = true;
    uint8_t* into = first ? out.data.data() : scratch.data();
    Status s = ChunkFile::read(*d, chunk_id, 0, record.length, into);
    if (!s.is_ok()) {
      f.missing = true;
      if (s.code() != StatusCode::kNotFound) d->note_error(s);
      out.replicas.push_back(std::move(f));
      continue;
    }
    out.bytes_read += record.length;
    if (all || !have_owner) {
      auto h = agreeing_header(*d, chunk_id, record);
      if (all) f.header_bad = !h;
      if (h && !have_owner) {
        out.owner = std::move(h->owner);
        have_owner = true;
      }
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
  return out;
}

}  // namespace skyarray
