// The streaming reader: one extent piece per read(), only the 64 KiB blocks
// that cover the requested bytes are read and each is verified against the
// chunk record's CRC32C before a byte is returned.
//
// Sequential reads stay ahead of the reader: after each piece the next
// kReadAhead bytes of the range are read and checked in the background (or,
// when no checked memory can be held, handed to the kernel with WILLNEED),
// so the drive works on the next chunk while this one is sent. Each read
// opens its chunk file afresh, so the kernel's own per-file readahead never
// builds up; this does its job across chunk files.
//
// read() copies out blocks that are held checked in memory
// (store/verified_chunk_cache.h) without checking them again.
//
// read_piece() hands out the replica file's range instead of the bytes, so a
// socket can take them from the page cache (sendfile) with no copy through
// user space. Its blocks are checked in memory the store holds (see
// store/verified_chunk_cache.h): a piece whose blocks were checked before
// is handed out at once, on the caller's thread; others are checked on an
// I/O thread first. A piece that does not verify on the first replica goes
// the read() way (failover, per-block assembly, repair). Read-ahead checks
// the next pieces into that memory in the background.
#include <spdlog/spdlog.h>
#include <algorithm>
#include <cstring>

#include "common/checksum.h"
#include "common/file_util.h"
#include "drives/chunk_file.h"
#include "store/blob_reader.h"
#include "store/store_core.h"

namespace skyarray {

namespace {

constexpr size_t kMaxReadBytes = 4 << 20;
constexpr uint64_t kReadAhead = 8 << 20;
constexpr uint64_t kBlock = ChunkFile::kBlockSize;

// The order in which a chunk's replicas are tried: healthiest state first;
// among equals, a rotating start: `rotation` is the reader's (each reader
// takes the next value) plus the chunk's id, so readers spread over the
// replicas, and every copy gets read (and a damaged one found and
// repaired) before the scrubber comes by. Within one reader the order is
// fixed, so read-ahead warms the copy the reader will read.
std::vector<Drive*> replica_order(StoreCore* store, uint64_t rotation, const ChunkRecord& rec) {
  std::vector<Drive*> replicas;
  for (uint32_t id : rec.drives) {
    if (Drive* d = store->drives().find(id); d && d->readable()) replicas.push_back(d);
  }
  order_for_reading(&replicas, rotation);
  return replicas;
}

class ChunkedBlobReader final : public BlobReader {
 public:
  ChunkedBlobReader(StoreCore* store, BlobRef range, std::vector<uint64_t> pinned)
      : store_(store),
        ref_(std::move(range)),
        remaining_(ref_.size()),
        rotation_(store->next_read_rotation()),
        pinned_(std::move(pinned)) {}
  ~ChunkedBlobReader() override { store_->pins().unpin(pinned_); }

  Task<Result<Buffer>> read(size_t max) override {
    if (remaining_ == 0 || max == 0) co_return Buffer();
    const auto& seg = ref_.segments()[seg_];
    Buffer out;
    if (const auto* inl = std::get_if<std::string>(&seg)) {
      size_t n = std::min<uint64_t>(max, inl->size() - seg_off_);
      out = Buffer(n);
      out.append(inl->data() + seg_off_, n);
    } else {
      const auto& e = std::get<ChunkExtent>(seg);
      size_t n = std::min<uint64_t>({max, kMaxReadBytes, e.length - seg_off_});
      out = Buffer(n);
      Status s = co_await store_->io().run(
          [&] { return read_verified(e.chunk_id, e.offset + seg_off_, n, &out); });
      if (!s.is_ok()) co_return s;
    }
    advance(out.size());
    read_ahead();
    co_return out;
  }

  Task<Result<BodyPiece>> read_piece(size_t max) override {
    BodyPiece piece;
    if (remaining_ == 0 || max == 0) co_return piece;
    const auto* e = std::get_if<ChunkExtent>(&ref_.segments()[seg_]);
    if (e != nullptr) {
      size_t n = std::min<uint64_t>({max, kMaxReadBytes, e->length - seg_off_});
      uint64_t offset = e->offset + seg_off_;
      piece.file = store_->verified().find(e->chunk_id, offset, n);
      if (piece.file) {
        store_->counters().foreground_bytes += n;
        advance(n);
        read_ahead();
        co_return piece;
      }
      Status s = co_await store_->io().run(
          [&] { return verified_range(e->chunk_id, offset, n, &piece.file); });
      if (!s.is_ok()) co_return s;
      if (piece.file) {
        advance(n);
        read_ahead();
        co_return piece;
      }
    }
    Result<Buffer> bytes = co_await read(max);
    if (!bytes.is_ok()) co_return bytes.status();
    piece.bytes = std::move(*bytes);
    co_return piece;
  }

  uint64_t remaining() const override { return remaining_; }

 private:
  // Runs on an I/O thread. Sets *range when the first replica's blocks
  // covering [offset, offset + n) all verify; leaves it empty for read() to
  // handle (an error, a mismatch, a moved replica). Errors only when the
  // chunk's record cannot be read.
  Status verified_range(uint64_t chunk_id, uint64_t offset, size_t n,
                        std::optional<FileRange>* range) {
    if (!record_ || record_id_ != chunk_id) SKY_RETURN_IF_ERROR(load_record(chunk_id));
    std::vector<Drive*> replicas = replica_order(store_, rotation_ + chunk_id, *record_);
    if (replicas.empty()) return Status();
    *range = store_->verified().verify(*replicas.front(), chunk_id, *record_, offset, n);
    if (*range) store_->counters().foreground_bytes += n;
    return Status();
  }

  void advance(uint64_t n) {
    remaining_ -= n;
    seg_off_ += n;
    if (seg_off_ == segment_length(seg_)) {
      ++seg_;
      seg_off_ = 0;
    }
  }

  // Hints the kernel to fetch the range's bytes up to kReadAhead past the
  // current position (see the file comment). The hints run on the I/O pool;
  // one that fails (a chunk collected meanwhile, say) costs nothing.
  void read_ahead() {
    if (ahead_seg_ < seg_ || (ahead_seg_ == seg_ && ahead_off_ < seg_off_)) {
      ahead_seg_ = seg_;
      ahead_off_ = seg_off_;
    }
    const auto& segs = ref_.segments();
    uint64_t dist = 0;  // bytes from the position to the hint cursor
    for (size_t i = seg_; i < ahead_seg_ && i < segs.size(); ++i) dist += segment_length(i);
    dist = dist - seg_off_ + ahead_off_;
    while (dist < kReadAhead && ahead_seg_ < segs.size()) {
      uint64_t len = segment_length(ahead_seg_) - ahead_off_;
      uint64_t n = std::min(len, kReadAhead - dist);
      const auto* e = std::get_if<ChunkExtent>(&segs[ahead_seg_]);
      if (e != nullptr && !store_->verified().holds(e->chunk_id, e->offset + ahead_off_, n)) {
        store_->io().post([store = store_, id = e->chunk_id, off = e->offset + ahead_off_, n,
                           rotation = rotation_ + e->chunk_id] {
          auto rec = store->chunk_record(id);
          if (!rec.is_ok()) return;
          std::vector<Drive*> order = replica_order(store, rotation, *rec);
          if (order.empty()) return;
          if (store->verified().holding()) {
            store->verified().verify(*order.front(), id, *rec, off, n);
          } else {
            ChunkFile::prefetch(*order.front(), id, off, n);
          }
        });
      }
      dist += n;
      ahead_off_ += n;
      if (ahead_off_ == segment_length(ahead_seg_)) {
        ++ahead_seg_;
        ahead_off_ = 0;
      }
    }
  }

  uint64_t segment_length(size_t i) const {
    const auto& seg = ref_.segments()[i];
    return std::holds_alternative<ChunkExtent>(seg) ? std::get<ChunkExtent>(seg).length
                                                    : std::get<std::string>(seg).size();
  }

  // Runs on an I/O thread.
  Status read_verified(uint64_t chunk_id, uint64_t offset, size_t n, Buffer* out) {
    // Blocks checked before and still held are copied out with no new check
    // (TLS connections read this way).
    if (auto held = store_->verified().find(chunk_id, offset, n)) {
      if (FileUtil::pread_all(held->fd(), out->data(), n, held->offset, "chunk").is_ok()) {
        out->resize(n);
        store_->counters().foreground_bytes += n;
        return Status();
      }
    }
    Status s = read_current(chunk_id, offset, n, out);
    if (s.code() != StatusCode::kCorruption) return s;
    // No replica has a good copy of some block: that is data loss, and it
    // is recorded now, with the object's name, not at the next scrub.
    std::string what =
        store_->record_loss(chunk_id, s.message(), /*by_read=*/true, /*owner=*/nullptr);
    return Status::corruption("data loss in " + what + ": " + s.message());
  }

  Status read_current(uint64_t chunk_id, uint64_t offset, size_t n, Buffer* out) {
    bool fresh = false;
    if (!record_ || record_id_ != chunk_id) {
      SKY_RETURN_IF_ERROR(load_record(chunk_id));
      fresh = true;
    }
    Status s = read_replicas(chunk_id, offset, n, out);
    if (s.is_ok() || fresh || s.code() == StatusCode::kCorruption) return s;
    // The record is cached per chunk: a rebuild or drain may have moved the
    // replicas since (the old files removed once the new list committed).
    std::vector<uint32_t> before = record_->drives;
    SKY_RETURN_IF_ERROR(load_record(chunk_id));
    if (record_->drives == before) return s;
    return read_replicas(chunk_id, offset, n, out);
  }

  Status load_record(uint64_t chunk_id) {
    auto rec = store_->chunk_record(chunk_id);
    if (!rec.is_ok()) return rec.status();
    record_ = std::move(*rec);
    record_id_ = chunk_id;
    return Status();
  }

  // Tries the record's replicas healthiest first.
  Status read_replicas(uint64_t chunk_id, uint64_t offset, size_t n, Buffer* out) {
    const ChunkRecord& rec = *record_;
    if (offset + n > rec.length) {
      return Status::corruption("blob reference points past the end of chunk " +
                                std::to_string(chunk_id));
    }
    uint64_t first = offset / kBlock;
    uint64_t end_byte =
        std::min<uint64_t>(rec.length, ((offset + n + kBlock - 1) / kBlock) * kBlock);
    uint64_t span = end_byte - first * kBlock;
    // A block-aligned piece (every piece of a sequential read) is read
    // straight into the caller's buffer; others go through scratch_.
    const bool direct = offset % kBlock == 0 && span == n;
    if (!direct && scratch_.capacity() < span)
      scratch_ = Buffer(std::max<uint64_t>(span, kMaxReadBytes + 2 * kBlock));
    uint8_t* dst = direct ? out->data() : scratch_.data();
    auto deliver = [&] {
      if (!direct) std::memcpy(out->data(), scratch_.data() + (offset - first * kBlock), n);
      out->resize(n);
      store_->counters().foreground_bytes += n;
    };

    std::vector<Drive*> replicas = replica_order(store_, rotation_ + chunk_id, rec);
    bool any_mismatch = false;
    Status last = read_first_good(rec, chunk_id, first, span, replicas, dst, &any_mismatch);
    if (last.is_ok()) {
      deliver();
      return Status();
    }
    if (any_mismatch && replicas.size() > 1) {
      // Every replica has a bad block somewhere in the span, but perhaps not
      // the same one: take each block from a replica where it verifies.
      Status s = read_per_block(rec, chunk_id, first, span, replicas, dst);
      if (s.is_ok()) {
        deliver();
        store_->counters().read_failovers++;
        return Status();
      }
      last = s;
    }
    if (any_mismatch && last.code() != StatusCode::kCorruption) {
      return Status::corruption("no replica of chunk " + std::to_string(chunk_id) +
                                " passed its checksum; last error: " + last.to_string());
    }
    return last;
  }

  // Reads blocks [first, first + span) into dst from the first replica
  // whose copy verifies, and has the replicas that failed their checksum
  // before it repaired from it. Sets `any_mismatch` when one did.
  Status read_first_good(const ChunkRecord& rec, uint64_t chunk_id, uint64_t first, uint64_t span,
                         const std::vector<Drive*>& replicas, uint8_t* dst, bool* any_mismatch) {
    Status last =
        Status::unavailable("no drive holding chunk " + std::to_string(chunk_id) + " is available");
    std::vector<Drive*> damaged;
    for (size_t r = 0; r < replicas.size(); ++r) {
      Drive* d = replicas[r];
      Status s = ChunkFile::read(*d, chunk_id, first * kBlock, span, dst);
      if (s.is_ok()) s = verify(rec, first, span, chunk_id, d, dst);
      if (s.is_ok()) {
        if (r > 0) store_->counters().read_failovers++;
        for (Drive* bad : damaged) {
          store_->io().post([store = store_, chunk_id, rec = rec, good = d->id(), bad = bad->id()] {
            store->repair_replica(chunk_id, rec, good, bad);
          });
        }
        return Status();
      }
      if (s.code() == StatusCode::kCorruption) {
        *any_mismatch = true;
        damaged.push_back(d);
      }
      d->note_error(s);
      last = s;
    }
    return last;
  }

  // Fills dst with blocks [first, first + span) taken one by one from the
  // first replica whose copy of that block verifies.
  Status read_per_block(const ChunkRecord& rec, uint64_t chunk_id, uint64_t first, uint64_t span,
                        const std::vector<Drive*>& replicas, uint8_t* dst) {
    for (uint64_t off = 0; off < span; off += kBlock) {
      uint64_t b = first + off / kBlock;
      size_t len = std::min<uint64_t>(kBlock, span - off);
      bool good = false;
      for (Drive* d : replicas) {
        if (!ChunkFile::read(*d, chunk_id, b * kBlock, len, dst + off).is_ok()) continue;
        if (b < rec.block_crcs.size() && crc32c(0, dst + off, len) == rec.block_crcs[b]) {
          good = true;
          break;
        }
      }
      if (!good) {
        return Status::corruption("chunk " + std::to_string(chunk_id) + " block " +
                                  std::to_string(b) + " failed its CRC32C on every replica");
      }
    }
    return Status();
  }

  Status verify(const ChunkRecord& rec, uint64_t first, uint64_t span, uint64_t chunk_id, Drive* d,
                const uint8_t* data) {
    for (uint64_t off = 0; off < span; off += kBlock) {
      uint64_t b = first + off / kBlock;
      size_t len = std::min<uint64_t>(kBlock, span - off);
      if (b >= rec.block_crcs.size() || crc32c(0, data + off, len) != rec.block_crcs[b]) {
        store_->counters().checksum_mismatches++;
        return Status::corruption("chunk " + std::to_string(chunk_id) + " block " +
                                  std::to_string(b) + " on drive " + std::to_string(d->id()) +
                                  " failed its CRC32C");
      }
    }
    return Status();
  }

  StoreCore* store_;
  BlobRef ref_;
  uint64_t remaining_;
  uint64_t rotation_;  // see replica_order()
  size_t seg_ = 0;
  uint64_t seg_off_ = 0;
  size_t ahead_seg_ = 0;  // read-ahead hints cover the range up to here
  uint64_t ahead_off_ = 0;
  std::optional<ChunkRecord> record_;
  uint64_t record_id_ = 0;
  Buffer scratch_;
  std::vector<uint64_t> pinned_;  // chunk_pins.h: unpinned at destruction
};

}  // namespace

Task<Result<BodyPiece>> BlobReader::read_piece(size_t max) {
  co_return piece_of(co_await read(max));
}

Result<std::unique_ptr<BlobReader>> make_blob_reader(StoreCore* store, BlobRef range) {
  // Every chunk of the range is pinned now, not as the reader reaches it: a
  // chunk later in the blob must not be collected before its turn.
  std::vector<uint64_t> ids;
  for (const auto& seg : range.segments()) {
    const auto* e = std::get_if<ChunkExtent>(&seg);
    if (e && (ids.empty() || ids.back() != e->chunk_id)) ids.push_back(e->chunk_id);
  }
  if (!store->pins().pin(ids)) return Status::not_found("the blob was deleted");
  return std::unique_ptr<BlobReader>(
      std::make_unique<ChunkedBlobReader>(store, std::move(range), std::move(ids)));
}

}  // namespace skyarray
