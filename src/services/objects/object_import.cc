// Restore from the cloud tier: object records created with their bytes left
// in the cloud (evicted), and the bytes brought back later (prefetch, or a
// re-cache on read). Neither is a change of the object: a client sees the
// same version, ETag and metadata before and after, and the change hook is
// not told (nothing to upload).
#include <spdlog/spdlog.h>

#include "common/encoding.h"
#include "services/objects/object_service_impl.h"

namespace skyarray::services {

namespace {

// Writes the bytes of an evicted version into the store, then swaps them
// into the version's record if it is still that version and still evicted.
class RefillWriter final : public ObjectWriter {
 public:
  RefillWriter(std::shared_ptr<ObjectService::Impl> impl, std::string bucket, std::string key,
               std::string etag)
      : impl_(std::move(impl)),
        bucket_(std::move(bucket)),
        key_(std::move(key)),
        etag_(std::move(etag)) {
    blob_ = impl_->blobs.new_writer();
  }

  Task<Status> write(Buffer data) override {
    if (done_) co_return Status::invalid_argument("write after commit or abort");
    co_return co_await blob_->write(std::move(data));
  }
  void expect_checksum(ChecksumAlgorithm, std::string) override {}
  uint64_t bytes_written() const override { return blob_->bytes_written(); }

  Task<void> abort() override {
    if (done_) co_return;
    done_ = true;
    co_await blob_->abort();
  }

  Task<Result<ObjectInfo>> commit() override {
    if (done_) co_return Status::invalid_argument("commit after commit or abort");
    done_ = true;
    SKY_CO_ASSIGN_OR_RETURN(WrittenBlob written, co_await blob_->finish());
    auto impl = impl_;
    Result<ObjectInfo> r = co_await impl->rt.blocking([&] { return install(written); });
    if (!r.is_ok()) co_await impl->rt.blocking([&] { impl->blobs.discard(written.ref); });
    co_return r;
  }

 private:
  Result<ObjectInfo> install(const WrittenBlob& w) {
    auto& impl = *impl_;
    std::shared_lock buckets(impl.buckets_mu);
    size_t s = impl.stripe(bucket_, key_);
    ObjectService::Impl::KeyLocks lock(impl, s, s);
    SKY_ASSIGN_OR_RETURN(auto latest, impl.load_latest(bucket_, key_));
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
    SKY_RETURN_IF_ERROR(impl.blobs.stage_commit(&batch, rec.blob));
    std::string value = rec.encode();
    batch.put(MetaCf::kObjects, keys::version(bucket_, key_, rec.seq), value);
    batch.put(MetaCf::kObjects, keys::latest(bucket_, key_), value);
    SKY_RETURN_IF_ERROR(impl.meta.commit(std::move(batch)));
    return rec.to_info(bucket_, key_, true);
  }

  std::shared_ptr<ObjectService::Impl> impl_;
  std::string bucket_;
  std::string key_;
  std::string etag_;
  std::unique_ptr<BlobWriter> blob_;
  bool done_ = false;
};

}  // namespace

Task<Status> ObjectService::import_evicted(const std::string& bucket, const std::string& key,
                                           const ImportedObject& object) {
  std::vector<ImportedObject> versions{object};
  co_return co_await import_versions(bucket, key, versions);
}

Task<Status> ObjectService::import_versions(const std::string& bucket, const std::string& key,
                                            const std::vector<ImportedObject>& versions) {
  SKY_CO_RETURN_IF_ERROR(validate_key(key));
  if (versions.empty()) co_return Status::invalid_argument("no versions to import");
  auto impl = impl_;
  co_return co_await impl->rt.blocking([&]() -> Status {
    std::shared_lock buckets(impl->buckets_mu);
    size_t s = impl->stripe(bucket, key);
    Impl::KeyLocks lock(*impl, s, s);
    Caller sys{"", true};
    SKY_ASSIGN_OR_RETURN(auto bucket_rec, impl->load_bucket(sys, bucket));
    SKY_ASSIGN_OR_RETURN(auto top, impl->load_top_version(bucket, key));
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
        bytes += static_cast<int64_t>(v.size);
      }
      batch.put(MetaCf::kObjects, keys::version(bucket, key, rec.seq), rec.encode());
    }
    if (!rec.delete_marker) {
      batch.put(MetaCf::kObjects, keys::latest(bucket, key), rec.encode());
      batch.add(MetaCf::kCounters, keys::objects_counter(bucket), 1);
    }
    if (bytes) batch.add(MetaCf::kCounters, keys::bytes_counter(bucket), bytes);
    return impl->meta.commit(std::move(batch));
  });
}

Result<std::unique_ptr<ObjectWriter>> ObjectService::refill_object(const std::string& bucket,
                                                                   const std::string& key,
                                                                   const std::string& etag) {
  return std::unique_ptr<ObjectWriter>(new RefillWriter(impl_, bucket, key, etag));
}

}  // namespace skyarray::services
