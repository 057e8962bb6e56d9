// ObjectSse: data keys and runs of encrypted versions (object_sse.h).
#include "services/objects/object_sse.h"

#include "common/checksum.h"
#include "common/random.h"
#include "services/security/key_store.h"
#include "services/security/secret_box.h"

namespace skyarray::services {

namespace {

// What a DEK's seal binds besides the key: the mode and the context.
std::string dek_aad(const SseRecord& sse) {
  return "skyarray-sse/1\n" + std::to_string(static_cast<int>(sse.mode)) + '\n' + sse.kms_context;
}

Status customer_key_missing() {
  return Status::invalid_argument(
      "The object was stored using a form of Server Side Encryption. The correct parameters must "
      "be provided to retrieve the object.");
}

// The DEK of an SSE-C version, opened with the request's key: the one check
// that the key is the version's.
Result<std::string> open_customer_dek(const SseRecord& sse, const std::string& customer_key) {
  if (customer_key.empty()) return customer_key_missing();
  if (customer_key.size() != SegmentCipher::kKeySize) {
    return Status::invalid_argument("the customer key must be 256 bits");
  }
  SKY_ASSIGN_OR_RETURN(SecretBox box, SecretBox::from_key(customer_key));
  auto dek = box.open(sse.sealed_dek, dek_aad(sse));
  if (!dek.is_ok())
    return Status::permission_denied("the customer key does not match the object's");
  return dek;
}

Status no_customer_key(const std::string& customer_key) {
  if (customer_key.empty()) return Status::ok();
  return Status::invalid_argument("The encryption parameters are not applicable to this object.");
}

}  // namespace

Result<SseRecord> ObjectSse::for_new_version(const KeyStore* keys, const SseRequest& request,
                                             const BucketEncryption& bucket_default,
                                             std::string* dek) {
  SseRecord sse;
  if (request.mode != SseMode::kNone) {
    sse.mode = request.mode;
    sse.key_id = request.kms_key_id;
    sse.kms_context = request.kms_context;
    sse.bucket_key = request.bucket_key;
  } else {
    sse.mode = bucket_default.mode;
    sse.key_id = bucket_default.kms_key_id;
    sse.bucket_key = bucket_default.bucket_key;
  }
  if (sse.mode == SseMode::kNone) return sse;
  if (sse.mode == SseMode::kCustomer) {
    if (request.customer_key.size() != SegmentCipher::kKeySize) {
      return Status::invalid_argument("the customer key must be 256 bits");
    }
    if (dek->empty()) {
      SKY_ASSIGN_OR_RETURN(*dek, random_bytes(SegmentCipher::kKeySize));
    }
    SKY_ASSIGN_OR_RETURN(SecretBox box, SecretBox::from_key(request.customer_key));
    SKY_ASSIGN_OR_RETURN(sse.sealed_dek, box.seal(*dek, dek_aad(sse)));
    return sse;
  }
  if (keys == nullptr) return Status::not_supported("no key store: encryption at rest is off");
  if (sse.mode == SseMode::kS3 || sse.key_id.empty()) sse.key_id = KeyStore::kS3KeyId;
  Result<SealedDataKey> sealed = dek->empty() ? keys->new_data_key(sse.key_id, dek_aad(sse), dek)
                                              : keys->seal_data_key(sse.key_id, dek_aad(sse), *dek);
  SKY_RETURN_IF_ERROR(sealed.status());
  sse.key_id = sealed->key_id;
  sse.key_version = sealed->version;
  sse.sealed_dek = std::move(sealed->sealed);
  return sse;
}

Result<SseRecord> ObjectSse::for_copy(const KeyStore* keys, const SseRecord& source,
                                      const std::string& source_customer_key,
                                      const SseRequest& request,
                                      const BucketEncryption& bucket_default) {
  const bool encrypt = request.mode != SseMode::kNone || bucket_default.mode != SseMode::kNone;
  if (source.empty()) {
    SKY_RETURN_IF_ERROR(no_customer_key(source_customer_key));
    if (!encrypt) return SseRecord();
    return Status::not_supported("copying a plaintext object into an encrypted one");
  }
  if (!encrypt) return Status::not_supported("copying an encrypted object into a plaintext one");
  SKY_ASSIGN_OR_RETURN(std::string dek, open_dek(keys, source, source_customer_key));
  SKY_ASSIGN_OR_RETURN(SseRecord out, for_new_version(keys, request, bucket_default, &dek));
  out.salts = source.salts;
  return out;
}

Status ObjectSse::check_customer_key(const SseRecord& sse, const std::string& customer_key) {
  if (sse.mode == SseMode::kCustomer) return open_customer_dek(sse, customer_key).status();
  return no_customer_key(customer_key);
}

Result<std::string> ObjectSse::open_dek(const KeyStore* keys, const SseRecord& sse,
                                        const std::string& customer_key) {
  if (sse.mode == SseMode::kCustomer) return open_customer_dek(sse, customer_key);
  SKY_RETURN_IF_ERROR(no_customer_key(customer_key));
  if (keys == nullptr) return Status::not_supported("no key store: encryption at rest is off");
  return keys->open_data_key(SealedDataKey{sse.key_id, sse.key_version, sse.sealed_dek},
                             dek_aad(sse));
}

Result<SseRecord> ObjectSse::reseal(const KeyStore* keys, const SseRecord& sse) {
  if (sse.mode != SseMode::kS3 && sse.mode != SseMode::kKms) {
    return Status::invalid_argument("only KMS-sealed data keys are resealed");
  }
  if (keys == nullptr) return Status::not_supported("no key store: encryption at rest is off");
  SKY_ASSIGN_OR_RETURN(
      SealedDataKey sealed,
      keys->reseal(SealedDataKey{sse.key_id, sse.key_version, sse.sealed_dek}, dek_aad(sse)));
  SseRecord out = sse;
  out.key_version = sealed.version;
  out.sealed_dek = std::move(sealed.sealed);
  return out;
}

Result<std::string> ObjectSse::new_salt() {
  return random_bytes(kSaltSize);
}

Result<RunSealing> ObjectSse::sealing(SseRecord sse, std::string dek) {
  RunSealing out;
  if (sse.empty()) return out;
  SKY_ASSIGN_OR_RETURN(std::string salt, new_salt());
  sse.salts = {std::move(salt)};
  out.sse = std::move(sse);
  out.dek = std::move(dek);
  return out;
}

Result<RunSealing> ObjectSse::new_version_sealing(const KeyStore* keys, const SseRequest& request,
                                                  const BucketEncryption& bucket_default) {
  std::string dek;
  SKY_ASSIGN_OR_RETURN(SseRecord sse, for_new_version(keys, request, bucket_default, &dek));
  return sealing(std::move(sse), std::move(dek));
}

Result<SegmentCipher> ObjectSse::run_cipher(const std::string& dek, const std::string& salt,
                                            std::string name) {
  if (salt.size() != kSaltSize) return Status::corruption("bad encryption salt of " + name);
  std::string key = hmac_sha256(dek, "skyarray-sse-run/1\n" + salt);
  return SegmentCipher::create(std::move(key), std::string(SegmentCipher::kNoncePrefixSize, '\0'),
                               "skyarray-sse-seg/1\n", std::move(name));
}

Result<std::vector<SseRun>> ObjectSse::runs_of(const ObjectRecord& rec) {
  std::vector<SseRun> runs;
  if (rec.parts.empty()) {
    if (rec.sse.salts.size() != 1) return Status::corruption("encrypted version without a salt");
    runs.push_back({rec.size, rec.sse.salts[0]});
    return runs;
  }
  if (rec.sse.salts.size() != rec.parts.size()) {
    return Status::corruption("encrypted version with " + std::to_string(rec.sse.salts.size()) +
                              " salts for " + std::to_string(rec.parts.size()) + " parts");
  }
  for (size_t i = 0; i < rec.parts.size(); ++i)
    runs.push_back({rec.parts[i].size, rec.sse.salts[i]});
  return runs;
}

uint64_t ObjectSse::sealed_size(const std::vector<SseRun>& runs) {
  uint64_t n = 0;
  for (const auto& r : runs) n += SegmentCipher::sealed_size(r.plain_size);
  return n;
}

}  // namespace skyarray::services
