// ObjectService: the facade that owns the shared context and the parts.
#include "services/objects/object_service.h"

#include "common/config.h"
#include "services/objects/object_chunk_names.h"
#include "services/objects/object_context.h"
#include "store/blob_store.h"

namespace skyarray::services {

Result<ObjectServiceOptions> ObjectServiceOptions::from_config(const ConfigSection& section) {
  ObjectServiceOptions o;
  SKY_RETURN_IF_ERROR(section.read("default_region", &o.default_region));
  int64_t scan = o.max_scan_per_list;
  SKY_RETURN_IF_ERROR(section.read("max_scan_per_list", &scan, 1000, 100000000));
  o.max_scan_per_list = static_cast<uint32_t>(scan);
  // Up to 300 years either way: far enough for any retain-until date.
  SKY_RETURN_IF_ERROR(section.read("retention_clock_offset", &o.retention_clock_offset,
                                   -int64_t{300} * 366 * 86400, int64_t{300} * 366 * 86400));
  SKY_RETURN_IF_ERROR(section.read_seconds("lifecycle_interval", &o.lifecycle_interval, 0, 86400));
  int64_t batch = o.lifecycle_batch;
  SKY_RETURN_IF_ERROR(section.read("lifecycle_batch", &batch, 1, 1000000));
  o.lifecycle_batch = static_cast<uint32_t>(batch);
  SKY_RETURN_IF_ERROR(section.read_seconds("lifecycle_pause", &o.lifecycle_pause, 0, 60));
  return o;
}

ObjectService::ObjectService(Runtime& runtime, MetaStore& meta, BlobStore& blobs,
                             ObjectServiceOptions options)
    : ctx_(std::make_shared<ObjectContext>(runtime, meta, blobs, std::move(options))),
      buckets_(ctx_),
      reads_(ctx_),
      writes_(ctx_),
      multipart_(ctx_),
      versions_(ctx_),
      residency_(ctx_),
      lifecycle_(ctx_),
      data_keys_(ctx_) {
  // The store's data-loss and repair messages name objects, not only chunks.
  blobs.set_owner_names(std::make_shared<ObjectChunkNames>(meta));
}

ObjectService::~ObjectService() = default;

Clock& ObjectService::retention_clock() {
  return ctx_->clock();
}

void ObjectService::set_change_stager(ObjectChangeStager* stager) {
  ctx_->set_change_stager(stager);
}

void ObjectService::set_key_store(const KeyStore* keys) {
  ctx_->set_key_store(keys);
}

void ObjectService::set_tiering(TieringPort* tiering) {
  ctx_->set_tiering(tiering);
}

}  // namespace skyarray::services
