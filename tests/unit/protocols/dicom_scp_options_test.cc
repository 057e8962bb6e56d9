// [dicom] keys of the DIMSE listener: defaults, peers, refusals.
#include "protocols/dicom/dicom_scp_options.h"

#include <gtest/gtest.h>

#include "common/config.h"

namespace skyarray::dicom {
namespace {

Result<DicomScpOptions> parse(const std::string& text) {
  auto config = Config::parse(text);
  if (!config.is_ok()) return config.status();
  auto section = config->root().section("dicom");
  if (!section.is_ok()) return section.status();
  return DicomScpOptions::from_config(*section);
}

TEST(DicomScpOptionsTest, OffByDefaultAndPeersAllowedByTitleAndHost) {
  auto none = parse("");
  ASSERT_TRUE(none.is_ok());
  EXPECT_FALSE(none->enabled());
  EXPECT_EQ(none->ae_title, "SKYARRAY");
  auto o = parse(R"([dicom]
listen = "127.0.0.1:11112"
ae_title = "ARCHIVE"
max_associations = 4
idle_timeout = "30s"
[[dicom.peer]]
ae_title = "CT01"
host = "10.0.0.5"
port = 104
[[dicom.peer]]
ae_title = "VIEWER"
host = "*"
port = 11113
)");
  ASSERT_TRUE(o.is_ok()) << o.status().to_string();
  EXPECT_TRUE(o->enabled());
  EXPECT_EQ(o->max_associations, 4u);
  EXPECT_EQ(o->idle_timeout_s, 30);
  ASSERT_NE(o->allowed("CT01", "10.0.0.5"), nullptr);
  EXPECT_EQ(o->allowed("CT01", "10.0.0.5")->port, 104);
  EXPECT_EQ(o->allowed("CT01", "10.0.0.6"), nullptr);
  EXPECT_EQ(o->allowed("ct01", "10.0.0.5"), nullptr);
  EXPECT_NE(o->allowed("VIEWER", "192.168.1.1"), nullptr);
  EXPECT_EQ(o->allowed("INTRUDER", "10.0.0.5"), nullptr);
  // C-MOVE destinations need a concrete host.
  ASSERT_NE(o->destination("CT01"), nullptr);
  EXPECT_EQ(o->destination("CT01")->host, "10.0.0.5");
  EXPECT_EQ(o->destination("VIEWER"), nullptr);
  EXPECT_EQ(o->destination("NOWHERE"), nullptr);
}

TEST(DicomScpOptionsTest, TlsNeedsCertificateAndKeyTogether) {
  auto tls = parse(
      "[dicom]\ntls_cert = \"c.pem\"\ntls_key = \"k.pem\"\n"
      "tls_client_ca = \"ca.pem\"\n");
  ASSERT_TRUE(tls.is_ok()) << tls.status().to_string();
  EXPECT_TRUE(tls->tls());
  EXPECT_EQ(tls->tls_client_ca, "ca.pem");
  EXPECT_FALSE(parse("").value().tls());
  EXPECT_FALSE(parse("[dicom]\ntls_cert = \"c.pem\"\n").is_ok());
  EXPECT_FALSE(parse("[dicom]\ntls_key = \"k.pem\"\n").is_ok());
  EXPECT_FALSE(parse("[dicom]\ntls_client_ca = \"ca.pem\"\n").is_ok());
}

TEST(DicomScpOptionsTest, RefusesBadTitlesAndPeers) {
  EXPECT_FALSE(parse("[dicom]\nae_title = \"THIS_TITLE_IS_TOO_LONG\"\n").is_ok());
  EXPECT_FALSE(parse("[dicom]\nae_title = \"\"\n").is_ok());
  EXPECT_FALSE(parse("[[dicom.peer]]\nae_title = \"X\"\n").is_ok());  // no host
  EXPECT_FALSE(parse("[[dicom.peer]]\nae_title = \"A\\\\B\"\nhost = \"*\"\n").is_ok());
  EXPECT_FALSE(parse("[dicom]\nmax_associations = 0\n").is_ok());
}

}  // namespace
}  // namespace skyarray::dicom
