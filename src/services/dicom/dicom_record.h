// DicomRecord: the attributes of one patient, study, series or instance as
// the DICOM index stores them: tag → value (UTF-8, multiple values joined
// by '\', padding trimmed).
//
// Encoding, format version 1 (the value of every index entry):
//   byte 0x01, then for each attribute in tag order:
//   varint tag, varint value length, value bytes.
// A decoder refuses an unknown version byte, a truncated attribute or tags
// out of order (kCorruption).
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "common/status.h"
#include "services/dicom/dicom_tags.h"

namespace skyarray::services::dicom {

struct DicomRecord {
  std::map<DicomTag, std::string> values;

  // The value of `t`, empty when absent.
  const std::string& get(DicomTag t) const;
  void set(DicomTag t, std::string value) { values[t] = std::move(value); }

  std::string encode() const;
  static Result<DicomRecord> decode(std::string_view in);
};

}  // namespace skyarray::services::dicom
