// MultipartBody: the parts of a whole multipart body (RFC 2046 5.1, as
// multipart/related uses it for STOW-RS, RFC 2387), held in memory.
//
//   [preamble] "--" boundary [LWSP] CRLF headers CRLF CRLF data
//   CRLF "--" boundary ... CRLF "--" boundary "--" [epilogue]
//
// Each part's headers are parsed into name/value pairs (names lower-cased);
// its data is a view into the body. kInvalidArgument when the boundary is
// missing or too long, a part has no header end, or the closing delimiter
// is missing. Pure; fuzzed by fuzz/multipart_related_fuzz.cc.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace skyarray::dicomweb {

struct BodyPart {
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-case
  std::string_view data;

  // The first value of header `name` (lower-case), or "".
  std::string_view header(std::string_view name) const;
};

// A parameter of a media type ("boundary", "type"), unquoted; "" if absent.
std::string media_type_parameter(std::string_view content_type, std::string_view name);

// The media type without parameters, lower-cased ("multipart/related").
std::string media_type_of(std::string_view content_type);

// The parts of `body` (which must outlive them) delimited by `boundary`.
Result<std::vector<BodyPart>> split_multipart(std::string_view body, std::string_view boundary);

}  // namespace skyarray::dicomweb
