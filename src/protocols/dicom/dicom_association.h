// DicomAssociation: serves one accepted DICOM association on the calling
// thread (DCMTK's network layer blocks): C-ECHO, C-STORE, C-FIND, until
// the peer releases or aborts, a timeout passes, or the server stops.
//
//   C-ECHO   success.
//   C-STORE  the dataset is received as it is on the wire (never decoded
//            and re-encoded), handed to DicomService::store(), and
//            answered with the service's status (dicom_status.h). A
//            dataset over the service's size limit is read to its end,
//            dropped and refused (Out of Resources).
//   C-FIND   the identifier becomes a DicomQuery (dicom_find_identifier.h);
//            one Pending response per match, then Success; a C-CANCEL
//            between matches ends it with Cancel.
//   C-MOVE   to a configured destination, C-GET back over this association
//            (dicom_retriever.h).
//   N-ACTION Storage Commitment Push Model (dicom_commitment.h).
//   anything else: the association is aborted.
// Timeouts: dimse_timeout for each part of a message once it started,
// idle_timeout between messages; then the association is aborted.
#pragma once

#include <atomic>
#include <memory>

#include "protocols/dicom/dicom_scp_options.h"

struct T_ASC_Association;
class DcmDataset;

namespace boost::asio {
class io_context;
}

namespace skyarray::services::dicom {
class DicomService;
}

namespace skyarray::dicom {

class DicomAssociation {
 public:
  // `io`: the event loop the service's coroutines run on. `stopping`: set
  // when the server shuts down (checked between messages).
  DicomAssociation(T_ASC_Association* assoc, const DicomScpOptions& options,
                   services::dicom::DicomService& service, boost::asio::io_context& io,
                   const std::atomic<bool>& stopping);
  // Drops and frees the association (DCMTK's).
  ~DicomAssociation();
  DicomAssociation(const DicomAssociation&) = delete;
  DicomAssociation& operator=(const DicomAssociation&) = delete;

  // Serves messages until the association ends.
  void serve();

 private:
  struct Message;
  // The dataset following a request's command (a query or retrieve
  // identifier); nullptr when it did not arrive.
  std::unique_ptr<DcmDataset> receive_identifier(Message& message);
  bool handle(Message& message);
  bool echo(Message& message);
  bool store(Message& message);
  bool find(Message& message);
  bool move(Message& message);
  bool get(Message& message);
  bool commit(Message& message);

  T_ASC_Association* assoc_;
  const DicomScpOptions& options_;
  services::dicom::DicomService& service_;
  boost::asio::io_context& io_;
  const std::atomic<bool>& stopping_;
};

}  // namespace skyarray::dicom
