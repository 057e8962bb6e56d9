// Metadata checkpoints: written by CloudSync::State::write_checkpoint, read
// back by CheckpointReader. The format is in cloud_checkpoint.h.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cstdio>

#include "common/checksum.h"
#include "services/cloud/cloud_checkpoint.h"
#include "services/cloud/cloud_sync_state.h"

namespace skyarray::services {

namespace json = boost::json;

namespace {

constexpr size_t kKeepCheckpoints = 2;
constexpr int kFormat = 2;
constexpr uint32_t kMaxParts = 10000;      // S3's limit per upload
constexpr uint64_t kMaxLine = 1ull << 20;  // longer: not a checkpoint
constexpr uint64_t kMaxGet = 64ull << 20;  // CloudTarget::get's limit

std::string checkpoint_prefix(const CloudTargetConfig& cfg) {
  return private_prefix(cfg) + "checkpoints/";
}

std::string versioning_name(VersioningState v) {
  switch (v) {
    case VersioningState::kEnabled:
      return "enabled";
    case VersioningState::kSuspended:
      return "suspended";
    case VersioningState::kUnversioned:
      break;
  }
  return "";
}

json::object string_map(const std::map<std::string, std::string>& m) {
  json::object o;
  for (const auto& [k, v] : m) o[k] = v;
  return o;
}

std::map<std::string, std::string> map_of(const json::object& o, std::string_view field) {
  std::map<std::string, std::string> out;
  const json::value* v = o.if_contains(field);
  if (!v || !v->is_object()) return out;
  for (const auto& [k, val] : v->as_object()) {
    if (val.is_string()) out[std::string(k)] = std::string(val.as_string());
  }
  return out;
}

std::string str_of(const json::object& o, std::string_view field) {
  const json::value* v = o.if_contains(field);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

int64_t int_of(const json::object& o, std::string_view field) {
  const json::value* v = o.if_contains(field);
  if (v && v->is_int64()) return v->as_int64();
  if (v && v->is_uint64()) return static_cast<int64_t>(v->as_uint64());
  return 0;
}

int64_t wall_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

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

// Reads a cloud object of `size` bytes line by line in ranged GETs of
// `piece` bytes; a line may straddle pieces. Holds one piece and one line.
class LineReader {
 public:
  LineReader(CloudTarget& target, std::string key, uint64_t size, uint64_t piece)
      : target_(target),
        key_(std::move(key)),
        size_(size),
        piece_(std::clamp<uint64_t>(piece, 1, kMaxGet)) {}

  // The next line, without its '\n', in `line`; false at the end (the last
  // line may lack its '\n').
  Task<Result<bool>> next(std::string& line) {
    while (true) {
      size_t nl = buffer_.find('\n', pos_);
      if (nl != std::string::npos) {
        line.assign(buffer_, pos_, nl - pos_);
        pos_ = nl + 1;
        co_return true;
      }
      if (offset_ >= size_) {
        if (pos_ >= buffer_.size()) co_return false;
        line.assign(buffer_, pos_);
        pos_ = buffer_.size();
        co_return true;
      }
      if (buffer_.size() - pos_ > kMaxLine)
        co_return Status::corruption("cloud object " + key_ + " has a line over " +
                                     std::to_string(kMaxLine) + " bytes");
      buffer_.erase(0, pos_);
      pos_ = 0;
      uint64_t length = std::min(piece_, size_ - offset_);
      auto got = co_await target_.get(key_, offset_, length);
      SKY_CO_RETURN_IF_ERROR(got.status());
      if (got->size() != length)
        co_return Status::corruption("cloud object " + key_ + " changed while it was read");
      buffer_.append(*got);
      offset_ += length;
    }
  }

 private:
  CloudTarget& target_;
  std::string key_;
  uint64_t size_;
  uint64_t piece_;
  std::string buffer_;
  size_t pos_ = 0;
  uint64_t offset_ = 0;
};

// One checkpoint line for a version (nullopt when it is gone meanwhile).
Task<std::optional<json::object>> version_line(ObjectService& objects, const std::string& bucket,
                                               const ObjectInfo& v) {
  json::object line{{"k", v.key}, {"id", v.version_id}, {"dm", v.delete_marker}};
  if (v.delete_marker) {
    line["mtime"] =
        std::chrono::duration_cast<std::chrono::nanoseconds>(v.last_modified.time_since_epoch())
            .count();
    co_return std::move(line);
  }
  Caller sys = system_caller();
  GetOptions get;
  get.version_id = v.version_id;
  auto full = co_await objects.head_object(sys, bucket, v.key, get);
  if (!full.is_ok()) co_return std::nullopt;  // removed meanwhile
  std::optional<std::string> version = v.version_id;
  auto tags = co_await objects.get_object_tagging(sys, bucket, v.key, version);
  line["size"] = full->size;
  line["etag"] = full->etag;
  line["mtime"] =
      std::chrono::duration_cast<std::chrono::nanoseconds>(full->last_modified.time_since_epoch())
          .count();
  line["ct"] = full->content.content_type;
  line["ce"] = full->content.content_encoding;
  line["cd"] = full->content.content_disposition;
  line["cc"] = full->content.cache_control;
  line["meta"] = string_map(full->user_metadata);
  if (tags.is_ok()) line["tags"] = string_map(*tags);
  co_return std::move(line);
}

// Every version of `bucket` as one line each, in listing order; counted.
Task<Status> write_version_lines(ObjectService& objects, const std::string& bucket, PartWriter& out,
                                 uint64_t* count) {
  Caller sys = system_caller();
  ListVersionsOptions list;
  while (true) {
    auto page = co_await objects.list_object_versions(sys, bucket, list);
    SKY_CO_RETURN_IF_ERROR(page.status());
    for (const auto& v : page->versions) {
      std::optional<json::object> line = co_await version_line(objects, bucket, v);
      if (!line) continue;
      std::string text = json::serialize(*line);
      text += '\n';
      Status st = co_await out.append(text);
      SKY_CO_RETURN_IF_ERROR(st);
      ++*count;
    }
    if (!page->is_truncated) co_return Status::ok();
    list.key_marker = page->next_key_marker;
    list.version_id_marker = page->next_version_id_marker;
  }
}

ImportedObject imported_of(const json::object& o) {
  ImportedObject obj;
  obj.version_id = str_of(o, "id");
  const json::value* dm = o.if_contains("dm");
  obj.delete_marker = dm && dm->is_bool() && dm->as_bool();
  obj.size = static_cast<uint64_t>(int_of(o, "size"));
  obj.etag = str_of(o, "etag");
  obj.mtime_ns = int_of(o, "mtime");
  obj.content.content_type = str_of(o, "ct");
  obj.content.content_encoding = str_of(o, "ce");
  obj.content.content_disposition = str_of(o, "cd");
  obj.content.cache_control = str_of(o, "cc");
  obj.user_metadata = map_of(o, "meta");
  obj.tags = map_of(o, "tags");
  return obj;
}

// Checkpoint `name` read through to its end (one piece and one key's
// versions held at a time): its header when it is whole.
Task<Result<CloudCheckpoint>> read_whole(CloudTarget& target, const std::string& name,
                                         uint64_t piece) {
  SKY_CO_ASSIGN_OR_RETURN(auto reader, co_await CheckpointReader::open(target, name, piece));
  std::string key;
  std::vector<ImportedObject> versions;
  while (true) {
    SKY_CO_ASSIGN_OR_RETURN(bool more, co_await reader->next(key, versions));
    if (!more) co_return reader->checkpoint();
  }
}

}  // namespace

// ---- CheckpointReader

struct CheckpointReader::Impl {
  Impl(CloudTarget& target, const std::string& name, uint64_t size, uint64_t piece)
      : in(target, name, size, piece) {
    cp.name = name;
  }

  Status torn(const std::string& why) const {
    return Status::corruption("cloud checkpoint " + cp.name + ": " + why);
  }

  // The next version line as `key` and `obj`; false at the end, once the
  // count is checked.
  Task<Result<bool>> read_line(std::string& key, ImportedObject& obj) {
    while (true) {
      SKY_CO_ASSIGN_OR_RETURN(bool more, co_await in.next(text));
      if (!more) {
        if (format == kFormat && !ended) co_return torn("no end line");
        if (lines != expected)
          co_return torn(std::to_string(lines) + " version lines, " + std::to_string(expected) +
                         " announced");
        co_return false;
      }
      if (ended) co_return torn("a line after the end line");
      boost::system::error_code ec;
      json::value v = json::parse(text, ec);
      if (ec || !v.is_object()) co_return torn("a line is not a JSON object");
      const auto& o = v.as_object();
      if (format == kFormat && o.if_contains("end")) {
        ended = true;
        expected = static_cast<uint64_t>(int_of(o, "versions"));
        continue;
      }
      key = str_of(o, "k");
      obj = imported_of(o);
      ++lines;
      co_return true;
    }
  }

  LineReader in;
  CloudCheckpoint cp;
  int64_t format = 0;
  uint64_t lines = 0;
  uint64_t expected = 0;
  bool ended = false;
  bool done = false;
  std::string text;
  // The first line of the next key, read to find where this one ends.
  bool have_pending = false;
  std::string pending_key;
  ImportedObject pending;
  bool have_last = false;
  std::string last_key;
};

CheckpointReader::CheckpointReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CheckpointReader::~CheckpointReader() = default;

Task<Result<std::unique_ptr<CheckpointReader>>> CheckpointReader::open(CloudTarget& target,
                                                                       const std::string& name,
                                                                       uint64_t piece) {
  SKY_CO_ASSIGN_OR_RETURN(CloudObjectHead head, co_await target.head(name));
  auto impl = std::make_unique<Impl>(target, name, head.size, piece);
  SKY_CO_ASSIGN_OR_RETURN(bool more, co_await impl->in.next(impl->text));
  if (!more) co_return impl->torn("empty");
  boost::system::error_code ec;
  json::value v = json::parse(impl->text, ec);
  if (ec || !v.is_object()) co_return impl->torn("no header line");
  const auto& o = v.as_object();
  impl->format = int_of(o, "v");
  if (impl->format != 1 && impl->format != kFormat)
    co_return impl->torn("format " + std::to_string(impl->format));
  std::string vs = str_of(o, "versioning");
  impl->cp.versioning = vs == "enabled"     ? VersioningState::kEnabled
                        : vs == "suspended" ? VersioningState::kSuspended
                                            : VersioningState::kUnversioned;
  impl->cp.created_ns = int_of(o, "created_ns");
  if (impl->format == 1) impl->expected = static_cast<uint64_t>(int_of(o, "versions"));
  co_return std::unique_ptr<CheckpointReader>(new CheckpointReader(std::move(impl)));
}

const CloudCheckpoint& CheckpointReader::checkpoint() const {
  return impl_->cp;
}

uint64_t CheckpointReader::lines() const {
  return impl_->lines;
}

Task<Result<bool>> CheckpointReader::next(std::string& key, std::vector<ImportedObject>& versions) {
  Impl& r = *impl_;
  versions.clear();
  if (r.done) co_return false;
  std::string first;
  ImportedObject obj;
  if (r.have_pending) {
    first = std::move(r.pending_key);
    obj = std::move(r.pending);
    r.have_pending = false;
  } else {
    SKY_CO_ASSIGN_OR_RETURN(bool more, co_await r.read_line(first, obj));
    if (!more) {
      r.done = true;
      co_return false;
    }
  }
  if (r.have_last && first <= r.last_key) co_return r.torn("key '" + first + "' out of order");
  versions.push_back(std::move(obj));
  // Stored newest first within a key; returned oldest first.
  while (true) {
    SKY_CO_ASSIGN_OR_RETURN(bool more, co_await r.read_line(r.pending_key, r.pending));
    if (!more) {
      r.done = true;
      break;
    }
    if (r.pending_key != first) {
      r.have_pending = true;
      break;
    }
    versions.push_back(std::move(r.pending));
  }
  std::reverse(versions.begin(), versions.end());
  r.last_key = first;
  r.have_last = true;
  key = std::move(first);
  co_return true;
}

// ---- CloudSync::State

Task<void> CloudSync::State::checkpoint_pass() {
  auto self = shared_from_this();
  for (const auto& link : registry.links()) {
    if (link.mode == LinkMode::kSubscribe || rt.stopping()) continue;
    // A bucket still being rebuilt would replace the checkpoint its restore
    // reads (and resumes from) with a partial one.
    bool rebuilding = co_await restoring_metadata(link.bucket);
    if (rebuilding) continue;
    Status st = co_await write_checkpoint(link);
    if (!st.is_ok()) {
      note_error(st);
      spdlog::warn("cloud checkpoint of {}: {}", link.bucket, st.to_string());
    }
  }
  checkpoint_running = false;
}

Task<Status> CloudSync::State::write_checkpoint(const CloudLink& link) {
  auto cfg = registry.target(link.target);
  if (!cfg) co_return Status::not_found("cloud target '" + link.target + "' is gone");
  Caller sys = system_caller();
  SKY_CO_ASSIGN_OR_RETURN(BucketInfo bucket, co_await objects.head_bucket(sys, link.bucket));
  int64_t created = wall_ns();
  char name[32];
  std::snprintf(name, sizeof(name), "%020lld.jsonl", static_cast<long long>(created));
  std::string key = checkpoint_prefix(*cfg) + name;
  SKY_CO_ASSIGN_OR_RETURN(TargetSlot * slot, slot_for(*cfg));
  std::shared_ptr<CloudTarget> target = slot->target;

  CloudObjectAttrs attrs;
  attrs.content_type = "application/x-ndjson";
  PartWriter out(*target, key, attrs, options.checkpoint_part_size, cfg->encryption_key.empty());
  json::object header{{"v", kFormat},
                      {"bucket", link.bucket},
                      {"versioning", versioning_name(bucket.versioning)},
                      {"created_ns", created}};
  std::string text = json::serialize(header) + "\n";
  Status st = co_await out.append(text);
  uint64_t count = 0;
  if (st.is_ok()) st = co_await write_version_lines(objects, link.bucket, out, &count);
  if (st.is_ok()) {
    json::object end{{"end", true}, {"versions", count}};
    text = json::serialize(end) + "\n";
    st = co_await out.append(text);
  }
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

  // Older checkpoints beyond the newest two go.
  std::vector<std::string> names;
  std::string token;
  std::string none;
  do {
    SKY_CO_ASSIGN_OR_RETURN(CloudListPage page,
                            co_await target->list(checkpoint_prefix(*cfg), token, none));
    for (auto& e : page.entries) names.push_back(std::move(e.key));
    token = page.next_token;
  } while (!token.empty());
  std::sort(names.begin(), names.end());
  for (size_t i = 0; i + kKeepCheckpoints < names.size(); ++i) {
    SKY_CO_RETURN_IF_ERROR(co_await target->remove(names[i]));
  }
  co_return Status::ok();
}

Task<Result<std::optional<CloudCheckpoint>>> CloudSync::State::read_checkpoint(
    CloudTarget& target, const CloudTargetConfig& cfg) {
  std::vector<std::string> names;
  std::string token;
  std::string none;
  do {
    SKY_CO_ASSIGN_OR_RETURN(CloudListPage page,
                            co_await target.list(checkpoint_prefix(cfg), token, none));
    for (auto& e : page.entries) names.push_back(std::move(e.key));
    token = page.next_token;
  } while (!token.empty());
  std::sort(names.begin(), names.end());
  // The newest that reads back whole, checked by reading it through once
  // (restore then streams it a second time: nothing is held in between); a
  // torn or foreign one is skipped, and so is one removed while it was read
  // (a newer one replaced it). The cloud being unreachable fails the read
  // rather than silently falling back.
  for (auto it = names.rbegin(); it != names.rend(); ++it) {
    auto cp = co_await read_whole(target, *it, options.checkpoint_part_size);
    if (cp.is_ok()) co_return std::optional<CloudCheckpoint>(std::move(*cp));
    StatusCode code = cp.status().code();
    if (code == StatusCode::kUnavailable || code == StatusCode::kTimeout) co_return cp.status();
    spdlog::warn("cloud checkpoint {} unusable ({}); trying an older one", *it,
                 cp.status().to_string());
  }
  co_return std::optional<CloudCheckpoint>();
}

}  // namespace skyarray::services
