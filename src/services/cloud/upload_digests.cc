#include "services/cloud/upload_digests.h"

#include "common/checksum.h"
#include "common/encoding.h"

namespace skyarray::services {

Result<UploadDigests> upload_digests(const std::string& body) {
  SKY_ASSIGN_OR_RETURN(auto md5, Checksum::create(ChecksumAlgorithm::kMd5));
  md5->update(body);
  return UploadDigests{md5->finish(), crc32c(0, body.data(), body.size())};
}

std::optional<std::string> md5_of_etag(const std::string& etag) {
  if (etag.size() != 32) return std::nullopt;
  auto raw = hex_decode(etag);
  if (!raw.is_ok()) return std::nullopt;
  return std::move(*raw);
}

}  // namespace skyarray::services
