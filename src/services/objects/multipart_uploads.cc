// MultipartUploads: create, parts, complete, abort and listings
// (multipart_uploads.h).
#include "services/objects/multipart_uploads.h"

#include <map>

#include "common/encoding.h"
#include "common/runtime.h"
#include "meta/key_codec.h"
#include "meta/meta_store.h"
#include "services/objects/object_context.h"
#include "services/objects/object_rules.h"
#include "services/objects/object_sse.h"
#include "services/objects/store_object_writer.h"
#include "store/blob_store.h"

namespace skyarray::services {

namespace {

Status no_such_upload(const std::string& id) {
  return Status(StatusCode::kNoSuchUpload, "upload '" + id + "' does not exist");
}

Result<UploadRecord> load_upload(ObjectContext& ctx, const std::string& bucket,
                                 const std::string& key, const std::string& id) {
  SKY_ASSIGN_OR_RETURN(auto raw, ctx.meta().get(MetaCf::kUploads, keys::upload(bucket, key, id)));
  if (!raw) return no_such_upload(id);
  return UploadRecord::decode(*raw);
}

MultipartUpload upload_info(const std::string& bucket, const std::string& key,
                            const std::string& id, const UploadRecord& u) {
  return MultipartUpload{bucket,
                         key,
                         id,
                         u.owner,
                         from_ns(u.initiated_ns),
                         u.storage_class,
                         u.checksum_algorithm,
                         u.checksum_type,
                         u.sse.info()};
}

// Every part of an upload, ascending.
Result<std::vector<std::pair<uint32_t, PartRecord>>> load_parts(ObjectContext& ctx,
                                                                const std::string& bucket,
                                                                const std::string& key,
                                                                const std::string& id) {
  std::vector<std::pair<uint32_t, PartRecord>> parts;
  auto it = ctx.meta().scan_prefix(MetaCf::kUploads, keys::parts_of(bucket, key, id));
  for (it->seek_to_first(); it->valid(); it->next()) {
    uint32_t n;
    if (!keys::parse_part(it->key(), &n)) return Status::corruption("bad part key");
    SKY_ASSIGN_OR_RETURN(auto p, PartRecord::decode(it->value()));
    parts.emplace_back(n, std::move(p));
  }
  SKY_RETURN_IF_ERROR(it->status());
  return parts;
}

// The upload's checksum type: as asked, else S3's default for the algorithm.
Result<ChecksumType> upload_checksum_type(const PutOptions& o) {
  if (!o.checksum_algorithm) {
    if (o.checksum_type) return Status::invalid_argument("a checksum type needs an algorithm");
    return ChecksumType::kComposite;
  }
  ChecksumAlgorithm a = *o.checksum_algorithm;
  ChecksumType t = o.checksum_type.value_or(
      a == ChecksumAlgorithm::kCrc64Nvme ? ChecksumType::kFullObject : ChecksumType::kComposite);
  if (t == ChecksumType::kFullObject && !is_crc(a)) {
    return Status::invalid_argument(
        "the FULL_OBJECT checksum type needs CRC32, CRC32C or CRC64NVME");
  }
  if (t == ChecksumType::kComposite && a == ChecksumAlgorithm::kCrc64Nvme) {
    return Status::invalid_argument("CRC64NVME supports only the FULL_OBJECT checksum type");
  }
  return t;
}

}  // namespace

MultipartUploads::MultipartUploads(std::shared_ptr<ObjectContext> ctx) : ctx_(std::move(ctx)) {}

Task<Result<MultipartUpload>> MultipartUploads::create_multipart_upload(const Caller& caller,
                                                                        const std::string& bucket,
                                                                        const std::string& key,
                                                                        const PutOptions& options) {
  SKY_CO_RETURN_IF_ERROR(ctx_->check_new_version(caller, bucket, key, options));
  if (options.append_position) co_return Status::invalid_argument("append with multipart");
  if (options.patch) co_return Status::invalid_argument("patch with multipart");
  SKY_CO_ASSIGN_OR_RETURN(ChecksumType checksum_type, upload_checksum_type(options));
  auto ctx = ctx_;
  co_return co_await ctx->runtime().blocking([&]() -> Result<MultipartUpload> {
    ReaderLock buckets(&ctx->buckets_mu());
    SKY_ASSIGN_OR_RETURN(auto bucket_rec, ctx->load_bucket(caller, bucket));
    if (!options.lock.empty() && !bucket_rec.object_lock.enabled) {
      return Status::invalid_argument("Bucket is missing Object Lock Configuration");
    }
    UploadRecord u;
    u.owner = caller.user_id;
    u.initiated_ns = now_ns();
    copy_stored_headers(options, &u);
    u.checksum_algorithm = options.checksum_algorithm;
    u.checksum_type = checksum_type;
    // The upload's data key; each part seals its own run under it.
    std::string dek;
    SKY_ASSIGN_OR_RETURN(u.sse, ObjectSse::for_new_version(ctx->key_store(), options.sse,
                                                           bucket_rec.encryption, &dek));
    // Time first, so ids of one key sort by initiation, then randomness.
    std::string id = version_id_of(static_cast<uint64_t>(u.initiated_ns), false) + random_hex(8);
    MetaBatch batch;
    batch.put(MetaCf::kUploads, keys::upload(bucket, key, id), u.encode());
    SKY_RETURN_IF_ERROR(ctx->meta().commit(std::move(batch)));
    return upload_info(bucket, key, id, u);
  });
}

Task<Result<std::unique_ptr<ObjectWriter>>> MultipartUploads::upload_part(
    const Caller& caller, const std::string& bucket, const std::string& key,
    const std::string& upload_id, uint32_t part_number, const PutOptions& options) {
  SKY_CO_RETURN_IF_ERROR(validate_key(key));
  if (part_number < 1 || part_number > kMaxParts) {
    co_return Status::invalid_argument("part number must be 1..10000");
  }
  if (options.expected_size && *options.expected_size > kMaxPartSize) {
    co_return Status(StatusCode::kTooLarge, "part larger than 5 GiB");
  }
  auto ctx = ctx_;
  co_return co_await ctx->runtime().blocking([&]() -> Result<std::unique_ptr<ObjectWriter>> {
    SKY_RETURN_IF_ERROR(ctx->load_bucket(caller, bucket).status());
    SKY_ASSIGN_OR_RETURN(auto upload, load_upload(*ctx, bucket, key, upload_id));
    SKY_RETURN_IF_ERROR(ctx->meta().check_room(0));  // before the body is sent
    PutOptions part_options;
    part_options.expected_size = options.expected_size;
    part_options.expected_md5 = options.expected_md5;
    part_options.checksum_algorithm =
        options.checksum_algorithm ? options.checksum_algorithm : upload.checksum_algorithm;
    part_options.expected_checksum = options.expected_checksum;
    SKY_RETURN_IF_ERROR(validate_put_options(part_options));
    RunSealing sealing;
    if (!upload.sse.empty()) {
      SKY_ASSIGN_OR_RETURN(std::string dek, ObjectSse::open_dek(ctx->key_store(), upload.sse,
                                                                options.sse.customer_key));
      SKY_ASSIGN_OR_RETURN(sealing, ObjectSse::sealing(upload.sse, std::move(dek)));
    } else if (!options.sse.customer_key.empty()) {
      return Status::invalid_argument("the upload was not created with a customer key");
    }
    return std::unique_ptr<ObjectWriter>(
        std::make_unique<StoreObjectWriter>(ctx, caller, bucket, key, std::move(part_options),
                                            upload_id, part_number, std::move(sealing)));
  });
}

namespace {

// What an UploadPartCopy copies: a range of a source version, and the
// checksum algorithm of the upload it goes to.
struct PartSource {
  ObjectRecord rec;
  uint64_t first = 0, length = 0;
  std::optional<ChecksumAlgorithm> alg;
};

// Blocking: the source and the range; checks the upload exists.
Result<PartSource> resolve_part_source(ObjectContext& ctx, const Caller& caller,
                                       const std::string& bucket, const std::string& key,
                                       const std::string& upload_id, const std::string& src_bucket,
                                       const std::string& src_key, const CopyOptions& source,
                                       const std::optional<ByteRange>& range) {
  SKY_RETURN_IF_ERROR(ctx.load_bucket(caller, bucket).status());
  SKY_ASSIGN_OR_RETURN(auto upload, load_upload(ctx, bucket, key, upload_id));
  SKY_RETURN_IF_ERROR(ctx.load_bucket(caller, src_bucket).status());
  PartSource s;
  s.alg = upload.checksum_algorithm;
  SKY_ASSIGN_OR_RETURN(s.rec, ctx.load_copy_source(src_bucket, src_key, source));
  if (!upload.sse.empty() || !s.rec.sse.empty()) {
    return Status::not_supported("UploadPartCopy to or from encrypted objects is not supported");
  }
  s.length = s.rec.size;
  if (range) {
    if (range->suffix || !range->first || !range->last || *range->last >= s.rec.size ||
        *range->last < *range->first) {
      return Status(StatusCode::kOutOfRange,
                    "copy range must be bytes=first-last within the source");
    }
    s.first = *range->first;
    s.length = *range->last - *range->first + 1;
  }
  if (s.length > kMaxPartSize) return Status(StatusCode::kTooLarge, "part larger than 5 GiB");
  return s;
}

// The part's record: its ETag (and checksum) are digests of its bytes, which
// are read (verified by the store) but not written again.
Task<Result<PartRecord>> copied_part(ObjectContext& ctx, const PartSource& src) {
  SKY_CO_ASSIGN_OR_RETURN(BlobRef slice, src.rec.blob.slice(src.first, src.length));
  SKY_CO_ASSIGN_OR_RETURN(auto md5, Checksum::create(ChecksumAlgorithm::kMd5));
  std::unique_ptr<Checksum> sum;
  if (src.alg) {
    SKY_CO_ASSIGN_OR_RETURN(sum, Checksum::create(*src.alg));
  }
  SKY_CO_ASSIGN_OR_RETURN(
      auto reader, co_await ctx.runtime().blocking([&] { return ctx.blobs().new_reader(slice); }));
  for (;;) {
    SKY_CO_ASSIGN_OR_RETURN(Buffer buf, co_await reader->read(1 << 20));
    if (buf.empty()) break;
    md5->update(buf.data(), buf.size());
    if (sum) sum->update(buf.data(), buf.size());
  }
  PartRecord part;
  part.size = src.length;
  part.etag = hex_encode(md5->finish());
  if (sum) part.checksum = ObjectChecksum{*src.alg, sum->finish(), false, 0};
  part.mtime_ns = now_ns();
  part.blob = std::move(slice);
  co_return part;
}

}  // namespace

Task<Result<ObjectPart>> MultipartUploads::upload_part_copy(
    const Caller& caller, const std::string& bucket, const std::string& key,
    const std::string& upload_id, uint32_t part_number, const std::string& src_bucket,
    const std::string& src_key, const CopyOptions& source, const std::optional<ByteRange>& range) {
  if (part_number < 1 || part_number > kMaxParts) {
    co_return Status::invalid_argument("part number must be 1..10000");
  }
  auto ctx = ctx_;
  SKY_CO_ASSIGN_OR_RETURN(PartSource src, co_await ctx->runtime().blocking([&] {
    return resolve_part_source(*ctx, caller, bucket, key, upload_id, src_bucket, src_key, source,
                               range);
  }));
  SKY_CO_ASSIGN_OR_RETURN(PartRecord part, co_await copied_part(*ctx, src));
  // Commit, provided the source version is still there (its chunks are then
  // still referenced, so sharing them is safe).
  co_return co_await ctx->runtime().blocking([&]() -> Result<ObjectPart> {
    ObjectContext::KeyGuard guard(*ctx, bucket, key, src_bucket, src_key);
    SKY_RETURN_IF_ERROR(load_upload(*ctx, bucket, key, upload_id).status());
    auto now = ctx->meta().get(MetaCf::kObjects, keys::version(src_bucket, src_key, src.rec.seq));
    SKY_RETURN_IF_ERROR(now.status());
    if (!*now) return Status(StatusCode::kConflict, "the source changed during the copy");
    MetaBatch batch;
    SKY_RETURN_IF_ERROR(ctx->stage_part(&batch, bucket, key, upload_id, part_number, part));
    SKY_RETURN_IF_ERROR(ctx->meta().commit(std::move(batch)));
    return ObjectPart{part_number, part.size, part.etag, part.checksum};
  });
}

namespace {

// Checks the client's part list against the stored parts and builds the
// object record (without seq/version fields).
Result<ObjectRecord> assemble(const UploadRecord& u,
                              const std::vector<std::pair<uint32_t, PartRecord>>& stored,
                              const std::vector<CompletedPart>& listed, const Caller& caller) {
  if (listed.empty()) return Status::invalid_argument("the part list is empty");
  std::map<uint32_t, const PartRecord*> by_number;
  for (const auto& [n, p] : stored) by_number[n] = &p;
  ObjectRecord rec;
  std::string md5s, sums;
  // FULL_OBJECT: the CRC of the object so far, combined part by part.
  std::optional<std::string> full;
  bool full_ok = u.checksum_algorithm && u.checksum_type == ChecksumType::kFullObject;
  uint32_t prev = 0;
  for (const auto& c : listed) {  // order first, as S3 reports it before part errors
    if (c.number <= prev) return Status(StatusCode::kInvalidPartOrder, "parts not ascending");
    prev = c.number;
  }
  for (size_t i = 0; i < listed.size(); ++i) {
    const CompletedPart& c = listed[i];
    auto found = by_number.find(c.number);
    if (found == by_number.end() || found->second->etag != c.etag) {
      return Status(StatusCode::kInvalidPart,
                    "part " + std::to_string(c.number) + " was not uploaded or its ETag differs");
    }
    const PartRecord& p = *found->second;
    if (c.checksum && (!p.checksum || p.checksum->digest != *c.checksum)) {
      return Status(StatusCode::kInvalidPart,
                    "checksum of part " + std::to_string(c.number) + " differs");
    }
    if (i + 1 < listed.size() && p.size < kMinPartSize) {
      return Status(StatusCode::kTooSmall,
                    "part " + std::to_string(c.number) + " is smaller than 5 MiB and not the last");
    }
    SKY_ASSIGN_OR_RETURN(auto raw_md5, hex_decode(p.etag));
    md5s += raw_md5;
    if (u.checksum_algorithm && p.checksum) sums += p.checksum->digest;
    if (full_ok && p.checksum && p.checksum->algorithm == *u.checksum_algorithm &&
        !p.checksum->composite) {
      full = !full ? std::optional<std::string>(p.checksum->digest)
                   : combine_crc(*u.checksum_algorithm, *full, p.checksum->digest, p.size);
      full_ok = full.has_value();
    } else {
      full_ok = false;
    }
    if (u.sse.empty() != p.sse_salt.empty()) {
      return Status::corruption("part " + std::to_string(c.number) +
                                " is not encrypted as its upload is");
    }
    rec.blob.append(p.blob);
    rec.parts.push_back(ObjectPart{c.number, p.size, p.etag, p.checksum});
    rec.size += p.size;
    if (!u.sse.empty()) rec.sse.salts.push_back(p.sse_salt);
  }
  if (!u.sse.empty()) {
    std::vector<std::string> salts = std::move(rec.sse.salts);
    rec.sse = u.sse;
    rec.sse.salts = std::move(salts);
  }
  SKY_ASSIGN_OR_RETURN(auto md5, Checksum::create(ChecksumAlgorithm::kMd5));
  md5->update(md5s);
  rec.etag = hex_encode(md5->finish()) + "-" + std::to_string(listed.size());
  if (full_ok) {
    rec.checksum = ObjectChecksum{*u.checksum_algorithm, *full, false, 0};
  } else if (u.checksum_algorithm && u.checksum_type == ChecksumType::kComposite &&
             sums.size() == listed.size() * checksum_digest_size(*u.checksum_algorithm)) {
    SKY_ASSIGN_OR_RETURN(auto sum, Checksum::create(*u.checksum_algorithm));
    sum->update(sums);
    rec.checksum = ObjectChecksum{*u.checksum_algorithm, sum->finish(), true,
                                  static_cast<uint32_t>(listed.size())};
  }
  rec.mtime_ns = now_ns();
  rec.owner = caller.user_id;
  copy_stored_headers(u, &rec);
  return rec;
}

}  // namespace

Task<Result<ObjectInfo>> MultipartUploads::complete_multipart_upload(
    const Caller& caller, const std::string& bucket, const std::string& key,
    const std::string& upload_id, const std::vector<CompletedPart>& parts,
    const CompleteOptions& options) {
  auto ctx = ctx_;
  co_return co_await ctx->runtime().blocking([&]() -> Result<ObjectInfo> {
    ObjectContext::KeyGuard guard(*ctx, bucket, key);
    SKY_ASSIGN_OR_RETURN(auto bucket_rec, ctx->load_bucket(caller, bucket));
    SKY_ASSIGN_OR_RETURN(auto current, ctx->load_latest(bucket, key));
    auto upload = load_upload(*ctx, bucket, key, upload_id);
    if (!upload.is_ok()) {
      // A retried complete (the answer to the first was lost): S3 answers
      // the same result while the object is still that upload's.
      if (upload.status().code() == StatusCode::kNoSuchUpload && current &&
          current->upload_id == upload_id) {
        return current->to_info(bucket, key, true);
      }
      return upload.status();
    }
    if (options.checksum_type && *options.checksum_type != upload->checksum_type) {
      return Status::invalid_argument("the checksum type differs from the upload's");
    }
    SKY_ASSIGN_OR_RETURN(auto stored, load_parts(*ctx, bucket, key, upload_id));
    SKY_RETURN_IF_ERROR(check_write_conditions(options.if_match, options.if_none_match, current));
    SKY_ASSIGN_OR_RETURN(auto rec, assemble(*upload, stored, parts, caller));
    if (options.expected_checksum) {
      if (!rec.checksum || !options.checksum_algorithm ||
          rec.checksum->algorithm != *options.checksum_algorithm) {
        return Status::invalid_argument("the upload has no checksum of that algorithm");
      }
      if (rec.checksum->digest != *options.expected_checksum) {
        return Status(StatusCode::kBadDigest, "the object's checksum differs from the one given");
      }
    }
    rec.upload_id = upload_id;
    MetaBatch batch;
    // The object's ref takes a reference on every used chunk; the parts'
    // references are all dropped (unused parts' chunks become garbage).
    SKY_RETURN_IF_ERROR(ctx->stage_new_version(&batch, bucket_rec, bucket, key, &rec));
    for (const auto& [n, p] : stored) {
      ctx->blobs().stage_release(&batch, p.blob);
      batch.erase(MetaCf::kUploads, keys::part(bucket, key, upload_id, n));
    }
    batch.erase(MetaCf::kUploads, keys::upload(bucket, key, upload_id));
    SKY_RETURN_IF_ERROR(ctx->meta().commit(std::move(batch)));
    return rec.to_info(bucket, key, true);
  });
}

Task<Status> MultipartUploads::abort_multipart_upload(const Caller& caller,
                                                      const std::string& bucket,
                                                      const std::string& key,
                                                      const std::string& upload_id) {
  auto ctx = ctx_;
  co_return co_await ctx->runtime().blocking([&]() -> Status {
    ObjectContext::KeyGuard guard(*ctx, bucket, key);
    SKY_RETURN_IF_ERROR(ctx->load_bucket(caller, bucket).status());
    SKY_RETURN_IF_ERROR(load_upload(*ctx, bucket, key, upload_id).status());
    MetaBatch batch;
    batch.set_admission(MetaAdmission::kRelease);  // frees the parts
    SKY_RETURN_IF_ERROR(stage_abort_upload(*ctx, &batch, bucket, key, upload_id));
    return ctx->meta().commit(std::move(batch));
  });
}

Status stage_abort_upload(ObjectContext& ctx, MetaBatch* batch, const std::string& bucket,
                          const std::string& key, const std::string& upload_id) {
  SKY_ASSIGN_OR_RETURN(auto stored, load_parts(ctx, bucket, key, upload_id));
  for (const auto& [n, p] : stored) {
    ctx.blobs().stage_release(batch, p.blob);
    batch->erase(MetaCf::kUploads, keys::part(bucket, key, upload_id, n));
  }
  batch->erase(MetaCf::kUploads, keys::upload(bucket, key, upload_id));
  return Status::ok();
}

Task<Result<ListPartsResult>> MultipartUploads::list_parts(const Caller& caller,
                                                           const std::string& bucket,
                                                           const std::string& key,
                                                           const std::string& upload_id,
                                                           const ListPartsOptions& options) {
  auto ctx = ctx_;
  co_return co_await ctx->runtime().blocking([&]() -> Result<ListPartsResult> {
    SKY_RETURN_IF_ERROR(ctx->load_bucket(caller, bucket).status());
    SKY_ASSIGN_OR_RETURN(auto upload, load_upload(*ctx, bucket, key, upload_id));
    ListPartsResult out;
    out.upload = upload_info(bucket, key, upload_id, upload);
    const uint32_t max_parts = std::min<uint32_t>(options.max_parts, 1000);
    auto base = keys::parts_of(bucket, key, upload_id);
    auto it = ctx->meta().scan(MetaCf::kUploads, base, KeyCodec::prefix_end(base));
    it->seek(keys::part(bucket, key, upload_id, options.part_number_marker + 1));
    for (; it->valid(); it->next()) {
      if (out.parts.size() == max_parts) {
        out.is_truncated = true;
        break;
      }
      uint32_t n;
      if (!keys::parse_part(it->key(), &n)) return Status::corruption("bad part key");
      SKY_ASSIGN_OR_RETURN(auto p, PartRecord::decode(it->value()));
      out.parts.push_back(ObjectPart{n, p.size, p.etag, p.checksum});
      out.part_last_modified.push_back(from_ns(p.mtime_ns));
      out.next_part_number_marker = n;
    }
    SKY_RETURN_IF_ERROR(it->status());
    return out;
  });
}

Task<Result<ListUploadsResult>> MultipartUploads::list_multipart_uploads(
    const Caller& caller, const std::string& bucket, const ListUploadsOptions& options) {
  auto ctx = ctx_;
  co_return co_await ctx->runtime().blocking([&]() -> Result<ListUploadsResult> {
    SKY_RETURN_IF_ERROR(ctx->load_bucket(caller, bucket).status());
    ListUploadsResult out;
    const uint32_t max = std::min<uint32_t>(options.max_uploads, 1000);
    if (max == 0) return out;
    const std::string base = keys::uploads_prefix(bucket, options.prefix);
    auto it = ctx->meta().scan(MetaCf::kUploads, base, KeyCodec::prefix_end(base));
    const std::string& km = options.key_marker;
    const std::string& delim = options.delimiter;
    if (km.empty()) {
      it->seek_to_first();
    } else if (common_prefix(km, options.prefix, delim) == km) {
      it->seek(KeyCodec::prefix_end(keys::uploads_prefix(bucket, km)));
    } else if (options.upload_id_marker.empty()) {
      it->seek(
          KeyCodec::prefix_end(KeyCodec().add_raw("M").add_string(bucket).add_string(km).key()));
    } else {
      it->seek(keys::upload(bucket, km, options.upload_id_marker) + '\x00');
    }
    std::string b, key, id;
    uint32_t count = 0;
    while (it->valid()) {
      if (!keys::parse_upload(it->key(), &b, &key, &id))
        return Status::corruption("bad upload key");
      if (count == max) {
        out.is_truncated = true;
        break;
      }
      ++count;
      std::string cp = common_prefix(key, options.prefix, delim);
      if (!cp.empty()) {
        out.common_prefixes.push_back(cp);
        out.next_key_marker = cp;
        out.next_upload_id_marker.clear();
        it->seek(KeyCodec::prefix_end(keys::uploads_prefix(bucket, cp)));
        continue;
      }
      SKY_ASSIGN_OR_RETURN(auto u, UploadRecord::decode(it->value()));
      out.uploads.push_back(upload_info(bucket, key, id, u));
      out.next_key_marker = key;
      out.next_upload_id_marker = id;
      it->next();
    }
    SKY_RETURN_IF_ERROR(it->status());
    if (!out.is_truncated) {
      out.next_key_marker.clear();
      out.next_upload_id_marker.clear();
    }
    return out;
  });
}

}  // namespace skyarray::services
