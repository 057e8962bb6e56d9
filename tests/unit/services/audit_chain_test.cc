// The audit chain's rules on strings: a chain built by the encoder verifies,
// and each kind of tampering (edit, recomputed hash, delete, reorder,
// duplicate, truncation, a removed segment) is named where it happened.
#include "services/audit/audit_chain.h"

#include <gtest/gtest.h>

#include "services/audit/audit_record.h"

namespace skyarray::services::audit {
namespace {

// Segments of `per_segment` request records each, all but the last sealed.
class ChainBuilder {
 public:
  std::vector<AuditSegmentText> build(int segments, int per_segment, bool seal_last = false) {
    std::vector<AuditSegmentText> out;
    for (int s = 1; s <= segments; ++s) {
      AuditSegmentText seg{static_cast<uint64_t>(s), ""};
      for (int i = 0; i < per_segment; ++i) {
        AuditRecord r;
        r.type = "s3";
        r.op = "PutObject";
        r.user = "alice";
        r.bucket = "scans";
        r.object = "img-" + std::to_string(seq_) + ".dcm";
        r.status = 200;
        r.bytes_in = 100;
        seg.text += next(r, s) + "\n";
      }
      if (s < segments || seal_last) {
        AuditRecord seal;
        seal.type = "seal";
        seal.records = per_segment;
        seg.text += next(seal, s) + "\n";
      }
      out.push_back(std::move(seg));
    }
    return out;
  }
  AuditHead head() const { return {seq_ - 1, prev_}; }

 private:
  std::string next(AuditRecord& r, int segment) {
    r.seq = seq_++;
    r.segment = static_cast<uint64_t>(segment);
    r.time = "2026-12-08T00:00:00.000Z";
    r.prev = prev_;
    std::string line = encode_audit_record(r);
    prev_ = r.hash;
    return line;
  }
  uint64_t seq_ = 1;
  std::string prev_ = std::string(kGenesisHash);
};

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t nl = text.find('\n'); nl != std::string::npos; nl = text.find('\n', start)) {
    out.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}

std::string join(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

void replace(std::string& s, std::string_view from, std::string_view to) {
  size_t at = s.find(from);
  ASSERT_NE(at, std::string::npos) << from;
  s.replace(at, from.size(), to);
}

TEST(AuditChainTest, IntactChainVerifies) {
  ChainBuilder b;
  auto segs = b.build(3, 5);
  auto report = AuditChain::verify(segs, true, b.head());
  EXPECT_TRUE(report.ok()) << report.problems[0].detail;
  EXPECT_EQ(report.segments, 3u);
  EXPECT_EQ(report.records, 15u);
}

TEST(AuditChainTest, RecordRoundTripsAndKeepsItsFields) {
  AuditRecord r;
  r.seq = 7;
  r.segment = 2;
  r.time = "2026-12-08T00:00:00.123Z";
  r.type = "s3";
  r.op = "GetObject";
  r.user = "alice";
  r.access_key = "AKIAEXAMPLE";
  r.source = "127.0.0.1:4000";
  r.bucket = "b";
  r.object = "dir/\xc3\xa9t\xc3\xa9 \"q\"\n";
  r.status = 206;
  r.bytes_out = 1234;
  r.request_id = "RID";
  r.prev = std::string(kGenesisHash);
  std::string line = encode_audit_record(r);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  auto back = parse_audit_line(line);
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_TRUE(back->hash_matches);
  EXPECT_EQ(back->record.object, r.object);
  EXPECT_EQ(back->record.status, 206u);
  EXPECT_EQ(back->record.bytes_out, 1234u);
  EXPECT_EQ(back->record.hash, r.hash);
  EXPECT_EQ(back->record.access_key, "AKIAEXAMPLE");
}

TEST(AuditChainTest, KeyThatIsNotUtf8IsKeptAsHex) {
  AuditRecord r;
  r.type = "s3";
  r.object = std::string("a\xff", 2);
  r.prev = std::string(kGenesisHash);
  auto back = parse_audit_line(encode_audit_record(r));
  ASSERT_TRUE(back.is_ok());
  EXPECT_EQ(back->record.object, "hex:61ff");
}

TEST(AuditChainTest, EditedRecordIsNamed) {
  ChainBuilder b;
  auto segs = b.build(2, 5);
  auto lines = lines_of(segs[0].text);
  replace(lines[2], "\"status\":200", "\"status\":404");
  segs[0].text = join(lines);
  auto report = AuditChain::verify(segs, true, b.head());
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_EQ(report.problems[0].segment, 1u);
  EXPECT_EQ(report.problems[0].record, 3u);
  EXPECT_EQ(report.problems[0].kind, "edited");
}

TEST(AuditChainTest, EditWithRecomputedHashIsNamed) {
  ChainBuilder b;
  auto segs = b.build(1, 5, true);
  auto lines = lines_of(segs[0].text);
  auto parsed = parse_audit_line(lines[1]);
  ASSERT_TRUE(parsed.is_ok());
  AuditRecord forged = parsed->record;
  forged.user = "mallory";
  lines[1] = encode_audit_record(forged);  // a correct hash for the new content
  segs[0].text = join(lines);
  auto report = AuditChain::verify(segs, false, b.head());
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.problems[0].record, 2u);
  EXPECT_EQ(report.problems[0].kind, "edited");
}

TEST(AuditChainTest, DeletedRecordIsNamed) {
  ChainBuilder b;
  auto segs = b.build(2, 5);
  auto lines = lines_of(segs[0].text);
  lines.erase(lines.begin() + 3);
  segs[0].text = join(lines);
  auto report = AuditChain::verify(segs, true, b.head());
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.problems[0].segment, 1u);
  EXPECT_EQ(report.problems[0].record, 4u);
  EXPECT_EQ(report.problems[0].kind, "missing");
  EXPECT_NE(report.problems[0].detail.find("seq 4"), std::string::npos);
}

TEST(AuditChainTest, ReorderedRecordsAreNamed) {
  ChainBuilder b;
  auto segs = b.build(2, 5);
  auto lines = lines_of(segs[1].text);
  std::swap(lines[1], lines[2]);
  segs[1].text = join(lines);
  auto report = AuditChain::verify(segs, true, b.head());
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.problems[0].segment, 2u);
  EXPECT_EQ(report.problems[0].record, 2u);
  EXPECT_EQ(report.problems[0].kind, "reordered");
  for (const auto& p : report.problems) EXPECT_EQ(p.kind, "reordered") << p.detail;
}

TEST(AuditChainTest, DuplicatedRecordIsNamed) {
  ChainBuilder b;
  auto segs = b.build(1, 5, true);
  auto lines = lines_of(segs[0].text);
  lines.insert(lines.begin() + 2, lines[1]);
  segs[0].text = join(lines);
  auto report = AuditChain::verify(segs, false, b.head());
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.problems[0].record, 3u);
  EXPECT_EQ(report.problems[0].kind, "inserted");
}

TEST(AuditChainTest, SealedSegmentCutShortIsTruncated) {
  ChainBuilder b;
  auto segs = b.build(2, 5);
  auto lines = lines_of(segs[0].text);
  lines.resize(3);  // the last two records and the seal are gone
  segs[0].text = join(lines);
  auto report = AuditChain::verify(segs, true, b.head());
  ASSERT_FALSE(report.ok());
  bool truncated = false;
  for (const auto& p : report.problems) {
    if (p.kind == "truncated" && p.segment == 1 && p.record == 4) truncated = true;
  }
  EXPECT_TRUE(truncated);
}

TEST(AuditChainTest, OpenSegmentCutShortIsCaughtByTheHead) {
  ChainBuilder b;
  auto segs = b.build(2, 5);
  auto lines = lines_of(segs[1].text);
  lines.pop_back();
  segs[1].text = join(lines);
  auto report = AuditChain::verify(segs, true, b.head());
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_EQ(report.problems[0].kind, "truncated");
  EXPECT_EQ(report.problems[0].segment, 2u);
  EXPECT_EQ(report.problems[0].record, 5u);
}

TEST(AuditChainTest, TornLastLineIsReported) {
  ChainBuilder b;
  auto segs = b.build(1, 3);
  segs[0].text.resize(segs[0].text.size() - 10);
  auto report = AuditChain::verify(segs, true, std::nullopt);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.problems[0].record, 3u);
  EXPECT_EQ(report.problems[0].kind, "edited");
}

TEST(AuditChainTest, RemovedSegmentIsMissing) {
  ChainBuilder b;
  auto segs = b.build(3, 2);
  segs.erase(segs.begin() + 1);
  auto report = AuditChain::verify(segs, true, b.head());
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.problems[0].segment, 2u);
  EXPECT_EQ(report.problems[0].record, 0u);
  EXPECT_EQ(report.problems[0].kind, "missing");
}

TEST(AuditChainTest, RecordMovedToAnotherSegmentIsNamed) {
  ChainBuilder b;
  auto segs = b.build(2, 4);
  auto first = lines_of(segs[0].text);
  auto second = lines_of(segs[1].text);
  second.insert(second.begin() + 1, first[1]);
  first.erase(first.begin() + 1);
  segs[0].text = join(first);
  segs[1].text = join(second);
  auto report = AuditChain::verify(segs, true, b.head());
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.problems[0].segment, 1u);
  EXPECT_EQ(report.problems[0].kind, "missing");
  bool moved = false;
  for (const auto& p : report.problems) {
    if (p.segment == 2 && p.record == 2 && p.kind == "reordered") moved = true;
  }
  EXPECT_TRUE(moved);
}

TEST(AuditChainTest, SegmentsCanBeFedOneAtATime) {
  ChainBuilder b;
  auto segs = b.build(3, 3);
  AuditChain chain;
  for (size_t i = 0; i < segs.size(); ++i) {
    chain.add_segment(segs[i].number, segs[i].text, i + 1 == segs.size());
  }
  auto report = chain.finish(b.head());
  EXPECT_TRUE(report.ok());
  EXPECT_EQ(report.segments, 3u);
  EXPECT_EQ(report.records, 9u);
}

TEST(AuditChainTest, ParserRefusesWhatIsNotARecord) {
  for (
      std::string_view line : {
          "",
          "{}",
          "not json at all, not json at all, not json at all, not json at all, not json",
          R"({"v":1,"seq":1,"seg":1,"time":"t","type":"s3","prev":"0000000000000000000000000000000000000000000000000000000000000000","hash":"0000000000000000000000000000000000000000000000000000000000000000"})",
          R"({"v":2,"seq":1,"seg":1,"time":"t","type":"seal","records":0,"prev":"0000000000000000000000000000000000000000000000000000000000000000","hash":"0000000000000000000000000000000000000000000000000000000000000000"})",
      }) {
    EXPECT_FALSE(parse_audit_line(line).is_ok()) << line;
  }
}

}  // namespace
}  // namespace skyarray::services::audit
