#include "protocols/s3/s3_xml.h"

#include <gtest/gtest.h>

#include "protocols/s3/s3_errors.h"
#include "protocols/s3/s3_request.h"

namespace skyarray::s3 {
namespace {

std::string code_of(const Status& s) {
  return std::string(to_s3_error(s).code);
}

TEST(S3XmlTest, CompleteMultipart) {
  auto parts = parse_complete_multipart(
      R"(<?xml version="1.0" encoding="UTF-8"?>
<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Part><PartNumber>1</PartNumber><ETag>"aaa"</ETag><ChecksumCRC32>AAAAAA==</ChecksumCRC32></Part>
  <Part><ETag>&quot;bbb&quot;</ETag><PartNumber>2</PartNumber></Part>
</CompleteMultipartUpload>)");
  ASSERT_TRUE(parts.is_ok()) << parts.status().to_string();
  ASSERT_EQ(parts->size(), 2u);
  EXPECT_EQ((*parts)[0].number, 1u);
  EXPECT_EQ((*parts)[0].etag, "aaa");
  EXPECT_EQ((*parts)[0].checksums.at("CRC32"), "AAAAAA==");
  EXPECT_EQ((*parts)[1].etag, "bbb");
}

TEST(S3XmlTest, MalformedBodiesAreMalformedXml) {
  for (const char* xml :
       {"", "<CompleteMultipartUpload>", "<Other/>",
        "<CompleteMultipartUpload></CompleteMultipartUpload>",
        "<CompleteMultipartUpload><Part><PartNumber>x</PartNumber><ETag>a</ETag></Part>"
        "</CompleteMultipartUpload>",
        "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber></Part></"
        "CompleteMultipartUpload>",
        "<CompleteMultipartUpload><Bogus/></CompleteMultipartUpload>",
        "<CompleteMultipartUpload/><CompleteMultipartUpload/>"}) {
    auto r = parse_complete_multipart(xml);
    ASSERT_FALSE(r.is_ok()) << xml;
    EXPECT_EQ(code_of(r.status()), "MalformedXML") << xml;
  }
}

TEST(S3XmlTest, DeleteConditionsPerObject) {
  auto d = parse_delete(
      "<Delete><Object><Key>a</Key><ETag>\"abc\"</ETag><Size>12</Size>"
      "<LastModifiedTime>2024-05-01T10:00:00.000Z</LastModifiedTime></Object>"
      "<Object><Key>b</Key>"
      "<LastModifiedTime>Wed, 01 May 2024 10:00:00 GMT</LastModifiedTime></Object></Delete>");
  ASSERT_TRUE(d.is_ok()) << d.status().to_string();
  EXPECT_EQ(*d->objects[0].etag, "abc");
  EXPECT_EQ(*d->objects[0].size, 12u);
  EXPECT_EQ(format_iso8601(*d->objects[0].last_modified), "2024-05-01T10:00:00.000Z");
  EXPECT_EQ(*d->objects[1].last_modified, *d->objects[0].last_modified);
  EXPECT_FALSE(d->objects[1].etag || d->objects[1].size);
  for (const char* bad :
       {"<Delete><Object><Key>a</Key><Size>-1</Size></Object></Delete>",
        "<Delete><Object><Key>a</Key><LastModifiedTime>May</LastModifiedTime></Object></Delete>"}) {
    EXPECT_EQ(code_of(parse_delete(bad).status()), "MalformedXML") << bad;
  }
}

TEST(S3XmlTest, DeleteQuietAndVersions) {
  auto d = parse_delete(
      "<Delete><Quiet>true</Quiet><Object><Key>a &amp; b</Key></Object>"
      "<Object><Key>c</Key><VersionId>v1</VersionId></Object></Delete>");
  ASSERT_TRUE(d.is_ok()) << d.status().to_string();
  EXPECT_TRUE(d->quiet);
  ASSERT_EQ(d->objects.size(), 2u);
  EXPECT_EQ(d->objects[0].key, "a & b");
  EXPECT_FALSE(d->objects[0].version_id);
  EXPECT_EQ(*d->objects[1].version_id, "v1");
  EXPECT_EQ(code_of(parse_delete("<Delete></Delete>").status()), "MalformedXML");
  EXPECT_EQ(
      code_of(parse_delete("<Delete><Quiet>maybe</Quiet><Object><Key>a</Key></Object></Delete>")
                  .status()),
      "MalformedXML");
  std::string many = "<Delete>";
  for (int i = 0; i < 1001; ++i) many += "<Object><Key>k</Key></Object>";
  many += "</Delete>";
  EXPECT_EQ(code_of(parse_delete(many).status()), "MalformedXML");
}

TEST(S3XmlTest, WhitespaceIsPartOfKeysAndValues) {
  auto d = parse_delete(
      "<?xml version=\"1.0\"?>\n<Delete>\n  <Object><Key> </Key></Object>\n"
      "  <Object><Key>\t</Key></Object><Object><Key> a </Key></Object>\n</Delete>\n");
  ASSERT_TRUE(d.is_ok()) << d.status().to_string();
  ASSERT_EQ(d->objects.size(), 3u);
  EXPECT_EQ(d->objects[0].key, " ");
  EXPECT_EQ(d->objects[1].key, "\t");
  EXPECT_EQ(d->objects[2].key, " a ");
  auto t = parse_tagging(
      "<Tagging>\n <TagSet>\n  <Tag><Key> k</Key><Value>  </Value></Tag>\n </TagSet>\n</Tagging>",
      10);
  ASSERT_TRUE(t.is_ok()) << t.status().to_string();
  EXPECT_EQ(t->at(" k"), "  ");
  // Indentation between elements is still only indentation.
  auto v = parse_versioning(
      "\n<VersioningConfiguration>\n <Status>Enabled</Status>\n"
      "</VersioningConfiguration>\n");
  ASSERT_TRUE(v.is_ok()) << v.status().to_string();
}

TEST(S3XmlTest, TaggingRules) {
  auto t = parse_tagging(
      "<Tagging><TagSet><Tag><Key>a</Key><Value>1</Value></Tag></TagSet></Tagging>", 10);
  ASSERT_TRUE(t.is_ok());
  EXPECT_EQ(t->at("a"), "1");
  auto dup = parse_tagging(
      "<Tagging><TagSet><Tag><Key>a</Key><Value>1</Value></Tag><Tag><Key>a</Key><Value>2</Value></"
      "Tag>"
      "</TagSet></Tagging>",
      10);
  EXPECT_EQ(code_of(dup.status()), "InvalidTag");
  EXPECT_EQ(code_of(parse_tagging("<Tagging/>", 10).status()), "MalformedXML");
}

TEST(S3XmlTest, VersioningAndLocationAndCors) {
  EXPECT_EQ(*parse_versioning(
                "<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>"),
            services::VersioningState::kEnabled);
  EXPECT_EQ(*parse_versioning(
                "<VersioningConfiguration><Status>Suspended</Status></VersioningConfiguration>"),
            services::VersioningState::kSuspended);
  EXPECT_EQ(code_of(parse_versioning(
                        "<VersioningConfiguration><Status>On</Status></VersioningConfiguration>")
                        .status()),
            "MalformedXML");
  EXPECT_EQ(*parse_create_bucket(""), "");
  EXPECT_EQ(*parse_create_bucket(
                "<CreateBucketConfiguration><LocationConstraint>eu-west-1</LocationConstraint>"
                "</CreateBucketConfiguration>"),
            "eu-west-1");
  auto cors = parse_cors(
      "<CORSConfiguration><CORSRule><AllowedOrigin>https://a</AllowedOrigin><AllowedMethod>GET</"
      "AllowedMethod>"
      "<MaxAgeSeconds>30</MaxAgeSeconds></CORSRule></CORSConfiguration>");
  ASSERT_TRUE(cors.is_ok()) << cors.status().to_string();
  EXPECT_EQ((*cors)[0].allowed_origins[0], "https://a");
  EXPECT_EQ(*(*cors)[0].max_age_seconds, 30);
  EXPECT_EQ(
      code_of(
          parse_cors("<CORSConfiguration><CORSRule><AllowedOrigin>x</AllowedOrigin><AllowedMethod>"
                     "PATCH</AllowedMethod></CORSRule></CORSConfiguration>")
              .status()),
      "InvalidRequest");
}

TEST(S3XmlTest, WriterEscapes) {
  XmlWriter w("ListBucketResult");
  w.elem("Key", "a<b>&\"c'").elem("Size", uint64_t{42}).elem_bool("IsTruncated", false);
  std::string out = w.finish();
  EXPECT_NE(out.find("<Key>a&lt;b&gt;&amp;&quot;c&apos;</Key>"), std::string::npos) << out;
  EXPECT_NE(out.find("<Size>42</Size>"), std::string::npos);
  EXPECT_NE(out.find("xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\""), std::string::npos);
  EXPECT_EQ(out.substr(out.size() - 19), "</ListBucketResult>");
}

}  // namespace
}  // namespace skyarray::s3
