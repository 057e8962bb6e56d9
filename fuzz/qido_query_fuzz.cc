// Fuzzes the QIDO-RS query translation: the first byte picks the level and
// whether the path carries study and series UIDs, the rest is the raw query
// string; what parses becomes a C-FIND query, as the DICOMweb door does.
#include <dcmtk/config/osconfig.h>
// osconfig.h first (DCMTK's rule).
#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/oflog/oflog.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "protocols/dicom/dicom_find_identifier.h"
#include "protocols/dicomweb/qido_query.h"

using namespace skyarray;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool quiet = [] {
    OFLog::configure(OFLogger::FATAL_LOG_LEVEL);
    return true;
  }();
  (void)quiet;
  if (size < 1) return 0;
  const auto level = static_cast<dicomweb::QidoLevel>(data[0] % 3);
  const std::string study = (data[0] & 4) ? "1.2.3" : "";
  const std::string series = (data[0] & 8) ? "1.2.3.4" : "";
  std::string_view raw(reinterpret_cast<const char*>(data + 1), size - 1);
  auto qido = dicomweb::parse_qido(level, study, series, raw);
  if (!qido.is_ok()) return 0;
  auto query = dicom::query_from_identifier(*qido->identifier, dicom::QueryModel::kStudyRoot);
  (void)query;
  return 0;
}
