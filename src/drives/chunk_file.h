// ChunkFile: one replica of one chunk, a file on a drive.
//
// Path: <drive>/chunks/<hh>/<chunk id as 16 hex digits>, hh = the id's low
// byte in hex (256 directories keep each directory small).
//
// File format, version 1:
//   [0, 8192)      header, little-endian:
//                    0  char[8] magic "SKYCHUNK"
//                    8  u32     format version (1)
//                   12  u32     header size (8192)
//                   16  u64     chunk id
//                   24  u64     data length
//                   32  u32     block size (65536)
//                   36  u32     block count = ceil(data length / block size)
//                   40  u32[]   CRC32C of each data block (max 2036 blocks)
//                 8188  u32     CRC32C of header bytes [0, 8188)
//   [8192, ...)    data
// The block CRCs are also in the chunk's metadata record, which is
// authoritative; the copy here lets a scrub or a metadata rebuild check a
// file on its own. Data starts 4 KiB-aligned so direct I/O stays possible.
//
// A file is created under <drive>/tmp/, fsynced, renamed into place and its
// directory fsynced: a chunk file with its final name is always complete.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "drives/drive.h"

namespace skyarray {

struct ChunkHeader {
  uint64_t chunk_id = 0;
  uint64_t length = 0;
  std::vector<uint32_t> block_crcs;
};

class ChunkFile {
 public:
  static constexpr uint32_t kFormatVersion = 1;
  static constexpr uint64_t kHeaderSize = 8192;
  static constexpr uint64_t kBlockSize = 64 << 10;
  static constexpr uint64_t kMaxBlocks = (kHeaderSize - 44) / 4;

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
  static Status write(Drive& drive, uint64_t chunk_id, const uint8_t* data, size_t n,
                      const std::vector<uint32_t>& crcs, bool durable = true);
  // Makes a replica written with durable = false durable: fdatasync of the
  // file and fsync of its directory.
  static Status sync(Drive& drive, uint64_t chunk_id);
  // Reads data bytes [offset, offset + n) of the replica into out (no
  // verification: the caller checks block CRCs).
  static Status read(Drive& drive, uint64_t chunk_id, uint64_t offset, size_t n, uint8_t* out);
  static Result<ChunkHeader> read_header(Drive& drive, uint64_t chunk_id);
  // Removes the replica and returns the bytes it occupied (0 if absent).
  static uint64_t remove(Drive& drive, uint64_t chunk_id);
  // Bytes a replica of `n` data bytes occupies.
  static uint64_t file_size(uint64_t n) { return kHeaderSize + n; }
};

}  // namespace skyarray
