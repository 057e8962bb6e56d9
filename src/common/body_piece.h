// BodyPiece: the next piece of a body on its way from a drive to a socket,
// either bytes in memory or a range of an open file.
//
// A file range lets the network layer send the bytes with sendfile(2):
// they go from the page cache to the socket without a copy through user
// space. Whoever returns a file range has already verified those bytes
// (the store checks each 64 KiB block's CRC32C just before); the receiver
// sends the range as it is, or reads it into memory when it cannot send
// files (TLS).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>

#include "common/buffer.h"
#include "common/status.h"
#include "common/unique_fd.h"

namespace skyarray {

struct FileRange {
  // Shared, as the store may keep the file open after the piece is sent
  // (store/verified_chunk_cache.h); holding it keeps the checked pages
  // locked in memory until then.
  std::shared_ptr<const UniqueFd> file;
  uint64_t offset = 0;  // in the file
  size_t length = 0;

  int fd() const { return file->get(); }
};

struct BodyPiece {
  Buffer bytes;                   // used when `file` is empty
  std::optional<FileRange> file;  // else the piece is this range

  size_t size() const { return file ? file->length : bytes.size(); }
  bool empty() const { return size() == 0; }

  // The piece as bytes in memory: reads a file range (kIOError on a short
  // read). For receivers that cannot send files.
  Result<Buffer> into_bytes() &&;
};

// A read's bytes as a piece: how a byte source with no file ranges to offer
// answers read_piece() (`co_return piece_of(co_await read(max));`).
Result<BodyPiece> piece_of(Result<Buffer> bytes);

}  // namespace skyarray
