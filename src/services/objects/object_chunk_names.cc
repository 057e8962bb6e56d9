#include "services/objects/object_chunk_names.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/time.h"
#include "meta/meta_store.h"
#include "services/objects/chunk_owner_tag.h"
#include "services/objects/object_records.h"

namespace skyarray::services {

namespace {

// Names go into log lines and the health report: one line each.
std::string printable(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    auto b = static_cast<unsigned char>(c);
    if (b < 0x20 || b == 0x7f) {
      out += fmt::format("\\x{:02x}", b);
    } else {
      out.push_back(c);
    }
  }
  return out;
}

bool lists(const BlobRef& ref, uint64_t chunk_id) {
  auto ids = ref.chunk_ids();
  return std::find(ids.begin(), ids.end(), chunk_id) != ids.end();
}

}  // namespace

std::string ObjectChunkNames::name(uint64_t chunk_id, const ChunkOwner& owner) const {
  auto tag = ChunkOwnerTag::decode(owner.tag);
  if (!tag.is_ok()) return "";
  const std::string object = printable(tag->bucket) + "/" + printable(tag->key);
  size_t seen = 0;
  auto it = meta_.scan_prefix(MetaCf::kObjects, keys::versions_of(tag->bucket, tag->key));
  for (; it->valid() && seen < kMaxVersions; it->next(), ++seen) {
    auto rec = ObjectRecord::decode(it->value());
    if (rec.is_ok() && !rec->delete_marker && lists(rec->blob, chunk_id)) {
      return object + " version " + rec->version_id();
    }
  }
  if (!tag->upload_id.empty()) {
    auto part = meta_.get(MetaCf::kUploads,
                          keys::part(tag->bucket, tag->key, tag->upload_id, tag->part_number));
    if (part.is_ok() && part->has_value()) {
      auto rec = PartRecord::decode(**part);
      if (rec.is_ok() && lists(rec->blob, chunk_id)) {
        return object + " upload " + printable(tag->upload_id) + " part " +
               std::to_string(tag->part_number);
      }
    }
  }
  return object + " (no stored version holds it; written " +
         format_iso8601(from_ns(tag->write_ns)) + ")";
}

}  // namespace skyarray::services
