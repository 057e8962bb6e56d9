#include "services/cloud/journal_uploader.h"

#include <spdlog/spdlog.h>

#include "common/periodic_task.h"
#include "common/runtime.h"
#include "services/cloud/cloud_journal.h"
#include "services/cloud/upload_digests.h"

namespace skyarray::services {

namespace {
constexpr size_t kLinesPerSegment = 1000;
}

JournalUploader::JournalUploader(const CloudParts& parts) : parts_(parts) {}

Task<void> JournalUploader::run(double interval_seconds) {
  auto self = shared_from_this();
  std::function<Task<void>()> pass = [self] { return self->flush_all(); };
  co_await run_periodically(parts_.rt, interval_seconds, pass);
}

Task<void> JournalUploader::flush_all() {
  for (const auto& cfg : parts_.registry.targets()) {
    Status st = co_await flush(cfg);
    if (!st.is_ok()) {
      parts_.counters->note_error(st);
      spdlog::warn("cloud journal upload to {} failed: {}", cfg.name, st.to_string());
    }
  }
}

Task<Status> JournalUploader::flush(const CloudTargetConfig& cfg) {
  while (true) {
    auto pending = co_await parts_.rt.blocking(
        [&] { return parts_.queue->journal_pending(cfg.name, kLinesPerSegment); });
    SKY_CO_RETURN_IF_ERROR(pending.status());
    if (pending->empty()) co_return Status::ok();
    SKY_CO_ASSIGN_OR_RETURN(CloudJournalLine first,
                            CloudJournalLine::decode(pending->front().second));
    const uint64_t first_seq = first.seq;
    std::string body;
    std::vector<std::string> keys;
    for (auto& [k, line] : *pending) {
      body += line;
      body += '\n';
      keys.push_back(k);
    }
    SKY_CO_ASSIGN_OR_RETURN(CloudTargetPool::Slot * slot, parts_.pool->slot(cfg));
    SKY_CO_ASSIGN_OR_RETURN(UploadDigests d, upload_digests(body));
    std::string key = journal_segment_key(cfg.private_prefix(), first_seq);
    CloudObjectAttrs attrs;
    attrs.content_type = "application/x-ndjson";
    SKY_CO_RETURN_IF_ERROR(
        (co_await slot->target->put_object(key, attrs, body, d.md5, d.crc)).status());
    SKY_CO_RETURN_IF_ERROR(co_await parts_.rt.blocking([&] { return parts_.queue->erase(keys); }));
    if (pending->size() < kLinesPerSegment) co_return Status::ok();
  }
}

}  // namespace skyarray::services
