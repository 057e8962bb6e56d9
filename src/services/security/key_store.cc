// KeyStore: the built-in KMS (key_store.h).
#include "services/security/key_store.h"

#include <boost/json.hpp>

#include "common/encoding.h"
#include "common/json_fields.h"
#include "common/random.h"
#include "common/time.h"
#include "meta/meta_store.h"

namespace skyarray::services {

namespace {

constexpr size_t kMaterialSize = 32;
constexpr uint32_t kMaxVersions = 1000;

std::string record_key(std::string_view id) {
  return "E" + std::string(id);
}

// What a version's sealed material is bound to.
std::string material_aad(std::string_view id, uint32_t version) {
  return "skyarray-kms/1\n" + std::string(id) + '\n' + std::to_string(version);
}

// What a DEK's seal is bound to, besides the caller's AAD.
std::string dek_aad(std::string_view id, uint32_t version, std::string_view aad) {
  return "skyarray-dek-at-rest/1\n" + std::string(id) + '\n' + std::to_string(version) + '\n' +
         std::string(aad);
}

Result<std::string> new_uuid() {
  SKY_ASSIGN_OR_RETURN(std::string raw, random_bytes(16));
  raw[6] = static_cast<char>((raw[6] & 0x0f) | 0x40);  // version 4
  raw[8] = static_cast<char>((raw[8] & 0x3f) | 0x80);  // RFC 4122 variant
  std::string hex = hex_encode(raw);
  return hex.substr(0, 8) + '-' + hex.substr(8, 4) + '-' + hex.substr(12, 4) + '-' +
         hex.substr(16, 4) + '-' + hex.substr(20);
}

// The key id in an id or a KMS ARN ending in ":key/<id>".
Result<std::string_view> key_id_of(std::string_view id_or_arn) {
  if (!id_or_arn.starts_with("arn:")) return id_or_arn;
  size_t at = id_or_arn.rfind(":key/");
  if (at == std::string_view::npos) {
    return Status::invalid_argument("KMS key " + std::string(id_or_arn) + " is not a key ARN");
  }
  return id_or_arn.substr(at + 5);
}

Status no_such_key(std::string_view id) {
  return Status::invalid_argument("KMS key " + std::string(id) + " does not exist");
}

Status unavailable(std::string_view id, std::string_view why) {
  return Status(StatusCode::kKeyUnavailable, "KMS key " + std::string(id) + " " + std::string(why));
}

}  // namespace

Result<std::unique_ptr<KeyStore>> KeyStore::open(MetaStore& meta, SecretBox box) {
  std::unique_ptr<KeyStore> store(new KeyStore(meta, std::move(box)));
  SKY_RETURN_IF_ERROR(store->load());
  bool has_s3 = false;
  {
    MutexLock l(&store->mu_);
    has_s3 = store->keys_.contains(kS3KeyId);
  }
  if (!has_s3) SKY_RETURN_IF_ERROR(store->add(std::string(kS3KeyId), "SSE-S3").status());
  return store;
}

Status KeyStore::load() {
  auto it = meta_.scan_prefix(MetaCf::kUsers, "E");
  for (it->seek_to_first(); it->valid(); it->next()) {
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(it->value(), ec);
    if (ec || !v.is_object()) return Status::corruption("unreadable KMS key record");
    const auto& o = v.as_object();
    Entry e;
    e.key.id = json_fields::string_of(o, "id");
    e.key.description = json_fields::string_of(o, "description");
    e.key.enabled = json_fields::bool_of(o, "enabled", true);
    e.key.created_ns = json_fields::int_of(o, "created_ns");
    e.key.rotated_ns = json_fields::int_of(o, "rotated_ns");
    std::vector<std::string> sealed = json_fields::strings_of(o, "material");
    if (e.key.id.empty() || sealed.empty() || record_key(e.key.id) != it->key()) {
      return Status::corruption("bad KMS key record");
    }
    for (size_t i = 0; i < sealed.size(); ++i) {
      SKY_ASSIGN_OR_RETURN(std::string raw, base64_decode(sealed[i]));
      auto material = box_.open(raw, material_aad(e.key.id, static_cast<uint32_t>(i + 1)));
      if (!material.is_ok() || material->size() != kMaterialSize) {
        return Status::corruption("KMS key " + e.key.id + " does not open with the box key");
      }
      e.material.push_back(std::move(*material));
    }
    e.key.versions = static_cast<uint32_t>(e.material.size());
    MutexLock l(&mu_);
    keys_[e.key.id] = std::move(e);
  }
  return it->status();
}

Status KeyStore::save(const Entry& e) {
  boost::json::array material;
  for (size_t i = 0; i < e.material.size(); ++i) {
    SKY_ASSIGN_OR_RETURN(std::string sealed,
                         box_.seal(e.material[i], material_aad(e.key.id, uint32_t(i + 1))));
    material.push_back(boost::json::string(base64_encode(sealed)));
  }
  boost::json::object o{{"id", e.key.id},
                        {"description", e.key.description},
                        {"enabled", e.key.enabled},
                        {"created_ns", e.key.created_ns},
                        {"rotated_ns", e.key.rotated_ns},
                        {"material", std::move(material)}};
  MetaBatch batch;
  batch.put(MetaCf::kUsers, record_key(e.key.id), boost::json::serialize(o));
  SKY_RETURN_IF_ERROR(meta_.commit(std::move(batch)));
  MutexLock l(&mu_);
  keys_[e.key.id] = e;
  return Status::ok();
}

Result<KmsKey> KeyStore::add(std::string id, const std::string& description) {
  if (description.size() > 256) return Status::invalid_argument("description over 256 bytes");
  Entry e;
  e.key.id = std::move(id);
  e.key.description = description;
  e.key.created_ns = to_ns(std::chrono::system_clock::now());
  SKY_ASSIGN_OR_RETURN(std::string material, random_bytes(kMaterialSize));
  e.material.push_back(std::move(material));
  MutexLock w(&write_mu_);
  SKY_RETURN_IF_ERROR(save(e));
  return e.key;
}

Result<KmsKey> KeyStore::create(const std::string& description) {
  SKY_ASSIGN_OR_RETURN(std::string id, new_uuid());
  return add(std::move(id), description);
}

std::vector<KmsKey> KeyStore::list() const {
  MutexLock l(&mu_);
  std::vector<KmsKey> out;
  for (const auto& [id, e] : keys_) out.push_back(e.key);
  return out;
}

Result<KmsKey> KeyStore::describe(std::string_view id_or_arn) const {
  SKY_ASSIGN_OR_RETURN(std::string_view id, key_id_of(id_or_arn));
  MutexLock l(&mu_);
  auto it = keys_.find(id);
  if (it == keys_.end()) return no_such_key(id);
  return it->second.key;
}

Result<KmsKey> KeyStore::rotate(const std::string& id) {
  SKY_ASSIGN_OR_RETURN(KmsKey key, describe(id));
  if (!key.enabled) return unavailable(key.id, "is disabled: enable it to rotate it");
  MutexLock w(&write_mu_);
  Entry e;
  {
    MutexLock l(&mu_);
    e = keys_.at(key.id);
  }
  if (e.material.size() >= kMaxVersions) {
    return Status::invalid_argument("KMS key " + key.id + " has " + std::to_string(kMaxVersions) +
                                    " versions already");
  }
  SKY_ASSIGN_OR_RETURN(std::string material, random_bytes(kMaterialSize));
  e.material.push_back(std::move(material));
  e.key.versions = static_cast<uint32_t>(e.material.size());
  e.key.rotated_ns = to_ns(std::chrono::system_clock::now());
  SKY_RETURN_IF_ERROR(save(e));
  return e.key;
}

Result<KmsKey> KeyStore::set_enabled(const std::string& id, bool enabled) {
  SKY_ASSIGN_OR_RETURN(KmsKey key, describe(id));
  MutexLock w(&write_mu_);
  Entry e;
  {
    MutexLock l(&mu_);
    e = keys_.at(key.id);
  }
  e.key.enabled = enabled;
  SKY_RETURN_IF_ERROR(save(e));
  return e.key;
}

Result<SecretBox> KeyStore::version_box(std::string_view id_or_arn, uint32_t version,
                                        SealedDataKey* used) const {
  SKY_ASSIGN_OR_RETURN(std::string_view id, key_id_of(id_or_arn));
  std::string material;
  {
    MutexLock l(&mu_);
    auto it = keys_.find(id);
    if (it == keys_.end()) return no_such_key(id);
    const Entry& e = it->second;
    if (!e.key.enabled) return unavailable(e.key.id, "is disabled");
    if (version == 0) version = e.key.versions;
    if (version > e.material.size()) {
      return Status::corruption("data key names version " + std::to_string(version) +
                                " of KMS key " + e.key.id);
    }
    material = e.material[version - 1];
    used->key_id = e.key.id;
    used->version = version;
  }
  return SecretBox::from_key(std::move(material));
}

Result<SealedDataKey> KeyStore::new_data_key(std::string_view id_or_arn, std::string_view aad,
                                             std::string* dek) const {
  SKY_ASSIGN_OR_RETURN(*dek, random_bytes(kMaterialSize));
  return seal_data_key(id_or_arn, aad, *dek);
}

Result<SealedDataKey> KeyStore::seal_data_key(std::string_view id_or_arn, std::string_view aad,
                                              const std::string& dek) const {
  if (dek.size() != kMaterialSize) return Status::invalid_argument("data keys are 256 bits");
  SealedDataKey out;
  SKY_ASSIGN_OR_RETURN(SecretBox box, version_box(id_or_arn, 0, &out));
  SKY_ASSIGN_OR_RETURN(out.sealed, box.seal(dek, dek_aad(out.key_id, out.version, aad)));
  return out;
}

Result<std::string> KeyStore::open_data_key(const SealedDataKey& key, std::string_view aad) const {
  if (key.version == 0)
    return Status::corruption("data key of KMS key " + key.key_id + " names no version");
  SealedDataKey used;
  SKY_ASSIGN_OR_RETURN(SecretBox box, version_box(key.key_id, key.version, &used));
  auto dek = box.open(key.sealed, dek_aad(key.key_id, key.version, aad));
  if (!dek.is_ok() || dek->size() != kMaterialSize) {
    return Status::corruption("a data key sealed under KMS key " + key.key_id + " does not open");
  }
  return dek;
}

Result<SealedDataKey> KeyStore::reseal(const SealedDataKey& key, std::string_view aad) const {
  SKY_ASSIGN_OR_RETURN(std::string dek, open_data_key(key, aad));
  return seal_data_key(key.key_id, aad, dek);
}

}  // namespace skyarray::services
