// Checksums must match what every S3 client computes, byte for byte: a wrong
// CRC here means every upload with a flexible checksum is rejected (or, worse,
// a corrupted one accepted). Expected values are published check values
// (reveng CRC catalogue, RFC 1321, FIPS 180-2) or, for the S3 header strings,
// come from Python's zlib/hashlib/base64 and a bit-at-a-time CRC written
// independently of this code.
#include "common/checksum.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "common/crc64_nvme.h"
#include "common/encoding.h"

namespace skyarray {
namespace {

constexpr ChecksumAlgorithm kAllAlgorithms[] = {
    ChecksumAlgorithm::kCrc32, ChecksumAlgorithm::kCrc32c, ChecksumAlgorithm::kCrc64Nvme,
    ChecksumAlgorithm::kSha1,  ChecksumAlgorithm::kSha256, ChecksumAlgorithm::kMd5,
};

std::string random_bytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string out(n, '\0');
  for (char& c : out) {
    c = static_cast<char>(rng());
  }
  return out;
}

// Feeds `data` to a fresh Checksum in pieces cut at `cuts` (sorted offsets).
std::string digest_in_pieces(ChecksumAlgorithm algorithm, std::string_view data,
                             const std::vector<size_t>& cuts) {
  auto checksum = Checksum::create(algorithm);
  EXPECT_TRUE(checksum.is_ok()) << checksum.status().to_string();
  size_t start = 0;
  for (size_t cut : cuts) {
    (*checksum)->update(data.substr(start, cut - start));
    start = cut;
  }
  (*checksum)->update(data.substr(start));
  return (*checksum)->finish();
}

std::string digest(ChecksumAlgorithm algorithm, std::string_view data) {
  return digest_in_pieces(algorithm, data, {});
}

std::string digest_hex(ChecksumAlgorithm algorithm, std::string_view data) {
  return hex_encode(digest(algorithm, data));
}

// ---- published vectors ---------------------------------------------------------

TEST(ChecksumTest, CrcCheckValues) {
  const std::string_view check = "123456789";
  EXPECT_EQ(crc32(0, check.data(), check.size()), 0xCBF43926u);
  EXPECT_EQ(crc32c(0, check.data(), check.size()), 0xE3069283u);
  EXPECT_EQ(crc64_nvme(0, check.data(), check.size()), 0xAE8B14860A799888u);
  EXPECT_EQ(crc64_nvme_table(0, check.data(), check.size()), 0xAE8B14860A799888u);
}

TEST(ChecksumTest, CrcOfEmptyInputIsZeroAndKeepsState) {
  EXPECT_EQ(crc32(0, nullptr, 0), 0u);
  EXPECT_EQ(crc32c(0, nullptr, 0), 0u);
  EXPECT_EQ(crc64_nvme(0, nullptr, 0), 0u);
  EXPECT_EQ(crc32c(0x12345678, nullptr, 0), 0x12345678u);
  EXPECT_EQ(crc64_nvme(0x0123456789ABCDEF, nullptr, 0), 0x0123456789ABCDEFu);
}

TEST(ChecksumTest, CrcDigestsAreBigEndian) {
  EXPECT_EQ(digest_hex(ChecksumAlgorithm::kCrc32, "123456789"), "cbf43926");
  EXPECT_EQ(digest_hex(ChecksumAlgorithm::kCrc32c, "123456789"), "e3069283");
  EXPECT_EQ(digest_hex(ChecksumAlgorithm::kCrc64Nvme, "123456789"), "ae8b14860a799888");
  EXPECT_EQ(digest_hex(ChecksumAlgorithm::kCrc32, "abc"), "352441c2");
  EXPECT_EQ(digest_hex(ChecksumAlgorithm::kCrc32c, "abc"), "364b3fb7");
  EXPECT_EQ(digest_hex(ChecksumAlgorithm::kCrc64Nvme, "abc"), "05e5cabb3fc1faeb");
  EXPECT_EQ(digest_hex(ChecksumAlgorithm::kCrc64Nvme, ""), "0000000000000000");
}

TEST(ChecksumTest, Md5Vectors) {  // RFC 1321 appendix A.5
  EXPECT_EQ(digest_hex(ChecksumAlgorithm::kMd5, ""), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(digest_hex(ChecksumAlgorithm::kMd5, "abc"), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(digest_hex(ChecksumAlgorithm::kMd5, std::string(1000000, 'a')),
            "7707d6ae4e027c70eea2a935c2296f21");
}

TEST(ChecksumTest, Sha1Vectors) {  // FIPS 180-2 appendix A
  EXPECT_EQ(digest_hex(ChecksumAlgorithm::kSha1, ""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  EXPECT_EQ(digest_hex(ChecksumAlgorithm::kSha1, "abc"),
            "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(digest_hex(ChecksumAlgorithm::kSha1, std::string(1000000, 'a')),
            "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
}

TEST(ChecksumTest, Sha256Vectors) {  // FIPS 180-2 appendix B
  EXPECT_EQ(digest_hex(ChecksumAlgorithm::kSha256, ""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(digest_hex(ChecksumAlgorithm::kSha256, "abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(digest_hex(ChecksumAlgorithm::kSha256, std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

// The value of x-amz-checksum-<name> (and Content-MD5) is base64 of the raw
// digest: these are the strings a client sends for these bodies.
TEST(ChecksumTest, S3HeaderValues) {
  struct Case {
    ChecksumAlgorithm algorithm;
    std::string_view body;
    std::string_view header;
  };
  const Case cases[] = {
      {ChecksumAlgorithm::kCrc32, "Hello world", "i9aeUg=="},
      {ChecksumAlgorithm::kCrc32c, "Hello world", "crUfeA=="},
      {ChecksumAlgorithm::kCrc64Nvme, "Hello world", "OOJZ0D8xKts="},
      {ChecksumAlgorithm::kSha1, "Hello world", "e1AsOh9IyGCa4hLN+2Od7jlnP14="},
      {ChecksumAlgorithm::kSha256, "Hello world", "ZOyIygCyaOW6GjVnihtTFtIS9PNmskdyMlNKiuyjfzw="},
      {ChecksumAlgorithm::kMd5, "Hello world", "PiWWCnnbxptnTNTsZ6csYg=="},
      {ChecksumAlgorithm::kCrc32, "", "AAAAAA=="},
      {ChecksumAlgorithm::kCrc64Nvme, "", "AAAAAAAAAAA="},
      {ChecksumAlgorithm::kMd5, "", "1B2M2Y8AsgTpgAmY7PhCfg=="},
      {ChecksumAlgorithm::kCrc32, "123456789", "y/Q5Jg=="},
      {ChecksumAlgorithm::kCrc32c, "123456789", "4waSgw=="},
      {ChecksumAlgorithm::kCrc64Nvme, "123456789", "rosUhgp5mIg="},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(checksum_algorithm_name(c.algorithm)) + " of '" + std::string(c.body) +
                 "'");
    EXPECT_EQ(base64_encode(digest(c.algorithm, c.body)), c.header);
    auto decoded = base64_decode(c.header);
    ASSERT_TRUE(decoded.is_ok());
    EXPECT_EQ(decoded->size(), checksum_digest_size(c.algorithm));
  }
}

// ---- interface -----------------------------------------------------------------

TEST(ChecksumTest, NamesRoundTripCaseInsensitively) {
  for (ChecksumAlgorithm a : kAllAlgorithms) {
    std::string name(checksum_algorithm_name(a));
    EXPECT_EQ(parse_checksum_algorithm(name), a);
    for (char& c : name) {
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    EXPECT_EQ(parse_checksum_algorithm(name), a) << name;
  }
  EXPECT_EQ(checksum_algorithm_name(ChecksumAlgorithm::kCrc64Nvme), "CRC64NVME");
  EXPECT_EQ(parse_checksum_algorithm("Sha256"), ChecksumAlgorithm::kSha256);
  EXPECT_EQ(parse_checksum_algorithm(""), std::nullopt);
  EXPECT_EQ(parse_checksum_algorithm("CRC64"), std::nullopt);
  EXPECT_EQ(parse_checksum_algorithm("SHA-256"), std::nullopt);
  EXPECT_EQ(parse_checksum_algorithm("CRC32C "), std::nullopt);
}

TEST(ChecksumTest, CreateReportsAlgorithmAndDigestSize) {
  for (ChecksumAlgorithm a : kAllAlgorithms) {
    auto checksum = Checksum::create(a);
    ASSERT_TRUE(checksum.is_ok()) << checksum.status().to_string();
    EXPECT_EQ((*checksum)->algorithm(), a);
    EXPECT_EQ((*checksum)->digest_size(), checksum_digest_size(a));
    EXPECT_EQ((*checksum)->finish().size(), checksum_digest_size(a));
  }
}

// ---- streaming -----------------------------------------------------------------

TEST(ChecksumTest, RandomSplitsGiveTheOneShotResult) {
  std::mt19937 rng(42);
  const std::string data = random_bytes(100000, 1);
  for (ChecksumAlgorithm a : kAllAlgorithms) {
    SCOPED_TRACE(checksum_algorithm_name(a));
    const std::string whole = digest(a, data);
    for (int trial = 0; trial < 20; ++trial) {
      std::vector<size_t> cuts(rng() % 40);
      for (size_t& cut : cuts) {
        cut = rng() % (data.size() + 1);
      }
      std::sort(cuts.begin(), cuts.end());  // repeated cuts feed empty pieces
      ASSERT_EQ(digest_in_pieces(a, data, cuts), whole) << "trial " << trial;
    }
  }
}

TEST(ChecksumTest, ChainedCrcCallsGiveTheOneShotResult) {
  const std::string data = random_bytes(5000, 2);
  const uint32_t whole32 = crc32(0, data.data(), data.size());
  const uint32_t whole32c = crc32c(0, data.data(), data.size());
  const uint64_t whole64 = crc64_nvme(0, data.data(), data.size());
  for (size_t cut = 0; cut <= data.size(); cut += 97) {
    const char* rest = data.data() + cut;
    const size_t rest_n = data.size() - cut;
    EXPECT_EQ(crc32(crc32(0, data.data(), cut), rest, rest_n), whole32);
    EXPECT_EQ(crc32c(crc32c(0, data.data(), cut), rest, rest_n), whole32c);
    EXPECT_EQ(crc64_nvme(crc64_nvme(0, data.data(), cut), rest, rest_n), whole64);
  }
}

TEST(ChecksumTest, Crc32MatchesZlib) {
  const std::string data = random_bytes(70000, 3);
  for (size_t n : {0, 1, 15, 16, 17, 255, 256, 4096, 65536, 70000}) {
    EXPECT_EQ(crc32(0, data.data(), n),
              ::crc32(0, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(n)))
        << n;
  }
}

// ---- CRC64-NVME implementations agree --------------------------------------------

TEST(Crc64NvmeTest, ClmulMatchesTableOnRandomLengthsAndAlignments) {
  if (!crc64_nvme_clmul_available()) {
    GTEST_SKIP() << "CPU lacks PCLMULQDQ/SSE4.1";
  }
  std::mt19937 rng(7);
  const std::string data = random_bytes(10000 + 64, 4);
  for (int trial = 0; trial < 3000; ++trial) {
    const size_t offset = rng() % 64;
    const size_t n = rng() % 10001;
    const uint64_t seed_crc = (trial % 2) ? 0 : (uint64_t{rng()} << 32 | rng());
    const char* p = data.data() + offset;
    ASSERT_EQ(crc64_nvme_clmul(seed_crc, p, n), crc64_nvme_table(seed_crc, p, n))
        << "offset " << offset << " length " << n;
  }
}

TEST(Crc64NvmeTest, ClmulMatchesTableAtEveryShortLength) {
  if (!crc64_nvme_clmul_available()) {
    GTEST_SKIP() << "CPU lacks PCLMULQDQ/SSE4.1";
  }
  // Covers each path: tables only, one stride, stride + 16-byte blocks + tail.
  const std::string data = random_bytes(600, 5);
  for (size_t n = 0; n <= 512; ++n) {
    for (size_t offset : {0, 1, 8, 15}) {
      ASSERT_EQ(crc64_nvme_clmul(0, data.data() + offset, n),
                crc64_nvme_table(0, data.data() + offset, n))
          << "offset " << offset << " length " << n;
    }
  }
}

TEST(Crc64NvmeTest, DispatchedMatchesTable) {
  const std::string data = random_bytes(1 << 20, 6);
  EXPECT_EQ(crc64_nvme(0, data.data(), data.size()), crc64_nvme_table(0, data.data(), data.size()));
}

// ---- combine ---------------------------------------------------------------------

TEST(CrcCombineTest, CombiningTwoHalvesGivesTheWhole) {
  std::mt19937 rng(11);
  const std::string data = random_bytes(20000, 8);
  for (int trial = 0; trial < 200; ++trial) {
    const size_t cut = (trial < 3) ? (trial == 0   ? 0
                                      : trial == 1 ? data.size()
                                                   : 1)
                                   : rng() % (data.size() + 1);
    const char* a = data.data();
    const char* b = data.data() + cut;
    const size_t b_n = data.size() - cut;
    SCOPED_TRACE("cut at " + std::to_string(cut));
    EXPECT_EQ(crc32_combine(crc32(0, a, cut), crc32(0, b, b_n), b_n),
              crc32(0, data.data(), data.size()));
    EXPECT_EQ(crc32c_combine(crc32c(0, a, cut), crc32c(0, b, b_n), b_n),
              crc32c(0, data.data(), data.size()));
    EXPECT_EQ(crc64_nvme_combine(crc64_nvme(0, a, cut), crc64_nvme(0, b, b_n), b_n),
              crc64_nvme(0, data.data(), data.size()));
  }
}

// A full-object checksum of a multipart upload: fold part CRCs left to right.
TEST(CrcCombineTest, CombiningManyPartsGivesTheWhole) {
  const std::string data = random_bytes(3 * 1048576 + 12345, 9);
  const size_t part = 1048576;
  uint64_t combined = 0;
  uint32_t combined_c = 0;
  for (size_t start = 0; start < data.size(); start += part) {
    const size_t n = std::min(part, data.size() - start);
    combined = crc64_nvme_combine(combined, crc64_nvme(0, data.data() + start, n), n);
    combined_c = crc32c_combine(combined_c, crc32c(0, data.data() + start, n), n);
  }
  EXPECT_EQ(combined, crc64_nvme(0, data.data(), data.size()));
  EXPECT_EQ(combined_c, crc32c(0, data.data(), data.size()));
}

TEST(CrcCombineTest, Crc32CombineMatchesZlibForHugeLengths) {
  // Lengths far beyond what a test can hash: zlib's combine is the reference.
  for (uint64_t len2 : {uint64_t{0}, uint64_t{1}, uint64_t{5} << 30, uint64_t{5} << 40,
                        (uint64_t{1} << 62) + 12345}) {
    EXPECT_EQ(crc32_combine(0xDEADBEEF, 0x12345678, len2),
              ::crc32_combine64(0xDEADBEEF, 0x12345678, static_cast<z_off64_t>(len2)))
        << len2;
  }
}

// ---- encoding --------------------------------------------------------------------

TEST(EncodingTest, Base64Rfc4648Vectors) {
  const std::pair<std::string_view, std::string_view> vectors[] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(base64_encode(plain), encoded);
    auto decoded = base64_decode(encoded);
    ASSERT_TRUE(decoded.is_ok()) << encoded;
    EXPECT_EQ(*decoded, plain);
  }
}

TEST(EncodingTest, Base64RoundTripsEveryLength) {
  for (size_t n = 0; n <= 100; ++n) {
    const std::string bytes = random_bytes(n, static_cast<uint32_t>(n));
    const std::string text = base64_encode(bytes);
    EXPECT_EQ(text.size() % 4, 0u);
    auto decoded = base64_decode(text);
    ASSERT_TRUE(decoded.is_ok()) << text;
    EXPECT_EQ(*decoded, bytes);
  }
}

TEST(EncodingTest, Base64RejectsMalformedInput) {
  const std::string_view bad[] = {
      "Zg",        // no padding
      "Zg=",       // short padding
      "Zm9",       // length not a multiple of 4
      "Z===",      // too much padding
      "====",      // padding only
      "=Zm9",      // padding first
      "Zg==Zg==",  // padding in the middle
      "Zm=v",      // padding inside a group
      "Zh==",      // non-zero bits under the padding ("Zg==" is canonical)
      "Zm9=",      // likewise ("Zm8=" is canonical)
      " Zm9v",     // whitespace, which EVP_DecodeBlock alone would skip
      "Zm9v\n",    // trailing newline
      "Zm 9v",     // inner space
      "Zm9v-_==",  // URL-safe alphabet
      "Zm9v*A==",  // not base64 at all
      std::string_view("Zm9v\0\0\0\0", 8),
  };
  for (std::string_view text : bad) {
    auto decoded = base64_decode(text);
    EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument) << "accepted '" << text << "'";
  }
}

TEST(EncodingTest, HexRoundTripAndRejection) {
  const std::string bytes = random_bytes(256, 10);
  const std::string text = hex_encode(bytes);
  EXPECT_EQ(text.size(), 512u);
  auto decoded = hex_decode(text);
  ASSERT_TRUE(decoded.is_ok());
  EXPECT_EQ(*decoded, bytes);

  EXPECT_EQ(hex_encode(std::string_view("\x00\x7f\x80\xff", 4)), "007f80ff");
  auto upper = hex_decode("DEADbeef");
  ASSERT_TRUE(upper.is_ok());
  EXPECT_EQ(*upper, "\xde\xad\xbe\xef");
  EXPECT_FALSE(hex_decode("abc").is_ok());
  EXPECT_FALSE(hex_decode("zz").is_ok());
  EXPECT_FALSE(hex_decode("0x12").is_ok());
  EXPECT_FALSE(hex_decode(" 12").is_ok());
}

TEST(EncodingTest, SixteenHexDigitIds) {
  EXPECT_EQ(hex_u64(0), "0000000000000000");
  EXPECT_EQ(hex_u64(0x0123456789abcdefull), "0123456789abcdef");
  EXPECT_EQ(parse_hex_u64("0123456789abcdef"), 0x0123456789abcdefull);
  EXPECT_EQ(parse_hex_u64(hex_u64(UINT64_MAX)), UINT64_MAX);
  EXPECT_FALSE(parse_hex_u64("0123456789ABCDEF"));  // one spelling per id
  EXPECT_FALSE(parse_hex_u64("0123456789abcde"));
  EXPECT_FALSE(parse_hex_u64("0123456789abcdef0"));
  EXPECT_FALSE(parse_hex_u64("0123456789abcdeg"));
  EXPECT_FALSE(parse_hex_u64(""));
}

}  // namespace
}  // namespace skyarray
