// Disaster recovery: rebuilding a local bucket from its cloud copy. The cloud
// bucket is listed (so objects written there by any S3 tool are included);
// each object is read back with its attributes and tags and written locally
// through the object service, checked against the cloud's ETag.
#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include "services/cloud/cloud_sync_state.h"

namespace skyarray::services {

namespace asio = boost::asio;

namespace {
constexpr uint64_t kRestorePiece = 16ull << 20;

int64_t wall_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}
}  // namespace

Status CloudSync::start_restore(std::string target, std::string bucket, LinkMode mode,
                                std::string owner) {
  State& s = *state_;
  if (!s.registry.target(target)) return Status::not_found("no cloud target '" + target + "'");
  if (s.registry.link_of(bucket))
    return Status(StatusCode::kConflict, "bucket '" + bucket + "' is already linked");
  {
    std::lock_guard lock(s.mu);
    if (s.restore.running) return Status(StatusCode::kConflict, "a restore is running");
    s.restore = RestoreProgress{};
    s.restore.running = true;
    s.restore.bucket = bucket;
    s.restore.target = target;
    s.restore.started_ns = wall_ns();
  }
  auto st = state_;
  asio::co_spawn(st->rt.io(0), st->restore_run(target, bucket, mode, owner), asio::detached);
  return Status::ok();
}

RestoreProgress CloudSync::restore_progress() const {
  std::lock_guard lock(state_->mu);
  return state_->restore;
}

Task<Result<std::vector<CloudListEntry>>> CloudSync::State::list_cloud(
    CloudTarget& target, const CloudTargetConfig& cfg) {
  std::vector<CloudListEntry> out;
  std::string token;
  std::string none;
  std::string priv = private_prefix(cfg);
  do {
    SKY_CO_ASSIGN_OR_RETURN(CloudListPage page, co_await target.list(cfg.prefix, token, none));
    for (auto& e : page.entries) {
      if (e.key.starts_with(priv) || e.key.size() == cfg.prefix.size()) continue;
      out.push_back(std::move(e));
    }
    token = page.next_token;
  } while (!token.empty());
  co_return out;
}

Task<void> CloudSync::State::restore_run(std::string target_name, std::string bucket, LinkMode mode,
                                         std::string owner_id) {
  auto self = shared_from_this();
  auto fail = [&](const Status& st) {
    spdlog::error("cloud restore of {} from {} failed: {}", bucket, target_name, st.to_string());
    std::lock_guard lock(mu);
    restore.running = false;
    restore.done = true;
    restore.error = st.to_string();
    restore.finished_ns = wall_ns();
  };
  auto cfg = registry.target(target_name);
  if (!cfg) co_return fail(Status::not_found("cloud target vanished"));
  auto made = factory(rt.io(0), *cfg);
  if (!made.is_ok()) co_return fail(made.status());
  CloudTarget& target = **made;

  Caller owner{owner_id, false};
  CreateBucketOptions create;
  auto created = co_await objects.create_bucket(owner, bucket, create);
  if (!created.is_ok() && created.status().code() != StatusCode::kBucketAlreadyOwnedByYou)
    co_return fail(created.status());

  auto listed = co_await list_cloud(target, *cfg);
  if (!listed.is_ok()) co_return fail(listed.status());
  {
    std::lock_guard lock(mu);
    restore.objects_total = listed->size();
    for (const auto& e : *listed) restore.bytes_total += e.size;
  }
  spdlog::info("cloud restore of {} from {}: {} objects", bucket, target_name, listed->size());
  for (const auto& entry : *listed) {
    std::string local_key = entry.key.substr(cfg->prefix.size());
    Status st = co_await restore_object(target, owner, bucket, local_key, entry);
    if (!st.is_ok()) co_return fail(st);
    std::lock_guard lock(mu);
    restore.objects_done++;
    restore.bytes_done += entry.size;
  }
  CloudLink link;
  link.bucket = bucket;
  link.target = target_name;
  link.mode = mode;
  link.created_ns = wall_ns();
  Status linked = co_await rt.blocking([&] { return registry.add_link(link); });
  if (!linked.is_ok()) co_return fail(linked);
  std::lock_guard lock(mu);
  restore.running = false;
  restore.done = true;
  restore.finished_ns = wall_ns();
  spdlog::info("cloud restore of {} done: {} objects, {} bytes", bucket, restore.objects_done,
               restore.bytes_done);
}

Task<Status> CloudSync::State::restore_object(CloudTarget& target, const Caller& owner,
                                              const std::string& bucket,
                                              const std::string& local_key,
                                              const CloudListEntry& entry) {
  SKY_CO_ASSIGN_OR_RETURN(CloudObjectHead head, co_await target.head(entry.key));
  SKY_CO_ASSIGN_OR_RETURN(auto tags, co_await target.get_tags(entry.key));
  PutOptions put;
  put.content.content_type = head.attrs.content_type;
  put.content.content_encoding = head.attrs.content_encoding;
  put.content.content_disposition = head.attrs.content_disposition;
  put.content.cache_control = head.attrs.cache_control;
  put.user_metadata = head.attrs.user_metadata;
  put.tags = std::move(tags);
  put.expected_size = head.size;
  SKY_CO_ASSIGN_OR_RETURN(auto writer, co_await objects.put_object(owner, bucket, local_key, put));
  for (uint64_t first = 0; first < head.size; first += kRestorePiece) {
    uint64_t len = std::min(kRestorePiece, head.size - first);
    auto piece = co_await target.get(entry.key, first, len);
    if (!piece.is_ok() || piece->size() != len) {
      co_await writer->abort();
      co_return piece.is_ok() ? Status::io_error("short cloud read of " + entry.key)
                              : piece.status();
    }
    Buffer data = Buffer::copy_of(*piece);
    Status w = co_await writer->write(std::move(data));
    if (!w.is_ok()) {
      co_await writer->abort();
      co_return w;
    }
  }
  SKY_CO_ASSIGN_OR_RETURN(ObjectInfo info, co_await writer->commit());
  // A single-part cloud ETag is the MD5 of the bytes: check them end to end.
  if (head.etag.find('-') == std::string::npos && !head.etag.empty() && head.etag != info.etag) {
    co_return Status(StatusCode::kBadDigest, "restored " + local_key + " has MD5 " + info.etag +
                                                 ", the cloud says " + head.etag);
  }
  // The bytes came from the cloud and were checked: the cloud copy is current.
  SKY_CO_RETURN_IF_ERROR(
      co_await rt.blocking([&] { return queue.set_synced(bucket, local_key, info.etag); }));
  co_return Status::ok();
}

}  // namespace skyarray::services
