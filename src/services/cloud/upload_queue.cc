#include "services/cloud/upload_queue.h"

#include <algorithm>
#include <chrono>

#include "meta/key_codec.h"
#include "meta/meta_store.h"

namespace skyarray::services {

namespace {

const std::string kEntryPrefix = "cloud/q/";
const std::string kProgressPrefix = "cloud/mpu/";
const std::string kJournalPrefix = "cloud/j/";
const std::string kCursorPrefix = "cloud/sub/";
const std::string kSyncedPrefix = "cloud/s/";
const std::string kRestorePrefix = "cloud/r/";

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string be64(uint64_t v) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>(v >> (56 - 8 * i));
  return out;
}
uint64_t read_be64(std::string_view s) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(s[i]);
  return v;
}
std::string le64(uint64_t v) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>(v >> (8 * i));
  return out;
}
uint64_t read_le64(std::string_view s) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(s[i]);
  return v;
}

std::string key_prefix(const std::string& bucket, const std::string& key) {
  return kEntryPrefix + bucket + '\0' + key + '\0';
}

// Splits an entry key into bucket, key and seq; false when malformed.
bool parse_entry(std::string_view k, std::string* bucket, std::string* key, uint64_t* seq) {
  k.remove_prefix(kEntryPrefix.size());
  auto z = k.find('\0');
  if (z == std::string_view::npos || k.size() < z + 1 + 9) return false;
  *bucket = std::string(k.substr(0, z));
  *key = std::string(k.substr(z + 1, k.size() - z - 1 - 9));
  *seq = read_be64(k.substr(k.size() - 8));
  return true;
}

// Folds the entries of `it` into one QueuedKey per (bucket, key).
template <typename F>
Status fold_keys(MetaIterator* it, F&& on_key) {
  std::optional<QueuedKey> cur;
  for (it->seek_to_first(); it->valid(); it->next()) {
    QueuedKey e;
    if (!parse_entry(it->key(), &e.bucket, &e.key, &e.max_seq) || it->value().size() < 16) continue;
    e.oldest_ns = static_cast<int64_t>(read_le64(it->value()));
    e.size = read_le64(it->value().substr(8));
    if (cur && cur->bucket == e.bucket && cur->key == e.key) {
      cur->max_seq = e.max_seq;
      cur->size = e.size;
      cur->oldest_ns = std::min(cur->oldest_ns, e.oldest_ns);
      continue;
    }
    if (cur && !on_key(std::move(*cur))) return Status::ok();
    cur = std::move(e);
  }
  if (cur) on_key(std::move(*cur));
  return it->status();
}

template <typename F>
Status scan_keys(MetaStore& meta, const std::string& prefix, F&& on_key) {
  auto it = meta.scan_prefix(MetaCf::kQueues, prefix);
  return fold_keys(it.get(), std::forward<F>(on_key));
}

}  // namespace

UploadQueue::UploadQueue(MetaStore& meta) : meta_(meta), seq_(static_cast<uint64_t>(now_ns())) {
  // Numbers must grow across restarts even if the clock went back.
  (void)scan_keys(meta_, kEntryPrefix, [&](QueuedKey k) {
    if (k.max_seq >= seq_.load()) seq_ = k.max_seq + 1;
    return true;
  });
}

std::string UploadQueue::id(const std::string& bucket, const std::string& key) {
  return bucket + '\0' + key;
}

void UploadQueue::stage(MetaBatch* batch, const std::string& bucket, const std::string& key,
                        uint64_t size) {
  uint64_t seq = seq_.fetch_add(1);
  batch->put(MetaCf::kQueues, key_prefix(bucket, key) + be64(seq),
             le64(static_cast<uint64_t>(now_ns())) + le64(size));
}

Result<std::vector<QueuedKey>> UploadQueue::next_keys(size_t limit,
                                                      const std::vector<std::string>& skip_ids,
                                                      const std::string& after) const {
  std::vector<QueuedKey> out;
  auto take = [&](QueuedKey k) {
    if (std::find(skip_ids.begin(), skip_ids.end(), id(k.bucket, k.key)) == skip_ids.end())
      out.push_back(std::move(k));
    return out.size() < limit;
  };
  // Entries of `after` itself sort before the first key after it: start at
  // the end of its prefix (kEntryPrefix + id + '\0').
  std::string start =
      after.empty() ? kEntryPrefix : KeyCodec::prefix_end(kEntryPrefix + after + '\0');
  if (limit == 0) return out;
  auto tail = meta_.scan(MetaCf::kQueues, start, KeyCodec::prefix_end(kEntryPrefix));
  SKY_RETURN_IF_ERROR(fold_keys(tail.get(), take));
  if (out.size() < limit && !after.empty()) {
    auto head = meta_.scan(MetaCf::kQueues, kEntryPrefix, start);
    SKY_RETURN_IF_ERROR(fold_keys(head.get(), take));
  }
  return out;
}

Result<std::optional<QueuedKey>> UploadQueue::entries_of(const std::string& bucket,
                                                         const std::string& key) const {
  std::optional<QueuedKey> out;
  SKY_RETURN_IF_ERROR(scan_keys(meta_, key_prefix(bucket, key), [&](QueuedKey k) {
    out = std::move(k);
    return false;
  }));
  return out;
}

Status UploadQueue::finish(const std::string& bucket, const std::string& key, uint64_t max_seq,
                           const std::string& journal_target, const std::string& journal_line,
                           const std::optional<std::string>& synced_etag) {
  MetaBatch batch;
  if (synced_etag) {
    batch.put(MetaCf::kQueues, kSyncedPrefix + bucket + '\0' + key, *synced_etag);
  } else {
    batch.erase(MetaCf::kQueues, kSyncedPrefix + bucket + '\0' + key);
  }
  if (!journal_target.empty()) {
    batch.put(MetaCf::kQueues, kJournalPrefix + journal_target + '\0' + be64(max_seq),
              journal_line);
  }
  std::string prefix = key_prefix(bucket, key);
  auto it = meta_.scan(MetaCf::kQueues, prefix, prefix + be64(max_seq + 1));
  for (it->seek_to_first(); it->valid(); it->next()) batch.erase(MetaCf::kQueues, it->key());
  SKY_RETURN_IF_ERROR(it->status());
  batch.erase(MetaCf::kQueues, kProgressPrefix + bucket + '\0' + key);
  return meta_.commit(std::move(batch));
}

Status UploadQueue::drop_bucket(const std::string& bucket) {
  MetaBatch batch;
  batch.erase(MetaCf::kQueues, kCursorPrefix + bucket);
  batch.erase(MetaCf::kQueues, kRestorePrefix + bucket);
  for (const auto& prefix : {kEntryPrefix + bucket + '\0', kProgressPrefix + bucket + '\0',
                             kSyncedPrefix + bucket + '\0'}) {
    auto it = meta_.scan_prefix(MetaCf::kQueues, prefix);
    for (it->seek_to_first(); it->valid(); it->next()) batch.erase(MetaCf::kQueues, it->key());
    SKY_RETURN_IF_ERROR(it->status());
  }
  return meta_.commit(std::move(batch));
}

Result<std::optional<MultipartProgress>> UploadQueue::progress(const std::string& bucket,
                                                               const std::string& key) const {
  SKY_ASSIGN_OR_RETURN(auto raw, meta_.get(MetaCf::kQueues, kProgressPrefix + bucket + '\0' + key));
  if (!raw) return std::optional<MultipartProgress>();
  SKY_ASSIGN_OR_RETURN(auto p, MultipartProgress::decode(*raw));
  return std::optional<MultipartProgress>(std::move(p));
}

Status UploadQueue::save_progress(const std::string& bucket, const std::string& key,
                                  const MultipartProgress& p) {
  MetaBatch batch;
  batch.put(MetaCf::kQueues, kProgressPrefix + bucket + '\0' + key, p.encode());
  return meta_.commit(std::move(batch));
}

Status UploadQueue::clear_progress(const std::string& bucket, const std::string& key) {
  MetaBatch batch;
  batch.erase(MetaCf::kQueues, kProgressPrefix + bucket + '\0' + key);
  return meta_.commit(std::move(batch));
}

Result<std::vector<std::pair<std::string, std::string>>> UploadQueue::journal_pending(
    const std::string& target, size_t limit) const {
  std::vector<std::pair<std::string, std::string>> out;
  auto it = meta_.scan_prefix(MetaCf::kQueues, kJournalPrefix + target + '\0');
  for (it->seek_to_first(); it->valid() && out.size() < limit; it->next()) {
    out.emplace_back(std::string(it->key()), std::string(it->value()));
  }
  SKY_RETURN_IF_ERROR(it->status());
  return out;
}

Status UploadQueue::erase(const std::vector<std::string>& queue_keys) {
  MetaBatch batch;
  for (const auto& k : queue_keys) batch.erase(MetaCf::kQueues, k);
  return meta_.commit(std::move(batch));
}

Result<std::optional<std::string>> UploadQueue::synced_etag(const std::string& bucket,
                                                            const std::string& key) const {
  return meta_.get(MetaCf::kQueues, kSyncedPrefix + bucket + '\0' + key);
}

Status UploadQueue::set_synced(const std::string& bucket, const std::string& key,
                               const std::string& etag) {
  MetaBatch batch;
  batch.put(MetaCf::kQueues, kSyncedPrefix + bucket + '\0' + key, etag);
  return meta_.commit(std::move(batch));
}

Result<std::optional<std::string>> UploadQueue::cursor(const std::string& bucket) const {
  return meta_.get(MetaCf::kQueues, kCursorPrefix + bucket);
}

Status UploadQueue::set_cursor(const std::string& bucket, const std::string& value) {
  MetaBatch batch;
  batch.put(MetaCf::kQueues, kCursorPrefix + bucket, value);
  return meta_.commit(std::move(batch));
}

Result<BacklogStats> UploadQueue::stats() const {
  BacklogStats s;
  SKY_RETURN_IF_ERROR(scan_keys(meta_, kEntryPrefix, [&](QueuedKey k) {
    ++s.objects;
    s.bytes += k.size;
    if (s.oldest_ns == 0 || k.oldest_ns < s.oldest_ns) s.oldest_ns = k.oldest_ns;
    return true;
  }));
  return s;
}

Result<std::map<std::string, BacklogStats>> UploadQueue::stats_by_bucket() const {
  std::map<std::string, BacklogStats> out;
  SKY_RETURN_IF_ERROR(scan_keys(meta_, kEntryPrefix, [&](QueuedKey k) {
    BacklogStats& s = out[k.bucket];
    ++s.objects;
    s.bytes += k.size;
    if (s.oldest_ns == 0 || k.oldest_ns < s.oldest_ns) s.oldest_ns = k.oldest_ns;
    return true;
  }));
  return out;
}

Result<std::optional<std::string>> UploadQueue::restore_state(const std::string& bucket) const {
  return meta_.get(MetaCf::kQueues, kRestorePrefix + bucket);
}

Status UploadQueue::set_restore_state(const std::string& bucket, const std::string& value) {
  MetaBatch batch;
  batch.put(MetaCf::kQueues, kRestorePrefix + bucket, value);
  return meta_.commit(std::move(batch));
}

Status UploadQueue::clear_restore_state(const std::string& bucket) {
  MetaBatch batch;
  batch.erase(MetaCf::kQueues, kRestorePrefix + bucket);
  return meta_.commit(std::move(batch));
}

Result<std::vector<std::string>> UploadQueue::restoring_buckets() const {
  std::vector<std::string> out;
  auto it = meta_.scan_prefix(MetaCf::kQueues, kRestorePrefix);
  for (it->seek_to_first(); it->valid(); it->next()) {
    out.emplace_back(it->key().substr(kRestorePrefix.size()));
  }
  SKY_RETURN_IF_ERROR(it->status());
  return out;
}

}  // namespace skyarray::services
