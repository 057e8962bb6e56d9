// ObjectVersions: version listings and delete markers (object_versions.h).
#include "services/objects/object_versions.h"

#include "common/runtime.h"
#include "meta/key_codec.h"
#include "meta/meta_store.h"
#include "services/objects/object_context.h"
#include "services/objects/object_rules.h"

namespace skyarray::services {

namespace {

// Where a ListObjectVersions page that follows (key_marker, version_id_marker)
// starts. A marker is a position in (key, newest-first version) order, not a
// reference: the version it names may have been deleted since the previous
// page (clients that empty a bucket page by page do exactly that), and the
// key may never have existed. A version id encodes its seq, so its position
// is known without the record. The null version's position is its seq, known
// only while it exists; once it is gone the page starts at the first
// remaining version of the key, which may list again a version newer than
// the deleted null one but never skips one.
Result<std::string> version_marker_position(const ObjectContext& ctx, const std::string& bucket,
                                            const std::string& key,
                                            const std::string& version_id_marker) {
  auto seq = parse_version_id(version_id_marker);
  if (!seq.is_ok()) {
    return Status::invalid_argument("invalid version id marker '" + version_id_marker + "'");
  }
  if (*seq) return keys::version(bucket, key, **seq) + '\x00';
  SKY_ASSIGN_OR_RETURN(auto null_rec, ctx.find_null_version(bucket, key));
  if (null_rec) return keys::version(bucket, key, null_rec->seq) + '\x00';
  return keys::versions_of(bucket, key);
}

// Where a ListObjectVersions page starts, and whether its first entry
// continues the key of the previous page (so is not that key's latest).
struct VersionsStart {
  std::optional<std::string> seek;  // nullopt: from the first entry
  std::string prev_key;
  bool have_prev = false;
};

Result<VersionsStart> versions_start(const ObjectContext& ctx, const std::string& bucket,
                                     const ListVersionsOptions& options) {
  const std::string& km = options.key_marker;
  VersionsStart start;
  if (km.empty()) return start;
  if (common_prefix(km, options.prefix, options.delimiter) == km) {
    start.seek = KeyCodec::prefix_end(keys::versions_prefix(bucket, km));
  } else if (options.version_id_marker.empty()) {
    start.seek = KeyCodec::prefix_end(keys::versions_of(bucket, km));
  } else {
    SKY_ASSIGN_OR_RETURN(std::string pos,
                         version_marker_position(ctx, bucket, km, options.version_id_marker));
    // The first entry of km after the marker is the latest only when no
    // version of km sorts before the marker (the newer ones may have been
    // deleted since the previous page).
    auto first = ctx.meta().scan_prefix(MetaCf::kObjects, keys::versions_of(bucket, km));
    first->seek_to_first();
    SKY_RETURN_IF_ERROR(first->status());
    start.prev_key = km;
    start.have_prev = first->valid() && first->key() < pos;
    start.seek = std::move(pos);
  }
  return start;
}

}  // namespace

ObjectVersions::ObjectVersions(std::shared_ptr<ObjectContext> ctx) : ctx_(std::move(ctx)) {}

Task<Result<ListVersionsResult>> ObjectVersions::list_object_versions(
    const Caller& caller, const std::string& bucket, const ListVersionsOptions& options) {
  auto ctx = ctx_;
  co_return co_await ctx->runtime().blocking([&]() -> Result<ListVersionsResult> {
    SKY_RETURN_IF_ERROR(ctx->load_bucket(caller, bucket).status());
    ListVersionsResult out;
    const uint32_t max_keys = std::min<uint32_t>(options.max_keys, 1000);
    if (max_keys == 0) return out;
    const std::string base = keys::versions_prefix(bucket, options.prefix);
    auto it = ctx->meta().scan(MetaCf::kObjects, base, KeyCodec::prefix_end(base));
    SKY_ASSIGN_OR_RETURN(VersionsStart start, versions_start(*ctx, bucket, options));
    if (start.seek) {
      it->seek(*start.seek);
    } else {
      it->seek_to_first();
    }
    std::string prev_key = std::move(start.prev_key);  // previous entry's key (is_latest)
    bool have_prev = start.have_prev;
    std::string b, key;
    uint64_t seq = 0;
    uint32_t count = 0;
    uint32_t scanned = 0;
    while (it->valid()) {
      if (!keys::parse_version(it->key(), &b, &key, &seq)) {
        return Status::corruption("bad version key");
      }
      if (count == max_keys || ++scanned > ctx->options().max_scan_per_list) {
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

Task<Result<std::optional<ObjectInfo>>> ObjectVersions::delete_marker(
    const Caller& caller, const std::string& bucket, const std::string& key,
    const std::optional<std::string>& version_id) {
  auto ctx = ctx_;
  co_return co_await ctx->runtime().cached_or_blocking([&]() -> Result<std::optional<ObjectInfo>> {
    SKY_RETURN_IF_ERROR(ctx->load_bucket(caller, bucket).status());
    SKY_ASSIGN_OR_RETURN(auto top, ctx->load_top_version(bucket, key));
    std::optional<ObjectRecord> rec;
    if (!version_id) {
      rec = std::move(top);
    } else {
      auto v = ctx->load_version(bucket, key, *version_id);
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

Task<Result<bool>> ObjectVersions::has_protected_version(const Caller& caller,
                                                         const std::string& bucket,
                                                         const std::string& key) {
  auto ctx = ctx_;
  co_return co_await ctx->runtime().blocking([&]() -> Result<bool> {
    SKY_RETURN_IF_ERROR(ctx->load_bucket(caller, bucket).status());
    const int64_t now = ctx->clock().now_ns();
    auto it = ctx->meta().scan_prefix(MetaCf::kObjects, keys::versions_of(bucket, key));
    for (it->seek_to_first(); it->valid(); it->next()) {
      SKY_ASSIGN_OR_RETURN(auto rec, ObjectRecord::decode(it->value()));
      if (rec.lock.protected_at(now)) return true;
    }
    SKY_RETURN_IF_ERROR(it->status());
    return false;
  });
}

}  // namespace skyarray::services
