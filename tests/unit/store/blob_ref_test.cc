#include "store/blob_ref.h"

#include <gtest/gtest.h>

namespace skyarray {
namespace {

TEST(BlobRefTest, EncodeDecodeRoundTrip) {
  BlobRef r;
  r.append(BlobRef::Segment(ChunkExtent{1, 0, 100}));
  r.append(BlobRef::Segment(std::string("hello")));
  r.append(BlobRef::Segment(ChunkExtent{(1ull << 40) + 3, 1 << 20, 7}));
  auto d = BlobRef::decode(r.encode());
  ASSERT_TRUE(d.is_ok());
  EXPECT_EQ(*d, r);
  EXPECT_EQ(d->size(), 112u);
  EXPECT_EQ(BlobRef::decode(BlobRef().encode())->size(), 0u);
}

TEST(BlobRefTest, AppendMergesContiguousExtents) {
  BlobRef r;
  r.append(BlobRef::Segment(ChunkExtent{1, 0, 10}));
  r.append(BlobRef::Segment(ChunkExtent{1, 10, 10}));
  r.append(BlobRef::Segment(ChunkExtent{2, 0, 10}));
  EXPECT_EQ(r.segments().size(), 2u);
  EXPECT_EQ(r.chunk_ids(), (std::vector<uint64_t>{1, 2}));
}

TEST(BlobRefTest, SliceCutsExtentsAndInline) {
  BlobRef r;
  r.append(BlobRef::Segment(ChunkExtent{1, 0, 10}));
  r.append(BlobRef::Segment(std::string("abcdef")));
  r.append(BlobRef::Segment(ChunkExtent{2, 5, 10}));
  auto s = r.slice(8, 10);
  ASSERT_TRUE(s.is_ok());
  ASSERT_EQ(s->segments().size(), 3u);
  EXPECT_EQ(std::get<ChunkExtent>(s->segments()[0]), (ChunkExtent{1, 8, 2}));
  EXPECT_EQ(std::get<std::string>(s->segments()[1]), "abcdef");
  EXPECT_EQ(std::get<ChunkExtent>(s->segments()[2]), (ChunkExtent{2, 5, 2}));
  EXPECT_EQ(r.slice(26, 0)->size(), 0u);
  EXPECT_EQ(r.slice(20, 7).status().code(), StatusCode::kOutOfRange);
}

TEST(BlobRefTest, DecodeRejectsGarbage) {
  std::string good = BlobRef::inline_bytes("xyz").encode();
  EXPECT_FALSE(BlobRef::decode("").is_ok());
  EXPECT_FALSE(BlobRef::decode(std::string("\x02\x00", 2)).is_ok());
  EXPECT_FALSE(BlobRef::decode(good.substr(0, good.size() - 1)).is_ok());
  EXPECT_FALSE(BlobRef::decode(good + "x").is_ok());
  EXPECT_FALSE(
      BlobRef::decode(std::string("\x01\x01\x01\x01\x00\x00", 6)).is_ok());  // empty extent
  EXPECT_FALSE(BlobRef::decode(std::string("\x01\x01\x07", 3)).is_ok());
}

}  // namespace
}  // namespace skyarray
