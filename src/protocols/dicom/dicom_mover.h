// DicomMover: C-MOVE (PS3.4 C.4.2). The instances the identifier names
// (at any level, through its unique keys) are sent to the move
// destination with C-STORE sub-operations over an association of their
// own, opened as our AE title to that destination. The destination must
// be a configured peer with a concrete host (dicom.peer: ae_title, host,
// port); any other gets "Move destination unknown" (A801) and nothing is
// sent.
//
// Each instance travels in the transfer syntax it was stored in (its
// dataset as stored; an uncompressed one may go in the other little
// endian syntax when the destination accepts only that). The requester
// gets a Pending response after each sub-operation, then Success, Warning
// (B000: some failed) or A702 (none could be sent), with the counts.
#pragma once

#include "protocols/dicom/dicom_scp_options.h"

struct T_ASC_Association;
struct T_DIMSE_C_MoveRQ;
class DcmDataset;

namespace boost::asio {
class io_context;
}

namespace skyarray::services::dicom {
class DicomService;
}

namespace skyarray::dicom {

class DicomMover {
 public:
  DicomMover(const DicomScpOptions& options, services::dicom::DicomService& service,
             boost::asio::io_context& io)
      : options_(options), service_(service), io_(io) {}

  // Serves one C-MOVE-RQ of `requester` (on presentation context
  // `context`) whose identifier has been received. False when the
  // requester's association broke.
  bool move(T_ASC_Association* requester, unsigned char context, const T_DIMSE_C_MoveRQ& rq,
            DcmDataset& identifier);

 private:
  const DicomScpOptions& options_;
  services::dicom::DicomService& service_;
  boost::asio::io_context& io_;
};

}  // namespace skyarray::dicom
