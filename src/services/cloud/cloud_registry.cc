#include "services/cloud/cloud_registry.h"

#include <algorithm>
#include <boost/json.hpp>

#include "common/encoding.h"
#include "common/json_fields.h"
#include "meta/meta_store.h"
#include "services/cloud/cloud_link_codec.h"
#include "services/cloud/cloud_target_codec.h"

namespace skyarray::services {

namespace json = boost::json;

namespace {

const std::string kTargetPrefix = std::string(
                                      "\x01"
                                      "cloud-target") +
                                  '\0';
const std::string kLinkPrefix = std::string(
                                    "\x01"
                                    "cloud-link") +
                                '\0';

std::string kek_aad(const CloudTargetConfig& t) {
  return t.name + std::string("\0kek\0", 5) + t.encryption_key_id;
}

Result<json::object> parse_object(std::string_view raw) {
  boost::system::error_code ec;
  json::value v = json::parse(raw, ec);
  if (ec || !v.is_object()) return Status::corruption("unreadable cloud configuration record");
  return std::move(v.as_object());
}

}  // namespace

Result<std::unique_ptr<CloudRegistry>> CloudRegistry::open(MetaStore& meta, SecretBox box) {
  std::unique_ptr<CloudRegistry> r(new CloudRegistry(meta, std::move(box)));
  SKY_RETURN_IF_ERROR(r->load());
  return r;
}

Status CloudRegistry::load() {
  MutexLock lock(&mu_);  // not shared yet; taken for the analysis
  auto it = meta_.scan_prefix(MetaCf::kBuckets, kTargetPrefix);
  for (it->seek_to_first(); it->valid(); it->next()) {
    SKY_ASSIGN_OR_RETURN(auto o, parse_object(it->value()));
    CloudTargetConfig t = CloudTargetCodec::decode(o);
    SKY_ASSIGN_OR_RETURN(auto sealed, base64_decode(json_fields::string_of(o, "secret")));
    SKY_ASSIGN_OR_RETURN(t.secret_key, box_.open(sealed, t.name));
    t.encryption_key_id = json_fields::string_of(o, "kek_id");
    if (!t.encryption_key_id.empty()) {
      SKY_ASSIGN_OR_RETURN(auto kek, base64_decode(json_fields::string_of(o, "kek")));
      SKY_ASSIGN_OR_RETURN(t.encryption_key, box_.open(kek, kek_aad(t)));
    }
    targets_[t.name] = std::move(t);
  }
  auto lit = meta_.scan_prefix(MetaCf::kBuckets, kLinkPrefix);
  for (lit->seek_to_first(); lit->valid(); lit->next()) {
    SKY_ASSIGN_OR_RETURN(CloudLink l, CloudLinkCodec::decode(lit->value()));
    links_[l.bucket] = std::move(l);
  }
  SKY_RETURN_IF_ERROR(lit->status());
  return it->status();
}

Status CloudRegistry::add_target(const CloudTargetConfig& given, bool replace) {
  SKY_RETURN_IF_ERROR(given.validate());
  CloudTargetConfig t = given;
  if (t.encryption_key_id.empty()) {
    // A replaced target keeps its encryption key: without it the objects
    // already in the cloud could not be read.
    MutexLock lock(&mu_);
    auto old = targets_.find(t.name);
    if (replace && old != targets_.end()) {
      t.encryption_key_id = old->second.encryption_key_id;
      t.encryption_key = old->second.encryption_key;
    }
  }
  SKY_ASSIGN_OR_RETURN(auto sealed, box_.seal(t.secret_key, t.name));
  json::object o = CloudTargetCodec::encode(t);
  o["v"] = 1;
  o["secret"] = base64_encode(sealed);
  if (!t.encryption_key_id.empty()) {
    SKY_ASSIGN_OR_RETURN(auto kek, box_.seal(t.encryption_key, kek_aad(t)));
    o["kek_id"] = t.encryption_key_id;
    o["kek"] = base64_encode(kek);
  }
  MutexLock lock(&mu_);
  if (!replace && targets_.contains(t.name))
    return Status::already_exists("cloud target '" + t.name + "' exists");
  MetaBatch batch;
  batch.put(MetaCf::kBuckets, kTargetPrefix + t.name, json::serialize(o));
  SKY_RETURN_IF_ERROR(meta_.commit(std::move(batch)));
  targets_[t.name] = t;
  return Status::ok();
}

Status CloudRegistry::remove_target(const std::string& name) {
  MutexLock lock(&mu_);
  if (!targets_.contains(name)) return Status::not_found("no cloud target '" + name + "'");
  for (const auto& [bucket, link] : links_) {
    if (link.target == name)
      return Status(StatusCode::kConflict, "bucket '" + bucket + "' is linked to '" + name + "'");
  }
  MetaBatch batch;
  batch.erase(MetaCf::kBuckets, kTargetPrefix + name);
  SKY_RETURN_IF_ERROR(meta_.commit(std::move(batch)));
  targets_.erase(name);
  return Status::ok();
}

std::vector<CloudTargetConfig> CloudRegistry::targets() const {
  MutexLock lock(&mu_);
  std::vector<CloudTargetConfig> out;
  for (const auto& [n, t] : targets_) out.push_back(t);
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.name < b.name; });
  return out;
}

std::optional<CloudTargetConfig> CloudRegistry::target(const std::string& name) const {
  MutexLock lock(&mu_);
  auto it = targets_.find(name);
  if (it == targets_.end()) return std::nullopt;
  return it->second;
}

Status CloudRegistry::add_link(const CloudLink& l) {
  MutexLock lock(&mu_);
  if (!targets_.contains(l.target)) return Status::not_found("no cloud target '" + l.target + "'");
  if (links_.contains(l.bucket))
    return Status::already_exists("bucket '" + l.bucket + "' is already linked");
  MetaBatch batch;
  batch.put(MetaCf::kBuckets, kLinkPrefix + l.bucket, CloudLinkCodec::encode(l));
  SKY_RETURN_IF_ERROR(meta_.commit(std::move(batch)));
  links_[l.bucket] = l;
  return Status::ok();
}

Status CloudRegistry::remove_link(const std::string& bucket) {
  MutexLock lock(&mu_);
  if (!links_.contains(bucket)) return Status::not_found("bucket '" + bucket + "' is not linked");
  MetaBatch batch;
  batch.erase(MetaCf::kBuckets, kLinkPrefix + bucket);
  SKY_RETURN_IF_ERROR(meta_.commit(std::move(batch)));
  links_.erase(bucket);
  return Status::ok();
}

std::vector<CloudLink> CloudRegistry::links() const {
  MutexLock lock(&mu_);
  std::vector<CloudLink> out;
  for (const auto& [b, l] : links_) out.push_back(l);
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.bucket < b.bucket; });
  return out;
}

std::optional<CloudLink> CloudRegistry::link_of(const std::string& bucket) const {
  MutexLock lock(&mu_);
  auto it = links_.find(bucket);
  if (it == links_.end()) return std::nullopt;
  return it->second;
}

}  // namespace skyarray::services
