// The aws-chunked decoder against AWS's documented chunked-upload example
// (66560 bytes of 'a' in a 65536-byte and a 1024-byte chunk), fed whole and
// byte by byte, plus the unsigned-trailer form modern SDKs send.
#include "protocols/s3/aws_chunked_decoder.h"

#include <gtest/gtest.h>

#include "protocols/s3/s3_errors.h"

namespace skyarray::s3 {
namespace {

constexpr std::string_view kSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

auth::SignableRequest example_request() {
  return auth::SignableRequest{
      "PUT",
      "/examplebucket/chunkObject.txt",
      {},
      {{"Host", "s3.amazonaws.com"},
       {"x-amz-date", "20130524T000000Z"},
       {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
       {"Authorization",
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
        "SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;"
        "x-amz-decoded-content-length;x-amz-storage-class,"
        "Signature=4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"},
       {"x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"},
       {"Content-Encoding", "aws-chunked"},
       {"x-amz-decoded-content-length", "66560"},
       {"Content-Length", "66824"}}};
}

std::string example_body(std::string_view last_sig) {
  std::string body =
      "10000;chunk-signature=ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648\r\n";
  body += std::string(65536, 'a') + "\r\n";
  body +=
      "400;chunk-signature=0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497\r\n";
  body += std::string(1024, 'a') + "\r\n";
  body += "0;chunk-signature=" + std::string(last_sig) + "\r\n\r\n";
  return body;
}

auth::AuthResult example_auth() {
  auto r = example_request();
  auto parsed = auth::parse_auth(r);
  EXPECT_TRUE(parsed.is_ok()) << parsed.status().to_string();
  auto res = auth::verify(*parsed, r, kSecret, *auth::parse_amz_date("20130524T000000Z"));
  EXPECT_TRUE(res.is_ok()) << res.status().to_string();
  return *res;
}

Result<std::string> decode_all(AwsChunkedDecoder& d, std::string body, size_t step) {
  std::string out;
  for (size_t i = 0; i < body.size(); i += step) {
    size_t n = std::min(step, body.size() - i);
    std::span<uint8_t> piece(reinterpret_cast<uint8_t*>(body.data() + i), n);
    auto got = d.decode(piece);
    if (!got.is_ok()) return got.status();
    out.append(reinterpret_cast<char*>(piece.data()), *got);
  }
  SKY_RETURN_IF_ERROR(d.finish());
  return out;
}

TEST(AwsChunkedDecoderTest, SeedSignatureMatchesAwsExample) {
  auth::AuthResult a = example_auth();
  EXPECT_EQ(a.payload, auth::PayloadMode::kStreamingSigned);
  EXPECT_EQ(a.seed_signature, "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9");
}

TEST(AwsChunkedDecoderTest, SignedChunksWholeAndBytewise) {
  for (size_t step : {size_t{1 << 20}, size_t{1}, size_t{7}, size_t{4096}}) {
    AwsChunkedDecoder d(auth::ChunkSigner(example_auth()), false);
    auto out = decode_all(
        d, example_body("b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9"), step);
    ASSERT_TRUE(out.is_ok()) << "step " << step << ": " << out.status().to_string();
    EXPECT_EQ(*out, std::string(66560, 'a'));
    EXPECT_EQ(d.decoded_bytes(), 66560u);
  }
}

TEST(AwsChunkedDecoderTest, TamperedDataOrSignatureFails) {
  {
    AwsChunkedDecoder d(auth::ChunkSigner(example_auth()), false);
    std::string body =
        example_body("b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9");
    body[200] = 'b';
    auto out = decode_all(d, body, 1000);
    ASSERT_FALSE(out.is_ok());
    EXPECT_EQ(to_s3_error(out.status()).code, "SignatureDoesNotMatch");
  }
  {
    AwsChunkedDecoder d(auth::ChunkSigner(example_auth()), false);
    auto out = decode_all(d, example_body(std::string(64, '0')), 1000);
    ASSERT_FALSE(out.is_ok());
    EXPECT_EQ(to_s3_error(out.status()).code, "SignatureDoesNotMatch");
  }
}

TEST(AwsChunkedDecoderTest, TruncatedBodyIsIncomplete) {
  AwsChunkedDecoder d(auth::ChunkSigner(example_auth()), false);
  std::string body =
      example_body("b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9");
  body.resize(66000);
  auto out = decode_all(d, body, 1000);
  ASSERT_FALSE(out.is_ok());
  EXPECT_EQ(to_s3_error(out.status()).code, "IncompleteBody");
}

TEST(AwsChunkedDecoderTest, UnsignedTrailer) {
  std::string body = "5\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n";
  for (size_t step : {size_t{1}, size_t{3}, size_t{100}}) {
    AwsChunkedDecoder d(std::nullopt, false);
    auto out = decode_all(d, body, step);
    ASSERT_TRUE(out.is_ok()) << out.status().to_string();
    EXPECT_EQ(*out, "hello world");
    ASSERT_EQ(d.trailers().size(), 1u);
    EXPECT_EQ(d.trailers()[0].first, "x-amz-checksum-crc32");
    EXPECT_EQ(d.trailers()[0].second, "DUoRhQ==");
  }
}

TEST(AwsChunkedDecoderTest, MalformedFraming) {
  for (std::string body :
       {std::string("zz\r\nhello\r\n0\r\n\r\n"), std::string("3\r\nhello\r\n0\r\n\r\n"),
        std::string("5\r\nhello\r\n0\r\nnocolon\r\n\r\n"), std::string("0\r\n\r\ngarbage"),
        std::string(5000, '1')}) {
    AwsChunkedDecoder d(std::nullopt, false);
    auto out = decode_all(d, body, 4);
    EXPECT_FALSE(out.is_ok()) << body.substr(0, 40);
  }
}

TEST(AwsChunkedDecoderTest, ChunkPastTheLimitFailsOnItsSizeLine) {
  // Only the size line arrives: the client waits for an answer before
  // sending the chunk, so the refusal must not need its data.
  std::string head =
      "10000;chunk-signature=ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648\r\n";
  {
    AwsChunkedDecoder d(auth::ChunkSigner(example_auth()), false);
    d.set_limits(65535, std::nullopt);
    std::span<uint8_t> piece(reinterpret_cast<uint8_t*>(head.data()), head.size());
    auto got = d.decode(piece);
    ASSERT_FALSE(got.is_ok());
    EXPECT_EQ(to_s3_error(got.status()).code, "EntityTooLarge");
  }
  {
    AwsChunkedDecoder d(auth::ChunkSigner(example_auth()), false);
    d.set_limits(1 << 20, 1000);
    std::span<uint8_t> piece(reinterpret_cast<uint8_t*>(head.data()), head.size());
    auto got = d.decode(piece);
    ASSERT_FALSE(got.is_ok());
    EXPECT_EQ(to_s3_error(got.status()).code, "InvalidArgument");
  }
  {
    // The second chunk takes the total past the limit.
    AwsChunkedDecoder d(auth::ChunkSigner(example_auth()), false);
    d.set_limits(65536 + 1023, std::nullopt);
    auto out = decode_all(
        d, example_body("b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9"), 999);
    ASSERT_FALSE(out.is_ok());
    EXPECT_EQ(to_s3_error(out.status()).code, "EntityTooLarge");
  }
  {
    // Exactly at the limit is fine.
    AwsChunkedDecoder d(auth::ChunkSigner(example_auth()), false);
    d.set_limits(66560, 66560);
    auto out = decode_all(
        d, example_body("b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9"), 999);
    ASSERT_TRUE(out.is_ok()) << out.status().to_string();
    EXPECT_EQ(out->size(), 66560u);
  }
}

TEST(AwsChunkedDecoderTest, SignedTrailerNeedsItsSignature) {
  AwsChunkedDecoder d(auth::ChunkSigner(example_auth()), true);
  std::string body =
      example_body("b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9");
  body.resize(body.size() - 2);
  body += "x-amz-checksum-crc32c:sOO8/Q==\r\nx-amz-trailer-signature:" + std::string(64, '0') +
          "\r\n\r\n";
  auto out = decode_all(d, body, 1000);
  ASSERT_FALSE(out.is_ok());
  EXPECT_EQ(to_s3_error(out.status()).code, "SignatureDoesNotMatch");
}

}  // namespace
}  // namespace skyarray::s3
