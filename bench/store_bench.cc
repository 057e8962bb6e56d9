// store_bench: the local data path against fio on the same directory.
//
//   store_bench [--dir D] [--size-mib 1024] [--small-ops 2000] [--threads 4]
//               [--list-keys 1000000] [--large-mib 10240] [--quick] [--seq-only]
//
// 1. Sequential write then read of one --size-mib object at replicas=1
//    through BlobStore (MD5 + CRC32C computed, chunk files fsynced, metadata
//    committed; then again without MD5, as file/block writes do), and fio
//    writing/reading a file of the same size in the same directory (psync,
//    1 MiB blocks, end_fsync; fio drops the cache before reading, so do we);
//    ratios printed against that buffered fio job. The store writes chunk
//    data with O_DIRECT, so fio's O_DIRECT write (same job plus direct=1) is
//    printed as well, with our ratio to it; and for reads, fio with four
//    direct 1 MiB requests in flight (libaio, iodepth=4), the drive's
//    parallel bound, since the store reads ahead. MD5 is one serial stream,
//    so one core's MD5 speed (measured in memory, same bytes) bounds the S3
//    write; that ratio is printed too. Build Release for meaningful
//    figures. --seq-only stops after this part.
// 2. Small objects: 4 KiB and 256 KiB put (write + synced commit) and get
//    ops/s from --threads threads.
// 3. Listing --list-keys keys under one prefix (a metadata range scan).
// 4. Memory high-water (VmHWM) while writing one --large-mib object.
// --quick shrinks every size for a smoke run.
#include <fcntl.h>
#include <unistd.h>

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "common/checksum.h"
#include "meta/key_codec.h"
#include "meta/meta_store.h"
#include "store/blob_store.h"

namespace fs = std::filesystem;
using namespace skyarray;
using Clock = std::chrono::steady_clock;

namespace {

template <typename T>
T run_task(Task<T> task) {
  boost::asio::io_context io;
  std::optional<T> out;
  boost::asio::co_spawn(
      io, [&]() -> Task<void> { out.emplace(co_await std::move(task)); }, boost::asio::detached);
  io.run();
  return std::move(*out);
}

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

long vm_hwm_kib() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return -1;
}

// MiB/s of MD5 over `mib` MiB of `block` repeated, in memory, on this thread.
double md5_speed(const std::string& block, uint64_t mib) {
  auto md5 = Checksum::create(ChecksumAlgorithm::kMd5);
  if (!md5.is_ok()) return 0;
  uint64_t copies = (mib << 20) / block.size();
  auto t = Clock::now();
  for (uint64_t i = 0; i < copies; ++i) (*md5)->update(block);
  (*md5)->finish();
  return static_cast<double>(mib) / seconds_since(t);
}

void reset_hwm() {
  std::ofstream("/proc/self/clear_refs") << "5";
}

std::string random_block(size_t n) {
  std::mt19937_64 rng(42);
  std::string s(n, '\0');
  for (size_t i = 0; i < n; i += 8) {
    uint64_t v = rng();
    std::memcpy(&s[i], &v, 8);
  }
  return s;
}

// Writes `total` bytes from a 1 MiB pattern; returns the ref.
Result<BlobRef> put(BlobStore& store, MetaStore& meta, uint64_t total, const std::string& block,
                    const std::string& key, bool md5 = true) {
  WriteOptions wo;
  wo.replicas = 1;
  wo.expected_size = total;
  wo.compute_md5 = md5;
  auto w = store.new_writer(wo);
  auto written = run_task([&]() -> Task<Result<WrittenBlob>> {
    for (uint64_t off = 0; off < total; off += block.size()) {
      size_t n = std::min<uint64_t>(block.size(), total - off);
      SKY_CO_RETURN_IF_ERROR(
          co_await w->write(Buffer::copy_of(std::string_view(block).substr(0, n))));
    }
    co_return co_await w->finish();
  }());
  if (!written.is_ok()) return written.status();
  MetaBatch batch;
  batch.put(MetaCf::kObjects, key, written->ref.encode());
  SKY_RETURN_IF_ERROR(store.stage_commit(&batch, written->ref));
  SKY_RETURN_IF_ERROR(meta.commit(std::move(batch)));
  return written->ref;
}

Result<uint64_t> get(BlobStore& store, const BlobRef& ref) {
  auto r = store.new_reader(ref);
  if (!r.is_ok()) return r.status();
  return run_task([&]() -> Task<Result<uint64_t>> {
    uint64_t n = 0;
    for (;;) {
      auto b = co_await (*r)->read(4 << 20);
      if (!b.is_ok()) co_return b.status();
      if (b->empty()) break;
      n += b->size();
    }
    co_return n;
  }());
}

// fio drops the file's cached pages before reading (invalidate=1); do the
// same to the chunk files so both reads come from the drive.
void evict_cache(const std::string& dir) {
  for (auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    int fd = ::open(e.path().c_str(), O_RDONLY);
    if (fd < 0) continue;
    ::fdatasync(fd);
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    ::close(fd);
  }
}

// With iodepth > 1: libaio, direct I/O, that many 1 MiB requests in flight
// (the drive's parallel bound; the store's read-ahead keeps several chunks
// in flight too).
double run_fio(const std::string& dir, const char* rw, uint64_t mib, bool direct = false,
               int iodepth = 1) {
  std::string cmd = "fio --name=seq --directory=" + dir + " --rw=" + rw +
                    " --bs=1M --size=" + std::to_string(mib) +
                    "M --end_fsync=1 --filename=fio.dat --output=/dev/null";
  if (iodepth > 1) {
    cmd += " --ioengine=libaio --iodepth=" + std::to_string(iodepth);
  } else {
    cmd += " --ioengine=psync";
  }
  if (direct) cmd += " --direct=1";
  auto t = Clock::now();
  if (std::system(cmd.c_str()) != 0) return -1;
  return mib / seconds_since(t);
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir = "/tmp/skyarray-store-bench";
  uint64_t size_mib = 1024, small_ops = 2000, list_keys = 1000000, large_mib = 10240;
  int threads = 4;
  bool seq_only = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&] { return i + 1 < argc ? std::strtoull(argv[++i], nullptr, 10) : 0; };
    if (a == "--dir" && i + 1 < argc)
      dir = argv[++i];
    else if (a == "--size-mib")
      size_mib = next();
    else if (a == "--small-ops")
      small_ops = next();
    else if (a == "--threads")
      threads = static_cast<int>(next());
    else if (a == "--list-keys")
      list_keys = next();
    else if (a == "--large-mib")
      large_mib = next();
    else if (a == "--seq-only")
      seq_only = true;
    else if (a == "--quick")
      size_mib = 128, small_ops = 300, list_keys = 100000, large_mib = 512;
  }
  spdlog::set_level(spdlog::level::warn);
  fs::remove_all(dir);
  fs::create_directories(dir + "/fio");

  StoreOptions o;
  o.data_dir = dir;
  o.replicas = 1;
  o.reserve = 256ull << 20;
  o.background = false;
  DriveConfig d;
  d.path = dir + "/drive0";
  d.label.bay = "0";
  o.drives.push_back(d);
  auto meta = MetaStore::open(dir + "/meta");
  if (!meta.is_ok()) return 1;
  auto store_r = BlobStore::open(o, meta->get());
  if (!store_r.is_ok()) {
    std::fprintf(stderr, "%s\n", store_r.status().to_string().c_str());
    return 1;
  }
  BlobStore& store = **store_r;
  std::string block = random_block(1 << 20);
  std::printf("store_bench: dir %s, chunk %llu MiB, replicas 1\n", dir.c_str(),
              static_cast<unsigned long long>(o.chunk_size >> 20));

  // 1. Sequential, against fio in the same directory.
  double fio_w = run_fio(dir + "/fio", "write", size_mib);
  auto t = Clock::now();
  auto big = put(store, **meta, size_mib << 20, block, "seq");
  if (!big.is_ok()) return std::fprintf(stderr, "%s\n", big.status().to_string().c_str()), 1;
  double ours_w = size_mib / seconds_since(t);
  t = Clock::now();
  auto nomd5 = put(store, **meta, size_mib << 20, block, "seq-nomd5", false);
  if (!nomd5.is_ok()) return 1;
  double ours_w_nomd5 = size_mib / seconds_since(t);
  // MD5 is one serial stream: one core's MD5 speed bounds the S3 write.
  double md5_alone = md5_speed(block, size_mib);
  fs::remove(dir + "/fio/fio.dat");
  double fio_wd = run_fio(dir + "/fio", "write", size_mib, /*direct=*/true);
  double fio_r = run_fio(dir + "/fio", "read", size_mib);
  double fio_rq = run_fio(dir + "/fio", "read", size_mib, /*direct=*/true, /*iodepth=*/4);
  evict_cache(dir + "/drive0");
  t = Clock::now();
  auto n = get(store, *big);
  if (!n.is_ok()) return 1;
  double ours_r = size_mib / seconds_since(t);
  std::printf(
      "seq write %llu MiB, MD5+CRC32C (S3 PUT): store %.0f MiB/s, fio %.0f MiB/s, ratio %.2f\n",
      static_cast<unsigned long long>(size_mib), ours_w, fio_w, ours_w / fio_w);
  std::printf(
      "seq write %llu MiB, MD5 alone in memory (one core, the bound for one stream): %.0f MiB/s, "
      "store MD5+CRC32C/MD5 alone %.2f\n",
      static_cast<unsigned long long>(size_mib), md5_alone, ours_w / md5_alone);
  std::printf("seq write %llu MiB, CRC32C only (file/block): store %.0f MiB/s, ratio %.2f\n",
              static_cast<unsigned long long>(size_mib), ours_w_nomd5, ours_w_nomd5 / fio_w);
  std::printf(
      "seq write %llu MiB, fio direct=1: %.0f MiB/s; store/fio-direct: MD5+CRC32C %.2f, "
      "CRC32C only %.2f\n",
      static_cast<unsigned long long>(size_mib), fio_wd, ours_w / fio_wd, ours_w_nomd5 / fio_wd);
  std::printf("seq read  %llu MiB: store %.0f MiB/s, fio %.0f MiB/s, ratio %.2f\n",
              static_cast<unsigned long long>(size_mib), ours_r, fio_r, ours_r / fio_r);
  std::printf("seq read  %llu MiB: fio direct=1 libaio iodepth=4 %.0f MiB/s, ratio %.2f\n",
              static_cast<unsigned long long>(size_mib), fio_rq, ours_r / fio_rq);
  fs::remove(dir + "/fio/fio.dat");
  if (seq_only) {
    store_r->reset();
    meta->reset();
    fs::remove_all(dir);
    return 0;
  }

  // 2. Small objects.
  for (uint64_t size : {uint64_t{4096}, uint64_t{256} << 10}) {
    std::vector<BlobRef> refs(small_ops);
    auto t0 = Clock::now();
    std::vector<std::thread> ts;
    for (int th = 0; th < threads; ++th) {
      ts.emplace_back([&, th] {
        for (uint64_t i = th; i < small_ops; i += threads) {
          auto r = put(store, **meta, size, block,
                       "small/" + std::to_string(size) + "/" + std::to_string(i));
          if (r.is_ok()) refs[i] = std::move(*r);
        }
      });
    }
    for (auto& x : ts) x.join();
    double put_ops = small_ops / seconds_since(t0);
    ts.clear();
    t0 = Clock::now();
    for (int th = 0; th < threads; ++th) {
      ts.emplace_back([&, th] {
        for (uint64_t i = th; i < small_ops; i += threads) (void)get(store, refs[i]);
      });
    }
    for (auto& x : ts) x.join();
    double get_ops = small_ops / seconds_since(t0);
    std::printf("small %6llu B x %llu, %d threads: put %.0f ops/s, get %.0f ops/s\n",
                static_cast<unsigned long long>(size), static_cast<unsigned long long>(small_ops),
                threads, put_ops, get_ops);
  }

  // 3. Listing a prefix of list_keys keys (plus other keys around it).
  {
    std::string value(100, 'v');
    for (uint64_t i = 0; i < list_keys;) {
      MetaBatch b;
      for (int j = 0; j < 10000 && i < list_keys; ++j, ++i) {
        char name[48];
        std::snprintf(name, sizeof(name), "studies/%09llu.dcm", static_cast<unsigned long long>(i));
        b.put(MetaCf::kObjects, KeyCodec().add_string("pacs").add_string(name).key(), value);
        b.put(MetaCf::kObjects, KeyCodec().add_string("other").add_string(name).key(), value);
      }
      if (!(*meta)->commit(std::move(b)).is_ok()) return 1;
    }
    auto t0 = Clock::now();
    auto it = (*meta)->scan_prefix(
        MetaCf::kObjects, KeyCodec().add_string("pacs").add_string_prefix("studies/").key());
    uint64_t count = 0;
    for (; it->valid(); it->next()) ++count;
    std::printf("list prefix: %llu keys in %.3f s (%.0f keys/s)\n",
                static_cast<unsigned long long>(count), seconds_since(t0),
                count / seconds_since(t0));
  }

  // 4. Memory while writing a large object.
  {
    reset_hwm();
    long before = vm_hwm_kib();
    auto t0 = Clock::now();
    auto r = put(store, **meta, large_mib << 20, block, "large");
    if (!r.is_ok()) return std::fprintf(stderr, "%s\n", r.status().to_string().c_str()), 1;
    std::printf("large write %llu MiB at %.0f MiB/s: VmHWM %ld MiB (before %ld MiB)\n",
                static_cast<unsigned long long>(large_mib), large_mib / seconds_since(t0),
                vm_hwm_kib() / 1024, before / 1024);
  }
  store_r->reset();
  meta->reset();
  fs::remove_all(dir);
  return 0;
}
