// ObjectService: buckets and objects, the protocol-neutral API every front end
// (S3 today; NFS, FTP, DICOM later) calls. It owns the object semantics —
// versioning, conditions, listing, multipart, append, copy — and stores them
// in the MetaStore (records) and BlobStore (bytes).
//
// The service is a narrow facade over its parts, one job each, which front
// ends use directly (a front end handler holds the part it needs):
//   buckets()    BucketConfig      buckets, versioning, tagging, CORS, policy,
//                                  ACL, ownership, Block Public Access
//   reads()      ObjectReads       get, head, list, a version's tags and ACL
//   writes()     ObjectWrites      put, append, copy, delete, tags, ACL
//   multipart()  MultipartUploads  multipart uploads
//   versions()   ObjectVersions    version listings, delete markers
//   residency()  ObjectResidency   the cloud tier's evict / restore / refill
//   lifecycle()  ObjectLifecycle   the lifecycle worker, its dry run and status
// They share one ObjectContext (object_context.h: stores, locks, the ports
// ObjectChangeStager and TieringPort), which the service owns.
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
// - Threading: every part's methods are safe to call concurrently from any
//   I/O thread. RocksDB and disk work runs on the Runtime's blocking pool,
//   never on the caller's event loop. An ObjectWriter/ObjectReader is used by one
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
#include <string>

#include "common/clock.h"
#include "common/status.h"
#include "services/objects/bucket_config.h"
#include "services/objects/data_key_rotation.h"
#include "services/objects/multipart_uploads.h"
#include "services/objects/object_change_stager.h"
#include "services/objects/object_lifecycle.h"
#include "services/objects/object_reader.h"
#include "services/objects/object_reads.h"
#include "services/objects/object_residency.h"
#include "services/objects/object_service_options.h"
#include "services/objects/object_types.h"
#include "services/objects/object_versions.h"
#include "services/objects/object_writer.h"
#include "services/objects/object_writes.h"
#include "services/objects/tiering_port.h"
#include "services/security/authorizer.h"

namespace skyarray {
class Runtime;
class MetaStore;
class MetaBatch;
class BlobStore;
}  // namespace skyarray

namespace skyarray::services {

class ObjectContext;
class KeyStore;

class ObjectService {
 public:
  // Arguments of every part's calls are taken by const reference and must
  // outlive the call: co_await each call in the statement that makes it.
  // Callers: GCC 12.2 destroys twice any temporary with a non-trivial
  // destructor that appears inside a co_await expression (std::string(...),
  // Options{}, `{}` for a vector; reproduced in a 10-line program under
  // valgrind). Bind such arguments to named variables first.

  // Opens over an open MetaStore and BlobStore (not owned; they outlive it).
  ObjectService(Runtime& runtime, MetaStore& meta, BlobStore& blobs,
                ObjectServiceOptions options = {});
  ~ObjectService();
  ObjectService(const ObjectService&) = delete;
  ObjectService& operator=(const ObjectService&) = delete;

  // The parts; each lives as long as the service.
  BucketConfig& buckets() { return buckets_; }
  ObjectReads& reads() { return reads_; }
  ObjectWrites& writes() { return writes_; }
  MultipartUploads& multipart() { return multipart_; }
  ObjectVersions& versions() { return versions_; }
  ObjectResidency& residency() { return residency_; }
  ObjectLifecycle& lifecycle() { return lifecycle_; }
  DataKeyRotation& data_keys() { return data_keys_; }
  // The clock of retention decisions (common/clock.h); tests move it.
  Clock& retention_clock();

  // Installs the ports (not owned; outlive the service; nullptr: none).
  // Call before serving requests.
  void set_change_stager(ObjectChangeStager* stager);
  void set_tiering(TieringPort* tiering);
  // The key store of encryption at rest (services/security/key_store.h).
  void set_key_store(const KeyStore* keys);

 private:
  std::shared_ptr<ObjectContext> ctx_;
  BucketConfig buckets_;
  ObjectReads reads_;
  ObjectWrites writes_;
  MultipartUploads multipart_;
  ObjectVersions versions_;
  ObjectResidency residency_;
  ObjectLifecycle lifecycle_;
  DataKeyRotation data_keys_;
};

}  // namespace skyarray::services
