#include "meta/key_codec.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

namespace skyarray {
namespace {

std::string enc(std::string_view s) {
  return KeyCodec().add_string(s).key();
}

TEST(KeyCodecTest, StringOrderMatchesLogicalOrder) {
  std::vector<std::string> logical = {"",
                                      std::string("\0", 1),
                                      std::string("a"),
                                      std::string("a\0", 2),
                                      std::string("a\0b", 3),
                                      std::string("a\x01", 2),
                                      "ab",
                                      "b",
                                      "\xff"};
  for (size_t i = 0; i + 1 < logical.size(); ++i) {
    EXPECT_LT(enc(logical[i]), enc(logical[i + 1])) << i;
  }
}

TEST(KeyCodecTest, RandomStringsKeepOrderAndRoundTrip) {
  std::mt19937 rng(7);
  std::vector<std::string> v;
  for (int i = 0; i < 2000; ++i) {
    std::string s;
    int n = rng() % 6;
    for (int j = 0; j < n; ++j)
      s.push_back(
          static_cast<char>("\0\x01\xff"
                            "ab"[rng() % 5]));
    v.push_back(s);
  }
  std::vector<std::pair<std::string, std::string>> pairs;
  for (auto& s : v) pairs.emplace_back(KeyCodec().add_string(s).add_u64(5).key(), s);
  std::sort(pairs.begin(), pairs.end());
  for (size_t i = 0; i + 1 < pairs.size(); ++i) EXPECT_LE(pairs[i].second, pairs[i + 1].second);
  for (auto& [k, s] : pairs) {
    KeyReader r(k);
    std::string out;
    uint64_t n = 0;
    ASSERT_TRUE(r.read_string(&out));
    ASSERT_TRUE(r.read_u64(&n));
    EXPECT_EQ(out, s);
    EXPECT_EQ(n, 5u);
    EXPECT_TRUE(r.done());
  }
}

TEST(KeyCodecTest, InvertedVersionsSortNewestFirst) {
  std::string v1 = KeyCodec().add_string("b").add_string("k").add_inverted_u64(1).key();
  std::string v2 = KeyCodec().add_string("b").add_string("k").add_inverted_u64(2).key();
  std::string v300 = KeyCodec().add_string("b").add_string("k").add_inverted_u64(300).key();
  EXPECT_LT(v300, v2);
  EXPECT_LT(v2, v1);
  KeyReader r(v300);
  std::string s;
  uint64_t v = 0;
  ASSERT_TRUE(r.read_string(&s) && r.read_string(&s) && r.read_inverted_u64(&v));
  EXPECT_EQ(v, 300u);
}

TEST(KeyCodecTest, U64IsBigEndian) {
  EXPECT_LT(KeyCodec().add_u64(255).key(), KeyCodec().add_u64(256).key());
  EXPECT_EQ(KeyCodec().add_u64(0x0102).key(), std::string("\0\0\0\0\0\0\x01\x02", 8));
}

TEST(KeyCodecTest, StringPrefixMatchesKeysStartingWithIt) {
  std::string prefix = KeyCodec().add_string("bkt").add_string_prefix("photos/").key();
  std::string in = KeyCodec().add_string("bkt").add_string("photos/a").key();
  std::string exact = KeyCodec().add_string("bkt").add_string("photos/").key();
  std::string out = KeyCodec().add_string("bkt").add_string("photot").key();
  EXPECT_EQ(in.compare(0, prefix.size(), prefix), 0);
  EXPECT_EQ(exact.compare(0, prefix.size(), prefix), 0);
  EXPECT_NE(out.compare(0, prefix.size(), prefix), 0);
  std::string end = KeyCodec::prefix_end(prefix);
  EXPECT_LT(in, end);
  EXPECT_GE(out, end);
}

TEST(KeyCodecTest, PrefixEnd) {
  EXPECT_EQ(KeyCodec::prefix_end("ab"), "ac");
  EXPECT_EQ(KeyCodec::prefix_end("a\xff"), "b");
  EXPECT_EQ(KeyCodec::prefix_end("\xff\xff"), "");
}

TEST(KeyCodecTest, MalformedInputIsRejected) {
  std::string unterminated("abc", 3), bad_escape("a\0\x05", 3);
  KeyReader r(unterminated);
  std::string s;
  EXPECT_FALSE(r.read_string(&s));
  KeyReader r2(bad_escape);
  EXPECT_FALSE(r2.read_string(&s));
  KeyReader r3("1234");
  uint64_t v;
  EXPECT_FALSE(r3.read_u64(&v));
}

}  // namespace
}  // namespace skyarray
