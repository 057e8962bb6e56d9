// DICOM datasets for the DICOM service's tests, built with DCMTK and
// encoded as a sender would put them on the wire (no meta group).
#pragma once

#include <dcmtk/config/osconfig.h>
// osconfig.h first (DCMTK's rule).
#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcostrmb.h>
#include <dcmtk/dcmdata/dcuid.h>

#include <map>
#include <string>
#include <vector>

namespace skyarray::services::dicom::testing {

inline constexpr const char* kImplicitLE = UID_LittleEndianImplicitTransferSyntax;
inline constexpr const char* kExplicitLE = UID_LittleEndianExplicitTransferSyntax;
inline constexpr const char* kCtImage = UID_CTImageStorage;

struct TestInstance {
  std::string patient_id = "P1", patient_name = "DOE^JOHN", charset;
  std::string study = "1.2.3.1", series = "1.2.3.1.1", sop = "1.2.3.1.1.1";
  std::string sop_class = kCtImage, modality = "CT", study_date = "20240315";
  std::string accession = "A1", study_description = "HEAD";
  int instance_number = 1;
  size_t pixel_bytes = 64;
};

// The dataset of `t` encoded in `transfer_syntax`.
inline std::string encode_dataset(const TestInstance& t, const char* transfer_syntax) {
  DcmDataset ds;
  if (!t.charset.empty()) ds.putAndInsertString(DCM_SpecificCharacterSet, t.charset.c_str());
  ds.putAndInsertString(DCM_SOPClassUID, t.sop_class.c_str());
  ds.putAndInsertString(DCM_SOPInstanceUID, t.sop.c_str());
  ds.putAndInsertString(DCM_StudyDate, t.study_date.c_str());
  ds.putAndInsertString(DCM_StudyTime, "101500");
  ds.putAndInsertString(DCM_AccessionNumber, t.accession.c_str());
  ds.putAndInsertString(DCM_Modality, t.modality.c_str());
  ds.putAndInsertString(DCM_StudyDescription, t.study_description.c_str());
  ds.putAndInsertString(DCM_PatientName, t.patient_name.c_str());
  ds.putAndInsertString(DCM_PatientID, t.patient_id.c_str());
  ds.putAndInsertString(DCM_PatientBirthDate, "19700101");
  ds.putAndInsertString(DCM_PatientSex, "M");
  ds.putAndInsertString(DCM_StudyInstanceUID, t.study.c_str());
  ds.putAndInsertString(DCM_SeriesInstanceUID, t.series.c_str());
  ds.putAndInsertString(DCM_StudyID, "S1");
  ds.putAndInsertString(DCM_SeriesNumber, "1");
  ds.putAndInsertString(DCM_InstanceNumber, std::to_string(t.instance_number).c_str());
  ds.putAndInsertUint16(DCM_Rows, 4);
  ds.putAndInsertUint16(DCM_Columns, static_cast<Uint16>(t.pixel_bytes / 8));
  ds.putAndInsertUint16(DCM_BitsAllocated, 16);
  std::vector<Uint8> pixels(t.pixel_bytes, 7);
  ds.putAndInsertUint8Array(DCM_PixelData, pixels.data(), pixels.size());
  DcmXfer xfer(transfer_syntax);
  std::vector<char> buf(t.pixel_bytes + (1 << 16));
  DcmOutputBufferStream out(buf.data(), buf.size());
  ds.transferInit();
  OFCondition c = ds.write(out, xfer.getXfer(), EET_ExplicitLength, nullptr);
  ds.transferEnd();
  if (c.bad()) return "";
  void* data = nullptr;
  offile_off_t len = 0;
  out.flushBuffer(data, len);
  return std::string(static_cast<const char*>(data), static_cast<size_t>(len));
}

}  // namespace skyarray::services::dicom::testing
