// store_crash_test: kill -9 the storage engine at random points and check
// that no acknowledged byte is lost and nothing unacknowledged is half there.
//
// The same binary is the driver and the victim:
//   store_crash_test --iterations N --dir D       driver (default)
//   store_crash_test --writer I --dir D           one writer run (killed)
//
// Writer: 4 threads put/overwrite/delete objects over 40 keys through
// BlobStore + MetaStore exactly as a service does (blob written, then one
// batch with the object record, stage_commit of the new blob and
// stage_release of the old one). One operation per key at a time. Before an
// operation it appends "BEGIN <op> <key> <gen> <size>" to D/ops.log; after
// the commit it appends "ACK ..." and fsyncs the log. Object content is a
// function of (key, gen, size), so the verifier can regenerate it.
//
// Verifier (after every kill): opens the store (startup recovery runs), then
//   - every key's state is its last acknowledged one, or the complete result
//     of an operation begun after it (never anything else);
//   - every present object reads back byte-identical (CRC-verified reads);
//   - chunk reference counts equal the references held by object records,
//     every chunk file on disk has a record, every record has its files,
//     and no temp file is left: no orphan, no dangling reference.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include <spdlog/spdlog.h>
#include "drives/chunk_file.h"
#include "meta/key_codec.h"
#include "meta/meta_store.h"
#include "store/blob_store.h"

namespace fs = std::filesystem;
using namespace skyarray;

namespace {

constexpr int kKeys = 40;
constexpr int kThreads = 4;
const uint64_t kSizes[] = {0, 100, 4096, 5000, 70000, 300000, 1 << 20, (1 << 20) + 17, 3000000};

StoreOptions store_options(const std::string& dir, bool background) {
  StoreOptions o;
  o.data_dir = dir;
  o.chunk_size = 1 << 20;
  o.inline_threshold = 4096;
  o.replicas = 2;
  o.dev_drives = 3;
  o.reserve = 0;
  o.io_threads = 8;
  o.gc_interval_seconds = 0.05;
  o.checkpoint_interval_seconds = 0;
  o.background = background;
  return o;
}

std::string object_key(int k) {
  return KeyCodec().add_string("crash").add_string("k" + std::to_string(k)).key();
}

std::string content(int key, uint64_t gen, uint64_t size) {
  std::mt19937_64 rng(gen * 1000003 + static_cast<uint64_t>(key));
  std::string s(size, '\0');
  for (size_t i = 0; i < size; i += 8) {
    uint64_t v = rng();
    std::memcpy(&s[i], &v, std::min<size_t>(8, size - i));
  }
  return s;
}

// Object record: "<gen> <size>\n" + encoded BlobRef.
std::string encode_record(uint64_t gen, uint64_t size, const BlobRef& ref) {
  return std::to_string(gen) + " " + std::to_string(size) + "\n" + ref.encode();
}
bool decode_record(const std::string& v, uint64_t* gen, uint64_t* size, BlobRef* ref) {
  size_t nl = v.find('\n');
  if (nl == std::string::npos) return false;
  if (std::sscanf(v.substr(0, nl).c_str(), "%lu %lu", gen, size) != 2) return false;
  auto r = BlobRef::decode(std::string_view(v).substr(nl + 1));
  if (!r.is_ok()) return false;
  *ref = std::move(*r);
  return true;
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

class OpLog {
 public:
  explicit OpLog(const std::string& path) {
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  }
  void append(const std::string& line, bool sync) {
    std::lock_guard lock(mu_);
    if (::write(fd_, line.data(), line.size()) != static_cast<ssize_t>(line.size())) std::abort();
    if (sync && ::fdatasync(fd_) != 0) std::abort();
  }

 private:
  std::mutex mu_;
  int fd_;
};

int run_writer(const std::string& dir, uint64_t run) {
  spdlog::set_level(spdlog::level::warn);
  auto meta = MetaStore::open(dir + "/meta");
  if (!meta.is_ok()) return 2;
  auto store = BlobStore::open(store_options(dir, true), meta->get());
  if (!store.is_ok()) {
    std::fprintf(stderr, "writer open: %s\n", store.status().to_string().c_str());
    return 2;
  }
  OpLog log(dir + "/ops.log");
  std::mutex key_mu[kKeys];
  std::atomic<uint64_t> seq{0};
  auto worker = [&](int t) {
    std::mt19937_64 rng(run * 7919 + static_cast<uint64_t>(t));
    for (;;) {
      int key = static_cast<int>(rng() % kKeys);
      std::lock_guard lock(key_mu[key]);
      uint64_t gen = (run << 32) | seq.fetch_add(1);
      bool del = rng() % 5 == 0;
      uint64_t size = kSizes[rng() % std::size(kSizes)];
      std::string op = std::string(del ? "DEL" : "PUT") + " " + std::to_string(key) + " " +
                       std::to_string(gen) + " " + std::to_string(size) + "\n";
      log.append("BEGIN " + op, false);
      auto old = (*meta)->get(MetaCf::kObjects, object_key(key));
      if (!old.is_ok()) std::abort();
      MetaBatch batch;
      if (*old) {
        uint64_t og, os;
        BlobRef oref;
        if (!decode_record(**old, &og, &os, &oref)) std::abort();
        (*store)->stage_release(&batch, oref);
      }
      if (del) {
        batch.erase(MetaCf::kObjects, object_key(key));
      } else {
        std::string data = content(key, gen, size);
        auto w = (*store)->new_writer();
        auto written = run_task([&]() -> Task<Result<WrittenBlob>> {
          for (size_t off = 0; off < data.size(); off += 200000) {
            size_t n = std::min<size_t>(200000, data.size() - off);
            SKY_CO_RETURN_IF_ERROR(
                co_await w->write(Buffer::copy_of(std::string_view(data).substr(off, n))));
          }
          co_return co_await w->finish();
        }());
        if (!written.is_ok()) std::abort();
        batch.put(MetaCf::kObjects, object_key(key), encode_record(gen, size, written->ref));
        if (!(*store)->stage_commit(&batch, written->ref).is_ok()) std::abort();
      }
      if (!(*meta)->commit(std::move(batch)).is_ok()) std::abort();
      log.append("ACK " + op, true);
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) threads.emplace_back(worker, t);
  for (auto& t : threads) t.join();  // never: the driver kills us
  return 0;
}

struct KeyState {
  bool present = false;
  uint64_t gen = 0, size = 0;
};

// Allowed states per key from the log: the last ACK, or the result of an
// operation begun after it.
std::map<int, std::vector<KeyState>> allowed_states(const std::string& path) {
  std::map<int, KeyState> acked;
  // Operations begun after the key's last ACK: each may have committed
  // (killed between commit and ACK), so each result is a legal state.
  std::map<int, std::vector<KeyState>> begun;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ss(line);
    std::string kind, op;
    int key;
    uint64_t gen, size;
    if (!(ss >> kind >> op >> key >> gen >> size)) continue;  // torn last line
    KeyState st{op == "PUT", op == "PUT" ? gen : 0, op == "PUT" ? size : 0};
    if (kind == "BEGIN") {
      begun[key].push_back(st);
    } else if (kind == "ACK") {
      acked[key] = st;
      begun[key].clear();
    }
  }
  std::map<int, std::vector<KeyState>> out;
  for (int k = 0; k < kKeys; ++k) {
    out[k].push_back(acked[k]);
    for (const auto& b : begun[k]) out[k].push_back(b);
  }
  return out;
}

struct VerifyCounts {
  uint64_t objects = 0, bytes = 0, orphans_removed = 0;
};

Status verify(const std::string& dir, VerifyCounts* counts) {
  auto meta_r = MetaStore::open(dir + "/meta");
  if (!meta_r.is_ok()) return meta_r.status();
  auto& meta = *meta_r;
  auto store_r = BlobStore::open(store_options(dir, false), meta.get());
  if (!store_r.is_ok()) return store_r.status();
  auto& store = *store_r;
  counts->orphans_removed += store->stats().orphans_removed;

  auto allowed = allowed_states(dir + "/ops.log");
  std::map<uint64_t, int64_t> refs;  // chunk id -> references held by objects
  for (int k = 0; k < kKeys; ++k) {
    auto v = meta->get(MetaCf::kObjects, object_key(k));
    if (!v.is_ok()) return v.status();
    KeyState st;
    BlobRef ref;
    if (*v) {
      st.present = true;
      if (!decode_record(**v, &st.gen, &st.size, &ref)) return Status::corruption("bad record");
    }
    bool ok = false;
    for (const auto& a : allowed[k]) {
      ok |= a.present == st.present && a.gen == st.gen && (!a.present || a.size == st.size);
    }
    if (!ok) {
      return Status::corruption("key " + std::to_string(k) + " is in state gen " +
                                std::to_string(st.gen) + " present " + std::to_string(st.present) +
                                ", not an acknowledged one");
    }
    if (!st.present) continue;
    for (uint64_t id : ref.chunk_ids()) refs[id]++;
    auto data = run_task(store->read_all(ref));
    if (!data.is_ok()) return data.status().with_context("reading key " + std::to_string(k));
    if (*data != content(k, st.gen, st.size)) {
      return Status::corruption("key " + std::to_string(k) + " content differs");
    }
    counts->objects++;
    counts->bytes += data->size();
  }
  // Reference counts and records match the objects exactly.
  std::set<uint64_t> recorded;
  for (auto it = meta->scan_prefix(MetaCf::kChunks, "c"); it->valid(); it->next()) {
    KeyReader r(it->key());
    uint64_t id = 0;
    r.skip_raw("c");
    r.read_u64(&id);
    recorded.insert(id);
    auto n = meta->get_counter(MetaCf::kChunks, KeyCodec("r").add_u64(id).key());
    if (!n.is_ok() || *n != refs[id]) {
      return Status::corruption("chunk " + std::to_string(id) + " refcount " +
                                std::to_string(n.is_ok() ? *n : -1) + " but " +
                                std::to_string(refs[id]) + " references");
    }
  }
  for (const auto& [id, n] : refs) {
    if (!recorded.count(id)) return Status::corruption("dangling chunk " + std::to_string(id));
  }
  // Files on disk: exactly the recorded chunks' replicas; no temp files.
  std::map<uint64_t, int> files;
  for (auto& e : fs::recursive_directory_iterator(dir + "/drives")) {
    if (!e.is_regular_file()) continue;
    std::string parent = e.path().parent_path().filename().string();
    if (e.path().parent_path().filename() == "tmp") {
      return Status::corruption("temp file left: " + e.path().string());
    }
    uint64_t id;
    if (e.path().parent_path().parent_path().filename() == "chunks" &&
        ChunkFile::parse_name(e.path().filename().string(), &id)) {
      if (!recorded.count(id)) return Status::corruption("orphan file " + e.path().string());
      files[id]++;
    }
  }
  for (uint64_t id : recorded) {
    if (files[id] != 2) {
      return Status::corruption("chunk " + std::to_string(id) + " has " +
                                std::to_string(files[id]) + " replicas on disk");
    }
  }
  return Status();
}

int run_driver(const std::string& self, const std::string& dir, int iterations) {
  spdlog::set_level(spdlog::level::warn);
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::mt19937_64 rng(12345);
  VerifyCounts counts;
  auto start = std::chrono::steady_clock::now();
  const std::string ops_log = dir + "/ops.log";
  for (int i = 0; i < iterations; ++i) {
    std::error_code size_ec;
    uintmax_t logged_before = fs::file_size(ops_log, size_ec);
    if (size_ec) logged_before = 0;
    pid_t pid = ::fork();
    if (pid == 0) {
      ::execl(self.c_str(), self.c_str(), "--writer", std::to_string(i + 1).c_str(), "--dir",
              dir.c_str(), nullptr);
      _exit(127);
    }
    // Kill points spread from "during startup recovery" (every third
    // iteration: counted from the start) to "deep in writes" (counted from
    // the writer's first logged operation, so a slow start on a loaded
    // machine still leaves writes to interrupt).
    if (i % 3 != 0) {
      auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      while (std::chrono::steady_clock::now() < give_up) {
        uintmax_t now_logged = fs::file_size(ops_log, size_ec);
        if (!size_ec && now_logged > logged_before) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      }
    }
    int ms = (i % 3 == 0 ? 30 : 0) + static_cast<int>(rng() % 400);
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (!WIFSIGNALED(status)) {
      std::fprintf(stderr, "writer exited on its own (status %d) at iteration %d\n", status, i);
      return 1;
    }
    VerifyCounts c;
    Status s = verify(dir, &c);
    if (!s.is_ok()) {
      std::fprintf(stderr, "FAILED after kill %d (at %d ms): %s\n", i + 1, ms,
                   s.to_string().c_str());
      return 1;
    }
    counts.objects += c.objects;
    counts.bytes += c.bytes;
    counts.orphans_removed += c.orphans_removed;
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  size_t acks = 0;
  {
    std::ifstream in(dir + "/ops.log");
    std::string line;
    while (std::getline(in, line)) acks += line.rfind("ACK", 0) == 0;
  }
  if (acks < static_cast<size_t>(iterations)) {
    // Fewer acknowledged operations than kill points: most kills came before
    // any write, so the run proved little. Fail rather than pass vacuously.
    std::fprintf(stderr,
                 "store_crash_test: only %zu acknowledged operations over %d kill points: the "
                 "writers barely wrote (machine overloaded?); not a valid run\n",
                 acks, iterations);
    return 1;
  }
  std::printf(
      "store_crash_test: %d kill points, %zu acknowledged operations, %lu object reads verified "
      "(%.1f MiB), %lu orphan files removed by recovery, %.1f s: PASS\n",
      iterations, acks, counts.objects, counts.bytes / 1048576.0, counts.orphans_removed, secs);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir = "/tmp/store-crash";
  int iterations = 200;
  long writer = -1;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--dir")
      dir = argv[i + 1];
    else if (a == "--iterations")
      iterations = std::atoi(argv[i + 1]);
    else if (a == "--writer")
      writer = std::atol(argv[i + 1]);
  }
  if (writer >= 0) return run_writer(dir, static_cast<uint64_t>(writer));
  return run_driver(fs::canonical("/proc/self/exe").string(), dir, iterations);
}
