// QidoQuery: a QIDO-RS search (PS3.18 10.6) as the C-FIND identifier the
// DIMSE door already translates (protocols/dicom/dicom_find_identifier.h),
// so that both doors match the same way.
//
//   level        studies, series or instances, from the resource path; the
//                UIDs of the path (/studies/{study}/series) become keys.
//   parameters   {attributeID}={value}: a keyword (PatientName) or 8 hex
//                digits (00100010); values match as C-FIND's do
//                (wildcards, ranges, UID lists). includefield=keyword|tag
//                (repeatable, or comma-separated) or "all"; limit, offset;
//                fuzzymatching=false (true is refused: not supported).
//                Anything else is refused (400), never ignored.
// The identifier asks for the level's default return keys (PS3.18 table
// 10.6.3-3 to -5) plus the include fields.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

class DcmDataset;

namespace skyarray::dicomweb {

enum class QidoLevel : uint8_t { kStudy, kSeries, kInstance };

struct QidoQuery {
  std::unique_ptr<DcmDataset> identifier;  // a Study Root C-FIND identifier
  size_t limit = 0;                        // 0: no limit
  size_t offset = 0;
  QidoQuery();
  ~QidoQuery();
  QidoQuery(QidoQuery&&) noexcept;
  QidoQuery& operator=(QidoQuery&&) noexcept;
};

// `study` and `series`: the UIDs of the path ("" when absent). `raw_query`:
// the request's query string, still percent-encoded. kInvalidArgument for
// an unknown parameter or attribute, a bad number, or a value over 64 KiB.
Result<QidoQuery> parse_qido(QidoLevel level, const std::string& study, const std::string& series,
                             std::string_view raw_query);

}  // namespace skyarray::dicomweb
