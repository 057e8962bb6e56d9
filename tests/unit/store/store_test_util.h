// Helpers for store tests: a temp data dir, a store over it, and a way to
// run a coroutine to completion.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <set>

#include "meta/meta_store.h"
#include "store/blob_store.h"

namespace skyarray::testing {

template <typename T>
T run_task(Task<T> task) {
  boost::asio::io_context io;
  std::optional<T> out;
  boost::asio::co_spawn(
      io, [&]() -> Task<void> { out.emplace(co_await std::move(task)); }, boost::asio::detached);
  io.run();
  return std::move(*out);
}

inline void run_task(Task<void> task) {
  boost::asio::io_context io;
  boost::asio::co_spawn(io, std::move(task), boost::asio::detached);
  io.run();
}

inline std::string random_bytes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (size_t i = 0; i < n; i += 8) {
    uint64_t v = rng();
    std::memcpy(&s[i], &v, std::min<size_t>(8, n - i));
  }
  return s;
}

class StoreFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() /
            ("store_test_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(root_);
    options_.data_dir = root_.string();
    options_.chunk_size = 1 << 20;
    options_.inline_threshold = 4096;
    options_.reserve = 0;
    options_.replicas = 2;
    options_.dev_drives = 3;
    options_.background = false;
    options_.io_threads = 4;
  }
  void TearDown() override {
    store_.reset();
    meta_.reset();
    std::filesystem::remove_all(root_);
  }

  Status open() {
    store_.reset();
    meta_.reset();
    auto m = MetaStore::open(options_.effective_meta_dir());
    if (!m.is_ok()) return m.status();
    meta_ = std::move(*m);
    auto s = BlobStore::open(options_, meta_.get());
    if (!s.is_ok()) return s.status();
    store_ = std::move(*s);
    return Status();
  }

  // Writes `data` in pieces of `piece` bytes.
  Result<WrittenBlob> write(const std::string& data, size_t piece = 100000, WriteOptions wo = {}) {
    auto w = store_->new_writer(wo);
    return run_task([&]() -> Task<Result<WrittenBlob>> {
      for (size_t off = 0; off < data.size(); off += piece) {
        size_t n = std::min(piece, data.size() - off);
        SKY_CO_RETURN_IF_ERROR(
            co_await w->write(Buffer::copy_of(std::string_view(data).substr(off, n))));
      }
      co_return co_await w->finish();
    }());
  }

  Status commit(const BlobRef& ref) {
    MetaBatch b;
    SKY_RETURN_IF_ERROR(store_->stage_commit(&b, ref));
    return meta_->commit(std::move(b));
  }

  Status release(const BlobRef& ref) {
    MetaBatch b;
    store_->stage_release(&b, ref);
    return meta_->commit(std::move(b));
  }

  Result<std::string> read(const BlobRef& ref, uint64_t offset = 0, uint64_t len = UINT64_MAX,
                           size_t max = 1 << 20) {
    auto r = store_->new_reader(ref, offset, len);
    if (!r.is_ok()) return r.status();
    return run_task([&]() -> Task<Result<std::string>> {
      std::string out;
      for (;;) {
        auto b = co_await (*r)->read(max);
        if (!b.is_ok()) co_return b.status();
        if (b->empty()) break;
        out.append(b->view());
      }
      co_return out;
    }());
  }

  // Reads with read_piece(), as the HTTP server does; *files counts the
  // pieces that came as file ranges.
  Result<std::string> read_pieces(const BlobRef& ref, uint64_t offset, uint64_t len,
                                  size_t* files) {
    auto r = store_->new_reader(ref, offset, len);
    if (!r.is_ok()) return r.status();
    return run_task([&]() -> Task<Result<std::string>> {
      std::string out;
      for (;;) {
        auto p = co_await (*r)->read_piece(1 << 20);
        if (!p.is_ok()) co_return p.status();
        if (p->empty()) break;
        if (p->file) ++*files;
        auto bytes = std::move(*p).into_bytes();
        if (!bytes.is_ok()) co_return bytes.status();
        out.append(bytes->view());
      }
      co_return out;
    }());
  }

  // The files holding a chunk's replicas.
  std::vector<std::filesystem::path> replica_files(uint64_t chunk_id) {
    char name[17];
    std::snprintf(name, sizeof(name), "%016llx", static_cast<unsigned long long>(chunk_id));
    std::vector<std::filesystem::path> out;
    for (auto& e : std::filesystem::recursive_directory_iterator(root_ / "drives")) {
      if (e.path().filename() == name) out.push_back(e.path());
    }
    return out;
  }

  // Changes one byte of a file in place, through the file system.
  static void flip_byte(const std::filesystem::path& p, uint64_t offset) {
    int fd = ::open(p.c_str(), O_RDWR);
    ASSERT_GE(fd, 0);
    char c;
    ASSERT_EQ(::pread(fd, &c, 1, static_cast<off_t>(offset)), 1);
    c ^= 0x5A;
    ASSERT_EQ(::pwrite(fd, &c, 1, static_cast<off_t>(offset)), 1);
    ::close(fd);
  }

  // Number of chunk files across drives.
  size_t chunk_files() const {
    size_t n = 0;
    for (auto& e : std::filesystem::recursive_directory_iterator(root_ / "drives")) {
      if (e.is_regular_file() && e.path().parent_path().parent_path().filename() == "chunks") ++n;
    }
    return n;
  }

  std::filesystem::path root_;
  StoreOptions options_;
  std::unique_ptr<MetaStore> meta_;
  std::unique_ptr<BlobStore> store_;
};

}  // namespace skyarray::testing
