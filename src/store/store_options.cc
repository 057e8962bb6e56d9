#include "store/store_options.h"

#include <unistd.h>

#include <algorithm>

#include "common/config.h"

namespace skyarray {

namespace {

// One [[drive]] section.
Result<DriveConfig> read_drive(const ConfigSection& d) {
  DriveConfig c;
  SKY_RETURN_IF_ERROR(d.read("path", &c.path));
  if (c.path.empty()) return Status::invalid_argument(d.path() + ".path is required");
  std::string label;
  SKY_RETURN_IF_ERROR(d.read("label", &label));
  if (!label.empty()) {
    auto parsed = DriveLabel::parse(label);
    if (!parsed.is_ok()) return parsed.status().with_context(d.path() + ".label");
    c.label = *parsed;
  } else {
    c.label.bay = c.path;
  }
  SKY_RETURN_IF_ERROR(d.read("weight", &c.weight, 0.0, 1e6));
  SKY_RETURN_IF_ERROR(d.read_size("capacity", &c.capacity, 0, 1ull << 60));
  return c;
}

}  // namespace

uint64_t StoreOptions::default_verified_cache() {
  long pages = ::sysconf(_SC_PHYS_PAGES);
  long page = ::sysconf(_SC_PAGESIZE);
  uint64_t cap = 1ull << 30;
  if (pages <= 0 || page <= 0) return cap;
  return std::min(cap, static_cast<uint64_t>(pages) * static_cast<uint64_t>(page) / 16);
}

Result<StoreOptions> StoreOptions::from_config(const ConfigSection& store,
                                               const std::vector<ConfigSection>& drives,
                                               std::string data_dir) {
  StoreOptions o;
  o.data_dir = std::move(data_dir);
  int64_t replicas = o.replicas, io = o.io_threads, copies = o.checkpoint_copies,
          dev = o.dev_drives;
  SKY_RETURN_IF_ERROR(store.read("replicas", &replicas, 1, 16));
  SKY_RETURN_IF_ERROR(store.read_size("chunk_size", &o.chunk_size, kMinChunkSize, kMaxChunkSize));
  SKY_RETURN_IF_ERROR(store.read_size("inline_threshold", &o.inline_threshold, 0, 1 << 20));
  SKY_RETURN_IF_ERROR(store.read_size("reserve", &o.reserve, 0, 1ull << 50));
  SKY_RETURN_IF_ERROR(store.read("io_threads", &io, 0, 256));
  SKY_RETURN_IF_ERROR(store.read_seconds("gc_interval", &o.gc_interval_seconds, 0.01, 86400));
  SKY_RETURN_IF_ERROR(
      store.read_seconds("checkpoint_interval", &o.checkpoint_interval_seconds, 0, 86400 * 30));
  SKY_RETURN_IF_ERROR(store.read("checkpoint_copies", &copies, 0, 16));
  SKY_RETURN_IF_ERROR(store.read("dev_drives", &dev, 1, 64));
  SKY_RETURN_IF_ERROR(store.read("meta_dir", &o.meta_dir));
  int64_t parallelism = o.rebuild_parallelism;
  SKY_RETURN_IF_ERROR(store.read_size("rebuild_rate", &o.rebuild_rate, 0, 1ull << 40));
  SKY_RETURN_IF_ERROR(store.read("rebuild_parallelism", &parallelism, 0, 256));
  SKY_RETURN_IF_ERROR(
      store.read_seconds("rebuild_interval", &o.rebuild_interval_seconds, 0.01, 86400));
  SKY_RETURN_IF_ERROR(
      store.read_seconds("scrub_interval", &o.scrub_interval_seconds, 0, 86400.0 * 366));
  SKY_RETURN_IF_ERROR(store.read_size("scrub_rate", &o.scrub_rate, 0, 1ull << 40));
  SKY_RETURN_IF_ERROR(store.read_size("scrub_busy_rate", &o.scrub_busy_rate, 0, 1ull << 40));
  SKY_RETURN_IF_ERROR(store.read_size("scrub_busy_above", &o.scrub_busy_above, 0, 1ull << 40));
  o.verified_cache = default_verified_cache();
  SKY_RETURN_IF_ERROR(store.read_size("verified_cache", &o.verified_cache, 0, 1ull << 40));
  o.rebuild_parallelism = static_cast<int>(parallelism);
  o.replicas = static_cast<int>(replicas);
  o.io_threads = static_cast<int>(io);
  o.checkpoint_copies = static_cast<int>(copies);
  o.dev_drives = static_cast<int>(dev);
  if (o.inline_threshold >= o.chunk_size) {
    return Status::invalid_argument(store.path() + ".inline_threshold must be below chunk_size");
  }
  for (const auto& d : drives) {
    SKY_ASSIGN_OR_RETURN(DriveConfig c, read_drive(d));
    for (const auto& other : o.drives) {
      if (other.path == c.path) {
        return Status::invalid_argument(d.path() + ": drive " + c.path + " is listed twice");
      }
    }
    o.drives.push_back(std::move(c));
  }
  return o;
}

std::vector<DriveConfig> StoreOptions::effective_drives() const {
  if (!drives.empty()) return drives;
  std::vector<DriveConfig> out;
  for (int i = 0; i < dev_drives; ++i) {
    DriveConfig c;
    c.path = data_dir + "/drives/d" + std::to_string(i);
    c.label.bay = "d" + std::to_string(i);
    out.push_back(std::move(c));
  }
  return out;
}

std::string StoreOptions::effective_meta_dir() const {
  return meta_dir.empty() ? data_dir + "/meta" : meta_dir;
}

}  // namespace skyarray
