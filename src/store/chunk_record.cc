#include "store/chunk_record.h"

#include <cstring>

#include "common/varint.h"
#include "meta/key_codec.h"

namespace skyarray {

std::string ChunkRecord::encode() const {
  std::string out;
  out.push_back(1);
  put_varint(&out, length);
  put_varint(&out, wanted);
  put_varint(&out, drives.size());
  for (uint32_t d : drives) put_varint(&out, d);
  put_varint(&out, block_crcs.size());
  for (uint32_t c : block_crcs) out.append(reinterpret_cast<const char*>(&c), 4);
  return out;
}

Result<ChunkRecord> ChunkRecord::decode(std::string_view in) {
  auto bad = [] { return Status::corruption("chunk record is malformed"); };
  if (in.empty() || in[0] != 1) return bad();
  in.remove_prefix(1);
  ChunkRecord r;
  uint64_t n = 0;
  uint64_t wanted = 0;
  if (!get_varint(&in, &r.length) || !get_varint(&in, &wanted) || wanted > 64) return bad();
  r.wanted = static_cast<uint32_t>(wanted);
  if (!get_varint(&in, &n) || n > 64) return bad();
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t d = 0;
    if (!get_varint(&in, &d)) return bad();
    r.drives.push_back(static_cast<uint32_t>(d));
  }
  if (!get_varint(&in, &n) || n * 4 != in.size()) return bad();
  r.block_crcs.resize(n);
  if (n) std::memcpy(r.block_crcs.data(), in.data(), n * 4);
  return r;
}

std::string ChunkRecord::record_key(uint64_t chunk_id) {
  return KeyCodec("c").add_u64(chunk_id).key();
}
std::string ChunkRecord::refcount_key(uint64_t chunk_id) {
  return KeyCodec("r").add_u64(chunk_id).key();
}
std::string ChunkRecord::rereplicate_key(uint64_t chunk_id) {
  return KeyCodec("rr/").add_u64(chunk_id).key();
}
std::string ChunkRecord::gc_key(uint64_t chunk_id, uint64_t seq) {
  return KeyCodec(std::string(kGcPrefix)).add_u64(chunk_id).add_u64(seq).key();
}

}  // namespace skyarray
