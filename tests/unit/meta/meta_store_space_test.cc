// The metadata volume's reserve: commits that would cross it are refused
// with kNoSpace before anything is written, deletes may use half of it.
// The reserve is set relative to the free space the test finds, so that the
// disk itself need not be full.
#include <gtest/gtest.h>

#include <filesystem>

#include "common/config.h"
#include "meta/meta_store.h"

namespace skyarray {
namespace {

constexpr uint64_t kGiB = 1ull << 30;

class MetaStoreSpaceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("meta_space_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    free_ = SpaceReserve(dir_.string(), 0).usage().free;
  }
  void TearDown() override {
    meta_.reset();
    std::filesystem::remove_all(dir_);
  }
  void open(uint64_t reserve) {
    MetaStoreOptions o;
    o.reserve_bytes = reserve;
    o.sync = false;
    auto m = MetaStore::open(dir_.string(), o);
    ASSERT_TRUE(m.is_ok()) << m.status().to_string();
    meta_ = std::move(*m);
  }
  Status put(const std::string& key, MetaAdmission admission = MetaAdmission::kGrowth) {
    MetaBatch b;
    b.set_admission(admission);
    b.put(MetaCf::kObjects, key, std::string(1000, 'x'));
    return meta_->commit(std::move(b));
  }

  std::filesystem::path dir_;
  uint64_t free_ = 0;
  std::unique_ptr<MetaStore> meta_;
};

TEST_F(MetaStoreSpaceTest, GrowthBelowTheReserveIsRefusedAndSaysWhatIsFull) {
  ASSERT_GT(free_, 2 * kGiB) << "the test needs 2 GiB free in " << dir_;
  // Free space is between half the reserve and the reserve.
  open(free_ + kGiB);
  Status s = put("a");
  ASSERT_EQ(s.code(), StatusCode::kNoSpace) << s.to_string();
  EXPECT_NE(s.message().find("the metadata volume is full"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("reserve"), std::string::npos) << s.message();
  EXPECT_EQ(s.message().find('/'), std::string::npos) << "no path: " << s.message();
  EXPECT_FALSE(meta_->get(MetaCf::kObjects, "a")->has_value());
  EXPECT_EQ(meta_->check_room(0).code(), StatusCode::kNoSpace);
  EXPECT_EQ(meta_->space().available, 0u);
  // A delete (or anything marked kRelease) may use half of the reserve.
  EXPECT_TRUE(put("b", MetaAdmission::kRelease).is_ok());
  EXPECT_TRUE(meta_->get(MetaCf::kObjects, "b")->has_value());
}

TEST_F(MetaStoreSpaceTest, NothingCommitsBelowHalfTheReserve) {
  open(4 * free_ + 4 * kGiB);
  EXPECT_EQ(put("a").code(), StatusCode::kNoSpace);
  Status s = put("b", MetaAdmission::kRelease);
  ASSERT_EQ(s.code(), StatusCode::kNoSpace);
  EXPECT_NE(s.message().find("half of"), std::string::npos) << s.message();
  // Reads go on.
  EXPECT_TRUE(meta_->get(MetaCf::kObjects, "a").is_ok());
}

TEST_F(MetaStoreSpaceTest, RoomAboveTheReserveAdmitsWrites) {
  ASSERT_GT(free_, 2 * kGiB) << "the test needs 2 GiB free in " << dir_;
  open(free_ / 4);
  EXPECT_TRUE(meta_->check_room(1 << 20).is_ok());
  EXPECT_TRUE(put("a").is_ok());
  EXPECT_GT(meta_->space().available, 0u);
  meta_.reset();
  open(0);  // no reserve at all
  EXPECT_TRUE(put("b").is_ok());
  EXPECT_FALSE(meta_->read_only());
}

TEST(MetaStoreOptionsTest, ReserveMustHoldTwoWriteBuffers) {
  auto parse = [](const std::string& text) {
    auto config = Config::parse(text, "test.toml");
    EXPECT_TRUE(config.is_ok()) << config.status().to_string();
    auto meta = config->root().section("meta");
    EXPECT_TRUE(meta.is_ok());
    return MetaStoreOptions::from_config(*meta);
  };
  auto ok = parse("[meta]\nwrite_buffer = \"8MiB\"\nreserve = \"16MiB\"\n");
  ASSERT_TRUE(ok.is_ok()) << ok.status().to_string();
  EXPECT_EQ(ok->reserve_bytes, 16ull << 20);
  EXPECT_EQ(parse("[meta]\n")->reserve_bytes, 1ull << 30);
  EXPECT_EQ(parse("[meta]\nreserve = 0\n")->reserve_bytes, 0u);
  auto small = parse("[meta]\nwrite_buffer = \"8MiB\"\nreserve = \"15MiB\"\n");
  ASSERT_FALSE(small.is_ok());
  EXPECT_NE(small.status().message().find("reserve"), std::string::npos);
}

}  // namespace
}  // namespace skyarray
