// ObjectService: reads (get, head) and listings (objects, versions).
#include "common/encoding.h"
#include "meta/key_codec.h"
#include "services/objects/object_service_impl.h"

namespace skyarray::services {

namespace {

class ObjectReaderImpl final : public ObjectReader {
 public:
  ObjectReaderImpl(ObjectInfo info, uint64_t first, uint64_t length,
                   std::unique_ptr<BlobReader> blob)
      : info_(std::move(info)), first_(first), length_(length), blob_(std::move(blob)) {}

  const ObjectInfo& info() const override { return info_; }
  uint64_t range_first() const override { return first_; }
  uint64_t range_length() const override { return length_; }
  Task<Result<Buffer>> read(size_t max_bytes) override {
    if (!blob_) co_return Buffer();  // metadata only
    if (max_bytes == 0) max_bytes = 1;
    co_return co_await blob_->read(max_bytes);
  }
  Task<Result<BodyPiece>> read_piece(size_t max_bytes) override {
    if (!blob_) co_return BodyPiece();  // metadata only
    if (max_bytes == 0) max_bytes = 1;
    co_return co_await blob_->read_piece(max_bytes);
  }

 private:
  ObjectInfo info_;
  uint64_t first_, length_;
  std::unique_ptr<BlobReader> blob_;
};

Status invalid_range(const std::string& why) {
  return Status(StatusCode::kOutOfRange, why);
}

// Where a ListObjectVersions page that follows (key_marker, version_id_marker)
// starts. A marker is a position in (key, newest-first version) order, not a
// reference: the version it names may have been deleted since the previous
// page (clients that empty a bucket page by page do exactly that), and the
// key may never have existed. A version id encodes its seq, so its position
// is known without the record. The null version's position is its seq, known
// only while it exists; once it is gone the page starts at the first
// remaining version of the key, which may list again a version newer than
// the deleted null one but never skips one.
Result<std::string> version_marker_position(const ObjectService::Impl& impl,
                                            const std::string& bucket, const std::string& key,
                                            const std::string& version_id_marker) {
  auto seq = parse_version_id(version_id_marker);
  if (!seq.is_ok()) {
    return Status::invalid_argument("invalid version id marker '" + version_id_marker + "'");
  }
  if (*seq) return keys::version(bucket, key, **seq) + '\x00';
  SKY_ASSIGN_OR_RETURN(auto null_rec, impl.find_null_version(bucket, key));
  if (null_rec) return keys::version(bucket, key, null_rec->seq) + '\x00';
  return keys::versions_of(bucket, key);
}

// [first, first + length) selected by options on an object of `rec`.
Result<std::pair<uint64_t, uint64_t>> resolve_range(const ObjectRecord& rec, const GetOptions& o) {
  const uint64_t size = rec.size;
  if (o.part_number) {
    if (o.range) return Status::invalid_argument("range and partNumber are exclusive");
    if (*o.part_number == 0) return Status::invalid_argument("part numbers start at 1");
    if (rec.parts.empty()) {
      if (*o.part_number != 1) return invalid_range("the object has one part");
      return std::make_pair(uint64_t{0}, size);
    }
    uint64_t offset = 0;
    for (const auto& p : rec.parts) {
      if (p.number == *o.part_number) return std::make_pair(offset, p.size);
      offset += p.size;
    }
    return invalid_range("no part " + std::to_string(*o.part_number));
  }
  if (!o.range) return std::make_pair(uint64_t{0}, size);
  const ByteRange& r = *o.range;
  if (r.suffix) {
    if (*r.suffix == 0 || size == 0) return invalid_range("unsatisfiable suffix range");
    uint64_t n = std::min(*r.suffix, size);
    return std::make_pair(size - n, n);
  }
  uint64_t first = r.first.value_or(0);
  if (first >= size) return invalid_range("range starts beyond the end");
  uint64_t last = std::min(r.last.value_or(size - 1), size - 1);
  if (last < first) return invalid_range("range ends before it starts");
  return std::make_pair(first, last - first + 1);
}

}  // namespace

Task<Result<BodyPiece>> ObjectReader::read_piece(size_t max_bytes) {
  co_return piece_of(co_await read(max_bytes));
}

namespace {
// The version a read addresses, after its conditions passed.
Result<ObjectRecord> resolve_read(ObjectService::Impl& impl, const Caller& caller,
                                  const std::string& bucket, const std::string& key,
                                  const GetOptions& options) {
  SKY_RETURN_IF_ERROR(validate_key(key));
  SKY_RETURN_IF_ERROR(impl.load_bucket(caller, bucket).status());
  ObjectRecord rec;
  if (options.version_id) {
    SKY_ASSIGN_OR_RETURN(rec, impl.load_version(bucket, key, *options.version_id));
    if (rec.delete_marker) {
      return Status(StatusCode::kMethodNotAllowed, "version is a delete marker");
    }
  } else {
    SKY_ASSIGN_OR_RETURN(auto latest, impl.load_latest(bucket, key));
    if (!latest) return Status::not_found("object '" + key + "' does not exist");
    rec = std::move(*latest);
  }
  SKY_RETURN_IF_ERROR(check_read_conditions(options.conditions, rec, false));
  return rec;
}

// Whether `rec`, found by resolve_read, is the key's current version: always
// when no version was named, else one more lookup.
Result<bool> is_latest_version(ObjectService::Impl& impl, const std::string& bucket,
                               const std::string& key, const ObjectRecord& rec,
                               const GetOptions& options) {
  if (!options.version_id) return true;
  SKY_ASSIGN_OR_RETURN(auto latest, impl.load_latest(bucket, key));
  return latest && latest->seq == rec.seq;
}
}  // namespace

Task<Result<std::unique_ptr<ObjectReader>>> ObjectService::get_object(const Caller& caller,
                                                                      const std::string& bucket,
                                                                      const std::string& key,
                                                                      const GetOptions& options) {
  auto impl = impl_;
  // Metadata reads only (chunk bytes are read later, by the reader): with the
  // records in RocksDB's cache this runs on the network thread, no hop.
  co_return co_await impl->rt.cached_or_blocking([&]() -> Result<std::unique_ptr<ObjectReader>> {
    SKY_ASSIGN_OR_RETURN(auto rec, resolve_read(*impl, caller, bucket, key, options));
    SKY_ASSIGN_OR_RETURN(auto range, resolve_range(rec, options));
    SKY_ASSIGN_OR_RETURN(bool is_latest, is_latest_version(*impl, bucket, key, rec, options));
    if (options.metadata_only) {
      return std::unique_ptr<ObjectReader>(std::make_unique<ObjectReaderImpl>(
          rec.to_info(bucket, key, is_latest), range.first, range.second, nullptr));
    }
    if (rec.evicted && Runtime::memory_only()) {
      // Opening a cloud reader is not a pure memory read: do it on the pool.
      Runtime::note_would_block();
      return Status::unavailable("evicted object");
    }
    if (impl->tiering) impl->tiering->note_read(caller, bucket, key);
    if (rec.evicted) {
      ObjectInfo info = rec.to_info(bucket, key, is_latest);
      if (!impl->tiering) return Status::not_supported("object bytes are in the cloud tier");
      return impl->tiering->open_evicted(info, range.first, range.second);
    }
    SKY_ASSIGN_OR_RETURN(auto blob, impl->blobs.new_reader(rec.blob, range.first, range.second));
    return std::unique_ptr<ObjectReader>(std::make_unique<ObjectReaderImpl>(
        rec.to_info(bucket, key, is_latest), range.first, range.second, std::move(blob)));
  });
}

Task<Result<ObjectInfo>> ObjectService::head_object(const Caller& caller, const std::string& bucket,
                                                    const std::string& key,
                                                    const GetOptions& options) {
  auto impl = impl_;
  co_return co_await impl->rt.cached_or_blocking([&]() -> Result<ObjectInfo> {
    SKY_ASSIGN_OR_RETURN(auto rec, resolve_read(*impl, caller, bucket, key, options));
    GetOptions part_only;
    part_only.part_number = options.part_number;
    SKY_RETURN_IF_ERROR(resolve_range(rec, part_only).status());
    SKY_ASSIGN_OR_RETURN(bool is_latest, is_latest_version(*impl, bucket, key, rec, options));
    return rec.to_info(bucket, key, is_latest);
  });
}

Task<Result<std::optional<ObjectInfo>>> ObjectService::delete_marker(
    const Caller& caller, const std::string& bucket, const std::string& key,
    const std::optional<std::string>& version_id) {
  auto impl = impl_;
  co_return co_await impl->rt.cached_or_blocking([&]() -> Result<std::optional<ObjectInfo>> {
    SKY_RETURN_IF_ERROR(impl->load_bucket(caller, bucket).status());
    SKY_ASSIGN_OR_RETURN(auto top, impl->load_top_version(bucket, key));
    std::optional<ObjectRecord> rec;
    if (!version_id) {
      rec = std::move(top);
    } else {
      auto v = impl->load_version(bucket, key, *version_id);
      if (!v.is_ok()) {
        if (v.status().code() == StatusCode::kNoSuchVersion ||
            v.status().code() == StatusCode::kNotFound)
          return std::optional<ObjectInfo>();
        return v.status();
      }
      rec = std::move(*v);
    }
    if (!rec || !rec->delete_marker) return std::optional<ObjectInfo>();
    bool is_latest = top && top->seq == rec->seq;
    return std::optional<ObjectInfo>(rec->to_info(bucket, key, is_latest));
  });
}

// ---------------------------------------------------------------- listing

namespace {

// The common prefix `key` rolls up into, or "" when it does not.
std::string common_prefix(const std::string& key, const std::string& prefix,
                          const std::string& delimiter) {
  if (delimiter.empty() || key.size() < prefix.size()) return {};
  size_t pos = key.find(delimiter, prefix.size());
  if (pos == std::string::npos) return {};
  return key.substr(0, pos + delimiter.size());
}

Result<std::string> decode_token(const std::string& token) {
  auto raw = hex_decode(token);
  if (!raw.is_ok()) return Status::invalid_argument("invalid continuation token");
  return std::move(raw).value();
}

}  // namespace

Task<Result<ListObjectsResult>> ObjectService::list_objects(const Caller& caller,
                                                            const std::string& bucket,
                                                            const ListObjectsOptions& options) {
  auto impl = impl_;
  co_return co_await impl->rt.blocking([&]() -> Result<ListObjectsResult> {
    SKY_RETURN_IF_ERROR(impl->load_bucket(caller, bucket).status());
    ListObjectsResult out;
    const uint32_t max_keys = std::min<uint32_t>(options.max_keys, 1000);
    if (max_keys == 0) return out;
    std::string marker = options.start_after;
    if (!options.continuation_token.empty()) {
      SKY_ASSIGN_OR_RETURN(marker, decode_token(options.continuation_token));
    }
    const std::string base = keys::latest_prefix(bucket, options.prefix);
    auto it = impl->meta.scan(MetaCf::kObjects, base, KeyCodec::prefix_end(base));
    if (marker.empty()) {
      it->seek_to_first();
    } else if (common_prefix(marker, options.prefix, options.delimiter) == marker) {
      it->seek(KeyCodec::prefix_end(keys::latest_prefix(bucket, marker)));
    } else {
      it->seek(keys::latest(bucket, marker) + '\x00');  // strictly after the marker
    }
    std::string b, key, last;
    uint32_t count = 0;
    while (it->valid()) {
      if (!keys::parse_latest(it->key(), &b, &key)) return Status::corruption("bad object key");
      if (count == max_keys) {
        out.is_truncated = true;
        break;
      }
      std::string cp = common_prefix(key, options.prefix, options.delimiter);
      ++count;
      if (!cp.empty()) {
        out.common_prefixes.push_back(cp);
        last = cp;
        it->seek(KeyCodec::prefix_end(keys::latest_prefix(bucket, cp)));
        continue;
      }
      SKY_ASSIGN_OR_RETURN(auto rec, ObjectRecord::decode(it->value()));
      ObjectInfo info = rec.to_info(bucket, key, true);
      info.parts.clear();
      info.user_metadata.clear();
      out.objects.push_back(std::move(info));
      last = key;
      it->next();
    }
    SKY_RETURN_IF_ERROR(it->status());
    if (out.is_truncated) {
      out.next_marker = last;
      out.next_continuation_token = hex_encode(last);
    }
    return out;
  });
}

Task<Result<ListVersionsResult>> ObjectService::list_object_versions(
    const Caller& caller, const std::string& bucket, const ListVersionsOptions& options) {
  auto impl = impl_;
  co_return co_await impl->rt.blocking([&]() -> Result<ListVersionsResult> {
    SKY_RETURN_IF_ERROR(impl->load_bucket(caller, bucket).status());
    ListVersionsResult out;
    const uint32_t max_keys = std::min<uint32_t>(options.max_keys, 1000);
    if (max_keys == 0) return out;
    const std::string base = keys::versions_prefix(bucket, options.prefix);
    auto it = impl->meta.scan(MetaCf::kObjects, base, KeyCodec::prefix_end(base));
    const std::string& km = options.key_marker;
    std::string prev_key;  // key of the previous entry seen (for is_latest)
    bool have_prev = false;
    if (km.empty()) {
      it->seek_to_first();
    } else if (common_prefix(km, options.prefix, options.delimiter) == km) {
      it->seek(KeyCodec::prefix_end(keys::versions_prefix(bucket, km)));
    } else if (options.version_id_marker.empty()) {
      it->seek(KeyCodec::prefix_end(keys::versions_of(bucket, km)));
    } else {
      SKY_ASSIGN_OR_RETURN(std::string pos,
                           version_marker_position(*impl, bucket, km, options.version_id_marker));
      it->seek(pos);
      // The first entry of km after the marker is the latest only when no
      // version of km sorts before the marker (the newer ones may have been
      // deleted since the previous page).
      auto first = impl->meta.scan_prefix(MetaCf::kObjects, keys::versions_of(bucket, km));
      first->seek_to_first();
      SKY_RETURN_IF_ERROR(first->status());
      prev_key = km;
      have_prev = first->valid() && first->key() < pos;
    }
    std::string b, key;
    uint64_t seq = 0;
    uint32_t count = 0;
    uint32_t scanned = 0;
    while (it->valid()) {
      if (!keys::parse_version(it->key(), &b, &key, &seq)) {
        return Status::corruption("bad version key");
      }
      if (count == max_keys || ++scanned > impl->options.max_scan_per_list) {
        out.is_truncated = true;
        break;
      }
      ++count;
      std::string cp = common_prefix(key, options.prefix, options.delimiter);
      if (!cp.empty()) {
        out.common_prefixes.push_back(cp);
        out.next_key_marker = cp;
        out.next_version_id_marker.clear();
        it->seek(KeyCodec::prefix_end(keys::versions_prefix(bucket, cp)));
        have_prev = false;
        continue;
      }
      SKY_ASSIGN_OR_RETURN(auto rec, ObjectRecord::decode(it->value()));
      bool is_latest = !have_prev || prev_key != key;
      ObjectInfo info = rec.to_info(bucket, key, is_latest);
      info.parts.clear();
      info.user_metadata.clear();
      out.next_key_marker = key;
      out.next_version_id_marker = info.version_id;
      out.versions.push_back(std::move(info));
      prev_key = key;
      have_prev = true;
      it->next();
    }
    SKY_RETURN_IF_ERROR(it->status());
    if (!out.is_truncated) {
      out.next_key_marker.clear();
      out.next_version_id_marker.clear();
    }
    return out;
  });
}

}  // namespace skyarray::services
