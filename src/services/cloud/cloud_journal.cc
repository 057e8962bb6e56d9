// CloudSync's change journal: uploading it (writer side) and following it
// (subscribe links). Format: cloud_journal.h.
#include "services/cloud/cloud_journal.h"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include "common/checksum.h"
#include "services/cloud/cloud_sync_state.h"

namespace skyarray::services {

namespace asio = boost::asio;
namespace json = boost::json;

void CloudSync::State::start_journal_work() {
  if (!journal_running) {
    journal_running = true;
    asio::co_spawn(rt.io(0), flush_journals(), asio::detached);
  }
  for (const auto& link : registry.links()) {
    if (link.mode != LinkMode::kSubscribe || polling.contains(link.bucket)) continue;
    polling.insert(link.bucket);
    asio::co_spawn(rt.io(0), poll_subscription(link), asio::detached);
  }
}

Task<void> CloudSync::State::flush_journals() {
  auto self = shared_from_this();
  for (const auto& cfg : registry.targets()) {
    Status st = co_await flush_journal(cfg);
    if (!st.is_ok()) {
      note_error(st);
      spdlog::warn("cloud journal upload to {} failed: {}", cfg.name, st.to_string());
    }
  }
  journal_running = false;
}

Task<Status> CloudSync::State::flush_journal(const CloudTargetConfig& cfg) {
  constexpr size_t kLinesPerSegment = 1000;
  while (true) {
    auto pending =
        co_await rt.blocking([&] { return queue.journal_pending(cfg.name, kLinesPerSegment); });
    SKY_CO_RETURN_IF_ERROR(pending.status());
    if (pending->empty()) co_return Status::ok();
    boost::system::error_code ec;
    json::value first = json::parse(pending->front().second, ec);
    if (ec || !first.is_object() || !first.as_object().contains("seq"))
      co_return Status::corruption("unreadable journal line in the queue");
    uint64_t first_seq = first.as_object().at("seq").to_number<uint64_t>();
    std::string body;
    std::vector<std::string> keys;
    for (auto& [k, line] : *pending) {
      body += line;
      body += '\n';
      keys.push_back(k);
    }
    SKY_CO_ASSIGN_OR_RETURN(TargetSlot * slot, slot_for(cfg));
    SKY_CO_ASSIGN_OR_RETURN(auto md5, Checksum::create(ChecksumAlgorithm::kMd5));
    md5->update(body);
    std::string digest = md5->finish();
    uint32_t crc = crc32c(0, body.data(), body.size());
    std::string key = journal_segment_key(private_prefix(cfg), first_seq);
    CloudObjectAttrs attrs;
    attrs.content_type = "application/x-ndjson";
    SKY_CO_RETURN_IF_ERROR(
        (co_await slot->target->put_object(key, attrs, body, digest, crc)).status());
    SKY_CO_RETURN_IF_ERROR(co_await rt.blocking([&] { return queue.erase(keys); }));
    if (pending->size() < kLinesPerSegment) co_return Status::ok();
  }
}

Task<void> CloudSync::State::poll_subscription(CloudLink link) {
  auto self = shared_from_this();
  Status st = co_await poll_once(link);
  if (!st.is_ok()) {
    note_error(st);
    spdlog::warn("subscribe link {} ← {}: {}", link.bucket, link.target, st.to_string());
  }
  polling.erase(link.bucket);
}

Task<Status> CloudSync::State::poll_once(const CloudLink& link) {
  auto cfg = registry.target(link.target);
  if (!cfg) co_return Status::not_found("cloud target '" + link.target + "' is gone");
  SKY_CO_ASSIGN_OR_RETURN(TargetSlot * slot, slot_for(*cfg));
  CloudTarget& target = *slot->target;
  const std::string dir = journal_dir(private_prefix(*cfg));
  auto cursor = co_await rt.blocking([&] { return queue.cursor(link.bucket); });
  SKY_CO_RETURN_IF_ERROR(cursor.status());
  std::string none;

  if (!*cursor) {
    // First poll: remember where the journal ends, import the bucket as it
    // is, then follow the journal from that point.
    std::string last = dir;
    std::string token;
    do {
      SKY_CO_ASSIGN_OR_RETURN(CloudListPage page, co_await target.list(dir, token, none));
      if (!page.entries.empty()) last = page.entries.back().key;
      token = page.next_token;
    } while (!token.empty());
    // A page at a time: a bucket of millions of objects is never held
    // whole in memory.
    Caller sys = system_caller();
    token.clear();
    do {
      SKY_CO_ASSIGN_OR_RETURN(CloudListPage page, co_await list_cloud_page(target, *cfg, token));
      for (const auto& entry : page.entries) {
        std::string local_key = entry.key.substr(cfg->prefix.size());
        Status st = co_await restore_object(target, sys, link.bucket, local_key, entry);
        if (!st.is_ok() && st.code() != StatusCode::kNotFound) co_return st;
      }
      token = page.next_token;
    } while (!token.empty());
    co_return co_await rt.blocking([&] { return queue.set_cursor(link.bucket, last); });
  }

  std::string start_after = **cursor;
  std::string token;
  do {
    SKY_CO_ASSIGN_OR_RETURN(CloudListPage page, co_await target.list(dir, token, start_after));
    for (const auto& seg : page.entries) {
      SKY_CO_ASSIGN_OR_RETURN(std::string body, co_await target.get(seg.key, 0, 0));
      SKY_CO_RETURN_IF_ERROR(co_await apply_segment(target, *cfg, link.bucket, body));
      std::string applied = seg.key;
      SKY_CO_RETURN_IF_ERROR(
          co_await rt.blocking([&] { return queue.set_cursor(link.bucket, applied); }));
    }
    token = page.next_token;
  } while (!token.empty());
  co_return Status::ok();
}

Task<Status> CloudSync::State::apply_segment(CloudTarget& target, const CloudTargetConfig& cfg,
                                             const std::string& bucket, const std::string& body) {
  Caller sys = system_caller();
  size_t pos = 0;
  while (pos < body.size()) {
    size_t end = body.find('\n', pos);
    if (end == std::string::npos) end = body.size();
    std::string_view text(body.data() + pos, end - pos);
    pos = end + 1;
    if (text.empty()) continue;
    boost::system::error_code ec;
    json::value v = json::parse(text, ec);
    if (ec || !v.is_object()) co_return Status::corruption("unreadable journal line");
    const auto& o = v.as_object();
    auto* op = o.if_contains("op");
    auto* key = o.if_contains("key");
    if (!op || !key || !op->is_string() || !key->is_string())
      co_return Status::corruption("journal line without op/key");
    std::string local_key(key->as_string());
    if (op->as_string() == "delete") {
      DeleteOptions del;
      auto r = co_await objects.delete_object(sys, bucket, local_key, del);
      SKY_CO_RETURN_IF_ERROR(r.status());
    } else {
      // Fetch the key's current cloud state: a later change (or delete)
      // wins, and replaying a line is harmless.
      CloudListEntry entry;
      entry.key = cfg.prefix + local_key;
      Status st = co_await restore_object(target, sys, bucket, local_key, entry);
      if (!st.is_ok() && st.code() != StatusCode::kNotFound) co_return st;
    }
  }
  co_return Status::ok();
}

}  // namespace skyarray::services
