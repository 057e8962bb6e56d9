// Metadata commit rate with the metadata journal, relative to RocksDB alone
// in the same run.
//
// Every acknowledged write is one MetaStore::commit(): a synced RocksDB
// WriteBatch, then (with the journal) an append + fdatasync on each journal
// copy. Small PUTs are bounded by this rate, so the journal must not collapse
// it: group commit lets concurrent commits share the syncs.
//
// Usage: meta_bench [dir = /tmp] [commits = 2000] [value bytes = 4096]
// Rows: threads 1 and 4; "rocksdb" = commit with no journal copy, "journal"
// = commit + 2 journal copies (directories under `dir`; on one disk here,
// so both copies share its sync cost). A commit is like a small inline PUT:
// an object record holding the bytes, two counter additions, a queue entry.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "meta/meta_store.h"

namespace skyarray {
namespace {

namespace fs = std::filesystem;

struct Result_ {
  double ops_per_second = 0;
  uint64_t syncs = 0;
};

Result_ run(const fs::path& root, bool journal, int threads, int commits, size_t value) {
  fs::remove_all(root);
  auto meta = std::move(MetaStore::open((root / "meta").string())).value();
  std::vector<std::string> dirs;
  if (journal) dirs = {(root / "j1").string(), (root / "j2").string()};
  // With no directory the journal stays empty: commits skip it.
  (void)meta->start_journal_segment(dirs);
  std::string body(value, 'x');
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (int i = t; i < commits; i += threads) {
        MetaBatch b;
        b.put(MetaCf::kObjects, "bucket/key-" + std::to_string(i), body);
        b.add(MetaCf::kCounters, "bucket/objects", 1);
        b.add(MetaCf::kCounters, "bucket/bytes", static_cast<int64_t>(value));
        b.put(MetaCf::kQueues, "up/" + std::to_string(i), "");
        if (!meta->commit(std::move(b)).is_ok()) std::abort();
      }
    });
  }
  for (auto& th : pool) th.join();
  std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  Result_ r;
  r.ops_per_second = commits / took.count();
  r.syncs = meta->journal_health().syncs;
  meta.reset();
  fs::remove_all(root);
  return r;
}

}  // namespace
}  // namespace skyarray

int main(int argc, char** argv) {
  using namespace skyarray;
  fs::path dir = argc > 1 ? argv[1] : "/tmp";
  int commits = argc > 2 ? std::atoi(argv[2]) : 2000;
  size_t value = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 4096;
  fs::path root = dir / ("meta_bench_" + std::to_string(::getpid()));
  std::printf("commits of %zu B values, %d per row, in %s\n", value, commits, dir.c_str());
  std::printf("%-8s %12s %12s %8s %14s\n", "threads", "rocksdb/s", "journal/s", "ratio",
              "journal syncs");
  for (int threads : {1, 4, 16}) {
    auto base = run(root, false, threads, commits, value);
    auto with = run(root, true, threads, commits, value);
    std::printf("%-8d %12.0f %12.0f %8.2f %14llu\n", threads, base.ops_per_second,
                with.ops_per_second, with.ops_per_second / base.ops_per_second,
                static_cast<unsigned long long>(with.syncs));
  }
  return 0;
}
