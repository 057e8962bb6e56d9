// ObjectService: puts, appends, upload parts (ObjectWriterImpl), deletes,
// copies and object tagging.
#include <spdlog/spdlog.h>

#include "common/encoding.h"
#include "services/objects/chunk_owner_tag.h"
#include "services/objects/object_service_impl.h"

namespace skyarray::services {

namespace {

Status position_mismatch(uint64_t position, uint64_t length) {
  return Status(StatusCode::kPositionMismatch, "append position " + std::to_string(position) +
                                                   " differs from the current length " +
                                                   std::to_string(length));
}

Result<std::string> digest_of(ChecksumAlgorithm alg, std::string_view data) {
  SKY_ASSIGN_OR_RETURN(auto sum, Checksum::create(alg));
  sum->update(data);
  return sum->finish();
}

uint64_t be_value(const std::string& d) {
  uint64_t v = 0;
  for (unsigned char c : d) v = (v << 8) | c;
  return v;
}

std::string be_bytes(uint64_t v, size_t n) {
  std::string out(n, '\0');
  for (size_t i = 0; i < n; ++i) out[n - 1 - i] = static_cast<char>(v >> (8 * i));
  return out;
}

}  // namespace

bool is_crc(ChecksumAlgorithm a) {
  return a == ChecksumAlgorithm::kCrc32 || a == ChecksumAlgorithm::kCrc32c ||
         a == ChecksumAlgorithm::kCrc64Nvme;
}

std::optional<std::string> combine_crc(ChecksumAlgorithm alg, const std::string& a,
                                       const std::string& b, uint64_t len_b) {
  switch (alg) {
    case ChecksumAlgorithm::kCrc32:
      return be_bytes(crc32_combine(uint32_t(be_value(a)), uint32_t(be_value(b)), len_b), 4);
    case ChecksumAlgorithm::kCrc32c:
      return be_bytes(crc32c_combine(uint32_t(be_value(a)), uint32_t(be_value(b)), len_b), 4);
    case ChecksumAlgorithm::kCrc64Nvme:
      return be_bytes(crc64_nvme_combine(be_value(a), be_value(b), len_b), 8);
    default:
      return std::nullopt;
  }
}

namespace {

// Appends `seg` (the newly written bytes) to `cur`, the object being extended.
Status extend_record(const ObjectRecord& cur, ObjectRecord* rec) {
  std::vector<ObjectPart> parts = cur.parts;
  if (parts.empty()) parts.push_back({1, cur.size, cur.etag, cur.checksum});
  ObjectPart seg{uint32_t(parts.size() + 1), rec->size, rec->etag, rec->checksum};
  parts.push_back(seg);
  if (parts.size() > kMaxParts) return Status(StatusCode::kTooLarge, "too many appends");
  std::string md5s;
  for (const auto& p : parts) {
    SKY_ASSIGN_OR_RETURN(auto raw, hex_decode(p.etag.substr(0, 32)));
    md5s += raw;
  }
  SKY_ASSIGN_OR_RETURN(auto md5, digest_of(ChecksumAlgorithm::kMd5, md5s));
  rec->etag = hex_encode(md5) + "-" + std::to_string(parts.size());
  std::optional<ObjectChecksum> sum;
  if (cur.checksum && rec->checksum && !cur.checksum->composite &&
      cur.checksum->algorithm == rec->checksum->algorithm && is_crc(cur.checksum->algorithm)) {
    auto c = combine_crc(cur.checksum->algorithm, cur.checksum->digest, rec->checksum->digest,
                         rec->size);
    if (c) sum = ObjectChecksum{cur.checksum->algorithm, *c, false, 0};
  }
  BlobRef blob = cur.blob;
  blob.append(rec->blob);
  rec->blob = std::move(blob);
  rec->size += cur.size;
  rec->checksum = std::move(sum);
  rec->parts = std::move(parts);
  // The first write decides the headers of an appendable object.
  rec->content = cur.content;
  rec->user_metadata = cur.user_metadata;
  rec->tags = cur.tags;
  rec->storage_class = cur.storage_class;
  return Status::ok();
}

}  // namespace

// ---------------------------------------------------------------- writer

class ObjectWriterImpl final : public ObjectWriter {
 public:
  ObjectWriterImpl(std::shared_ptr<ObjectService::Impl> impl, Caller caller, std::string bucket,
                   std::string key, PutOptions options, std::string upload_id, uint32_t part_number)
      : impl_(std::move(impl)),
        caller_(std::move(caller)),
        bucket_(std::move(bucket)),
        key_(std::move(key)),
        options_(std::move(options)),
        upload_id_(std::move(upload_id)),
        part_number_(part_number) {
    WriteOptions w;
    if (options_.checksum_algorithm) w.checksums.push_back(*options_.checksum_algorithm);
    w.expected_size = options_.expected_size;
    // Chunk files name the object they hold (read by metadata recovery).
    const auto started = static_cast<uint64_t>(now_ns());
    w.owner = ChunkOwnerTag{bucket_, key_, started, upload_id_, part_number_}.encode();
    blob_ = impl_->blobs.new_writer(w);
  }

  Task<Status> write(Buffer data) override {
    if (!sticky_.is_ok()) co_return sticky_;
    if (done_) co_return Status::invalid_argument("write after commit or abort");
    Status s = co_await blob_->write(std::move(data));
    if (!s.is_ok()) sticky_ = s;
    co_return s;
  }

  void expect_checksum(ChecksumAlgorithm algorithm, std::string raw_digest) override {
    if (options_.checksum_algorithm && *options_.checksum_algorithm != algorithm) {
      sticky_ = Status::invalid_argument("checksum algorithm differs from the one declared");
      return;
    }
    if (!options_.checksum_algorithm) {
      sticky_ = Status::invalid_argument("checksum trailer for an undeclared algorithm");
      return;
    }
    options_.expected_checksum = std::move(raw_digest);
  }

  uint64_t bytes_written() const override { return blob_->bytes_written(); }

  Task<void> abort() override {
    if (done_) co_return;
    done_ = true;
    co_await blob_->abort();
  }

  Task<Result<ObjectInfo>> commit() override {
    if (done_) co_return Status::invalid_argument("commit after commit or abort");
    if (!sticky_.is_ok()) {
      co_await abort();
      co_return sticky_;
    }
    done_ = true;
    SKY_CO_ASSIGN_OR_RETURN(WrittenBlob written, co_await blob_->finish());
    auto impl = impl_;
    Result<ObjectInfo> r = verify(written);
    CommitTicket durable;
    if (r.is_ok()) {
      r = co_await impl->rt.blocking([&] {
        return upload_id_.empty() ? commit_object(written, &durable)
                                  : commit_part(written, &durable);
      });
    }
    if (!r.is_ok()) {
      co_await impl->rt.blocking([&] { impl->blobs.discard(written.ref); });
      co_return r;
    }
    // Applied, and its key lock let go: the answer waits for the group
    // commit's sync without holding a thread of the blocking pool. On error
    // the record stays in place (its durability is unknown), so its blob is
    // kept too.
    Status s = co_await durable.wait();
    if (!s.is_ok()) co_return s;
    co_return r;
  }

 private:
  // Size and digests the client announced (nothing is visible yet).
  Result<ObjectInfo> verify(const WrittenBlob& w) {
    if (options_.expected_size && *options_.expected_size != w.ref.size()) {
      return Status::invalid_argument("body is " + std::to_string(w.ref.size()) +
                                      " bytes, expected " +
                                      std::to_string(*options_.expected_size));
    }
    if (!upload_id_.empty() && w.ref.size() > kMaxPartSize) {
      return Status(StatusCode::kTooLarge, "part larger than 5 GiB");
    }
    if (options_.expected_md5 && *options_.expected_md5 != w.digests.md5) {
      return Status(StatusCode::kBadDigest, "Content-MD5 does not match the body");
    }
    if (options_.expected_checksum) {
      if (w.digests.checksums.empty() ||
          w.digests.checksums[0].second != *options_.expected_checksum) {
        return Status(StatusCode::kBadDigest, "checksum does not match the body");
      }
    }
    return ObjectInfo{};
  }

  ObjectRecord base_record(const WrittenBlob& w) const {
    ObjectRecord rec;
    rec.mtime_ns = now_ns();
    rec.size = w.ref.size();
    rec.etag = hex_encode(w.digests.md5);
    rec.owner = caller_.user_id;
    rec.storage_class = options_.storage_class;
    rec.content = options_.content;
    rec.user_metadata = options_.user_metadata;
    rec.tags = options_.tags;
    rec.acl = options_.acl;
    if (!w.digests.checksums.empty()) {
      rec.checksum =
          ObjectChecksum{w.digests.checksums[0].first, w.digests.checksums[0].second, false, 0};
    }
    rec.blob = w.ref;
    return rec;
  }

  // Applies the new version under its key lock; `durable` completes when
  // the commit may be acknowledged.
  Result<ObjectInfo> commit_object(const WrittenBlob& w, CommitTicket* durable) {
    auto& impl = *impl_;
    std::shared_lock buckets(impl.buckets_mu);
    size_t s = impl.stripe(bucket_, key_);
    ObjectService::Impl::KeyLocks lock(impl, s, s);
    SKY_ASSIGN_OR_RETURN(auto bucket_rec, impl.load_bucket(caller_, bucket_));
    SKY_ASSIGN_OR_RETURN(auto current, impl.load_latest(bucket_, key_));
    SKY_RETURN_IF_ERROR(check_write_conditions(options_.if_match, options_.if_none_match, current));
    ObjectRecord rec = base_record(w);
    if (options_.append_position) {
      uint64_t length = current ? current->size : 0;
      if (*options_.append_position != length) {
        return position_mismatch(*options_.append_position, length);
      }
      rec.appendable = true;
      if (current && current->evicted) {
        return Status::not_supported(
            "cannot append to an object whose bytes are in the cloud tier");
      }
      if (current && current->size > 0) SKY_RETURN_IF_ERROR(extend_record(*current, &rec));
    }
    MetaBatch batch;
    SKY_RETURN_IF_ERROR(impl.stage_new_version(&batch, bucket_rec, bucket_, key_, &rec));
    SKY_ASSIGN_OR_RETURN(*durable, impl.meta.apply(std::move(batch)));
    if (w.under_replicated) spdlog::warn("object {}/{} stored under-replicated", bucket_, key_);
    return rec.to_info(bucket_, key_, true);
  }

  Result<ObjectInfo> commit_part(const WrittenBlob& w, CommitTicket* durable) {
    auto& impl = *impl_;
    std::shared_lock buckets(impl.buckets_mu);
    size_t s = impl.stripe(bucket_, key_);
    ObjectService::Impl::KeyLocks lock(impl, s, s);
    SKY_ASSIGN_OR_RETURN(auto bucket_rec, impl.load_bucket(caller_, bucket_));
    (void)bucket_rec;
    SKY_ASSIGN_OR_RETURN(auto up,
                         impl.meta.get(MetaCf::kUploads, keys::upload(bucket_, key_, upload_id_)));
    if (!up) return Status(StatusCode::kNoSuchUpload, "upload '" + upload_id_ + "' not found");
    MetaBatch batch;
    const std::string part_key = keys::part(bucket_, key_, upload_id_, part_number_);
    SKY_ASSIGN_OR_RETURN(auto old, impl.meta.get(MetaCf::kUploads, part_key));
    if (old) {
      SKY_ASSIGN_OR_RETURN(auto old_part, PartRecord::decode(*old));
      impl.blobs.stage_release(&batch, old_part.blob);
    }
    PartRecord part;
    part.size = w.ref.size();
    part.etag = hex_encode(w.digests.md5);
    if (!w.digests.checksums.empty()) {
      part.checksum =
          ObjectChecksum{w.digests.checksums[0].first, w.digests.checksums[0].second, false, 0};
    }
    part.mtime_ns = now_ns();
    part.blob = w.ref;
    SKY_RETURN_IF_ERROR(impl.blobs.stage_commit(&batch, part.blob));
    batch.put(MetaCf::kUploads, part_key, part.encode());
    SKY_ASSIGN_OR_RETURN(*durable, impl.meta.apply(std::move(batch)));
    ObjectInfo info;
    info.bucket = bucket_;
    info.key = key_;
    info.size = part.size;
    info.etag = part.etag;
    info.checksum = part.checksum;
    info.last_modified = from_ns(part.mtime_ns);
    return info;
  }

  std::shared_ptr<ObjectService::Impl> impl_;
  Caller caller_;
  std::string bucket_, key_;
  PutOptions options_;
  std::string upload_id_;  // non-empty: an upload part
  uint32_t part_number_ = 0;
  std::unique_ptr<BlobWriter> blob_;
  Status sticky_;
  bool done_ = false;
};

std::unique_ptr<ObjectWriter> make_part_writer(std::shared_ptr<ObjectService::Impl> impl,
                                               const Caller& caller, std::string bucket,
                                               std::string key, PutOptions options,
                                               std::string upload_id, uint32_t part_number) {
  return std::make_unique<ObjectWriterImpl>(std::move(impl), caller, std::move(bucket),
                                            std::move(key), std::move(options),
                                            std::move(upload_id), part_number);
}

Status validate_put_options(const PutOptions& o) {
  if (!is_valid_storage_class(o.storage_class)) {
    return Status::invalid_argument("invalid storage class '" + o.storage_class + "'");
  }
  if (o.expected_md5 && o.expected_md5->size() != 16) {
    return Status::invalid_argument("Content-MD5 must be 16 bytes");
  }
  if (o.expected_checksum) {
    if (!o.checksum_algorithm) return Status::invalid_argument("checksum without algorithm");
    if (o.expected_checksum->size() != checksum_digest_size(*o.checksum_algorithm)) {
      return Status::invalid_argument("checksum has the wrong length");
    }
  }
  size_t metadata_bytes = 0;
  for (const auto& [k, v] : o.user_metadata) metadata_bytes += k.size() + v.size();
  if (metadata_bytes > kMaxUserMetadataBytes) {
    return Status(StatusCode::kTooLarge, "user metadata larger than 2 KiB");
  }
  if (o.checksum_algorithm == ChecksumAlgorithm::kMd5) {
    return Status::invalid_argument("MD5 is not a flexible checksum algorithm");
  }
  return validate_object_tags(o.tags);
}

Task<Result<std::unique_ptr<ObjectWriter>>> ObjectService::put_object(const Caller& caller,
                                                                      const std::string& bucket,
                                                                      const std::string& key,
                                                                      const PutOptions& options) {
  SKY_CO_RETURN_IF_ERROR(validate_key(key));
  SKY_CO_RETURN_IF_ERROR(validate_put_options(options));
  SKY_CO_RETURN_IF_ERROR(impl_->check_writable(caller, bucket));
  auto impl = impl_;
  // Early answer for a missing bucket, wrong owner or wrong append position,
  // before the client sends the body; all are checked again at commit.
  SKY_CO_RETURN_IF_ERROR(co_await impl->rt.blocking([&]() -> Status {
    SKY_RETURN_IF_ERROR(impl->load_bucket(caller, bucket).status());
    // A full metadata volume refuses the write before the body is sent
    // (bodies up to the inline threshold are stored in the metadata).
    SKY_RETURN_IF_ERROR(impl->meta.check_room(0));
    if (options.append_position) {
      SKY_ASSIGN_OR_RETURN(auto cur, impl->load_latest(bucket, key));
      uint64_t length = cur ? cur->size : 0;
      if (length != *options.append_position) {
        return position_mismatch(*options.append_position, length);
      }
    }
    return Status::ok();
  }));
  co_return std::unique_ptr<ObjectWriter>(std::make_unique<ObjectWriterImpl>(
      impl, caller, std::move(bucket), std::move(key), std::move(options), "", 0));
}

// ---------------------------------------------------------------- delete

Task<Result<DeleteResult>> ObjectService::delete_object(const Caller& caller,
                                                        const std::string& bucket,
                                                        const std::string& key,
                                                        const DeleteOptions& options) {
  SKY_CO_RETURN_IF_ERROR(validate_key(key));
  SKY_CO_RETURN_IF_ERROR(impl_->check_writable(caller, bucket));
  auto impl = impl_;
  co_return co_await impl->rt.blocking([&]() -> Result<DeleteResult> {
    std::shared_lock buckets(impl->buckets_mu);
    size_t s = impl->stripe(bucket, key);
    Impl::KeyLocks lock(*impl, s, s);
    SKY_ASSIGN_OR_RETURN(auto bucket_rec, impl->load_bucket(caller, bucket));
    SKY_ASSIGN_OR_RETURN(auto current, impl->load_latest(bucket, key));
    SKY_RETURN_IF_ERROR(check_delete_conditions(options, current));
    MetaBatch batch;
    // A delete frees space (a delete marker is a small record): it works on
    // a metadata volume that refuses new objects.
    batch.set_admission(MetaAdmission::kRelease);
    DeleteResult result;
    if (options.version_id) {
      auto rec = impl->load_version(bucket, key, *options.version_id);
      if (!rec.is_ok()) {
        if (rec.status().code() == StatusCode::kNoSuchVersion) {
          result.version_id = *options.version_id;
          return result;  // S3: deleting a missing version succeeds
        }
        return rec.status();
      }
      SKY_RETURN_IF_ERROR(impl->stage_remove_version(&batch, bucket, key, *rec));
      result.version_id = rec->version_id();
      result.delete_marker = rec->delete_marker;
    } else if (bucket_rec.versioning == VersioningState::kUnversioned) {
      SKY_ASSIGN_OR_RETURN(auto null_rec, impl->find_null_version(bucket, key));
      if (!null_rec) return result;
      SKY_RETURN_IF_ERROR(impl->stage_remove_version(&batch, bucket, key, *null_rec));
    } else {
      ObjectRecord marker;
      marker.delete_marker = true;
      marker.mtime_ns = now_ns();
      marker.owner = caller.user_id;
      SKY_RETURN_IF_ERROR(impl->stage_new_version(&batch, bucket_rec, bucket, key, &marker));
      result.version_id = marker.version_id();
      result.delete_marker = true;
    }
    SKY_RETURN_IF_ERROR(impl->meta.commit(std::move(batch)));
    return result;
  });
}

// ---------------------------------------------------------------- copy

namespace {
Result<ObjectRecord> copy_record(const ObjectRecord& src, const CopyOptions& o,
                                 const Caller& caller) {
  ObjectRecord rec;
  rec.mtime_ns = now_ns();
  rec.size = src.size;
  rec.etag = src.etag;
  rec.owner = caller.user_id;
  rec.storage_class = o.replace.storage_class;
  rec.acl = o.replace.acl;  // S3: a copy gets the ACL of the request, not the source's
  rec.checksum = src.checksum;
  rec.parts = src.parts;
  rec.appendable = false;
  rec.blob = src.blob;
  if (o.metadata_directive == MetadataDirective::kCopy) {
    rec.content = src.content;
    rec.user_metadata = src.user_metadata;
  } else {
    rec.content = o.replace.content;
    rec.user_metadata = o.replace.user_metadata;
  }
  rec.tags = o.tagging_directive == MetadataDirective::kCopy ? src.tags : o.replace.tags;
  return rec;
}
}  // namespace

Task<Result<ObjectInfo>> ObjectService::copy_object(
    const Caller& caller, const std::string& src_bucket, const std::string& src_key,
    const std::string& dst_bucket, const std::string& dst_key, const CopyOptions& options) {
  SKY_CO_RETURN_IF_ERROR(validate_key(src_key));
  SKY_CO_RETURN_IF_ERROR(validate_key(dst_key));
  SKY_CO_RETURN_IF_ERROR(validate_put_options(options.replace));
  SKY_CO_RETURN_IF_ERROR(impl_->check_writable(caller, dst_bucket));
  auto impl = impl_;
  co_return co_await impl->rt.blocking([&]() -> Result<ObjectInfo> {
    std::shared_lock buckets(impl->buckets_mu);
    // The source stays locked until the commit, so its chunks cannot be
    // released in between (BlobStore's sharing rule).
    Impl::KeyLocks lock(*impl, impl->stripe(src_bucket, src_key),
                        impl->stripe(dst_bucket, dst_key));
    SKY_ASSIGN_OR_RETURN(auto src_bucket_rec, impl->load_bucket(caller, src_bucket));
    (void)src_bucket_rec;
    SKY_ASSIGN_OR_RETURN(auto dst_bucket_rec, impl->load_bucket(caller, dst_bucket));
    ObjectRecord src;
    if (options.source_version_id) {
      SKY_ASSIGN_OR_RETURN(src,
                           impl->load_version(src_bucket, src_key, *options.source_version_id));
      if (src.delete_marker) {
        return Status(StatusCode::kMethodNotAllowed, "the source version is a delete marker");
      }
    } else {
      SKY_ASSIGN_OR_RETURN(auto latest, impl->load_latest(src_bucket, src_key));
      if (!latest) return Status::not_found("source '" + src_key + "' does not exist");
      src = std::move(*latest);
    }
    SKY_RETURN_IF_ERROR(check_read_conditions(options.source_conditions, src, true));
    if (src.evicted) {
      return Status::not_supported("the copy source's bytes are in the cloud tier; read it first");
    }
    if (src_bucket == dst_bucket && src_key == dst_key && !options.source_version_id &&
        options.metadata_directive == MetadataDirective::kCopy &&
        options.tagging_directive == MetadataDirective::kCopy &&
        options.replace.storage_class == src.storage_class) {
      return Status::invalid_argument(
          "copying an object onto itself needs a change of metadata or storage class");
    }
    SKY_ASSIGN_OR_RETURN(auto current, impl->load_latest(dst_bucket, dst_key));
    SKY_RETURN_IF_ERROR(check_write_conditions(options.if_match, options.if_none_match, current));
    SKY_ASSIGN_OR_RETURN(auto rec, copy_record(src, options, caller));
    MetaBatch batch;
    SKY_RETURN_IF_ERROR(impl->stage_new_version(&batch, dst_bucket_rec, dst_bucket, dst_key, &rec));
    SKY_RETURN_IF_ERROR(impl->meta.commit(std::move(batch)));
    return rec.to_info(dst_bucket, dst_key, true);
  });
}

// ---------------------------------------------------------------- tagging

Result<std::string> update_object_record(ObjectService::Impl& impl, const Caller& caller,
                                         const std::string& bucket, const std::string& key,
                                         const std::optional<std::string>& version_id,
                                         const std::function<void(ObjectRecord&)>& mutate,
                                         bool notify) {
  std::shared_lock buckets(impl.buckets_mu);
  size_t s = impl.stripe(bucket, key);
  ObjectService::Impl::KeyLocks lock(impl, s, s);
  SKY_RETURN_IF_ERROR(impl.load_bucket(caller, bucket).status());
  SKY_ASSIGN_OR_RETURN(auto latest, impl.load_latest(bucket, key));
  ObjectRecord rec;
  if (version_id) {
    SKY_ASSIGN_OR_RETURN(rec, impl.load_version(bucket, key, *version_id));
    if (rec.delete_marker) return Status(StatusCode::kMethodNotAllowed, "a delete marker");
  } else {
    if (!latest) return Status::not_found("object '" + key + "' does not exist");
    rec = *latest;
  }
  mutate(rec);
  std::string value = rec.encode();
  MetaBatch batch;
  batch.put(MetaCf::kObjects, keys::version(bucket, key, rec.seq), value);
  if (latest && latest->seq == rec.seq)
    batch.put(MetaCf::kObjects, keys::latest(bucket, key), value);
  if (notify && impl.change_stager) {
    SKY_RETURN_IF_ERROR(impl.change_stager->stage_change(&batch, bucket, key, rec.size));
  }
  SKY_RETURN_IF_ERROR(impl.meta.commit(std::move(batch)));
  return rec.version_id();
}

Task<Result<TagSet>> ObjectService::get_object_tagging(
    const Caller& caller, const std::string& bucket, const std::string& key,
    const std::optional<std::string>& version_id) {
  auto impl = impl_;
  co_return co_await impl->rt.blocking([&]() -> Result<TagSet> {
    SKY_RETURN_IF_ERROR(impl->load_bucket(caller, bucket).status());
    if (version_id) {
      SKY_ASSIGN_OR_RETURN(auto rec, impl->load_version(bucket, key, *version_id));
      if (rec.delete_marker) return Status(StatusCode::kMethodNotAllowed, "a delete marker");
      return rec.tags;
    }
    SKY_ASSIGN_OR_RETURN(auto latest, impl->load_latest(bucket, key));
    if (!latest) return Status::not_found("object '" + key + "' does not exist");
    return latest->tags;
  });
}

Task<Result<std::string>> ObjectService::put_object_tagging(
    const Caller& caller, const std::string& bucket, const std::string& key, const TagSet& tags,
    const std::optional<std::string>& version_id) {
  SKY_CO_RETURN_IF_ERROR(validate_object_tags(tags));
  SKY_CO_RETURN_IF_ERROR(impl_->check_writable(caller, bucket));
  auto impl = impl_;
  co_return co_await impl->rt.blocking([&] {
    return update_object_record(
        *impl, caller, bucket, key, version_id, [&](ObjectRecord& r) { r.tags = tags; }, true);
  });
}

Task<Result<std::string>> ObjectService::delete_object_tagging(
    const Caller& caller, const std::string& bucket, const std::string& key,
    const std::optional<std::string>& version_id) {
  SKY_CO_RETURN_IF_ERROR(impl_->check_writable(caller, bucket));
  auto impl = impl_;
  co_return co_await impl->rt.blocking([&] {
    return update_object_record(
        *impl, caller, bucket, key, version_id, [](ObjectRecord& r) { r.tags.clear(); }, true);
  });
}

}  // namespace skyarray::services

namespace skyarray::services {

Task<Status> ObjectService::evict_object(const std::string& bucket, const std::string& key,
                                         const std::string& etag) {
  auto impl = impl_;
  co_return co_await impl->rt.blocking([&]() -> Status {
    std::shared_lock buckets(impl->buckets_mu);
    size_t s = impl->stripe(bucket, key);
    Impl::KeyLocks lock(*impl, s, s);
    SKY_ASSIGN_OR_RETURN(auto latest, impl->load_latest(bucket, key));
    if (!latest || latest->etag != etag) {
      return Status(StatusCode::kPreconditionFailed, "object changed; not evicted");
    }
    if (latest->evicted) return Status::ok();
    ObjectRecord rec = *latest;
    MetaBatch batch;
    impl->blobs.stage_release(&batch, rec.blob);
    rec.blob = BlobRef();
    rec.evicted = true;
    std::string value = rec.encode();
    batch.put(MetaCf::kObjects, keys::version(bucket, key, rec.seq), value);
    batch.put(MetaCf::kObjects, keys::latest(bucket, key), value);
    return impl->meta.commit(std::move(batch));
  });
}

}  // namespace skyarray::services
