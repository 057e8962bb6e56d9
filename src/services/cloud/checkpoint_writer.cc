#include "services/cloud/checkpoint_writer.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>

#include "common/periodic_task.h"
#include "common/runtime.h"
#include "common/time.h"
#include "services/cloud/checkpoint_line.h"
#include "services/cloud/cloud_checkpoint.h"
#include "services/cloud/saved_restore.h"
#include "services/cloud/system_caller.h"
#include "services/cloud/upload_digests.h"

namespace skyarray::services {

namespace {

constexpr size_t kKeepCheckpoints = 2;
constexpr uint32_t kMaxParts = 10000;  // S3's limit per upload

// Cuts a stream of text into parts of `part_size` bytes and uploads them:
// one PUT when everything fits in one part, otherwise a multipart upload
// started when the first part is full. Holds at most one part and the text
// of one append() beyond it. Not streaming: everything is held and PUT.
class PartWriter {
 public:
  PartWriter(CloudTarget& target, std::string key, CloudObjectAttrs attrs, uint64_t part_size,
             bool streaming)
      : target_(target),
        key_(std::move(key)),
        attrs_(std::move(attrs)),
        part_size_(std::max<uint64_t>(1, part_size)),
        streaming_(streaming) {}

  Task<Status> append(std::string_view text) {
    buffer_.append(text);
    bytes_ += text.size();
    // Strictly more than a part: the last part is never empty.
    while (streaming_ && buffer_.size() > part_size_) {
      std::string part = buffer_.substr(0, part_size_);
      buffer_.erase(0, part_size_);
      Status st = co_await send_part(part);
      SKY_CO_RETURN_IF_ERROR(st);
    }
    co_return Status::ok();
  }

  // Sends what is left and completes the object; returns its cloud ETag.
  Task<Result<std::string>> finish() {
    if (upload_id_.empty()) {
      attrs_.size = buffer_.size();
      SKY_CO_ASSIGN_OR_RETURN(UploadDigests d, upload_digests(buffer_));
      auto put = co_await target_.put_object(key_, attrs_, buffer_, d.md5, d.crc);
      buffer_.clear();
      co_return put;
    }
    if (!buffer_.empty()) {
      Status st = co_await send_part(buffer_);
      SKY_CO_RETURN_IF_ERROR(st);
      buffer_.clear();
    }
    auto done = co_await target_.complete_multipart(key_, upload_id_, parts_);
    if (done.is_ok()) upload_id_.clear();
    co_return done;
  }

  // Abandons a started multipart upload (after a failure), so the cloud
  // does not keep its parts.
  Task<void> abort() {
    if (upload_id_.empty()) co_return;
    Status st = co_await target_.abort_multipart(key_, upload_id_);
    if (!st.is_ok()) spdlog::warn("aborting cloud upload of {}: {}", key_, st.to_string());
    upload_id_.clear();
  }

  uint64_t bytes() const { return bytes_; }
  size_t parts() const { return upload_id_.empty() && parts_.empty() ? 1 : parts_.size(); }

 private:
  Task<Status> send_part(std::string& body) {
    if (parts_.size() >= kMaxParts)
      co_return Status::invalid_argument("cloud object " + key_ + " needs more than " +
                                         std::to_string(kMaxParts) + " parts");
    if (upload_id_.empty()) {
      SKY_CO_ASSIGN_OR_RETURN(upload_id_, co_await target_.create_multipart(key_, attrs_));
    }
    SKY_CO_ASSIGN_OR_RETURN(UploadDigests d, upload_digests(body));
    uint32_t number = static_cast<uint32_t>(parts_.size() + 1);
    auto etag = co_await target_.upload_part(key_, upload_id_, number, body, d.md5, d.crc);
    SKY_CO_RETURN_IF_ERROR(etag.status());
    parts_.push_back({number, std::move(*etag)});
    co_return Status::ok();
  }

  CloudTarget& target_;
  std::string key_;
  CloudObjectAttrs attrs_;
  uint64_t part_size_;
  bool streaming_;
  std::string buffer_;
  std::string upload_id_;
  std::vector<CloudPart> parts_;
  uint64_t bytes_ = 0;
};

// One checkpoint line for a version (nullopt when it is gone meanwhile).
Task<std::optional<std::string>> version_line(ObjectService& objects, const std::string& bucket,
                                              const ObjectInfo& v) {
  ImportedObject line;
  line.version_id = v.version_id;
  line.delete_marker = v.delete_marker;
  line.mtime_ns = to_ns(v.last_modified);
  if (v.delete_marker) co_return CheckpointLine::version_line(v.key, line);
  Caller sys = system_caller();
  GetOptions get;
  get.version_id = v.version_id;
  auto full = co_await objects.reads().head_object(sys, bucket, v.key, get);
  if (!full.is_ok()) co_return std::nullopt;  // removed meanwhile
  std::optional<std::string> version = v.version_id;
  auto tags = co_await objects.reads().get_object_tagging(sys, bucket, v.key, version);
  line.size = full->size;
  line.etag = full->etag;
  line.mtime_ns = to_ns(full->last_modified);
  line.content = full->content;
  line.user_metadata = full->user_metadata;
  line.lock = full->lock;
  if (tags.is_ok()) line.tags = std::move(*tags);
  co_return CheckpointLine::version_line(v.key, line);
}

// Every version of `bucket` as one line each, in listing order; counted.
Task<Status> write_version_lines(ObjectService& objects, const std::string& bucket, PartWriter& out,
                                 uint64_t* count) {
  Caller sys = system_caller();
  ListVersionsOptions list;
  while (true) {
    auto page = co_await objects.versions().list_object_versions(sys, bucket, list);
    SKY_CO_RETURN_IF_ERROR(page.status());
    for (const auto& v : page->versions) {
      std::optional<std::string> line = co_await version_line(objects, bucket, v);
      if (!line) continue;
      std::string text = std::move(*line) + '\n';
      Status st = co_await out.append(text);
      SKY_CO_RETURN_IF_ERROR(st);
      ++*count;
    }
    if (!page->is_truncated) co_return Status::ok();
    list.key_marker = page->next_key_marker;
    list.version_id_marker = page->next_version_id_marker;
  }
}

// The checkpoint's lines after its header: every version, then the end
// line with their count.
Task<Status> write_body(ObjectService& objects, const std::string& bucket, PartWriter& out,
                        uint64_t* count) {
  Status st = co_await write_version_lines(objects, bucket, out, count);
  SKY_CO_RETURN_IF_ERROR(st);
  std::string text = CheckpointLine::end(*count) + "\n";
  co_return co_await out.append(text);
}

}  // namespace

CheckpointWriter::CheckpointWriter(const CloudParts& parts, uint64_t part_size)
    : parts_(parts), part_size_(part_size) {}

Task<void> CheckpointWriter::run(double interval_seconds) {
  auto self = shared_from_this();
  std::function<Task<void>()> pass = [self] { return self->pass(); };
  co_await run_periodically(parts_.rt, interval_seconds, pass);
}

Task<void> CheckpointWriter::pass() {
  for (const auto& link : parts_.registry.links()) {
    if (link.mode == LinkMode::kSubscribe || parts_.rt.stopping()) continue;
    // A bucket still being rebuilt would replace the checkpoint its restore
    // reads (and resumes from) with a partial one.
    bool rebuilding = co_await parts_.rt.blocking(
        [&] { return SavedRestore::in_metadata_phase(*parts_.queue, link.bucket); });
    if (rebuilding) continue;
    Status st = co_await write(link);
    if (!st.is_ok()) {
      parts_.counters->note_error(st);
      spdlog::warn("cloud checkpoint of {}: {}", link.bucket, st.to_string());
    }
  }
}

Task<Status> CheckpointWriter::write(const CloudLink& link) {
  auto cfg = parts_.registry.target(link.target);
  if (!cfg) co_return Status::not_found("cloud target '" + link.target + "' is gone");
  Caller sys = system_caller();
  SKY_CO_ASSIGN_OR_RETURN(BucketInfo bucket,
                          co_await parts_.objects.buckets().head_bucket(sys, link.bucket));
  int64_t created = to_ns(std::chrono::system_clock::now());
  char name[32];
  std::snprintf(name, sizeof(name), "%020lld.jsonl", static_cast<long long>(created));
  std::string key = checkpoint_prefix(*cfg) + name;
  SKY_CO_ASSIGN_OR_RETURN(CloudTargetPool::Slot * slot, parts_.pool->slot(*cfg));
  std::shared_ptr<CloudTarget> target = slot->target;

  CloudObjectAttrs attrs;
  attrs.content_type = "application/x-ndjson";
  PartWriter out(*target, key, attrs, part_size_, cfg->encryption_key.empty());
  std::string text =
      CheckpointLine::header(link.bucket, bucket.versioning, bucket.object_lock, created) + "\n";
  Status st = co_await out.append(text);
  uint64_t count = 0;
  if (st.is_ok()) st = co_await write_body(parts_.objects, link.bucket, out, &count);
  if (st.is_ok()) {
    auto done = co_await out.finish();
    st = done.status();
  }
  if (!st.is_ok()) {
    co_await out.abort();
    co_return st;
  }
  spdlog::info("cloud checkpoint of {}: {} versions, {} bytes in {} part(s) -> {}", link.bucket,
               count, out.bytes(), out.parts(), key);
  co_return co_await prune(*target, *cfg);
}

Task<Status> CheckpointWriter::prune(CloudTarget& target, const CloudTargetConfig& cfg) {
  SKY_CO_ASSIGN_OR_RETURN(std::vector<std::string> names, co_await list_checkpoints(target, cfg));
  for (size_t i = 0; i + kKeepCheckpoints < names.size(); ++i) {
    SKY_CO_RETURN_IF_ERROR(co_await target.remove(names[i]));
  }
  co_return Status::ok();
}

}  // namespace skyarray::services
