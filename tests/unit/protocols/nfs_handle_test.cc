// The NFS file handle format (protocols/nfs/nfs_handle.h).
#include "protocols/nfs/nfs_handle.h"

#include <gtest/gtest.h>

namespace skyarray::nfs {
namespace {

TEST(NfsHandleTest, EncodesAndRefusesForeignHandles) {
  NfsHandle h{3, 1234567890123ull, 0xdeadbeef};
  std::string bytes = h.encode();
  EXPECT_EQ(bytes.size(), 20u);
  auto back = NfsHandle::decode(bytes);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->share_id, 3u);
  EXPECT_EQ(back->file_id, 1234567890123ull);
  EXPECT_EQ(back->generation, 0xdeadbeefu);
  EXPECT_FALSE(NfsHandle::decode(bytes.substr(1)));
  bytes[2] = 2;  // another format version
  EXPECT_FALSE(NfsHandle::decode(bytes));
}

}  // namespace
}  // namespace skyarray::nfs
