// StoreObjectWriter: puts, appends and upload parts (store_object_writer.h).
#include "services/objects/store_object_writer.h"

#include <spdlog/spdlog.h>

#include "common/encoding.h"
#include "meta/meta_store.h"
#include "services/objects/chunk_owner_tag.h"
#include "services/objects/object_context.h"
#include "services/objects/object_rules.h"
#include "services/objects/sealing_blob_writer.h"

namespace skyarray::services {

namespace {

Result<std::string> digest_of(ChecksumAlgorithm alg, std::string_view data) {
  SKY_ASSIGN_OR_RETURN(auto sum, Checksum::create(alg));
  sum->update(data);
  return sum->finish();
}

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

// Builds `rec` (the written bytes) into the patched version of `cur`
// (PutOptions::patch): base pieces are slices of cur's blob, written pieces
// come from the written blob in order. The ETag hashes the base's ETag, the
// written bytes' MD5 and the layout, so equal ETags still mean equal bytes.
Status patch_record(const ObjectPatch& patch, const ObjectRecord& cur, ObjectRecord* rec) {
  if (cur.etag != patch.base_etag || cur.size != patch.base_size) {
    return Status(StatusCode::kPreconditionFailed, "the patched version changed");
  }
  if (cur.evicted) {
    return Status::not_supported("cannot patch an object whose bytes are in the cloud tier");
  }
  uint64_t to_write = 0;
  for (const auto& p : patch.pieces) to_write += p.from_base ? 0 : p.length;
  if (to_write != rec->blob.size()) {
    return Status::invalid_argument("patch pieces name " + std::to_string(to_write) +
                                    " written bytes, " + std::to_string(rec->blob.size()) +
                                    " were written");
  }
  BlobRef blob;
  uint64_t written = 0;
  std::string layout = cur.etag + ":" + rec->etag;
  for (const auto& p : patch.pieces) {
    if (p.from_base) {
      SKY_ASSIGN_OR_RETURN(auto part, cur.blob.slice(p.base_offset, p.length));
      blob.append(part);
      layout += ":b" + std::to_string(p.base_offset) + "+" + std::to_string(p.length);
    } else {
      SKY_ASSIGN_OR_RETURN(auto part, rec->blob.slice(written, p.length));
      blob.append(part);
      written += p.length;
      layout += ":w" + std::to_string(p.length);
    }
  }
  SKY_ASSIGN_OR_RETURN(auto md5, digest_of(ChecksumAlgorithm::kMd5, layout));
  rec->etag = hex_encode(md5) + "-1";
  rec->size = blob.size();
  rec->blob = std::move(blob);
  rec->checksum.reset();
  return Status::ok();
}

}  // namespace

namespace {
// The store's writer, wrapped in a SealingBlobWriter when the bytes are
// encrypted.
std::unique_ptr<BlobWriter> new_blob_writer(ObjectContext& ctx, const PutOptions& options,
                                            const ChunkOwnerTag& owner, const RunSealing& sealing) {
  WriteOptions w;
  if (options.checksum_algorithm) w.checksums.push_back(*options.checksum_algorithm);
  w.expected_size = options.expected_size;
  // Chunk files name the object they hold (read by metadata recovery).
  w.owner = owner.encode();
  if (sealing.empty()) return ctx.blobs().new_writer(w);
  auto cipher = ObjectSse::run_cipher(sealing.dek, sealing.sse.salts.at(0), owner.key);
  WriteOptions sealed = w;
  sealed.checksums.clear();  // the plaintext's are computed by the sealing writer
  if (w.expected_size) sealed.expected_size = SegmentCipher::sealed_size(*w.expected_size);
  return std::make_unique<SealingBlobWriter>(ctx.blobs().new_writer(sealed), std::move(cipher), w);
}
}  // namespace

StoreObjectWriter::StoreObjectWriter(std::shared_ptr<ObjectContext> ctx, Caller caller,
                                     std::string bucket, std::string key, PutOptions options,
                                     std::shared_ptr<PutCommitStager> with, RunSealing sealing)
    : StoreObjectWriter(std::move(ctx), std::move(caller), std::move(bucket), std::move(key),
                        std::move(options), std::string(), 0, std::move(sealing)) {
  with_ = std::move(with);
}

StoreObjectWriter::StoreObjectWriter(std::shared_ptr<ObjectContext> ctx, Caller caller,
                                     std::string bucket, std::string key, PutOptions options,
                                     std::string upload_id, uint32_t part_number,
                                     RunSealing sealing)
    : BlobBackedWriter(ctx,
                       new_blob_writer(*ctx, options,
                                       ChunkOwnerTag{bucket, key, static_cast<uint64_t>(now_ns()),
                                                     upload_id, part_number},
                                       sealing)),
      caller_(std::move(caller)),
      bucket_(std::move(bucket)),
      key_(std::move(key)),
      options_(std::move(options)),
      upload_id_(std::move(upload_id)),
      part_number_(part_number),
      sse_(std::move(sealing.sse)) {}

Result<uint64_t> StoreObjectWriter::size_of(const WrittenBlob& w) const {
  if (sse_.empty()) return w.ref.size();
  return SegmentCipher::plain_size(w.ref.size());
}

void StoreObjectWriter::expect_checksum(ChecksumAlgorithm algorithm, std::string raw_digest) {
  if (options_.checksum_algorithm && *options_.checksum_algorithm != algorithm) {
    fail(Status::invalid_argument("checksum algorithm differs from the one declared"));
    return;
  }
  if (!options_.checksum_algorithm) {
    fail(Status::invalid_argument("checksum trailer for an undeclared algorithm"));
    return;
  }
  options_.expected_checksum = std::move(raw_digest);
}

Result<ObjectInfo> StoreObjectWriter::install(const WrittenBlob& w,
                                              std::optional<CommitTicket>* durable) {
  SKY_RETURN_IF_ERROR(verify(w));
  CommitTicket ticket;
  auto r = upload_id_.empty() ? commit_object(w, &ticket) : commit_part(w, &ticket);
  if (r.is_ok()) *durable = std::move(ticket);
  return r;
}

Status StoreObjectWriter::verify(const WrittenBlob& w) const {
  SKY_ASSIGN_OR_RETURN(uint64_t size, size_of(w));
  if (options_.expected_size && *options_.expected_size != size) {
    return Status::invalid_argument("body is " + std::to_string(size) + " bytes, expected " +
                                    std::to_string(*options_.expected_size));
  }
  if (!upload_id_.empty() && size > kMaxPartSize) {
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
  return Status::ok();
}

ObjectRecord StoreObjectWriter::base_record(const WrittenBlob& w) const {
  ObjectRecord rec;
  rec.mtime_ns = now_ns();
  auto size = size_of(w);  // verify() checked it
  rec.size = size.is_ok() ? *size : 0;
  rec.sse = sse_;
  rec.etag = hex_encode(w.digests.md5);
  rec.owner = caller_.user_id;
  copy_stored_headers(options_, &rec);
  if (!w.digests.checksums.empty()) {
    rec.checksum =
        ObjectChecksum{w.digests.checksums[0].first, w.digests.checksums[0].second, false, 0};
  }
  rec.blob = w.ref;
  return rec;
}

Result<ObjectInfo> StoreObjectWriter::commit_object(const WrittenBlob& w, CommitTicket* durable) {
  ObjectContext& ctx = this->ctx();
  ObjectContext::KeyGuard guard(ctx, bucket_, key_);
  if (!guard.held()) return Status::unavailable("key busy");
  SKY_ASSIGN_OR_RETURN(auto bucket_rec, ctx.load_bucket(caller_, bucket_));
  SKY_ASSIGN_OR_RETURN(auto current, ctx.load_latest(bucket_, key_));
  SKY_RETURN_IF_ERROR(check_write_conditions(options_.if_match, options_.if_none_match, current));
  ObjectRecord rec = base_record(w);
  if (options_.append_position) {
    SKY_RETURN_IF_ERROR(check_append_position(*options_.append_position, current));
    rec.appendable = true;
    if (current && current->evicted) {
      return Status::not_supported("cannot append to an object whose bytes are in the cloud tier");
    }
    if (!rec.sse.empty() || (current && current->size > 0 && !current->sse.empty())) {
      return Status::not_supported("appending to an encrypted object is not supported");
    }
    if (current && current->size > 0) SKY_RETURN_IF_ERROR(extend_record(*current, &rec));
  } else if (options_.patch) {
    if (!current) return Status(StatusCode::kPreconditionFailed, "the patched version is gone");
    if (!rec.sse.empty() || !current->sse.empty()) {
      return Status::not_supported("patching an encrypted object is not supported");
    }
    SKY_RETURN_IF_ERROR(patch_record(*options_.patch, *current, &rec));
  }
  MetaBatch batch;
  SKY_RETURN_IF_ERROR(ctx.stage_new_version(&batch, bucket_rec, bucket_, key_, &rec));
  ObjectInfo info = rec.to_info(bucket_, key_, true);
  if (with_) {
    std::optional<ObjectInfo> replaced;
    if (current) replaced = current->to_info(bucket_, key_, true);
    SKY_RETURN_IF_ERROR(with_->stage_with_put(&batch, info, replaced));
  }
  SKY_ASSIGN_OR_RETURN(*durable, ctx.meta().apply(std::move(batch)));
  if (w.under_replicated) spdlog::warn("object {}/{} stored under-replicated", bucket_, key_);
  return info;
}

Result<ObjectInfo> StoreObjectWriter::commit_part(const WrittenBlob& w, CommitTicket* durable) {
  ObjectContext& ctx = this->ctx();
  ObjectContext::KeyGuard guard(ctx, bucket_, key_);
  if (!guard.held()) return Status::unavailable("key busy");
  SKY_ASSIGN_OR_RETURN(auto bucket_rec, ctx.load_bucket(caller_, bucket_));
  (void)bucket_rec;
  SKY_ASSIGN_OR_RETURN(auto up,
                       ctx.meta().get(MetaCf::kUploads, keys::upload(bucket_, key_, upload_id_)));
  if (!up) return Status(StatusCode::kNoSuchUpload, "upload '" + upload_id_ + "' not found");
  SKY_ASSIGN_OR_RETURN(auto upload, UploadRecord::decode(*up));
  if (upload.sse.mode != sse_.mode) {
    return Status::invalid_argument("the part's encryption is not the upload's");
  }
  PartRecord part;
  SKY_ASSIGN_OR_RETURN(part.size, size_of(w));
  if (!sse_.empty()) part.sse_salt = sse_.salts.at(0);
  part.etag = hex_encode(w.digests.md5);
  if (!w.digests.checksums.empty()) {
    part.checksum =
        ObjectChecksum{w.digests.checksums[0].first, w.digests.checksums[0].second, false, 0};
  }
  part.mtime_ns = now_ns();
  part.blob = w.ref;
  MetaBatch batch;
  SKY_RETURN_IF_ERROR(ctx.stage_part(&batch, bucket_, key_, upload_id_, part_number_, part));
  SKY_ASSIGN_OR_RETURN(*durable, ctx.meta().apply(std::move(batch)));
  ObjectInfo info;
  info.bucket = bucket_;
  info.key = key_;
  info.size = part.size;
  info.etag = part.etag;
  info.checksum = part.checksum;
  info.last_modified = from_ns(part.mtime_ns);
  return info;
}

}  // namespace skyarray::services
