// Chunks checked once and kept (store/verified_chunk_cache.h): later reads
// skip the check, but never past a changed file, a faulty drive, a removed
// chunk or the byte budget.
#include "store/verified_chunk_cache.h"

#include "drives/drive.h"
#include "store_test_util.h"

namespace skyarray {
namespace {

using testing::random_bytes;

class VerifiedChunkCacheTest : public testing::StoreFixture {
 protected:
  void SetUp() override {
    StoreFixture::SetUp();
    options_.replicas = 1;
  }

  // Writes and commits `data`.
  BlobRef put(const std::string& data) {
    auto w = write(data);
    EXPECT_TRUE(w.is_ok());
    EXPECT_TRUE(commit(w->ref).is_ok());
    return w->ref;
  }
  std::string get(const BlobRef& ref, uint64_t offset = 0, uint64_t len = UINT64_MAX) {
    size_t files = 0;
    auto got = read_pieces(ref, offset, len, &files);
    EXPECT_TRUE(got.is_ok()) << got.status().to_string();
    return got.is_ok() ? *got : std::string();
  }
};

TEST_F(VerifiedChunkCacheTest, SecondReadSkipsTheCheckAndReturnsTheSameBytes) {
  ASSERT_TRUE(open().is_ok());
  std::string data = random_bytes((3 << 20) + 777, 1);
  BlobRef ref = put(data);
  EXPECT_TRUE(get(ref) == data);
  StoreStats first = store_->stats();
  // Four chunk files (three of 1 MiB and the tail), kept whole.
  EXPECT_EQ(first.verified_cache_bytes, data.size() + 4 * 8192);
  EXPECT_TRUE(get(ref) == data);
  EXPECT_TRUE(get(ref, 70001, 1500000) == data.substr(70001, 1500000));
  StoreStats second = store_->stats();
  EXPECT_GE(second.verified_cache_hits, first.verified_cache_hits + 4);
  EXPECT_EQ(second.checksum_mismatches, 0u);
}

TEST_F(VerifiedChunkCacheTest, PartlyReadChunkChecksTheRestBeforeSendingIt) {
  ASSERT_TRUE(open().is_ok());
  std::string data = random_bytes(1 << 20, 2);
  BlobRef ref = put(data);
  EXPECT_TRUE(get(ref, 0, 65536) == data.substr(0, 65536));  // block 0 only
  uint64_t chunk = ref.chunk_ids()[0];
  // Damage block 5 on disk (through the file system, as any writer would):
  // the whole read must fail, not send the damaged block.
  flip_byte(replica_files(chunk)[0], 8192 + 5 * 65536 + 10);
  size_t files = 0;
  auto whole = read_pieces(ref, 0, UINT64_MAX, &files);
  EXPECT_FALSE(whole.is_ok());
  EXPECT_EQ(whole.status().code(), StatusCode::kCorruption);
  EXPECT_GE(store_->stats().checksum_mismatches, 1u);
}

TEST_F(VerifiedChunkCacheTest, ChangedFileIsCheckedAgain) {
  ASSERT_TRUE(open().is_ok());
  std::string data = random_bytes(1 << 20, 3);
  BlobRef ref = put(data);
  EXPECT_TRUE(get(ref) == data);
  EXPECT_TRUE(get(ref) == data);
  uint64_t hits = store_->stats().verified_cache_hits;
  EXPECT_GE(hits, 1u);
  // A byte of an already checked block changes: the kept pages now show
  // the new byte, so they must not be sent unchecked.
  flip_byte(replica_files(ref.chunk_ids()[0])[0], 8192 + 100);
  size_t files = 0;
  auto after = read_pieces(ref, 0, UINT64_MAX, &files);
  EXPECT_FALSE(after.is_ok());
  EXPECT_EQ(store_->stats().verified_cache_hits, hits);
  // Put the byte back: the chunk verifies again and is kept again.
  flip_byte(replica_files(ref.chunk_ids()[0])[0], 8192 + 100);
  EXPECT_TRUE(get(ref) == data);
  EXPECT_TRUE(get(ref) == data);
  EXPECT_GT(store_->stats().verified_cache_hits, hits);
}

TEST_F(VerifiedChunkCacheTest, FaultyDriveIsNotBypassed) {
  ASSERT_TRUE(open().is_ok());
  std::string data = random_bytes(1 << 20, 4);
  BlobRef ref = put(data);
  EXPECT_TRUE(get(ref) == data);
  for (Drive* d : store_->drives().drives()) d->inject_fault(DriveFault::kFailReads);
  size_t files = 0;
  auto r = read_pieces(ref, 0, UINT64_MAX, &files);
  EXPECT_FALSE(r.is_ok());
}

TEST_F(VerifiedChunkCacheTest, BudgetBoundsTheBytesKept) {
  options_.verified_cache = (2 << 20) + 3 * 8192;  // two 1 MiB chunk files
  ASSERT_TRUE(open().is_ok());
  std::string data = random_bytes(5 << 20, 5);
  BlobRef ref = put(data);
  EXPECT_TRUE(get(ref) == data);
  EXPECT_LE(store_->stats().verified_cache_bytes, options_.verified_cache);
  EXPECT_GT(store_->stats().verified_cache_bytes, 0u);
  EXPECT_TRUE(get(ref) == data);
  EXPECT_LE(store_->stats().verified_cache_bytes, options_.verified_cache);
}

TEST_F(VerifiedChunkCacheTest, CollectedChunksAreLetGo) {
  ASSERT_TRUE(open().is_ok());
  std::string data = random_bytes(2 << 20, 6);
  BlobRef ref = put(data);
  EXPECT_TRUE(get(ref) == data);
  EXPECT_GT(store_->stats().verified_cache_bytes, 0u);
  ASSERT_TRUE(release(ref).is_ok());
  ASSERT_TRUE(store_->collect_garbage().is_ok());
  EXPECT_EQ(store_->stats().verified_cache_bytes, 0u);
  EXPECT_EQ(chunk_files(), 0u);
}

}  // namespace
}  // namespace skyarray
