#include "protocols/s3/form_data_parser.h"

#include <algorithm>

#include "common/ascii.h"
#include "common/encoding.h"

namespace skyarray::s3 {

namespace {

Status bad(std::string message) {
  return Status::invalid_argument(std::move(message));
}

// One parameter value: a token or a quoted-string (backslash escapes).
// Advances `s` past it.
std::string param_value(std::string_view& s) {
  std::string out;
  if (!s.empty() && s.front() == '"') {
    size_t i = 1;
    for (; i < s.size() && s[i] != '"'; ++i) {
      if (s[i] == '\\' && i + 1 < s.size()) ++i;
      out.push_back(s[i]);
    }
    s.remove_prefix(std::min(i + 1, s.size()));
    return out;
  }
  size_t end = s.find(';');
  out = std::string(trim(s.substr(0, end)));
  s.remove_prefix(end == std::string_view::npos ? s.size() : end);
  return out;
}

// "type; a=b; c="d"" → the parameters, names lower case.
std::vector<std::pair<std::string, std::string>> params(std::string_view v) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t semi = v.find(';');
  if (semi == std::string_view::npos) return out;
  v.remove_prefix(semi + 1);
  while (!v.empty()) {
    v = trim(v);
    size_t eq = v.find('=');
    size_t next = v.find(';');
    if (eq == std::string_view::npos || (next != std::string_view::npos && next < eq)) {
      if (next == std::string_view::npos) break;
      v.remove_prefix(next + 1);
      continue;
    }
    std::string name = ascii_lower(trim(v.substr(0, eq)));
    v.remove_prefix(eq + 1);
    v = trim(v);
    std::string value = param_value(v);
    out.emplace_back(std::move(name), std::move(value));
    size_t rest = v.find(';');
    if (rest == std::string_view::npos) break;
    v.remove_prefix(rest + 1);
  }
  return out;
}

}  // namespace

Result<std::string> FormDataParser::boundary_of(std::string_view content_type) {
  std::string_view type = trim(content_type.substr(0, content_type.find(';')));
  if (ascii_lower(type) != "multipart/form-data") {
    return bad("the request body must be multipart/form-data");
  }
  for (auto& [name, value] : params(content_type)) {
    if (name != "boundary") continue;
    if (value.empty() || value.size() > 70) return bad("the multipart boundary is malformed");
    return value;
  }
  return bad("the multipart/form-data type has no boundary");
}

FormDataParser::FormDataParser(std::string boundary, FormDataLimits limits)
    : delimiter_("\r\n--" + boundary), limits_(limits), buf_("\r\n") {}

Status FormDataParser::parse_headers(std::string_view block) {
  std::string name, filename, content_type;
  bool has_name = false, has_filename = false;
  while (!block.empty()) {
    size_t eol = block.find("\r\n");
    std::string_view line = block.substr(0, eol);
    block.remove_prefix(eol == std::string_view::npos ? block.size() : eol + 2);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) return bad("a multipart header line has no ':'");
    std::string header = ascii_lower(trim(line.substr(0, colon)));
    std::string_view value = trim(line.substr(colon + 1));
    if (header == "content-disposition") {
      if (ascii_lower(trim(value.substr(0, value.find(';')))) != "form-data") {
        return bad("a part's Content-Disposition must be form-data");
      }
      for (auto& [p, v] : params(value)) {
        if (p == "name") {
          name = std::move(v);
          has_name = true;
        } else if (p == "filename") {
          filename = std::move(v);
          has_filename = true;
        }
      }
    } else if (header == "content-type") {
      content_type = std::string(value);
    }
  }
  if (!has_name) return bad("a form part has no name");
  if (file_ended_) {
    part_ = Part::kIgnored;  // S3 ignores what follows the file
  } else if (ascii_lower(name) == "file") {
    part_ = Part::kFile;
    file_started_ = true;
    filename_ = std::move(filename);
    file_content_type_ = std::move(content_type);
  } else {
    (void)has_filename;
    if (fields_.size() >= limits_.max_fields) return bad("the form has too many fields");
    part_ = Part::kField;
    fields_.push_back(FormField{std::move(name), {}});
  }
  return Status::ok();
}

Status FormDataParser::emit(std::string_view bytes) {
  switch (part_) {
    case Part::kFile:
      file_data_.append(bytes);
      break;
    case Part::kField:
      fields_.back().value.append(bytes);
      fields_bytes_ += bytes.size();
      if (fields_.back().value.size() > limits_.max_field_bytes) {
        return bad("the form field '" + fields_.back().name + "' is too large");
      }
      if (fields_bytes_ > limits_.max_fields_bytes) return bad("the form fields are too large");
      break;
    case Part::kIgnored:
      break;
  }
  return Status::ok();
}

Status FormDataParser::end_part() {
  if (part_ == Part::kFile) file_ended_ = true;
  part_ = Part::kIgnored;
  return Status::ok();
}

Status FormDataParser::feed(std::string_view data) {
  if (state_ == State::kDone) return Status::ok();
  buf_.append(data);
  size_t pos = 0;  // consumed bytes of buf_
  for (;;) {
    std::string_view rest = std::string_view(buf_).substr(pos);
    if (state_ == State::kPreamble || state_ == State::kBody) {
      size_t at = rest.find(delimiter_);
      if (at == std::string_view::npos) {
        // Everything but a possible delimiter start is part data.
        size_t keep = std::min(rest.size(), delimiter_.size() - 1);
        if (state_ == State::kBody) SKY_RETURN_IF_ERROR(emit(rest.substr(0, rest.size() - keep)));
        pos += rest.size() - keep;
        break;
      }
      if (state_ == State::kBody) {
        SKY_RETURN_IF_ERROR(emit(rest.substr(0, at)));
        SKY_RETURN_IF_ERROR(end_part());
      }
      pos += at + delimiter_.size();
      state_ = State::kAfterDelimiter;
    } else if (state_ == State::kAfterDelimiter) {
      if (rest.size() >= 2 && rest.substr(0, 2) == "--") {
        state_ = State::kDone;
        buf_.clear();
        return Status::ok();
      }
      size_t lws = 0;
      while (lws < rest.size() && (rest[lws] == ' ' || rest[lws] == '\t')) ++lws;
      if (lws > 256) return bad("malformed multipart delimiter line");
      if (rest.size() < lws + 2) break;
      if (rest.substr(lws, 2) != "\r\n") return bad("malformed multipart delimiter line");
      pos += lws + 2;
      state_ = State::kHeaders;
    } else if (state_ == State::kHeaders) {
      // A part may have no header lines at all ("\r\n" right away) — then it
      // has no name and is refused.
      size_t end = rest.substr(0, 2) == "\r\n" ? 0 : rest.find("\r\n\r\n");
      if (end == std::string_view::npos) {
        if (rest.size() > limits_.max_header_bytes) return bad("a part's headers are too large");
        break;
      }
      if (end > limits_.max_header_bytes) return bad("a part's headers are too large");
      SKY_RETURN_IF_ERROR(parse_headers(rest.substr(0, end)));
      pos += end == 0 ? 2 : end + 4;
      state_ = State::kBody;
    } else {
      break;
    }
  }
  buf_.erase(0, pos);
  return Status::ok();
}

}  // namespace skyarray::s3
