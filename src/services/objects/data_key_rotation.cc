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

// Reseals every record of type Record in `cf` that `parse` names a
// bucket/key of and that needs it.
template <typename Record, typename Parse>
Status reseal_all(ObjectContext& ctx, const KmsKey& key, MetaCf cf, Parse parse,
                  ResealResult* out) {
  std::string bucket, object_key;
  auto it = ctx.meta().scan(cf, std::string(), std::string());
  for (it->seek_to_first(); it->valid(); it->next()) {
    if (!parse(it->key(), &bucket, &object_key)) continue;
    ++out->scanned;
    SKY_ASSIGN_OR_RETURN(Record rec, Record::decode(it->value()));
    if (!needs_reseal(rec.sse, key)) continue;
    SKY_ASSIGN_OR_RETURN(
        bool changed, reseal_one<Record>(ctx, key, cf, std::string(it->key()), bucket, object_key));
    out->resealed += changed ? 1 : 0;
  }
  return it->status();
}

}  // namespace

DataKeyRotation::DataKeyRotation(std::shared_ptr<ObjectContext> ctx) : ctx_(std::move(ctx)) {}

Task<Result<ResealResult>> DataKeyRotation::reseal(const std::string& key_id) {
  auto ctx = ctx_;
  co_return co_await ctx->runtime().blocking([&]() -> Result<ResealResult> {
    const KeyStore* store = ctx->key_store();
    if (store == nullptr) return Status::not_supported("no key store: encryption at rest is off");
    SKY_ASSIGN_OR_RETURN(KmsKey key, store->describe(key_id));
    if (!key.enabled) {
      return Status(StatusCode::kKeyUnavailable, "KMS key " + key.id + " is disabled");
    }
    ResealResult out;
    auto version = [](std::string_view k, std::string* bucket, std::string* object_key) {
      uint64_t seq = 0;
      return keys::parse_latest(k, bucket, object_key) ||
             keys::parse_version(k, bucket, object_key, &seq);
    };
    auto upload = [](std::string_view k, std::string* bucket, std::string* object_key) {
      std::string upload_id;
      return keys::parse_upload(k, bucket, object_key, &upload_id);
    };
    SKY_RETURN_IF_ERROR(reseal_all<ObjectRecord>(*ctx, key, MetaCf::kObjects, version, &out));
    SKY_RETURN_IF_ERROR(reseal_all<UploadRecord>(*ctx, key, MetaCf::kUploads, upload, &out));
    return out;
  });
}

}  // namespace skyarray::services
