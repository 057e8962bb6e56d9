#include "common/utf8.h"

#include <gtest/gtest.h>

#include <string>

namespace skyarray {
namespace {

TEST(Utf8Test, AcceptsWellFormedText) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("plain ascii/key.dcm"));
  EXPECT_TRUE(is_valid_utf8("\xc3\xa9t\xc3\xa9"));     // été
  EXPECT_TRUE(is_valid_utf8("\xe2\x82\xac"));          // U+20AC
  EXPECT_TRUE(is_valid_utf8("\xf0\x9f\x98\x80"));      // U+1F600
  EXPECT_TRUE(is_valid_utf8("\xf4\x8f\xbf\xbf"));      // U+10FFFF
  EXPECT_TRUE(is_valid_utf8(std::string("a\0b", 3)));  // NUL is a character
}

TEST(Utf8Test, RefusesWhatAJsonParserRefuses) {
  for (std::string bad : {
           std::string("\xff"),
           std::string("\x80"),              // a continuation byte alone
           std::string("\xc3"),              // cut short
           std::string("\xe2\x82"),          // cut short
           std::string("\xc0\xaf"),          // overlong '/'
           std::string("\xe0\x80\xaf"),      // overlong '/'
           std::string("\xed\xa0\x80"),      // surrogate U+D800
           std::string("\xf4\x90\x80\x80"),  // past U+10FFFF
           std::string("\xc3\x28"),          // bad continuation
       }) {
    EXPECT_FALSE(is_valid_utf8(bad)) << testing::PrintToString(bad);
  }
}

}  // namespace
}  // namespace skyarray
