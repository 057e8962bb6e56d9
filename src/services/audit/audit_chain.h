// AuditChain: checks the hash chain of audit log segments (audit_record.h)
// and names every place where it breaks.
//
// Input is the text of each segment file in segment order; nothing is read
// from disk here, so the rules are tested on strings. What is reported, by
// segment and record (the 1-based line in the segment; 0 for a segment as
// a whole):
//   edited     a line that does not parse, whose content does not match its
//              hash, or whose hash was recomputed (the next record links to
//              another hash)
//   missing    a record or a whole segment is gone (a `seq` or segment
//              number is skipped; a seal counts more records than remain)
//   reordered  a record is not where its `seq` puts it
//   inserted   a second record with a `seq` already seen, or a record after
//              a seal
//   truncated  a sealed segment lost its end (no seal), or the log ends
//              before the last record the running array wrote (`head`)
//
// Thread safety: a pure function.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace skyarray::services::audit {

struct AuditSegmentText {
  uint64_t number = 0;
  std::string text;  // the file's bytes
};

// The last record the running log wrote: what the files must end with.
struct AuditHead {
  uint64_t seq = 0;
  std::string hash;
};

struct AuditProblem {
  uint64_t segment = 0;
  uint64_t record = 0;  // 1-based line; 0: the segment as a whole
  std::string kind;     // "edited" | "missing" | "reordered" | "inserted" | "truncated"
  std::string detail;
};

struct AuditVerifyReport {
  uint64_t segments = 0;
  uint64_t records = 0;
  std::vector<AuditProblem> problems;  // in log order; at most kMaxProblems
  bool ok() const { return problems.empty(); }
};

class AuditChain {
 public:
  static constexpr size_t kMaxProblems = 100;

  // `open_last`: the last segment is the one being written, so it has no
  // seal yet; every other segment must end with one. `head`, when given,
  // is the last record the log wrote.
  static AuditVerifyReport verify(const std::vector<AuditSegmentText>& segments, bool open_last,
                                  const std::optional<AuditHead>& head);
};

}  // namespace skyarray::services::audit
