#include "common/body_piece.h"

#include "common/file_util.h"

namespace skyarray {

Result<Buffer> BodyPiece::into_bytes() && {
  if (!file) return std::move(bytes);
  Buffer out(file->length);
  out.resize(file->length);
  SKY_RETURN_IF_ERROR(
      FileUtil::pread_all(file->fd(), out.data(), file->length, file->offset, "file range"));
  return out;
}

Result<BodyPiece> piece_of(Result<Buffer> bytes) {
  if (!bytes.is_ok()) return bytes.status();
  BodyPiece piece;
  piece.bytes = std::move(*bytes);
  return piece;
}

}  // namespace skyarray
