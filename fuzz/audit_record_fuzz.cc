// Fuzzes the audit log's record parser (services/audit/audit_record.h) and
// the chain checker over it (audit_chain.h): the input is one segment's
// text. Nothing may crash, hang or read out of bounds, and every record the
// parser accepts must encode back to a line that parses to the same record
// with a matching hash.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "services/audit/audit_chain.h"
#include "services/audit/audit_record.h"

using namespace skyarray::services::audit;

namespace {

void check_round_trip(std::string_view line) {
  auto parsed = parse_audit_line(line);
  if (!parsed.is_ok()) return;
  AuditRecord r = parsed->record;
  std::string again = encode_audit_record(r);
  auto back = parse_audit_line(again);
  if (!back.is_ok() || !back->hash_matches) std::abort();
  const AuditRecord& b = back->record;
  if (b.seq != r.seq || b.segment != r.segment || b.type != r.type || b.time != r.time ||
      b.prev != r.prev || b.hash != r.hash) {
    std::abort();
  }
  if (r.type != "seal" && (b.op != r.op || b.object != r.object || b.status != r.status ||
                           b.bytes_in != r.bytes_in || b.request_id != r.request_id)) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  for (std::string_view rest = in; !rest.empty();) {
    size_t nl = rest.find('\n');
    check_round_trip(rest.substr(0, nl));
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
  }
  std::vector<AuditSegmentText> segments{{1, std::string(in)}};
  AuditChain::verify(segments, true, AuditHead{3, std::string(kGenesisHash)});
  AuditChain::verify(segments, false, std::nullopt);
  return 0;
}
