#include "protocols/s3/s3_request.h"

#include <gtest/gtest.h>

#include "protocols/s3/s3_errors.h"

namespace skyarray::s3 {
namespace {

TEST(S3RequestTest, PathStyle) {
  auto t = parse_target("/bucket/dir/a%20b%2Bc//x/?versionId=v1&uploads", "127.0.0.1:9000",
                        {"s3.local"});
  ASSERT_TRUE(t.is_ok());
  EXPECT_EQ(t->bucket, "bucket");
  EXPECT_EQ(t->key, "dir/a b+c//x/");
  EXPECT_EQ(*t->get("versionId"), "v1");
  EXPECT_TRUE(t->has("uploads"));
  EXPECT_FALSE(t->virtual_host);
  auto root = parse_target("/", "h", {});
  ASSERT_TRUE(root.is_ok());
  EXPECT_EQ(root->bucket, "");
  auto b = parse_target("/bucket", "h", {});
  EXPECT_EQ(b->bucket, "bucket");
  EXPECT_EQ(b->key, "");
}

TEST(S3RequestTest, VirtualHostStyle) {
  auto t = parse_target("/studies/1.dcm", "Images.S3.Local:9000", {"s3.local"});
  ASSERT_TRUE(t.is_ok());
  EXPECT_TRUE(t->virtual_host);
  EXPECT_EQ(t->bucket, "images");
  EXPECT_EQ(t->key, "studies/1.dcm");
  // The bare domain is path style.
  auto p = parse_target("/b/k", "s3.local", {"s3.local"});
  EXPECT_FALSE(p->virtual_host);
  EXPECT_EQ(p->bucket, "b");
}

TEST(S3RequestTest, BadTargets) {
  EXPECT_FALSE(parse_target("bucket/key", "h", {}).is_ok());
  EXPECT_FALSE(parse_target("/b/%zz", "h", {}).is_ok());
  EXPECT_FALSE(parse_target("/b/k?x=%4", "h", {}).is_ok());
}

TEST(S3RequestTest, Ranges) {
  auto r = parse_range("bytes=0-9");
  ASSERT_TRUE(r);
  EXPECT_EQ(*r->first, 0u);
  EXPECT_EQ(*r->last, 9u);
  r = parse_range("bytes=5-");
  EXPECT_EQ(*r->first, 5u);
  EXPECT_FALSE(r->last);
  r = parse_range("bytes=-10");
  EXPECT_EQ(*r->suffix, 10u);
  EXPECT_FALSE(parse_range("bytes=9-1"));
  EXPECT_FALSE(parse_range("bytes=0-1,3-4"));
  EXPECT_FALSE(parse_range("items=0-1"));
  EXPECT_FALSE(parse_range("bytes=a-b"));
}

TEST(S3RequestTest, DatesAndEtags) {
  auto t = parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT");
  ASSERT_TRUE(t);
  EXPECT_EQ(format_http_date(*t), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(format_iso8601(*t), "1994-11-06T08:49:37.000Z");
  EXPECT_TRUE(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"));
  EXPECT_TRUE(parse_http_date("Sun Nov  6 08:49:37 1994"));
  EXPECT_FALSE(parse_http_date("yesterday"));
  EXPECT_EQ(parse_etag_list("\"a\", W/\"b\",c"), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(parse_etag_list("*"), (std::vector<std::string>{"*"}));
}

TEST(S3RequestTest, Iso8601Dates) {
  auto t = parse_iso8601("1994-11-06T08:49:37Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(format_http_date(*t), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(format_iso8601(*parse_iso8601("1994-11-06T08:49:37.250Z")), "1994-11-06T08:49:37.250Z");
  EXPECT_EQ(*parse_iso8601("1994-11-06T10:49:37+02:00"), *t);
  EXPECT_EQ(*parse_iso8601(" 1994-11-06T08:49:37.000Z "), *t);
  for (const char* bad : {"1994-11-06T08:49:37", "1994-11-06 08:49:37Z", "1994-11-06T08:49:37.Z",
                          "1994-11-06T08:49:37+2", "1994-11-06T08:49:37Zjunk", "yesterday"}) {
    EXPECT_FALSE(parse_iso8601(bad)) << bad;
  }
}

TEST(S3RequestTest, MetadataValuesAsS3EncodesThem) {
  // RFC 2047 words are decoded before storing: B and Q, any case, UTF-8,
  // ASCII and Latin-1 charsets; whitespace between two words dropped.
  EXPECT_EQ(decode_metadata_value("=?UTF-8?B?w6k=?="), "\xc3\xa9");
  EXPECT_EQ(decode_metadata_value("=?utf-8?q?caf=C3=A9_au_lait?="), "caf\xc3\xa9 au lait");
  EXPECT_EQ(decode_metadata_value("=?ISO-8859-1?Q?=E9?="), "\xc3\xa9");
  EXPECT_EQ(decode_metadata_value("a =?UTF-8?B?w6k=?= =?UTF-8?B?w6k=?= b"), "a \xc3\xa9\xc3\xa9 b");
  // Not encoded-words: kept as they are.
  for (const char* v : {"plain", "=?UTF-8?X?abc?=", "=?UTF-8?B?not base64?=", "=?koi8-r?B?w6k=?=",
                        "=?UTF-8?B?w6k=", "=?UTF-8?Q?=ZZ?=", "x=?y", "\xc3\xa9 raw"}) {
    EXPECT_EQ(decode_metadata_value(v), v) << v;
  }
  // Printable ASCII goes out as is; anything else as one B word.
  EXPECT_EQ(encode_metadata_value("plain value\t1"), "plain value\t1");
  EXPECT_EQ(encode_metadata_value("\xc3\xa9"), "=?UTF-8?B?w6k=?=");
  EXPECT_EQ(encode_metadata_value("line\nbreak"), "=?UTF-8?B?bGluZQpicmVhaw==?=");
}

TEST(S3RequestTest, ChecksumHeaders) {
  EXPECT_EQ(checksum_header_name(ChecksumAlgorithm::kCrc64Nvme), "x-amz-checksum-crc64nvme");
  EXPECT_EQ(*checksum_from_header_name("X-Amz-Checksum-CRC32C"), ChecksumAlgorithm::kCrc32c);
  EXPECT_FALSE(checksum_from_header_name("x-amz-checksum-mode"));
  EXPECT_FALSE(checksum_from_header_name("x-amz-checksum-algorithm"));
  EXPECT_FALSE(checksum_from_header_name("x-amz-checksum-md5"));
  services::ObjectChecksum c{ChecksumAlgorithm::kCrc32, std::string("\x0d\x4a\x11\x85", 4), true,
                             3};
  EXPECT_EQ(checksum_wire_value(c), "DUoRhQ==-3");
}

TEST(S3ErrorsTest, OneTable) {
  EXPECT_EQ(to_s3_error(Status(StatusCode::kNotFound, "x"), Subject::kObject).code, "NoSuchKey");
  EXPECT_EQ(to_s3_error(Status(StatusCode::kNotFound, "x"), Subject::kUpload).code, "NoSuchUpload");
  EXPECT_EQ(to_s3_error(Status(StatusCode::kBucketNotFound, "x")).http_status, 404u);
  EXPECT_EQ(to_s3_error(Status(StatusCode::kPositionMismatch, "x")).code,
            "PositionNotEqualToLength");
  EXPECT_EQ(to_s3_error(Status(StatusCode::kTooSmall, "x")).code, "EntityTooSmall");
  EXPECT_EQ(to_s3_error(Status(StatusCode::kNotModified, "x")).http_status, 304u);
  auto part = to_s3_error(s3_status(S3Error::kInvalidPartNumber, "no such part"));
  EXPECT_EQ(part.code, "InvalidPartNumber");
  EXPECT_EQ(part.http_status, 416u);
  auto internal = to_s3_error(Status(StatusCode::kIOError, "/srv/bay01/chunk: EIO"));
  EXPECT_EQ(internal.code, "InternalError");
  EXPECT_EQ(internal.message.find("/srv"), std::string::npos) << "paths must not leak";
  auto tagged = to_s3_error(s3_status(S3Error::kRequestTimeTooSkewed, "late"));
  EXPECT_EQ(tagged.code, "RequestTimeTooSkewed");
  EXPECT_EQ(tagged.http_status, 403u);
  EXPECT_EQ(tagged.message, "late");
}

}  // namespace
}  // namespace skyarray::s3
