#include "common/status.h"

#include <gtest/gtest.h>

#include <cerrno>

#include "common/buffer.h"

namespace skyarray {
namespace {

Result<int> half(int x) {
  if (x % 2 != 0) return Status::invalid_argument("odd: " + std::to_string(x));
  return x / 2;
}

Status quarter(int x, int* out) {
  SKY_ASSIGN_OR_RETURN(int h, half(x));
  SKY_ASSIGN_OR_RETURN(*out, half(h));
  return Status::ok();
}

TEST(StatusTest, OkAndErrors) {
  EXPECT_TRUE(Status().is_ok());
  Status s = Status::not_found("bucket 'x'");
  EXPECT_FALSE(s.is_ok());
  EXPECT_EQ(s.to_string(), "NotFound: bucket 'x'");
  EXPECT_EQ(s.with_context("listing").to_string(), "NotFound: listing: bucket 'x'");
  EXPECT_EQ(Status().with_context("x").to_string(), "OK");
}

TEST(StatusTest, FromErrnoChoosesCode) {
  EXPECT_EQ(Status::from_errno(ENOSPC, "w").code(), StatusCode::kNoSpace);
  EXPECT_EQ(Status::from_errno(EROFS, "w").code(), StatusCode::kReadOnly);
  EXPECT_EQ(Status::from_errno(EIO, "w").code(), StatusCode::kIOError);
  EXPECT_NE(Status::from_errno(EIO, "writing chunk").message().find("writing chunk: "),
            std::string::npos);
}

TEST(StatusTest, ResultPropagation) {
  int out = 0;
  EXPECT_TRUE(quarter(8, &out).is_ok());
  EXPECT_EQ(out, 2);
  Status s = quarter(6, &out);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "odd: 3");
  Result<int> bad = Status::ok();  // a bug in the caller, reported as one
  EXPECT_EQ(bad.status().code(), StatusCode::kInternal);
}

TEST(BufferTest, AlignedMoveOnly) {
  Buffer b(10000);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(b.data()) % Buffer::kDefaultAlignment, 0u);
  EXPECT_EQ(b.size(), 0u);
  EXPECT_EQ(b.append("hello", 5), 5u);
  Buffer c = std::move(b);
  EXPECT_EQ(c.view(), "hello");
  EXPECT_EQ(b.data(), nullptr);  // NOLINT(bugprone-use-after-move): checking the moved-from state
  Buffer small(3);
  EXPECT_EQ(small.append("abcdef", 6), 3u);
  EXPECT_EQ(small.view(), "abc");
  EXPECT_EQ(small.room(), 0u);
  EXPECT_EQ(Buffer::copy_of("xyz").view(), "xyz");
}

}  // namespace
}  // namespace skyarray
