// S3 lifecycle configuration XML (s3_lifecycle_xml.h).
#include "protocols/s3/s3_lifecycle_xml.h"

#include <charconv>

#include "common/time.h"
#include "protocols/s3/s3_errors.h"
#include "protocols/s3/s3_xml.h"
#include "protocols/s3/s3_xml_nodes.h"

namespace skyarray::s3 {

namespace {

using services::FilterForm;
using services::LifecycleFilter;
using services::LifecycleRule;

Status invalid(std::string why) {
  return s3_status(S3Error::kInvalidArgument, std::move(why));
}

Result<std::string> leaf(const pugi::xml_node& n) {
  SKY_ASSIGN_OR_RETURN(std::string v, text(n));
  return std::string(trim_xml(v));
}

// A non-negative integer element; out of range for uint32 is
// InvalidArgument as S3 answers, junk is MalformedXML.
Result<uint64_t> number(const pugi::xml_node& n) {
  SKY_ASSIGN_OR_RETURN(std::string t, leaf(n));
  int64_t value = 0;
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), value);
  if (t.empty() || ec == std::errc::invalid_argument || p != t.data() + t.size()) {
    return malformed("<" + std::string(local_name(n)) + "> must be an integer");
  }
  if (ec == std::errc::result_out_of_range || value < 0) {
    return invalid("'" + std::string(local_name(n)) + "' must be a non-negative integer");
  }
  return static_cast<uint64_t>(value);
}

Result<uint32_t> days(const pugi::xml_node& n) {
  SKY_ASSIGN_OR_RETURN(uint64_t v, number(n));
  if (v == 0 || v > UINT32_MAX) {
    return invalid("'" + std::string(local_name(n)) + "' must be a positive integer");
  }
  return static_cast<uint32_t>(v);
}

Result<std::pair<std::string, std::string>> tag(const pugi::xml_node& n) {
  SKY_RETURN_IF_ERROR(check_children(n, {"Key", "Value"}));
  auto k = child(n, "Key");
  auto v = child(n, "Value");
  if (!k || !v) return malformed("<Tag> needs <Key> and <Value>");
  SKY_ASSIGN_OR_RETURN(std::string key, text(*k));
  SKY_ASSIGN_OR_RETURN(std::string value, text(*v));
  return std::make_pair(std::move(key), std::move(value));
}

Status add_tag(const pugi::xml_node& n, LifecycleFilter* f) {
  SKY_ASSIGN_OR_RETURN(auto kv, tag(n));
  if (!f->tags.emplace(kv.first, kv.second).second) {
    return invalid("Duplicate Tag Keys are not allowed");
  }
  return Status::ok();
}

// One condition element of a <Filter> or <And>.
Status condition(const pugi::xml_node& c, LifecycleFilter* f) {
  const std::string_view name = local_name(c);
  if (name == "Prefix") {
    SKY_ASSIGN_OR_RETURN(f->prefix, text(c));
  } else if (name == "Tag") {
    SKY_RETURN_IF_ERROR(add_tag(c, f));
  } else if (name == "ObjectSizeGreaterThan") {
    SKY_ASSIGN_OR_RETURN(f->size_greater_than, number(c));
  } else if (name == "ObjectSizeLessThan") {
    SKY_ASSIGN_OR_RETURN(uint64_t v, number(c));
    if (v == 0) return invalid("'ObjectSizeLessThan' must be a positive integer");
    f->size_less_than = v;
  }
  return Status::ok();
}

Result<LifecycleFilter> filter(const pugi::xml_node& n) {
  SKY_RETURN_IF_ERROR(
      check_children(n, {"Prefix", "Tag", "And", "ObjectSizeGreaterThan", "ObjectSizeLessThan"}));
  LifecycleFilter f;
  std::vector<pugi::xml_node> conditions;
  for (pugi::xml_node c : n.children()) {
    if (c.type() == pugi::node_element) conditions.push_back(c);
  }
  if (conditions.empty()) {
    f.form = FilterForm::kEmpty;
    return f;
  }
  if (conditions.size() > 1) return malformed("a <Filter> holds one condition; use <And>");
  const pugi::xml_node& c = conditions[0];
  const std::string_view name = local_name(c);
  if (name == "And") {
    f.form = FilterForm::kAnd;
    SKY_RETURN_IF_ERROR(
        check_children(c, {"Prefix", "Tag", "ObjectSizeGreaterThan", "ObjectSizeLessThan"}));
    for (const char* single : {"Prefix", "ObjectSizeGreaterThan", "ObjectSizeLessThan"}) {
      if (children(c, single).size() > 1)
        return malformed("<And> holds one <" + std::string(single) + ">");
    }
    size_t count = 0;
    for (pugi::xml_node a : c.children()) {
      if (a.type() != pugi::node_element) continue;
      SKY_RETURN_IF_ERROR(condition(a, &f));
      ++count;
    }
    if (count < 2) return malformed("<And> needs at least two conditions");
    return f;
  }
  f.form = name == "Prefix"                  ? FilterForm::kPrefix
           : name == "Tag"                   ? FilterForm::kTag
           : name == "ObjectSizeGreaterThan" ? FilterForm::kSizeGreater
                                             : FilterForm::kSizeLess;
  SKY_RETURN_IF_ERROR(condition(c, &f));
  return f;
}

Status expiration(const pugi::xml_node& n, LifecycleRule* r) {
  SKY_RETURN_IF_ERROR(check_children(n, {"Days", "Date", "ExpiredObjectDeleteMarker"}));
  auto d = child(n, "Days");
  auto date = child(n, "Date");
  auto marker = child(n, "ExpiredObjectDeleteMarker");
  if (!d && !date && !marker)
    return malformed("<Expiration> needs Days, Date or ExpiredObjectDeleteMarker");
  if (d) {
    SKY_ASSIGN_OR_RETURN(r->expiration_days, days(*d));
  }
  if (date) {
    SKY_ASSIGN_OR_RETURN(std::string t, leaf(*date));
    if (t.size() == 10) t += "T00:00:00Z";  // a bare ISO 8601 date
    auto when = parse_iso8601(t);
    if (!when) return malformed("<Date> must be an ISO 8601 date");
    r->expiration_date_ns = to_ns(*when);
  }
  if (marker) {
    SKY_ASSIGN_OR_RETURN(std::string t, leaf(*marker));
    SKY_ASSIGN_OR_RETURN(r->expired_object_delete_marker, parse_bool(t));
  }
  return Status::ok();
}

Status noncurrent_expiration(const pugi::xml_node& n, LifecycleRule* r) {
  SKY_RETURN_IF_ERROR(check_children(n, {"NoncurrentDays", "NewerNoncurrentVersions"}));
  auto d = child(n, "NoncurrentDays");
  if (!d) return malformed("<NoncurrentVersionExpiration> needs <NoncurrentDays>");
  SKY_ASSIGN_OR_RETURN(r->noncurrent_days, days(*d));
  if (auto newer = child(n, "NewerNoncurrentVersions")) {
    SKY_ASSIGN_OR_RETURN(uint64_t v, number(*newer));
    if (v == 0 || v > services::kMaxNewerNoncurrentVersions) {
      return invalid("'NewerNoncurrentVersions' must be an integer between 1 and 100");
    }
    r->newer_noncurrent_versions = static_cast<uint32_t>(v);
  }
  return Status::ok();
}

Result<LifecycleRule> rule(const pugi::xml_node& n) {
  SKY_RETURN_IF_ERROR(check_children(
      n, {"ID", "Prefix", "Filter", "Status", "Expiration", "NoncurrentVersionExpiration",
          "AbortIncompleteMultipartUpload", "Transition", "NoncurrentVersionTransition"}));
  for (const char* single : {"ID", "Prefix", "Filter", "Status", "Expiration",
                             "NoncurrentVersionExpiration", "AbortIncompleteMultipartUpload"}) {
    if (children(n, single).size() > 1)
      return malformed("a <Rule> holds one <" + std::string(single) + ">");
  }
  LifecycleRule r;
  if (auto id = child(n, "ID")) {
    SKY_ASSIGN_OR_RETURN(r.id, text(*id));
  }
  auto status = child(n, "Status");
  if (!status) return malformed("a <Rule> needs a <Status>");
  SKY_ASSIGN_OR_RETURN(std::string st, leaf(*status));
  if (st != "Enabled" && st != "Disabled") return malformed("<Status> must be Enabled or Disabled");
  r.enabled = st == "Enabled";
  auto prefix = child(n, "Prefix");
  auto f = child(n, "Filter");
  if (prefix && f) return malformed("a <Rule> holds <Filter> or <Prefix>, not both");
  if (!prefix && !f) return malformed("a <Rule> needs a <Filter> or a <Prefix>");
  if (prefix) {
    r.filter.form = FilterForm::kLegacyPrefix;
    SKY_ASSIGN_OR_RETURN(r.filter.prefix, text(*prefix));
  } else {
    SKY_ASSIGN_OR_RETURN(r.filter, filter(*f));
  }
  if (auto e = child(n, "Expiration")) SKY_RETURN_IF_ERROR(expiration(*e, &r));
  if (auto e = child(n, "NoncurrentVersionExpiration")) {
    SKY_RETURN_IF_ERROR(noncurrent_expiration(*e, &r));
  }
  if (auto a = child(n, "AbortIncompleteMultipartUpload")) {
    SKY_RETURN_IF_ERROR(check_children(*a, {"DaysAfterInitiation"}));
    auto d = child(*a, "DaysAfterInitiation");
    if (!d) return malformed("<AbortIncompleteMultipartUpload> needs <DaysAfterInitiation>");
    SKY_ASSIGN_OR_RETURN(r.abort_days, days(*d));
  }
  return r;
}

void filter_xml(XmlWriter& w, const LifecycleFilter& f) {
  auto tag_xml = [&](const std::string& k, const std::string& v) {
    w.open("Tag").elem("Key", k).elem("Value", v).close("Tag");
  };
  switch (f.form) {
    case FilterForm::kNone:
      return;
    case FilterForm::kLegacyPrefix:
      w.elem("Prefix", f.prefix);
      return;
    case FilterForm::kEmpty:
      w.open("Filter").close("Filter");
      return;
    case FilterForm::kAnd:
      w.open("Filter").open("And");
      if (!f.prefix.empty()) w.elem("Prefix", f.prefix);
      for (const auto& [k, v] : f.tags) tag_xml(k, v);
      if (f.size_greater_than) w.elem("ObjectSizeGreaterThan", *f.size_greater_than);
      if (f.size_less_than) w.elem("ObjectSizeLessThan", *f.size_less_than);
      w.close("And").close("Filter");
      return;
    default:
      break;
  }
  w.open("Filter");
  if (f.form == FilterForm::kPrefix) w.elem("Prefix", f.prefix);
  if (f.form == FilterForm::kTag && !f.tags.empty())
    tag_xml(f.tags.begin()->first, f.tags.begin()->second);
  if (f.form == FilterForm::kSizeGreater)
    w.elem("ObjectSizeGreaterThan", f.size_greater_than.value_or(0));
  if (f.form == FilterForm::kSizeLess) w.elem("ObjectSizeLessThan", f.size_less_than.value_or(0));
  w.close("Filter");
}

}  // namespace

Result<services::LifecycleConfiguration> parse_lifecycle_configuration(std::string_view xml) {
  pugi::xml_document doc;
  SKY_ASSIGN_OR_RETURN(pugi::xml_node root, load_root(doc, xml, "LifecycleConfiguration"));
  SKY_RETURN_IF_ERROR(check_children(root, {"Rule"}));
  auto rules = children(root, "Rule");
  // Never yes to what is not done: transitions refuse the whole body first.
  for (const auto& n : rules) {
    for (const char* t : {"Transition", "NoncurrentVersionTransition"}) {
      if (child(n, t)) {
        return s3_status(S3Error::kNotImplemented,
                         std::string("lifecycle <") + t +
                             "> is not implemented: the array has no storage classes to "
                             "move objects to yet");
      }
    }
  }
  if (rules.empty()) return malformed("a <LifecycleConfiguration> needs at least one <Rule>");
  services::LifecycleConfiguration out;
  for (const auto& n : rules) {
    SKY_ASSIGN_OR_RETURN(auto r, rule(n));
    out.rules.push_back(std::move(r));
  }
  return out;
}

std::string lifecycle_configuration_xml(const services::LifecycleConfiguration& config) {
  XmlWriter w("LifecycleConfiguration");
  for (const auto& r : config.rules) {
    w.open("Rule").elem("ID", r.id);
    filter_xml(w, r.filter);
    w.elem("Status", r.enabled ? "Enabled" : "Disabled");
    if (r.expires_current() || r.expired_object_delete_marker) {
      w.open("Expiration");
      if (r.expiration_days) w.elem("Days", uint64_t{*r.expiration_days});
      if (r.expiration_date_ns) w.elem("Date", format_iso8601(from_ns(*r.expiration_date_ns)));
      if (r.expired_object_delete_marker) {
        w.elem_bool("ExpiredObjectDeleteMarker", *r.expired_object_delete_marker);
      }
      w.close("Expiration");
    }
    if (r.noncurrent_days) {
      w.open("NoncurrentVersionExpiration").elem("NoncurrentDays", uint64_t{*r.noncurrent_days});
      if (r.newer_noncurrent_versions) {
        w.elem("NewerNoncurrentVersions", uint64_t{*r.newer_noncurrent_versions});
      }
      w.close("NoncurrentVersionExpiration");
    }
    if (r.abort_days) {
      w.open("AbortIncompleteMultipartUpload")
          .elem("DaysAfterInitiation", uint64_t{*r.abort_days})
          .close("AbortIncompleteMultipartUpload");
    }
    w.close("Rule");
  }
  return w.finish();
}

}  // namespace skyarray::s3
