// AuditEvent: what a door tells the audit log about one request it
// answered (audit_recorder.h). The log adds the time, the sequence number
// and the chain (audit_record.h).
//
// Every field is safe to keep: the doors never put a signature, secret,
// token, SSE-C key, Authorization header or query string here.
#pragma once

#include <cstdint>
#include <string>

namespace skyarray::services::audit {

struct AuditEvent {
  enum class Door : uint8_t { kS3, kAdmin };
  Door door = Door::kS3;
  std::string op;          // "PutObject"; admin: "POST /admin/v1/users"
  std::string user;        // authenticated user id; empty when none
  std::string access_key;  // access key id the request named, if any
  std::string source;      // client address "ip:port"
  std::string bucket;
  std::string object;
  unsigned status = 0;     // HTTP status answered
  uint64_t bytes_in = 0;   // request body bytes (its Content-Length, once read)
  uint64_t bytes_out = 0;  // response body bytes (0 for HEAD)
  std::string request_id;
  // A request that may have changed something: its answer waits until the
  // record is on disk (AuditRecorder::record).
  bool mutating = false;
};

}  // namespace skyarray::services::audit
