#include "meta/meta_store.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "meta/key_codec.h"

namespace skyarray {
namespace {

class MetaStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("meta_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    auto m = MetaStore::open(dir_.string());
    ASSERT_TRUE(m.is_ok()) << m.status().to_string();
    meta_ = std::move(*m);
  }
  void TearDown() override {
    meta_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::filesystem::path dir_;
  std::unique_ptr<MetaStore> meta_;
};

TEST_F(MetaStoreTest, BatchIsAtomicAndSurvivesReopen) {
  MetaBatch b;
  b.put(MetaCf::kObjects, "k1", "v1");
  b.put(MetaCf::kBuckets, "k1", "bucket");
  b.add(MetaCf::kCounters, "size", 10);
  ASSERT_TRUE(meta_->commit(std::move(b)).is_ok());
  MetaBatch b2;
  b2.erase(MetaCf::kObjects, "k1");
  b2.add(MetaCf::kCounters, "size", -3);
  ASSERT_TRUE(meta_->commit(std::move(b2)).is_ok());
  meta_.reset();
  meta_ = std::move(MetaStore::open(dir_.string())).value();
  EXPECT_FALSE(meta_->get(MetaCf::kObjects, "k1")->has_value());
  EXPECT_EQ(**meta_->get(MetaCf::kBuckets, "k1"), "bucket");
  EXPECT_EQ(*meta_->get_counter(MetaCf::kCounters, "size"), 7);
  EXPECT_EQ(*meta_->get_counter(MetaCf::kCounters, "absent"), 0);
}

TEST_F(MetaStoreTest, FamiliesAreSeparate) {
  MetaBatch b;
  b.put(MetaCf::kUsers, "x", "user");
  ASSERT_TRUE(meta_->commit(std::move(b)).is_ok());
  EXPECT_FALSE(meta_->get(MetaCf::kObjects, "x")->has_value());
  EXPECT_EQ(meta_cf_name(MetaCf::kUploads), "uploads");
}

TEST_F(MetaStoreTest, PrefixScanWithSeekAndBounds) {
  MetaBatch b;
  for (int i = 0; i < 100; ++i) {
    b.put(MetaCf::kObjects, KeyCodec().add_string("b1").add_string("k" + std::to_string(i)).key(),
          std::to_string(i));
  }
  b.put(MetaCf::kObjects, KeyCodec().add_string("b0").add_string("zz").key(), "other");
  b.put(MetaCf::kObjects, KeyCodec().add_string("b2").add_string("aa").key(), "other");
  ASSERT_TRUE(meta_->commit(std::move(b)).is_ok());

  auto it = meta_->scan_prefix(MetaCf::kObjects, KeyCodec().add_string("b1").key());
  int n = 0;
  for (; it->valid(); it->next()) ++n;
  EXPECT_TRUE(it->status().is_ok());
  EXPECT_EQ(n, 100);

  // start-after: seek then skip, as a listing does.
  it = meta_->scan_prefix(MetaCf::kObjects,
                          KeyCodec().add_string("b1").add_string_prefix("k9").key());
  std::vector<std::string> keys;
  for (; it->valid(); it->next()) keys.emplace_back(it->value());
  EXPECT_EQ(keys.size(), 11u);  // k9, k90..k99
  it->seek(KeyCodec().add_string("b1").add_string("k95").key());
  ASSERT_TRUE(it->valid());
  EXPECT_EQ(it->value(), "95");
  it->seek("");  // below lower bound: clamps to it
  ASSERT_TRUE(it->valid());
  EXPECT_EQ(it->value(), "9");
}

TEST_F(MetaStoreTest, CheckpointOpensWithCommittedState) {
  MetaBatch b;
  b.put(MetaCf::kChunks, "c", "1");
  ASSERT_TRUE(meta_->commit(std::move(b)).is_ok());
  auto cp = dir_.string() + "_cp";
  std::filesystem::remove_all(cp);
  ASSERT_TRUE(meta_->checkpoint(cp).is_ok());
  MetaBatch b2;
  b2.put(MetaCf::kChunks, "c", "2");
  ASSERT_TRUE(meta_->commit(std::move(b2)).is_ok());
  auto copy = MetaStore::open(cp);
  ASSERT_TRUE(copy.is_ok());
  EXPECT_EQ(**(*copy)->get(MetaCf::kChunks, "c"), "1");
  copy->reset();
  std::filesystem::remove_all(cp);
}

}  // namespace
}  // namespace skyarray
