// DicomInstance: dataset parsing with DCMTK and Part 10 files
// (dicom_instance.h).
#include "services/dicom/dicom_instance.h"

#include <dcmtk/config/osconfig.h>
// osconfig.h first (DCMTK's rule).
#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcistrmb.h>
#include <dcmtk/dcmdata/dcxfer.h>
#include <spdlog/spdlog.h>

#include <cstring>

namespace skyarray::services::dicom {

namespace {

std::string trimmed(const OFString& s) {
  std::string v(s.c_str(), s.length());
  while (!v.empty() && (v.back() == ' ' || v.back() == '\0')) v.pop_back();
  while (!v.empty() && v.front() == ' ') v.erase(v.begin());
  return v;
}

std::string value_of(DcmDataset& ds, DicomTag t) {
  OFString v;
  if (ds.findAndGetOFStringArray(DcmTagKey(t >> 16, t & 0xFFFF), v).bad()) return "";
  return trimmed(v);
}

DicomRecord record_of(DcmDataset& ds, DicomLevel level) {
  DicomRecord r;
  for (DicomTag t : level_tags(level)) {
    if (t == tags::kTransferSyntaxUid) continue;  // not in the dataset: set by parse()
    std::string v = value_of(ds, t);
    if (!v.empty()) r.set(t, std::move(v));
  }
  return r;
}

// Explicit VR little endian element with a 16-bit length (PS3.5 7.1.2).
void put_short_element(std::string* out, uint16_t element, const char* vr, std::string value,
                       char pad) {
  if (value.size() % 2) value.push_back(pad);
  char head[8] = {
      0x02,  0x00,  static_cast<char>(element & 0xFF),      static_cast<char>(element >> 8),
      vr[0], vr[1], static_cast<char>(value.size() & 0xFF), static_cast<char>(value.size() >> 8)};
  out->append(head, sizeof head);
  out->append(value);
}

}  // namespace

bool is_valid_uid(std::string_view uid) {
  if (uid.empty() || uid.size() > 64) return false;
  for (char c : uid) {
    if (!(c == '.' || (c >= '0' && c <= '9'))) return false;
  }
  return true;
}

Result<DicomInstance> DicomInstance::parse(std::string_view dataset,
                                           const std::string& transfer_syntax) {
  DcmXfer xfer(transfer_syntax.c_str());
  if (xfer.getXfer() == EXS_Unknown) {
    return Status::invalid_argument("unknown transfer syntax '" + transfer_syntax + "'");
  }
  DcmInputBufferStream in;
  in.setBuffer(dataset.data(), static_cast<offile_off_t>(dataset.size()));
  in.setEos();
  DcmDataset ds;
  ds.transferInit();
  OFCondition c =
      ds.readUntilTag(in, xfer.getXfer(), EGL_noChange, DCM_MaxReadLength, DCM_PixelData);
  ds.transferEnd();
  if (c.bad()) return Status::invalid_argument(std::string("unreadable dataset: ") + c.text());
  // The index holds UTF-8 whatever the dataset's character set; a set
  // DCMTK cannot convert is indexed as its bytes.
  if (OFCondition u = ds.convertToUTF8(); u.bad()) {
    spdlog::warn("DICOM dataset kept in its character set for the index: {}", u.text());
  }
  DicomInstance inst;
  inst.transfer_syntax = transfer_syntax;
  inst.sop_class_uid = value_of(ds, tags::kSopClassUid);
  inst.sop_instance_uid = value_of(ds, tags::kSopInstanceUid);
  inst.study_uid = value_of(ds, tags::kStudyInstanceUid);
  inst.series_uid = value_of(ds, tags::kSeriesInstanceUid);
  inst.patient_id = value_of(ds, tags::kPatientId);
  for (const std::string* uid :
       {&inst.sop_class_uid, &inst.sop_instance_uid, &inst.study_uid, &inst.series_uid}) {
    if (!is_valid_uid(*uid)) {
      return Status::invalid_argument(
          "dataset lacks a valid SOP class, SOP instance, study or "
          "series UID");
    }
  }
  inst.patient = record_of(ds, DicomLevel::kPatient);
  inst.study = record_of(ds, DicomLevel::kStudy);
  inst.series = record_of(ds, DicomLevel::kSeries);
  inst.instance = record_of(ds, DicomLevel::kInstance);
  inst.instance.set(tags::kTransferSyntaxUid, transfer_syntax);
  return inst;
}

std::string DicomInstance::part10_header(std::string_view source_ae) const {
  std::string meta;
  // (0002,0001) OB, a 32-bit length after two reserved bytes.
  const char version[] = {0x02, 0x00, 0x01, 0x00, 'O',  'B',  0x00,
                          0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
  meta.append(version, sizeof version);
  put_short_element(&meta, 0x0002, "UI", sop_class_uid, '\0');
  put_short_element(&meta, 0x0003, "UI", sop_instance_uid, '\0');
  put_short_element(&meta, 0x0010, "UI", transfer_syntax, '\0');
  put_short_element(&meta, 0x0012, "UI", std::string(kImplementationClassUid), '\0');
  put_short_element(&meta, 0x0013, "SH", std::string(kImplementationVersionName), ' ');
  if (!source_ae.empty()) put_short_element(&meta, 0x0016, "AE", std::string(source_ae), ' ');
  std::string out(128, '\0');
  out += "DICM";
  // (0002,0000) UL group length: the bytes of the group after it.
  const uint32_t n = static_cast<uint32_t>(meta.size());
  const char length[] = {0x02,
                         0x00,
                         0x00,
                         0x00,
                         'U',
                         'L',
                         0x04,
                         0x00,
                         static_cast<char>(n & 0xFF),
                         static_cast<char>((n >> 8) & 0xFF),
                         static_cast<char>((n >> 16) & 0xFF),
                         static_cast<char>(n >> 24)};
  out.append(length, sizeof length);
  out += meta;
  return out;
}

std::string DicomInstance::object_key() const {
  return "studies/" + study_uid + "/series/" + series_uid + "/instances/" + sop_instance_uid +
         ".dcm";
}

}  // namespace skyarray::services::dicom
