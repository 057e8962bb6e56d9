#include "services/security/secret_box.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <memory>

namespace skyarray::services {

namespace {

constexpr size_t kMasterKeySize = 32;
constexpr size_t kNonceSize = 12;
constexpr size_t kTagSize = 16;
constexpr uint8_t kSealVersion = 1;

Status write_all(int fd, const void* data, size_t n) {
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return Status::from_errno(errno, "writing master key");
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return Status::ok();
}

Result<std::string> load_or_create_master_key(const std::string& data_dir) {
  std::string dir = data_dir + "/keys";
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return Status::from_errno(errno, "creating " + dir);
  }
  std::string path = dir + "/master.key";
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) {
    std::string tmp = path + ".tmp";
    int w = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (w < 0) return Status::from_errno(errno, "creating " + tmp);
    std::string key(kMasterKeySize, '\0');
    RAND_bytes(reinterpret_cast<unsigned char*>(key.data()), kMasterKeySize);
    Status s = write_all(w, key.data(), key.size());
    if (s.is_ok() && ::fsync(w) != 0) s = Status::from_errno(errno, "fsync " + tmp);
    ::close(w);
    SKY_RETURN_IF_ERROR(s);
    if (::rename(tmp.c_str(), path.c_str()) != 0) return Status::from_errno(errno, "rename");
    int d = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (d >= 0) {
      ::fsync(d);
      ::close(d);
    }
    return key;
  }
  if (fd < 0) return Status::from_errno(errno, "opening " + path);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int e = errno;
    ::close(fd);
    return Status::from_errno(e, "stat " + path);
  }
  if (st.st_mode & 077) {
    ::close(fd);
    return Status::permission_denied(path + " is readable by others; chmod 600 it");
  }
  std::string key(kMasterKeySize + 1, '\0');
  ssize_t n = ::read(fd, key.data(), key.size());
  ::close(fd);
  if (n != static_cast<ssize_t>(kMasterKeySize)) {
    return Status::corruption(path + " is not a 32-byte master key");
  }
  key.resize(kMasterKeySize);
  return key;
}

}  // namespace

Result<SecretBox> SecretBox::open_master(const std::string& data_dir) {
  SKY_ASSIGN_OR_RETURN(auto key, load_or_create_master_key(data_dir));
  return SecretBox(std::move(key));
}

Result<SecretBox> SecretBox::from_key(std::string key) {
  if (key.size() != kMasterKeySize) return Status::invalid_argument("a key is 32 bytes");
  return SecretBox(std::move(key));
}

Result<std::string> SecretBox::seal(std::string_view plaintext, std::string_view aad) const {
  std::string out(1 + kNonceSize + plaintext.size() + kTagSize, '\0');
  out[0] = static_cast<char>(kSealVersion);
  auto* nonce = reinterpret_cast<unsigned char*>(out.data() + 1);
  RAND_bytes(nonce, kNonceSize);
  auto* ct = nonce + kNonceSize;
  std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> ctx(EVP_CIPHER_CTX_new(),
                                                                      EVP_CIPHER_CTX_free);
  int len = 0;
  auto* key = reinterpret_cast<const unsigned char*>(key_.data());
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key, nonce) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &len,
                        reinterpret_cast<const unsigned char*>(aad.data()),
                        static_cast<int>(aad.size())) != 1 ||
      EVP_EncryptUpdate(ctx.get(), ct, &len,
                        reinterpret_cast<const unsigned char*>(plaintext.data()),
                        static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), ct + len, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagSize, ct + plaintext.size()) != 1) {
    return Status::internal("AES-256-GCM encryption failed");
  }
  return out;
}

Result<std::string> SecretBox::open(std::string_view sealed, std::string_view aad) const {
  if (sealed.size() < 1 + kNonceSize + kTagSize || sealed[0] != char(kSealVersion)) {
    return Status::corruption("sealed secret has an unknown format");
  }
  auto* nonce = reinterpret_cast<const unsigned char*>(sealed.data() + 1);
  size_t ct_len = sealed.size() - 1 - kNonceSize - kTagSize;
  auto* ct = nonce + kNonceSize;
  std::string out(ct_len, '\0');
  std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> ctx(EVP_CIPHER_CTX_new(),
                                                                      EVP_CIPHER_CTX_free);
  int len = 0;
  auto* key = reinterpret_cast<const unsigned char*>(key_.data());
  std::string tag(sealed.substr(sealed.size() - kTagSize));
  if (!ctx || EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key, nonce) != 1 ||
      EVP_DecryptUpdate(ctx.get(), nullptr, &len,
                        reinterpret_cast<const unsigned char*>(aad.data()),
                        static_cast<int>(aad.size())) != 1 ||
      EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len, ct,
                        static_cast<int>(ct_len)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagSize, tag.data()) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(out.data()) + len, &len) !=
          1) {
    return Status::corruption("a stored secret failed authentication (wrong master key?)");
  }
  return out;
}

}  // namespace skyarray::services
