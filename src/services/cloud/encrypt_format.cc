#include "services/cloud/encrypt_format.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <memory>

#include "common/ascii.h"
#include "common/encoding.h"
#include "services/security/secret_box.h"

namespace skyarray::services {

namespace {

constexpr size_t kNoncePrefixSize = 4;
// Segment index of the sealed plaintext digest: no object has that many
// segments, so its nonce never collides with a data segment's.
constexpr uint64_t kDigestIndex = ~uint64_t{0};

const std::string kMetaFlag = "skyarray-enc";
const std::string kMetaKeyId = "skyarray-enc-key-id";
const std::string kMetaDek = "skyarray-enc-dek";
const std::string kMetaNonce = "skyarray-enc-nonce";
const std::string kMetaSegment = "skyarray-enc-segment";
const std::string kMetaSize = "skyarray-enc-size";

std::string random_bytes(size_t n) {
  std::string out(n, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n));
  return out;
}

void put_be64(std::string* out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out->push_back(static_cast<char>(v >> shift));
}

// What the DEK's seal binds: every other header field.
std::string dek_aad(const ObjectEncryption& e) {
  return "skyarray-dek/1\n" + e.key_id + '\n' + e.object_key + '\n' +
         std::to_string(e.segment_size) + '\n' + std::to_string(e.size) + '\n' +
         hex_encode(e.nonce_prefix);
}

Result<SecretBox> kek_box(const EncryptionKey& kek) {
  if (kek.key.size() != kEncryptKeySize) return Status::invalid_argument("bad encryption key size");
  return SecretBox::from_key(kek.key);
}

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

// AES-256-GCM under one DEK with nonce = prefix | index.
class SegmentCipher {
 public:
  SegmentCipher(const ObjectEncryption& e, bool encrypt)
      : e_(e), encrypt_(encrypt), ctx_(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free) {}

  Status run(uint64_t index, int last, std::string_view in, std::string* out) {
    if (!ctx_ || e_.dek.size() != kEncryptKeySize || e_.nonce_prefix.size() != kNoncePrefixSize)
      return Status::internal("segment cipher setup");
    std::string nonce = e_.nonce_prefix;
    put_be64(&nonce, index);
    std::string aad = "skyarray-seg/1\n" + e_.object_key + '\n';
    put_be64(&aad, index);
    aad.push_back(static_cast<char>(last));
    auto* key = reinterpret_cast<const unsigned char*>(e_.dek.data());
    auto* iv = reinterpret_cast<const unsigned char*>(nonce.data());
    size_t body = encrypt_ ? in.size() : in.size() - kEncryptTagSize;
    if (!encrypt_ && in.size() < kEncryptTagSize) return Status::corruption("short segment");
    size_t at = out->size();
    out->resize(at + (encrypt_ ? body + kEncryptTagSize : body));
    auto* dst = reinterpret_cast<unsigned char*>(out->data() + at);
    auto* src = reinterpret_cast<const unsigned char*>(in.data());
    int len = 0;
    int ok = encrypt_ ? EVP_EncryptInit_ex(ctx_.get(), EVP_aes_256_gcm(), nullptr, key, iv)
                      : EVP_DecryptInit_ex(ctx_.get(), EVP_aes_256_gcm(), nullptr, key, iv);
    auto update = encrypt_ ? EVP_EncryptUpdate : EVP_DecryptUpdate;
    ok = ok && update(ctx_.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(aad.data()),
                      static_cast<int>(aad.size()));
    ok = ok && (body == 0 || update(ctx_.get(), dst, &len, src, static_cast<int>(body)));
    if (encrypt_) {
      ok = ok && EVP_EncryptFinal_ex(ctx_.get(), dst + body, &len) &&
           EVP_CIPHER_CTX_ctrl(ctx_.get(), EVP_CTRL_GCM_GET_TAG, kEncryptTagSize, dst + body);
      if (!ok) return Status::internal("AES-GCM encryption failed");
      return Status::ok();
    }
    // The tag is only read: EVP takes a non-const pointer.
    std::string tag(in.substr(body));
    ok = ok && EVP_CIPHER_CTX_ctrl(ctx_.get(), EVP_CTRL_GCM_SET_TAG, kEncryptTagSize, tag.data()) &&
         EVP_DecryptFinal_ex(ctx_.get(), dst + body, &len) > 0;
    if (!ok) {
      out->resize(at);
      return Status::corruption("encrypted segment " + std::to_string(index) + " of " +
                                e_.object_key + " failed authentication");
    }
    return Status::ok();
  }

 private:
  const ObjectEncryption& e_;
  bool encrypt_;
  CipherCtx ctx_;
};

}  // namespace

uint64_t encrypted_size(uint64_t plain, uint64_t segment_size) {
  uint64_t segments = plain == 0 ? 1 : (plain + segment_size - 1) / segment_size;
  return plain + segments * kEncryptTagSize;
}

Result<uint64_t> plaintext_size(uint64_t cipher, uint64_t segment_size) {
  uint64_t full = cipher / (segment_size + kEncryptTagSize);
  uint64_t rest = cipher % (segment_size + kEncryptTagSize);
  if (rest == 0 && full > 0) return full * segment_size;
  if (rest < kEncryptTagSize || (rest == kEncryptTagSize && full > 0))
    return Status::corruption("size " + std::to_string(cipher) + " is not an encrypted object's");
  return full * segment_size + rest - kEncryptTagSize;
}

EncryptionKey new_encryption_key() {
  return EncryptionKey{hex_encode(random_bytes(8)), random_bytes(kEncryptKeySize)};
}

bool is_encryption_metadata(std::string_view key) {
  return key == kMetaFlag || key.starts_with(kMetaFlag + "-");
}

ObjectEncryption ObjectEncryption::create(const EncryptionKey& kek, std::string object_key,
                                          uint64_t size) {
  ObjectEncryption e;
  e.key_id = kek.id;
  e.dek = random_bytes(kEncryptKeySize);
  e.nonce_prefix = random_bytes(kNoncePrefixSize);
  e.size = size;
  e.object_key = std::move(object_key);
  return e;
}

uint64_t ObjectEncryption::segment_count() const {
  return size == 0 ? 1 : (size + segment_size - 1) / segment_size;
}

Status ObjectEncryption::write(const EncryptionKey& kek,
                               std::map<std::string, std::string>* meta) const {
  SKY_ASSIGN_OR_RETURN(SecretBox box, kek_box(kek));
  SKY_ASSIGN_OR_RETURN(std::string sealed, box.seal(dek, dek_aad(*this)));
  (*meta)[kMetaFlag] = "1";
  (*meta)[kMetaKeyId] = key_id;
  (*meta)[kMetaDek] = base64_encode(sealed);
  (*meta)[kMetaNonce] = base64_encode(nonce_prefix);
  (*meta)[kMetaSegment] = std::to_string(segment_size);
  (*meta)[kMetaSize] = std::to_string(size);
  return Status::ok();
}

Result<ObjectEncryption> ObjectEncryption::read(const std::map<std::string, std::string>& meta,
                                                const EncryptionKey& kek, std::string object_key) {
  auto field = [&](const std::string& k) -> std::string_view {
    auto it = meta.find(k);
    return it == meta.end() ? std::string_view() : std::string_view(it->second);
  };
  if (field(kMetaFlag).empty()) return Status::not_found(object_key + " is not encrypted");
  if (field(kMetaFlag) != "1")
    return Status::not_supported(object_key + ": unknown encryption format " +
                                 std::string(field(kMetaFlag)));
  ObjectEncryption e;
  e.key_id = field(kMetaKeyId);
  e.object_key = std::move(object_key);
  if (e.key_id != kek.id) {
    return Status::permission_denied(e.object_key + " is encrypted with key " + e.key_id +
                                     ", not with this target's key " + kek.id);
  }
  SKY_ASSIGN_OR_RETURN(e.nonce_prefix, base64_decode(field(kMetaNonce)));
  std::optional<uint64_t> segment_size = parse_u64(field(kMetaSegment));
  std::optional<uint64_t> size = parse_u64(field(kMetaSize));
  if (!segment_size || !size) return Status::corruption("bad number in encryption header");
  e.segment_size = *segment_size;
  e.size = *size;
  if (e.segment_size == 0 || e.segment_size > (64 << 20) ||
      e.nonce_prefix.size() != kNoncePrefixSize)
    return Status::corruption("bad encryption header of " + e.object_key);
  SKY_ASSIGN_OR_RETURN(std::string sealed, base64_decode(field(kMetaDek)));
  SKY_ASSIGN_OR_RETURN(SecretBox box, kek_box(kek));
  auto dek = box.open(sealed, dek_aad(e));
  if (!dek.is_ok() || dek->size() != kEncryptKeySize)
    return Status::corruption("the encryption header of " + e.object_key +
                              " does not open with key " + kek.id);
  e.dek = std::move(*dek);
  return e;
}

Result<std::string> ObjectEncryption::token(const EncryptionKey& kek) const {
  std::map<std::string, std::string> meta;
  SKY_RETURN_IF_ERROR(write(kek, &meta));
  return meta[kMetaDek] + ':' + meta[kMetaNonce] + ':' + meta[kMetaSegment] + ':' +
         meta[kMetaSize] + ':' + key_id;
}

Result<ObjectEncryption> ObjectEncryption::from_token(std::string_view token,
                                                      const EncryptionKey& kek,
                                                      std::string object_key) {
  std::map<std::string, std::string> meta{{kMetaFlag, "1"}};
  const std::string* fields[] = {&kMetaDek, &kMetaNonce, &kMetaSegment, &kMetaSize, &kMetaKeyId};
  for (size_t i = 0; i < std::size(fields); ++i) {
    size_t end = i + 1 == std::size(fields) ? token.size() : token.find(':');
    if (end == std::string_view::npos) return Status::corruption("bad encrypted upload id");
    meta[*fields[i]] = std::string(token.substr(0, end));
    token.remove_prefix(std::min(token.size(), end + 1));
  }
  return read(meta, kek, std::move(object_key));
}

Status ObjectEncryption::seal(uint64_t first_segment, std::string_view plain,
                              std::string* out) const {
  SegmentCipher c(*this, true);
  const uint64_t count = segment_count();
  uint64_t index = first_segment;
  out->reserve(out->size() + plain.size() + (plain.size() / segment_size + 1) * kEncryptTagSize);
  do {
    std::string_view piece = plain.substr(0, segment_size);
    plain.remove_prefix(piece.size());
    if (index >= count || (piece.size() < segment_size && index + 1 != count))
      return Status::invalid_argument("plaintext does not fit the segments of " + object_key);
    SKY_RETURN_IF_ERROR(c.run(index, index + 1 == count, piece, out));
    ++index;
  } while (!plain.empty());
  return Status::ok();
}

Status ObjectEncryption::open(uint64_t first_segment, std::string_view sealed,
                              std::string* out) const {
  SegmentCipher c(*this, false);
  const uint64_t count = segment_count();
  uint64_t index = first_segment;
  do {
    std::string_view piece = sealed.substr(0, segment_size + kEncryptTagSize);
    sealed.remove_prefix(piece.size());
    if (index >= count) return Status::corruption("extra encrypted segments in " + object_key);
    SKY_RETURN_IF_ERROR(c.run(index, index + 1 == count, piece, out));
    ++index;
  } while (!sealed.empty());
  return Status::ok();
}

Result<std::string> ObjectEncryption::seal_digest(std::string_view md5) const {
  std::string out;
  SegmentCipher c(*this, true);
  SKY_RETURN_IF_ERROR(c.run(kDigestIndex, 1, md5, &out));
  return base64_encode(out);
}

Result<std::string> ObjectEncryption::open_digest(std::string_view sealed) const {
  SKY_ASSIGN_OR_RETURN(std::string raw, base64_decode(sealed));
  std::string out;
  SegmentCipher c(*this, false);
  SKY_RETURN_IF_ERROR(c.run(kDigestIndex, 1, raw, &out));
  return out;
}

}  // namespace skyarray::services
