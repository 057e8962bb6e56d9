// DICOM transfer syntax changes the doors make on the way out, never on the
// way in (instances are stored as received): decoding only, to an
// uncompressed syntax, with DCMTK's decoders (RLE, JPEG, JPEG-LS; not JPEG
// 2000). Nothing is ever compressed, so no lossy step is ever added.
#pragma once

#include <memory>
#include <string>

#include "common/status.h"

class DcmFileFormat;

namespace skyarray::dicom {

// A stored Part 10 file, parsed; nullptr when it does not parse. Values
// over 4 KiB stay unloaded unless `load_all` (they are read from `file`,
// which must outlive the result, when first used).
std::unique_ptr<DcmFileFormat> read_part10(const std::string& file, bool load_all = false);

// Registers the decoders with DCMTK, once per process.
void register_dicom_decoders();

// The Part 10 file `file` with its dataset in the uncompressed transfer
// syntax `syntax_uid` (the file itself when it is already in it).
// kInvalidArgument: `syntax_uid` is not an uncompressed syntax;
// kNotSupported: the stored syntax cannot be decoded; kCorruption: the file
// does not parse.
Result<std::string> part10_in_syntax(const std::string& file, const std::string& syntax_uid);

}  // namespace skyarray::dicom
