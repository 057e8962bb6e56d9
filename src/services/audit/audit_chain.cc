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
  bool last_in_segment = false;
};

std::string where(const Entry& e) {
  return "segment " + std::to_string(e.segment) + " record " + std::to_string(e.index);
}

class Checker {
 public:
  Checker(const std::vector<AuditSegmentText>& segments, bool open_last,
          const std::optional<AuditHead>& head)
      : segments_(segments), open_last_(open_last), head_(head) {}

  AuditVerifyReport run() {
    report_.segments = segments_.size();
    split();
    check_segment_numbers();
    for (size_t p = 0; p < entries_.size(); ++p) check_entry(p);
    check_seals_present();
    check_head();
    return std::move(report_);
  }

 private:
  void add(uint64_t segment, uint64_t record, std::string kind, std::string detail) {
    if (report_.problems.size() >= AuditChain::kMaxProblems) return;
    report_.problems.push_back({segment, record, std::move(kind), std::move(detail)});
  }
  void add(const Entry& e, std::string kind, std::string detail) {
    add(e.segment, e.index, std::move(kind), std::move(detail));
  }
  const AuditRecord* record_at(size_t p) const {
    const Entry& e = entries_[p];
    return e.parsed ? &e.parsed->record : nullptr;
  }

  // Lines of every segment; a last line without its newline is kept (and
  // will not parse, or is reported as incomplete).
  void split() {
    for (const AuditSegmentText& s : segments_) {
      std::string_view rest = s.text;
      uint64_t index = 0;
      const size_t first = entries_.size();
      while (!rest.empty()) {
        size_t nl = rest.find('\n');
        std::string_view line = rest.substr(0, nl);
        Entry e{s.number, ++index, std::nullopt, "", false};
        auto parsed = parse_audit_line(line);
        if (nl == std::string_view::npos) {
          e.error = "an incomplete last line";
        } else if (!parsed.is_ok()) {
          e.error = parsed.status().message();
        } else {
          e.parsed = std::move(parsed).value();
        }
        entries_.push_back(std::move(e));
        rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
      }
      if (entries_.size() > first) entries_.back().last_in_segment = true;
    }
    for (size_t p = 0; p < entries_.size(); ++p) {
      const AuditRecord* r = record_at(p);
      if (r && entries_[p].parsed->hash_matches) by_seq_.emplace(r->seq, p);
      if (r && r->type != "seal") ++report_.records;
    }
  }

  void check_segment_numbers() {
    uint64_t expected = 1;
    for (const AuditSegmentText& s : segments_) {
      if (s.number > expected) {
        add(expected, 0, "missing",
            s.number == expected + 1 ? "segment " + std::to_string(expected) + " is missing"
                                     : "segments " + std::to_string(expected) + " to " +
                                           std::to_string(s.number - 1) + " are missing");
      }
      expected = s.number + 1;
    }
  }

  void check_entry(size_t p) {
    const Entry& e = entries_[p];
    if (!e.parsed) {
      add(e, "edited", "does not parse: " + e.error);
      return;
    }
    const AuditRecord& r = e.parsed->record;
    if (!e.parsed->hash_matches) {
      add(e, "edited", "its content does not match its hash");
      return;
    }
    if (r.segment != e.segment) {
      add(e, "reordered",
          "record seq " + std::to_string(r.seq) + " of segment " + std::to_string(r.segment) +
              " is in segment " + std::to_string(e.segment));
      return;
    }
    if (!seen_.insert(r.seq).second) {
      add(e, "inserted", "a second record with seq " + std::to_string(r.seq));
      return;
    }
    check_link(p, r);
    if (r.type == "seal") check_seal(p, r);
  }

  // `prev` links to the record numbered seq - 1, which sits right before.
  void check_link(size_t p, const AuditRecord& r) {
    const Entry& e = entries_[p];
    if (r.seq <= 1) {
      if (r.prev != kGenesisHash) add(e, "edited", "the first record does not start the chain");
      return;
    }
    auto pred = by_seq_.find(r.seq - 1);
    if (pred == by_seq_.end()) {
      // An edited predecessor is reported where it is.
      if (!edited_line_before(p)) {
        add(e, "missing", "record seq " + std::to_string(r.seq - 1) + " before it is missing");
      }
      return;
    }
    const Entry& before = entries_[pred->second];
    if (before.parsed->record.hash != r.prev) {
      add(before, "edited",
          "record seq " + std::to_string(r.seq) + " (" + where(e) +
              ") links to another hash: this record was rewritten");
    }
    const AuditRecord* previous_line = p > 0 ? record_at(p - 1) : nullptr;
    if (previous_line && previous_line->seq != r.seq - 1) {
      add(e, "reordered",
          "record seq " + std::to_string(r.seq) + " follows seq " +
              std::to_string(previous_line->seq) + "; seq " + std::to_string(r.seq - 1) +
              " is at " + where(before));
    }
  }

  // True when the line right before `p` is there but edited: the missing
  // record is probably that line, already reported as edited.
  bool edited_line_before(size_t p) const {
    if (p == 0) return false;
    const Entry& e = entries_[p - 1];
    return !e.parsed || !e.parsed->hash_matches;
  }

  void check_seal(size_t p, const AuditRecord& r) {
    const Entry& e = entries_[p];
    const uint64_t held = e.index - 1;
    if (r.records != held) {
      add(e, r.records > held ? "missing" : "inserted",
          "the seal counts " + std::to_string(r.records) + " records, the segment holds " +
              std::to_string(held));
    }
    if (!e.last_in_segment) add(entries_[p + 1], "inserted", "a record after the segment's seal");
  }

  void check_seals_present() {
    for (size_t i = 0; i < segments_.size(); ++i) {
      if (open_last_ && i + 1 == segments_.size()) continue;
      const AuditSegmentText& s = segments_[i];
      const Entry* last = nullptr;
      for (const Entry& e : entries_) {
        if (e.segment == s.number) last = &e;
      }
      if (!last) {
        add(s.number, 1, "truncated", "the segment is empty");
      } else if (!last->parsed || last->parsed->record.type != "seal") {
        add(s.number, last->index + 1, "truncated",
            "the segment ends without its seal: records at its end were removed");
      }
    }
  }

  void check_head() {
    if (!head_ || head_->seq == 0) return;
    auto it = by_seq_.find(head_->seq);
    if (it == by_seq_.end()) {
      uint64_t segment = segments_.empty() ? 0 : segments_.back().number;
      uint64_t index = 1;
      for (const Entry& e : entries_) {
        if (e.segment == segment) index = e.index + 1;
      }
      add(segment, index, "truncated",
          "the log ends before seq " + std::to_string(head_->seq) +
              ", the last record the array wrote");
    } else if (entries_[it->second].parsed->record.hash != head_->hash) {
      add(entries_[it->second], "edited",
          "the last record is not the one the array wrote (its hash was recomputed)");
    }
  }

  const std::vector<AuditSegmentText>& segments_;
  bool open_last_;
  const std::optional<AuditHead>& head_;
  AuditVerifyReport report_;
  std::vector<Entry> entries_;
  std::unordered_map<uint64_t, size_t> by_seq_;  // seq → first entry whose hash matches
  std::unordered_set<uint64_t> seen_;
};

}  // namespace

AuditVerifyReport AuditChain::verify(const std::vector<AuditSegmentText>& segments, bool open_last,
                                     const std::optional<AuditHead>& head) {
  return Checker(segments, open_last, head).run();
}

}  // namespace skyarray::services::audit
