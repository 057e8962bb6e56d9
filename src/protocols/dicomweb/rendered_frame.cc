// render_frame (rendered_frame.h).
#include "protocols/dicomweb/rendered_frame.h"

#include <dcmtk/config/osconfig.h>
// osconfig.h first (DCMTK's rule).
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmimgle/dcmimage.h>
// The image plugins after dcmimage.h, which they rely on.
#include <dcmtk/dcmimage/dipipng.h>
#include <dcmtk/dcmjpeg/dipijpeg.h>
#include <stdio.h>

#include <cstdlib>
#include <memory>

#include "protocols/dicom/dicom_decoding.h"

namespace skyarray::dicomweb {

namespace {

// An in-memory FILE* (the plugins write to a stream), freed with its buffer.
class MemoryStream {
 public:
  MemoryStream() : file_(open_memstream(&data_, &size_)) {}
  ~MemoryStream() {
    if (file_) fclose(file_);
    std::free(data_);
  }
  MemoryStream(const MemoryStream&) = delete;
  MemoryStream& operator=(const MemoryStream&) = delete;
  FILE* file() const { return file_; }
  // Flushes and returns what was written.
  std::string take() {
    if (!file_ || fflush(file_) != 0) return {};
    return std::string(data_, size_);
  }

 private:
  char* data_ = nullptr;
  size_t size_ = 0;
  FILE* file_;
};

}  // namespace

Result<std::string> render_frame(const std::string& part10_file, unsigned frame,
                                 RenderedFormat format) {
  dicom::register_dicom_decoders();
  auto ff = dicom::read_part10(part10_file, true);
  if (!ff) return Status(StatusCode::kCorruption, "stored instance does not parse");
  if (frame < 1) return Status::not_found("frames count from 1");
  // Only the asked frame is processed.
  DicomImage image(ff.get(), EXS_Unknown, 0UL, static_cast<unsigned long>(frame - 1), 1UL);
  if (image.getStatus() != EIS_Normal) {
    return Status::invalid_argument(std::string("not a renderable image: ") +
                                    DicomImage::getString(image.getStatus()));
  }
  if (frame > image.getNumberOfFrames()) {
    return Status::not_found("no frame " + std::to_string(frame) + " in this instance");
  }
  if (image.isMonochrome()) {
    if (image.getWindowCount() > 0) {
      image.setWindow(0);
    } else {
      image.setMinMaxWindow();
    }
  }
  MemoryStream out;
  if (out.file() == nullptr) return Status::internal("no memory stream for the image");
  int ok = 0;
  if (format == RenderedFormat::kPng) {
    DiPNGPlugin png;
    ok = image.writePluginFormat(&png, out.file(), 0);
  } else {
    DiJPEGPlugin jpeg;
    jpeg.setQuality(90);
    ok = image.writePluginFormat(&jpeg, out.file(), 0);
  }
  std::string bytes = out.take();
  if (!ok || bytes.empty()) return Status::internal("the image could not be encoded");
  return bytes;
}

}  // namespace skyarray::dicomweb
