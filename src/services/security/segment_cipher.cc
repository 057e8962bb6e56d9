// SegmentCipher: AES-256-GCM per segment (segment_cipher.h).
#include "services/security/segment_cipher.h"

#include <openssl/evp.h>

#include <algorithm>

namespace skyarray::services {

namespace {
void put_be64(std::string* out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out->push_back(static_cast<char>(v >> shift));
}
}  // namespace

struct SegmentCipher::Context {
  Context() : ctx(EVP_CIPHER_CTX_new()) {}
  ~Context() { EVP_CIPHER_CTX_free(ctx); }
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;
  EVP_CIPHER_CTX* ctx;
};

Result<SegmentCipher> SegmentCipher::create(std::string key, std::string nonce_prefix,
                                            std::string aad_prefix, std::string name) {
  if (key.size() != kKeySize || nonce_prefix.size() != kNoncePrefixSize) {
    return Status::invalid_argument("segment cipher: bad key or nonce size");
  }
  SegmentCipher c(std::move(key), std::move(nonce_prefix), std::move(aad_prefix), std::move(name));
  if (!c.ctx_->ctx) return Status::internal("segment cipher: no OpenSSL context");
  return c;
}

SegmentCipher::SegmentCipher(std::string key, std::string nonce_prefix, std::string aad_prefix,
                             std::string name)
    : key_(std::move(key)),
      nonce_prefix_(std::move(nonce_prefix)),
      aad_prefix_(std::move(aad_prefix)),
      name_(std::move(name)),
      ctx_(std::make_unique<Context>()) {}

SegmentCipher::~SegmentCipher() {
  // The key lives only as long as the cipher.
  std::fill(key_.begin(), key_.end(), '\0');
}
SegmentCipher::SegmentCipher(SegmentCipher&&) noexcept = default;
SegmentCipher& SegmentCipher::operator=(SegmentCipher&&) noexcept = default;

Status SegmentCipher::seal(uint64_t index, bool last, std::string_view plain, std::string* out) {
  return run(true, index, last, plain, out);
}

Status SegmentCipher::open(uint64_t index, bool last, std::string_view sealed, std::string* out) {
  return run(false, index, last, sealed, out);
}

Status SegmentCipher::run(bool encrypt, uint64_t index, bool last, std::string_view in,
                          std::string* out) {
  if (!encrypt && in.size() < kTagSize) return Status::corruption("short encrypted segment");
  std::string nonce = nonce_prefix_;
  put_be64(&nonce, index);
  std::string aad = aad_prefix_;
  put_be64(&aad, index);
  aad.push_back(static_cast<char>(last ? 1 : 0));
  EVP_CIPHER_CTX* ctx = ctx_->ctx;
  auto* key = reinterpret_cast<const unsigned char*>(key_.data());
  auto* iv = reinterpret_cast<const unsigned char*>(nonce.data());
  const size_t body = encrypt ? in.size() : in.size() - kTagSize;
  const size_t at = out->size();
  out->resize(at + (encrypt ? body + kTagSize : body));
  auto* dst = reinterpret_cast<unsigned char*>(out->data() + at);
  auto* src = reinterpret_cast<const unsigned char*>(in.data());
  int len = 0;
  int ok = encrypt ? EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), nullptr, key, iv)
                   : EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), nullptr, key, iv);
  auto update = encrypt ? EVP_EncryptUpdate : EVP_DecryptUpdate;
  ok = ok && update(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(aad.data()),
                    static_cast<int>(aad.size()));
  ok = ok && (body == 0 || update(ctx, dst, &len, src, static_cast<int>(body)));
  if (encrypt) {
    ok = ok && EVP_EncryptFinal_ex(ctx, dst + body, &len) &&
         EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, kTagSize, dst + body);
    if (!ok) {
      out->resize(at);
      return Status::internal("AES-GCM encryption failed");
    }
    return Status::ok();
  }
  // The tag is only read: EVP takes a non-const pointer.
  std::string tag(in.substr(body));
  ok = ok && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, kTagSize, tag.data()) &&
       EVP_DecryptFinal_ex(ctx, dst + body, &len) > 0;
  if (!ok) {
    out->resize(at);
    return Status::corruption("encrypted segment " + std::to_string(index) + " of " + name_ +
                              " failed authentication");
  }
  return Status::ok();
}

uint64_t SegmentCipher::segment_count(uint64_t plain, uint64_t segment_size) {
  return plain == 0 ? 1 : (plain + segment_size - 1) / segment_size;
}

uint64_t SegmentCipher::sealed_size(uint64_t plain, uint64_t segment_size) {
  return plain + segment_count(plain, segment_size) * kTagSize;
}

Result<uint64_t> SegmentCipher::plain_size(uint64_t sealed, uint64_t segment_size) {
  uint64_t full = sealed / (segment_size + kTagSize);
  uint64_t rest = sealed % (segment_size + kTagSize);
  if (rest == 0 && full > 0) return full * segment_size;
  if (rest < kTagSize || (rest == kTagSize && full > 0))
    return Status::corruption("size " + std::to_string(sealed) + " is not an encrypted stream's");
  return full * segment_size + rest - kTagSize;
}

}  // namespace skyarray::services
