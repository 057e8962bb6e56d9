// DataKeyRotation: data keys resealed under a key's newest version
// (data_key_rotation.h).
#include "services/objects/data_key_rotation.h"

#include "common/runtime.h"
#include "meta/meta_store.h"
#include "services/objects/object_context.h"
#include "services/objects/object_sse.h"
#include "services/security/key_store.h"

namespace skyarray::services {

namespace {

bool needs_reseal(const SseRecord& sse, const KmsKey& key) {
  return (sse.mode == SseMode::kS3 || sse.mode == SseMode::kKms) && sse.key_id == key.id &&
         sse.key_version < key.versions;
}

// Reseals the record stored at `cf`/`at` (of bucket/key) under its lock,
// re-reading it there. Returns whether it changed.
template <typename Record>
Result<bool> reseal_one(ObjectContext& ctx, const KmsKey& key, MetaCf cf, const std::string& at,
                        const std::string& bucket, const std::string& object_key) {
  ObjectContext::KeyGuard guard(ctx, bucket, object_key);
  SKY_ASSIGN_OR_RETURN(auto raw, ctx.meta().get(cf, at));
  if (!raw) return false;  // removed meanwhile
  SKY_ASSIGN_OR_RETURN(Record rec, Record::decode(*raw));
  if (!needs_reseal(rec.sse, key)) return false;
  SKY_ASSIGN_OR_RETURN(rec.sse, ObjectSse::reseal(ctx.key_store(), rec.sse));
  MetaBatch batch;
  batch.put(cf, at, rec.encode());
  SKY_RETURN_IF_ERROR(ctx.meta().commit(std::move(batch)));
  return true;
}

}  // namespace

DataKeyRotation::DataKeyRotation(std::shared_ptr<ObjectContext> ctx) : ctx_(std::move(ctx)) {}

Task<Result<ResealResult>> DataKeyRotation::reseal(const std::string& key_id) {
  auto ctx = ctx_;
  co_return co_await ctx->runtime().blocking([&]() -> Result<ResealResult> {
    const KeyStore* keys = ctx->key_store();
    if (keys == nullptr) return Status::not_supported("no key store: encryption at rest is off");
    SKY_ASSIGN_OR_RETURN(KmsKey key, keys->describe(key_id));
    if (!key.enabled) {
      return Status(StatusCode::kKeyUnavailable, "KMS key " + key.id + " is disabled");
    }
    ResealResult out;
    std::string bucket, object_key, upload_id;
    uint64_t seq = 0;
    auto it = ctx->meta().scan(MetaCf::kObjects, std::string(), std::string());
    for (it->seek_to_first(); it->valid(); it->next()) {
      const bool latest = keys::parse_latest(it->key(), &bucket, &object_key);
      if (!latest && !keys::parse_version(it->key(), &bucket, &object_key, &seq)) continue;
      ++out.scanned;
      SKY_ASSIGN_OR_RETURN(ObjectRecord rec, ObjectRecord::decode(it->value()));
      if (!needs_reseal(rec.sse, key)) continue;
      SKY_ASSIGN_OR_RETURN(bool changed,
                           reseal_one<ObjectRecord>(*ctx, key, MetaCf::kObjects,
                                                    std::string(it->key()), bucket, object_key));
      out.resealed += changed ? 1 : 0;
    }
    SKY_RETURN_IF_ERROR(it->status());
    auto up = ctx->meta().scan(MetaCf::kUploads, std::string(), std::string());
    for (up->seek_to_first(); up->valid(); up->next()) {
      if (!keys::parse_upload(up->key(), &bucket, &object_key, &upload_id)) continue;
      ++out.scanned;
      SKY_ASSIGN_OR_RETURN(UploadRecord rec, UploadRecord::decode(up->value()));
      if (!needs_reseal(rec.sse, key)) continue;
      SKY_ASSIGN_OR_RETURN(bool changed,
                           reseal_one<UploadRecord>(*ctx, key, MetaCf::kUploads,
                                                    std::string(up->key()), bucket, object_key));
      out.resealed += changed ? 1 : 0;
    }
    SKY_RETURN_IF_ERROR(up->status());
    return out;
  });
}

}  // namespace skyarray::services
