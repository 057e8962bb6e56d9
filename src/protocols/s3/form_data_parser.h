// FormDataParser: an incremental multipart/form-data (RFC 7578) parser for
// S3's browser-form POST upload.
//
// The body is fed in pieces as it arrives; the parser never holds more than
// one piece plus a delimiter's length of it. Fields before the file are
// collected whole (bounded by FormDataLimits); the bytes of the part named
// "file" are handed out as they are found (take_file_data()), so the caller
// streams them into the object writer. Parts after the file are parsed and
// ignored, as S3 does.
//
// Wire format handled (RFC 2046 section 5.1.1):
//   [preamble] "--" boundary [LWSP] CRLF
//   headers CRLF CRLF data CRLF "--" boundary [LWSP] CRLF ...
//   CRLF "--" boundary "--" [epilogue]
// Each part needs `Content-Disposition: form-data; name="..."` (filename
// optional; quoted-string values with backslash escapes). A field name is
// kept as sent (S3 compares names without case).
//
// Errors (kInvalidArgument, message says what): no or malformed boundary,
// headers too large or without a name, a field or the fields too large, too
// many fields, a second file, the end missing.
//
// Pure, single-threaded; fuzzed by fuzz/form_data_fuzz.cc.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace skyarray::s3 {

struct FormDataLimits {
  size_t max_header_bytes = 8 * 1024;    // one part's header block
  size_t max_field_bytes = 64 * 1024;    // one field's value (a POST policy fits)
  size_t max_fields_bytes = 256 * 1024;  // every field before the file
  size_t max_fields = 200;
};

struct FormField {
  std::string name;
  std::string value;
};

class FormDataParser {
 public:
  // The boundary parameter of a "multipart/form-data; boundary=..." type;
  // kInvalidArgument when the type is another or the boundary is missing or
  // longer than RFC 2046's 70 characters.
  static Result<std::string> boundary_of(std::string_view content_type);

  FormDataParser(std::string boundary, FormDataLimits limits = {});

  // Consumes the next piece of the body.
  Status feed(std::string_view data);
  // Whether the closing delimiter was seen (later bytes are ignored).
  bool done() const { return state_ == State::kDone; }

  // Fields before the file, in order.
  const std::vector<FormField>& fields() const { return fields_; }
  // The file part began: its filename and Content-Type are known.
  bool file_started() const { return file_started_; }
  bool file_ended() const { return file_ended_; }
  const std::string& filename() const { return filename_; }
  const std::string& file_content_type() const { return file_content_type_; }
  // File bytes found since the last call (moved out).
  std::string take_file_data() { return std::exchange(file_data_, {}); }

 private:
  enum class State { kPreamble, kAfterDelimiter, kHeaders, kBody, kDone };
  enum class Part { kField, kFile, kIgnored };

  Status parse_headers(std::string_view block);
  Status emit(std::string_view bytes);
  Status end_part();

  std::string delimiter_;  // CRLF "--" boundary
  FormDataLimits limits_;
  State state_ = State::kPreamble;
  Part part_ = Part::kIgnored;
  std::string buf_;  // bytes not consumed yet
  std::vector<FormField> fields_;
  size_t fields_bytes_ = 0;
  bool file_started_ = false;
  bool file_ended_ = false;
  std::string filename_;
  std::string file_content_type_;
  std::string file_data_;
};

}  // namespace skyarray::s3
