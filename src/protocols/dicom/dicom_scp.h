// DicomScp: the DIMSE listener ([dicom] listen). One listener thread
// accepts associations (DCMTK's network layer, on a socket bound to the
// configured address only) and negotiates them:
//   - the called AE title must be ours, and the calling AE title and host
//     one of the configured peers: otherwise the association is rejected
//     (permanent; called / calling AE title not recognized);
//   - accepted presentation contexts: Verification; every storage SOP
//     class DCMTK knows, with the transfer syntaxes below taken as they
//     come; Patient Root and Study Root C-FIND and C-MOVE. Any other
//     abstract syntax (C-GET, Storage Commitment...) is refused (abstract
//     syntax not supported);
//   - beyond max_associations the association is rejected (transient,
//     local limit exceeded).
// Each accepted association then runs on its own thread of the
// DicomAssociationPool (dicom_association.h), never on an event loop.
//
// Storage transfer syntaxes, in order of preference when a context offers
// several (the sender then converts to the one chosen; offering one keeps
// the file's bytes): explicit VR little endian, implicit VR little endian,
// deflated explicit VR little endian, explicit VR big endian, JPEG
// baseline, JPEG extended, JPEG lossless (process 14 and SV1), JPEG-LS
// lossless and near-lossless, JPEG 2000 lossless and lossy, RLE lossless.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>

#include "common/status.h"
#include "protocols/dicom/dicom_association_pool.h"
#include "protocols/dicom/dicom_scp_options.h"

struct T_ASC_Network;
class DcmTLSTransportLayer;
struct T_ASC_Association;

namespace skyarray {
class Runtime;
}

namespace skyarray::services::dicom {
class DicomService;
}

namespace skyarray::dicom {

class DicomScp {
 public:
  // The runtime and the service outlive the listener.
  DicomScp(Runtime& runtime, DicomScpOptions options, services::dicom::DicomService& service);
  // stop().
  ~DicomScp();
  DicomScp(const DicomScp&) = delete;
  DicomScp& operator=(const DicomScp&) = delete;

  // Binds the listen address and starts the listener thread. kUnavailable
  // when the address cannot be bound.
  Status start();
  // Stops accepting and tells every association to abort (between
  // messages: a C-STORE in progress finishes). Returns at once; safe from
  // any thread, an event loop's included.
  void request_stop() { stopping_.store(true); }
  // request_stop(), then waits for the listener and the associations.
  // Call it off the event loops, before they stop or after: an association
  // waiting for the service needs them running. Idempotent.
  void stop();
  // The bound port (useful with port 0).
  uint16_t port() const { return port_; }

 private:
  void listen_loop();
  // Negotiates one received association: acknowledged and handed to the
  // pool, or rejected and freed.
  void negotiate(T_ASC_Association* assoc);
  // The TLS layer of the listener, when options_.tls().
  Status start_tls();

  Runtime& rt_;
  const DicomScpOptions options_;
  services::dicom::DicomService& service_;
  std::unique_ptr<DcmTLSTransportLayer> tls_;  // outlives net_ (dropped in stop())
  T_ASC_Network* net_ = nullptr;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  bool stopped_ = false;
  std::unique_ptr<DicomAssociationPool> pool_;
  std::thread listener_;
};

}  // namespace skyarray::dicom
