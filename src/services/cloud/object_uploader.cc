#include "services/cloud/object_uploader.h"

#include <spdlog/spdlog.h>

#include "common/checksum.h"
#include "common/runtime.h"
#include "services/cloud/cloud_lock_metadata.h"
#include "services/cloud/cloud_registry.h"
#include "services/cloud/system_caller.h"
#include "services/cloud/upload_digests.h"

namespace skyarray::services {

ObjectUploader::ObjectUploader(const CloudParts& parts, Options options)
    : parts_(parts), options_(options) {}

Task<Result<CloudObjectAttrs>> ObjectUploader::attrs_of(const ObjectInfo& info) {
  CloudObjectAttrs a;
  a.content_type = info.content.content_type;
  a.content_encoding = info.content.content_encoding;
  a.content_disposition = info.content.content_disposition;
  a.cache_control = info.content.cache_control;
  a.user_metadata = info.user_metadata;
  put_lock_metadata(info.lock, &a.user_metadata);
  if (auto link = parts_.registry.link_of(info.bucket); link && link->lock_cloud_copy) {
    if (info.lock.mode != RetentionMode::kNone) {
      a.lock_mode = info.lock.mode == RetentionMode::kCompliance ? "COMPLIANCE" : "GOVERNANCE";
      a.lock_retain_until_ns = info.lock.retain_until_ns;
    }
    a.lock_legal_hold = info.lock.legal_hold;
  }
  a.size = info.size;
  if (info.tag_count > 0) {
    Caller sys = system_caller();
    std::optional<std::string> version = info.version_id;
    auto tags =
        co_await parts_.objects.reads().get_object_tagging(sys, info.bucket, info.key, version);
    SKY_CO_RETURN_IF_ERROR(tags.status());
    a.tags = std::move(*tags);
  }
  co_return a;
}

Task<Result<std::string>> ObjectUploader::read_local(const ObjectInfo& info, uint64_t first,
                                                     uint64_t length) {
  Caller sys = system_caller();
  GetOptions get;
  get.version_id = info.version_id;
  if (length > 0 && length < info.size) get.range = ByteRange{first, first + length - 1, {}};
  SKY_CO_ASSIGN_OR_RETURN(
      auto reader, co_await parts_.objects.reads().get_object(sys, info.bucket, info.key, get));
  std::string out;
  out.reserve(reader->range_length());
  while (true) {
    SKY_CO_ASSIGN_OR_RETURN(Buffer piece, co_await reader->read(4 << 20));
    if (piece.empty()) break;
    out.append(piece.view());
  }
  if (out.size() != reader->range_length())
    co_return Status::io_error("short local read of " + info.key);
  co_return out;
}

Task<Status> ObjectUploader::upload(CloudTargetPool::Slot& slot, const CloudTargetConfig& cfg,
                                    const ObjectInfo& info, const std::string& cloud_key) {
  // An object encrypted at rest never leaves in plaintext: only a target
  // with client-side encryption takes it. An SSE-C object cannot be read
  // at all without its owner's key, which the array does not keep.
  if (info.sse.mode == SseMode::kCustomer) {
    co_return Status::not_supported("SSE-C object " + info.key +
                                    " cannot be copied to the cloud: the array has no key for it");
  }
  if (info.sse.mode != SseMode::kNone && cfg.encryption_key.empty() &&
      cfg.encryption_key_id.empty()) {
    co_return Status::permission_denied("encrypted object " + info.key +
                                        " is not sent to a target without client-side encryption");
  }
  SKY_CO_ASSIGN_OR_RETURN(CloudObjectAttrs attrs, co_await attrs_of(info));
  if (info.size <= options_.multipart_threshold) {
    co_return co_await upload_whole(slot, cfg, info, cloud_key, attrs);
  }
  co_return co_await upload_parts(slot, cfg, info, cloud_key, attrs);
}

Task<Status> ObjectUploader::upload_whole(CloudTargetPool::Slot& slot, const CloudTargetConfig& cfg,
                                          const ObjectInfo& info, const std::string& cloud_key,
                                          const CloudObjectAttrs& attrs) {
  // A simple object's ETag is the MD5 of its bytes: sent as Content-MD5 it
  // spares hashing the body again, and the cloud still checks every byte
  // against it. An ETag taken over from another store (import) may not
  // be an MD5: a digest the cloud refuses falls back to hashing. Not with
  // client-side encryption, where the cloud checks only the ciphertext.
  std::optional<std::string> etag_md5;
  if (cfg.encryption_key.empty() && cfg.encryption_key_id.empty()) {
    etag_md5 = md5_of_etag(info.etag);
  }
  for (int attempt = 0;; ++attempt) {
    SKY_CO_ASSIGN_OR_RETURN(std::string body, co_await read_local(info, 0, 0));
    bool from_etag = attempt == 0 && etag_md5.has_value();
    SKY_CO_ASSIGN_OR_RETURN(
        UploadDigests d, co_await parts_.rt.blocking([&]() -> Result<UploadDigests> {
          if (from_etag) return UploadDigests{*etag_md5, crc32c(0, body.data(), body.size())};
          return upload_digests(body);
        }));
    co_await parts_.pool->throttle(slot, cfg, body.size());
    uint64_t n = body.size();
    auto put = co_await slot.target->put_object(cloud_key, attrs, body, d.md5, d.crc);
    if (from_etag && put.status().code() == StatusCode::kBadDigest) continue;
    SKY_CO_RETURN_IF_ERROR(put.status());
    parts_.counters->note_upload(n, 1);
    co_return Status::ok();
  }
}

Task<Result<MultipartProgress>> ObjectUploader::resume_or_create(CloudTarget& target,
                                                                 const ObjectInfo& info,
                                                                 const std::string& cloud_key,
                                                                 const CloudObjectAttrs& attrs) {
  // The progress record names the local version it is for; a stale one
  // (the object changed since) is abandoned.
  auto prog =
      co_await parts_.rt.blocking([&] { return parts_.queue->progress(info.bucket, info.key); });
  SKY_CO_RETURN_IF_ERROR(prog.status());
  std::optional<MultipartProgress> p = std::move(*prog);
  if (p && (p->version_id != info.version_id || p->etag != info.etag ||
            p->part_size != options_.part_size)) {
    Status ab = co_await target.abort_multipart(cloud_key, p->upload_id);
    if (!ab.is_ok())
      spdlog::warn("aborting stale cloud upload of {}: {}", cloud_key, ab.to_string());
    p.reset();
  }
  if (p) {
    spdlog::info("resuming cloud upload of {}: {} parts already there", cloud_key, p->parts.size());
    co_return std::move(*p);
  }
  SKY_CO_ASSIGN_OR_RETURN(std::string upload_id,
                          co_await target.create_multipart(cloud_key, attrs));
  MultipartProgress fresh{upload_id, info.version_id, info.etag, options_.part_size, {}};
  Status saved = co_await parts_.rt.blocking(
      [&] { return parts_.queue->save_progress(info.bucket, info.key, fresh); });
  SKY_CO_RETURN_IF_ERROR(saved);
  co_return fresh;
}

Task<void> ObjectUploader::forget_progress(const ObjectInfo& info) {
  Status st = co_await parts_.rt.blocking(
      [&] { return parts_.queue->clear_progress(info.bucket, info.key); });
  // Harmless when it stays: the next attempt finds the upload gone again.
  if (!st.is_ok())
    spdlog::warn("clearing the cloud upload record of {}/{}: {}", info.bucket, info.key,
                 st.to_string());
}

Task<Status> ObjectUploader::upload_parts(CloudTargetPool::Slot& slot, const CloudTargetConfig& cfg,
                                          const ObjectInfo& info, const std::string& cloud_key,
                                          const CloudObjectAttrs& attrs) {
  CloudTarget& target = *slot.target;
  SKY_CO_ASSIGN_OR_RETURN(MultipartProgress p,
                          co_await resume_or_create(target, info, cloud_key, attrs));
  const uint64_t count = (info.size + p.part_size - 1) / p.part_size;
  for (uint32_t n = 1; n <= count; ++n) {
    if (p.parts.contains(n)) continue;
    uint64_t first = (n - 1) * p.part_size;
    uint64_t len = std::min<uint64_t>(p.part_size, info.size - first);
    SKY_CO_ASSIGN_OR_RETURN(std::string body, co_await read_local(info, first, len));
    SKY_CO_ASSIGN_OR_RETURN(UploadDigests d,
                            co_await parts_.rt.blocking([&] { return upload_digests(body); }));
    co_await parts_.pool->throttle(slot, cfg, len);
    auto etag = co_await target.upload_part(cloud_key, p.upload_id, n, body, d.md5, d.crc);
    if (!etag.is_ok() && etag.status().code() == StatusCode::kNoSuchUpload) {
      co_await forget_progress(info);
    }
    SKY_CO_RETURN_IF_ERROR(etag.status());
    p.parts[n] = *etag;
    Status saved = co_await parts_.rt.blocking(
        [&] { return parts_.queue->save_progress(info.bucket, info.key, p); });
    SKY_CO_RETURN_IF_ERROR(saved);
    parts_.counters->note_upload(len, 0);
  }
  std::vector<CloudPart> parts;
  for (const auto& [n, etag] : p.parts) parts.push_back({n, etag});
  auto done = co_await target.complete_multipart(cloud_key, p.upload_id, parts);
  if (!done.is_ok() && done.status().code() == StatusCode::kNoSuchUpload) {
    co_await forget_progress(info);
  }
  SKY_CO_RETURN_IF_ERROR(done.status());
  if (!attrs.tags.empty()) SKY_CO_RETURN_IF_ERROR(co_await target.put_tags(cloud_key, attrs.tags));
  parts_.counters->note_upload(0, 1);
  co_return Status::ok();
}

}  // namespace skyarray::services
