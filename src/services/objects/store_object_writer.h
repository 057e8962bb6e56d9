// StoreObjectWriter: the writer of a put, an append or an upload part. The
// body goes to the BlobStore (chunk files tagged with the object they hold);
// commit() checks the announced size and digests, then, under the key's
// lock, the write conditions, and installs the new version (or the part) in
// one metadata batch.
#pragma once

#include <memory>
#include <string>

#include "services/objects/blob_backed_writer.h"
#include "services/objects/object_records.h"
#include "services/objects/object_sse.h"
#include "services/objects/object_types.h"
#include "services/objects/put_commit_stager.h"

namespace skyarray::services {

class StoreObjectWriter final : public BlobBackedWriter {
 public:
  // A version of bucket/key; `with` (may be null) stages its records in
  // the commit's batch. A non-empty `sealing` encrypts the bytes
  // (object_sse.h).
  StoreObjectWriter(std::shared_ptr<ObjectContext> ctx, Caller caller, std::string bucket,
                    std::string key, PutOptions options, std::shared_ptr<PutCommitStager> with,
                    RunSealing sealing);
  // Part `part_number` of upload `upload_id`.
  StoreObjectWriter(std::shared_ptr<ObjectContext> ctx, Caller caller, std::string bucket,
                    std::string key, PutOptions options, std::string upload_id,
                    uint32_t part_number, RunSealing sealing);

  void expect_checksum(ChecksumAlgorithm algorithm, std::string raw_digest) override;

 private:
  Result<ObjectInfo> install(const WrittenBlob& w, std::optional<CommitTicket>* durable) override;
  // Size and digests the client announced (nothing is visible yet).
  Status verify(const WrittenBlob& w) const;
  ObjectRecord base_record(const WrittenBlob& w) const;
  // Applies the new version (or the part) under its key lock; `durable`
  // completes when the commit may be acknowledged.
  Result<ObjectInfo> commit_object(const WrittenBlob& w, CommitTicket* durable);
  Result<ObjectInfo> commit_part(const WrittenBlob& w, CommitTicket* durable);
  // Plaintext bytes of `w` (its blob holds sealed bytes when encrypted).
  Result<uint64_t> size_of(const WrittenBlob& w) const;

  Caller caller_;
  std::string bucket_, key_;
  PutOptions options_;
  std::string upload_id_;  // non-empty: an upload part
  uint32_t part_number_ = 0;
  std::shared_ptr<PutCommitStager> with_;
  SseRecord sse_;  // the version's encryption; empty: plaintext
};

}  // namespace skyarray::services
