// BlobBackedWriter: body into the BlobStore, then one install (blob_backed_writer.h).
#include "services/objects/blob_backed_writer.h"

#include "common/runtime.h"
#include "services/objects/object_context.h"

namespace skyarray::services {

BlobBackedWriter::BlobBackedWriter(std::shared_ptr<ObjectContext> ctx,
                                   std::unique_ptr<BlobWriter> blob)
    : ctx_(std::move(ctx)), blob_(std::move(blob)) {}

Task<Status> BlobBackedWriter::write(Buffer data) {
  if (!sticky_.is_ok()) co_return sticky_;
  if (done_) co_return Status::invalid_argument("write after commit or abort");
  Status s = co_await blob_->write(std::move(data));
  if (!s.is_ok()) sticky_ = s;
  co_return s;
}

Task<void> BlobBackedWriter::abort() {
  if (done_) co_return;
  done_ = true;
  co_await blob_->abort();
}

Task<Result<ObjectInfo>> BlobBackedWriter::commit() {
  if (done_) co_return Status::invalid_argument("commit after commit or abort");
  if (!sticky_.is_ok()) {
    co_await abort();
    co_return sticky_;
  }
  done_ = true;
  SKY_CO_ASSIGN_OR_RETURN(WrittenBlob written, co_await blob_->finish());
  auto ctx = ctx_;
  std::optional<CommitTicket> durable;
  // Installing is metadata work: on this network thread when what it reads
  // is cached and the commit need not wait, else on the blocking pool.
  Result<ObjectInfo> r =
      co_await ctx->runtime().cached_or_blocking([&] { return install(written, &durable); });
  if (!r.is_ok()) {
    co_await ctx->runtime().blocking([&] { ctx->blobs().discard(written.ref); });
    co_return r;
  }
  // Applied, and its key lock let go: the answer waits for the group
  // commit's sync without holding a thread of the blocking pool.
  if (durable) {
    Status s = co_await durable->wait();
    if (!s.is_ok()) co_return s;
  }
  co_return r;
}

}  // namespace skyarray::services
