// ObjectWrites: put, append, copy, delete, and a version's tags and ACL
// (object_writes.h).
#include "services/objects/object_writes.h"

#include <algorithm>

#include "common/runtime.h"
#include "meta/meta_store.h"
#include "services/objects/object_context.h"
#include "services/objects/object_lock_rules.h"
#include "services/objects/object_rules.h"
#include "services/objects/object_sse.h"
#include "services/objects/store_object_writer.h"
#include "store/blob_store.h"

namespace skyarray::services {

ObjectWrites::ObjectWrites(std::shared_ptr<ObjectContext> ctx) : ctx_(std::move(ctx)) {}

Task<Result<std::unique_ptr<ObjectWriter>>> ObjectWrites::put_object(
    const Caller& caller, const std::string& bucket, const std::string& key,
    const PutOptions& options, std::shared_ptr<PutCommitStager> with) {
  SKY_CO_RETURN_IF_ERROR(ctx_->check_new_version(caller, bucket, key, options));
  auto ctx = ctx_;
  RunSealing sealing;
  // Early answer for a missing bucket, wrong owner or wrong append position,
  // before the client sends the body; all are checked again at commit. Only
  // reads (and a statvfs): on this thread when they are cached.
  SKY_CO_RETURN_IF_ERROR(co_await ctx->runtime().cached_or_blocking([&]() -> Status {
    SKY_ASSIGN_OR_RETURN(auto bucket_rec, ctx->load_bucket(caller, bucket));
    if (!options.lock.empty() && !bucket_rec.object_lock.enabled) {
      return Status::invalid_argument("Bucket is missing Object Lock Configuration");
    }
    SKY_ASSIGN_OR_RETURN(sealing, ObjectSse::new_version_sealing(ctx->key_store(), options.sse,
                                                                 bucket_rec.encryption));
    if (!sealing.empty() && (options.append_position || options.patch)) {
      return Status::not_supported("appends and patches of encrypted objects are not supported");
    }
    // A full metadata volume refuses the write before the body is sent
    // (bodies up to the inline threshold are stored in the metadata).
    SKY_RETURN_IF_ERROR(ctx->meta().check_room(0));
    if (options.append_position) {
      SKY_ASSIGN_OR_RETURN(auto cur, ctx->load_latest(bucket, key));
      SKY_RETURN_IF_ERROR(check_append_position(*options.append_position, cur));
    }
    return Status::ok();
  }));
  co_return std::unique_ptr<ObjectWriter>(std::make_unique<StoreObjectWriter>(
      ctx, caller, bucket, key, options, std::move(with), std::move(sealing)));
}

uint64_t ObjectWrites::patch_granularity() const {
  return ctx_->blobs().options().chunk_size;
}

SpaceUsage ObjectWrites::space() const {
  const SpaceUsage s = ctx_->blobs().stats().array;
  const uint64_t copies = std::max(1, ctx_->blobs().options().replicas);
  return SpaceUsage{s.capacity / copies, s.used / copies, s.available / copies, s.free / copies};
}

// ---------------------------------------------------------------- rename

Task<Result<size_t>> ObjectWrites::rename_prefix(const Caller& caller, const std::string& bucket,
                                                 const std::string& from, const std::string& to,
                                                 size_t max_objects,
                                                 const std::function<Status(MetaBatch*)>& also) {
  if (from.empty() || to.starts_with(from) || from.starts_with(to)) {
    co_return Status::invalid_argument("prefixes of a rename must be disjoint");
  }
  SKY_CO_RETURN_IF_ERROR(ctx_->check_writable(caller, bucket));
  auto ctx = ctx_;
  co_return co_await ctx->runtime().blocking([&]() -> Result<size_t> {
    ObjectContext::AllKeysGuard guard(*ctx);
    SKY_ASSIGN_OR_RETURN(auto bucket_rec, ctx->load_bucket(caller, bucket));
    {
      auto taken = ctx->meta().scan_prefix(MetaCf::kObjects, keys::latest_prefix(bucket, to),
                                           ScanSpan::kFew);
      taken->seek_to_first();
      SKY_RETURN_IF_ERROR(taken->status());
      if (taken->valid()) return Status::already_exists("an object exists under the new name");
    }
    std::vector<std::pair<std::string, ObjectRecord>> moving;
    auto it = ctx->meta().scan_prefix(MetaCf::kObjects, keys::latest_prefix(bucket, from));
    std::string b, key;
    for (it->seek_to_first(); it->valid(); it->next()) {
      if (!keys::parse_latest(it->key(), &b, &key)) return Status::corruption("bad object key");
      if (moving.size() == max_objects) {
        return Status(StatusCode::kTooLarge,
                      "more than " + std::to_string(max_objects) + " objects to move");
      }
      SKY_ASSIGN_OR_RETURN(auto rec, ObjectRecord::decode(it->value()));
      if (rec.evicted) {
        return Status::not_supported("'" + key + "' has its bytes in the cloud tier");
      }
      moving.emplace_back(std::move(key), std::move(rec));
    }
    SKY_RETURN_IF_ERROR(it->status());
    MetaBatch batch;
    for (auto& [old_key, rec] : moving) {
      const std::string new_key = to + old_key.substr(from.size());
      if (bucket_rec.versioning == VersioningState::kUnversioned) {
        // The key's one version (the null one) moves as it is: nothing lives
        // under `to`, and its bytes, their references and the counters stay.
        const std::string value = rec.encode();
        batch.erase(MetaCf::kObjects, keys::version(bucket, old_key, rec.seq));
        batch.erase(MetaCf::kObjects, keys::latest(bucket, old_key));
        batch.put(MetaCf::kObjects, keys::version(bucket, new_key, rec.seq), value);
        batch.put(MetaCf::kObjects, keys::latest(bucket, new_key), value);
        SKY_RETURN_IF_ERROR(ctx->stage_change(&batch, bucket, old_key, 0));
        SKY_RETURN_IF_ERROR(ctx->stage_change(&batch, bucket, new_key, rec.size));
      } else {
        ObjectRecord moved = rec;
        SKY_RETURN_IF_ERROR(ctx->stage_new_version(&batch, bucket_rec, bucket, new_key, &moved));
        ObjectRecord marker;
        marker.delete_marker = true;
        marker.mtime_ns = now_ns();
        marker.owner = caller.user_id;
        SKY_RETURN_IF_ERROR(ctx->stage_new_version(&batch, bucket_rec, bucket, old_key, &marker));
      }
    }
    if (also) SKY_RETURN_IF_ERROR(also(&batch));
    SKY_RETURN_IF_ERROR(ctx->meta().commit(std::move(batch)));
    return moving.size();
  });
}

// ---------------------------------------------------------------- delete

Task<Result<DeleteResult>> ObjectWrites::delete_object(const Caller& caller,
                                                       const std::string& bucket,
                                                       const std::string& key,
                                                       const DeleteOptions& options) {
  SKY_CO_RETURN_IF_ERROR(validate_key(key));
  SKY_CO_RETURN_IF_ERROR(ctx_->check_writable(caller, bucket));
  auto ctx = ctx_;
  co_return co_await ctx->runtime().blocking([&]() -> Result<DeleteResult> {
    ObjectContext::KeyGuard guard(*ctx, bucket, key);
    SKY_ASSIGN_OR_RETURN(auto bucket_rec, ctx->load_bucket(caller, bucket));
    SKY_ASSIGN_OR_RETURN(auto current, ctx->load_latest(bucket, key));
    SKY_RETURN_IF_ERROR(check_delete_conditions(options, current));
    MetaBatch batch;
    // A delete frees space (a delete marker is a small record): it works on
    // a metadata volume that refuses new objects.
    batch.set_admission(MetaAdmission::kRelease);
    DeleteResult result;
    if (options.version_id) {
      auto rec = ctx->load_version(bucket, key, *options.version_id);
      if (!rec.is_ok()) {
        if (rec.status().code() == StatusCode::kNoSuchVersion) {
          result.version_id = *options.version_id;
          return result;  // S3: deleting a missing version succeeds
        }
        return rec.status();
      }
      SKY_RETURN_IF_ERROR(
          ctx->stage_remove_version(&batch, bucket, key, *rec, options.bypass_governance));
      result.version_id = rec->version_id();
      result.delete_marker = rec->delete_marker;
    } else if (bucket_rec.versioning == VersioningState::kUnversioned) {
      SKY_ASSIGN_OR_RETURN(auto null_rec, ctx->find_null_version(bucket, key));
      if (!null_rec) return result;
      SKY_RETURN_IF_ERROR(
          ctx->stage_remove_version(&batch, bucket, key, *null_rec, options.bypass_governance));
    } else {
      ObjectRecord marker;
      marker.delete_marker = true;
      marker.mtime_ns = now_ns();
      marker.owner = caller.user_id;
      SKY_RETURN_IF_ERROR(ctx->stage_new_version(&batch, bucket_rec, bucket, key, &marker));
      result.version_id = marker.version_id();
      result.delete_marker = true;
    }
    SKY_RETURN_IF_ERROR(ctx->meta().commit(std::move(batch)));
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
  // S3: the copy's lock is the request's (or the bucket's default), never
  // the source's.
  rec.lock = o.replace.lock;
  return rec;
}
}  // namespace

Task<Result<ObjectInfo>> ObjectWrites::copy_object(
    const Caller& caller, const std::string& src_bucket, const std::string& src_key,
    const std::string& dst_bucket, const std::string& dst_key, const CopyOptions& options) {
  SKY_CO_RETURN_IF_ERROR(validate_key(src_key));
  SKY_CO_RETURN_IF_ERROR(validate_key(dst_key));
  SKY_CO_RETURN_IF_ERROR(validate_put_options(options.replace));
  SKY_CO_RETURN_IF_ERROR(validate_requested_lock(options.replace.lock, ctx_->clock().now_ns()));
  SKY_CO_RETURN_IF_ERROR(ctx_->check_writable(caller, dst_bucket));
  auto ctx = ctx_;
  co_return co_await ctx->runtime().blocking([&]() -> Result<ObjectInfo> {
    // The source stays locked until the commit, so its chunks cannot be
    // released in between (BlobStore's sharing rule).
    ObjectContext::KeyGuard guard(*ctx, src_bucket, src_key, dst_bucket, dst_key);
    SKY_ASSIGN_OR_RETURN(auto src_bucket_rec, ctx->load_bucket(caller, src_bucket));
    (void)src_bucket_rec;
    SKY_ASSIGN_OR_RETURN(auto dst_bucket_rec, ctx->load_bucket(caller, dst_bucket));
    SKY_ASSIGN_OR_RETURN(auto src, ctx->load_copy_source(src_bucket, src_key, options));
    if (src_bucket == dst_bucket && src_key == dst_key && !options.source_version_id &&
        options.metadata_directive == MetadataDirective::kCopy &&
        options.tagging_directive == MetadataDirective::kCopy &&
        options.replace.storage_class == src.storage_class &&
        options.replace.sse.mode == SseMode::kNone) {
      return Status::invalid_argument(
          "copying an object onto itself needs a change of metadata or storage class");
    }
    SKY_ASSIGN_OR_RETURN(auto current, ctx->load_latest(dst_bucket, dst_key));
    SKY_RETURN_IF_ERROR(check_write_conditions(options.if_match, options.if_none_match, current));
    SKY_ASSIGN_OR_RETURN(auto rec, copy_record(src, options, caller));
    const SseRequest& want =
        options.keep_source_encryption ? same_encryption(src.sse.info()) : options.replace.sse;
    SKY_ASSIGN_OR_RETURN(
        rec.sse, ObjectSse::for_copy(ctx->key_store(), src.sse, options.source_customer_key, want,
                                     dst_bucket_rec.encryption));
    MetaBatch batch;
    SKY_RETURN_IF_ERROR(ctx->stage_new_version(&batch, dst_bucket_rec, dst_bucket, dst_key, &rec));
    SKY_RETURN_IF_ERROR(ctx->meta().commit(std::move(batch)));
    return rec.to_info(dst_bucket, dst_key, true);
  });
}

// ---------------------------------------------------------------- tagging

Result<std::string> ObjectWrites::update_object_record(const Caller& caller,
                                                       const std::string& bucket,
                                                       const std::string& key,
                                                       const std::optional<std::string>& version_id,
                                                       const RecordMutation& mutate, bool notify) {
  ObjectContext& ctx = *ctx_;
  ObjectContext::KeyGuard guard(ctx, bucket, key);
  SKY_ASSIGN_OR_RETURN(auto bucket_rec, ctx.load_bucket(caller, bucket));
  SKY_ASSIGN_OR_RETURN(auto latest, ctx.load_latest(bucket, key));
  SKY_ASSIGN_OR_RETURN(ObjectRecord rec, ctx.load_addressed(bucket, key, version_id));
  SKY_RETURN_IF_ERROR(mutate(bucket_rec, rec));
  std::string value = rec.encode();
  MetaBatch batch;
  batch.put(MetaCf::kObjects, keys::version(bucket, key, rec.seq), value);
  if (latest && latest->seq == rec.seq)
    batch.put(MetaCf::kObjects, keys::latest(bucket, key), value);
  if (notify) SKY_RETURN_IF_ERROR(ctx.stage_change(&batch, bucket, key, rec.size));
  SKY_RETURN_IF_ERROR(ctx.meta().commit(std::move(batch)));
  return rec.version_id();
}

Task<Result<std::string>> ObjectWrites::put_object_tagging(
    const Caller& caller, const std::string& bucket, const std::string& key, const TagSet& tags,
    const std::optional<std::string>& version_id) {
  SKY_CO_RETURN_IF_ERROR(validate_object_tags(tags));
  SKY_CO_RETURN_IF_ERROR(ctx_->check_writable(caller, bucket));
  co_return co_await ctx_->runtime().blocking([&] {
    return update_object_record(
        caller, bucket, key, version_id,
        [&](const BucketRecord&, ObjectRecord& r) {
          r.tags = tags;
          return Status::ok();
        },
        true);
  });
}

Task<Result<std::string>> ObjectWrites::delete_object_tagging(
    const Caller& caller, const std::string& bucket, const std::string& key,
    const std::optional<std::string>& version_id) {
  SKY_CO_RETURN_IF_ERROR(ctx_->check_writable(caller, bucket));
  co_return co_await ctx_->runtime().blocking([&] {
    return update_object_record(
        caller, bucket, key, version_id,
        [](const BucketRecord&, ObjectRecord& r) {
          r.tags.clear();
          return Status::ok();
        },
        true);
  });
}

Task<Result<std::string>> ObjectWrites::put_object_acl(const Caller& caller,
                                                       const std::string& bucket,
                                                       const std::string& key,
                                                       const std::optional<std::string>& version_id,
                                                       const AccessControlList& acl) {
  SKY_CO_RETURN_IF_ERROR(ctx_->check_writable(caller, bucket));
  co_return co_await ctx_->runtime().blocking([&] {
    return update_object_record(
        caller, bucket, key, version_id,
        [&](const BucketRecord&, ObjectRecord& r) {
          r.acl = acl;
          return Status::ok();
        },
        false);
  });
}

// ---------------------------------------------------------------- object lock

namespace {
Status needs_object_lock(const BucketRecord& b) {
  if (b.object_lock.enabled) return Status::ok();
  return Status::invalid_argument("Bucket is missing Object Lock Configuration");
}
}  // namespace

Task<Result<std::string>> ObjectWrites::put_object_retention(
    const Caller& caller, const std::string& bucket, const std::string& key,
    const std::optional<std::string>& version_id, const ObjectLock& retention,
    bool bypass_governance) {
  SKY_CO_RETURN_IF_ERROR(ctx_->check_writable(caller, bucket));
  co_return co_await ctx_->runtime().blocking([&] {
    return update_object_record(
        caller, bucket, key, version_id,
        [&](const BucketRecord& b, ObjectRecord& r) -> Status {
          SKY_RETURN_IF_ERROR(needs_object_lock(b));
          const int64_t now = ctx_->clock().now_ns();
          ObjectLock wanted = r.lock;
          wanted.mode = retention.mode;
          wanted.retain_until_ns =
              retention.mode == RetentionMode::kNone ? 0 : retention.retain_until_ns;
          SKY_RETURN_IF_ERROR(validate_requested_lock(wanted, now));
          SKY_RETURN_IF_ERROR(check_retention_change(r.lock, wanted, now, bypass_governance));
          r.lock = wanted;
          return Status::ok();
        },
        true);
  });
}

Task<Result<std::string>> ObjectWrites::put_object_legal_hold(
    const Caller& caller, const std::string& bucket, const std::string& key,
    const std::optional<std::string>& version_id, bool on) {
  SKY_CO_RETURN_IF_ERROR(ctx_->check_writable(caller, bucket));
  co_return co_await ctx_->runtime().blocking([&] {
    return update_object_record(
        caller, bucket, key, version_id,
        [&](const BucketRecord& b, ObjectRecord& r) -> Status {
          SKY_RETURN_IF_ERROR(needs_object_lock(b));
          r.lock.legal_hold = on;
          return Status::ok();
        },
        true);
  });
}

}  // namespace skyarray::services
