// Metadata checkpoints read back (CheckpointReader); written by
// CheckpointWriter. The format is in cloud_checkpoint.h.
#include "services/cloud/cloud_checkpoint.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "services/cloud/checkpoint_line.h"

namespace skyarray::services {

namespace {

constexpr uint64_t kMaxLine = 1ull << 20;  // longer: not a checkpoint
constexpr uint64_t kMaxGet = 64ull << 20;  // CloudTarget::get's limit

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
        if (format == kCheckpointFormat && !ended) co_return torn("no end line");
        if (lines != expected)
          co_return torn(std::to_string(lines) + " version lines, " + std::to_string(expected) +
                         " announced");
        co_return false;
      }
      if (ended) co_return torn("a line after the end line");
      auto line = CheckpointLine::decode(text, false);
      if (!line.is_ok()) co_return torn("a line is not a JSON object");
      if (format == kCheckpointFormat && line->kind == CheckpointLine::Kind::kEnd) {
        ended = true;
        expected = line->versions;
        continue;
      }
      key = std::move(line->key);
      obj = std::move(line->version);
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
  auto header = CheckpointLine::decode(impl->text, true);
  if (!header.is_ok()) co_return impl->torn("no header line");
  impl->format = header->format;
  if (impl->format != 1 && impl->format != kCheckpointFormat)
    co_return impl->torn("format " + std::to_string(impl->format));
  impl->cp.versioning = header->versioning;
  impl->cp.object_lock = header->object_lock;
  impl->cp.created_ns = header->created_ns;
  if (impl->format == 1) impl->expected = header->versions;
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

Task<Result<std::optional<CloudCheckpoint>>> CheckpointReader::newest(CloudTarget& target,
                                                                      const CloudTargetConfig& cfg,
                                                                      uint64_t piece) {
  SKY_CO_ASSIGN_OR_RETURN(std::vector<std::string> names, co_await list_checkpoints(target, cfg));
  // The newest that reads back whole, checked by reading it through once
  // (restore then streams it a second time: nothing is held in between); a
  // torn or foreign one is skipped, and so is one removed while it was read
  // (a newer one replaced it). The cloud being unreachable fails the read
  // rather than silently falling back.
  for (auto it = names.rbegin(); it != names.rend(); ++it) {
    auto cp = co_await read_whole(target, *it, piece);
    if (cp.is_ok()) co_return std::optional<CloudCheckpoint>(std::move(*cp));
    StatusCode code = cp.status().code();
    if (code == StatusCode::kUnavailable || code == StatusCode::kTimeout) co_return cp.status();
    spdlog::warn("cloud checkpoint {} unusable ({}); trying an older one", *it,
                 cp.status().to_string());
  }
  co_return std::optional<CloudCheckpoint>();
}

std::string checkpoint_prefix(const CloudTargetConfig& cfg) {
  return cfg.private_prefix() + "checkpoints/";
}

Task<Result<std::vector<std::string>>> list_checkpoints(CloudTarget& target,
                                                        const CloudTargetConfig& cfg) {
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
  co_return names;
}

}  // namespace skyarray::services
