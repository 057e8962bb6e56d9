#include "services/cloud/cloud_journal.h"

#include <boost/json.hpp>

namespace skyarray::services {

namespace json = boost::json;

std::string CloudJournalLine::encode() const {
  json::object line{{"v", 1}, {"seq", seq}, {"key", key}};
  if (op == Op::kDelete) {
    line["op"] = "delete";
  } else {
    line["op"] = "put";
    line["size"] = size;
    line["etag"] = etag;
  }
  return json::serialize(line);
}

Result<CloudJournalLine> CloudJournalLine::decode(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return Status::corruption("unreadable journal line");
  const auto& o = v.as_object();
  const auto *op = o.if_contains("op"), *key = o.if_contains("key"), *seq = o.if_contains("seq");
  if (!op || !key || !op->is_string() || !key->is_string() || !seq || !seq->is_number()) {
    return Status::corruption("journal line without op, key or seq");
  }
  CloudJournalLine line;
  line.seq = seq->to_number<uint64_t>(ec);
  if (ec) return Status::corruption("journal line with a bad seq");
  line.key = std::string(key->as_string());
  if (op->as_string() == "delete") {
    line.op = Op::kDelete;
    return line;
  }
  if (op->as_string() != "put") return Status::corruption("journal line with an unknown op");
  line.op = Op::kPut;
  if (const auto* size = o.if_contains("size"); size && size->is_number()) {
    line.size = size->to_number<uint64_t>(ec);
    if (ec) return Status::corruption("journal line with a bad size");
  }
  if (const auto* etag = o.if_contains("etag"); etag && etag->is_string()) {
    line.etag = std::string(etag->as_string());
  }
  return line;
}

}  // namespace skyarray::services
