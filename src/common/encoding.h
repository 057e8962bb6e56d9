// Text encodings of binary values: base64 for S3 checksum headers
// (x-amz-checksum-*, Content-MD5: base64 of the raw, big-endian digest) and
// lowercase hex for ETags and logs.
//
// Decoders are strict because their input comes from clients: anything that
// is not the one canonical encoding of some byte string is rejected, so two
// different header values never decode to the same digest.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace skyarray {

// RFC 4648 section 4 base64 (alphabet A-Z a-z 0-9 + /) with '=' padding, no
// line breaks.
std::string base64_encode(std::string_view bytes);

// Inverse of base64_encode(). Fails with kInvalidArgument unless `text` is
// exactly what base64_encode() produces for some input: length a multiple of
// 4, only alphabet characters, '=' only as the last one or two characters,
// the bits below the padding zero; no whitespace, no URL-safe alphabet.
Result<std::string> base64_decode(std::string_view text);

// 0..15 for a hex digit of either case, -1 for anything else.
int hex_digit_value(char c);

// Two lowercase hex digits per byte.
std::string hex_encode(std::string_view bytes);

// Inverse of hex_encode(), accepting either case. Fails with kInvalidArgument
// on an odd length or a non-hex character.
Result<std::string> hex_decode(std::string_view text);

// A 64-bit id as exactly 16 lowercase hex digits (chunk file names, object
// version ids).
std::string hex_u64(uint64_t v);

// Inverse of hex_u64(): exactly 16 digits 0-9 a-f, else nullopt (no upper
// case, so that one id has one spelling).
std::optional<uint64_t> parse_hex_u64(std::string_view text);

}  // namespace skyarray
