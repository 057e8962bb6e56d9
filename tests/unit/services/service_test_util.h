// Test fixture for services: a real MetaStore + BlobStore in a temp dir, a
// Runtime for the blocking pool, and run() to drive a coroutine to the end.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <optional>
#include <random>

#include "common/runtime.h"
#include "meta/meta_store.h"
#include "services/objects/object_service.h"
#include "store/blob_store.h"

namespace skyarray::services::testing {

template <typename T>
T run(Task<T> task) {
  boost::asio::io_context io;
  std::optional<T> out;
  boost::asio::co_spawn(
      io, [&]() -> Task<void> { out.emplace(co_await std::move(task)); }, boost::asio::detached);
  io.run();
  return std::move(*out);
}

inline std::string random_bytes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>(rng());
  return s;
}

class ServiceFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() /
            ("services_test_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(root_);
    std::filesystem::create_directories(root_);
    options_.data_dir = root_.string();
    options_.chunk_size = 1 << 20;
    options_.inline_threshold = 4096;
    options_.reserve = 0;
    options_.replicas = 1;
    options_.dev_drives = 2;
    options_.background = false;
    options_.io_threads = 4;
    RuntimeOptions ro;
    ro.io_threads = 1;
    ro.blocking_threads = 4;
    rt_ = std::make_unique<Runtime>(ro);
    ASSERT_TRUE(open().is_ok());
  }
  void TearDown() override {
    service_.reset();
    store_.reset();
    meta_.reset();
    rt_.reset();
    std::filesystem::remove_all(root_);
  }

  Status open() {
    service_.reset();
    store_.reset();
    meta_.reset();
    auto m = MetaStore::open(options_.effective_meta_dir(), meta_options_);
    if (!m.is_ok()) return m.status();
    meta_ = std::move(*m);
    auto s = BlobStore::open(options_, meta_.get());
    if (!s.is_ok()) return s.status();
    store_ = std::move(*s);
    service_ = std::make_unique<ObjectService>(*rt_, *meta_, *store_);
    return Status();
  }

  Result<ObjectInfo> put(const Caller& c, const std::string& bucket, const std::string& key,
                         const std::string& data, PutOptions o = {}, size_t piece = 300000) {
    return run([&]() -> Task<Result<ObjectInfo>> {
      SKY_CO_ASSIGN_OR_RETURN(auto w, co_await service_->writes().put_object(c, bucket, key, o));
      for (size_t off = 0; off < data.size(); off += piece) {
        size_t n = std::min(piece, data.size() - off);
        SKY_CO_RETURN_IF_ERROR(
            co_await w->write(Buffer::copy_of(std::string_view(data).substr(off, n))));
      }
      co_return co_await w->commit();
    }());
  }

  Result<std::string> get(const Caller& c, const std::string& bucket, const std::string& key,
                          GetOptions o = {}) {
    return run([&]() -> Task<Result<std::string>> {
      SKY_CO_ASSIGN_OR_RETURN(auto r, co_await service_->reads().get_object(c, bucket, key, o));
      std::string out;
      for (;;) {
        SKY_CO_ASSIGN_OR_RETURN(Buffer b, co_await r->read(1 << 20));
        if (b.empty()) break;
        out.append(b.view());
      }
      co_return out;
    }());
  }

  Result<ObjectInfo> upload_part(const Caller& c, const std::string& bucket, const std::string& key,
                                 const std::string& id, uint32_t n, const std::string& data) {
    return run([&]() -> Task<Result<ObjectInfo>> {
      // Named, not `{}`: GCC 12.2 destroys temporaries of a co_await
      // expression twice (seen under valgrind).
      PutOptions none;
      SKY_CO_ASSIGN_OR_RETURN(
          auto w, co_await service_->multipart().upload_part(c, bucket, key, id, n, none));
      SKY_CO_RETURN_IF_ERROR(co_await w->write(Buffer::copy_of(data)));
      co_return co_await w->commit();
    }());
  }

  void make_bucket(const std::string& name, const Caller& c) {
    auto b = run(service_->buckets().create_bucket(c, name, {}));
    ASSERT_TRUE(b.is_ok()) << b.status().to_string();
  }

  std::filesystem::path root_;
  StoreOptions options_;
  MetaStoreOptions meta_options_;
  std::unique_ptr<Runtime> rt_;
  std::unique_ptr<MetaStore> meta_;
  std::unique_ptr<BlobStore> store_;
  std::unique_ptr<ObjectService> service_;
  Caller alice_{"alice"};
  Caller bob_{"bob"};
};

}  // namespace skyarray::services::testing
