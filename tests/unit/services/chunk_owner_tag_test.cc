// Chunk files of objects and parts carry a ChunkOwnerTag naming them.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

#include "drives/chunk_file.h"
#include "service_test_util.h"
#include "services/objects/chunk_owner_tag.h"
#include "services/objects/object_chunk_names.h"

namespace skyarray::services::testing {
namespace {

class ChunkOwnerTagTest : public ServiceFixture {
 protected:
  // Every chunk file's header, by owner index, for files whose tag decodes
  // to bucket/key (and upload/part).
  std::map<uint64_t, std::pair<ChunkHeader, ChunkOwnerTag>> chunks_of(
      const std::string& bucket, const std::string& key, const std::string& upload = "",
      uint32_t part = 0) {
    std::map<uint64_t, std::pair<ChunkHeader, ChunkOwnerTag>> out;
    for (auto& e : std::filesystem::recursive_directory_iterator(root_ / "drives")) {
      uint64_t id = 0;
      if (!e.is_regular_file() || !ChunkFile::parse_name(e.path().filename().string(), &id)) {
        continue;
      }
      auto h = ChunkFile::read_header_file(e.path().string());
      EXPECT_TRUE(h.is_ok()) << e.path();
      if (!h.is_ok()) continue;
      auto tag = ChunkOwnerTag::decode(h->owner.tag);
      EXPECT_TRUE(tag.is_ok()) << e.path();
      if (tag.is_ok() && tag->bucket == bucket && tag->key == key && tag->upload_id == upload &&
          tag->part_number == part) {
        out[h->owner.index] = {std::move(*h), std::move(*tag)};
      }
    }
    return out;
  }

  static uint64_t wall_ns() {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
  }
};

TEST_F(ChunkOwnerTagTest, EncodesAndRefusesMalformedTags) {
  ChunkOwnerTag t{"bucket", std::string("k\0e\xffy", 5), 1234567890123456789ull, "upload-1", 7};
  auto back = ChunkOwnerTag::decode(t.encode());
  ASSERT_TRUE(back.is_ok());
  EXPECT_EQ(*back, t);
  // The largest bucket and key, with an upload id, fit a chunk header.
  ChunkOwnerTag big{std::string(63, 'b'), std::string(1024, 'k'), UINT64_MAX, std::string(24, 'u'),
                    10000};
  EXPECT_LE(big.encode().size(), ChunkFile::kMaxOwnerSize);
  EXPECT_EQ(*ChunkOwnerTag::decode(big.encode()), big);

  std::string enc = t.encode();
  EXPECT_EQ(ChunkOwnerTag::decode(enc.substr(0, enc.size() - 1)).status().code(),
            StatusCode::kCorruption);
  EXPECT_EQ(ChunkOwnerTag::decode(enc + "x").status().code(), StatusCode::kCorruption);
  EXPECT_EQ(ChunkOwnerTag::decode("").status().code(), StatusCode::kCorruption);
  std::string v2 = enc;
  v2[0] = 2;
  EXPECT_EQ(ChunkOwnerTag::decode(v2).status().code(), StatusCode::kCorruption);
}

TEST_F(ChunkOwnerTagTest, ObjectAndPartChunksNameTheirOwner) {
  make_bucket("owned", alice_);
  const uint64_t before = wall_ns();
  std::string data = random_bytes((2 << 20) + 500, 3);  // 3 chunks of 1 MiB
  auto put_r = put(alice_, "owned", "dir/obj.bin", data);
  ASSERT_TRUE(put_r.is_ok()) << put_r.status().to_string();
  const uint64_t after = wall_ns();
  auto chunks = chunks_of("owned", "dir/obj.bin");
  ASSERT_EQ(chunks.size(), 3u);
  for (const auto& [index, hc] : chunks) {
    const auto& [h, tag] = hc;
    EXPECT_EQ(h.owner.offset, index << 20);
    EXPECT_GE(tag.write_ns, before);
    EXPECT_LE(tag.write_ns, after);
  }

  PutOptions po;
  auto up = run(service_->multipart().create_multipart_upload(alice_, "owned", "mp.bin", po));
  ASSERT_TRUE(up.is_ok());
  ASSERT_TRUE(
      upload_part(alice_, "owned", "mp.bin", up->upload_id, 2, random_bytes(1 << 20, 4)).is_ok());
  auto part = chunks_of("owned", "mp.bin", up->upload_id, 2);
  ASSERT_EQ(part.size(), 1u);
  EXPECT_EQ(part.begin()->second.first.length, 1u << 20);
}

// The store names objects, not only chunks, in its data-loss and repair
// messages through the names the object service gives it.
TEST_F(ChunkOwnerTagTest, ChunksAreNamedByTheirVersionOrPart) {
  make_bucket("owned", alice_);
  auto put_r = put(alice_, "owned", "dir/obj.bin", random_bytes((1 << 20) + 10, 5));
  ASSERT_TRUE(put_r.is_ok()) << put_r.status().to_string();
  ObjectChunkNames names(*meta_);
  auto chunks = chunks_of("owned", "dir/obj.bin");
  ASSERT_EQ(chunks.size(), 2u);
  for (const auto& [index, hc] : chunks) {
    EXPECT_EQ(names.name(hc.first.chunk_id, hc.first.owner),
              "owned/dir/obj.bin version " + put_r->version_id);
  }

  PutOptions po;
  auto up = run(service_->multipart().create_multipart_upload(alice_, "owned", "mp\nbin", po));
  ASSERT_TRUE(up.is_ok());
  ASSERT_TRUE(
      upload_part(alice_, "owned", "mp\nbin", up->upload_id, 3, random_bytes(1 << 20, 6)).is_ok());
  auto part = chunks_of("owned", "mp\nbin", up->upload_id, 3);
  ASSERT_EQ(part.size(), 1u);
  const ChunkHeader& h = part.begin()->second.first;
  EXPECT_EQ(names.name(h.chunk_id, h.owner),
            "owned/mp\\x0abin upload " + up->upload_id + " part 3");

  // A chunk no stored version lists any more, and a tag that is not ours.
  const auto& first = chunks.begin()->second.first;
  EXPECT_NE(names.name(first.chunk_id + 1000, first.owner)
                .find("owned/dir/obj.bin (no stored version holds it; written 20"),
            std::string::npos);
  EXPECT_EQ(names.name(first.chunk_id, ChunkOwner{"not a tag", 0, 0}), "");
}

// A block bad on every replica fails the read at once, and the store's
// health report names the object the lost chunk belongs to.
TEST_F(ChunkOwnerTagTest, DataLossIsReportedWithTheObjectName) {
  make_bucket("owned", alice_);
  std::string data = random_bytes((1 << 20) + 10, 7);
  auto put_r = put(alice_, "owned", "scan.dcm", data);
  ASSERT_TRUE(put_r.is_ok());
  auto chunks = chunks_of("owned", "scan.dcm");
  const uint64_t id = chunks.at(1).first.chunk_id;
  char name[17];
  std::snprintf(name, sizeof(name), "%016llx", static_cast<unsigned long long>(id));
  int damaged = 0;
  for (auto& e : std::filesystem::recursive_directory_iterator(root_ / "drives")) {
    if (e.path().filename() != name) continue;
    std::fstream f(e.path(), std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(8192 + 3);
    char c = static_cast<char>(f.get() ^ 0x5A);
    f.seekp(8192 + 3);
    f.put(c);
    ++damaged;
  }
  ASSERT_GE(damaged, 1);  // every replica the fixture writes
  auto got = get(alice_, "owned", "scan.dcm");
  ASSERT_EQ(got.status().code(), StatusCode::kCorruption);
  const std::string object = "owned/scan.dcm version " + put_r->version_id;
  EXPECT_NE(got.status().message().find(object), std::string::npos) << got.status().to_string();
  StoreStats stats = store_->stats();
  EXPECT_EQ(stats.data_loss_reads, 1u);
  ASSERT_EQ(stats.lost.size(), 1u);
  EXPECT_EQ(stats.lost[0].chunk_id, id);
  EXPECT_EQ(stats.lost[0].object, object);
  EXPECT_NE(stats.lost[0].detail.find("block 0"), std::string::npos) << stats.lost[0].detail;
}

}  // namespace
}  // namespace skyarray::services::testing
