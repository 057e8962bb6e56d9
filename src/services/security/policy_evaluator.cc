#include "services/security/policy_evaluator.h"

#include <algorithm>
#include <cctype>
#include <optional>

#include "common/ascii.h"

namespace skyarray::services {

namespace {

const std::string* find_key(const AccessRequest& r, const std::string& key) {
  auto it = r.context.find(key);
  return it == r.context.end() ? nullptr : &it->second;
}

// Replaces ${key} by the request's value of that key, ${*} ${?} ${$} by the
// literal character. nullopt when a named key is absent: the pattern then
// matches nothing (AWS).
std::optional<std::string> substitute(std::string_view s, const AccessRequest& r, bool enabled) {
  if (!enabled || s.find("${") == std::string_view::npos) return std::string(s);
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    size_t open = s.find("${", i);
    size_t close = open == std::string_view::npos ? open : s.find('}', open);
    if (close == std::string_view::npos) {
      out.append(s.substr(i));
      break;
    }
    out.append(s.substr(i, open - i));
    std::string name = ascii_lower(s.substr(open + 2, close - open - 2));
    if (name == "*" || name == "?" || name == "$") {
      out.append(name);
    } else {
      const std::string* v = find_key(r, name);
      if (!v) return std::nullopt;
      out.append(*v);
    }
    i = close + 1;
  }
  return out;
}

bool principal_matches(const PolicyStatement& s, const AccessRequest& r) {
  bool any = std::any_of(s.principals.begin(), s.principals.end(), [&](const std::string& p) {
    if (p == "*") return true;
    if (r.anonymous()) return false;
    return p == r.user_id || (!r.access_key.empty() && p == r.access_key);
  });
  return s.not_principal ? !any : any;
}

bool action_matches(const PolicyStatement& s, const AccessRequest& r) {
  const std::string action = ascii_lower(r.action);
  bool any = std::any_of(s.actions.begin(), s.actions.end(),
                         [&](const std::string& a) { return glob_match(a, action); });
  return s.not_action ? !any : any;
}

bool resource_matches(const PolicyStatement& s, const AccessRequest& r, bool vars) {
  const std::string arn = r.resource_arn();
  bool any = std::any_of(s.resources.begin(), s.resources.end(), [&](const std::string& res) {
    auto pattern = substitute(res, r, vars);
    return pattern && glob_match(*pattern, arn);
  });
  return s.not_resource ? !any : any;
}

// One value of the condition against the request's value.
bool value_matches(const PolicyCondition& c, const std::string& pattern, const std::string& actual,
                   const AccessRequest& r, bool vars) {
  using K = PolicyCondition::Kind;
  using C = PolicyCondition::Compare;
  auto compare = [&](auto want, auto have) {
    switch (c.compare) {
      case C::kEq:
        return have == want;
      case C::kLt:
        return have < want;
      case C::kLe:
        return have <= want;
      case C::kGt:
        return have > want;
      case C::kGe:
        return have >= want;
    }
    return false;
  };
  switch (c.kind) {
    case K::kString: {
      auto want = substitute(pattern, r, vars);
      if (!want) return false;
      return c.ignore_case ? ascii_lower(*want) == ascii_lower(actual) : *want == actual;
    }
    case K::kStringLike: {
      auto want = substitute(pattern, r, vars);
      return want && glob_match(*want, actual);
    }
    case K::kNumeric: {
      auto want = parse_policy_number(pattern), have = parse_policy_number(actual);
      return want && have && compare(*want, *have);
    }
    case K::kDate: {
      auto want = parse_policy_date(pattern), have = parse_policy_date(actual);
      return want && have && compare(*want, *have);
    }
    case K::kBool:
      return ascii_lower(pattern) == ascii_lower(actual);
    case K::kIp:
      return ip_in_range(pattern, actual);
    case K::kNull:
      return false;  // handled by the caller
  }
  return false;
}

bool multi_condition_holds(const PolicyCondition& c, const std::vector<std::string>& actual,
                           const AccessRequest& r, bool vars) {
  if (c.kind == PolicyCondition::Kind::kNull) {
    bool want_absent = std::any_of(c.values.begin(), c.values.end(),
                                   [](const std::string& v) { return ascii_lower(v) == "true"; });
    return want_absent == actual.empty();
  }
  auto holds_for = [&](const std::string& have) {
    bool any = std::any_of(c.values.begin(), c.values.end(), [&](const std::string& v) {
      return value_matches(c, v, have, r, vars);
    });
    return c.negated ? !any : any;
  };
  if (c.for_all_values) return std::all_of(actual.begin(), actual.end(), holds_for);
  if (actual.empty()) return !c.for_any_value && (c.if_exists || c.negated);
  return std::any_of(actual.begin(), actual.end(), holds_for);
}

bool condition_holds(const PolicyCondition& c, const AccessRequest& r, bool vars) {
  if (auto it = r.multi_context.find(c.key); it != r.multi_context.end()) {
    return multi_condition_holds(c, it->second, r, vars);
  }
  const std::string* actual = find_key(r, c.key);
  if (c.kind == PolicyCondition::Kind::kNull) {
    bool want_absent = std::any_of(c.values.begin(), c.values.end(),
                                   [](const std::string& v) { return ascii_lower(v) == "true"; });
    bool want_present = std::any_of(c.values.begin(), c.values.end(),
                                    [](const std::string& v) { return ascii_lower(v) == "false"; });
    return actual ? want_present : want_absent;
  }
  if (!actual) {
    // An absent key is the empty set, for which ForAllValues holds and
    // ForAnyValue does not (whatever the operator); without a qualifier a
    // negated operator or ...IfExists holds.
    if (c.for_all_values) return true;
    if (c.for_any_value) return false;
    return c.if_exists || c.negated;
  }
  bool any = std::any_of(c.values.begin(), c.values.end(), [&](const std::string& v) {
    return value_matches(c, v, *actual, r, vars);
  });
  return c.negated ? !any : any;
}

}  // namespace

std::string AccessRequest::resource_arn() const {
  std::string arn = "arn:aws:s3:::" + bucket;
  if (!key.empty()) arn += "/" + key;
  return arn;
}

bool PolicyEvaluator::applies(const PolicyStatement& s, const AccessRequest& r, bool vars) {
  if (!principal_matches(s, r) || !action_matches(s, r) || !resource_matches(s, r, vars)) {
    return false;
  }
  return std::all_of(s.conditions.begin(), s.conditions.end(),
                     [&](const PolicyCondition& c) { return condition_holds(c, r, vars); });
}

PolicyDecision PolicyEvaluator::evaluate(const BucketPolicy& policy, const AccessRequest& r) {
  PolicyDecision d = PolicyDecision::kNotApplicable;
  for (const auto& s : policy.statements()) {
    if (!applies(s, r, policy.substitutes_variables())) continue;
    if (!s.allow) return PolicyDecision::kDeny;
    d = PolicyDecision::kAllow;
  }
  return d;
}

}  // namespace skyarray::services
