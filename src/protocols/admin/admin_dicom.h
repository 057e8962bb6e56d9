// The DICOM archive's lines of /metrics (services/dicom/dicom_service.h):
//   skyarray_dicom_instances           SOP instances in the index
//   skyarray_dicom_stored_total        instances stored since start
//   skyarray_dicom_duplicates_total    instances received again
//   skyarray_dicom_refused_total       stores that failed
#pragma once

#include <string>

#include "common/async.h"

namespace skyarray::services::dicom {
class DicomService;
}

namespace skyarray::admin {

Task<std::string> dicom_metrics(services::dicom::DicomService& dicom);

}  // namespace skyarray::admin
