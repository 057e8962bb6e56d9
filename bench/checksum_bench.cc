// Checksum throughput, relative to memcpy on the same machine.
//
// Every byte the array stores or serves is checksummed at least once (CRC32C
// per block, plus the client's S3 checksum and the MD5 ETag on uploads), so a
// checksum slower than copying the data would be a bottleneck of its own.
// Goal: CRC32C at least half of memcpy speed.
//
// Usage: checksum_bench [buffer MiB = 64] [repeats = 5]
// Each row runs over the whole buffer `repeats` times and keeps the best run.
// GB/s counts bytes read (for memcpy: bytes copied), 1 GB = 1e9 bytes.
#include <isa-l/crc64.h>
#include <zlib.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "common/checksum.h"
#include "common/crc64_nvme.h"

namespace skyarray {
namespace {

// Results are folded into this so the compiler cannot drop the work.
volatile uint64_t g_sink;

double best_seconds(int repeats, const std::function<uint64_t()>& run) {
  double best = 1e30;
  for (int i = 0; i < repeats; ++i) {
    const auto start = std::chrono::steady_clock::now();
    g_sink = g_sink + run();
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    best = std::min(best, took.count());
  }
  return best;
}

struct Row {
  std::string name;
  std::function<uint64_t()> run;
};

int run_bench(size_t mib, int repeats) {
  const size_t size = mib << 20;
  std::vector<uint8_t> src(size);
  std::vector<uint8_t> dst(size, 0);  // filled now so page faults stay out of the timing
  std::mt19937_64 rng(1);
  for (size_t i = 0; i + 8 <= size; i += 8) {
    const uint64_t v = rng();
    std::memcpy(&src[i], &v, 8);
  }
  const uint8_t* p = src.data();

  auto digest = [&](ChecksumAlgorithm algorithm) {
    return [&, algorithm]() -> uint64_t {
      auto checksum = Checksum::create(algorithm);
      if (!checksum.is_ok()) {
        std::fprintf(stderr, "%s\n", checksum.status().to_string().c_str());
        std::exit(1);
      }
      (*checksum)->update(p, size);
      return static_cast<uint8_t>((*checksum)->finish()[0]);
    };
  };
  // The store's pattern: one CRC32C per 64 KiB checksum block.
  auto crc32c_per_block = [&]() -> uint64_t {
    constexpr size_t kBlock = 64 << 10;
    uint64_t sum = 0;
    for (size_t off = 0; off + kBlock <= size; off += kBlock) {
      sum += crc32c(0, p + off, kBlock);
    }
    return sum;
  };

  const double memcpy_s = best_seconds(repeats, [&]() -> uint64_t {
    std::memcpy(dst.data(), p, size);
    return dst[size / 2];
  });
  const double memcpy_gbs = static_cast<double>(size) / memcpy_s / 1e9;

  std::vector<Row> rows = {
      {"CRC32C (ISA-L)", [&] { return uint64_t{crc32c(0, p, size)}; }},
      {"CRC32C, 64 KiB calls", crc32c_per_block},
      {"CRC32 (ISA-L)", [&] { return uint64_t{crc32(0, p, size)}; }},
      {"CRC64NVME", [&] { return crc64_nvme(0, p, size); }},
      {"CRC64NVME table", [&] { return crc64_nvme_table(0, p, size); }},
      {"MD5 (OpenSSL)", digest(ChecksumAlgorithm::kMd5)},
      {"SHA1 (OpenSSL)", digest(ChecksumAlgorithm::kSha1)},
      {"SHA256 (OpenSSL)", digest(ChecksumAlgorithm::kSha256)},
      // Peers: what a library gets for a comparable job.
      {"peer: CRC32 zlib", [&] { return uint64_t{::crc32_z(0, p, size)}; }},
      {"peer: CRC64-ECMA ISA-L", [&] { return crc64_ecma_refl(0, p, size); }},
  };
  if (crc64_nvme_clmul_available()) {
    rows[3].name = "CRC64NVME (PCLMUL)";
  } else {
    rows[3].name = "CRC64NVME (no PCLMUL: table)";
  }

  std::printf("buffer %zu MiB, best of %d\n\n", mib, repeats);
  std::printf("%-30s %9s %10s\n", "", "GB/s", "x memcpy");
  std::printf("%-30s %9.2f %10.2f\n", "memcpy", memcpy_gbs, 1.0);
  double crc32c_ratio = 0;
  for (const Row& row : rows) {
    const double gbs = static_cast<double>(size) / best_seconds(repeats, row.run) / 1e9;
    std::printf("%-30s %9.2f %10.2f\n", row.name.c_str(), gbs, gbs / memcpy_gbs);
    if (row.name == "CRC32C (ISA-L)") {
      crc32c_ratio = gbs / memcpy_gbs;
    }
  }
  std::printf("\ngoal CRC32C >= 0.50 x memcpy: %s (%.2f)\n", crc32c_ratio >= 0.5 ? "met" : "MISSED",
              crc32c_ratio);
  return 0;
}

}  // namespace
}  // namespace skyarray

int main(int argc, char** argv) {
  const long mib = argc > 1 ? std::strtol(argv[1], nullptr, 10) : 64;
  const long repeats = argc > 2 ? std::strtol(argv[2], nullptr, 10) : 5;
  if (mib <= 0 || mib > 4096 || repeats <= 0 || repeats > 1000) {
    std::fprintf(stderr, "usage: %s [buffer MiB 1..4096 = 64] [repeats 1..1000 = 5]\n", argv[0]);
    return 2;
  }
  return skyarray::run_bench(static_cast<size_t>(mib), static_cast<int>(repeats));
}
