#include "services/objects/chunk_owner_tag.h"

#include "services/objects/record_codec.h"

namespace skyarray::services {

namespace {
constexpr uint8_t kTagVersion = 1;
}  // namespace

std::string ChunkOwnerTag::encode() const {
  RecordWriter w;
  w.u8(kTagVersion).bytes(bucket).bytes(key).varint(write_ns).bytes(upload_id).varint(part_number);
  return w.take();
}

Result<ChunkOwnerTag> ChunkOwnerTag::decode(std::string_view tag) {
  RecordReader r(tag);
  ChunkOwnerTag t;
  uint8_t version = 0;
  if (!r.u8(&version) || version != kTagVersion) {
    return Status::corruption("chunk owner tag: not a version-1 object tag");
  }
  r.bytes(&t.bucket);
  r.bytes(&t.key);
  r.varint(&t.write_ns);
  r.bytes(&t.upload_id);
  uint64_t part = 0;
  r.varint(&part);
  if (!r.done() || part > UINT32_MAX) return Status::corruption("chunk owner tag: malformed");
  t.part_number = static_cast<uint32_t>(part);
  return t;
}

}  // namespace skyarray::services
