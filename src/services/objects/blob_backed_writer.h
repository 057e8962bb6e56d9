// BlobBackedWriter: what the object service's writers share — the body goes
// into a BlobStore writer, then one commit installs it (or one abort drops
// it). Subclasses say what installing means: a new version or upload part
// (StoreObjectWriter), or the bytes of an evicted version (refill).
#pragma once

#include <memory>
#include <optional>

#include "meta/commit_ticket.h"
#include "services/objects/object_writer.h"
#include "store/blob_store.h"

namespace skyarray::services {

class ObjectContext;

class BlobBackedWriter : public ObjectWriter {
 public:
  // Write errors are sticky: the next write and commit() return them.
  Task<Status> write(Buffer data) override;
  // Finishes the blob, then install()s it (Runtime::cached_or_blocking: on
  // this network thread when its reads are cached and its commit need not
  // wait, else on the blocking pool); a failed
  // install discards the blob. When install() hands back a ticket the
  // answer waits for that commit to be durable (on error the record stays,
  // its durability unknown, and so does the blob).
  Task<Result<ObjectInfo>> commit() override;
  Task<void> abort() override;
  uint64_t bytes_written() const override { return blob_->bytes_written(); }

 protected:
  BlobBackedWriter(std::shared_ptr<ObjectContext> ctx, std::unique_ptr<BlobWriter> blob);

  // Makes `written` visible. Sets `durable` when the commit was applied but
  // not yet synced (MetaStore::apply). Runs first memory-only (see
  // Runtime::cached_or_blocking): check KeyGuard::held(), and write nothing
  // but the one metadata batch, so that a run that would block can be redone.
  virtual Result<ObjectInfo> install(const WrittenBlob& written,
                                     std::optional<CommitTicket>* durable) = 0;

  ObjectContext& ctx() const { return *ctx_; }
  // Fails the writer: write() and commit() return `status` from now on.
  void fail(Status status) { sticky_ = std::move(status); }

 private:
  std::shared_ptr<ObjectContext> ctx_;
  std::unique_ptr<BlobWriter> blob_;
  Status sticky_;
  bool done_ = false;
};

}  // namespace skyarray::services
