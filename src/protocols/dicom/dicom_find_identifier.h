// DicomFindIdentifier: C-FIND identifiers (PS3.4 C.4.1) ↔ the DICOM
// service's queries and records. The only code that reads a query from
// the wire's dataset; fuzzed by fuzz/dicom_find_identifier_fuzz.cc.
//
// Request: Query/Retrieve Level (0008,0052) PATIENT, STUDY, SERIES or
// IMAGE (not PATIENT in the Study Root model); every other top-level
// attribute is a key: its value (converted to UTF-8 from the identifier's
// Specific Character Set) is the matching value, empty for a return key.
// Sequences are return keys only (sequence matching is not supported).
// Response: for one match, every key of the request with the match's
// value (empty when it has none), the level, and Specific Character Set
// "ISO_IR 192" (the index holds UTF-8).
//
// DCMTK's headers stay in the .cc file; DcmDataset is only declared here.
#pragma once

#include <optional>
#include <string_view>

#include "common/status.h"
#include "services/dicom/dicom_query.h"
#include "services/dicom/dicom_record.h"

class DcmDataset;

namespace skyarray::dicom {

enum class QueryModel : uint8_t { kPatientRoot, kStudyRoot };

// The model of a C-FIND SOP class we serve, or nullopt.
std::optional<QueryModel> find_model(std::string_view sop_class_uid);
// The model of a C-MOVE SOP class we serve, or nullopt.
std::optional<QueryModel> move_model(std::string_view sop_class_uid);
// The model of a C-GET SOP class we serve, or nullopt.
std::optional<QueryModel> get_model(std::string_view sop_class_uid);

// kInvalidArgument when the level is missing, unknown or not in `model`,
// or when any value (sequences included) is longer than 64 KiB.
// Converts `identifier` to UTF-8 in place.
Result<services::dicom::DicomQuery> query_from_identifier(DcmDataset& identifier, QueryModel model);

// Fills `response` (empty) for one match of the query read from `request`.
void fill_response(DcmDataset& request, const services::dicom::DicomRecord& match,
                   DcmDataset* response);

}  // namespace skyarray::dicom
