// rebuild_bench: how fast the array restores redundancy after a drive fails,
// against the bound the drives allow, and how fast one core scrubs, against
// CRC32C speed — both measured in the same run.
//
//   rebuild_bench [--dir D] [--drives 6] [--mib 2048] [--replicas 2] [--workers 0]
//
// 1. Writes --mib MiB of objects (64 MiB each, 8 MiB chunks) to --drives
//    drive directories under D, each its own node, then evicts the page cache
//    of every chunk file.
// 2. Fails drive 0 and times BlobStore::rebuild_pass(): every chunk that had a
//    copy there is read from a survivor and written to another drive.
// 3. fio on the surviving drives' directories, all at once (one job per
//    drive, 1 MiB blocks, psync, end_fsync, cache invalidated before the
//    read): aggregate sequential write and read rates with per-drive sizes
//    equal to the rebuilt bytes / survivors. Bound = min(read, write) as in
//    issue 5. Drive directories on ONE physical disk share it, so the
//    shared-disk bound 1 / (1/read + 1/write) is printed too.
// 4. Scrub: one pass, cold (cache evicted) and warm, single thread, no rate
//    limit, against CRC32C over an in-memory buffer on one core.
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
#include <random>

#include "common/checksum.h"
#include "meta/meta_store.h"
#include "store/blob_store.h"

namespace fs = std::filesystem;
using namespace skyarray;

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

template <typename T>
T run_task(Task<T> task) {
  boost::asio::io_context io;
  std::optional<T> out;
  boost::asio::co_spawn(
      io, [&]() -> Task<void> { out.emplace(co_await std::move(task)); }, boost::asio::detached);
  io.run();
  return std::move(*out);
}

void die(const char* what, const Status& s) {
  std::fprintf(stderr, "rebuild_bench: %s: %s\n", what, s.to_string().c_str());
  std::exit(1);
}

void evict_cache(const std::string& dir) {
  std::error_code ec;
  for (auto& e : fs::recursive_directory_iterator(dir, ec)) {
    if (!e.is_regular_file()) continue;
    int fd = ::open(e.path().c_str(), O_RDONLY);
    if (fd < 0) continue;
    ::fdatasync(fd);
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    ::close(fd);
  }
}

// One fio job per directory, all running at once; returns aggregate MiB/s.
double run_fio(const std::vector<std::string>& dirs, const char* rw, uint64_t mib_each) {
  std::string cmd = "fio --rw=" + std::string(rw) +
                    " --bs=1M --ioengine=psync --end_fsync=1 --size=" + std::to_string(mib_each) +
                    "M";
  for (size_t i = 0; i < dirs.size(); ++i) {
    cmd += " --name=d" + std::to_string(i) + " --filename=" + dirs[i] + "/fio.dat";
  }
  cmd += " --output=/dev/null > /dev/null 2>&1";
  auto t = Clock::now();
  if (std::system(cmd.c_str()) != 0) return -1;
  return static_cast<double>(mib_each * dirs.size()) / seconds_since(t);
}

void write_data(BlobStore& store, MetaStore& meta, uint64_t mib, int replicas) {
  const size_t kObject = 64 << 20, kPiece = 4 << 20;
  std::mt19937_64 rng(1);
  std::string piece(kPiece, '\0');
  for (uint64_t done = 0; done < mib << 20; done += kObject) {
    WriteOptions wo;
    wo.replicas = replicas;
    wo.compute_md5 = false;
    auto w = store.new_writer(wo);
    auto r = run_task([&]() -> Task<Result<WrittenBlob>> {
      for (size_t off = 0; off < kObject; off += kPiece) {
        for (size_t i = 0; i < kPiece; i += 8) {
          uint64_t v = rng();
          std::memcpy(&piece[i], &v, 8);
        }
        SKY_CO_RETURN_IF_ERROR(co_await w->write(Buffer::copy_of(piece)));
      }
      co_return co_await w->finish();
    }());
    if (!r.is_ok()) die("write", r.status());
    MetaBatch b;
    if (Status s = store.stage_commit(&b, r->ref); !s.is_ok()) die("stage", s);
    if (Status s = meta.commit(std::move(b)); !s.is_ok()) die("commit", s);
  }
}

double crc32c_mib_per_second() {
  std::vector<uint8_t> buf(256 << 20, 0x5a);
  uint32_t crc = 0;
  auto t = Clock::now();
  for (int i = 0; i < 4; ++i) crc = crc32c(crc, buf.data(), buf.size());
  double s = seconds_since(t);
  if (crc == 1) std::printf(" ");  // keep the loop
  return 4.0 * 256 / s;
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir = "/tmp/skyarray-rebuild-bench";
  uint64_t mib = 2048;
  int drives = 6, replicas = 2, workers = 0;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&] { return i + 1 < argc ? std::strtoll(argv[++i], nullptr, 10) : 0; };
    if (a == "--dir" && i + 1 < argc) {
      dir = argv[++i];
    } else if (a == "--mib") {
      mib = static_cast<uint64_t>(next());
    } else if (a == "--drives") {
      drives = static_cast<int>(next());
    } else if (a == "--replicas") {
      replicas = static_cast<int>(next());
    } else if (a == "--workers") {
      workers = static_cast<int>(next());
    }
  }
  spdlog::set_level(spdlog::level::warn);
  fs::remove_all(dir);
  StoreOptions o;
  o.data_dir = dir;
  o.replicas = replicas;
  o.reserve = 0;
  o.background = false;
  o.rebuild_parallelism = workers;
  o.scrub_rate = 0;
  for (int i = 0; i < drives; ++i) {
    DriveConfig c;
    c.path = dir + "/bay" + std::to_string(i);
    c.label = {"node" + std::to_string(i), "e0", std::to_string(i)};
    o.drives.push_back(c);
  }
  auto meta = MetaStore::open(o.effective_meta_dir());
  if (!meta.is_ok()) die("meta", meta.status());
  auto store = BlobStore::open(o, meta->get());
  if (!store.is_ok()) die("store", store.status());

  auto t = Clock::now();
  write_data(**store, **meta, mib, replicas);
  std::printf("wrote %llu MiB x %d replicas over %d drives in %.1f s\n",
              static_cast<unsigned long long>(mib), replicas, drives, seconds_since(t));
  evict_cache(dir);

  // Rebuild after drive 0 fails.
  if (Status s = (*store)->set_drive_state(0, DriveState::kOffline); !s.is_ok()) die("fail", s);
  t = Clock::now();
  auto rebuilt = (*store)->rebuild_pass();
  double rebuild_s = seconds_since(t);
  if (!rebuilt.is_ok()) die("rebuild", rebuilt.status());
  RebuildProgress p = (*store)->rebuild_progress();
  double rebuilt_mib = p.bytes_rebuilt / 1048576.0;
  double rate = rebuilt_mib / rebuild_s;
  std::printf("rebuild: %llu chunks, %.0f MiB in %.2f s = %.0f MiB/s (%llu errors, %llu queued)\n",
              static_cast<unsigned long long>(*rebuilt), rebuilt_mib, rebuild_s, rate,
              static_cast<unsigned long long>(p.errors),
              static_cast<unsigned long long>(p.queued_chunks));

  // fio on the survivors, same sizes.
  std::vector<std::string> fio_dirs;
  for (int i = 1; i < drives; ++i) {
    fio_dirs.push_back(dir + "/bay" + std::to_string(i) + "/fio");
    fs::create_directories(fio_dirs.back());
  }
  uint64_t each = std::max<uint64_t>(64, static_cast<uint64_t>(rebuilt_mib) / fio_dirs.size());
  double fio_w = run_fio(fio_dirs, "write", each);
  for (const auto& d : fio_dirs) evict_cache(d);
  double fio_r = run_fio(fio_dirs, "read", each);
  for (const auto& d : fio_dirs) fs::remove_all(d);
  double bound = std::min(fio_r, fio_w);
  double shared = 1.0 / (1.0 / fio_r + 1.0 / fio_w);
  std::printf("fio on %zu survivors at once (%llu MiB each): read %.0f MiB/s, write %.0f MiB/s\n",
              fio_dirs.size(), static_cast<unsigned long long>(each), fio_r, fio_w);
  std::printf("rebuild vs bound min(read, write) = %.0f MiB/s: ratio %.2f\n", bound, rate / bound);
  std::printf("rebuild vs shared-disk bound 1/(1/read+1/write) = %.0f MiB/s: ratio %.2f\n", shared,
              rate / shared);

  // Scrub, one thread.
  double crc = crc32c_mib_per_second();
  evict_cache(dir);
  for (int pass = 0; pass < 2; ++pass) {
    t = Clock::now();
    auto sp = (*store)->scrub_pass();
    double s = seconds_since(t);
    if (!sp.is_ok()) die("scrub", sp.status());
    double smib = sp->pass_bytes_done / 1048576.0;
    std::printf(
        "scrub (%s cache): %.0f MiB verified in %.2f s = %.0f MiB/s on one thread; "
        "CRC32C %.0f MiB/s per core; ratio %.3f; findings %llu corrupt, %llu under-replicated\n",
        pass == 0 ? "cold" : "warm", smib, s, smib / s, crc, smib / s / crc,
        static_cast<unsigned long long>(sp->corrupt_blocks),
        static_cast<unsigned long long>(sp->under_replicated));
  }
  store->reset();
  meta->reset();
  fs::remove_all(dir);
  return 0;
}
