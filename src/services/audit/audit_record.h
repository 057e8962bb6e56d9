// AuditRecord: one line of the audit log, and its hash chain.
//
// On-disk format, version 1: a segment file holds one record per line,
// each a JSON object whose members come in this fixed order (absent ones
// are left out, never reordered):
//
//   {"v":1,"seq":42,"seg":3,"time":"2026-12-08T00:11:22.123Z","type":"s3",
//    "op":"PutObject","user":"alice","key":"AKIA...","src":"127.0.0.1:50412",
//    "bucket":"scans","object":"a.dcm","status":200,"in":1024,"out":0,
//    "rid":"...","prev":"<64 hex>","hash":"<64 hex>"}
//
//   type   "s3" (an S3 request), "admin" (an admin API call) or "seal"
//          (the last record of a segment: "records" counts the records
//          before it in its segment, "torn" the bytes of an incomplete last
//          line that startup removed after a crash, if any)
//   seq    1, 2, 3... over the whole log (seals take a number too)
//   seg    the segment file's number
//   prev   the hash of the record before it in the log (a segment's first
//          record links to the previous segment's seal; the very first
//          record to 64 zeros)
//   hash   SHA-256 (lower-case hex) of the line's bytes up to, not
//          including, the `,"hash":` that ends it
//
// So editing a record changes its hash (or, if the hash was recomputed, no
// longer matches the `prev` of the next record); removing or reordering
// records breaks the `seq` order and the `prev` links; and a segment
// without its seal was cut short. audit_chain.h finds and names each.
//
// What a record never holds: signatures, secret keys, tokens, SSE-C keys,
// Authorization headers or query strings. The doors fill only the fields
// of AuditEvent (audit_event.h), none of which carries them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace skyarray::services::audit {

inline constexpr int kAuditFormatVersion = 1;
// The `prev` of the log's first record.
inline constexpr std::string_view kGenesisHash =
    "0000000000000000000000000000000000000000000000000000000000000000";

struct AuditRecord {
  uint64_t seq = 0;
  uint64_t segment = 0;
  std::string time;  // ISO 8601, UTC, milliseconds
  std::string type;  // "s3" | "admin" | "seal"
  // Requests ("s3", "admin").
  std::string op;          // S3 operation name ("PutObject") or "POST /admin/v1/users"
  std::string user;        // user id; empty for anonymous or unauthenticated
  std::string access_key;  // the access key id the request was signed with
  std::string source;      // client address "ip:port"
  std::string bucket;
  std::string object;
  unsigned status = 0;  // HTTP status answered
  uint64_t bytes_in = 0;
  uint64_t bytes_out = 0;
  std::string request_id;
  // Seals.
  uint64_t records = 0;
  uint64_t torn = 0;
  // The chain.
  std::string prev;  // hex
  std::string hash;  // hex; set by encode_audit_record / parse_audit_line
};

// Serializes `record` (whose prev is set) as one line without the newline,
// computing and storing its hash.
std::string encode_audit_record(AuditRecord& record);

// A parsed line. `hash_matches` is false when the line's content is not
// what its `hash` covers (the line was edited).
struct ParsedAuditLine {
  AuditRecord record;
  bool hash_matches = false;
};

// Parses one line (without its newline). Fails with kInvalidArgument when it
// is not a version-1 record: not JSON, a missing or mistyped member, or not
// ending in a well-formed hash.
Result<ParsedAuditLine> parse_audit_line(std::string_view line);

// SHA-256 of `bytes` as lower-case hex.
std::string sha256_hex(std::string_view bytes);

}  // namespace skyarray::services::audit
