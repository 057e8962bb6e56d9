#include "store/data_loss_log.h"

#include <spdlog/spdlog.h>
#include <chrono>
#include <sstream>

#include "meta/key_codec.h"
#include "meta/meta_store.h"

namespace skyarray {

namespace {

constexpr std::string_view kPrefix = "lost/";

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string encode(const LostChunk& e) {
  return "1 " + std::to_string(e.first_seen_ms) + "\n" + e.object + "\n" + e.detail;
}

// Names and details never hold a newline (the writers strip them), so the
// third line runs to the end.
Result<LostChunk> decode(uint64_t id, std::string_view v) {
  LostChunk e;
  e.chunk_id = id;
  size_t a = v.find('\n');
  size_t b = a == std::string_view::npos ? a : v.find('\n', a + 1);
  std::istringstream head{std::string(v.substr(0, a))};
  int version = 0;
  head >> version >> e.first_seen_ms;
  if (b == std::string_view::npos || version != 1 || head.fail()) {
    return Status::corruption("unreadable data loss entry for chunk " + std::to_string(id));
  }
  e.object = std::string(v.substr(a + 1, b - a - 1));
  e.detail = std::string(v.substr(b + 1));
  return e;
}

std::string one_line(std::string s) {
  for (char& c : s) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return s;
}

}  // namespace

std::string DataLossLog::key(uint64_t chunk_id) {
  return KeyCodec(std::string(kPrefix)).add_u64(chunk_id).key();
}

Status DataLossLog::load() {
  std::map<uint64_t, LostChunk> loaded;
  auto it = meta_->scan_prefix(MetaCf::kQueues, std::string(kPrefix));
  for (; it->valid(); it->next()) {
    KeyReader r(it->key());
    uint64_t id = 0;
    if (!r.skip_raw(kPrefix) || !r.read_u64(&id)) continue;
    auto e = decode(id, it->value());
    if (!e.is_ok()) {
      spdlog::warn("{}", e.status().to_string());
      continue;
    }
    loaded.emplace(id, std::move(*e));
  }
  SKY_RETURN_IF_ERROR(it->status());
  MutexLock lock(&mu_);
  entries_ = std::move(loaded);
  return Status();
}

bool DataLossLog::record(uint64_t chunk_id, const std::string& object, const std::string& detail,
                         bool by_read) {
  LostChunk e;
  {
    MutexLock lock(&mu_);
    if (auto it = entries_.find(chunk_id); it != entries_.end()) {
      it->second.reads += by_read ? 1 : 0;
      return false;
    }
    e.chunk_id = chunk_id;
    e.object = one_line(object);
    e.detail = one_line(detail);
    e.first_seen_ms = now_ms();
    e.reads = by_read ? 1 : 0;
    entries_.emplace(chunk_id, e);
  }
  // Kept in memory even if the commit fails: the health report shows it
  // now; a restart finds it again at the next read or scrub.
  MetaBatch b;
  b.put(MetaCf::kQueues, key(chunk_id), encode(e));
  if (Status s = meta_->commit(std::move(b)); !s.is_ok()) {
    spdlog::warn("recording the data loss of chunk {:016x}: {}", chunk_id, s.to_string());
  }
  return true;
}

void DataLossLog::clear(uint64_t chunk_id) {
  {
    MutexLock lock(&mu_);
    if (entries_.erase(chunk_id) == 0) return;
  }
  MetaBatch b;
  b.erase(MetaCf::kQueues, key(chunk_id));
  if (Status s = meta_->commit(std::move(b)); !s.is_ok()) {
    spdlog::warn("clearing the data loss entry of chunk {:016x}: {}", chunk_id, s.to_string());
  }
}

bool DataLossLog::contains(uint64_t chunk_id) const {
  MutexLock lock(&mu_);
  return entries_.count(chunk_id) > 0;
}

std::vector<LostChunk> DataLossLog::list() const {
  MutexLock lock(&mu_);
  std::vector<LostChunk> out;
  out.reserve(entries_.size());
  for (const auto& [id, e] : entries_) out.push_back(e);
  return out;
}

}  // namespace skyarray
