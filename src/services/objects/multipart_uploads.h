// MultipartUploads: S3 multipart uploads — create, upload a part (bytes or
// a range of an existing version), complete, abort, list parts and uploads.
//
// An upload is a record under "M" and its parts under "P" in the uploads
// family (object_records.h). Complete builds the object's BlobRef as the
// concatenation of the parts' refs, so no byte is copied.
//
// Part of the object service (object_service.h says what every call
// guarantees: atomic synced commits, owner isolation, threading, errors).
// Arguments are taken by const reference and must outlive the call: co_await
// each call in the statement that makes it.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/async.h"
#include "common/status.h"
#include "services/objects/object_types.h"
#include "services/objects/object_writer.h"

namespace skyarray {
class MetaBatch;
}

namespace skyarray::services {

class ObjectContext;

class MultipartUploads {
 public:
  explicit MultipartUploads(std::shared_ptr<ObjectContext> ctx);

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

 private:
  std::shared_ptr<ObjectContext> ctx_;
};

// Stages the removal of an upload and its parts (their bytes released) into
// `batch`: what AbortMultipartUpload and the lifecycle worker commit. The
// caller holds the key's KeyGuard. Blocking.
Status stage_abort_upload(ObjectContext& ctx, MetaBatch* batch, const std::string& bucket,
                          const std::string& key, const std::string& upload_id);

}  // namespace skyarray::services
