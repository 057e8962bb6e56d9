#include "meta/meta_store.h"

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/merge_operator.h>
#include <rocksdb/options.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/write_batch.h>

#include <cstring>
#include <filesystem>

#include "common/config.h"
#include "common/runtime.h"
#include "meta/key_codec.h"

namespace skyarray {

namespace {

constexpr std::string_view kCfNames[kMetaCfCount] = {
    "default",  "buckets", "objects", "chunks", "drives",  "queues",
    "counters", "users",   "uploads", "files",  "volumes",
};

Status from_rocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return Status();
  StatusCode code = StatusCode::kIOError;
  if (s.IsCorruption()) code = StatusCode::kCorruption;
  if (s.IsNoSpace()) code = StatusCode::kNoSpace;
  if (s.IsNotFound()) code = StatusCode::kNotFound;
  if (s.IsInvalidArgument()) code = StatusCode::kInvalidArgument;
  return Status(code, std::string(what) + ": " + s.ToString());
}

int64_t decode_counter(const rocksdb::Slice& s) {
  int64_t v = 0;
  if (s.size() == sizeof(v)) std::memcpy(&v, s.data(), sizeof(v));  // little-endian hosts only
  return v;
}

std::string encode_counter(int64_t v) {
  return std::string(reinterpret_cast<char*>(&v), sizeof(v));
}

// Counters: values are int64 added together, so concurrent batches can
// update statistics and reference counts without a read-modify-write.
class AddOperator : public rocksdb::AssociativeMergeOperator {
 public:
  bool Merge(const rocksdb::Slice&, const rocksdb::Slice* existing, const rocksdb::Slice& value,
             std::string* new_value, rocksdb::Logger*) const override {
    int64_t base = existing ? decode_counter(*existing) : 0;
    uint64_t sum = static_cast<uint64_t>(base) + static_cast<uint64_t>(decode_counter(value));
    *new_value = encode_counter(static_cast<int64_t>(sum));
    return true;
  }
  const char* Name() const override { return "skyarray.add.v1"; }
};

}  // namespace

std::string_view meta_cf_name(MetaCf cf) {
  auto i = static_cast<size_t>(cf);
  return i < kMetaCfCount ? kCfNames[i] : "invalid";
}

Result<MetaStoreOptions> MetaStoreOptions::from_config(const ConfigSection& section) {
  MetaStoreOptions o;
  SKY_RETURN_IF_ERROR(section.read_size("block_cache", &o.block_cache_bytes, 1 << 20, 1ull << 40));
  SKY_RETURN_IF_ERROR(
      section.read_size("write_buffer", &o.write_buffer_bytes, 1 << 20, 4ull << 30));
  return o;
}

// ---- MetaBatch

struct MetaBatch::Rep {
  rocksdb::WriteBatch batch;
  // (family, op) pairs are resolved to handles at commit time.
  struct Op {
    enum Kind : uint8_t { kPut, kErase, kAdd } kind;
    MetaCf cf;
    std::string key, value;
  };
  std::vector<Op> ops;
  size_t bytes = 0;
};

MetaBatch::MetaBatch() : rep_(std::make_unique<Rep>()) {}
MetaBatch::~MetaBatch() = default;
MetaBatch::MetaBatch(MetaBatch&&) noexcept = default;
MetaBatch& MetaBatch::operator=(MetaBatch&&) noexcept = default;

void MetaBatch::put(MetaCf cf, std::string_view key, std::string_view value) {
  rep_->ops.push_back({Rep::Op::kPut, cf, std::string(key), std::string(value)});
  rep_->bytes += key.size() + value.size() + 8;
}

void MetaBatch::erase(MetaCf cf, std::string_view key) {
  rep_->ops.push_back({Rep::Op::kErase, cf, std::string(key), {}});
  rep_->bytes += key.size() + 8;
}

void MetaBatch::add(MetaCf cf, std::string_view key, int64_t delta) {
  rep_->ops.push_back({Rep::Op::kAdd, cf, std::string(key), encode_counter(delta)});
  rep_->bytes += key.size() + 16;
}

size_t MetaBatch::count() const {
  return rep_ ? rep_->ops.size() : 0;
}
size_t MetaBatch::byte_size() const {
  return rep_ ? rep_->bytes : 0;
}

// ---- MetaIterator

struct MetaIterator::Rep {
  std::string lower, upper;
  rocksdb::Slice upper_slice;
  std::unique_ptr<rocksdb::Iterator> it;
};

MetaIterator::MetaIterator(std::unique_ptr<Rep> rep) : rep_(std::move(rep)) {}
MetaIterator::~MetaIterator() = default;

void MetaIterator::seek(std::string_view key) {
  if (key < rep_->lower) key = rep_->lower;
  rep_->it->Seek(rocksdb::Slice(key.data(), key.size()));
}
void MetaIterator::seek_to_first() {
  rep_->it->Seek(rep_->lower);
}
bool MetaIterator::valid() const {
  if (rep_->it->Valid()) return true;
  if (rep_->it->status().IsIncomplete()) Runtime::note_would_block();
  return false;
}
void MetaIterator::next() {
  rep_->it->Next();
}
std::string_view MetaIterator::key() const {
  auto k = rep_->it->key();
  return {k.data(), k.size()};
}
std::string_view MetaIterator::value() const {
  auto v = rep_->it->value();
  return {v.data(), v.size()};
}
Status MetaIterator::status() const {
  return from_rocks(rep_->it->status(), "metadata scan");
}

// ---- MetaStore

struct MetaStore::Rep {
  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> cfs;
  bool sync = true;

  rocksdb::ColumnFamilyHandle* cf(MetaCf c) const { return cfs[static_cast<size_t>(c)]; }

  ~Rep() {
    if (db) {
      for (auto* h : cfs) db->DestroyColumnFamilyHandle(h);
      db->Close();
    }
  }
};

MetaStore::MetaStore(std::string dir, std::unique_ptr<Rep> rep)
    : dir_(std::move(dir)), rep_(std::move(rep)) {}
MetaStore::~MetaStore() = default;

Result<std::unique_ptr<MetaStore>> MetaStore::open(const std::string& dir,
                                                   const MetaStoreOptions& options) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::from_errno(ec.value(), "creating metadata directory " + dir);

  rocksdb::Options db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.max_background_jobs = 2;
  db_options.keep_log_file_num = 4;
  db_options.paranoid_checks = true;

  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  rocksdb::ColumnFamilyOptions cf_options;
  cf_options.write_buffer_size = options.write_buffer_bytes;
  cf_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  cf_options.compression = rocksdb::kNoCompression;
  cf_options.merge_operator = std::make_shared<AddOperator>();

  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (auto name : kCfNames) descriptors.emplace_back(std::string(name), cf_options);

  auto rep = std::make_unique<Rep>();
  rep->sync = options.sync;
  rocksdb::DB* db = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(db_options, dir, descriptors, &rep->cfs, &db);
  if (!s.ok()) return from_rocks(s, "opening metadata in " + dir);
  rep->db.reset(db);
  return std::unique_ptr<MetaStore>(new MetaStore(dir, std::move(rep)));
}

Result<std::optional<std::string>> MetaStore::get(MetaCf cf, std::string_view key) const {
  std::string value;
  rocksdb::ReadOptions ro;
  // On a network thread (Runtime::cached_or_blocking): memtable and block
  // cache only; a read that needs the disk is redone on the blocking pool.
  if (Runtime::memory_only()) ro.read_tier = rocksdb::kBlockCacheTier;
  rocksdb::Status s =
      rep_->db->Get(ro, rep_->cf(cf), rocksdb::Slice(key.data(), key.size()), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (s.IsIncomplete() && Runtime::memory_only()) {
    Runtime::note_would_block();
    return Status::unavailable("metadata not in memory");
  }
  if (!s.ok()) return from_rocks(s, "metadata read");
  return std::optional<std::string>(std::move(value));
}

Result<int64_t> MetaStore::get_counter(MetaCf cf, std::string_view key) const {
  SKY_ASSIGN_OR_RETURN(auto v, get(cf, key));
  if (!v) return int64_t{0};
  if (v->size() != sizeof(int64_t)) return Status::corruption("counter value of wrong size");
  return decode_counter(*v);
}

Status MetaStore::commit(MetaBatch batch) {
  if (!batch.rep_ || batch.rep_->ops.empty()) return Status();
  rocksdb::WriteBatch wb;
  for (const auto& op : batch.rep_->ops) {
    auto* h = rep_->cf(op.cf);
    rocksdb::Status s;
    switch (op.kind) {
      case MetaBatch::Rep::Op::kPut:
        s = wb.Put(h, op.key, op.value);
        break;
      case MetaBatch::Rep::Op::kErase:
        s = wb.Delete(h, op.key);
        break;
      case MetaBatch::Rep::Op::kAdd:
        s = wb.Merge(h, op.key, op.value);
        break;
    }
    if (!s.ok()) return from_rocks(s, "building metadata batch");
  }
  rocksdb::WriteOptions wo;
  wo.sync = rep_->sync;
  return from_rocks(rep_->db->Write(wo, &wb), "metadata commit");
}

std::unique_ptr<MetaIterator> MetaStore::scan(MetaCf cf, std::string lower,
                                              std::string upper) const {
  auto rep = std::make_unique<MetaIterator::Rep>();
  rep->lower = std::move(lower);
  rep->upper = std::move(upper);
  rocksdb::ReadOptions ro;
  if (!rep->upper.empty()) {
    rep->upper_slice = rocksdb::Slice(rep->upper);
    ro.iterate_upper_bound = &rep->upper_slice;
  }
  // Listings read each block once; keep them from evicting point lookups.
  ro.fill_cache = false;
  if (Runtime::memory_only()) ro.read_tier = rocksdb::kBlockCacheTier;
  ro.readahead_size = 256 << 10;
  rep->it.reset(rep_->db->NewIterator(ro, rep_->cf(cf)));
  rep->it->Seek(rep->lower);
  return std::unique_ptr<MetaIterator>(new MetaIterator(std::move(rep)));
}

std::unique_ptr<MetaIterator> MetaStore::scan_prefix(MetaCf cf, std::string prefix) const {
  std::string end = KeyCodec::prefix_end(prefix);
  return scan(cf, std::move(prefix), std::move(end));
}

Status MetaStore::checkpoint(const std::string& dir) {
  rocksdb::Checkpoint* cp = nullptr;
  SKY_RETURN_IF_ERROR(
      from_rocks(rocksdb::Checkpoint::Create(rep_->db.get(), &cp), "creating checkpoint"));
  std::unique_ptr<rocksdb::Checkpoint> holder(cp);
  // log_size_for_flush = 0: flush the memtables so the copy needs no WAL.
  return from_rocks(cp->CreateCheckpoint(dir, 0), "writing checkpoint to " + dir);
}

}  // namespace skyarray
