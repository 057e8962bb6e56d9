// render_frame: one frame of a stored instance as an image for display
// (WADO-RS "rendered", PS3.18 8.3.5): 8 bits, JPEG (quality 90) or PNG,
// grayscale images through their first stored VOI window (or the pixel
// range when there is none), colour images as they are. Compressed
// instances are decoded first (dicom_decoding.h). DCMTK's dcmimage does
// the work; its headers stay in the .cc.
#pragma once

#include <string>

#include "common/status.h"

namespace skyarray::dicomweb {

enum class RenderedFormat : uint8_t { kJpeg, kPng };

// `frame` counts from 1. kNotFound: no such frame; kInvalidArgument: not an
// image (no pixel data DCMTK can show); kNotSupported: a transfer syntax
// that cannot be decoded.
Result<std::string> render_frame(const std::string& part10_file, unsigned frame,
                                 RenderedFormat format);

}  // namespace skyarray::dicomweb
