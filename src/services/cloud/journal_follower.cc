#include "services/cloud/journal_follower.h"
#include "services/cloud/cloud_lock_metadata.h"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include "common/periodic_task.h"
#include "common/runtime.h"
#include "services/cloud/cloud_copy.h"
#include "services/cloud/cloud_journal.h"
#include "services/cloud/system_caller.h"

namespace skyarray::services {

namespace asio = boost::asio;

namespace {
constexpr uint64_t kCopyPiece = 16ull << 20;
}

JournalFollower::JournalFollower(const CloudParts& parts) : parts_(parts) {}

Task<void> JournalFollower::run(double interval_seconds) {
  auto self = shared_from_this();
  std::function<Task<void>()> pass = [self]() -> Task<void> {
    self->start_polls();
    co_return;
  };
  co_await run_periodically(parts_.rt, interval_seconds, pass);
}

void JournalFollower::start_polls() {
  for (const auto& link : parts_.registry.links()) {
    if (link.mode != LinkMode::kSubscribe || polling_.contains(link.bucket)) continue;
    polling_.insert(link.bucket);
    asio::co_spawn(parts_.rt.io(0), poll(link), asio::detached);
  }
}

Task<void> JournalFollower::poll(CloudLink link) {
  auto self = shared_from_this();
  Status st = co_await poll_once(link);
  if (!st.is_ok()) {
    parts_.counters->note_error(st);
    spdlog::warn("subscribe link {} ← {}: {}", link.bucket, link.target, st.to_string());
  }
  polling_.erase(link.bucket);
}

Task<Status> JournalFollower::poll_once(const CloudLink& link) {
  auto cfg = parts_.registry.target(link.target);
  if (!cfg) co_return Status::not_found("cloud target '" + link.target + "' is gone");
  SKY_CO_ASSIGN_OR_RETURN(CloudTargetPool::Slot * slot, parts_.pool->slot(*cfg));
  std::shared_ptr<CloudTarget> target = slot->target;
  auto cursor = co_await parts_.rt.blocking([&] { return parts_.queue->cursor(link.bucket); });
  SKY_CO_RETURN_IF_ERROR(cursor.status());
  if (!*cursor) co_return co_await import_location(*target, *cfg, link);
  co_return co_await follow(*target, *cfg, link, **cursor);
}

Task<Status> JournalFollower::import_location(CloudTarget& target, const CloudTargetConfig& cfg,
                                              const CloudLink& link) {
  // Remember where the journal ends, import the bucket as it is, then
  // follow the journal from that point.
  const std::string dir = journal_dir(cfg.private_prefix());
  std::string none;
  std::string last = dir;
  std::string token;
  do {
    SKY_CO_ASSIGN_OR_RETURN(CloudListPage page, co_await target.list(dir, token, none));
    if (!page.entries.empty()) last = page.entries.back().key;
    token = page.next_token;
  } while (!token.empty());
  // A page at a time: a bucket of millions of objects is never held whole
  // in memory.
  token.clear();
  do {
    SKY_CO_ASSIGN_OR_RETURN(CloudListPage page, co_await list_page(target, cfg, token));
    for (const auto& entry : page.entries) {
      std::string local_key = entry.key.substr(cfg.prefix.size());
      Status st = co_await copy_object(target, link.bucket, local_key, entry);
      if (!st.is_ok() && st.code() != StatusCode::kNotFound) co_return st;
    }
    token = page.next_token;
  } while (!token.empty());
  co_return co_await parts_.rt.blocking(
      [&] { return parts_.queue->set_cursor(link.bucket, last); });
}

Task<Status> JournalFollower::follow(CloudTarget& target, const CloudTargetConfig& cfg,
                                     const CloudLink& link, const std::string& cursor) {
  const std::string dir = journal_dir(cfg.private_prefix());
  std::string token;
  do {
    SKY_CO_ASSIGN_OR_RETURN(CloudListPage page, co_await target.list(dir, token, cursor));
    for (const auto& seg : page.entries) {
      SKY_CO_ASSIGN_OR_RETURN(std::string body, co_await target.get(seg.key, 0, 0));
      SKY_CO_RETURN_IF_ERROR(co_await apply_segment(target, cfg, link.bucket, body));
      std::string applied = seg.key;
      SKY_CO_RETURN_IF_ERROR(co_await parts_.rt.blocking(
          [&] { return parts_.queue->set_cursor(link.bucket, applied); }));
    }
    token = page.next_token;
  } while (!token.empty());
  co_return Status::ok();
}

Task<Status> JournalFollower::apply_segment(CloudTarget& target, const CloudTargetConfig& cfg,
                                            const std::string& bucket, const std::string& body) {
  Caller sys = system_caller();
  size_t pos = 0;
  while (pos < body.size()) {
    size_t end = body.find('\n', pos);
    if (end == std::string::npos) end = body.size();
    std::string_view text(body.data() + pos, end - pos);
    pos = end + 1;
    if (text.empty()) continue;
    SKY_CO_ASSIGN_OR_RETURN(CloudJournalLine line, CloudJournalLine::decode(text));
    const std::string& local_key = line.key;
    if (line.op == CloudJournalLine::Op::kDelete) {
      DeleteOptions del;
      auto r = co_await parts_.objects.writes().delete_object(sys, bucket, local_key, del);
      SKY_CO_RETURN_IF_ERROR(r.status());
    } else {
      // Fetch the key's current cloud state: a later change (or delete)
      // wins, and replaying a line is harmless.
      CloudListEntry entry;
      entry.key = cfg.prefix + local_key;
      Status st = co_await copy_object(target, bucket, local_key, entry);
      if (!st.is_ok() && st.code() != StatusCode::kNotFound) co_return st;
    }
  }
  co_return Status::ok();
}

Task<Result<CloudListPage>> JournalFollower::list_page(CloudTarget& target,
                                                       const CloudTargetConfig& cfg,
                                                       const std::string& token) {
  std::string none;
  std::string priv = cfg.private_prefix();
  SKY_CO_ASSIGN_OR_RETURN(CloudListPage page, co_await target.list(cfg.prefix, token, none));
  std::erase_if(page.entries, [&](const CloudListEntry& e) {
    return e.key.starts_with(priv) || e.key.size() == cfg.prefix.size();
  });
  co_return page;
}

Task<Status> JournalFollower::copy_object(CloudTarget& target, const std::string& bucket,
                                          const std::string& local_key,
                                          const CloudListEntry& entry) {
  SKY_CO_ASSIGN_OR_RETURN(CloudObjectHead head, co_await target.head(entry.key));
  SKY_CO_ASSIGN_OR_RETURN(auto tags, co_await target.get_tags(entry.key));
  PutOptions put;
  put.content = content_of(head.attrs);
  put.user_metadata = head.attrs.user_metadata;
  // A mirror shows the source's lock as nothing: it is read-only anyway,
  // and the keys are not the object's user metadata.
  take_lock_metadata(&put.user_metadata);
  put.tags = std::move(tags);
  put.expected_size = head.size;
  Caller sys = system_caller();
  SKY_CO_ASSIGN_OR_RETURN(auto writer,
                          co_await parts_.objects.writes().put_object(sys, bucket, local_key, put));
  BeforeCloudGet no_limit;
  SKY_CO_RETURN_IF_ERROR(
      co_await copy_from_cloud(target, entry.key, head.size, kCopyPiece, *writer, no_limit));
  SKY_CO_ASSIGN_OR_RETURN(ObjectInfo info, co_await writer->commit());
  // A single-part cloud ETag is the MD5 of the bytes: check them end to end.
  if (head.etag.find('-') == std::string::npos && !head.etag.empty() && head.etag != info.etag) {
    co_return Status(StatusCode::kBadDigest, "restored " + local_key + " has MD5 " + info.etag +
                                                 ", the cloud says " + head.etag);
  }
  // The bytes came from the cloud and were checked: the cloud copy is current.
  SKY_CO_RETURN_IF_ERROR(co_await parts_.rt.blocking(
      [&] { return parts_.queue->set_synced(bucket, local_key, info.etag); }));
  co_return Status::ok();
}

}  // namespace skyarray::services
