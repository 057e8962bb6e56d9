// ObjectService: buckets and objects, the protocol-neutral API every front end
// (S3 today; NFS, FTP, DICOM later) calls. It owns the object semantics —
// versioning, conditions, listing, multipart, append, copy — and stores them
// in the MetaStore (records) and BlobStore (bytes).
//
// Guarantees
// - Atomicity: every state change is ONE synced MetaBatch (object record +
//   BlobStore refcount changes + bucket counters). A crash leaves either the
//   old state or the new one, never a half-visible object. A commit that
//   returned OK is durable.
// - Overwrite of an unversioned (or suspended: the null version) object
//   releases the old bytes in the same batch.
// - Owner isolation: every call names a Caller; buckets of another owner give
//   kPermissionDenied (existence is not hidden, as in S3).
// - Conditions (If-Match, If-None-Match, write offsets) are checked and the
//   change committed under a per-key lock, so two racing conditional writers
//   cannot both win.
// - Threading: all methods are safe to call concurrently from any I/O thread.
//   RocksDB and disk work runs on the Runtime's blocking pool, never on the
//   caller's event loop. An ObjectWriter/ObjectReader is used by one
//   coroutine at a time.
//
// Errors (StatusCode): kBucketNotFound, kNotFound (no such key), kNoSuchVersion,
// kPermissionDenied, kInvalidBucketName, kAlreadyExists (bucket of another
// owner), kBucketAlreadyOwnedByYou, kNotEmpty, kPreconditionFailed,
// kNotModified, kOutOfRange (unsatisfiable range), kBadDigest, kNoSuchUpload,
// kInvalidPart, kInvalidPartOrder, kTooSmall (EntityTooSmall), kTooLarge,
// kPositionMismatch, kMethodNotAllowed (GET of a delete marker by version id),
// kInvalidArgument, plus the storage layer's kNoSpace/kIOError/kCorruption.
//
// Storage layout (key encodings, record format and versions): docs/SERVICES.md
// and services/objects/object_keys.h.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/async.h"
#include "common/body_piece.h"
#include "common/buffer.h"
#include "common/status.h"
#include "services/objects/object_change_stager.h"
#include "services/objects/object_types.h"
#include "services/objects/tiering_port.h"
#include "services/security/authorizer.h"

namespace skyarray {
class Runtime;
class ConfigSection;
class MetaStore;
class MetaBatch;
class BlobStore;
}  // namespace skyarray

namespace skyarray::services {

struct ObjectServiceOptions {
  std::string default_region = "us-east-1";
  // Versions and uploads scanned per listing call before returning a
  // truncated page (bounds the work of one request over many delete markers).
  uint32_t max_scan_per_list = 100000;

  static Result<ObjectServiceOptions> from_config(const ConfigSection& section);
};

// Streams the bytes of one new object version (put, append or upload part).
// Nothing is visible until commit() returns OK; abort() or destruction
// without commit reclaims everything written.
class ObjectWriter {
 public:
  virtual ~ObjectWriter() = default;
  // Appends the buffer's bytes. Errors are sticky: commit() will fail too.
  virtual Task<Status> write(Buffer data) = 0;
  // Sets/overrides the expected checksum (a trailer arriving after the body).
  virtual void expect_checksum(ChecksumAlgorithm algorithm, std::string raw_digest) = 0;
  // Verifies size, Content-MD5 and checksum (kBadDigest / kInvalidArgument),
  // evaluates the write conditions (kPreconditionFailed, kPositionMismatch),
  // then commits atomically. For an upload part the returned ObjectInfo has
  // etag/size/checksum of the part. Call at most once.
  virtual Task<Result<ObjectInfo>> commit() = 0;
  // Drops the written bytes. Safe to call after a failed commit; idempotent.
  virtual Task<void> abort() = 0;
  virtual uint64_t bytes_written() const = 0;
};

// Streams the bytes of one object version (or of a range of it).
class ObjectReader {
 public:
  virtual ~ObjectReader() = default;
  // The version being read (full metadata).
  virtual const ObjectInfo& info() const = 0;
  // The bytes this reader returns: [first, first + length) of the object.
  virtual uint64_t range_first() const = 0;
  virtual uint64_t range_length() const = 0;
  // Next piece of data, at most `max_bytes`; an empty Buffer at the end.
  // Data is CRC-verified by the store: a failure is kCorruption/kIOError,
  // never wrong bytes.
  virtual Task<Result<Buffer>> read(size_t max_bytes = 1 << 20) = 0;
  // As read(), but verified bytes on a local drive may come back as a file
  // range to send without a copy (common/body_piece.h). The default returns
  // read()'s bytes.
  virtual Task<Result<BodyPiece>> read_piece(size_t max_bytes);
};

class ObjectService {
 public:
  // Arguments are taken by const reference and must outlive the call:
  // co_await each call in the statement that makes it. Callers: GCC 12.2
  // destroys twice any temporary with a non-trivial destructor that appears
  // inside a co_await expression (std::string(...), Options{}, `{}` for a
  // vector; reproduced in a 10-line program under valgrind). Bind such
  // arguments to named variables first.

  // Opens over an open MetaStore and BlobStore (not owned; they outlive it).
  ObjectService(Runtime& runtime, MetaStore& meta, BlobStore& blobs,
                ObjectServiceOptions options = {});
  ~ObjectService();
  ObjectService(const ObjectService&) = delete;
  ObjectService& operator=(const ObjectService&) = delete;

  // ------------------------------------------------------------ buckets
  // Name rules (S3's general purpose buckets): 3–63 chars of [a-z0-9.-],
  // each dot-separated label starting and ending with a letter or digit (no
  // "..", ".-", "-."), not an IPv4 address, no "xn--", "sthree-" or
  // "amzn-s3-demo-" prefix, no "-s3alias", "--ol-s3", ".mrap", "--x-s3" or
  // "--table-s3" suffix → kInvalidBucketName.
  static Status validate_bucket_name(const std::string& name);

  Task<Result<BucketInfo>> create_bucket(const Caller& caller, const std::string& name,
                                         const CreateBucketOptions& options);
  Task<Result<BucketInfo>> head_bucket(const Caller& caller, const std::string& name);
  // kNotEmpty while any version or delete marker remains. In-progress
  // multipart uploads are aborted in the same batch.
  Task<Status> delete_bucket(const Caller& caller, const std::string& name);
  // The caller's buckets, by name (system callers: all buckets).
  Task<Result<std::vector<BucketInfo>>> list_buckets(const Caller& caller);

  // Enabled or Suspended only (kInvalidArgument for kUnversioned).
  Task<Status> set_bucket_versioning(const Caller& caller, const std::string& bucket,
                                     VersioningState state);
  // Empty TagSet = none (S3: NoSuchTagSet). At most 50 tags.
  Task<Result<TagSet>> get_bucket_tagging(const Caller& caller, const std::string& bucket);
  Task<Status> put_bucket_tagging(const Caller& caller, const std::string& bucket,
                                  const TagSet& tags);
  Task<Status> delete_bucket_tagging(const Caller& caller, const std::string& bucket);
  // Empty list = none (S3: NoSuchCORSConfiguration). At most 100 rules.
  Task<Result<std::vector<CorsRule>>> get_bucket_cors(const Caller& caller,
                                                      const std::string& bucket);
  Task<Status> put_bucket_cors(const Caller& caller, const std::string& bucket,
                               const std::vector<CorsRule>& rules);
  Task<Status> delete_bucket_cors(const Caller& caller, const std::string& bucket);
  // CORS evaluation for preflight and actual requests; needs no caller (S3
  // answers preflights anonymously). First rule matching origin, method and
  // every requested header; nullopt when none (or the bucket has no rules).
  Task<Result<std::optional<CorsRule>>> match_cors(const std::string& bucket,
                                                   const std::string& origin,
                                                   const std::string& method,
                                                   const std::vector<std::string>& request_headers);

  // ------------------------------------------------------------ access
  // What the authorizer needs about `bucket` (owner, parsed policy, ACL),
  // with no caller check: the front end decides with it before calling
  // anything else. Served from memory after the first load; every change
  // of the bucket's record refreshes it. kBucketNotFound when absent.
  Task<Result<std::shared_ptr<const BucketAccess>>> bucket_access(const std::string& bucket);
  // The policy JSON as stored; empty when none.
  Task<Result<std::string>> get_bucket_policy(const Caller& caller, const std::string& bucket);
  // Validates (BucketPolicy::parse: kInvalidArgument with the reason) and
  // stores the policy.
  Task<Status> put_bucket_policy(const Caller& caller, const std::string& bucket,
                                 const std::string& policy);
  Task<Status> delete_bucket_policy(const Caller& caller, const std::string& bucket);
  // Block Public Access settings; nullopt when none were put.
  Task<Result<std::optional<PublicAccessBlock>>> get_public_access_block(const Caller& caller,
                                                                         const std::string& bucket);
  Task<Status> put_public_access_block(const Caller& caller, const std::string& bucket,
                                       const PublicAccessBlock& settings);
  Task<Status> delete_public_access_block(const Caller& caller, const std::string& bucket);
  // OwnershipControls; nullopt when none were put (see object_ownership.h).
  Task<Result<std::optional<ObjectOwnership>>> get_ownership_controls(const Caller& caller,
                                                                      const std::string& bucket);
  Task<Status> put_ownership_controls(const Caller& caller, const std::string& bucket,
                                      ObjectOwnership ownership);
  Task<Status> delete_ownership_controls(const Caller& caller, const std::string& bucket);
  Task<Result<AccessControlList>> get_bucket_acl(const Caller& caller, const std::string& bucket);
  Task<Status> put_bucket_acl(const Caller& caller, const std::string& bucket,
                              const AccessControlList& acl);
  // The ACL of the latest (or named) version; kNotFound / kNoSuchVersion,
  // kMethodNotAllowed for a delete marker.
  Task<Result<AccessControlList>> get_object_acl(const Caller& caller, const std::string& bucket,
                                                 const std::string& key,
                                                 const std::optional<std::string>& version_id);
  // Replaces that version's ACL; returns its version id. Not a change of
  // the object (the cloud tier is not told: ACLs stay on the array).
  Task<Result<std::string>> put_object_acl(const Caller& caller, const std::string& bucket,
                                           const std::string& key,
                                           const std::optional<std::string>& version_id,
                                           const AccessControlList& acl);

  // ------------------------------------------------------------ objects
  // Starts a put (or an append when options.append_position is set). Cheap
  // checks (bucket, owner, names, options) fail here; conditions are checked
  // again at commit.
  Task<Result<std::unique_ptr<ObjectWriter>>> put_object(const Caller& caller,
                                                         const std::string& bucket,
                                                         const std::string& key,
                                                         const PutOptions& options);
  // Opens the latest (or named) version for reading. A latest version that
  // is a delete marker → kNotFound; a version id naming a delete marker →
  // kMethodNotAllowed. Conditions → kPreconditionFailed / kNotModified.
  Task<Result<std::unique_ptr<ObjectReader>>> get_object(const Caller& caller,
                                                         const std::string& bucket,
                                                         const std::string& key,
                                                         const GetOptions& options);
  // Same checks as get_object, no data. options.range is ignored; with
  // options.part_number the part must exist (kOutOfRange), and the info is
  // still the whole object's (info.parts gives the part's size).
  Task<Result<ObjectInfo>> head_object(const Caller& caller, const std::string& bucket,
                                       const std::string& key, const GetOptions& options);
  // The delete marker a read of `key` (its latest version, or `version_id`)
  // runs into, when there is one: S3 answers such a GET/HEAD with 404 (latest)
  // or 405 (by version id) plus x-amz-delete-marker, x-amz-version-id and,
  // for 405, Last-Modified. nullopt when the addressed version is not a
  // delete marker or does not exist.
  Task<Result<std::optional<ObjectInfo>>> delete_marker(
      const Caller& caller, const std::string& bucket, const std::string& key,
      const std::optional<std::string>& version_id);
  // Without version id: unversioned → removes the object (ok if absent);
  // enabled → adds a delete marker; suspended → replaces the null version
  // with a null delete marker. With version id: removes exactly that version
  // (or marker); ok if absent, as in S3.
  Task<Result<DeleteResult>> delete_object(const Caller& caller, const std::string& bucket,
                                           const std::string& key, const DeleteOptions& options);
  // Server-side copy (within or across buckets of the caller). The new
  // version shares the source's chunks (metadata only, no byte copy).
  Task<Result<ObjectInfo>> copy_object(const Caller& caller, const std::string& src_bucket,
                                       const std::string& src_key, const std::string& dst_bucket,
                                       const std::string& dst_key, const CopyOptions& options);

  // Object tags (at most 10; key ≤128, value ≤256 bytes).
  Task<Result<TagSet>> get_object_tagging(const Caller& caller, const std::string& bucket,
                                          const std::string& key,
                                          const std::optional<std::string>& version_id);
  Task<Result<std::string>> put_object_tagging(const Caller& caller, const std::string& bucket,
                                               const std::string& key, const TagSet& tags,
                                               const std::optional<std::string>& version_id);
  Task<Result<std::string>> delete_object_tagging(const Caller& caller, const std::string& bucket,
                                                  const std::string& key,
                                                  const std::optional<std::string>& version_id);

  // ------------------------------------------------------------ listing
  Task<Result<ListObjectsResult>> list_objects(const Caller& caller, const std::string& bucket,
                                               const ListObjectsOptions& options);
  Task<Result<ListVersionsResult>> list_object_versions(const Caller& caller,
                                                        const std::string& bucket,
                                                        const ListVersionsOptions& options);

  // ------------------------------------------------------------ multipart
  // The upload id is persisted: uploads survive restarts. options may set a
  // checksum algorithm and type (kInvalidArgument: a type without
  // algorithm, FULL_OBJECT with SHA, COMPOSITE with CRC64NVME).
  Task<Result<MultipartUpload>> create_multipart_upload(const Caller& caller,
                                                        const std::string& bucket,
                                                        const std::string& key,
                                                        const PutOptions& options);
  // A writer for part `part_number` (1..10000); re-uploading a part replaces
  // it. options may carry expected_md5/expected_checksum/expected_size only.
  Task<Result<std::unique_ptr<ObjectWriter>>> upload_part(
      const Caller& caller, const std::string& bucket, const std::string& key,
      const std::string& upload_id, uint32_t part_number, const PutOptions& options);
  // A part made of a range of an existing object version; chunks shared.
  Task<Result<ObjectPart>> upload_part_copy(const Caller& caller, const std::string& bucket,
                                            const std::string& key, const std::string& upload_id,
                                            uint32_t part_number, const std::string& src_bucket,
                                            const std::string& src_key, const CopyOptions& source,
                                            const std::optional<ByteRange>& range);
  // Validates the list (kInvalidPartOrder, kInvalidPart, kTooSmall), then
  // commits the object as the concatenation of the parts' chunks (no copy):
  // ETag md5-of-md5s-N; checksum COMPOSITE or FULL_OBJECT as the upload
  // says (a given checksum that differs → kBadDigest). Unlisted parts are
  // released. Write conditions as for put. Completing again an upload whose
  // object is still the key's latest version returns that version (S3
  // answers a retried complete with the same result); else kNoSuchUpload.
  Task<Result<ObjectInfo>> complete_multipart_upload(const Caller& caller,
                                                     const std::string& bucket,
                                                     const std::string& key,
                                                     const std::string& upload_id,
                                                     const std::vector<CompletedPart>& parts,
                                                     const CompleteOptions& options);
  // Releases every part's space; kNoSuchUpload when unknown.
  Task<Status> abort_multipart_upload(const Caller& caller, const std::string& bucket,
                                      const std::string& key, const std::string& upload_id);
  Task<Result<ListPartsResult>> list_parts(const Caller& caller, const std::string& bucket,
                                           const std::string& key, const std::string& upload_id,
                                           const ListPartsOptions& options);
  Task<Result<ListUploadsResult>> list_multipart_uploads(const Caller& caller,
                                                         const std::string& bucket,
                                                         const ListUploadsOptions& options);

  // Drops the local bytes of the latest version of bucket/key when its ETag
  // is `etag` (the cloud tier has verified its copy); the record, listings
  // and metadata stay, and reads go through TieringPort::open_evicted.
  // Not a change: the hook is not told. kPreconditionFailed when the latest
  // version differs (changed meanwhile), OK when already evicted.
  Task<Status> evict_object(const std::string& bucket, const std::string& key,
                            const std::string& etag);

  // Restore from the cloud tier (object_import.cc). import_evicted records
  // the latest version of bucket/key as another array had it, with its bytes
  // only in the cloud (evicted); kConflict when the key already has a
  // version (a client wrote it first). Not a change: the hook is not told.
  Task<Status> import_evicted(const std::string& bucket, const std::string& key,
                              const ImportedObject& object);
  // The whole version list of bucket/key (oldest first; delete markers
  // included) with the same rules; the newest entry becomes the latest.
  Task<Status> import_versions(const std::string& bucket, const std::string& key,
                               const std::vector<ImportedObject>& versions);
  // A writer for the bytes of the evicted latest version of bucket/key whose
  // ETag is `etag` (prefetch after restore, re-cache on read). commit()
  // checks the size and, for a plain MD5 ETag, the MD5, then makes the
  // version resident again; kPreconditionFailed when the key changed or is
  // resident already. Not a change: the hook is not told.
  Result<std::unique_ptr<ObjectWriter>> refill_object(const std::string& bucket,
                                                      const std::string& key,
                                                      const std::string& etag);

  // Installs the ports (not owned; outlive the service; nullptr: none).
  // Call before serving requests.
  void set_change_stager(ObjectChangeStager* stager);
  void set_tiering(TieringPort* tiering);

  struct Impl;  // implementation detail (object_service_impl.h)

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace skyarray::services
