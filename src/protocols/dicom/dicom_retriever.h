// DicomRetriever: the two retrieve services of Query/Retrieve (PS3.4 C.4.2
// and C.4.3). The instances the identifier names (at any level, through its
// unique keys) are sent with C-STORE sub-operations:
//
//   C-MOVE  over an association of their own, opened as our AE title to the
//           move destination. The destination must be a configured peer
//           with a concrete host (dicom.peer: ae_title, host, port); any
//           other gets "Move destination unknown" (A801) and nothing is
//           sent.
//   C-GET   back over the requester's own association, on the storage
//           contexts it proposed with the SCP role (SCP/SCU role selection,
//           accepted at negotiation). An instance whose SOP class and
//           transfer syntax have no such context fails its sub-operation.
//
// Each instance travels in the transfer syntax it was stored in (its
// dataset as stored) when the receiver accepted that syntax for its SOP
// class; otherwise, when it accepted an uncompressed one, the dataset goes
// in that syntax (decoded first from RLE, JPEG or JPEG-LS); never
// compressed by us. The requester gets a
// Pending response after each sub-operation, then Success, Warning (B000:
// some failed) or A702 (none could be sent), with the counts. A C-CANCEL
// between sub-operations ends the retrieve with Cancel and the counts so
// far.
#pragma once

#include "protocols/dicom/dicom_scp_options.h"

struct T_ASC_Association;
struct T_DIMSE_C_MoveRQ;
struct T_DIMSE_C_GetRQ;
class DcmDataset;

namespace boost::asio {
class io_context;
}

namespace skyarray::services::dicom {
class DicomService;
}

namespace skyarray::dicom {

class DicomRetriever {
 public:
  DicomRetriever(const DicomScpOptions& options, services::dicom::DicomService& service,
                 boost::asio::io_context& io)
      : options_(options), service_(service), io_(io) {}

  // Serves one C-MOVE-RQ of `requester` (on presentation context
  // `context`) whose identifier has been received. False when the
  // requester's association broke.
  bool move(T_ASC_Association* requester, unsigned char context, const T_DIMSE_C_MoveRQ& rq,
            DcmDataset& identifier);

  // Serves one C-GET-RQ the same way, sending the instances back to
  // `requester`.
  bool get(T_ASC_Association* requester, unsigned char context, const T_DIMSE_C_GetRQ& rq,
           DcmDataset& identifier);

 private:
  const DicomScpOptions& options_;
  services::dicom::DicomService& service_;
  boost::asio::io_context& io_;
};

}  // namespace skyarray::dicom
