// DicomInstance: what the DICOM service learns from one instance's dataset
// (DCMTK parses it; DCMTK's headers stay in dicom_instance.cc): its
// identifiers and the index records of its patient, study, series and
// instance (dicom_tags.h says which attributes), values in UTF-8.
//
// Also the Part 10 file (PS3.10 7.1) the service stores for an instance
// received over the network: a 128-byte zero preamble, "DICM", the File
// Meta Information group (explicit VR little endian: group length,
// version 00 01, media storage SOP class and instance, transfer syntax,
// implementation class UID and version name, source AE title), then the
// dataset's bytes exactly as received — never decoded and re-encoded, so
// the transfer syntax (compressed or not) is kept.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "services/dicom/dicom_record.h"

namespace skyarray::services::dicom {

// The implementation class UID and version name written in the meta groups
// of the files the array makes.
inline constexpr std::string_view kImplementationClassUid =
    "2.25.207112447207146390858011406342541562118";
inline constexpr std::string_view kImplementationVersionName = "SKYARRAY_01";

struct DicomInstance {
  std::string sop_class_uid;
  std::string sop_instance_uid;
  std::string study_uid;
  std::string series_uid;
  std::string patient_id;
  std::string transfer_syntax;
  DicomRecord patient, study, series, instance;

  // Parses `dataset` (no preamble nor meta group) encoded in
  // `transfer_syntax` (a UID). kInvalidArgument for an unknown transfer
  // syntax, a dataset DCMTK cannot read, or one without valid study,
  // series and SOP instance UIDs (digits and dots, at most 64). Stops
  // reading at the pixel data: its cost does not grow with the image.
  static Result<DicomInstance> parse(std::string_view dataset, const std::string& transfer_syntax);

  // The start of this instance's Part 10 file: preamble, "DICM" and the
  // meta group (see above). The file is this followed by the dataset's
  // bytes as received.
  std::string part10_header(std::string_view source_ae) const;

  // The object key of the instance: studies/<study>/series/<series>/instances/<sop>.dcm
  std::string object_key() const;
};

// A UID as PS3.5 9.1 allows it: 1 to 64 characters, digits and dots.
bool is_valid_uid(std::string_view uid);

}  // namespace skyarray::services::dicom
