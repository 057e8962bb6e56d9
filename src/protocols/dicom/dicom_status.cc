// DicomStatus: StatusCode → DIMSE status (dicom_status.h).
#include "protocols/dicom/dicom_status.h"

namespace skyarray::dicom {

uint16_t store_status(const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk:
      return dimse_status::kSuccess;
    case StatusCode::kInvalidArgument:
      return dimse_status::kCannotUnderstand;
    default:  // too large, no space, unavailable, I/O errors
      return dimse_status::kOutOfResources;
  }
}

uint16_t find_status(const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk:
      return dimse_status::kSuccess;
    case StatusCode::kInvalidArgument:
      return dimse_status::kDataSetDoesNotMatch;
    case StatusCode::kNoSpace:
    case StatusCode::kUnavailable:
      return dimse_status::kOutOfResources;
    default:
      return dimse_status::kUnableToProcess;
  }
}

}  // namespace skyarray::dicom
