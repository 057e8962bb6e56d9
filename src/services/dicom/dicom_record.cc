// DicomRecord: index record encoding (dicom_record.h).
#include "services/dicom/dicom_record.h"

#include "common/varint.h"

namespace skyarray::services::dicom {

namespace {
constexpr char kVersion = 0x01;
}

const std::string& DicomRecord::get(DicomTag t) const {
  static const std::string kEmpty;
  auto it = values.find(t);
  return it == values.end() ? kEmpty : it->second;
}

std::string DicomRecord::encode() const {
  std::string out(1, kVersion);
  for (const auto& [t, v] : values) {
    put_varint(&out, t);
    put_varint(&out, v.size());
    out += v;
  }
  return out;
}

Result<DicomRecord> DicomRecord::decode(std::string_view in) {
  if (in.empty() || in[0] != kVersion) return Status::corruption("DICOM index record: bad version");
  in.remove_prefix(1);
  DicomRecord rec;
  uint64_t last = 0;
  bool first = true;
  while (!in.empty()) {
    uint64_t t = 0, n = 0;
    if (!get_varint(&in, &t) || !get_varint(&in, &n) || n > in.size() || t > 0xFFFFFFFFu ||
        (!first && t <= last)) {
      return Status::corruption("DICOM index record: malformed attribute");
    }
    rec.values.emplace(static_cast<DicomTag>(t), std::string(in.substr(0, n)));
    in.remove_prefix(n);
    last = t;
    first = false;
  }
  return rec;
}

}  // namespace skyarray::services::dicom
