// A block that no replica serves is data loss: the read that meets it fails
// and records it at once (not only at the next scrub), naming the object
// through the store's ChunkOwnerNames; the entry survives a restart and
// goes when the chunk is collected.
#include "drives/chunk_file.h"
#include "store/chunk_owner_names.h"
#include "store_test_util.h"

namespace skyarray::testing {
namespace {

class TagNames final : public ChunkOwnerNames {
 public:
  std::string name(uint64_t, const ChunkOwner& owner) const override {
    return owner.tag.empty() ? "" : "object " + owner.tag;
  }
};

class DataLossTest : public StoreFixture {
 protected:
  void SetUp() override {
    StoreFixture::SetUp();
    ASSERT_TRUE(open().is_ok());
    store_->set_owner_names(std::make_shared<TagNames>());
    data_ = random_bytes((2 << 20) + 100, 21);  // 3 chunks
    WriteOptions wo;
    wo.owner = "pacs/scan.dcm";
    auto w = write(data_, 100000, wo);
    ASSERT_TRUE(w.is_ok() && commit(w->ref).is_ok());
    ref_ = w->ref;
    lost_id_ = ref_.chunk_ids()[1];
    auto files = replica_files(lost_id_);
    ASSERT_EQ(files.size(), 2u);
    // Block 3 of chunk 1, on both replicas.
    for (const auto& f : files) flip_byte(f, ChunkFile::kHeaderSize + 3 * 65536 + 5);
  }

  std::string data_;
  BlobRef ref_;
  uint64_t lost_id_ = 0;
};

TEST_F(DataLossTest, ReadRecordsTheLossAtOnceWithTheObjectName) {
  EXPECT_TRUE(store_->stats().lost.empty());
  auto got = read(ref_);
  ASSERT_EQ(got.status().code(), StatusCode::kCorruption);
  EXPECT_NE(got.status().message().find("object pacs/scan.dcm"), std::string::npos)
      << got.status().to_string();
  StoreStats s = store_->stats();
  EXPECT_EQ(s.data_loss_reads, 1u);
  ASSERT_EQ(s.lost.size(), 1u);
  EXPECT_EQ(s.lost[0].chunk_id, lost_id_);
  EXPECT_EQ(s.lost[0].object, "object pacs/scan.dcm");
  EXPECT_NE(s.lost[0].detail.find("block 3"), std::string::npos) << s.lost[0].detail;
  EXPECT_GT(s.lost[0].first_seen_ms, 0);
  EXPECT_EQ(s.lost[0].reads, 1u);

  // The bytes before the lost block still read; another read of it only
  // counts.
  auto head = read(ref_, 0, (1 << 20) + 3 * 65536);
  ASSERT_TRUE(head.is_ok()) << head.status().to_string();
  EXPECT_EQ(*head, data_.substr(0, (1 << 20) + 3 * 65536));
  EXPECT_FALSE(read(ref_).is_ok());
  s = store_->stats();
  EXPECT_EQ(s.data_loss_reads, 2u);
  ASSERT_EQ(s.lost.size(), 1u);
  EXPECT_EQ(s.lost[0].reads, 2u);

  // A restart keeps the entry.
  ASSERT_TRUE(open().is_ok());
  s = store_->stats();
  ASSERT_EQ(s.lost.size(), 1u);
  EXPECT_EQ(s.lost[0].object, "object pacs/scan.dcm");

  // Deleting the object collects the chunk, and the loss with it.
  ASSERT_TRUE(release(ref_).is_ok());
  ASSERT_TRUE(store_->collect_garbage().is_ok());
  EXPECT_TRUE(store_->stats().lost.empty());
  ASSERT_TRUE(open().is_ok());
  EXPECT_TRUE(store_->stats().lost.empty());
}

TEST_F(DataLossTest, ScrubRecordsAnUnrepairableChunk) {
  auto p = store_->scrub_pass();
  ASSERT_TRUE(p.is_ok());
  EXPECT_EQ(p->unrepairable_chunks, 1u);
  StoreStats s = store_->stats();
  EXPECT_EQ(s.data_loss_reads, 0u);
  ASSERT_EQ(s.lost.size(), 1u);
  EXPECT_EQ(s.lost[0].chunk_id, lost_id_);
  EXPECT_EQ(s.lost[0].object, "object pacs/scan.dcm");
  EXPECT_NE(s.lost[0].detail.find("block 3 has no good copy"), std::string::npos)
      << s.lost[0].detail;
}

}  // namespace
}  // namespace skyarray::testing
