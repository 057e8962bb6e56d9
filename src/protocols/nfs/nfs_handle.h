// NfsHandle: the NFSv3 file handle (nfs_fh3, opaque up to 64 bytes) of a
// file of a share. Format version 1, 20 bytes, integers big-endian:
//   'S' 'K' version(1)=1 reserved(1)=0 share_id(4) file_id(8) generation(4)
// share_id names the share (services/files/share.h); file_id and generation
// the file (services/files/file_ids.h). Anything else is a bad handle
// (NFS3ERR_BADHANDLE); a well-formed handle whose file is gone is stale.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace skyarray::nfs {

struct NfsHandle {
  uint32_t share_id = 0;
  uint64_t file_id = 0;
  uint32_t generation = 0;

  std::string encode() const;
  static std::optional<NfsHandle> decode(std::string_view bytes);
};

}  // namespace skyarray::nfs
