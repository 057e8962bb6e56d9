// The lifecycle configuration body: every filter form and action parses and
// writes back as it was put; schema errors are MalformedXML, bad values
// InvalidArgument, transitions NotImplemented.
#include "protocols/s3/s3_lifecycle_xml.h"

#include <gtest/gtest.h>

#include "protocols/s3/s3_errors.h"

namespace skyarray::s3 {
namespace {

using services::FilterForm;

std::string code_of(const Status& s) {
  return std::string(to_s3_error(s).code);
}

std::string doc(const std::string& rules) {
  return "<LifecycleConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">" + rules +
         "</LifecycleConfiguration>";
}

TEST(S3LifecycleXmlTest, EveryFilterFormAndAction) {
  auto c = parse_lifecycle_configuration(doc(
      "<Rule><ID>a</ID><Filter><And><Prefix>logs/</Prefix><Tag><Key>k</Key><Value>v</Value></Tag>"
      "<ObjectSizeGreaterThan>10</ObjectSizeGreaterThan><ObjectSizeLessThan>99</ObjectSizeLessThan>"
      "</And></Filter><Status>Enabled</Status><Expiration><Days>30</Days></Expiration>"
      "<NoncurrentVersionExpiration><NoncurrentDays>7</NoncurrentDays>"
      "<NewerNoncurrentVersions>2</NewerNoncurrentVersions></NoncurrentVersionExpiration></Rule>"
      "<Rule><ID>b</ID><Prefix>tmp/</Prefix><Status>Disabled</Status>"
      "<AbortIncompleteMultipartUpload><DaysAfterInitiation>3</DaysAfterInitiation>"
      "</AbortIncompleteMultipartUpload></Rule>"
      "<Rule><ID>c</ID><Filter><Tag><Key>x</Key><Value>y</Value></Tag></Filter>"
      "<Status>Enabled</Status><Expiration><Date>2030-01-01T00:00:00.000Z</Date></Expiration></"
      "Rule>"
      "<Rule><ID>d</ID><Filter><Prefix/></Filter><Status>Enabled</Status>"
      "<Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration></Rule>"
      "<Rule><ID>e</ID><Filter><ObjectSizeLessThan>5</ObjectSizeLessThan></Filter>"
      "<Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>"
      "<Rule><ID>f</ID><Filter/><Status>Enabled</Status><Expiration><Days>2</Days></Expiration>"
      "</Rule>"));
  ASSERT_TRUE(c.is_ok()) << c.status().to_string();
  ASSERT_EQ(c->rules.size(), 6u);
  const auto& a = c->rules[0];
  EXPECT_EQ(a.filter.form, FilterForm::kAnd);
  EXPECT_EQ(a.filter.prefix, "logs/");
  EXPECT_EQ(a.filter.tags.at("k"), "v");
  EXPECT_EQ(a.filter.size_greater_than, 10u);
  EXPECT_EQ(a.filter.size_less_than, 99u);
  EXPECT_EQ(a.expiration_days, 30u);
  EXPECT_EQ(a.noncurrent_days, 7u);
  EXPECT_EQ(a.newer_noncurrent_versions, 2u);
  EXPECT_EQ(c->rules[1].filter.form, FilterForm::kLegacyPrefix);
  EXPECT_FALSE(c->rules[1].enabled);
  EXPECT_EQ(c->rules[1].abort_days, 3u);
  EXPECT_EQ(c->rules[2].filter.form, FilterForm::kTag);
  EXPECT_EQ(c->rules[2].expiration_date_ns, int64_t{1893456000} * 1000000000);
  EXPECT_EQ(c->rules[3].filter.form, FilterForm::kPrefix);
  EXPECT_EQ(c->rules[3].expired_object_delete_marker, true);
  EXPECT_EQ(c->rules[4].filter.form, FilterForm::kSizeLess);
  EXPECT_EQ(c->rules[5].filter.form, FilterForm::kEmpty);
  EXPECT_TRUE(services::validate_lifecycle_configuration(*c).is_ok());
  auto back = parse_lifecycle_configuration(lifecycle_configuration_xml(*c));
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_EQ(*back, *c);
}

TEST(S3LifecycleXmlTest, SchemaErrorsAreMalformedXml) {
  const char* bad[] = {
      "<Rule><ID>a</ID><Filter/><Expiration><Days>1</Days></Expiration></Rule>",  // no Status
      "<Rule><Status>On</Status><Filter/><Expiration><Days>1</Days></Expiration></Rule>",
      "<Rule><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>",  // no filter
      "<Rule><Status>Enabled</Status><Prefix/><Filter/><Expiration><Days>1</Days></Expiration>"
      "</Rule>",
      "<Rule><Status>Enabled</Status><Filter><Prefix>a</Prefix><Tag><Key>k</Key><Value>v</Value>"
      "</Tag></Filter><Expiration><Days>1</Days></Expiration></Rule>",  // two conditions
      "<Rule><Status>Enabled</Status><Filter><And><Prefix>a</Prefix></And></Filter>"
      "<Expiration><Days>1</Days></Expiration></Rule>",  // And of one
      "<Rule><Status>Enabled</Status><Filter/><Expiration><Days>ten</Days></Expiration></Rule>",
      "<Rule><Status>Enabled</Status><Filter/><Expiration><Date>soon</Date></Expiration></Rule>",
      "<Rule><Status>Enabled</Status><Filter/><Bogus/></Rule>",
      "<Rule><Status>Enabled</Status><Filter/><NoncurrentVersionExpiration>"
      "<NewerNoncurrentVersions>1</NewerNoncurrentVersions></NoncurrentVersionExpiration></Rule>",
      "",
  };
  for (const char* rules : bad) {
    auto c = parse_lifecycle_configuration(doc(rules));
    EXPECT_EQ(code_of(c.status()), "MalformedXML") << rules;
  }
  EXPECT_EQ(code_of(parse_lifecycle_configuration("<Lifecycle/>").status()), "MalformedXML");
  EXPECT_EQ(code_of(parse_lifecycle_configuration("<LifecycleConfiguration>").status()),
            "MalformedXML");
}

TEST(S3LifecycleXmlTest, BadValuesAreInvalidArgument) {
  const char* bad[] = {
      "<Rule><Status>Enabled</Status><Filter/><Expiration><Days>0</Days></Expiration></Rule>",
      "<Rule><Status>Enabled</Status><Filter/><Expiration><Days>-3</Days></Expiration></Rule>",
      "<Rule><Status>Enabled</Status><Filter/><NoncurrentVersionExpiration><NoncurrentDays>1"
      "</NoncurrentDays><NewerNoncurrentVersions>101</NewerNoncurrentVersions>"
      "</NoncurrentVersionExpiration></Rule>",
      "<Rule><Status>Enabled</Status><Filter><And><Tag><Key>k</Key><Value>1</Value></Tag><Tag>"
      "<Key>k</Key><Value>2</Value></Tag></And></Filter><Expiration><Days>1</Days></Expiration>"
      "</Rule>",
  };
  for (const char* rules : bad) {
    auto c = parse_lifecycle_configuration(doc(rules));
    EXPECT_EQ(code_of(c.status()), "InvalidArgument") << rules;
  }
}

TEST(S3LifecycleXmlTest, TransitionsAreNotImplemented) {
  for (const char* t :
       {"<Transition><Days>30</Days><StorageClass>GLACIER</StorageClass></Transition>",
        "<NoncurrentVersionTransition><NoncurrentDays>30</NoncurrentDays><StorageClass>GLACIER"
        "</StorageClass></NoncurrentVersionTransition>"}) {
    auto c = parse_lifecycle_configuration(
        doc(std::string("<Rule><ID>ok</ID><Filter/><Status>Enabled</Status>"
                        "<Expiration><Days>1</Days></Expiration></Rule>"
                        "<Rule><ID>t</ID><Filter/><Status>Enabled</Status>") +
            t + "</Rule>"));
    EXPECT_EQ(code_of(c.status()), "NotImplemented") << t;
    EXPECT_EQ(to_s3_error(c.status()).http_status, 501u);
  }
}

}  // namespace
}  // namespace skyarray::s3
