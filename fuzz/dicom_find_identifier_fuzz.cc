// Fuzzes the C-FIND identifier translation: a dataset (first byte picks
// implicit or explicit VR little endian, the rest is the encoded dataset, as
// DIMSE delivers it) becomes a DicomQuery for both query models, is matched
// against a record, and a response identifier is built from it.
//
// DCMTK reads the dataset from a file so that values longer than 4 KiB stay
// unloaded (its buffer streams allocate every declared length up front, which
// is DCMTK's behaviour, not the code under test): the translation must refuse
// long values without loading them.
#include <dcmtk/config/osconfig.h>
// osconfig.h first (DCMTK's rule).
#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcistrmf.h>
#include <dcmtk/oflog/oflog.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "protocols/dicom/dicom_find_identifier.h"

using namespace skyarray;
namespace sd = skyarray::services::dicom;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool quiet = [] {
    OFLog::configure(OFLogger::FATAL_LOG_LEVEL);
    return true;
  }();
  (void)quiet;
  if (size < 1) return 0;
  E_TransferSyntax xfer = (data[0] & 1) ? EXS_LittleEndianImplicit : EXS_LittleEndianExplicit;
  // One scratch file per process, removed at exit.
  static const struct Scratch {
    std::string path = "/tmp/dicom_find_identifier_fuzz." + std::to_string(getpid());
    ~Scratch() { std::remove(path.c_str()); }
  } scratch;
  const std::string& path = scratch.path;
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return 0;
  std::fwrite(data + 1, 1, size - 1, f);
  std::fclose(f);
  DcmInputFileStream in(path.c_str());
  DcmDataset ds;
  ds.transferInit();
  OFCondition c = ds.read(in, xfer, EGL_noChange, 4096);
  ds.transferEnd();
  if (c.bad()) return 0;
  sd::DicomRecord record;
  record.set(sd::tags::kPatientName, "DOE^JOHN");
  record.set(sd::tags::kStudyInstanceUid, "1.2.3");
  record.set(sd::tags::kStudyDate, "20240315");
  record.set(sd::tags::kModalitiesInStudy, "CT\\MR");
  for (auto model : {dicom::QueryModel::kPatientRoot, dicom::QueryModel::kStudyRoot}) {
    auto q = dicom::query_from_identifier(ds, model);
    if (!q.is_ok()) continue;
    (void)sd::record_matches(*q, record);
    (void)q->exact(sd::tags::kStudyInstanceUid);
    DcmDataset response;
    dicom::fill_response(ds, record, &response);
  }
  return 0;
}
