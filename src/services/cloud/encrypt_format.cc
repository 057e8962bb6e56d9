#include "services/cloud/encrypt_format.h"

#include <cstdlib>

#include "common/ascii.h"
#include "common/encoding.h"
#include "common/random.h"
#include "services/security/secret_box.h"

namespace skyarray::services {

namespace {

constexpr size_t kNoncePrefixSize = SegmentCipher::kNoncePrefixSize;
// Segment index of the sealed plaintext digest: no object has that many
// segments, so its nonce never collides with a data segment's.
constexpr uint64_t kDigestIndex = ~uint64_t{0};

const std::string kMetaFlag = "skyarray-enc";
const std::string kMetaKeyId = "skyarray-enc-key-id";
const std::string kMetaDek = "skyarray-enc-dek";
const std::string kMetaNonce = "skyarray-enc-nonce";
const std::string kMetaSegment = "skyarray-enc-segment";
const std::string kMetaSize = "skyarray-enc-size";

std::string random_or_die(size_t n) {
  auto r = random_bytes(n);
  if (!r.is_ok()) std::abort();  // never fall back to weaker keys
  return std::move(*r);
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

// The segment cipher of `e`'s stream.
Result<SegmentCipher> cipher_of(const ObjectEncryption& e) {
  return SegmentCipher::create(e.dek, e.nonce_prefix, "skyarray-seg/1\n" + e.object_key + '\n',
                               e.object_key);
}

}  // namespace

EncryptionKey new_encryption_key() {
  return EncryptionKey{hex_encode(random_or_die(8)), random_or_die(kEncryptKeySize)};
}

bool is_encryption_metadata(std::string_view key) {
  return key == kMetaFlag || key.starts_with(kMetaFlag + "-");
}

ObjectEncryption ObjectEncryption::create(const EncryptionKey& kek, std::string object_key,
                                          uint64_t size) {
  ObjectEncryption e;
  e.key_id = kek.id;
  e.dek = random_or_die(kEncryptKeySize);
  e.nonce_prefix = random_or_die(kNoncePrefixSize);
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
  SKY_ASSIGN_OR_RETURN(SegmentCipher c, cipher_of(*this));
  const uint64_t count = segment_count();
  uint64_t index = first_segment;
  out->reserve(out->size() + plain.size() + (plain.size() / segment_size + 1) * kEncryptTagSize);
  do {
    std::string_view piece = plain.substr(0, segment_size);
    plain.remove_prefix(piece.size());
    if (index >= count || (piece.size() < segment_size && index + 1 != count))
      return Status::invalid_argument("plaintext does not fit the segments of " + object_key);
    SKY_RETURN_IF_ERROR(c.seal(index, index + 1 == count, piece, out));
    ++index;
  } while (!plain.empty());
  return Status::ok();
}

Status ObjectEncryption::open(uint64_t first_segment, std::string_view sealed,
                              std::string* out) const {
  SKY_ASSIGN_OR_RETURN(SegmentCipher c, cipher_of(*this));
  const uint64_t count = segment_count();
  uint64_t index = first_segment;
  do {
    std::string_view piece = sealed.substr(0, segment_size + kEncryptTagSize);
    sealed.remove_prefix(piece.size());
    if (index >= count) return Status::corruption("extra encrypted segments in " + object_key);
    SKY_RETURN_IF_ERROR(c.open(index, index + 1 == count, piece, out));
    ++index;
  } while (!sealed.empty());
  return Status::ok();
}

Result<std::string> ObjectEncryption::seal_digest(std::string_view md5) const {
  std::string out;
  SKY_ASSIGN_OR_RETURN(SegmentCipher c, cipher_of(*this));
  SKY_RETURN_IF_ERROR(c.seal(kDigestIndex, true, md5, &out));
  return base64_encode(out);
}

Result<std::string> ObjectEncryption::open_digest(std::string_view sealed) const {
  SKY_ASSIGN_OR_RETURN(std::string raw, base64_decode(sealed));
  std::string out;
  SKY_ASSIGN_OR_RETURN(SegmentCipher c, cipher_of(*this));
  SKY_RETURN_IF_ERROR(c.open(kDigestIndex, true, raw, &out));
  return out;
}

}  // namespace skyarray::services
