// DICOM decoding on the way out (dicom_decoding.h).
#include "protocols/dicom/dicom_decoding.h"

#include <dcmtk/config/osconfig.h>
// osconfig.h first (DCMTK's rule).
#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcistrmb.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmdata/dcostrmb.h>
#include <dcmtk/dcmdata/dcrledrg.h>
#include <dcmtk/dcmdata/dcxfer.h>
#include <dcmtk/dcmjpeg/djdecode.h>
#include <dcmtk/dcmjpls/djdecode.h>

#include <memory>
#include <mutex>

namespace skyarray::dicom {

std::unique_ptr<DcmFileFormat> read_part10(const std::string& file, bool load_all) {
  auto ff = std::make_unique<DcmFileFormat>();
  DcmInputBufferStream in;
  in.setBuffer(file.data(), static_cast<offile_off_t>(file.size()));
  in.setEos();
  ff->transferInit();
  OFCondition c = ff->read(in, EXS_Unknown, EGL_noChange, load_all ? 0 : DCM_MaxReadLength);
  ff->transferEnd();
  if (c.good() && load_all) ff->loadAllDataIntoMemory();
  return c.good() ? std::move(ff) : nullptr;
}

void register_dicom_decoders() {
  static std::once_flag registered;
  std::call_once(registered, [] {
    DcmRLEDecoderRegistration::registerCodecs();
    DJDecoderRegistration::registerCodecs();
    DJLSDecoderRegistration::registerCodecs();
  });
}

Result<std::string> part10_in_syntax(const std::string& file, const std::string& syntax_uid) {
  DcmXfer target(syntax_uid.c_str());
  if (target.getXfer() == EXS_Unknown || target.isEncapsulated()) {
    return Status::invalid_argument("not an uncompressed transfer syntax: " + syntax_uid);
  }
  auto ff = read_part10(file, true);
  if (!ff) return Status(StatusCode::kCorruption, "stored instance does not parse");
  OFString stored;
  ff->getMetaInfo()->findAndGetOFString(DCM_TransferSyntaxUID, stored);
  if (syntax_uid == stored.c_str()) return file;
  register_dicom_decoders();
  DcmDataset* ds = ff->getDataset();
  if (ds->chooseRepresentation(target.getXfer(), nullptr).bad() ||
      !ds->canWriteXfer(target.getXfer())) {
    return Status(StatusCode::kNotSupported,
                  std::string("cannot decode ") + stored.c_str() + " to " + syntax_uid);
  }
  std::string out;
  char buf[64 * 1024];
  DcmOutputBufferStream stream(buf, sizeof buf);
  ff->transferInit();
  OFCondition c;
  do {
    c = ff->write(stream, target.getXfer(), EET_ExplicitLength, nullptr);
    void* piece = nullptr;
    offile_off_t length = 0;
    stream.flushBuffer(piece, length);
    out.append(static_cast<const char*>(piece), static_cast<size_t>(length));
  } while (c == EC_StreamNotifyClient);
  ff->transferEnd();
  if (c.bad()) return Status::internal(std::string("DICOM re-encoding failed: ") + c.text());
  return out;
}

}  // namespace skyarray::dicom
