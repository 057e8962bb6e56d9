#include "common/cidr.h"

#include <gtest/gtest.h>

#include "common/listen_address.h"

namespace skyarray {
namespace {

TEST(CidrTest, MatchesBlocksAndHosts) {
  auto net = Cidr::parse("10.1.0.0/16");
  ASSERT_TRUE(net.is_ok());
  EXPECT_TRUE(net->contains("10.1.200.3"));
  EXPECT_FALSE(net->contains("10.2.0.1"));
  EXPECT_TRUE(net->contains("::ffff:10.1.2.3"));  // IPv4-mapped client
  EXPECT_FALSE(net->contains("not an address"));
  auto host = Cidr::parse("127.0.0.1");
  ASSERT_TRUE(host.is_ok());
  EXPECT_EQ(host->to_string(), "127.0.0.1/32");
  EXPECT_FALSE(host->contains("127.0.0.2"));
  auto v6 = Cidr::parse("fd00::/8");
  ASSERT_TRUE(v6.is_ok());
  EXPECT_TRUE(v6->contains("fd12::1"));
  EXPECT_FALSE(v6->contains("10.0.0.1"));
  EXPECT_EQ(Cidr::parse("10.1.2.3/12")->to_string(), "10.0.0.0/12");
  EXPECT_FALSE(Cidr::parse("10.0.0.0/33").is_ok());
  EXPECT_FALSE(Cidr::parse("host.example").is_ok());
  EXPECT_TRUE(Cidr::parse("0.0.0.0/0")->contains("192.168.1.1"));
}

TEST(ListenAddressTest, Parses) {
  auto a = ListenAddress::parse("127.0.0.1:2049");
  ASSERT_TRUE(a.is_ok());
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 2049);
  EXPECT_EQ(ListenAddress::parse("[::1]:0")->host, "::1");
  EXPECT_EQ(ListenAddress::parse(":2049")->host, "0.0.0.0");
  EXPECT_FALSE(ListenAddress::parse("127.0.0.1").is_ok());
  EXPECT_FALSE(ListenAddress::parse("127.0.0.1:70000").is_ok());
  EXPECT_FALSE(ListenAddress::parse("nfs.example:2049").is_ok());
}

}  // namespace
}  // namespace skyarray
