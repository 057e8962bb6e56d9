#include "protocols/s3/post_policy.h"

#include <algorithm>
#include <boost/json.hpp>

#include "common/ascii.h"
#include "common/encoding.h"
#include "protocols/s3/s3_errors.h"
#include "services/security/bucket_policy.h"

namespace skyarray::s3 {

namespace json = boost::json;

namespace {

Status invalid(std::string message) {
  return s3_status(S3Error::kInvalidPolicyDocument, "Invalid Policy: " + std::move(message));
}

Status denied(std::string message) {
  return s3_status(S3Error::kAccessDenied, "Invalid according to Policy: " + std::move(message));
}

std::string quoted(std::string_view s) {
  return json::serialize(json::value(json::string_view(s.data(), s.size())));
}

// A size bound: a number or a string of digits.
std::optional<uint64_t> size_value(const json::value& v) {
  if (v.is_uint64()) return v.get_uint64();
  if (v.is_int64() && v.get_int64() >= 0) return static_cast<uint64_t>(v.get_int64());
  if (v.is_string()) {
    std::string_view s = v.get_string();
    if (s.empty() || s.size() > 19 ||
        !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return std::nullopt;
    }
    return std::stoull(std::string(s));
  }
  return std::nullopt;
}

Result<PostPolicyCondition> parse_condition(const json::value& v) {
  PostPolicyCondition c;
  if (v.is_object()) {
    const auto& o = v.get_object();
    if (o.size() != 1 || !o.begin()->value().is_string()) {
      return invalid("Invalid Simple-Condition: Simple-Conditions must have exactly one property");
    }
    c.kind = PostPolicyCondition::Kind::kEq;
    c.field = ascii_lower(o.begin()->key());
    c.value = std::string(o.begin()->value().get_string());
    c.text =
        "[\"eq\", " + quoted("$" + std::string(o.begin()->key())) + ", " + quoted(c.value) + "]";
    return c;
  }
  if (!v.is_array() || v.get_array().size() != 3 || !v.get_array()[0].is_string()) {
    return invalid("Invalid Condition: conditions are objects or 3-element arrays");
  }
  const auto& a = v.get_array();
  std::string op = ascii_lower(a[0].get_string());
  if (op == "content-length-range") {
    auto min = size_value(a[1]), max = size_value(a[2]);
    if (!min || !max || *min > *max) {
      return invalid("Invalid content-length-range: bounds must be numbers, min <= max");
    }
    c.kind = PostPolicyCondition::Kind::kContentLengthRange;
    c.min = *min;
    c.max = *max;
    c.text =
        "[\"content-length-range\", " + std::to_string(*min) + ", " + std::to_string(*max) + "]";
    return c;
  }
  if (op != "eq" && op != "starts-with") {
    return invalid("Invalid Condition: unknown operation '" + std::string(a[0].get_string()) + "'");
  }
  if (!a[1].is_string() || !a[2].is_string() || a[1].get_string().empty() ||
      a[1].get_string()[0] != '$') {
    return invalid("Invalid Condition: expected [\"" + op + "\", \"$field\", \"value\"]");
  }
  c.kind = op == "eq" ? PostPolicyCondition::Kind::kEq : PostPolicyCondition::Kind::kStartsWith;
  std::string_view field = a[1].get_string();
  c.field = ascii_lower(field.substr(1));
  c.value = std::string(a[2].get_string());
  c.text = "[\"" + op + "\", " + quoted(field) + ", " + quoted(c.value) + "]";
  return c;
}

// Form fields no condition has to name.
bool exempt(const std::string& name) {
  return name == "policy" || name == "x-amz-signature" || name == "file" || name == "bucket" ||
         name.rfind("x-ignore-", 0) == 0;
}

}  // namespace

Result<PostPolicy> PostPolicy::parse(std::string_view text) {
  if (text.size() > kMaxPostPolicyBytes) return invalid("the policy is larger than 20 KB");
  boost::system::error_code ec;
  json::value doc = json::parse(json::string_view(text.data(), text.size()), ec);
  if (ec || !doc.is_object()) return invalid("the policy is not a JSON object");
  PostPolicy p;
  bool expiration = false, conditions = false;
  for (const auto& [k, v] : doc.get_object()) {
    if (k == "expiration") {
      std::optional<int64_t> t;
      if (v.is_string()) t = services::parse_policy_date(v.get_string());
      if (!t) return invalid("Invalid 'expiration' value");
      p.expiration_ = *t;
      expiration = true;
    } else if (k == "conditions") {
      if (!v.is_array()) return invalid("'conditions' must be a list");
      for (const auto& c : v.get_array()) {
        SKY_ASSIGN_OR_RETURN(auto cond, parse_condition(c));
        p.conditions_.push_back(std::move(cond));
      }
      conditions = true;
    } else {
      return invalid("Unexpected field '" + std::string(k) + "'");
    }
  }
  if (!expiration) return invalid("Policy missing expiration");
  if (!conditions) return invalid("Policy missing conditions");
  return p;
}

std::optional<std::pair<uint64_t, uint64_t>> PostPolicy::content_length_range() const {
  std::optional<std::pair<uint64_t, uint64_t>> range;
  for (const auto& c : conditions_) {
    if (c.kind != PostPolicyCondition::Kind::kContentLengthRange) continue;
    // Several ranges all apply: keep their intersection.
    if (!range) {
      range = std::make_pair(c.min, c.max);
    } else {
      range->first = std::max(range->first, c.min);
      range->second = std::min(range->second, c.max);
    }
  }
  return range;
}

Status PostPolicy::check(const std::map<std::string, std::string>& fields,
                         std::chrono::system_clock::time_point now) const {
  auto seconds = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  if (seconds >= expiration_) return denied("Policy expired.");
  for (const auto& c : conditions_) {
    if (c.kind == PostPolicyCondition::Kind::kContentLengthRange) continue;
    auto it = fields.find(c.field);
    std::string_view have = it == fields.end() ? std::string_view() : std::string_view(it->second);
    bool ok = c.kind == PostPolicyCondition::Kind::kEq
                  ? have == c.value
                  : have.substr(0, std::min(have.size(), c.value.size())) == c.value &&
                        have.size() >= c.value.size();
    if (!ok) return denied("Policy Condition failed: " + c.text);
  }
  for (const auto& field : fields) {
    const std::string& name = field.first;
    if (exempt(name)) continue;
    bool named = std::any_of(conditions_.begin(), conditions_.end(),
                             [&](const PostPolicyCondition& c) { return c.field == name; });
    if (!named) return denied("Extra input fields: " + name);
  }
  return Status::ok();
}

}  // namespace skyarray::s3
