// CloudSync's upload path: one object version from the local store to the
// cloud, whole or in recorded, resumable parts.
#include <spdlog/spdlog.h>

#include "common/checksum.h"
#include "common/encoding.h"
#include "services/cloud/cloud_sync_state.h"

namespace skyarray::services {

// upload() runs this on the blocking pool: MD5 of every uploaded byte would
// otherwise hold the event loop that all upload workers share.
Result<UploadDigests> upload_digests(const std::string& body) {
  SKY_ASSIGN_OR_RETURN(auto md5, Checksum::create(ChecksumAlgorithm::kMd5));
  md5->update(body);
  return UploadDigests{md5->finish(), crc32c(0, body.data(), body.size())};
}

// The MD5 a simple object's ETag states (32 hex digits); nullopt for a
// multipart or appended object's "<hex>-<n>" and anything else.
std::optional<std::string> md5_of_etag(const std::string& etag) {
  if (etag.size() != 32) return std::nullopt;
  auto raw = hex_decode(etag);
  if (!raw.is_ok()) return std::nullopt;
  return std::move(*raw);
}

Task<Result<CloudObjectAttrs>> CloudSync::State::attrs_of(const ObjectInfo& info) {
  CloudObjectAttrs a;
  a.content_type = info.content.content_type;
  a.content_encoding = info.content.content_encoding;
  a.content_disposition = info.content.content_disposition;
  a.cache_control = info.content.cache_control;
  a.user_metadata = info.user_metadata;
  a.size = info.size;
  if (info.tag_count > 0) {
    Caller sys = system_caller();
    std::optional<std::string> version = info.version_id;
    auto tags = co_await objects.get_object_tagging(sys, info.bucket, info.key, version);
    SKY_CO_RETURN_IF_ERROR(tags.status());
    a.tags = std::move(*tags);
  }
  co_return a;
}

Task<Result<std::string>> CloudSync::State::read_local(const ObjectInfo& info, uint64_t first,
                                                       uint64_t length) {
  Caller sys = system_caller();
  GetOptions get;
  get.version_id = info.version_id;
  if (length > 0 && length < info.size) get.range = ByteRange{first, first + length - 1, {}};
  SKY_CO_ASSIGN_OR_RETURN(auto reader,
                          co_await objects.get_object(sys, info.bucket, info.key, get));
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

Task<Status> CloudSync::State::upload(TargetSlot& slot, const CloudTargetConfig& cfg,
                                      const ObjectInfo& info, const std::string& cloud_key) {
  SKY_CO_ASSIGN_OR_RETURN(CloudObjectAttrs attrs, co_await attrs_of(info));
  CloudTarget& target = *slot.target;
  if (info.size <= options.multipart_threshold) {
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
      SKY_CO_ASSIGN_OR_RETURN(UploadDigests d, co_await rt.blocking([&]() -> Result<UploadDigests> {
        if (from_etag) return UploadDigests{*etag_md5, crc32c(0, body.data(), body.size())};
        return upload_digests(body);
      }));
      co_await throttle(slot, cfg, body.size());
      uint64_t n = body.size();
      auto put = co_await target.put_object(cloud_key, attrs, body, d.md5, d.crc);
      if (from_etag && put.status().code() == StatusCode::kBadDigest) continue;
      SKY_CO_RETURN_IF_ERROR(put.status());
      note_upload(n, 1);
      co_return Status::ok();
    }
  }

  // Multipart, resumable: the progress record names the local version it is
  // for; a stale one (the object changed since) is abandoned.
  auto prog = co_await rt.blocking([&] { return queue.progress(info.bucket, info.key); });
  SKY_CO_RETURN_IF_ERROR(prog.status());
  std::optional<MultipartProgress> p = std::move(*prog);
  if (p && (p->version_id != info.version_id || p->etag != info.etag ||
            p->part_size != options.part_size)) {
    Status ab = co_await target.abort_multipart(cloud_key, p->upload_id);
    if (!ab.is_ok())
      spdlog::warn("aborting stale cloud upload of {}: {}", cloud_key, ab.to_string());
    p.reset();
  }
  if (!p) {
    SKY_CO_ASSIGN_OR_RETURN(std::string upload_id,
                            co_await target.create_multipart(cloud_key, attrs));
    p = MultipartProgress{upload_id, info.version_id, info.etag, options.part_size, {}};
    Status saved =
        co_await rt.blocking([&] { return queue.save_progress(info.bucket, info.key, *p); });
    SKY_CO_RETURN_IF_ERROR(saved);
  } else {
    spdlog::info("resuming cloud upload of {}: {} parts already there", cloud_key, p->parts.size());
  }
  const uint64_t count = (info.size + p->part_size - 1) / p->part_size;
  for (uint32_t n = 1; n <= count; ++n) {
    if (p->parts.contains(n)) continue;
    uint64_t first = (n - 1) * p->part_size;
    uint64_t len = std::min<uint64_t>(p->part_size, info.size - first);
    SKY_CO_ASSIGN_OR_RETURN(std::string body, co_await read_local(info, first, len));
    SKY_CO_ASSIGN_OR_RETURN(UploadDigests d,
                            co_await rt.blocking([&] { return upload_digests(body); }));
    co_await throttle(slot, cfg, len);
    auto etag = co_await target.upload_part(cloud_key, p->upload_id, n, body, d.md5, d.crc);
    if (!etag.is_ok() && etag.status().code() == StatusCode::kNoSuchUpload) {
      // The cloud dropped the upload (expired, aborted): start over next time.
      co_await rt.blocking([&] { return queue.clear_progress(info.bucket, info.key); });
    }
    SKY_CO_RETURN_IF_ERROR(etag.status());
    p->parts[n] = *etag;
    Status saved =
        co_await rt.blocking([&] { return queue.save_progress(info.bucket, info.key, *p); });
    SKY_CO_RETURN_IF_ERROR(saved);
    note_upload(len, 0);
  }
  std::vector<CloudPart> parts;
  for (const auto& [n, etag] : p->parts) parts.push_back({n, etag});
  auto done = co_await target.complete_multipart(cloud_key, p->upload_id, parts);
  if (!done.is_ok() && done.status().code() == StatusCode::kNoSuchUpload) {
    co_await rt.blocking([&] { return queue.clear_progress(info.bucket, info.key); });
  }
  SKY_CO_RETURN_IF_ERROR(done.status());
  if (!attrs.tags.empty()) SKY_CO_RETURN_IF_ERROR(co_await target.put_tags(cloud_key, attrs.tags));
  note_upload(0, 1);
  co_return Status::ok();
}

}  // namespace skyarray::services
