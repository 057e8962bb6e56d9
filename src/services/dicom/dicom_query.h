// DicomQuery: a search of the DICOM index, as C-FIND and QIDO-RS ask it,
// protocol-neutral: the level, and the keys (tag → value, UTF-8) with
// PS3.4 C.2.2.2 matching:
//   - empty value: universal matching (a return key only);
//   - '*' (any run) and '?' (one character) wildcards in text and names;
//     names match case-insensitively;
//   - UIDs: one value, or a list separated by '\' (any of them);
//   - dates and times: one value, or a range "a-b", "a-" or "-b";
//   - numbers: one value;
//   - several values separated by '\' in any other key: any of them;
//   - a multi-valued attribute matches when one of its values does.
// A key that the level's records do not hold (neither stored nor computed,
// dicom_tags.h) takes no part in matching: it is returned empty.
// Sequence matching is not supported (sequences are returned empty).
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>

#include "services/dicom/dicom_record.h"
#include "services/dicom/dicom_tags.h"

namespace skyarray::services::dicom {

struct DicomQuery {
  DicomLevel level = DicomLevel::kStudy;
  std::map<DicomTag, std::string> keys;
  // At most this many matches (0: no limit), after skipping `offset`.
  size_t limit = 0;
  size_t offset = 0;

  // The value asked for `t` when the query names it with one value and no
  // wildcard or range (a key that narrows a scan), else empty.
  std::string exact(DicomTag t) const;
};

// One value against one key (see above). `value` may be multi-valued.
bool value_matches(MatchKind kind, std::string_view pattern, std::string_view value);
// Every key of the query that the record's level holds matches.
bool record_matches(const DicomQuery& query, const DicomRecord& record);

}  // namespace skyarray::services::dicom
