#include "common/crc64_nvme.h"

#include <array>
#include <bit>
#include <cstring>
#include <string_view>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace skyarray {
namespace {

// Both implementations load 8- and 16-byte words with memcpy and treat byte 0
// as the least significant: that is the reflected CRC's bit order only on a
// little-endian host (x86-64, arm64).
static_assert(std::endian::native == std::endian::little, "CRC-64/NVME assumes little endian");

// Bit-reflected form of the polynomial without its x^64 term. In reflected
// form bit i of a 64-bit word holds the coefficient of x^(63-i).
constexpr uint64_t kPolyReflected = 0x9A6C9329AC4BC9B5;

// x^n mod P, reflected. Multiplying by x moves every coefficient one bit
// down; the coefficient that leaves bit 0 is an x^64, which P reduces to
// kPolyReflected.
constexpr uint64_t x_pow_mod(unsigned n) {
  uint64_t v = uint64_t{1} << 63;  // x^0
  for (unsigned i = 0; i < n; ++i) {
    v = (v >> 1) ^ ((v & 1) ? kPolyReflected : 0);
  }
  return v;
}

// ---- slicing-by-8 tables ---------------------------------------------------

// kTables[0] is the classic byte-at-a-time table; kTables[k][b] is the CRC
// contribution of byte b followed by k zero bytes, so eight bytes are folded
// with eight independent lookups.
using Tables = std::array<std::array<uint64_t, 256>, 8>;
constexpr Tables make_tables() {
  Tables t{};
  for (unsigned b = 0; b < 256; ++b) {
    uint64_t c = b;
    for (int bit = 0; bit < 8; ++bit) {
      c = (c >> 1) ^ ((c & 1) ? kPolyReflected : 0);
    }
    t[0][b] = c;
  }
  for (unsigned k = 1; k < 8; ++k) {
    for (unsigned b = 0; b < 256; ++b) {
      t[k][b] = (t[k - 1][b] >> 8) ^ t[0][t[k - 1][b] & 0xFF];
    }
  }
  return t;
}
constexpr Tables kTables = make_tables();

// The catalogue's check value, verified at compile time against the tables.
constexpr uint64_t table_crc_of_check_string() {
  uint64_t reg = ~uint64_t{0};
  for (char c : std::string_view("123456789")) {
    reg = (reg >> 8) ^ kTables[0][(reg ^ static_cast<uint8_t>(c)) & 0xFF];
  }
  return ~reg;
}
static_assert(table_crc_of_check_string() == 0xAE8B14860A799888);

// Advances the raw CRC register (no init/xorout) over p[0, n).
uint64_t table_update(uint64_t reg, const uint8_t* p, size_t n) {
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    w ^= reg;
    reg = kTables[7][w & 0xFF] ^ kTables[6][(w >> 8) & 0xFF] ^ kTables[5][(w >> 16) & 0xFF] ^
          kTables[4][(w >> 24) & 0xFF] ^ kTables[3][(w >> 32) & 0xFF] ^
          kTables[2][(w >> 40) & 0xFF] ^ kTables[1][(w >> 48) & 0xFF] ^ kTables[0][w >> 56];
  }
  for (; n > 0; ++p, --n) {
    reg = (reg >> 8) ^ kTables[0][(reg ^ *p) & 0xFF];
  }
  return reg;
}

// ---- carry-less multiply folding ---------------------------------------------
//
// The CRC register after a message M is M(x)·x^64 mod P (the initial register
// is XORed into M's first 8 bytes). Folding keeps several 128-bit
// accumulators, each a polynomial A standing for A·x^D where D is how many bits
// of message follow it. Moving A forward by D bits onto a later block B only
// needs A·x^D mod P, and with A = Ahi·x^64 + Alo that is
//   Ahi·(x^(D+64) mod P) + Alo·(x^D mod P),
// two 64x64 carry-less products whose sum fits in 128 bits: XOR it into B.
// The loaded register's low qword is Ahi (the earlier bytes). A carry-less
// product of two reflected 64-bit values is the reflected 128-bit product
// multiplied by x, so each constant is x^(k-1) instead of x^k.
//
// After folding, one accumulator is left; its 16 bytes plus the tail shorter
// than 16 bytes are a message with the same CRC register, which the tables
// finish. That replaces a Barrett reduction and costs a few nanoseconds.

#if defined(__x86_64__)

struct FoldConstants {
  uint64_t lo;  // multiplies the earlier qword (low half of the register)
  uint64_t hi;  // multiplies the later qword
};
constexpr FoldConstants fold_constants(unsigned distance_bits) {
  return {x_pow_mod(distance_bits + 63), x_pow_mod(distance_bits - 1)};
}
constexpr FoldConstants kFold128 = fold_constants(128);    // onto the next block
constexpr FoldConstants kFold1024 = fold_constants(1024);  // onto the block 128 bytes on

constexpr size_t kLanes = 8;             // accumulators: hide the multiply latency
constexpr size_t kStride = kLanes * 16;  // bytes consumed per main-loop round

__attribute__((target("pclmul,sse4.1"))) inline __m128i fold(__m128i a, __m128i k) {
  return _mm_xor_si128(_mm_clmulepi64_si128(a, k, 0x00), _mm_clmulepi64_si128(a, k, 0x11));
}

__attribute__((target("pclmul,sse4.1"))) inline __m128i load(const uint8_t* p) {
  return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
}

__attribute__((target("pclmul,sse4.1"))) uint64_t clmul_update(uint64_t reg, const uint8_t* p,
                                                               size_t n) {
  // The lanes need one full stride to start.
  if (n < kStride) {
    return table_update(reg, p, n);
  }

  const __m128i k1024 =
      _mm_set_epi64x(static_cast<int64_t>(kFold1024.hi), static_cast<int64_t>(kFold1024.lo));
  const __m128i k128 =
      _mm_set_epi64x(static_cast<int64_t>(kFold128.hi), static_cast<int64_t>(kFold128.lo));

  __m128i acc[kLanes];
#pragma GCC unroll 8
  for (size_t i = 0; i < kLanes; ++i) {
    acc[i] = load(p + 16 * i);
  }
  acc[0] = _mm_xor_si128(acc[0], _mm_cvtsi64_si128(static_cast<int64_t>(reg)));
  p += kStride;
  n -= kStride;

  for (; n >= kStride; p += kStride, n -= kStride) {
    // Unrolled so the accumulators stay in registers (-O2 keeps them on the
    // stack otherwise, at half the speed).
#pragma GCC unroll 8
    for (size_t i = 0; i < kLanes; ++i) {
      acc[i] = _mm_xor_si128(fold(acc[i], k1024), load(p + 16 * i));
    }
  }

  // Lanes hold consecutive 16-byte blocks: fold each onto its successor.
  __m128i x = acc[0];
#pragma GCC unroll 8
  for (size_t i = 1; i < kLanes; ++i) {
    x = _mm_xor_si128(fold(x, k128), acc[i]);
  }
  for (; n >= 16; p += 16, n -= 16) {
    x = _mm_xor_si128(fold(x, k128), load(p));
  }

  alignas(16) uint8_t block[16];
  _mm_store_si128(reinterpret_cast<__m128i*>(block), x);
  return table_update(table_update(0, block, 16), p, n);
}

bool detect_clmul() {
  __builtin_cpu_init();  // in case we run before the CPU-model constructor
  return __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");
}

#endif  // __x86_64__

using UpdateFn = uint64_t (*)(uint64_t reg, const uint8_t* p, size_t n);

UpdateFn pick_update() {
#if defined(__x86_64__)
  if (detect_clmul()) {
    return clmul_update;
  }
#endif
  return table_update;
}

// Public functions take and return the finished CRC; the register is its
// complement (init and xorout are all ones), which also makes chaining work.
uint64_t run(UpdateFn fn, uint64_t crc, const void* data, size_t n) {
  return ~fn(~crc, static_cast<const uint8_t*>(data), n);
}

}  // namespace

uint64_t crc64_nvme(uint64_t crc, const void* data, size_t n) {
  static const UpdateFn update = pick_update();
  return run(update, crc, data, n);
}

uint64_t crc64_nvme_table(uint64_t crc, const void* data, size_t n) {
  return run(table_update, crc, data, n);
}

bool crc64_nvme_clmul_available() {
#if defined(__x86_64__)
  static const bool available = detect_clmul();
  return available;
#else
  return false;
#endif
}

uint64_t crc64_nvme_clmul(uint64_t crc, const void* data, size_t n) {
#if defined(__x86_64__)
  return run(clmul_update, crc, data, n);
#else
  return crc64_nvme_table(crc, data, n);
#endif
}

}  // namespace skyarray
