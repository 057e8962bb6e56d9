// Part10File (part10_file.h).
#include "services/dicom/part10_file.h"

#include <cstdint>

namespace skyarray::services::dicom {

namespace {

constexpr size_t kPreamble = 128;

uint16_t le16(std::string_view s, size_t at) {
  return static_cast<uint16_t>(static_cast<uint8_t>(s[at]) | static_cast<uint8_t>(s[at + 1]) << 8);
}

uint32_t le32(std::string_view s, size_t at) {
  return static_cast<uint32_t>(le16(s, at)) | static_cast<uint32_t>(le16(s, at + 2)) << 16;
}

// Explicit VR little endian: these VRs have 2 reserved bytes and a 4-byte
// length (PS3.5 7.1.2).
bool long_form(std::string_view vr) {
  for (std::string_view v :
       {"OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV"}) {
    if (vr == v) return true;
  }
  return false;
}

// A UI value without its padding (trailing NUL or space).
std::string uid_value(std::string_view v) {
  while (!v.empty() && (v.back() == '\0' || v.back() == ' ')) v.remove_suffix(1);
  return std::string(v);
}

}  // namespace

Result<Part10File> Part10File::read(std::string_view file) {
  if (file.size() < kPreamble + 4 || file.substr(kPreamble, 4) != "DICM") {
    return Status::invalid_argument("not a DICOM Part 10 file (no preamble and DICM)");
  }
  Part10File out;
  size_t pos = kPreamble + 4;
  while (pos + 8 <= file.size() && le16(file, pos) == 0x0002) {
    uint16_t element = le16(file, pos + 2);
    std::string_view vr = file.substr(pos + 4, 2);
    size_t header = 8;
    uint64_t length = le16(file, pos + 6);
    if (long_form(vr)) {
      if (pos + 12 > file.size()) return Status::invalid_argument("truncated meta element");
      header = 12;
      length = le32(file, pos + 8);
    }
    if (length > file.size() - pos - header) {
      return Status::invalid_argument("meta element runs past the end of the file");
    }
    std::string_view value = file.substr(pos + header, static_cast<size_t>(length));
    if (element == 0x0002) out.sop_class_uid = uid_value(value);
    if (element == 0x0003) out.sop_instance_uid = uid_value(value);
    if (element == 0x0010) out.transfer_syntax = uid_value(value);
    pos += header + static_cast<size_t>(length);
  }
  if (out.transfer_syntax.empty() || out.sop_class_uid.empty() || out.sop_instance_uid.empty()) {
    return Status::invalid_argument(
        "meta information without transfer syntax or media storage SOP UIDs");
  }
  out.dataset_offset = pos;
  return out;
}

}  // namespace skyarray::services::dicom
