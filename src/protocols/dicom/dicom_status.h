// DicomStatus: the one table from the service's StatusCode to the DIMSE
// status a response carries (PS3.4 B.2.3 for C-STORE, C.4.1.1.4 for
// C-FIND; PS3.7 C for the general ones).
#pragma once

#include <cstdint>

#include "common/status.h"

namespace skyarray::dicom {

namespace dimse_status {
inline constexpr uint16_t kSuccess = 0x0000;
inline constexpr uint16_t kPending = 0xFF00;
inline constexpr uint16_t kCancel = 0xFE00;
inline constexpr uint16_t kSopClassNotSupported = 0x0122;  // Refused
inline constexpr uint16_t kOutOfResources = 0xA700;        // Refused
inline constexpr uint16_t kDataSetDoesNotMatch = 0xA900;   // Error (identifier or dataset)
inline constexpr uint16_t kCannotUnderstand = 0xC000;      // Error
inline constexpr uint16_t kUnableToProcess = 0xC001;       // Failed (C-FIND)
}  // namespace dimse_status

// The status of a C-STORE response for a failed store.
uint16_t store_status(const Status& status);
// The status of a C-FIND response for a failed search.
uint16_t find_status(const Status& status);

}  // namespace skyarray::dicom
