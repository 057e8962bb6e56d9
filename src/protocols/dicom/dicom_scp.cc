// DicomScp: listener and association negotiation (dicom_scp.h).
#include "protocols/dicom/dicom_scp.h"

#include <arpa/inet.h>
#include <dcmtk/config/osconfig.h>
// osconfig.h first (DCMTK's rule).
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmnet/assoc.h>
#include <dcmtk/dcmnet/dul.h>
#include <dcmtk/dcmnet/dulstruc.h>
#include <dcmtk/dcmtls/tlslayer.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "common/ascii.h"
#include "common/listen_address.h"
#include "common/runtime.h"
#include "protocols/dicom/dicom_association.h"

namespace skyarray::dicom {

namespace {

const char* kStorageSyntaxes[] = {
    UID_LittleEndianExplicitTransferSyntax,
    UID_LittleEndianImplicitTransferSyntax,
    UID_DeflatedExplicitVRLittleEndianTransferSyntax,
    UID_BigEndianExplicitTransferSyntax,
    UID_JPEGProcess1TransferSyntax,
    UID_JPEGProcess2_4TransferSyntax,
    UID_JPEGProcess14TransferSyntax,
    UID_JPEGProcess14SV1TransferSyntax,
    UID_JPEGLSLosslessTransferSyntax,
    UID_JPEGLSLossyTransferSyntax,
    UID_JPEG2000LosslessOnlyTransferSyntax,
    UID_JPEG2000TransferSyntax,
    UID_RLELosslessTransferSyntax,
};
const char* kQuerySyntaxes[] = {UID_LittleEndianExplicitTransferSyntax,
                                UID_LittleEndianImplicitTransferSyntax};
const char* kQueryClasses[] = {UID_VerificationSOPClass,
                               UID_FINDPatientRootQueryRetrieveInformationModel,
                               UID_FINDStudyRootQueryRetrieveInformationModel,
                               UID_MOVEPatientRootQueryRetrieveInformationModel,
                               UID_MOVEStudyRootQueryRetrieveInformationModel,
                               UID_GETPatientRootQueryRetrieveInformationModel,
                               UID_GETStudyRootQueryRetrieveInformationModel,
                               UID_StorageCommitmentPushModelSOPClass};

// A listening TCP socket on exactly the configured address; DCMTK's own
// would listen on every interface.
Result<int> bind_listener(const std::string& listen, uint16_t* port) {
  SKY_ASSIGN_OR_RETURN(ListenAddress where, ListenAddress::parse(listen));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(where.port);
  if (inet_pton(AF_INET, where.host.c_str(), &addr.sin_addr) != 1) {
    return Status::invalid_argument("dicom.listen: an IPv4 address is needed, got '" + listen +
                                    "'");
  }
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::from_errno(errno, "dicom socket");
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  // Nagle's algorithm delays DIMSE's small responses by tens of
  // milliseconds each and DCMTK leaves it on unless its environment says
  // otherwise; Linux passes the listener's TCP_NODELAY to accepted sockets.
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 64) != 0) {
    int err = errno;
    ::close(fd);
    return Status(StatusCode::kUnavailable,
                  "listen on " + listen + ": " + std::string(std::strerror(err)));
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  *port = ntohs(addr.sin_port);
  return fd;
}

// A requester that retrieves with C-GET proposes its storage contexts with
// the SCP role (SCP/SCU role selection, PS3.7 D.3.3.4): it receives the
// C-STORE sub-operations on this association. The role it proposed is
// accepted, so that the reply carries the role selection it asked for.
OFCondition accept_proposed_storage_roles(T_ASC_Parameters* params) {
  for (int i = 0; i < ASC_countPresentationContexts(params); ++i) {
    T_ASC_PresentationContext pc;
    OFCondition c = ASC_getPresentationContext(params, i, &pc);
    if (c.bad()) return c;
    if (pc.resultReason != ASC_P_ACCEPTANCE || pc.proposedRole == ASC_SC_ROLE_DEFAULT ||
        pc.proposedRole == ASC_SC_ROLE_SCU || !dcmIsaStorageSOPClassUID(pc.abstractSyntax)) {
      continue;
    }
    c = ASC_acceptPresentationContext(params, pc.presentationContextID, pc.acceptedTransferSyntax,
                                      pc.proposedRole);
    if (c.bad()) return c;
  }
  return EC_Normal;
}

void reject(T_ASC_Association* assoc, T_ASC_RejectParametersResult result,
            T_ASC_RejectParametersSource source, T_ASC_RejectParametersReason reason) {
  T_ASC_RejectParameters rej{result, source, reason};
  ASC_rejectAssociation(assoc, &rej);
  ASC_dropAssociation(assoc);
  ASC_destroyAssociation(&assoc);
}

}  // namespace

DicomScp::DicomScp(Runtime& runtime, DicomScpOptions options,
                   services::dicom::DicomService& service)
    : rt_(runtime), options_(std::move(options)), service_(service) {}

DicomScp::~DicomScp() {
  stop();
}

Status DicomScp::start() {
  SKY_ASSIGN_OR_RETURN(int fd, bind_listener(options_.listen, &port_));
  // Peers are named by address: no reverse lookups on the accept path.
  dcmDisableGethostbyaddr.set(OFTrue);
  OFCondition c =
      ASC_initializeNetwork(NET_REQUESTOR, 0, dcmtk_seconds(options_.acse_timeout_s), &net_);
  if (c.bad()) {
    ::close(fd);
    return Status::internal(std::string("DICOM network: ") + c.text());
  }
  // Made an acceptor on our own socket (DCMTK then owns and closes it).
  auto* key = static_cast<PRIVATE_NETWORKKEY*>(net_->network);
  key->applicationFunction |= DICOM_APPLICATION_ACCEPTOR;
  key->networkSpecific.TCP.listenSocket = fd;
  key->networkSpecific.TCP.port = port_;
  net_->role = NET_ACCEPTORREQUESTOR;
  net_->acceptorPort = port_;
  SKY_RETURN_IF_ERROR(start_tls());
  pool_ = std::make_unique<DicomAssociationPool>(options_.max_associations);
  listener_ = std::thread([this] { listen_loop(); });
  spdlog::info("DICOM listening on {} as {}{}", options_.listen, options_.ae_title,
               options_.tls() ? " (TLS)" : "");
  return Status::ok();
}

Status DicomScp::start_tls() {
  if (!options_.tls()) return Status::ok();
  tls_ = std::make_unique<DcmTLSTransportLayer>(NET_ACCEPTOR, nullptr, OFTrue);
  auto failed = [](const std::string& what, const OFCondition& c) {
    return Status::invalid_argument("DICOM TLS: " + what + ": " + c.text());
  };
  OFCondition c = tls_->setTLSProfile(TSP_Profile_BCP195_ND);
  if (c.good()) c = tls_->activateCipherSuites();
  if (c.bad()) return failed("profile", c);
  c = tls_->setPrivateKeyFile(options_.tls_key.c_str(), DCF_Filetype_PEM);
  if (c.bad()) return failed(options_.tls_key, c);
  c = tls_->setCertificateFile(options_.tls_cert.c_str(), DCF_Filetype_PEM);
  if (c.bad()) return failed(options_.tls_cert, c);
  if (!tls_->checkPrivateKeyMatchesCertificate()) {
    return Status::invalid_argument("DICOM TLS: " + options_.tls_key + " is not the key of " +
                                    options_.tls_cert);
  }
  if (!options_.tls_client_ca.empty()) {
    c = tls_->addTrustedCertificateFile(options_.tls_client_ca.c_str(), DCF_Filetype_PEM);
    if (c.bad()) return failed(options_.tls_client_ca, c);
    tls_->setCertificateVerification(DCV_requireCertificate);
  } else {
    tls_->setCertificateVerification(DCV_ignoreCertificate);
  }
  c = ASC_setTransportLayer(net_, tls_.get(), 0);
  if (c.bad()) return failed("transport layer", c);
  return Status::ok();
}

void DicomScp::stop() {
  request_stop();
  if (stopped_) return;
  stopped_ = true;
  if (listener_.joinable()) listener_.join();
  pool_.reset();  // waits for the associations, which see stopping_
  if (net_) ASC_dropNetwork(&net_);
}

void DicomScp::listen_loop() {
  while (!stopping_.load()) {
    if (!ASC_associationWaiting(net_, 1)) continue;
    T_ASC_Association* assoc = nullptr;
    OFCondition c = ASC_receiveAssociation(net_, &assoc, static_cast<long>(options_.max_pdu),
                                           nullptr, nullptr, options_.tls() ? OFTrue : OFFalse,
                                           DUL_NOBLOCK, dcmtk_seconds(options_.acse_timeout_s));
    if (c.bad()) {
      spdlog::info("DICOM association request not received: {}", c.text());
      if (assoc) {
        ASC_dropAssociation(assoc);
        ASC_destroyAssociation(&assoc);
      }
      continue;
    }
    negotiate(assoc);
  }
}

void DicomScp::negotiate(T_ASC_Association* assoc) {
  char calling[65] = {0}, called[65] = {0}, responding[65] = {0};
  char calling_addr[256] = {0}, called_addr[256] = {0};
  ASC_getAPTitles(assoc->params, calling, sizeof calling, called, sizeof called, responding,
                  sizeof responding);
  ASC_getPresentationAddresses(assoc->params, calling_addr, sizeof calling_addr, called_addr,
                               sizeof called_addr);
  std::string calling_ae = std::string(trim(calling)), host = std::string(trim(calling_addr));
  if (trim(called).empty() && calling_ae.empty()) {
    // A connection closed before any request (a port probe): nothing to answer.
    ASC_dropAssociation(assoc);
    ASC_destroyAssociation(&assoc);
    return;
  }
  if (trim(called) != options_.ae_title) {
    spdlog::info("DICOM association from {} ({}) for AE '{}' rejected: not ours", calling_ae, host,
                 trim(called));
    return reject(assoc, ASC_RESULT_REJECTEDPERMANENT, ASC_SOURCE_SERVICEUSER,
                  ASC_REASON_SU_CALLEDAETITLENOTRECOGNIZED);
  }
  if (options_.allowed(calling_ae, host) == nullptr) {
    spdlog::warn("DICOM association from unknown AE '{}' at {} rejected", calling_ae, host);
    return reject(assoc, ASC_RESULT_REJECTEDPERMANENT, ASC_SOURCE_SERVICEUSER,
                  ASC_REASON_SU_CALLINGAETITLENOTRECOGNIZED);
  }
  OFCondition c = ASC_acceptContextsWithPreferredTransferSyntaxes(
      assoc->params, kQueryClasses, static_cast<int>(std::size(kQueryClasses)), kQuerySyntaxes,
      static_cast<int>(std::size(kQuerySyntaxes)));
  if (c.good()) {
    c = ASC_acceptContextsWithPreferredTransferSyntaxes(
        assoc->params, dcmAllStorageSOPClassUIDs, numberOfDcmAllStorageSOPClassUIDs,
        kStorageSyntaxes, static_cast<int>(std::size(kStorageSyntaxes)));
  }
  if (c.good()) c = accept_proposed_storage_roles(assoc->params);
  if (c.bad()) {
    spdlog::info("DICOM association from {}: negotiation failed: {}", calling_ae, c.text());
    return reject(assoc, ASC_RESULT_REJECTEDPERMANENT, ASC_SOURCE_SERVICEUSER,
                  ASC_REASON_SU_NOREASON);
  }
  if (!pool_->try_reserve()) {
    spdlog::warn("DICOM association from {} rejected: {} associations already", calling_ae,
                 options_.max_associations);
    return reject(assoc, ASC_RESULT_REJECTEDTRANSIENT,
                  ASC_SOURCE_SERVICEPROVIDER_PRESENTATION_RELATED,
                  ASC_REASON_SP_PRES_LOCALLIMITEXCEEDED);
  }
  ASC_setAPTitles(assoc->params, nullptr, nullptr, options_.ae_title.c_str());
  c = ASC_acknowledgeAssociation(assoc);
  auto& io = rt_.next_io();
  pool_->run([this, assoc, ok = c.good(), &io] {
    DicomAssociation association(assoc, options_, service_, io, stopping_);
    if (ok) association.serve();
  });
}

}  // namespace skyarray::dicom
