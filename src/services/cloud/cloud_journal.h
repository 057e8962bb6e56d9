// The change journal in the cloud: how one writing array tells other arrays
// (subscribe links) what changed, in order.
//
// Format, version 1. Under the target's private prefix:
//   <prefix>.skyarray/journal/<first seq, 20 decimal digits>.jsonl
// one segment object per flush, each line a JSON object
//   {"v":1,"seq":<n>,"op":"put"|"delete","key":"<local key>","size":n,"etag":"..."}
// Segment names sort in write order (seq numbers only grow, see
// upload_queue.h). A line is produced in the batch that retires the change
// (so a crash loses none); a segment may be written twice after a crash,
// and applying a line twice is harmless: readers fetch the key's current
// cloud state rather than replaying bytes.
//
// Subscribers keep a cursor (the last segment applied) and list the journal
// after it with ListObjectsV2 start-after. A new subscribe link first
// imports a listing of the bucket, then follows the journal from the segment
// that was last when it started.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "common/status.h"

namespace skyarray::services {

// One line of a journal segment: a change to one key.
struct CloudJournalLine {
  enum class Op { kPut, kDelete };
  uint64_t seq = 0;
  Op op = Op::kPut;
  std::string key;    // the local key
  uint64_t size = 0;  // kPut only
  std::string etag;   // kPut only

  // The JSON text of the line (no newline).
  std::string encode() const;
  // kCorruption for anything but a line of the format above.
  static Result<CloudJournalLine> decode(std::string_view text);
};

inline std::string journal_dir(const std::string& private_prefix) {
  return private_prefix + "journal/";
}

inline std::string journal_segment_key(const std::string& private_prefix, uint64_t first_seq) {
  char digits[32];
  std::snprintf(digits, sizeof(digits), "%020llu", static_cast<unsigned long long>(first_seq));
  return journal_dir(private_prefix) + digits + ".jsonl";
}

}  // namespace skyarray::services
