// Fuzzes the ONC RPC and NFSv3 decoders: a CALL record (header, AUTH_SYS
// credential), then its arguments read the way the NFS procedures read
// them (file handle, names, sattr3, offsets, opaque data), and the file
// handle decoder. Nothing may crash, hang, read out of bounds or allocate
// more than the limits allow; results are ignored.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "protocols/nfs/nfs3_wire.h"
#include "protocols/nfs/nfs_handle.h"
#include "protocols/rpc/rpc_message.h"
#include "protocols/rpc/xdr.h"

using namespace skyarray;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  rpc::ParsedCall p = rpc::parse_call(in);
  if (p.outcome != rpc::CallParse::kOk) return 0;
  rpc::XdrDecoder d(p.call.args);
  auto fh = d.opaque(nfs::kMaxHandle);
  (void)nfs::NfsHandle::decode(fh);
  switch (p.call.proc % 4) {
    case 0:  // SETATTR / MKDIR shapes
      d.string(nfs::kMaxName);
      (void)nfs::decode_sattr3(d, 0);
      if (d.boolean()) d.u64();
      break;
    case 1:  // WRITE
      d.u64();
      d.u32();
      d.u32();
      d.opaque(nfs::kMaxTransfer);
      break;
    case 2:  // READDIRPLUS
      d.u64();
      d.fixed(8);
      d.u32();
      d.u32();
      break;
    default:  // CREATE (exclusive) / RENAME
      d.string(nfs::kMaxName);
      if (d.u32() == 2) d.fixed(8);
      d.opaque(nfs::kMaxHandle);
      d.string(nfs::kMaxName);
      break;
  }
  return 0;
}
