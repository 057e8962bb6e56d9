// MultipartProgress: how far the upload of one object's version to the
// cloud got, kept in the upload queue's family so that a restart resumes the
// multipart upload instead of starting over (object_uploader.h).
//
// Stored form, format version 1 (Boost.JSON):
//   {"v":1,"upload_id","version_id","etag","part_size",
//    "parts":{"<part number>":"<cloud ETag>",...}}
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "common/status.h"

namespace skyarray::services {

struct MultipartProgress {
  std::string upload_id;   // the cloud's
  std::string version_id;  // the local version being uploaded
  std::string etag;        // of that version
  uint64_t part_size = 0;
  std::map<uint32_t, std::string> parts;  // number → cloud ETag

  std::string encode() const;
  // kCorruption for anything but a record of the format above.
  static Result<MultipartProgress> decode(std::string_view raw);
};

}  // namespace skyarray::services
