#include "services/audit/audit_chain.h"

#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "services/audit/audit_record.h"

namespace skyarray::services::audit {

namespace {

struct Entry {
  uint64_t segment = 0;
  uint64_t index = 0;  // 1-based line within the segment
  std::optional<ParsedAuditLine> parsed;
  std::string error;

  // Read and intact: its seq and hash can be trusted.
  bool intact() const { return parsed && parsed->hash_matches; }
  const AuditRecord* record() const { return parsed ? &parsed->record : nullptr; }
};

std::string where(const Entry& e) {
  return "segment " + std::to_string(e.segment) + " record " + std::to_string(e.index);
}

std::vector<Entry> split(uint64_t number, std::string_view text) {
  std::vector<Entry> out;
  uint64_t index = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    Entry e{number, ++index, std::nullopt, ""};
    auto parsed = parse_audit_line(text.substr(0, nl));
    if (nl == std::string_view::npos) {
      e.error = "an incomplete last line";
    } else if (!parsed.is_ok()) {
      e.error = parsed.status().message();
    } else {
      e.parsed = std::move(parsed).value();
    }
    out.push_back(std::move(e));
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
  }
  return out;
}

}  // namespace

// Holds one segment's lines at a time, plus the last line of the one before
// (a segment's first record links to it), so memory does not grow with the
// log.
struct AuditChain::State {
  AuditVerifyReport report;
  uint64_t expected_segment = 1;
  std::optional<Entry> tail;  // last line of the previous segment
  uint64_t max_seq_before = 0;
  // The current segment.
  std::vector<Entry> entries;
  std::unordered_map<uint64_t, size_t> by_seq;  // seq → first intact entry
  std::unordered_set<uint64_t> seen;

  void add(uint64_t segment, uint64_t record, std::string kind, std::string detail) {
    if (report.problems.size() >= AuditChain::kMaxProblems) return;
    report.problems.push_back({segment, record, std::move(kind), std::move(detail)});
  }
  void add(const Entry& e, std::string kind, std::string detail) {
    add(e.segment, e.index, std::move(kind), std::move(detail));
  }
  // The line before position p of the current segment (the previous
  // segment's last line for p == 0), if any.
  const Entry* line_before(size_t p) const {
    if (p > 0) return &entries[p - 1];
    return tail ? &*tail : nullptr;
  }
  // The intact record numbered `seq` within reach: this segment, or the
  // previous segment's last line.
  const Entry* find(uint64_t seq) const {
    auto it = by_seq.find(seq);
    if (it != by_seq.end()) return &entries[it->second];
    if (tail && tail->intact() && tail->record()->seq == seq) return &*tail;
    return nullptr;
  }

  void check_number(uint64_t number) {
    if (number > expected_segment) {
      add(expected_segment, 0, "missing",
          number == expected_segment + 1
              ? "segment " + std::to_string(expected_segment) + " is missing"
              : "segments " + std::to_string(expected_segment) + " to " +
                    std::to_string(number - 1) + " are missing");
    }
    expected_segment = number + 1;
  }

  void check_entry(size_t p) {
    const Entry& e = entries[p];
    if (!e.parsed) return add(e, "edited", "does not parse: " + e.error);
    const AuditRecord& r = e.parsed->record;
    if (!e.parsed->hash_matches) return add(e, "edited", "its content does not match its hash");
    if (r.segment != e.segment) {
      return add(e, "reordered",
                 "record seq " + std::to_string(r.seq) + " of segment " +
                     std::to_string(r.segment) + " is in segment " + std::to_string(e.segment));
    }
    if (!seen.insert(r.seq).second || r.seq <= max_seq_before) {
      return add(e, "inserted", "a second record with seq " + std::to_string(r.seq));
    }
    check_link(p, r);
    if (r.type == "seal") check_seal(p, r);
  }

  // `prev` links to the record numbered seq - 1, which sits right before.
  void check_link(size_t p, const AuditRecord& r) {
    const Entry& e = entries[p];
    if (r.seq <= 1) {
      if (r.prev != kGenesisHash) add(e, "edited", "the first record does not start the chain");
      return;
    }
    const Entry* before = find(r.seq - 1);
    const Entry* previous_line = line_before(p);
    if (!before) {
      // An edited line right before is the missing record, reported there.
      if (!previous_line || previous_line->intact()) {
        add(e, "missing", "record seq " + std::to_string(r.seq - 1) + " before it is missing");
      }
      return;
    }
    if (before->record()->hash != r.prev) {
      add(*before, "edited",
          "record seq " + std::to_string(r.seq) + " (" + where(e) +
              ") links to another hash: this record was rewritten");
    }
    if (previous_line && previous_line->record() && previous_line->record()->seq != r.seq - 1) {
      add(e, "reordered",
          "record seq " + std::to_string(r.seq) + " follows seq " +
              std::to_string(previous_line->record()->seq) + "; seq " + std::to_string(r.seq - 1) +
              " is at " + where(*before));
    }
  }

  void check_seal(size_t p, const AuditRecord& r) {
    const Entry& e = entries[p];
    const uint64_t held = e.index - 1;
    if (r.records != held) {
      add(e, r.records > held ? "missing" : "inserted",
          "the seal counts " + std::to_string(r.records) + " records, the segment holds " +
              std::to_string(held));
    }
    if (p + 1 < entries.size())
      add(entries[p + 1], "inserted", "a record after the segment's seal");
  }

  void check_sealed(uint64_t number) {
    if (entries.empty()) return add(number, 1, "truncated", "the segment is empty");
    const Entry& last = entries.back();
    if (!last.record() || last.record()->type != "seal") {
      add(number, last.index + 1, "truncated",
          "the segment ends without its seal: records at its end were removed");
    }
  }
};

AuditChain::AuditChain() : state_(std::make_unique<State>()) {}
AuditChain::~AuditChain() = default;

void AuditChain::add_segment(uint64_t number, std::string_view text, bool open) {
  State& s = *state_;
  ++s.report.segments;
  s.check_number(number);
  s.entries = split(number, text);
  s.by_seq.clear();
  s.seen.clear();
  for (size_t p = 0; p < s.entries.size(); ++p) {
    const Entry& e = s.entries[p];
    if (e.intact()) s.by_seq.emplace(e.record()->seq, p);
    if (e.record() && e.record()->type != "seal") ++s.report.records;
  }
  for (size_t p = 0; p < s.entries.size(); ++p) s.check_entry(p);
  if (!open) s.check_sealed(number);
  for (const Entry& e : s.entries) {
    if (e.intact()) s.max_seq_before = std::max(s.max_seq_before, e.record()->seq);
  }
  if (!s.entries.empty()) s.tail = std::move(s.entries.back());
  s.entries.clear();
}

AuditVerifyReport AuditChain::finish(const std::optional<AuditHead>& head) {
  State& s = *state_;
  if (head && head->seq > 0) {
    const Entry* last = s.tail ? &*s.tail : nullptr;
    if (!last) {
      add_truncated(s.expected_segment - 1, 1, head->seq);
    } else if (!last->intact()) {
      // Reported as edited already.
    } else if (last->record()->seq < head->seq) {
      add_truncated(last->segment, last->index + 1, head->seq);
    } else if (last->record()->seq == head->seq && last->record()->hash != head->hash) {
      s.add(*last, "edited",
            "the last record is not the one the array wrote (its hash was recomputed)");
    }
  }
  return std::move(s.report);
}

void AuditChain::add_truncated(uint64_t segment, uint64_t record, uint64_t head_seq) {
  state_->add(
      segment, record, "truncated",
      "the log ends before seq " + std::to_string(head_seq) + ", the last record the array wrote");
}

AuditVerifyReport AuditChain::verify(const std::vector<AuditSegmentText>& segments, bool open_last,
                                     const std::optional<AuditHead>& head) {
  AuditChain chain;
  for (size_t i = 0; i < segments.size(); ++i) {
    chain.add_segment(segments[i].number, segments[i].text, open_last && i + 1 == segments.size());
  }
  return chain.finish(head);
}

}  // namespace skyarray::services::audit
