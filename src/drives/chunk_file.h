// ChunkFile: one replica of one chunk, a file on a drive.
//
// Path: <drive>/chunks/<hh>/<chunk id as 16 hex digits>, hh = the id's low
// byte in hex (256 directories keep each directory small).
//
// File format, version 2 (written now):
//   [0, 8192)      header, little-endian:
//                    0  char[8] magic "SKYCHUNK"
//                    8  u32     format version (2)
//                   12  u32     header size (8192)
//                   16  u64     chunk id
//                   24  u64     data length
//                   32  u32     block size (65536)
//                   36  u32     block count = ceil(data length / block size)
//                   40  u64     chunk index within its blob (0-based)
//                   48  u64     byte offset of the chunk within its blob
//                   56  u32     owner tag length (<= 2048)
//                   60  u32     reserved (0)
//                   64  u32[]   CRC32C of each data block
//                   then        owner tag bytes
//                 8188  u32     CRC32C of header bytes [0, 8188)
//   [8192, ...)    data
// Version 1 (still read): the same up to offset 36, then the block CRCs at
// 40; no index, offset or owner.
//
// The block CRCs are also in the chunk's metadata record, which is
// authoritative; the copy here lets a scrub or a metadata rebuild check a
// file on its own. The owner tag is opaque to the store: its writer (the
// object service) names the object the chunk belongs to, so a chunk file
// found without metadata can be traced back to its object. Data starts
// 4 KiB-aligned: replicas are written with direct I/O (see write()).
//
// A file is created under <drive>/tmp/, fsynced, renamed into place and its
// directory fsynced: a chunk file with its final name is always complete.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "common/unique_fd.h"
#include "drives/drive.h"

namespace skyarray {

// Where a chunk belongs (format version 2): the tag its writer chose and the
// chunk's position in its blob.
struct ChunkOwner {
  std::string tag;      // opaque bytes, at most ChunkFile::kMaxOwnerSize
  uint64_t index = 0;   // the chunk's index within its blob
  uint64_t offset = 0;  // byte offset of the chunk's first byte within its blob

  bool operator==(const ChunkOwner&) const = default;
};

struct ChunkHeader {
  uint32_t version = 0;  // format version the file was written with
  uint64_t chunk_id = 0;
  uint64_t length = 0;
  std::vector<uint32_t> block_crcs;
  ChunkOwner owner;  // empty for version 1 files
};

class ChunkFile {
 public:
  static constexpr uint32_t kFormatVersion = 2;
  static constexpr uint64_t kHeaderSize = 8192;
  static constexpr uint64_t kBlockSize = 64 << 10;
  static constexpr size_t kMaxOwnerSize = 2048;
  // Room for block CRCs next to a full-size owner tag (94 MiB chunks; the
  // largest chunk_size is 64 MiB).
  static constexpr uint64_t kMaxBlocks = (kHeaderSize - 68 - kMaxOwnerSize) / 4;

  // The header of a version-2 file (kHeaderSize bytes into out). Fails when
  // the owner tag or the block count does not fit.
  static Status encode_header(const ChunkHeader& h, uint8_t* out);
  // Parses kHeaderSize bytes of a version 1 or 2 header: kCorruption for a
  // damaged header (magic, checksum, sizes), kNotSupported for an unknown
  // version.
  static Result<ChunkHeader> parse_header(const uint8_t* p);

  static std::string path(const Drive& drive, uint64_t chunk_id);
  // Parses a chunk file name; false for anything else.
  static bool parse_name(std::string_view name, uint64_t* chunk_id);

  // CRC32C of each kBlockSize block of data[0, n).
  static std::vector<uint32_t> block_crcs(const uint8_t* data, size_t n);

  // Writes a complete replica durably (see above). On any failure the temp
  // file is removed and nothing is left on the drive.
  //
  // With durable = false the file is written, its write-back started
  // (sync_file_range) and renamed, but not fsynced: a streaming writer then
  // calls sync() for all its chunks at once before the blob is acknowledged,
  // as fio's end_fsync does, instead of waiting for each chunk in turn. A
  // crash before sync() can leave a damaged file under its final name; it is
  // unreferenced (the metadata commit comes after sync), so startup recovery
  // removes it.
  //
  // The data goes to the drive with direct I/O (O_DIRECT) when `data` is
  // 4 KiB-aligned (a Buffer is): no copy into the page cache, no dirty
  // pages to write back and reclaim, so the CPU stays free for digests. A
  // length's unaligned tail, and file systems that refuse direct I/O, go
  // through the page cache. Durability does not depend on it: fdatasync
  // and the directory fsync still make the file durable.
  static Status write(Drive& drive, uint64_t chunk_id, const uint8_t* data, size_t n,
                      const std::vector<uint32_t>& crcs, bool durable = true,
                      const ChunkOwner& owner = ChunkOwner());
  // Makes a replica written with durable = false durable: fdatasync of the
  // file and fsync of its directory.
  static Status sync(Drive& drive, uint64_t chunk_id);
  // Reads data bytes [offset, offset + n) of the replica into out (no
  // verification: the caller checks block CRCs).
  static Status read(Drive& drive, uint64_t chunk_id, uint64_t offset, size_t n, uint8_t* out);
  // Opens the replica for reading; its data byte i is at file offset
  // kHeaderSize + i.
  static Result<UniqueFd> open_for_read(Drive& drive, uint64_t chunk_id);
  // Asks the kernel to start reading data bytes [offset, offset + n) of the
  // replica into the page cache (read-ahead); returns at once. Best effort.
  static void prefetch(Drive& drive, uint64_t chunk_id, uint64_t offset, size_t n);
  static Result<ChunkHeader> read_header(Drive& drive, uint64_t chunk_id);
  // The header of a chunk file anywhere (e.g. one moved to lost+found/).
  static Result<ChunkHeader> read_header_file(const std::string& path);
  // Removes the replica and returns the bytes it occupied (0 if absent).
  static uint64_t remove(Drive& drive, uint64_t chunk_id);
  // Bytes a replica of `n` data bytes occupies.
  static uint64_t file_size(uint64_t n) { return kHeaderSize + n; }
};

}  // namespace skyarray
