// Part10File: the File Meta Information of a Part 10 file (PS3.10 7.1)
// read by hand, and where its dataset starts, so that an instance a client
// uploads as a file (STOW-RS) is stored with its dataset's bytes exactly as
// sent, like one received over DIMSE (dicom_instance.h).
//
// The meta group is explicit VR little endian after a 128-byte preamble and
// "DICM"; elements are read up to the first one outside group 0002.
// kInvalidArgument when the preamble or the magic is missing, an element
// runs past the end, or the transfer syntax or media storage UIDs are
// missing. Pure; fuzzed by fuzz/part10_file_fuzz.cc.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/status.h"

namespace skyarray::services::dicom {

struct Part10File {
  std::string sop_class_uid;     // (0002,0002)
  std::string sop_instance_uid;  // (0002,0003)
  std::string transfer_syntax;   // (0002,0010)
  size_t dataset_offset = 0;     // the dataset's first byte

  static Result<Part10File> read(std::string_view file);
};

}  // namespace skyarray::services::dicom
