#include "common/config.h"

#include <gtest/gtest.h>

namespace skyarray {
namespace {

Config parse_ok(std::string_view text) {
  auto config = Config::parse(text, "test.toml");
  EXPECT_TRUE(config.is_ok()) << config.status().to_string();
  return std::move(config).value();
}

TEST(ConfigTest, ReadsTypedValuesAndKeepsDefaults) {
  Config config = parse_ok(R"(
name = "box-1"
[store]
replicas = 3
chunk_size = "8MiB"
inline = 65536
verify = true
interval = "5m"
)");
  std::string name;
  ASSERT_TRUE(config.root().read("name", &name).is_ok());
  EXPECT_EQ(name, "box-1");
  auto store = config.root().section("store");
  ASSERT_TRUE(store.is_ok());
  int64_t replicas = 1, absent = 42;
  uint64_t chunk = 0, inline_size = 0;
  bool verify = false;
  double interval = 0;
  ASSERT_TRUE(store->read("replicas", &replicas, 1, 16).is_ok());
  ASSERT_TRUE(store->read("absent", &absent, 0, 100).is_ok());
  ASSERT_TRUE(store->read_size("chunk_size", &chunk, 1, 1ull << 40).is_ok());
  ASSERT_TRUE(store->read_size("inline", &inline_size, 0, 1ull << 20).is_ok());
  ASSERT_TRUE(store->read("verify", &verify).is_ok());
  ASSERT_TRUE(store->read_seconds("interval", &interval, 0, 86400).is_ok());
  EXPECT_EQ(replicas, 3);
  EXPECT_EQ(absent, 42);
  EXPECT_EQ(chunk, 8u << 20);
  EXPECT_EQ(inline_size, 65536u);
  EXPECT_TRUE(verify);
  EXPECT_DOUBLE_EQ(interval, 300);
  EXPECT_TRUE(config.check_all_used().is_ok());
}

TEST(ConfigTest, UnknownKeyNamesKeyAndLine) {
  Config config = parse_ok("[store]\nreplicas = 3\nreplica = 2\n");
  auto store = config.root().section("store");
  int64_t replicas = 0;
  ASSERT_TRUE(store->read("replicas", &replicas, 1, 16).is_ok());
  Status s = config.check_all_used();
  ASSERT_FALSE(s.is_ok());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("test.toml:3"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("store.replica"), std::string::npos) << s.message();
}

TEST(ConfigTest, UnreadSectionIsUnknown) {
  Config config = parse_ok("[stor]\nreplicas = 3\n");
  Status s = config.check_all_used();
  ASSERT_FALSE(s.is_ok());
  EXPECT_NE(s.message().find("test.toml:1: stor: unknown key"), std::string::npos) << s.message();
}

TEST(ConfigTest, BadValueNamesKeyLineAndValue) {
  Config config = parse_ok("[store]\n\nreplicas = \"three\"\nsize = \"12 parsecs\"\nn = 99\n");
  auto store = config.root().section("store");
  int64_t replicas = 0;
  Status s = store->read("replicas", &replicas, 1, 16);
  ASSERT_FALSE(s.is_ok());
  EXPECT_NE(s.message().find("test.toml:3: store.replicas"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("\"three\""), std::string::npos) << s.message();
  uint64_t size = 0;
  s = store->read_size("size", &size, 0, 100);
  ASSERT_FALSE(s.is_ok());
  EXPECT_NE(s.message().find("test.toml:4: store.size"), std::string::npos) << s.message();
  int64_t n = 0;
  s = store->read("n", &n, 0, 10);
  ASSERT_FALSE(s.is_ok());
  EXPECT_NE(s.message().find("[0, 10]"), std::string::npos) << s.message();
  EXPECT_EQ(n, 0) << "a rejected value must not be stored";
}

TEST(ConfigTest, SyntaxErrorNamesLine) {
  auto config = Config::parse("a = 1\nb = \n", "broken.toml");
  ASSERT_FALSE(config.is_ok());
  EXPECT_NE(config.status().message().find("broken.toml:2"), std::string::npos)
      << config.status().message();
}

TEST(ConfigTest, ArrayOfTables) {
  Config config = parse_ok(R"(
[[drive]]
path = "/d0"
[[drive]]
path = "/d1"
typo = 1
)");
  auto drives = config.root().array("drive");
  ASSERT_TRUE(drives.is_ok());
  ASSERT_EQ(drives->size(), 2u);
  std::string p;
  ASSERT_TRUE((*drives)[1].read("path", &p).is_ok());
  EXPECT_EQ(p, "/d1");
  ASSERT_TRUE((*drives)[0].read("path", &p).is_ok());
  Status s = config.check_all_used();
  ASSERT_FALSE(s.is_ok());
  EXPECT_NE(s.message().find("drive[1].typo"), std::string::npos) << s.message();
}

TEST(ConfigTest, WrongShapeForSection) {
  Config config = parse_ok("store = 3\n");
  auto store = config.root().section("store");
  ASSERT_FALSE(store.is_ok());
  EXPECT_NE(store.status().message().find("store"), std::string::npos);
}

TEST(ConfigTest, MissingFileIsClearError) {
  auto config = Config::load("/nonexistent/skyarray.toml");
  ASSERT_FALSE(config.is_ok());
  EXPECT_EQ(config.status().code(), StatusCode::kNotFound);
  EXPECT_NE(config.status().message().find("/nonexistent/skyarray.toml"), std::string::npos);
}

}  // namespace
}  // namespace skyarray
