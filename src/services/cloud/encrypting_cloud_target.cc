#include "services/cloud/encrypting_cloud_target.h"

#include "common/checksum.h"
#include "common/encoding.h"

namespace skyarray::services {

namespace {

constexpr std::string_view kUploadIdMark = "~skyarray-enc~";
// Ciphertext fetched per inner GET: well under CloudTarget's 64 MiB limit.
constexpr uint64_t kFetchSegments = 256;
constexpr size_t kMaxCachedHeaders = 4096;

Result<std::pair<std::string, uint32_t>> digest(const std::string& body) {
  SKY_ASSIGN_OR_RETURN(auto md5, Checksum::create(ChecksumAlgorithm::kMd5));
  md5->update(body);
  return std::pair{md5->finish(), crc32c(0, body.data(), body.size())};
}

void strip_header(CloudObjectAttrs* attrs) {
  std::erase_if(attrs->user_metadata,
                [](const auto& kv) { return is_encryption_metadata(kv.first); });
}

}  // namespace

EncryptingCloudTarget::EncryptingCloudTarget(std::unique_ptr<CloudTarget> inner, std::string prefix,
                                             EncryptionKey kek, uint64_t part_size)
    : inner_(std::move(inner)),
      prefix_(std::move(prefix)),
      kek_(std::move(kek)),
      part_size_(part_size) {}

std::string EncryptingCloudTarget::object_key(const std::string& key) const {
  return key.starts_with(prefix_) ? key.substr(prefix_.size()) : key;
}

Task<Result<std::string>> EncryptingCloudTarget::put_object(const std::string& key,
                                                            const CloudObjectAttrs& attrs,
                                                            std::string& body,
                                                            const std::string& md5,
                                                            uint32_t crc32c) {
  if (kek_.key.empty()) co_return co_await inner_->put_object(key, attrs, body, md5, crc32c);
  ObjectEncryption enc = ObjectEncryption::create(kek_, object_key(key), body.size());
  CloudObjectAttrs sealed_attrs = attrs;
  SKY_CO_RETURN_IF_ERROR(enc.write(kek_, &sealed_attrs.user_metadata));
  SKY_CO_ASSIGN_OR_RETURN(sealed_attrs.user_metadata["skyarray-enc-md5"], enc.seal_digest(md5));
  std::string cipher;
  SKY_CO_RETURN_IF_ERROR(enc.seal(0, body, &cipher));
  std::string().swap(body);  // consumed: its memory goes before the upload
  headers_.erase(key);
  plain_keys_.erase(key);
  SKY_CO_ASSIGN_OR_RETURN(auto d, digest(cipher));
  SKY_CO_RETURN_IF_ERROR(
      (co_await inner_->put_object(key, sealed_attrs, cipher, d.first, d.second)).status());
  co_return hex_encode(md5);
}

Task<Result<std::string>> EncryptingCloudTarget::create_multipart(const std::string& key,
                                                                  const CloudObjectAttrs& attrs) {
  if (kek_.key.empty()) co_return co_await inner_->create_multipart(key, attrs);
  if (part_size_ == 0 || part_size_ % kEncryptSegmentSize != 0)
    co_return Status::invalid_argument("encrypted uploads need a part size that is a multiple of " +
                                       std::to_string(kEncryptSegmentSize));
  ObjectEncryption enc = ObjectEncryption::create(kek_, object_key(key), attrs.size);
  CloudObjectAttrs sealed_attrs = attrs;
  SKY_CO_RETURN_IF_ERROR(enc.write(kek_, &sealed_attrs.user_metadata));
  SKY_CO_ASSIGN_OR_RETURN(std::string token, enc.token(kek_));
  headers_.erase(key);
  SKY_CO_ASSIGN_OR_RETURN(std::string id, co_await inner_->create_multipart(key, sealed_attrs));
  // The part size is fixed with the header: segment numbers depend on it.
  co_return id + std::string(kUploadIdMark) + std::to_string(part_size_) + ':' + token;
}

Task<Result<std::string>> EncryptingCloudTarget::upload_part(const std::string& key,
                                                             const std::string& upload_id,
                                                             uint32_t number, std::string& body,
                                                             const std::string& md5,
                                                             uint32_t crc32c) {
  if (kek_.key.empty())
    co_return co_await inner_->upload_part(key, upload_id, number, body, md5, crc32c);
  size_t mark = upload_id.rfind(kUploadIdMark);
  if (mark == std::string::npos) {
    // An upload started before the target had a key: start over.
    co_return Status(StatusCode::kNoSuchUpload, "upload of " + key + " is not encrypted");
  }
  std::string_view rest = std::string_view(upload_id).substr(mark + kUploadIdMark.size());
  size_t colon = rest.find(':');
  uint64_t part_size = std::strtoull(std::string(rest.substr(0, colon)).c_str(), nullptr, 10);
  if (colon == std::string_view::npos || part_size == 0 || part_size % kEncryptSegmentSize != 0)
    co_return Status(StatusCode::kNoSuchUpload, "bad encrypted upload id for " + key);
  SKY_CO_ASSIGN_OR_RETURN(ObjectEncryption enc, ObjectEncryption::from_token(
                                                    rest.substr(colon + 1), kek_, object_key(key)));
  const uint64_t parts = std::max<uint64_t>(1, (enc.size + part_size - 1) / part_size);
  const uint64_t first = (number - 1) * part_size;
  if (number == 0 || number > parts ||
      body.size() != std::min(part_size, enc.size - std::min(enc.size, first)))
    co_return Status::invalid_argument("part " + std::to_string(number) + " of " + key +
                                       " does not match the encrypted layout");
  std::string cipher;
  SKY_CO_RETURN_IF_ERROR(enc.seal(first / enc.segment_size, body, &cipher));
  std::string().swap(body);  // consumed: its memory goes before the upload
  SKY_CO_ASSIGN_OR_RETURN(auto d, digest(cipher));
  std::string id = upload_id.substr(0, mark);
  co_return co_await inner_->upload_part(key, id, number, cipher, d.first, d.second);
}

Task<Result<std::string>> EncryptingCloudTarget::complete_multipart(
    const std::string& key, const std::string& upload_id, const std::vector<CloudPart>& parts) {
  std::string id = upload_id.substr(0, upload_id.rfind(kUploadIdMark));
  headers_.erase(key);
  co_return co_await inner_->complete_multipart(key, id, parts);
}

Task<Status> EncryptingCloudTarget::abort_multipart(const std::string& key,
                                                    const std::string& upload_id) {
  std::string id = upload_id.substr(0, upload_id.rfind(kUploadIdMark));
  co_return co_await inner_->abort_multipart(key, id);
}

Task<Result<EncryptingCloudTarget::Header>> EncryptingCloudTarget::header(const std::string& key,
                                                                          bool refresh,
                                                                          CloudObjectHead* out) {
  if (!refresh && out == nullptr) {
    auto it = headers_.find(key);
    if (it != headers_.end()) co_return it->second;
  }
  SKY_CO_ASSIGN_OR_RETURN(CloudObjectHead head, co_await inner_->head(key));
  auto enc = ObjectEncryption::read(head.attrs.user_metadata, kek_, object_key(key));
  if (!enc.is_ok()) {
    if (enc.status().code() != StatusCode::kNotFound) co_return enc.status();
    co_return Status::corruption("cloud object " + key +
                                 " is not encrypted, but its target requires encryption");
  }
  Header h{std::move(*enc), head.size, ""};
  if (h.cipher_size != h.enc.cipher_size())
    co_return Status::corruption("cloud object " + key + " has " + std::to_string(head.size) +
                                 " bytes, its encryption header says " +
                                 std::to_string(h.enc.cipher_size()));
  auto md5 = head.attrs.user_metadata.find("skyarray-enc-md5");
  if (md5 != head.attrs.user_metadata.end()) {
    SKY_CO_ASSIGN_OR_RETURN(std::string raw, h.enc.open_digest(md5->second));
    h.etag = hex_encode(raw);
  } else if (head.etag.find('-') != std::string::npos) {
    h.etag = head.etag;  // multipart: not a digest of the bytes either way
  }
  if (headers_.size() >= kMaxCachedHeaders) headers_.clear();
  headers_[key] = h;
  if (out) *out = std::move(head);
  co_return h;
}

Task<Result<CloudObjectHead>> EncryptingCloudTarget::head(const std::string& key) {
  CloudObjectHead head;
  if (kek_.key.empty()) {
    SKY_CO_ASSIGN_OR_RETURN(head, co_await inner_->head(key));
    auto id = head.attrs.user_metadata.find("skyarray-enc-key-id");
    if (id != head.attrs.user_metadata.end())
      co_return Status::permission_denied("cloud object " + key + " is encrypted with key " +
                                          id->second + ", which this array does not have " +
                                          "(import the exported key file)");
    co_return head;
  }
  SKY_CO_ASSIGN_OR_RETURN(Header h, co_await header(key, true, &head));
  head.size = h.enc.size;
  head.etag = h.etag;
  strip_header(&head.attrs);
  co_return head;
}

Task<Result<std::string>> EncryptingCloudTarget::read(const Header& h, const std::string& key,
                                                      uint64_t first, uint64_t length) {
  const ObjectEncryption& e = h.enc;
  const uint64_t end = length == 0 ? e.size : std::min(e.size, first + length);
  if (first >= end) {
    if (first == 0 && e.size == 0) co_return std::string();
    co_return Status::invalid_argument("range starts beyond the end of " + key);
  }
  const uint64_t sealed_segment = e.segment_size + kEncryptTagSize;
  const uint64_t s0 = first / e.segment_size;
  const uint64_t s1 = (end - 1) / e.segment_size;
  std::string plain;
  plain.reserve((s1 - s0 + 1) * e.segment_size);
  for (uint64_t s = s0; s <= s1; s += kFetchSegments) {
    uint64_t c0 = s * sealed_segment;
    uint64_t c1 = std::min(h.cipher_size, (std::min(s1 + 1, s + kFetchSegments)) * sealed_segment);
    SKY_CO_ASSIGN_OR_RETURN(std::string sealed, co_await inner_->get(key, c0, c1 - c0));
    if (sealed.size() != c1 - c0)
      co_return Status::corruption("cloud object " + key + " is shorter than its header says");
    SKY_CO_RETURN_IF_ERROR(e.open(s, sealed, &plain));
  }
  uint64_t skip = first - s0 * e.segment_size;
  co_return plain.substr(skip, end - first);
}

Task<Result<std::string>> EncryptingCloudTarget::get(const std::string& key, uint64_t first,
                                                     uint64_t length) {
  if (kek_.key.empty()) {
    // Checked once per key: bytes of an encrypted object are never passed
    // on as if they were the object.
    if (!plain_keys_.contains(key)) {
      SKY_CO_RETURN_IF_ERROR((co_await head(key)).status());
      if (plain_keys_.size() >= kMaxCachedHeaders) plain_keys_.clear();
      plain_keys_.insert(key);
    }
    co_return co_await inner_->get(key, first, length);
  }
  bool cached = headers_.contains(key);
  SKY_CO_ASSIGN_OR_RETURN(Header h, co_await header(key, false, nullptr));
  auto out = co_await read(h, key, first, length);
  if (out.is_ok() || !cached || out.status().code() != StatusCode::kCorruption) co_return out;
  // The object may have been replaced since its header was cached.
  SKY_CO_ASSIGN_OR_RETURN(h, co_await header(key, true, nullptr));
  co_return co_await read(h, key, first, length);
}

Task<Result<std::map<std::string, std::string>>> EncryptingCloudTarget::get_tags(
    const std::string& key) {
  co_return co_await inner_->get_tags(key);
}

Task<Status> EncryptingCloudTarget::put_tags(const std::string& key,
                                             const std::map<std::string, std::string>& tags) {
  co_return co_await inner_->put_tags(key, tags);
}

Task<Status> EncryptingCloudTarget::remove(const std::string& key) {
  headers_.erase(key);
  plain_keys_.erase(key);
  co_return co_await inner_->remove(key);
}

Task<Result<CloudListPage>> EncryptingCloudTarget::list(const std::string& prefix,
                                                        const std::string& token,
                                                        const std::string& start_after) {
  SKY_CO_ASSIGN_OR_RETURN(CloudListPage page, co_await inner_->list(prefix, token, start_after));
  if (kek_.key.empty()) co_return page;
  for (auto& e : page.entries) {
    // Sizes of objects with the default segment size; head() has the truth.
    auto plain = plaintext_size(e.size);
    if (plain.is_ok()) e.size = *plain;
    // A single-part ETag is the ciphertext's MD5, which no caller can use.
    if (e.etag.find('-') == std::string::npos) e.etag.clear();
  }
  co_return page;
}

CloudTargetFactory encrypting_target_factory(CloudTargetFactory inner, uint64_t part_size) {
  return [inner = std::move(inner), part_size](
             boost::asio::io_context& io,
             const CloudTargetConfig& cfg) -> Result<std::unique_ptr<CloudTarget>> {
    SKY_ASSIGN_OR_RETURN(auto target, inner(io, cfg));
    if (!cfg.encryption_key.empty() && part_size % kEncryptSegmentSize != 0)
      return Status::invalid_argument("[cloud] part_size must be a multiple of " +
                                      std::to_string(kEncryptSegmentSize) +
                                      " for encrypted targets");
    EncryptionKey kek{cfg.encryption_key_id, cfg.encryption_key};
    return std::unique_ptr<CloudTarget>(
        new EncryptingCloudTarget(std::move(target), cfg.prefix, std::move(kek), part_size));
  };
}

}  // namespace skyarray::services
