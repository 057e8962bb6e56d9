#include "store/blob_ref.h"

#include <algorithm>

#include "common/varint.h"

namespace skyarray {

namespace {

uint64_t segment_size(const BlobRef::Segment& s) {
  if (const auto* e = std::get_if<ChunkExtent>(&s)) return e->length;
  return std::get<std::string>(s).size();
}

}  // namespace

BlobRef BlobRef::inline_bytes(std::string bytes) {
  BlobRef ref;
  ref.append(Segment(std::move(bytes)));
  return ref;
}

bool BlobRef::is_inline() const {
  for (const auto& s : segments_) {
    if (std::holds_alternative<ChunkExtent>(s)) return false;
  }
  return true;
}

std::vector<uint64_t> BlobRef::chunk_ids() const {
  std::vector<uint64_t> ids;
  for (const auto& s : segments_) {
    if (const auto* e = std::get_if<ChunkExtent>(&s)) {
      if (std::find(ids.begin(), ids.end(), e->chunk_id) == ids.end()) ids.push_back(e->chunk_id);
    }
  }
  return ids;
}

void BlobRef::append(Segment segment) {
  uint64_t n = segment_size(segment);
  if (n == 0) return;
  size_ += n;
  if (!segments_.empty()) {
    auto& last = segments_.back();
    auto* a = std::get_if<ChunkExtent>(&last);
    auto* b = std::get_if<ChunkExtent>(&segment);
    if (a && b && a->chunk_id == b->chunk_id && a->offset + a->length == b->offset) {
      a->length += b->length;
      return;
    }
    auto* sa = std::get_if<std::string>(&last);
    auto* sb = std::get_if<std::string>(&segment);
    if (sa && sb) {
      sa->append(*sb);
      return;
    }
  }
  segments_.push_back(std::move(segment));
}

void BlobRef::append(const BlobRef& other) {
  for (const auto& s : other.segments_) append(s);
}

Result<BlobRef> BlobRef::slice(uint64_t offset, uint64_t length) const {
  if (offset > size_ || length > size_ - offset) {
    return Status(StatusCode::kOutOfRange, "range " + std::to_string(offset) + "+" +
                                               std::to_string(length) + " beyond blob of " +
                                               std::to_string(size_) + " bytes");
  }
  BlobRef out;
  uint64_t pos = 0;
  for (const auto& s : segments_) {
    if (length == 0) break;
    uint64_t n = segment_size(s);
    if (offset >= pos + n) {
      pos += n;
      continue;
    }
    uint64_t skip = offset - pos;
    uint64_t take = std::min(n - skip, length);
    if (const auto* e = std::get_if<ChunkExtent>(&s)) {
      out.append(Segment(ChunkExtent{e->chunk_id, e->offset + skip, take}));
    } else {
      out.append(Segment(std::get<std::string>(s).substr(skip, take)));
    }
    offset += take;
    length -= take;
    pos += n;
  }
  return out;
}

std::string BlobRef::encode() const {
  std::string out;
  out.push_back(static_cast<char>(kFormatVersion));
  put_varint(&out, segments_.size());
  for (const auto& s : segments_) {
    if (const auto* e = std::get_if<ChunkExtent>(&s)) {
      out.push_back(1);
      put_varint(&out, e->chunk_id);
      put_varint(&out, e->offset);
      put_varint(&out, e->length);
    } else {
      const auto& bytes = std::get<std::string>(s);
      out.push_back(2);
      put_varint(&out, bytes.size());
      out.append(bytes);
    }
  }
  return out;
}

Result<BlobRef> BlobRef::decode(std::string_view in) {
  auto bad = [](std::string_view why) {
    return Status::corruption("blob reference: " + std::string(why));
  };
  if (in.empty() || static_cast<uint8_t>(in[0]) != kFormatVersion) return bad("unknown version");
  in.remove_prefix(1);
  uint64_t count = 0;
  if (!get_varint(&in, &count) || count > in.size()) return bad("bad segment count");
  BlobRef ref;
  for (uint64_t i = 0; i < count; ++i) {
    if (in.empty()) return bad("truncated");
    uint8_t kind = static_cast<uint8_t>(in[0]);
    in.remove_prefix(1);
    if (kind == 1) {
      ChunkExtent e;
      if (!get_varint(&in, &e.chunk_id) || !get_varint(&in, &e.offset) ||
          !get_varint(&in, &e.length)) {
        return bad("truncated extent");
      }
      if (e.length == 0) return bad("empty extent");
      if (e.offset + e.length < e.offset) return bad("extent overflows");
      ref.size_ += e.length;
      ref.segments_.push_back(e);
    } else if (kind == 2) {
      uint64_t n = 0;
      if (!get_varint(&in, &n) || n > in.size()) return bad("truncated inline bytes");
      if (n == 0) return bad("empty inline segment");
      ref.size_ += n;
      ref.segments_.push_back(std::string(in.substr(0, n)));
      in.remove_prefix(n);
    } else {
      return bad("unknown segment kind");
    }
  }
  if (!in.empty()) return bad("trailing bytes");
  return ref;
}

}  // namespace skyarray
