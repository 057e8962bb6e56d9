#include "common/checksum.h"

#include <isa-l/crc.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <utility>

#include "common/ascii.h"

namespace skyarray {
namespace {

struct AlgorithmInfo {
  ChecksumAlgorithm algorithm;
  std::string_view name;  // S3's spelling
  size_t digest_size;
  const char* openssl_name;  // nullptr for CRCs
};

constexpr std::array<AlgorithmInfo, 6> kAlgorithms = {{
    {ChecksumAlgorithm::kCrc32, "CRC32", 4, nullptr},
    {ChecksumAlgorithm::kCrc32c, "CRC32C", 4, nullptr},
    {ChecksumAlgorithm::kCrc64Nvme, "CRC64NVME", 8, nullptr},
    {ChecksumAlgorithm::kSha1, "SHA1", 20, "SHA1"},
    {ChecksumAlgorithm::kSha256, "SHA256", 32, "SHA256"},
    {ChecksumAlgorithm::kMd5, "MD5", 16, "MD5"},
}};

const AlgorithmInfo& info(ChecksumAlgorithm algorithm) {
  return kAlgorithms[static_cast<size_t>(algorithm)];
}
static_assert([] {
  for (size_t i = 0; i < kAlgorithms.size(); ++i) {
    if (static_cast<size_t>(kAlgorithms[i].algorithm) != i) {
      return false;
    }
  }
  return true;
}());

// ---- CRCs --------------------------------------------------------------------

template <typename Word>
std::string big_endian_bytes(Word value) {
  std::string out(sizeof(Word), '\0');
  for (size_t i = 0; i < sizeof(Word); ++i) {
    out[i] = static_cast<char>(value >> (8 * (sizeof(Word) - 1 - i)));
  }
  return out;
}

template <typename Word, Word (*kUpdate)(Word, const void*, size_t)>
class CrcChecksum final : public Checksum {
 public:
  explicit CrcChecksum(ChecksumAlgorithm algorithm) : Checksum(algorithm) {}
  void update(const void* data, size_t n) override { crc_ = kUpdate(crc_, data, n); }
  std::string finish() override { return big_endian_bytes(crc_); }

 private:
  Word crc_ = 0;
};

// GF(2) polynomial arithmetic modulo a CRC polynomial, in the reflected bit
// order the CRCs use (the coefficient of x^0 is the top bit). This is zlib's
// crc32_combine method, generalised to any reflected CRC whose init equals
// its xorout: then CRC(a + b) = CRC(a)·x^(8·|b|) mod P  XOR  CRC(b).
template <typename Word, Word kPolyReflected>
struct CrcPolynomial {
  static constexpr Word kOne = Word{1} << (8 * sizeof(Word) - 1);

  static constexpr Word multiply(Word a, Word b) {
    Word product = 0;
    for (Word bit = kOne; bit != 0; bit >>= 1) {
      if (a & bit) {
        product ^= b;
      }
      b = (b & 1) ? static_cast<Word>((b >> 1) ^ kPolyReflected) : static_cast<Word>(b >> 1);
    }
    return product;
  }

  // squares[k] = x^(2^k) mod P for every k a 64-bit byte count can need
  // (8·len2 < 2^67).
  static constexpr std::array<Word, 67> squares() {
    std::array<Word, 67> t{};
    t[0] = kOne >> 1;  // x^1
    for (size_t k = 1; k < t.size(); ++k) {
      t[k] = multiply(t[k - 1], t[k - 1]);
    }
    return t;
  }

  static Word combine(Word crc1, Word crc2, uint64_t len2) {
    static constexpr std::array<Word, 67> kSquares = squares();
    // x^(8·len2) mod P: the product of x^(2^(k+3)) over the bits k set in len2.
    Word shift = kOne;
    for (size_t k = 3; len2 != 0; len2 >>= 1, ++k) {
      if (len2 & 1) {
        shift = multiply(shift, kSquares[k]);
      }
    }
    return multiply(crc1, shift) ^ crc2;
  }
};

using Crc32cPolynomial = CrcPolynomial<uint32_t, 0x82F63B78>;
using Crc32Polynomial = CrcPolynomial<uint32_t, 0xEDB88320>;
using Crc64NvmePolynomial = CrcPolynomial<uint64_t, 0x9A6C9329AC4BC9B5>;

// ---- OpenSSL digests ---------------------------------------------------------

// OpenSSL 3 looks an algorithm up on every init unless it was fetched
// explicitly; fetch each once per process and keep it (never freed).
const EVP_MD* fetched_md(ChecksumAlgorithm algorithm) {
  static const std::array<EVP_MD*, kAlgorithms.size()> mds = [] {
    std::array<EVP_MD*, kAlgorithms.size()> out{};
    for (size_t i = 0; i < kAlgorithms.size(); ++i) {
      if (kAlgorithms[i].openssl_name) {
        out[i] = EVP_MD_fetch(nullptr, kAlgorithms[i].openssl_name, nullptr);
      }
    }
    return out;
  }();
  return mds[static_cast<size_t>(algorithm)];
}

// After a successful init, update and final on a software digest fail only on
// a broken OpenSSL or a bug of ours. Returning a wrong digest would be silently
// accepted as the object's checksum, so stop instead.
[[noreturn]] void die_openssl(const char* what) {
  std::fprintf(stderr, "skyarray: OpenSSL %s failed on a digest that was initialised\n", what);
  std::abort();
}

struct CtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using CtxPtr = std::unique_ptr<EVP_MD_CTX, CtxFree>;

class DigestChecksum final : public Checksum {
 public:
  DigestChecksum(ChecksumAlgorithm algorithm, CtxPtr ctx)
      : Checksum(algorithm), ctx_(std::move(ctx)) {}

  void update(const void* data, size_t n) override {
    if (EVP_DigestUpdate(ctx_.get(), data, n) != 1) {
      die_openssl("EVP_DigestUpdate");
    }
  }

  std::string finish() override {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    if (EVP_DigestFinal_ex(ctx_.get(), digest, &size) != 1) {
      die_openssl("EVP_DigestFinal_ex");
    }
    return std::string(reinterpret_cast<const char*>(digest), size);
  }

 private:
  CtxPtr ctx_;
};

Result<std::unique_ptr<Checksum>> create_digest(ChecksumAlgorithm algorithm) {
  const std::string name(checksum_algorithm_name(algorithm));
  const EVP_MD* md = fetched_md(algorithm);
  if (md == nullptr) {
    return Status::not_supported("OpenSSL does not provide " + name);
  }
  CtxPtr ctx(EVP_MD_CTX_new());
  if (ctx == nullptr) {
    return Status::internal("EVP_MD_CTX_new failed for " + name);
  }
  if (EVP_DigestInit_ex2(ctx.get(), md, nullptr) != 1) {
    return Status::not_supported("OpenSSL cannot initialise " + name);
  }
  return std::unique_ptr<Checksum>(new DigestChecksum(algorithm, std::move(ctx)));
}

}  // namespace

std::string_view checksum_algorithm_name(ChecksumAlgorithm algorithm) {
  return info(algorithm).name;
}

std::optional<ChecksumAlgorithm> parse_checksum_algorithm(std::string_view name) {
  for (const AlgorithmInfo& a : kAlgorithms) {
    if (iequals(name, a.name)) {
      return a.algorithm;
    }
  }
  return std::nullopt;
}

size_t checksum_digest_size(ChecksumAlgorithm algorithm) {
  return info(algorithm).digest_size;
}

Result<std::unique_ptr<Checksum>> Checksum::create(ChecksumAlgorithm algorithm) {
  switch (algorithm) {
    case ChecksumAlgorithm::kCrc32:
      return std::unique_ptr<Checksum>(new CrcChecksum<uint32_t, crc32>(algorithm));
    case ChecksumAlgorithm::kCrc32c:
      return std::unique_ptr<Checksum>(new CrcChecksum<uint32_t, crc32c>(algorithm));
    case ChecksumAlgorithm::kCrc64Nvme:
      return std::unique_ptr<Checksum>(new CrcChecksum<uint64_t, crc64_nvme>(algorithm));
    case ChecksumAlgorithm::kSha1:
    case ChecksumAlgorithm::kSha256:
    case ChecksumAlgorithm::kMd5:
      return create_digest(algorithm);
  }
  return Status::invalid_argument("unknown checksum algorithm");
}

uint32_t crc32c(uint32_t crc, const void* data, size_t n) {
  // ISA-L's crc32_iscsi works on the raw register (no init/xorout inversion),
  // takes a non-const pointer it never writes through, and an int length.
  auto* p = static_cast<unsigned char*>(const_cast<void*>(data));
  uint32_t reg = ~crc;
  while (n > 0) {
    const size_t chunk = std::min<size_t>(n, size_t{1} << 30);
    reg = crc32_iscsi(p, static_cast<int>(chunk), reg);
    p += chunk;
    n -= chunk;
  }
  return ~reg;
}

uint32_t crc32(uint32_t crc, const void* data, size_t n) {
  // crc32_gzip_refl has zlib's convention: finished CRC in, finished CRC out.
  return crc32_gzip_refl(crc, static_cast<const unsigned char*>(data), n);
}

uint32_t crc32c_combine(uint32_t crc1, uint32_t crc2, uint64_t len2) {
  return Crc32cPolynomial::combine(crc1, crc2, len2);
}

uint32_t crc32_combine(uint32_t crc1, uint32_t crc2, uint64_t len2) {
  return Crc32Polynomial::combine(crc1, crc2, len2);
}

uint64_t crc64_nvme_combine(uint64_t crc1, uint64_t crc2, uint64_t len2) {
  return Crc64NvmePolynomial::combine(crc1, crc2, len2);
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  // OpenSSL 3's one-shot HMAC() looks the algorithm up on every call; a
  // context per thread, set to SHA-256 once, is only re-keyed.
  struct Mac {
    EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    EVP_MAC_CTX* ctx = nullptr;
    Mac() {
      if (mac == nullptr || (ctx = EVP_MAC_CTX_new(mac)) == nullptr) return;
      char digest[] = "SHA256";
      OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", digest, 0),
                             OSSL_PARAM_construct_end()};
      if (EVP_MAC_CTX_set_params(ctx, params) != 1) {
        EVP_MAC_CTX_free(ctx);
        ctx = nullptr;
      }
    }
    ~Mac() {
      EVP_MAC_CTX_free(ctx);
      EVP_MAC_free(mac);
    }
  };
  thread_local Mac m;
  unsigned char out[EVP_MAX_MD_SIZE];
  size_t len = 0;
  const auto* k = reinterpret_cast<const unsigned char*>(key.data());
  const auto* d = reinterpret_cast<const unsigned char*>(data.data());
  if (m.ctx != nullptr && EVP_MAC_init(m.ctx, k, key.size(), nullptr) == 1 &&
      EVP_MAC_update(m.ctx, d, data.size()) == 1 &&
      EVP_MAC_final(m.ctx, out, &len, sizeof out) == 1) {
    return std::string(reinterpret_cast<char*>(out), len);
  }
  unsigned int n = 0;
  HMAC(EVP_sha256(), k, static_cast<int>(key.size()), d, data.size(), out, &n);
  return std::string(reinterpret_cast<char*>(out), n);
}

}  // namespace skyarray
