// CRC-64/NVME: the 64-bit CRC that NVMe end-to-end protection and S3's
// x-amz-checksum-crc64nvme use. Debian's ISA-L (2.30) does not have it, so it
// lives here.
//
// Parameters (Rocksoft Model / reveng catalogue "CRC-64/NVME"):
//   width 64, poly 0xAD93D23594C93659 (normal form; 0x9A6C9329AC4BC9B5 reflected),
//   init 0xFFFFFFFFFFFFFFFF, refin true, refout true, xorout 0xFFFFFFFFFFFFFFFF,
//   check ("123456789") 0xAE8B14860A799888.
//
// Two implementations compute the same function:
//   - carry-less multiply folding (x86-64 PCLMULQDQ + SSE4.1), used when the
//     CPU has it: memory-bandwidth speed on large buffers;
//   - slicing-by-8 tables, portable, about a tenth of that speed.
// crc64_nvme() picks one once, at first use, from the CPU's features.
#pragma once

#include <cstddef>
#include <cstdint>

namespace skyarray {

// Returns the CRC-64/NVME of the bytes `crc` already covers followed by
// data[0, n). Start with crc = 0; crc64_nvme(crc64_nvme(0, a), b) equals the
// CRC of a followed by b. The value is the finished CRC (xorout applied), as
// S3 sends it, big-endian, base64-encoded. Thread-safe; data may be unaligned.
uint64_t crc64_nvme(uint64_t crc, const void* data, size_t n);

// The two implementations behind crc64_nvme(), same contract. Exposed so that
// tests can check they agree and benchmarks can time each; other code calls
// crc64_nvme().
uint64_t crc64_nvme_table(uint64_t crc, const void* data, size_t n);
// True when this CPU can run crc64_nvme_clmul().
bool crc64_nvme_clmul_available();
// Precondition: crc64_nvme_clmul_available().
uint64_t crc64_nvme_clmul(uint64_t crc, const void* data, size_t n);

}  // namespace skyarray
