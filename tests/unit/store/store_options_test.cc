#include "store/store_options.h"

#include <gtest/gtest.h>

#include "common/config.h"

namespace skyarray {
namespace {

Result<StoreOptions> parse(std::string_view text) {
  auto config = Config::parse(text, "test.toml");
  if (!config.is_ok()) return config.status();
  auto root = config->root();
  auto store = root.section("store");
  auto drives = root.array("drive");
  if (!store.is_ok()) return store.status();
  if (!drives.is_ok()) return drives.status();
  return StoreOptions::from_config(*store, *drives, "/data");
}

TEST(StoreOptionsTest, VerifiedCacheDefaultsToAtMostOneGiBAndCanBeOff) {
  auto d = parse("[store]\n");
  ASSERT_TRUE(d.is_ok()) << d.status().to_string();
  EXPECT_EQ(d->verified_cache, StoreOptions::default_verified_cache());
  EXPECT_LE(d->verified_cache, 1ull << 30);
  EXPECT_GT(d->verified_cache, 0u);
  auto off = parse("[store]\nverified_cache = \"0\"\n");
  ASSERT_TRUE(off.is_ok()) << off.status().to_string();
  EXPECT_EQ(off->verified_cache, 0u);
  auto set = parse("[store]\nverified_cache = \"256MiB\"\n");
  ASSERT_TRUE(set.is_ok()) << set.status().to_string();
  EXPECT_EQ(set->verified_cache, 256ull << 20);
  EXPECT_FALSE(parse("[store]\nverified_cache = \"lots\"\n").is_ok());
}

TEST(StoreOptionsTest, ReadsStoreAndDrives) {
  auto o = parse(R"(
[store]
replicas = 2
chunk_size = "16MiB"
inline_threshold = "32KiB"
reserve = "10GiB"

[[drive]]
path = "/srv/bay01"
label = "node1/enc1/01"
weight = 2.0

[[drive]]
path = "/srv/bay02"
label = "node1/enc2/02"
capacity = "1TiB"
)");
  ASSERT_TRUE(o.is_ok()) << o.status().to_string();
  EXPECT_EQ(o->replicas, 2);
  EXPECT_EQ(o->chunk_size, 16u << 20);
  EXPECT_EQ(o->inline_threshold, 32u << 10);
  EXPECT_EQ(o->reserve, 10ull << 30);
  ASSERT_EQ(o->drives.size(), 2u);
  EXPECT_EQ(o->drives[0].label.node, "node1");
  EXPECT_EQ(o->drives[0].weight, 2.0);
  EXPECT_EQ(o->drives[1].label.enclosure, "enc2");
  EXPECT_EQ(o->drives[1].capacity, 1ull << 40);
  EXPECT_EQ(o->effective_meta_dir(), "/data/meta");
}

TEST(StoreOptionsTest, DevelopmentLayoutWithoutDrives) {
  auto o = parse("[store]\ndev_drives = 4\n");
  ASSERT_TRUE(o.is_ok());
  auto drives = o->effective_drives();
  ASSERT_EQ(drives.size(), 4u);
  EXPECT_EQ(drives[3].path, "/data/drives/d3");
}

TEST(StoreOptionsTest, RejectsBadValues) {
  EXPECT_FALSE(parse("[store]\nreplicas = 0\n").is_ok());
  EXPECT_FALSE(parse("[store]\nchunk_size = \"100KiB\"\n").is_ok());
  EXPECT_FALSE(parse("[store]\nchunk_size = \"1MiB\"\ninline_threshold = \"1MiB\"\n").is_ok());
  EXPECT_FALSE(parse("[[drive]]\nlabel = \"a/b/c\"\n").is_ok());  // no path
  EXPECT_FALSE(parse("[[drive]]\npath = \"/a\"\nlabel = \"a/b/c/d\"\n").is_ok());
  EXPECT_FALSE(parse("[[drive]]\npath = \"/a\"\n[[drive]]\npath = \"/a\"\n").is_ok());
}

}  // namespace
}  // namespace skyarray
