#include "services/cloud/cloud_target_codec.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace skyarray::services {
namespace {

namespace json = boost::json;

TEST(CloudTargetCodecTest, RoundTripsEveryFieldButTheSecrets) {
  CloudTargetConfig t;
  t.name = "hq";
  t.endpoint = "https://s3.example.com";
  t.region = "eu-west-1";
  t.bucket = "pacs-offsite";
  t.prefix = "site1/";
  t.path_style = false;
  t.access_key = "AK";
  t.secret_key = "never-encoded";
  t.ca_file = "/etc/ca.pem";
  t.bandwidth = 50000000;
  t.window = "20:00-06:00";
  t.flexible_checksums = false;
  t.encryption_key_id = "00ff";
  t.encryption_key = std::string(32, 'k');
  json::object o = CloudTargetCodec::encode(t);
  EXPECT_EQ(o.size(), 11u);
  EXPECT_FALSE(o.contains("secret_key"));
  EXPECT_EQ(json::serialize(o).find("never-encoded"), std::string::npos);
  CloudTargetConfig back = CloudTargetCodec::decode(o);
  EXPECT_EQ(back.name, "hq");
  EXPECT_EQ(back.endpoint, t.endpoint);
  EXPECT_EQ(back.region, "eu-west-1");
  EXPECT_EQ(back.bucket, t.bucket);
  EXPECT_EQ(back.prefix, "site1/");
  EXPECT_FALSE(back.path_style);
  EXPECT_EQ(back.access_key, "AK");
  EXPECT_EQ(back.ca_file, t.ca_file);
  EXPECT_EQ(back.bandwidth, 50000000u);
  EXPECT_EQ(back.window, t.window);
  EXPECT_FALSE(back.flexible_checksums);
  EXPECT_TRUE(back.secret_key.empty());
  EXPECT_TRUE(back.encryption_key_id.empty());
  EXPECT_TRUE(back.encryption_key.empty());
}

TEST(CloudTargetCodecTest, MissingOrMistypedFieldsKeepTheDefaults) {
  json::object o{{"name", "hq"}, {"region", ""}, {"bandwidth", -5}, {"path_style", "no"}};
  CloudTargetConfig t = CloudTargetCodec::decode(o);
  EXPECT_EQ(t.name, "hq");
  EXPECT_EQ(t.region, "us-east-1");
  EXPECT_EQ(t.bandwidth, 0u);
  EXPECT_TRUE(t.path_style);
  EXPECT_TRUE(t.flexible_checksums);
  EXPECT_TRUE(t.endpoint.empty());
}

}  // namespace
}  // namespace skyarray::services
