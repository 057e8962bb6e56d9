#include "protocols/nfs/nfs_handle.h"

#include "protocols/rpc/xdr.h"

namespace skyarray::nfs {

namespace {
constexpr size_t kSize = 20;
}

std::string NfsHandle::encode() const {
  rpc::XdrEncoder e;
  e.fixed(std::string_view("SK\x01\x00", 4));
  e.u32(share_id);
  e.u64(file_id);
  e.u32(generation);
  return e.take();
}

std::optional<NfsHandle> NfsHandle::decode(std::string_view bytes) {
  if (bytes.size() != kSize || bytes.substr(0, 4) != std::string_view("SK\x01\x00", 4))
    return std::nullopt;
  rpc::XdrDecoder d(bytes.substr(4));
  NfsHandle h;
  h.share_id = d.u32();
  h.file_id = d.u64();
  h.generation = d.u32();
  if (!d.ok()) return std::nullopt;
  return h;
}

}  // namespace skyarray::nfs
