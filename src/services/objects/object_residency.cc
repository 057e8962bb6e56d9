// ObjectResidency: eviction to the cloud tier, restore of versions whose
// bytes stay in the cloud, and refill of those bytes (object_residency.h).
#include "services/objects/object_residency.h"

#include "common/encoding.h"
#include "common/runtime.h"
#include "meta/meta_store.h"
#include "services/objects/blob_backed_writer.h"
#include "services/objects/object_context.h"
#include "services/objects/object_rules.h"

namespace skyarray::services {

namespace {

// Writes the bytes of an evicted version into the store, then swaps them
// into the version's record if it is still that version and still evicted.
class RefillWriter final : public BlobBackedWriter {
 public:
  RefillWriter(std::shared_ptr<ObjectContext> ctx, std::string bucket, std::string key,
               std::string etag)
      : BlobBackedWriter(ctx, ctx->blobs().new_writer()),
        bucket_(std::move(bucket)),
        key_(std::move(key)),
        etag_(std::move(etag)) {}

  void expect_checksum(ChecksumAlgorithm, std::string) override {}

 private:
  Result<ObjectInfo> install(const WrittenBlob& w, std::optional<CommitTicket>*) override {
    ObjectContext& ctx = this->ctx();
    ObjectContext::KeyGuard guard(ctx, bucket_, key_);
    if (!guard.held()) return Status::unavailable("key busy");
    SKY_ASSIGN_OR_RETURN(auto latest, ctx.load_latest(bucket_, key_));
    if (!latest || latest->etag != etag_ || !latest->evicted) {
      return Status(StatusCode::kPreconditionFailed, "object changed or is resident; not refilled");
    }
    if (w.ref.size() != latest->size) {
      return Status(StatusCode::kBadDigest, "cloud copy of " + key_ + " has " +
                                                std::to_string(w.ref.size()) + " bytes, expected " +
                                                std::to_string(latest->size));
    }
    // A plain ETag is the MD5 of the bytes: check them end to end.
    if (etag_.find('-') == std::string::npos && hex_encode(w.digests.md5) != etag_) {
      return Status(StatusCode::kBadDigest, "cloud copy of " + key_ + " has MD5 " +
                                                hex_encode(w.digests.md5) + ", expected " + etag_);
    }
    ObjectRecord rec = *latest;
    rec.blob = w.ref;
    rec.evicted = false;
    MetaBatch batch;
    SKY_RETURN_IF_ERROR(ctx.blobs().stage_commit(&batch, rec.blob));
    std::string value = rec.encode();
    batch.put(MetaCf::kObjects, keys::version(bucket_, key_, rec.seq), value);
    batch.put(MetaCf::kObjects, keys::latest(bucket_, key_), value);
    SKY_RETURN_IF_ERROR(ctx.meta().commit(std::move(batch)));
    return rec.to_info(bucket_, key_, true);
  }

  std::string bucket_;
  std::string key_;
  std::string etag_;
};

}  // namespace

ObjectResidency::ObjectResidency(std::shared_ptr<ObjectContext> ctx) : ctx_(std::move(ctx)) {}

Task<Status> ObjectResidency::evict_object(const std::string& bucket, const std::string& key,
                                           const std::string& etag) {
  auto ctx = ctx_;
  co_return co_await ctx->runtime().blocking([&]() -> Status {
    ObjectContext::KeyGuard guard(*ctx, bucket, key);
    SKY_ASSIGN_OR_RETURN(auto latest, ctx->load_latest(bucket, key));
    if (!latest || latest->etag != etag) {
      return Status(StatusCode::kPreconditionFailed, "object changed; not evicted");
    }
    if (latest->evicted) return Status::ok();
    // Refill writes plaintext: an encrypted version keeps its bytes here.
    if (!latest->sse.empty()) {
      return Status(StatusCode::kPreconditionFailed, "encrypted objects stay resident");
    }
    ObjectRecord rec = *latest;
    MetaBatch batch;
    ctx->blobs().stage_release(&batch, rec.blob);
    rec.blob = BlobRef();
    rec.evicted = true;
    std::string value = rec.encode();
    batch.put(MetaCf::kObjects, keys::version(bucket, key, rec.seq), value);
    batch.put(MetaCf::kObjects, keys::latest(bucket, key), value);
    return ctx->meta().commit(std::move(batch));
  });
}

Task<Status> ObjectResidency::import_evicted(const std::string& bucket, const std::string& key,
                                             const ImportedObject& object) {
  std::vector<ImportedObject> versions{object};
  co_return co_await import_versions(bucket, key, versions);
}

Task<Status> ObjectResidency::import_versions(const std::string& bucket, const std::string& key,
                                              const std::vector<ImportedObject>& versions) {
  SKY_CO_RETURN_IF_ERROR(validate_key(key));
  if (versions.empty()) co_return Status::invalid_argument("no versions to import");
  auto ctx = ctx_;
  co_return co_await ctx->runtime().blocking([&]() -> Status {
    ObjectContext::KeyGuard guard(*ctx, bucket, key);
    Caller sys{"", true};
    SKY_ASSIGN_OR_RETURN(auto bucket_rec, ctx->load_bucket(sys, bucket));
    SKY_ASSIGN_OR_RETURN(auto top, ctx->load_top_version(bucket, key));
    if (top) return Status(StatusCode::kConflict, "object '" + key + "' already exists");
    MetaBatch batch;
    uint64_t prev = 0;
    int64_t bytes = 0;
    ObjectRecord rec;
    for (const auto& v : versions) {
      rec = ObjectRecord();
      // Version ids are kept, so clients holding one find the same version.
      auto id = v.version_id.empty() ? Result<std::optional<uint64_t>>(Status::not_found(""))
                                     : parse_version_id(v.version_id);
      if (id.is_ok() && id->has_value()) {
        rec.seq = **id;
      } else {
        rec.null_version = id.is_ok() || bucket_rec.versioning != VersioningState::kEnabled;
        rec.seq = id.is_ok() ? prev + 1 : std::max<uint64_t>(prev + 1, now_ns());
      }
      if (rec.seq <= prev) {
        return Status::invalid_argument("versions of '" + key + "' are not oldest first");
      }
      prev = rec.seq;
      rec.delete_marker = v.delete_marker;
      rec.evicted = !v.delete_marker;
      rec.mtime_ns = v.mtime_ns ? v.mtime_ns : now_ns();
      rec.owner = v.owner.empty() ? bucket_rec.owner : v.owner;
      if (!v.delete_marker) {
        rec.size = v.size;
        rec.etag = v.etag;
        rec.content = v.content;
        rec.user_metadata = v.user_metadata;
        rec.tags = v.tags;
        rec.lock = v.lock;  // a restored version stays as locked as it was
        bytes += static_cast<int64_t>(v.size);
      }
      batch.put(MetaCf::kObjects, keys::version(bucket, key, rec.seq), rec.encode());
    }
    if (!rec.delete_marker) {
      batch.put(MetaCf::kObjects, keys::latest(bucket, key), rec.encode());
      batch.add(MetaCf::kCounters, keys::objects_counter(bucket), 1);
    }
    if (bytes) batch.add(MetaCf::kCounters, keys::bytes_counter(bucket), bytes);
    return ctx->meta().commit(std::move(batch));
  });
}

Result<std::unique_ptr<ObjectWriter>> ObjectResidency::refill_object(const std::string& bucket,
                                                                     const std::string& key,
                                                                     const std::string& etag) {
  return std::unique_ptr<ObjectWriter>(new RefillWriter(ctx_, bucket, key, etag));
}

}  // namespace skyarray::services
