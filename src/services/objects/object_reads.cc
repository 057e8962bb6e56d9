// ObjectReads: get, head, list and a version's tags and ACL (object_reads.h).
#include "services/objects/object_reads.h"

#include "common/encoding.h"
#include "common/runtime.h"
#include "meta/key_codec.h"
#include "meta/meta_store.h"
#include "services/objects/object_context.h"
#include "services/objects/object_rules.h"
#include "services/objects/object_sse.h"
#include "services/objects/opening_object_reader.h"
#include "store/blob_store.h"

namespace skyarray::services {

namespace {

// Reads a version's bytes from the local store (or nothing: metadata only).
class StoreObjectReader final : public ObjectReader {
 public:
  StoreObjectReader(ObjectInfo info, uint64_t first, uint64_t length,
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

// The version a read addresses, after its conditions passed.
Result<ObjectRecord> resolve_read(ObjectContext& ctx, const Caller& caller,
                                  const std::string& bucket, const std::string& key,
                                  const GetOptions& options) {
  SKY_RETURN_IF_ERROR(validate_key(key));
  SKY_RETURN_IF_ERROR(ctx.load_bucket(caller, bucket).status());
  ObjectRecord rec;
  if (options.version_id) {
    SKY_ASSIGN_OR_RETURN(rec, ctx.load_version(bucket, key, *options.version_id));
    if (rec.delete_marker) {
      return Status(StatusCode::kMethodNotAllowed, "version is a delete marker");
    }
  } else {
    SKY_ASSIGN_OR_RETURN(auto latest, ctx.load_latest(bucket, key));
    if (!latest) return Status::not_found("object '" + key + "' does not exist");
    rec = std::move(*latest);
  }
  SKY_RETURN_IF_ERROR(check_read_conditions(options.conditions, rec, false));
  return rec;
}

// Whether `rec`, found by resolve_read, is the key's current version: always
// when no version was named, else one more lookup.
Result<bool> is_latest_version(ObjectContext& ctx, const std::string& bucket,
                               const std::string& key, const ObjectRecord& rec,
                               const GetOptions& options) {
  if (!options.version_id) return true;
  SKY_ASSIGN_OR_RETURN(auto latest, ctx.load_latest(bucket, key));
  return latest && latest->seq == rec.seq;
}
Result<std::string> decode_token(const std::string& token) {
  auto raw = hex_decode(token);
  if (!raw.is_ok()) return Status::invalid_argument("invalid continuation token");
  return std::move(raw).value();
}

}  // namespace

Task<Result<BodyPiece>> ObjectReader::read_piece(size_t max_bytes) {
  co_return piece_of(co_await read(max_bytes));
}

ObjectReads::ObjectReads(std::shared_ptr<ObjectContext> ctx) : ctx_(std::move(ctx)) {}

Task<Result<std::unique_ptr<ObjectReader>>> ObjectReads::get_object(const Caller& caller,
                                                                    const std::string& bucket,
                                                                    const std::string& key,
                                                                    const GetOptions& options) {
  auto ctx = ctx_;
  // Metadata reads only (chunk bytes are read later, by the reader): with the
  // records in RocksDB's cache this runs on the network thread, no hop.
  co_return co_await ctx->runtime().cached_or_blocking(
      [&]() -> Result<std::unique_ptr<ObjectReader>> {
        SKY_ASSIGN_OR_RETURN(auto rec, resolve_read(*ctx, caller, bucket, key, options));
        SKY_ASSIGN_OR_RETURN(auto range, resolve_range(rec, options));
        SKY_ASSIGN_OR_RETURN(bool is_latest, is_latest_version(*ctx, bucket, key, rec, options));
        // A local read of an encrypted version checks the SSE-C key as it
        // opens the data key; every other read checks it here.
        const bool opens_dek = !options.metadata_only && !rec.evicted && !rec.sse.empty();
        std::string dek;
        if (opens_dek) {
          SKY_ASSIGN_OR_RETURN(
              dek, ObjectSse::open_dek(ctx->key_store(), rec.sse, options.customer_key));
        } else {
          SKY_RETURN_IF_ERROR(ObjectSse::check_customer_key(rec.sse, options.customer_key));
        }
        if (options.metadata_only) {
          return std::unique_ptr<ObjectReader>(std::make_unique<StoreObjectReader>(
              rec.to_info(bucket, key, is_latest), range.first, range.second, nullptr));
        }
        if (rec.evicted && Runtime::memory_only()) {
          // Opening a cloud reader is not a pure memory read: do it on the pool.
          Runtime::note_would_block();
          return Status::unavailable("evicted object");
        }
        ctx->note_read(caller, bucket, key);
        if (rec.evicted) {
          return ctx->open_evicted(rec.to_info(bucket, key, is_latest), range.first, range.second);
        }
        if (opens_dek) {
          SKY_ASSIGN_OR_RETURN(auto runs, ObjectSse::runs_of(rec));
          return OpeningObjectReader::open(ctx->blobs(), rec.blob,
                                           rec.to_info(bucket, key, is_latest), std::move(runs),
                                           dek, range.first, range.second);
        }
        SKY_ASSIGN_OR_RETURN(auto blob,
                             ctx->blobs().new_reader(rec.blob, range.first, range.second));
        return std::unique_ptr<ObjectReader>(std::make_unique<StoreObjectReader>(
            rec.to_info(bucket, key, is_latest), range.first, range.second, std::move(blob)));
      });
}

Task<Result<ObjectInfo>> ObjectReads::head_object(const Caller& caller, const std::string& bucket,
                                                  const std::string& key,
                                                  const GetOptions& options) {
  auto ctx = ctx_;
  co_return co_await ctx->runtime().cached_or_blocking([&]() -> Result<ObjectInfo> {
    SKY_ASSIGN_OR_RETURN(auto rec, resolve_read(*ctx, caller, bucket, key, options));
    GetOptions part_only;
    part_only.part_number = options.part_number;
    SKY_RETURN_IF_ERROR(resolve_range(rec, part_only).status());
    SKY_RETURN_IF_ERROR(ObjectSse::check_customer_key(rec.sse, options.customer_key));
    SKY_ASSIGN_OR_RETURN(bool is_latest, is_latest_version(*ctx, bucket, key, rec, options));
    return rec.to_info(bucket, key, is_latest);
  });
}

Task<Result<ListObjectsResult>> ObjectReads::list_objects(const Caller& caller,
                                                          const std::string& bucket,
                                                          const ListObjectsOptions& options) {
  auto ctx = ctx_;
  co_return co_await ctx->runtime().blocking([&]() -> Result<ListObjectsResult> {
    SKY_RETURN_IF_ERROR(ctx->load_bucket(caller, bucket).status());
    ListObjectsResult out;
    const uint32_t max_keys = std::min<uint32_t>(options.max_keys, 1000);
    if (max_keys == 0) return out;
    std::string marker = options.start_after;
    if (!options.continuation_token.empty()) {
      SKY_ASSIGN_OR_RETURN(marker, decode_token(options.continuation_token));
    }
    const std::string base = keys::latest_prefix(bucket, options.prefix);
    auto it = ctx->meta().scan(MetaCf::kObjects, base, KeyCodec::prefix_end(base));
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
      if (!options.with_metadata) info.user_metadata.clear();
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

// ---------------------------------------------------------------- tags and ACL

Task<Result<TagSet>> ObjectReads::get_object_tagging(const Caller& caller,
                                                     const std::string& bucket,
                                                     const std::string& key,
                                                     const std::optional<std::string>& version_id) {
  auto ctx = ctx_;
  co_return co_await ctx->runtime().blocking([&]() -> Result<TagSet> {
    SKY_RETURN_IF_ERROR(ctx->load_bucket(caller, bucket).status());
    SKY_ASSIGN_OR_RETURN(auto rec, ctx->load_addressed(bucket, key, version_id));
    return std::move(rec.tags);
  });
}

Task<Result<AccessControlList>> ObjectReads::get_object_acl(
    const Caller& caller, const std::string& bucket, const std::string& key,
    const std::optional<std::string>& version_id) {
  auto ctx = ctx_;
  co_return co_await ctx->runtime().blocking([&]() -> Result<AccessControlList> {
    SKY_RETURN_IF_ERROR(ctx->load_bucket(caller, bucket).status());
    SKY_ASSIGN_OR_RETURN(auto rec, ctx->load_addressed(bucket, key, version_id));
    return std::move(rec.acl);
  });
}

}  // namespace skyarray::services
