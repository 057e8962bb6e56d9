// ObjectReader: streams the bytes of one object version (or of a range of
// it) out of the object service.
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/async.h"
#include "common/body_piece.h"
#include "common/buffer.h"
#include "common/status.h"
#include "services/objects/object_types.h"

namespace skyarray::services {

// Used by one coroutine at a time.
class ObjectReader {
 public:
  virtual ~ObjectReader() = default;
  // The version being read (full metadata).
  virtual const ObjectInfo& info() const = 0;
  // The bytes this reader returns: [first, first + length) of the object.
  virtual uint64_t range_first() const = 0;
  virtual uint64_t range_length() const = 0;
  // Next piece of data, at most `max_bytes`; an empty Buffer at the end.
  // Data is CRC-verified by the store: a failure is kCorruption/kIOError,
  // never wrong bytes.
  virtual Task<Result<Buffer>> read(size_t max_bytes = 1 << 20) = 0;
  // As read(), but verified bytes on a local drive may come back as a file
  // range to send without a copy (common/body_piece.h). The default returns
  // read()'s bytes.
  virtual Task<Result<BodyPiece>> read_piece(size_t max_bytes);
};

}  // namespace skyarray::services
