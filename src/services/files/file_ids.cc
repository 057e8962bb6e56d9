#include "services/files/file_ids.h"

#include <map>
#include <random>

#include "common/runtime.h"
#include "meta/meta_store.h"

namespace skyarray::services {

namespace {

constexpr uint64_t kReserveStep = 4096;
const std::string kNextKey = "n";

void put_be(std::string* out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out->push_back(static_cast<char>(v >> (8 * i)));
}

uint64_t get_be(std::string_view in, size_t at, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<uint8_t>(in[at + i]);
  return v;
}

std::string key_record(const std::string& bucket, const std::string& key) {
  return "k" + bucket + '\0' + key;
}

std::string id_record(uint64_t id) {
  std::string k = "i";
  put_be(&k, id, 8);
  return k;
}

std::string encode_id_value(const FileIdEntry& e) {
  std::string v;
  put_be(&v, e.generation, 4);
  v.push_back(e.deleted ? 1 : 0);
  v += e.bucket;
  v.push_back('\0');
  v += e.key;
  return v;
}

uint32_t random_generation() {
  static thread_local std::mt19937 rng{std::random_device{}()};
  uint32_t g = 0;
  while (g == 0) g = rng();
  return g;
}

}  // namespace

Result<std::unique_ptr<FileIds>> FileIds::open(MetaStore& meta) {
  std::unique_ptr<FileIds> ids(new FileIds(meta));
  SKY_RETURN_IF_ERROR(ids->load());
  return ids;
}

Status FileIds::load() {
  MutexLock lock(&mu_);
  SKY_ASSIGN_OR_RETURN(auto next, meta_.get(MetaCf::kFiles, kNextKey));
  if (next && next->size() == 8) {
    // Ids up to the persisted ceiling may have been handed out before a
    // crash: start above it.
    next_ = ceiling_ = get_be(*next, 0, 8);
  }
  return Status::ok();
}

Result<uint64_t> FileIds::allocate() {
  if (next_ >= ceiling_) {
    std::string v;
    put_be(&v, ceiling_ + kReserveStep, 8);
    MetaBatch batch;
    batch.put(MetaCf::kFiles, kNextKey, v);
    SKY_RETURN_IF_ERROR(meta_.commit(std::move(batch)));
    ceiling_ += kReserveStep;
  }
  return next_++;
}

Result<std::optional<FileIdEntry>> FileIds::by_key(const std::string& bucket,
                                                   const std::string& key) const {
  SKY_ASSIGN_OR_RETURN(auto v, meta_.get(MetaCf::kFiles, key_record(bucket, key)));
  if (!v) return std::optional<FileIdEntry>();
  if (v->size() != 12) return Status::corruption("bad file id record");
  return std::optional<FileIdEntry>(
      FileIdEntry{get_be(*v, 0, 8), static_cast<uint32_t>(get_be(*v, 8, 4)), bucket, key, false});
}

Result<std::vector<FileIdEntry>> FileIds::ids_of(const std::string& bucket,
                                                 const std::vector<std::string>& keys) {
  std::vector<FileIdEntry> out;
  out.reserve(keys.size());
  // Keys seen before need no lock: only assigning ids takes it.
  for (const auto& key : keys) {
    SKY_ASSIGN_OR_RETURN(auto found, by_key(bucket, key));
    if (!found) break;
    out.push_back(std::move(*found));
  }
  if (out.size() == keys.size()) return out;
  out.clear();
  MutexLock lock(&mu_);
  MetaBatch batch;
  for (const auto& key : keys) {
    SKY_ASSIGN_OR_RETURN(auto found, by_key(bucket, key));
    if (found) {
      out.push_back(std::move(*found));
      continue;
    }
    SKY_ASSIGN_OR_RETURN(auto e, assign(&batch, bucket, key));
    out.push_back(std::move(e));
  }
  if (!batch.empty()) SKY_RETURN_IF_ERROR(meta_.commit(std::move(batch)));
  return out;
}

Result<FileIdEntry> FileIds::stage_assign(MetaBatch* batch, const std::string& bucket,
                                          const std::string& key) {
  SKY_ASSIGN_OR_RETURN(auto found, by_key(bucket, key));
  if (found) return std::move(*found);
  if (Runtime::memory_only()) {
    Runtime::note_would_block();
    return Status::unavailable("a new file id is assigned on the blocking pool");
  }
  MutexLock lock(&mu_);
  SKY_ASSIGN_OR_RETURN(found, by_key(bucket, key));
  if (found) return std::move(*found);
  return assign(batch, bucket, key);
}

Result<FileIdEntry> FileIds::assign(MetaBatch* batch, const std::string& bucket,
                                    const std::string& key) {
  FileIdEntry e;
  SKY_ASSIGN_OR_RETURN(e.id, allocate());
  e.generation = random_generation();
  e.bucket = bucket;
  e.key = key;
  std::string kv;
  put_be(&kv, e.id, 8);
  put_be(&kv, e.generation, 4);
  batch->put(MetaCf::kFiles, key_record(bucket, key), kv);
  batch->put(MetaCf::kFiles, id_record(e.id), encode_id_value(e));
  return e;
}

Result<FileIdEntry> FileIds::id_of(const std::string& bucket, const std::string& key) {
  std::vector<std::string> keys{key};
  SKY_ASSIGN_OR_RETURN(auto ids, ids_of(bucket, keys));
  return std::move(ids[0]);
}

Result<std::optional<FileIdEntry>> FileIds::find(uint64_t id) const {
  SKY_ASSIGN_OR_RETURN(auto v, meta_.get(MetaCf::kFiles, id_record(id)));
  if (!v) return std::optional<FileIdEntry>();
  if (v->size() < 6) return Status::corruption("bad file id record");
  FileIdEntry e;
  e.id = id;
  e.generation = static_cast<uint32_t>(get_be(*v, 0, 4));
  e.deleted = (*v)[4] != 0;
  auto rest = std::string_view(*v).substr(5);
  auto nul = rest.find('\0');
  if (nul == std::string_view::npos) return Status::corruption("bad file id record");
  e.bucket = std::string(rest.substr(0, nul));
  e.key = std::string(rest.substr(nul + 1));
  return std::optional<FileIdEntry>(std::move(e));
}

Status FileIds::moved(const std::string& bucket, const std::string& from, const std::string& to) {
  MutexLock lock(&mu_);
  SKY_ASSIGN_OR_RETURN(auto src, by_key(bucket, from));
  // No id to move (never seen, or moved already by a rename retried after a
  // crash): the target keeps its own.
  if (!src) return Status::ok();
  SKY_ASSIGN_OR_RETURN(auto dst, by_key(bucket, to));
  MetaBatch batch;
  if (dst && dst->id != src->id) {
    dst->deleted = true;
    batch.put(MetaCf::kFiles, id_record(dst->id), encode_id_value(*dst));
  }
  batch.erase(MetaCf::kFiles, key_record(bucket, from));
  src->key = to;
  std::string kv;
  put_be(&kv, src->id, 8);
  put_be(&kv, src->generation, 4);
  batch.put(MetaCf::kFiles, key_record(bucket, to), kv);
  batch.put(MetaCf::kFiles, id_record(src->id), encode_id_value(*src));
  return meta_.commit(std::move(batch));
}

Status FileIds::stage_moved_prefix(MetaBatch* batch, const std::string& bucket,
                                   const std::string& from, const std::string& to) {
  // Ids the new keys had (objects deleted over S3 keep theirs), in one scan.
  std::map<std::string, FileIdEntry> taken;
  const std::string to_base = key_record(bucket, to);
  auto old = meta_.scan_prefix(MetaCf::kFiles, to_base);
  for (old->seek_to_first(); old->valid(); old->next()) {
    if (old->value().size() != 12) return Status::corruption("bad file id record");
    std::string key = to + std::string(old->key().substr(to_base.size()));
    taken[key] = FileIdEntry{get_be(old->value(), 0, 8),
                             static_cast<uint32_t>(get_be(old->value(), 8, 4)), bucket, key, true};
  }
  SKY_RETURN_IF_ERROR(old->status());
  const std::string base = key_record(bucket, from);
  auto it = meta_.scan_prefix(MetaCf::kFiles, base);
  for (it->seek_to_first(); it->valid(); it->next()) {
    if (it->value().size() != 12) return Status::corruption("bad file id record");
    FileIdEntry e{get_be(it->value(), 0, 8), static_cast<uint32_t>(get_be(it->value(), 8, 4)),
                  bucket, to + std::string(it->key().substr(base.size())), false};
    auto dst = taken.find(e.key);
    if (dst != taken.end() && dst->second.id != e.id) {
      batch->put(MetaCf::kFiles, id_record(dst->second.id), encode_id_value(dst->second));
    }
    batch->erase(MetaCf::kFiles, it->key());
    batch->put(MetaCf::kFiles, key_record(bucket, e.key), it->value());
    batch->put(MetaCf::kFiles, id_record(e.id), encode_id_value(e));
  }
  return it->status();
}

Status FileIds::removed(const std::string& bucket, const std::string& key) {
  MutexLock lock(&mu_);
  SKY_ASSIGN_OR_RETURN(auto e, by_key(bucket, key));
  if (!e) return Status::ok();
  e->deleted = true;
  MetaBatch batch;
  batch.erase(MetaCf::kFiles, key_record(bucket, key));
  batch.put(MetaCf::kFiles, id_record(e->id), encode_id_value(*e));
  batch.set_admission(MetaAdmission::kRelease);
  return meta_.commit(std::move(batch));
}

}  // namespace skyarray::services
