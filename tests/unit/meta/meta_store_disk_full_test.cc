// RocksDB on a file system that really fills up (a small tmpfs, mounted by
// the test: the tests run as root). The reserve refuses commits before
// RocksDB's log meets ENOSPC (RocksDB aborts on its next log write after
// one that failed); a flush that meets ENOSPC because something else
// filled the disk stops writes, not the process; writes come back once
// space is freed, and the database reopens on the full disk. A failed
// mount fails the test; it never skips.
#include <sys/mount.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include "meta/meta_store.h"

namespace skyarray {
namespace {

namespace fs = std::filesystem;

class MetaStoreDiskFullTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("meta_full_test_" + std::to_string(::getpid()));
    fs::create_directories(root_);
    ASSERT_EQ(::mount("tmpfs", root_.c_str(), "tmpfs", 0, "size=32m"), 0)
        << "cannot mount a 32 MiB tmpfs on " << root_
        << " (the test needs root): " << std::strerror(errno);
    mounted_ = true;
  }
  void TearDown() override {
    meta_.reset();
    if (mounted_) ::umount2(root_.c_str(), MNT_DETACH);
    fs::remove_all(root_);
  }
  void open() {
    MetaStoreOptions o;
    // Two write buffers and a compaction (level 1 is 4 write buffers).
    o.reserve_bytes = 12 << 20;
    o.write_buffer_bytes = 1 << 20;
    o.block_cache_bytes = 1 << 20;
    auto m = MetaStore::open((root_ / "db").string(), o);
    ASSERT_TRUE(m.is_ok()) << m.status().to_string();
    meta_ = std::move(*m);
  }
  Status put(int i) {
    MetaBatch b;
    b.put(MetaCf::kObjects, "k" + std::to_string(i), value(i));
    return meta_->commit(std::move(b));
  }
  static std::string value(int i) { return std::string(60000, static_cast<char>('a' + i % 26)); }
  // Writes zeros until ENOSPC or `limit` bytes.
  static void fill(const fs::path& path, uint64_t limit = UINT64_MAX) {
    std::ofstream f(path, std::ios::binary);
    std::string zeros(64 << 10, '\0');
    for (uint64_t n = 0; n < limit && f.write(zeros.data(), zeros.size()); n += zeros.size()) {
      f.flush();
    }
  }
  void expect_all_readable(int n) {
    for (int i = 0; i < n; ++i) {
      auto v = meta_->get(MetaCf::kObjects, "k" + std::to_string(i));
      ASSERT_TRUE(v.is_ok()) << v.status().to_string();
      ASSERT_TRUE(v->has_value()) << i;
      ASSERT_EQ(**v, value(i)) << i;
    }
  }

  fs::path root_;
  bool mounted_ = false;
  std::unique_ptr<MetaStore> meta_;
};

TEST_F(MetaStoreDiskFullTest, ReserveRefusesCommitsBeforeRocksDbMeetsEnospc) {
  open();
  int n = 0;
  Status s;
  for (; n < 1000; ++n) {
    s = put(n);
    if (!s.is_ok()) break;
  }
  ASSERT_EQ(s.code(), StatusCode::kNoSpace) << s.to_string() << " after " << n << " commits";
  EXPECT_NE(s.message().find("the metadata volume is full"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("reserve"), std::string::npos) << s.message();
  EXPECT_EQ(s.message().find('/'), std::string::npos) << "no path: " << s.message();
  ASSERT_GT(n, 20);
  // Refused with room to spare: RocksDB's own writes still fit.
  EXPECT_GT(meta_->space().free, 8u << 20);
  EXPECT_EQ(put(n).code(), StatusCode::kNoSpace);
  expect_all_readable(n);
  // A delete may use half the reserve.
  MetaBatch del;
  del.set_admission(MetaAdmission::kRelease);
  del.erase(MetaCf::kObjects, "k0");
  Status deleted = meta_->commit(std::move(del));
  ASSERT_TRUE(deleted.is_ok()) << deleted.to_string();
  EXPECT_FALSE(meta_->get(MetaCf::kObjects, "k0")->has_value());
}

TEST_F(MetaStoreDiskFullTest, FlushOutOfSpaceStopsWritesNotTheProcessAndWritesResume) {
  open();
  int n = 0;
  for (; n < 30; ++n) ASSERT_TRUE(put(n).is_ok());
  // Something else fills the disk; a flush (here forced by a checkpoint)
  // meets ENOSPC in the background.
  fill(root_ / "filler");
  auto cp = root_.parent_path() / ("meta_full_cp_" + std::to_string(::getpid()));
  Status flushed = meta_->checkpoint(cp.string());
  fs::remove_all(cp);
  EXPECT_FALSE(flushed.is_ok());
  Status s = put(n);
  ASSERT_EQ(s.code(), StatusCode::kNoSpace) << s.to_string();
  EXPECT_NE(s.message().find("the metadata volume is full"), std::string::npos) << s.message();
  expect_all_readable(n);

  // Space freed: commits work again, without reopening.
  fs::remove(root_ / "filler");
  Status again;
  for (int tries = 0; tries < 20; ++tries) {
    again = put(n);
    if (again.is_ok()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  ASSERT_TRUE(again.is_ok()) << again.to_string();
  ++n;
  expect_all_readable(n);

  // Filled to the last byte, the database still opens and serves reads.
  meta_.reset();
  fill(root_ / "filler");
  open();
  expect_all_readable(n);
  EXPECT_EQ(put(n).code(), StatusCode::kNoSpace);
  meta_.reset();
  fs::remove(root_ / "filler");
  open();
  EXPECT_FALSE(meta_->read_only());
  EXPECT_TRUE(put(n).is_ok());
  expect_all_readable(n + 1);
}

}  // namespace
}  // namespace skyarray
