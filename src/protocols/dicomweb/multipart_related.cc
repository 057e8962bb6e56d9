// MultipartBody (multipart_related.h).
#include "protocols/dicomweb/multipart_related.h"

#include "common/ascii.h"

namespace skyarray::dicomweb {

namespace {

constexpr size_t kMaxBoundary = 70;            // RFC 2046
constexpr size_t kMaxHeaderBytes = 16 * 1024;  // one part's header block

}  // namespace

std::string_view BodyPart::header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (n == name) return v;
  }
  return {};
}

std::string media_type_of(std::string_view content_type) {
  return ascii_lower(trim(content_type.substr(0, content_type.find(';'))));
}

std::string media_type_parameter(std::string_view content_type, std::string_view name) {
  const std::string_view ct = content_type;
  size_t i = ct.find(';');
  while (i != std::string_view::npos) {
    size_t eq = ct.find('=', i + 1);
    if (eq == std::string_view::npos) return {};
    std::string_view key = trim(ct.substr(i + 1, eq - i - 1));
    size_t v = eq + 1;
    while (v < ct.size() && ct[v] == ' ') ++v;
    std::string value;
    size_t end = std::string_view::npos;
    if (v < ct.size() && ct[v] == '"') {
      size_t close = ct.find('"', v + 1);
      if (close == std::string_view::npos) return {};
      value = std::string(ct.substr(v + 1, close - v - 1));
      end = ct.find(';', close);
    } else {
      end = ct.find(';', v);
      value = std::string(trim(ct.substr(v, end == std::string_view::npos ? ct.npos : end - v)));
    }
    if (iequals(key, name)) return value;
    i = end;
  }
  return {};
}

Result<std::vector<BodyPart>> split_multipart(std::string_view body, std::string_view boundary) {
  if (boundary.empty() || boundary.size() > kMaxBoundary) {
    return Status::invalid_argument("multipart boundary missing or over 70 characters");
  }
  const std::string delimiter = "--" + std::string(boundary);
  // The first delimiter may open the body or follow a preamble's CRLF.
  size_t pos = body.substr(0, delimiter.size()) == delimiter ? 0 : body.find("\r\n" + delimiter);
  if (pos == std::string_view::npos) return Status::invalid_argument("no multipart delimiter");
  if (pos != 0) pos += 2;
  const std::string next_delimiter = "\r\n" + delimiter;
  std::vector<BodyPart> parts;
  for (;;) {
    pos += delimiter.size();
    if (body.substr(pos, 2) == "--") return parts;  // the closing delimiter
    size_t line_end = body.find("\r\n", pos);
    if (line_end == std::string_view::npos) return Status::invalid_argument("truncated part");
    if (!trim(body.substr(pos, line_end - pos)).empty()) {
      return Status::invalid_argument("text after a multipart delimiter");
    }
    size_t headers_start = line_end + 2;
    size_t headers_end = body.substr(headers_start, 2) == "\r\n"
                             ? headers_start
                             : body.find("\r\n\r\n", headers_start);
    if (headers_end == std::string_view::npos || headers_end - headers_start > kMaxHeaderBytes) {
      return Status::invalid_argument("part headers without an end");
    }
    BodyPart part;
    std::string_view headers = body.substr(headers_start, headers_end - headers_start);
    while (!headers.empty()) {
      size_t eol = headers.find("\r\n");
      std::string_view line = headers.substr(0, eol);
      headers = eol == std::string_view::npos ? std::string_view() : headers.substr(eol + 2);
      size_t colon = line.find(':');
      if (colon == std::string_view::npos) return Status::invalid_argument("malformed part header");
      part.headers.emplace_back(ascii_lower(trim(line.substr(0, colon))),
                                std::string(trim(line.substr(colon + 1))));
    }
    size_t data_start = headers_end + (headers_end == headers_start ? 2 : 4);
    size_t data_end = body.find(next_delimiter, data_start);
    if (data_end == std::string_view::npos) {
      return Status::invalid_argument("multipart body without its closing delimiter");
    }
    part.data = body.substr(data_start, data_end - data_start);
    parts.push_back(std::move(part));
    pos = data_end + 2;
  }
}

}  // namespace skyarray::dicomweb
