#include "protocols/s3/s3_errors.h"

#include <gtest/gtest.h>

namespace skyarray::s3 {
namespace {

TEST(S3ErrorsTest, InsufficientStorageSaysWhatIsFull) {
  auto e = to_s3_error(
      Status::no_space("the metadata volume is full: 3.0 MiB free, below the 16 MiB reserve"));
  EXPECT_EQ(e.code, "InsufficientStorage");
  EXPECT_EQ(e.http_status, 507u);
  EXPECT_EQ(e.message, "the metadata volume is full: 3.0 MiB free, below the 16 MiB reserve");
  e = to_s3_error(Status::no_space("no drive has room for the object's replicas"));
  EXPECT_EQ(e.message, "no drive has room for the object's replicas");
}

TEST(S3ErrorsTest, InsufficientStorageNeverShowsAPath) {
  auto e = to_s3_error(Status::from_errno(ENOSPC, "writing /srv/bay01/tmp/00ab"));
  EXPECT_EQ(e.code, "InsufficientStorage");
  EXPECT_EQ(e.message.find("/srv"), std::string::npos) << e.message;
  EXPECT_EQ(e.message.find("internal error"), std::string::npos) << e.message;
}

TEST(S3ErrorsTest, OtherServerErrorsStayGeneric) {
  auto e = to_s3_error(Status::io_error("reading /srv/bay01/chunks/00/abc: EIO"));
  EXPECT_EQ(e.http_status, 500u);
  EXPECT_EQ(e.message.find("/srv"), std::string::npos);
}

}  // namespace
}  // namespace skyarray::s3
