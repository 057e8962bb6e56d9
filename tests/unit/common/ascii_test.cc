#include "common/ascii.h"

#include <gtest/gtest.h>

#include "common/time.h"

namespace skyarray {
namespace {

TEST(AsciiTest, LowerTouchesOnlyAsciiLetters) {
  EXPECT_EQ(ascii_lower("X-Amz-Date"), "x-amz-date");
  EXPECT_EQ(ascii_lower("\xC3\x89T\xC3\xA9"), "\xC3\x89t\xC3\xA9");  // UTF-8 bytes unchanged
  EXPECT_EQ(ascii_lower('@'), '@');
  EXPECT_EQ(ascii_lower('['), '[');
}

TEST(AsciiTest, IequalsAndPrefix) {
  EXPECT_TRUE(iequals("Content-Length", "content-length"));
  EXPECT_FALSE(iequals("content-length", "content-lengt"));
  EXPECT_FALSE(iequals("a", "b"));
  EXPECT_TRUE(istarts_with("X-AMZ-Meta-Foo", "x-amz-"));
  EXPECT_FALSE(istarts_with("x-am", "x-amz-"));
}

TEST(AsciiTest, TrimRemovesOnlyTheGivenBytesAtTheEnds) {
  EXPECT_EQ(trim(" \t a b \t"), "a b");
  EXPECT_EQ(trim("\r\n a \n"), "\r\n a \n");
  EXPECT_EQ(trim("\r\n a \n", " \r\n"), "a");
  EXPECT_EQ(trim("   "), "");
  EXPECT_EQ(trim(""), "");
}

TEST(AsciiTest, ParseU64AcceptsDigitsOnly) {
  EXPECT_EQ(parse_u64("0"), 0u);
  EXPECT_EQ(parse_u64("18446744073709551615"), UINT64_MAX);
  EXPECT_FALSE(parse_u64("18446744073709551616"));
  EXPECT_FALSE(parse_u64(""));
  EXPECT_FALSE(parse_u64("-1"));
  EXPECT_FALSE(parse_u64("+1"));
  EXPECT_FALSE(parse_u64(" 1"));
  EXPECT_FALSE(parse_u64("1 "));
  EXPECT_FALSE(parse_u64("0x10"));
}

TEST(TimeTest, NanosecondsRoundTrip) {
  Timestamp t = from_ns(1'796'000'000'123'456'789);
  EXPECT_EQ(to_ns(t), 1'796'000'000'123'456'789);
  EXPECT_EQ(to_ns(from_ns(-5)), -5);
}

}  // namespace
}  // namespace skyarray
