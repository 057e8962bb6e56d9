// Chunk file format: version 2 written and read with its owner, version 1
// still read, damaged headers refused, direct and buffered writes alike.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>

#include "common/buffer.h"
#include "common/checksum.h"
#include "drives/chunk_file.h"
#include "drives/drive.h"

namespace skyarray {
namespace {

class ChunkFormatTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (std::filesystem::temp_directory_path() /
            ("chunk_file_test_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name()))
               .string();
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    DriveConfig c;
    c.path = dir_;
    drive_ = std::make_unique<Drive>(0, c, 0);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static Buffer pattern(size_t n, uint8_t seed) {
    Buffer b(std::max<size_t>(n, 1));
    b.resize(n);
    for (size_t i = 0; i < n; ++i) b.data()[i] = static_cast<uint8_t>(i * 131 + seed);
    return b;
  }

  // A valid header's bytes with `edit` applied and the header CRC redone.
  static std::string resealed(std::string bytes, const std::function<void(uint8_t*)>& edit) {
    auto* p = reinterpret_cast<uint8_t*>(bytes.data());
    edit(p);
    uint32_t crc = crc32c(0, p, ChunkFile::kHeaderSize - 4);
    std::memcpy(p + ChunkFile::kHeaderSize - 4, &crc, 4);
    return bytes;
  }

  static Result<ChunkHeader> parse(const std::string& bytes) {
    return ChunkFile::parse_header(reinterpret_cast<const uint8_t*>(bytes.data()));
  }

  std::string dir_;
  std::unique_ptr<Drive> drive_;
};

ChunkOwner sample_owner() {
  ChunkOwner o;
  o.tag = std::string("bucket\0key/with\xff bytes", 22);
  o.index = 7;
  o.offset = 7ull << 23;
  return o;
}

TEST_F(ChunkFormatTest, Version2RoundTripsOwnerThroughAFile) {
  // 300001 bytes: a 4 KiB-aligned Buffer goes direct, its 993-byte tail
  // through the page cache.
  Buffer data = pattern(300001, 3);
  auto crcs = ChunkFile::block_crcs(data.data(), data.size());
  ASSERT_TRUE(ChunkFile::write(*drive_, 0x42, data.data(), data.size(), crcs, true, sample_owner())
                  .is_ok());
  auto h = ChunkFile::read_header(*drive_, 0x42);
  ASSERT_TRUE(h.is_ok()) << h.status().to_string();
  EXPECT_EQ(h->version, 2u);
  EXPECT_EQ(h->chunk_id, 0x42u);
  EXPECT_EQ(h->length, data.size());
  EXPECT_EQ(h->block_crcs, crcs);
  EXPECT_EQ(h->owner, sample_owner());
  Buffer back(data.size());
  back.resize(data.size());
  ASSERT_TRUE(ChunkFile::read(*drive_, 0x42, 0, data.size(), back.data()).is_ok());
  EXPECT_EQ(std::memcmp(back.data(), data.data(), data.size()), 0);
  EXPECT_EQ(std::filesystem::file_size(ChunkFile::path(*drive_, 0x42)),
            ChunkFile::file_size(data.size()));
  // Found elsewhere (lost+found/), the file still names its owner.
  std::filesystem::create_directories(dir_ + "/lost+found");
  std::filesystem::rename(ChunkFile::path(*drive_, 0x42), dir_ + "/lost+found/x");
  auto moved = ChunkFile::read_header_file(dir_ + "/lost+found/x");
  ASSERT_TRUE(moved.is_ok());
  EXPECT_EQ(moved->owner, sample_owner());
  EXPECT_TRUE(std::filesystem::is_empty(drive_->tmp_dir()));
}

TEST_F(ChunkFormatTest, UnalignedAndSmallDataGoThroughTheCache) {
  for (size_t n : {size_t{0}, size_t{1}, size_t{4095}, size_t{4096}, size_t{70000}}) {
    std::string data(n + 1, '\0');
    for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 7 + n);
    // data() + 1 is never 4 KiB-aligned.
    const auto* p = reinterpret_cast<const uint8_t*>(data.data()) + 1;
    auto crcs = ChunkFile::block_crcs(p, n);
    ASSERT_TRUE(ChunkFile::write(*drive_, 100 + n, p, n, crcs).is_ok()) << n;
    auto h = ChunkFile::read_header(*drive_, 100 + n);
    ASSERT_TRUE(h.is_ok()) << n;
    EXPECT_EQ(h->length, n);
    EXPECT_TRUE(h->owner.tag.empty());
    std::string back(n, '\0');
    ASSERT_TRUE(
        ChunkFile::read(*drive_, 100 + n, 0, n, reinterpret_cast<uint8_t*>(back.data())).is_ok());
    EXPECT_EQ(back, data.substr(1));
  }
}

TEST_F(ChunkFormatTest, Version1FilesStillRead) {
  // A version-1 header as the previous release wrote it: CRCs at 40.
  std::string v1(ChunkFile::kHeaderSize, '\0');
  auto* p = reinterpret_cast<uint8_t*>(v1.data());
  const uint32_t version = 1, header_size = 8192, block = 65536, count = 2;
  const uint64_t id = 0x1234, length = 65536 + 10;
  std::memcpy(p, "SKYCHUNK", 8);
  std::memcpy(p + 8, &version, 4);
  std::memcpy(p + 12, &header_size, 4);
  std::memcpy(p + 16, &id, 8);
  std::memcpy(p + 24, &length, 8);
  std::memcpy(p + 32, &block, 4);
  std::memcpy(p + 36, &count, 4);
  const uint32_t crcs[2] = {0xdeadbeef, 0x01020304};
  std::memcpy(p + 40, crcs, 8);
  v1 = resealed(v1, [](uint8_t*) {});
  auto h = parse(v1);
  ASSERT_TRUE(h.is_ok()) << h.status().to_string();
  EXPECT_EQ(h->version, 1u);
  EXPECT_EQ(h->chunk_id, id);
  EXPECT_EQ(h->length, length);
  EXPECT_EQ(h->block_crcs, std::vector<uint32_t>(crcs, crcs + 2));
  EXPECT_EQ(h->owner, ChunkOwner());

  // And through a file on a drive, data after it.
  std::filesystem::create_directories(
      std::filesystem::path(ChunkFile::path(*drive_, id)).parent_path());
  {
    std::ofstream f(ChunkFile::path(*drive_, id), std::ios::binary);
    f << v1 << std::string(length, 'd');
  }
  auto fh = ChunkFile::read_header(*drive_, id);
  ASSERT_TRUE(fh.is_ok());
  EXPECT_EQ(fh->version, 1u);
  char c = 0;
  ASSERT_TRUE(ChunkFile::read(*drive_, id, length - 1, 1, reinterpret_cast<uint8_t*>(&c)).is_ok());
  EXPECT_EQ(c, 'd');
}

TEST_F(ChunkFormatTest, DamagedHeadersAreRejected) {
  ChunkHeader h;
  h.chunk_id = 9;
  h.length = 3 * ChunkFile::kBlockSize;
  h.block_crcs = {1, 2, 3};
  h.owner = sample_owner();
  std::string good(ChunkFile::kHeaderSize, '\0');
  ASSERT_TRUE(ChunkFile::encode_header(h, reinterpret_cast<uint8_t*>(good.data())).is_ok());
  ASSERT_TRUE(parse(good).is_ok());

  // Any flipped bit fails the header CRC: in the owner tag, the CRCs, the
  // CRC itself.
  for (size_t at : {size_t{64 + 12 + 3}, size_t{68}, size_t{ChunkFile::kHeaderSize - 2}}) {
    std::string bad = good;
    bad[at] ^= 0x10;
    EXPECT_EQ(parse(bad).status().code(), StatusCode::kCorruption) << at;
  }
  std::string magic = good;
  magic[0] = 'X';
  EXPECT_EQ(parse(magic).status().code(), StatusCode::kCorruption);

  // Consistent CRC but impossible contents.
  auto put32 = [](size_t at, uint32_t v) {
    return [at, v](uint8_t* p) { std::memcpy(p + at, &v, 4); };
  };
  EXPECT_EQ(parse(resealed(good, put32(56, 2049))).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(parse(resealed(good, put32(56, 8000))).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(parse(resealed(good, put32(36, 4))).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(parse(resealed(good, put32(36, 100000))).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(parse(resealed(good, put32(12, 4096))).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(parse(resealed(good, put32(8, 3))).status().code(), StatusCode::kNotSupported);

  // A damaged file on a drive is refused too, with its path in the error.
  std::filesystem::create_directories(
      std::filesystem::path(ChunkFile::path(*drive_, 9)).parent_path());
  std::string flipped = good;
  flipped[100] ^= 1;
  std::ofstream(ChunkFile::path(*drive_, 9), std::ios::binary) << flipped;
  auto r = ChunkFile::read_header(*drive_, 9);
  EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
  EXPECT_NE(r.status().message().find(ChunkFile::path(*drive_, 9)), std::string::npos);
}

TEST_F(ChunkFormatTest, OwnerTagLimits) {
  // The largest chunk (64 MiB: 1024 CRCs) with the largest tag fits.
  ChunkHeader h;
  h.length = 64ull << 20;
  h.block_crcs.assign(1024, 0xabcdef01);
  h.owner.tag.assign(ChunkFile::kMaxOwnerSize, 'o');
  h.owner.index = UINT64_MAX;
  h.owner.offset = UINT64_MAX - 1;
  std::string bytes(ChunkFile::kHeaderSize, '\0');
  ASSERT_TRUE(ChunkFile::encode_header(h, reinterpret_cast<uint8_t*>(bytes.data())).is_ok());
  auto back = parse(bytes);
  ASSERT_TRUE(back.is_ok());
  EXPECT_EQ(back->owner, h.owner);
  EXPECT_EQ(back->block_crcs, h.block_crcs);

  // One byte more is refused, and a write leaves nothing behind.
  h.owner.tag.push_back('x');
  EXPECT_EQ(ChunkFile::encode_header(h, reinterpret_cast<uint8_t*>(bytes.data())).code(),
            StatusCode::kInvalidArgument);
  Buffer data = pattern(8192, 1);
  auto crcs = ChunkFile::block_crcs(data.data(), data.size());
  EXPECT_EQ(ChunkFile::write(*drive_, 5, data.data(), data.size(), crcs, true, h.owner).code(),
            StatusCode::kInvalidArgument);
  EXPECT_FALSE(std::filesystem::exists(ChunkFile::path(*drive_, 5)));
}

}  // namespace
}  // namespace skyarray
