#include "protocols/s3/s3_xml.h"

#include "protocols/s3/s3_xml_nodes.h"

#include <charconv>
#include <pugixml.hpp>
#include <set>

#include "common/ascii.h"
#include "protocols/s3/s3_errors.h"
#include "protocols/s3/s3_request.h"

namespace skyarray::s3 {

Status malformed(std::string why) {
  return s3_status(S3Error::kMalformedXML,
                   "The XML you provided was not well-formed or did not "
                   "validate against our "
                   "published schema (" +
                       why + ")");
}

// Local name without a namespace prefix.
std::string_view local_name(const pugi::xml_node& n) {
  std::string_view name = n.name();
  size_t colon = name.find(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

// Parses the whole document and returns its root element, checking its name.
Result<pugi::xml_node> load_root(pugi::xml_document& doc, std::string_view xml,
                                 std::string_view root_name) {
  // parse_ws_pcdata: a whitespace-only text node is kept, so <Key> </Key>
  // is the key " " (keys and values are exact bytes), not an empty one.
  pugi::xml_parse_result r = doc.load_buffer(
      xml.data(), xml.size(), pugi::parse_default | pugi::parse_ws_pcdata, pugi::encoding_utf8);
  if (!r) return malformed(std::string("parse error: ") + r.description());
  pugi::xml_node root;
  for (pugi::xml_node n : doc.children()) {
    if (n.type() == pugi::node_element) {
      if (root) return malformed("more than one root element");
      root = n;
    } else if ((n.type() == pugi::node_pcdata || n.type() == pugi::node_cdata) &&
               std::string_view(n.value()).find_first_not_of(" \t\r\n") != std::string_view::npos) {
      return malformed("text outside the root element");
    }
  }
  if (!root) return malformed("no root element");
  if (local_name(root) != root_name) {
    return malformed("expected <" + std::string(root_name) + ">, got <" + root.name() + ">");
  }
  return root;
}

// Element children only; text between elements must be whitespace.
Status check_children(const pugi::xml_node& parent,
                      std::initializer_list<std::string_view> allowed) {
  for (pugi::xml_node c : parent.children()) {
    if (c.type() == pugi::node_element) {
      bool ok = false;
      for (auto a : allowed) ok = ok || local_name(c) == a;
      if (!ok)
        return malformed("unexpected element <" + std::string(c.name()) + "> in <" + parent.name() +
                         ">");
    } else if (c.type() == pugi::node_pcdata) {
      std::string_view t = c.value();
      if (t.find_first_not_of(" \t\r\n") != std::string_view::npos) {
        return malformed("unexpected text in <" + std::string(parent.name()) + ">");
      }
    }
  }
  return Status::ok();
}

std::optional<pugi::xml_node> child(const pugi::xml_node& parent, std::string_view name) {
  for (pugi::xml_node c : parent.children()) {
    if (c.type() == pugi::node_element && local_name(c) == name) return c;
  }
  return std::nullopt;
}

std::vector<pugi::xml_node> children(const pugi::xml_node& parent, std::string_view name) {
  std::vector<pugi::xml_node> out;
  for (pugi::xml_node c : parent.children()) {
    if (c.type() == pugi::node_element && local_name(c) == name) out.push_back(c);
  }
  return out;
}

// Text content of a leaf element (no child elements allowed).
Result<std::string> text(const pugi::xml_node& n) {
  std::string out;
  for (pugi::xml_node c : n.children()) {
    if (c.type() == pugi::node_element)
      return malformed("<" + std::string(n.name()) + "> must hold text");
    if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) out += c.value();
  }
  return out;
}

// XML text around a value: spaces, tabs and line breaks.
std::string_view trim_xml(std::string_view s) {
  return trim(s, " \t\r\n");
}

Result<bool> parse_bool(std::string_view s) {
  s = trim_xml(s);
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  return malformed("expected true or false");
}

namespace {

std::string unquote(std::string_view etag) {
  etag = trim_xml(etag);
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"')
    etag = etag.substr(1, etag.size() - 2);
  if (etag.size() >= 6 && etag.substr(0, 6) == "&quot;") etag.remove_prefix(6);
  if (etag.size() >= 6 && etag.substr(etag.size() - 6) == "&quot;") etag.remove_suffix(6);
  return std::string(etag);
}

}  // namespace

Result<std::vector<XmlCompletedPart>> parse_complete_multipart(std::string_view xml) {
  pugi::xml_document doc;
  SKY_ASSIGN_OR_RETURN(pugi::xml_node root, load_root(doc, xml, "CompleteMultipartUpload"));
  SKY_RETURN_IF_ERROR(check_children(root, {"Part"}));
  std::vector<XmlCompletedPart> parts;
  for (pugi::xml_node p : children(root, "Part")) {
    SKY_RETURN_IF_ERROR(check_children(p, {"PartNumber", "ETag", "ChecksumCRC32", "ChecksumCRC32C",
                                           "ChecksumCRC64NVME", "ChecksumSHA1", "ChecksumSHA256"}));
    auto num = child(p, "PartNumber");
    auto etag = child(p, "ETag");
    if (!num || !etag) return malformed("each <Part> needs <PartNumber> and <ETag>");
    SKY_ASSIGN_OR_RETURN(std::string ns, text(*num));
    std::string_view nv = trim_xml(ns);
    XmlCompletedPart part;
    auto [ptr, ec] = std::from_chars(nv.data(), nv.data() + nv.size(), part.number);
    if (nv.empty() || ec != std::errc() || ptr != nv.data() + nv.size()) {
      return malformed("<PartNumber> must be a number");
    }
    SKY_ASSIGN_OR_RETURN(std::string et, text(*etag));
    part.etag = unquote(et);
    for (pugi::xml_node c : p.children()) {
      std::string_view name = local_name(c);
      if (c.type() != pugi::node_element || name.substr(0, 8) != "Checksum") continue;
      SKY_ASSIGN_OR_RETURN(std::string v, text(c));
      part.checksums[std::string(name.substr(8))] = std::string(trim_xml(v));
    }
    parts.push_back(std::move(part));
  }
  if (parts.empty()) return malformed("<CompleteMultipartUpload> lists no parts");
  return parts;
}

Result<XmlDelete> parse_delete(std::string_view xml) {
  pugi::xml_document doc;
  SKY_ASSIGN_OR_RETURN(pugi::xml_node root, load_root(doc, xml, "Delete"));
  SKY_RETURN_IF_ERROR(check_children(root, {"Object", "Quiet"}));
  XmlDelete out;
  if (auto q = child(root, "Quiet")) {
    SKY_ASSIGN_OR_RETURN(std::string v, text(*q));
    SKY_ASSIGN_OR_RETURN(out.quiet, parse_bool(v));
  }
  for (pugi::xml_node o : children(root, "Object")) {
    SKY_RETURN_IF_ERROR(
        check_children(o, {"Key", "VersionId", "ETag", "LastModifiedTime", "Size"}));
    auto key = child(o, "Key");
    if (!key) return malformed("each <Object> needs a <Key>");
    XmlDeleteObject d;
    SKY_ASSIGN_OR_RETURN(d.key, text(*key));
    if (auto v = child(o, "VersionId")) {
      SKY_ASSIGN_OR_RETURN(std::string vid, text(*v));
      d.version_id = std::string(trim_xml(vid));
    }
    if (auto e = child(o, "ETag")) {
      SKY_ASSIGN_OR_RETURN(std::string etag, text(*e));
      d.etag = unquote_etag(etag);
    }
    if (auto t = child(o, "LastModifiedTime")) {
      SKY_ASSIGN_OR_RETURN(std::string v, text(*t));
      // The SDKs send an HTTP date (the model's rfc822 format); accept the
      // ISO 8601 form of XML timestamps too.
      d.last_modified = parse_http_date(v);
      if (!d.last_modified) d.last_modified = parse_iso8601(v);
      if (!d.last_modified) return malformed("<LastModifiedTime> is not a timestamp");
    }
    if (auto z = child(o, "Size")) {
      SKY_ASSIGN_OR_RETURN(std::string v, text(*z));
      std::string_view sv = trim_xml(v);
      uint64_t n = 0;
      auto [end, ec] = std::from_chars(sv.data(), sv.data() + sv.size(), n);
      if (sv.empty() || ec != std::errc() || end != sv.data() + sv.size()) {
        return malformed("<Size> is not a non-negative integer");
      }
      d.size = n;
    }
    out.objects.push_back(std::move(d));
  }
  if (out.objects.empty() || out.objects.size() > 1000) {
    return malformed("<Delete> must list between 1 and 1000 objects");
  }
  return out;
}

Result<std::string> parse_create_bucket(std::string_view xml) {
  if (trim_xml(xml).empty()) return std::string();
  pugi::xml_document doc;
  SKY_ASSIGN_OR_RETURN(pugi::xml_node root, load_root(doc, xml, "CreateBucketConfiguration"));
  SKY_RETURN_IF_ERROR(check_children(root, {"LocationConstraint", "Location", "Bucket"}));
  if (auto lc = child(root, "LocationConstraint")) {
    SKY_ASSIGN_OR_RETURN(std::string v, text(*lc));
    return std::string(trim_xml(v));
  }
  return std::string();
}

Result<services::TagSet> parse_tagging(std::string_view xml, size_t max_tags) {
  pugi::xml_document doc;
  SKY_ASSIGN_OR_RETURN(pugi::xml_node root, load_root(doc, xml, "Tagging"));
  SKY_RETURN_IF_ERROR(check_children(root, {"TagSet"}));
  auto set = child(root, "TagSet");
  if (!set) return malformed("<Tagging> needs a <TagSet>");
  SKY_RETURN_IF_ERROR(check_children(*set, {"Tag"}));
  services::TagSet tags;
  for (pugi::xml_node t : children(*set, "Tag")) {
    SKY_RETURN_IF_ERROR(check_children(t, {"Key", "Value"}));
    auto k = child(t, "Key");
    auto v = child(t, "Value");
    if (!k || !v) return malformed("each <Tag> needs <Key> and <Value>");
    SKY_ASSIGN_OR_RETURN(std::string key, text(*k));
    SKY_ASSIGN_OR_RETURN(std::string value, text(*v));
    if (key.empty() || key.size() > 128 || value.size() > 256) {
      return s3_status(S3Error::kInvalidTag,
                       "tag keys must be 1-128 and values 0-256 characters long");
    }
    if (!tags.emplace(std::move(key), std::move(value)).second) {
      return s3_status(S3Error::kInvalidTag, "cannot provide multiple tags with the same key");
    }
  }
  if (tags.size() > max_tags) {
    return s3_status(S3Error::kInvalidTag,
                     "at most " + std::to_string(max_tags) + " tags are allowed");
  }
  return tags;
}

Result<services::VersioningState> parse_versioning(std::string_view xml) {
  pugi::xml_document doc;
  SKY_ASSIGN_OR_RETURN(pugi::xml_node root, load_root(doc, xml, "VersioningConfiguration"));
  SKY_RETURN_IF_ERROR(check_children(root, {"Status", "MfaDelete"}));
  if (auto mfa = child(root, "MfaDelete")) {
    SKY_ASSIGN_OR_RETURN(std::string v, text(*mfa));
    if (trim_xml(v) == "Enabled")
      return s3_status(S3Error::kNotImplemented, "MFA delete is not supported");
    if (trim_xml(v) != "Disabled") return malformed("<MfaDelete> must be Enabled or Disabled");
  }
  auto st = child(root, "Status");
  if (!st) return malformed("<VersioningConfiguration> needs a <Status>");
  SKY_ASSIGN_OR_RETURN(std::string v, text(*st));
  if (trim_xml(v) == "Enabled") return services::VersioningState::kEnabled;
  if (trim_xml(v) == "Suspended") return services::VersioningState::kSuspended;
  return malformed("<Status> must be Enabled or Suspended");
}

Result<services::PublicAccessBlock> parse_public_access_block(std::string_view xml) {
  pugi::xml_document doc;
  SKY_ASSIGN_OR_RETURN(pugi::xml_node root, load_root(doc, xml, "PublicAccessBlockConfiguration"));
  SKY_RETURN_IF_ERROR(check_children(
      root, {"BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"}));
  services::PublicAccessBlock out;
  auto flag = [&](std::string_view name, bool* value) -> Status {
    auto n = child(root, name);
    if (!n) return Status::ok();
    SKY_ASSIGN_OR_RETURN(std::string v, text(*n));
    SKY_ASSIGN_OR_RETURN(*value, parse_bool(v));
    return Status::ok();
  };
  SKY_RETURN_IF_ERROR(flag("BlockPublicAcls", &out.block_public_acls));
  SKY_RETURN_IF_ERROR(flag("IgnorePublicAcls", &out.ignore_public_acls));
  SKY_RETURN_IF_ERROR(flag("BlockPublicPolicy", &out.block_public_policy));
  SKY_RETURN_IF_ERROR(flag("RestrictPublicBuckets", &out.restrict_public_buckets));
  return out;
}

Result<std::string> parse_ownership_controls(std::string_view xml) {
  pugi::xml_document doc;
  SKY_ASSIGN_OR_RETURN(pugi::xml_node root, load_root(doc, xml, "OwnershipControls"));
  SKY_RETURN_IF_ERROR(check_children(root, {"Rule"}));
  auto rules = children(root, "Rule");
  if (rules.size() != 1) return malformed("<OwnershipControls> needs exactly one <Rule>");
  SKY_RETURN_IF_ERROR(check_children(rules[0], {"ObjectOwnership"}));
  auto o = child(rules[0], "ObjectOwnership");
  if (!o) return malformed("<Rule> needs an <ObjectOwnership>");
  SKY_ASSIGN_OR_RETURN(std::string v, text(*o));
  if (!services::parse_object_ownership(trim_xml(v))) {
    return malformed(
        "<ObjectOwnership> must be BucketOwnerEnforced, "
        "BucketOwnerPreferred or ObjectWriter");
  }
  return std::string(trim_xml(v));
}

std::optional<services::SseMode> parse_sse_algorithm(std::string_view name) {
  if (name == "AES256") return services::SseMode::kS3;
  if (name == "aws:kms") return services::SseMode::kKms;
  return std::nullopt;
}

std::string_view sse_algorithm_name(services::SseMode mode) {
  switch (mode) {
    case services::SseMode::kS3:
      return "AES256";
    case services::SseMode::kKms:
      return "aws:kms";
    default:
      return "";
  }
}

Result<services::BucketEncryption> parse_bucket_encryption(std::string_view xml) {
  pugi::xml_document doc;
  SKY_ASSIGN_OR_RETURN(pugi::xml_node root,
                       load_root(doc, xml, "ServerSideEncryptionConfiguration"));
  SKY_RETURN_IF_ERROR(check_children(root, {"Rule"}));
  auto rules = children(root, "Rule");
  if (rules.size() != 1) {
    return malformed("<ServerSideEncryptionConfiguration> needs exactly one <Rule>");
  }
  SKY_RETURN_IF_ERROR(check_children(rules[0], {"ApplyServerSideEncryptionByDefault",
                                                "BucketKeyEnabled", "BlockedEncryptionTypes"}));
  if (child(rules[0], "BlockedEncryptionTypes")) {
    return s3_status(S3Error::kNotImplemented, "BlockedEncryptionTypes is not supported");
  }
  services::BucketEncryption out;
  if (auto bk = child(rules[0], "BucketKeyEnabled")) {
    SKY_ASSIGN_OR_RETURN(std::string v, text(*bk));
    if (trim_xml(v) != "true" && trim_xml(v) != "false") {
      return malformed("<BucketKeyEnabled> must be true or false");
    }
    out.bucket_key = trim_xml(v) == "true";
  }
  auto by_default = child(rules[0], "ApplyServerSideEncryptionByDefault");
  if (!by_default) return malformed("<Rule> needs <ApplyServerSideEncryptionByDefault>");
  SKY_RETURN_IF_ERROR(check_children(*by_default, {"SSEAlgorithm", "KMSMasterKeyID"}));
  auto alg = child(*by_default, "SSEAlgorithm");
  if (!alg) return malformed("<ApplyServerSideEncryptionByDefault> needs an <SSEAlgorithm>");
  SKY_ASSIGN_OR_RETURN(std::string name, text(*alg));
  if (trim_xml(name) == "aws:kms:dsse") {
    return s3_status(S3Error::kNotImplemented, "dual-layer SSE-KMS is not supported");
  }
  auto mode = parse_sse_algorithm(trim_xml(name));
  if (!mode) return malformed("<SSEAlgorithm> must be AES256 or aws:kms");
  out.mode = *mode;
  if (auto key = child(*by_default, "KMSMasterKeyID")) {
    if (out.mode != services::SseMode::kKms) {
      return s3_status(S3Error::kInvalidArgument, "a KMSMasterKeyID needs aws:kms");
    }
    SKY_ASSIGN_OR_RETURN(std::string id, text(*key));
    out.kms_key_id = std::string(trim_xml(id));
  }
  return out;
}

std::optional<services::RetentionMode> parse_retention_mode(std::string_view s) {
  if (s == "GOVERNANCE") return services::RetentionMode::kGovernance;
  if (s == "COMPLIANCE") return services::RetentionMode::kCompliance;
  return std::nullopt;
}

std::string_view retention_mode_name(services::RetentionMode mode) {
  switch (mode) {
    case services::RetentionMode::kGovernance:
      return "GOVERNANCE";
    case services::RetentionMode::kCompliance:
      return "COMPLIANCE";
    case services::RetentionMode::kNone:
      break;
  }
  return "";
}

namespace {
Result<services::RetentionMode> mode_of(const pugi::xml_node& n) {
  SKY_ASSIGN_OR_RETURN(std::string v, text(n));
  auto mode = parse_retention_mode(trim_xml(v));
  if (!mode) return malformed("<Mode> must be GOVERNANCE or COMPLIANCE");
  return *mode;
}

Result<uint32_t> retention_period(const pugi::xml_node& n) {
  SKY_ASSIGN_OR_RETURN(std::string v, text(n));
  std::string_view t = trim_xml(v);
  int64_t value = 0;
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), value);
  if (t.empty() || ec != std::errc() || p != t.data() + t.size()) {
    return malformed("<Days> and <Years> must be integers");
  }
  if (value <= 0 || value > 100000) {
    return s3_status(S3Error::kInvalidArgument,
                     "Default retention period must be a positive integer value");
  }
  return static_cast<uint32_t>(value);
}
}  // namespace

Result<services::ObjectLockConfiguration> parse_object_lock_configuration(std::string_view xml) {
  pugi::xml_document doc;
  SKY_ASSIGN_OR_RETURN(pugi::xml_node root, load_root(doc, xml, "ObjectLockConfiguration"));
  SKY_RETURN_IF_ERROR(check_children(root, {"ObjectLockEnabled", "Rule"}));
  services::ObjectLockConfiguration out;
  auto enabled = child(root, "ObjectLockEnabled");
  if (!enabled) return malformed("<ObjectLockConfiguration> needs <ObjectLockEnabled>");
  SKY_ASSIGN_OR_RETURN(std::string e, text(*enabled));
  if (trim_xml(e) != "Enabled") return malformed("<ObjectLockEnabled> must be Enabled");
  out.enabled = true;
  auto rules = children(root, "Rule");
  if (rules.size() > 1) return malformed("at most one <Rule>");
  if (rules.empty()) return out;
  SKY_RETURN_IF_ERROR(check_children(rules[0], {"DefaultRetention"}));
  auto dr = child(rules[0], "DefaultRetention");
  if (!dr) return malformed("<Rule> needs a <DefaultRetention>");
  SKY_RETURN_IF_ERROR(check_children(*dr, {"Mode", "Days", "Years"}));
  auto mode = child(*dr, "Mode");
  auto days = child(*dr, "Days");
  auto years = child(*dr, "Years");
  if (!mode || (days.has_value() == years.has_value())) {
    return malformed("<DefaultRetention> needs a <Mode> and either <Days> or <Years>");
  }
  SKY_ASSIGN_OR_RETURN(out.default_mode, mode_of(*mode));
  if (days) {
    SKY_ASSIGN_OR_RETURN(out.default_days, retention_period(*days));
  }
  if (years) {
    SKY_ASSIGN_OR_RETURN(out.default_years, retention_period(*years));
  }
  return out;
}

Result<services::ObjectLock> parse_retention(std::string_view xml) {
  pugi::xml_document doc;
  SKY_ASSIGN_OR_RETURN(pugi::xml_node root, load_root(doc, xml, "Retention"));
  SKY_RETURN_IF_ERROR(check_children(root, {"Mode", "RetainUntilDate"}));
  services::ObjectLock out;
  auto mode = child(root, "Mode");
  auto until = child(root, "RetainUntilDate");
  if (mode.has_value() != until.has_value()) {
    return malformed("<Retention> needs both <Mode> and <RetainUntilDate>, or neither");
  }
  if (!mode) return out;
  SKY_ASSIGN_OR_RETURN(out.mode, mode_of(*mode));
  SKY_ASSIGN_OR_RETURN(std::string u, text(*until));
  auto when = parse_iso8601(trim_xml(u));
  if (!when) return malformed("<RetainUntilDate> must be an ISO 8601 date");
  out.retain_until_ns = to_ns(*when);
  return out;
}

Result<bool> parse_legal_hold(std::string_view xml) {
  pugi::xml_document doc;
  SKY_ASSIGN_OR_RETURN(pugi::xml_node root, load_root(doc, xml, "LegalHold"));
  SKY_RETURN_IF_ERROR(check_children(root, {"Status"}));
  auto st = child(root, "Status");
  if (!st) return malformed("<LegalHold> needs a <Status>");
  SKY_ASSIGN_OR_RETURN(std::string v, text(*st));
  if (trim_xml(v) == "ON") return true;
  if (trim_xml(v) == "OFF") return false;
  return malformed("<Status> must be ON or OFF");
}

Result<std::vector<services::CorsRule>> parse_cors(std::string_view xml) {
  pugi::xml_document doc;
  SKY_ASSIGN_OR_RETURN(pugi::xml_node root, load_root(doc, xml, "CORSConfiguration"));
  SKY_RETURN_IF_ERROR(check_children(root, {"CORSRule"}));
  std::vector<services::CorsRule> rules;
  static const std::set<std::string> kMethods{"GET", "PUT", "POST", "DELETE", "HEAD"};
  for (pugi::xml_node r : children(root, "CORSRule")) {
    SKY_RETURN_IF_ERROR(check_children(r, {"ID", "AllowedOrigin", "AllowedMethod", "AllowedHeader",
                                           "ExposeHeader", "MaxAgeSeconds"}));
    services::CorsRule rule;
    if (auto id = child(r, "ID")) {
      SKY_ASSIGN_OR_RETURN(rule.id, text(*id));
    }
    for (auto n : children(r, "AllowedOrigin")) {
      SKY_ASSIGN_OR_RETURN(std::string v, text(n));
      rule.allowed_origins.emplace_back(trim_xml(v));
    }
    for (auto n : children(r, "AllowedMethod")) {
      SKY_ASSIGN_OR_RETURN(std::string v, text(n));
      std::string m(trim_xml(v));
      if (!kMethods.count(m)) {
        return s3_status(S3Error::kInvalidRequest,
                         "found unsupported HTTP method in CORS config: " + m);
      }
      rule.allowed_methods.push_back(std::move(m));
    }
    for (auto n : children(r, "AllowedHeader")) {
      SKY_ASSIGN_OR_RETURN(std::string v, text(n));
      rule.allowed_headers.emplace_back(trim_xml(v));
    }
    for (auto n : children(r, "ExposeHeader")) {
      SKY_ASSIGN_OR_RETURN(std::string v, text(n));
      rule.expose_headers.emplace_back(trim_xml(v));
    }
    if (auto n = child(r, "MaxAgeSeconds")) {
      SKY_ASSIGN_OR_RETURN(std::string v, text(*n));
      std::string_view tv = trim_xml(v);
      int64_t age = 0;
      auto [p, ec] = std::from_chars(tv.data(), tv.data() + tv.size(), age);
      if (tv.empty() || ec != std::errc() || p != tv.data() + tv.size() || age < 0) {
        return malformed("<MaxAgeSeconds> must be a non-negative number");
      }
      rule.max_age_seconds = age;
    }
    if (rule.allowed_origins.empty() || rule.allowed_methods.empty()) {
      return malformed("each <CORSRule> needs <AllowedOrigin> and <AllowedMethod>");
    }
    rules.push_back(std::move(rule));
  }
  if (rules.empty() || rules.size() > 100)
    return malformed("between 1 and 100 <CORSRule> are allowed");
  return rules;
}

Result<XmlAccessControlPolicy> parse_access_control_policy(std::string_view xml) {
  auto bad = [](const Status& s) {
    return s3_status(S3Error::kMalformedACLError,
                     "The XML you provided was not well-formed or did not "
                     "validate against our "
                     "published schema (" +
                         std::string(s.message()) + ")");
  };
  pugi::xml_document doc;
  auto root = load_root(doc, xml, "AccessControlPolicy");
  if (!root.is_ok()) return bad(root.status());
  if (Status s = check_children(*root, {"Owner", "AccessControlList"}); !s.is_ok()) return bad(s);
  XmlAccessControlPolicy out;
  if (auto owner = child(*root, "Owner")) {
    if (Status s = check_children(*owner, {"ID", "DisplayName"}); !s.is_ok()) return bad(s);
    if (auto id = child(*owner, "ID")) {
      auto v = text(*id);
      if (!v.is_ok()) return bad(v.status());
      out.owner_id = std::string(trim_xml(*v));
    }
  }
  auto list = child(*root, "AccessControlList");
  if (!list) return bad(malformed("<AccessControlList> is required"));
  if (Status s = check_children(*list, {"Grant"}); !s.is_ok()) return bad(s);
  for (pugi::xml_node g : children(*list, "Grant")) {
    if (Status s = check_children(g, {"Grantee", "Permission"}); !s.is_ok()) return bad(s);
    auto grantee = child(g, "Grantee");
    auto permission = child(g, "Permission");
    if (!grantee || !permission) return bad(malformed("<Grant> needs <Grantee> and <Permission>"));
    Status s = check_children(*grantee, {"ID", "DisplayName", "URI", "EmailAddress"});
    if (!s.is_ok()) return bad(s);
    XmlGrant grant;
    auto leaf = [&](std::string_view name, std::string* to) -> Status {
      if (auto n = child(*grantee, name)) {
        SKY_ASSIGN_OR_RETURN(std::string v, text(*n));
        *to = std::string(trim_xml(v));
      }
      return Status::ok();
    };
    if (Status e = leaf("ID", &grant.id); !e.is_ok()) return bad(e);
    if (Status e = leaf("URI", &grant.uri); !e.is_ok()) return bad(e);
    if (Status e = leaf("EmailAddress", &grant.email); !e.is_ok()) return bad(e);
    if (grant.id.empty() + grant.uri.empty() + grant.email.empty() != 2) {
      return bad(malformed("a <Grantee> names exactly one of ID, URI, EmailAddress"));
    }
    auto p = text(*permission);
    if (!p.is_ok()) return bad(p.status());
    grant.permission = std::string(trim_xml(*p));
    out.grants.push_back(std::move(grant));
  }
  if (out.grants.size() > 100) return bad(malformed("at most 100 grants are allowed"));
  return out;
}

// ---------------------------------------------------------------- writer

std::string xml_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      case '\r':
        out += "&#13;";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t') {
          // Not representable in XML 1.0; S3 clients expect encoding-type=url for
          // such keys.
          out += "&#" + std::to_string(static_cast<int>(c)) + ";";
        } else {
          out += c;
        }
    }
  }
  return out;
}

XmlWriter::XmlWriter(std::string_view root, bool s3_namespace) : root_(root) {
  out_ = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<";
  out_ += root;
  if (s3_namespace) out_ += " xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"";
  out_ += ">";
}

XmlWriter& XmlWriter::open(std::string_view tag) {
  out_ += '<';
  out_ += tag;
  out_ += '>';
  return *this;
}

XmlWriter& XmlWriter::close(std::string_view tag) {
  out_ += "</";
  out_ += tag;
  out_ += '>';
  return *this;
}

XmlWriter& XmlWriter::elem(std::string_view tag, std::string_view text) {
  open(tag);
  out_ += xml_escape(text);
  return close(tag);
}

XmlWriter& XmlWriter::elem(std::string_view tag, uint64_t value) {
  return elem(tag, std::to_string(value));
}

XmlWriter& XmlWriter::elem_bool(std::string_view tag, bool value) {
  return elem(tag, value ? std::string_view("true") : std::string_view("false"));
}

std::string XmlWriter::finish() {
  close(root_);
  return std::move(out_);
}

void owner_xml(XmlWriter& w, const std::string& id) {
  w.open("Owner").elem("ID", id).elem("DisplayName", id).close("Owner");
}

void checksum_xml(XmlWriter& w, const std::optional<services::ObjectChecksum>& c) {
  if (!c) return;
  w.elem("Checksum" + std::string(checksum_algorithm_name(c->algorithm)), checksum_wire_value(*c));
}

}  // namespace skyarray::s3
