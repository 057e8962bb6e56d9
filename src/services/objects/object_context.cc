// ObjectContext: the record helpers, locks, ports and access cache the
// object service's parts share.
#include "services/objects/object_context.h"

#include <algorithm>
#include <functional>

#include "common/runtime.h"
#include "meta/meta_store.h"
#include "services/objects/object_change_stager.h"
#include "services/objects/object_lock_rules.h"
#include "services/objects/object_reader.h"
#include "services/objects/object_rules.h"
#include "services/objects/tiering_port.h"
#include "store/blob_store.h"

namespace skyarray::services {

ObjectContext::ObjectContext(Runtime& runtime, MetaStore& meta, BlobStore& blobs,
                             ObjectServiceOptions options)
    : rt_(runtime),
      meta_(meta),
      blobs_(blobs),
      options_(std::move(options)),
      clock_(std::chrono::seconds(options_.retention_clock_offset)) {}

// ---------------------------------------------------------------- ports

Status ObjectContext::check_writable(const Caller& caller, const std::string& bucket) const {
  return tiering_ ? tiering_->check_writable(caller, bucket) : Status::ok();
}

Status ObjectContext::stage_change(MetaBatch* batch, const std::string& bucket,
                                   const std::string& key, uint64_t size) const {
  return stager_ ? stager_->stage_change(batch, bucket, key, size) : Status::ok();
}

Status ObjectContext::check_new_version(const Caller& caller, const std::string& bucket,
                                        const std::string& key, const PutOptions& options) const {
  SKY_RETURN_IF_ERROR(validate_key(key));
  SKY_RETURN_IF_ERROR(validate_put_options(options));
  SKY_RETURN_IF_ERROR(validate_requested_lock(options.lock, clock_.now_ns()));
  return check_writable(caller, bucket);
}

void ObjectContext::note_read(const Caller& caller, const std::string& bucket,
                              const std::string& key) const {
  if (tiering_) tiering_->note_read(caller, bucket, key);
}

Result<std::unique_ptr<ObjectReader>> ObjectContext::open_evicted(const ObjectInfo& info,
                                                                  uint64_t first,
                                                                  uint64_t length) const {
  if (!tiering_) return Status::not_supported("object bytes are in the cloud tier");
  return tiering_->open_evicted(info, first, length);
}

// ---------------------------------------------------------------- locks

size_t ObjectContext::stripe(std::string_view bucket, std::string_view key) const {
  size_t h = std::hash<std::string_view>()(bucket) * 31 + std::hash<std::string_view>()(key);
  return h % kStripes;
}

ObjectContext::KeyGuard::KeyGuard(ObjectContext& ctx, std::string_view bucket, std::string_view key)
    : KeyGuard(ctx, bucket, key, bucket, key) {}

ObjectContext::KeyGuard::KeyGuard(ObjectContext& ctx, std::string_view bucket_a,
                                  std::string_view key_a, std::string_view bucket_b,
                                  std::string_view key_b)
    : ctx_(ctx),
      first_(std::min(ctx.stripe(bucket_a, key_a), ctx.stripe(bucket_b, key_b))),
      second_(std::max(ctx.stripe(bucket_a, key_a), ctx.stripe(bucket_b, key_b))) {
  if (Runtime::memory_only()) {
    held_ = try_lock();
    if (!held_) Runtime::note_would_block();
    return;
  }
  ctx_.buckets_mu_.lock_shared();
  ctx_.key_mu_[first_].lock();
  if (second_ != first_) ctx_.key_mu_[second_].lock();
}

bool ObjectContext::KeyGuard::try_lock() {
  if (!ctx_.buckets_mu_.try_lock_shared()) return false;
  if (ctx_.key_mu_[first_].try_lock()) {
    if (second_ == first_ || ctx_.key_mu_[second_].try_lock()) return true;
    ctx_.key_mu_[first_].unlock();
  }
  ctx_.buckets_mu_.unlock_shared();
  return false;
}

ObjectContext::KeyGuard::~KeyGuard() {
  if (!held_) return;
  if (second_ != first_) ctx_.key_mu_[second_].unlock();
  ctx_.key_mu_[first_].unlock();
  ctx_.buckets_mu_.unlock_shared();
}

ObjectContext::AllKeysGuard::AllKeysGuard(ObjectContext& ctx) : ctx_(ctx) {
  ctx_.buckets_mu_.lock_shared();
  for (auto& mu : ctx_.key_mu_) mu.lock();
}

ObjectContext::AllKeysGuard::~AllKeysGuard() {
  for (size_t i = kStripes; i-- > 0;) ctx_.key_mu_[i].unlock();
  ctx_.buckets_mu_.unlock_shared();
}

// ---------------------------------------------------------------- records

Result<BucketRecord> ObjectContext::load_bucket(const Caller& caller,
                                                const std::string& bucket) const {
  SKY_ASSIGN_OR_RETURN(auto raw, meta_.get(MetaCf::kBuckets, keys::bucket(bucket)));
  if (!raw) return Status(StatusCode::kBucketNotFound, "bucket '" + bucket + "' does not exist");
  SKY_ASSIGN_OR_RETURN(auto rec, BucketRecord::decode(*raw));
  if (!caller.system && !caller.authorized && rec.owner != caller.user_id) {
    return Status::permission_denied("bucket '" + bucket + "' belongs to another owner");
  }
  return rec;
}

Result<std::optional<ObjectRecord>> ObjectContext::load_latest(const std::string& bucket,
                                                               const std::string& key) const {
  SKY_ASSIGN_OR_RETURN(auto raw, meta_.get(MetaCf::kObjects, keys::latest(bucket, key)));
  if (!raw) return std::optional<ObjectRecord>();
  SKY_ASSIGN_OR_RETURN(auto rec, ObjectRecord::decode(*raw));
  return std::optional<ObjectRecord>(std::move(rec));
}

Result<std::optional<ObjectRecord>> ObjectContext::load_top_version(const std::string& bucket,
                                                                    const std::string& key) const {
  auto it = meta_.scan_prefix(MetaCf::kObjects, keys::versions_of(bucket, key), ScanSpan::kFew);
  it->seek_to_first();
  if (!it->valid()) {
    SKY_RETURN_IF_ERROR(it->status());
    return std::optional<ObjectRecord>();
  }
  SKY_ASSIGN_OR_RETURN(auto rec, ObjectRecord::decode(it->value()));
  return std::optional<ObjectRecord>(std::move(rec));
}

Result<std::optional<ObjectRecord>> ObjectContext::find_null_version(const std::string& bucket,
                                                                     const std::string& key) const {
  auto it = meta_.scan_prefix(MetaCf::kObjects, keys::versions_of(bucket, key), ScanSpan::kFew);
  for (it->seek_to_first(); it->valid(); it->next()) {
    SKY_ASSIGN_OR_RETURN(auto rec, ObjectRecord::decode(it->value()));
    if (rec.null_version) return std::optional<ObjectRecord>(std::move(rec));
  }
  SKY_RETURN_IF_ERROR(it->status());
  return std::optional<ObjectRecord>();
}

Result<ObjectRecord> ObjectContext::load_version(const std::string& bucket, const std::string& key,
                                                 const std::string& version_id) const {
  SKY_ASSIGN_OR_RETURN(auto seq, parse_version_id(version_id));
  std::optional<ObjectRecord> rec;
  if (!seq) {
    SKY_ASSIGN_OR_RETURN(rec, find_null_version(bucket, key));
  } else {
    SKY_ASSIGN_OR_RETURN(auto raw, meta_.get(MetaCf::kObjects, keys::version(bucket, key, *seq)));
    if (raw) {
      SKY_ASSIGN_OR_RETURN(auto r, ObjectRecord::decode(*raw));
      if (!r.null_version) rec = std::move(r);
    }
  }
  if (!rec) return Status(StatusCode::kNoSuchVersion, "no such version of '" + key + "'");
  return std::move(*rec);
}

BucketInfo ObjectContext::bucket_info(const std::string& name, const BucketRecord& rec) const {
  BucketInfo info;
  info.name = name;
  info.owner = rec.owner;
  info.region = rec.region.empty() ? options_.default_region : rec.region;
  info.created = from_ns(rec.created_ns);
  info.versioning = rec.versioning;
  info.object_lock = rec.object_lock;
  auto objects = meta_.get_counter(MetaCf::kCounters, keys::objects_counter(name));
  auto bytes = meta_.get_counter(MetaCf::kCounters, keys::bytes_counter(name));
  info.objects = objects.is_ok() ? static_cast<uint64_t>(std::max<int64_t>(0, *objects)) : 0;
  info.bytes = bytes.is_ok() ? static_cast<uint64_t>(std::max<int64_t>(0, *bytes)) : 0;
  return info;
}

Status ObjectContext::stage_new_version(MetaBatch* batch, const BucketRecord& bucket_rec,
                                        const std::string& bucket, const std::string& key,
                                        ObjectRecord* rec, bool stage_blob) {
  SKY_ASSIGN_OR_RETURN(auto top, load_top_version(bucket, key));
  SKY_ASSIGN_OR_RETURN(auto latest, load_latest(bucket, key));
  int64_t now = now_ns();
  // Objects belong to the bucket owner whoever wrote them (S3's
  // BucketOwnerEnforced ownership): writers granted by a policy or an ACL,
  // anonymous ones included, never own what they wrote.
  rec->owner = bucket_rec.owner;
  rec->seq = std::max<uint64_t>(static_cast<uint64_t>(now), top ? top->seq + 1 : 0);
  rec->null_version = bucket_rec.versioning != VersioningState::kEnabled;
  if (rec->delete_marker) {
    rec->lock = ObjectLock{};
  } else {
    SKY_ASSIGN_OR_RETURN(rec->lock, lock_for_new_version(bucket_rec, rec->lock, clock_.now_ns()));
  }
  int64_t bytes_delta = static_cast<int64_t>(rec->size);
  if (rec->null_version) {
    SKY_ASSIGN_OR_RETURN(auto old_null, find_null_version(bucket, key));
    if (old_null) {
      // Replacing the null version removes it: not while it is locked.
      SKY_RETURN_IF_ERROR(check_removable(*old_null, clock_.now_ns(), false));
      batch->erase(MetaCf::kObjects, keys::version(bucket, key, old_null->seq));
      blobs_.stage_release(batch, old_null->blob);
      bytes_delta -= static_cast<int64_t>(old_null->size);
    }
  }
  if (stage_blob) SKY_RETURN_IF_ERROR(blobs_.stage_commit(batch, rec->blob));
  std::string value = rec->encode();
  batch->put(MetaCf::kObjects, keys::version(bucket, key, rec->seq), value);
  int64_t objects_delta = 0;
  if (rec->delete_marker) {
    batch->erase(MetaCf::kObjects, keys::latest(bucket, key));
    if (latest) objects_delta = -1;
  } else {
    batch->put(MetaCf::kObjects, keys::latest(bucket, key), value);
    if (!latest) objects_delta = 1;
  }
  if (objects_delta) batch->add(MetaCf::kCounters, keys::objects_counter(bucket), objects_delta);
  if (bytes_delta) batch->add(MetaCf::kCounters, keys::bytes_counter(bucket), bytes_delta);
  SKY_RETURN_IF_ERROR(stage_change(batch, bucket, key, rec->delete_marker ? 0 : rec->size));
  return Status::ok();
}

Status ObjectContext::stage_remove_version(MetaBatch* batch, const std::string& bucket,
                                           const std::string& key, const ObjectRecord& rec,
                                           bool bypass_governance) {
  SKY_RETURN_IF_ERROR(check_removable(rec, clock_.now_ns(), bypass_governance));
  batch->erase(MetaCf::kObjects, keys::version(bucket, key, rec.seq));
  blobs_.stage_release(batch, rec.blob);
  if (rec.size) batch->add(MetaCf::kCounters, keys::bytes_counter(bucket), -int64_t(rec.size));
  SKY_RETURN_IF_ERROR(stage_change(batch, bucket, key, 0));
  // Was it the newest? Then the next one (if any, and not a marker) becomes latest.
  auto it = meta_.scan_prefix(MetaCf::kObjects, keys::versions_of(bucket, key), ScanSpan::kFew);
  it->seek_to_first();
  if (!it->valid()) return it->status();
  SKY_ASSIGN_OR_RETURN(auto top, ObjectRecord::decode(it->value()));
  if (top.seq != rec.seq) return Status::ok();
  const bool was_visible = !rec.delete_marker;
  it->next();
  std::optional<ObjectRecord> next;
  if (it->valid()) {
    SKY_ASSIGN_OR_RETURN(auto n, ObjectRecord::decode(it->value()));
    next = std::move(n);
  }
  SKY_RETURN_IF_ERROR(it->status());
  const bool now_visible = next && !next->delete_marker;
  if (now_visible) {
    batch->put(MetaCf::kObjects, keys::latest(bucket, key), next->encode());
  } else {
    batch->erase(MetaCf::kObjects, keys::latest(bucket, key));
  }
  int64_t delta = int64_t(now_visible) - int64_t(was_visible);
  if (delta) batch->add(MetaCf::kCounters, keys::objects_counter(bucket), delta);
  return Status::ok();
}

Status ObjectContext::stage_part(MetaBatch* batch, const std::string& bucket,
                                 const std::string& key, const std::string& upload_id,
                                 uint32_t number, const PartRecord& part) {
  const std::string part_key = keys::part(bucket, key, upload_id, number);
  SKY_ASSIGN_OR_RETURN(auto old, meta_.get(MetaCf::kUploads, part_key));
  if (old) {
    SKY_ASSIGN_OR_RETURN(auto old_part, PartRecord::decode(*old));
    blobs_.stage_release(batch, old_part.blob);
  }
  SKY_RETURN_IF_ERROR(blobs_.stage_commit(batch, part.blob));
  batch->put(MetaCf::kUploads, part_key, part.encode());
  return Status::ok();
}

Result<ObjectRecord> ObjectContext::load_addressed(
    const std::string& bucket, const std::string& key,
    const std::optional<std::string>& version_id) const {
  if (version_id) {
    SKY_ASSIGN_OR_RETURN(auto rec, load_version(bucket, key, *version_id));
    if (rec.delete_marker) return Status(StatusCode::kMethodNotAllowed, "a delete marker");
    return rec;
  }
  SKY_ASSIGN_OR_RETURN(auto latest, load_latest(bucket, key));
  if (!latest) return Status::not_found("object '" + key + "' does not exist");
  return std::move(*latest);
}

Result<ObjectRecord> ObjectContext::load_copy_source(const std::string& bucket,
                                                     const std::string& key,
                                                     const CopyOptions& source) const {
  ObjectRecord src;
  if (source.source_version_id) {
    SKY_ASSIGN_OR_RETURN(src, load_version(bucket, key, *source.source_version_id));
    if (src.delete_marker) {
      return Status(StatusCode::kMethodNotAllowed, "the source version is a delete marker");
    }
  } else {
    SKY_ASSIGN_OR_RETURN(auto latest, load_latest(bucket, key));
    if (!latest) return Status::not_found("source '" + key + "' does not exist");
    src = std::move(*latest);
  }
  SKY_RETURN_IF_ERROR(check_read_conditions(source.source_conditions, src, true));
  if (src.evicted) {
    return Status::not_supported("the copy source's bytes are in the cloud tier; read it first");
  }
  return src;
}

// ---------------------------------------------------------------- access cache

std::shared_ptr<const BucketAccess> ObjectContext::cached_access(const std::string& bucket,
                                                                 uint64_t* generation) const {
  MutexLock lock(&access_mu_);
  auto it = access_cache_.find(bucket);
  if (it != access_cache_.end()) return it->second;
  *generation = access_generation_;
  return nullptr;
}

void ObjectContext::remember_access(const std::string& bucket, uint64_t generation,
                                    std::shared_ptr<const BucketAccess> access) {
  MutexLock lock(&access_mu_);
  if (access_generation_ == generation) access_cache_[bucket] = std::move(access);
}

void ObjectContext::forget_access(const std::string& bucket) {
  MutexLock lock(&access_mu_);
  ++access_generation_;
  access_cache_.erase(bucket);
}

}  // namespace skyarray::services
