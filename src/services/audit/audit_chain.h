// AuditChain: checks the hash chain of audit log segments (audit_record.h)
// and names every place where it breaks.
//
// Input is the text of each segment file in segment order; nothing is read
// from disk here, so the rules are tested on strings. A record's neighbours
// are looked for in its own segment (and the previous segment's seal):
// a record moved to another segment is reported by its `seg` member. What is reported, by
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
// Thread safety: one AuditChain per thread; verify() is a pure function.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
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

  AuditChain();
  ~AuditChain();
  AuditChain(const AuditChain&) = delete;
  AuditChain& operator=(const AuditChain&) = delete;

  // Checks the next segment, in segment order. Memory holds this segment's
  // records and the previous one's last only, so a log of any length is
  // checked a segment at a time. `open`: the segment being written, which
  // has no seal yet (every other one must end with its seal).
  void add_segment(uint64_t number, std::string_view text, bool open);
  // The report, after the last segment. `head`, when given, is the last
  // record the log wrote: the files must end with it.
  AuditVerifyReport finish(const std::optional<AuditHead>& head);

  // All segments at once (the last one open when `open_last`).
  static AuditVerifyReport verify(const std::vector<AuditSegmentText>& segments, bool open_last,
                                  const std::optional<AuditHead>& head);

 private:
  struct State;
  void add_truncated(uint64_t segment, uint64_t record, uint64_t head_seq);
  std::unique_ptr<State> state_;
};

}  // namespace skyarray::services::audit
