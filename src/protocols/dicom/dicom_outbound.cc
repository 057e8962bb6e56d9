// DicomOutbound: an association the array opens (dicom_outbound.h).
#include "protocols/dicom/dicom_outbound.h"

#include <dcmtk/config/osconfig.h>
// osconfig.h first (DCMTK's rule).
#include <dcmtk/dcmnet/assoc.h>
#include <spdlog/spdlog.h>

namespace skyarray::dicom {

DicomOutbound::~DicomOutbound() {
  if (assoc_) {
    if (ASC_releaseAssociation(assoc_).bad()) ASC_abortAssociation(assoc_);
    ASC_destroyAssociation(&assoc_);
  }
  if (params_) ASC_destroyAssociationParameters(&params_);
  if (net_) ASC_dropNetwork(&net_);
}

bool DicomOutbound::open(const DicomScpOptions& o, const DicomPeer& peer,
                         const std::vector<ProposedContext>& contexts, const char* purpose) {
  if (ASC_initializeNetwork(NET_REQUESTOR, 0, dcmtk_seconds(o.acse_timeout_s), &net_).bad()) {
    return false;
  }
  if (ASC_createAssociationParameters(&params_, static_cast<long>(o.max_pdu)).bad()) return false;
  ASC_setAPTitles(params_, o.ae_title.c_str(), peer.ae_title.c_str(), nullptr);
  std::string address = peer.host + ":" + std::to_string(peer.port);
  ASC_setPresentationAddresses(params_, "localhost", address.c_str());
  unsigned id = 1;
  for (const auto& context : contexts) {
    if (id > 253) break;
    std::vector<const char*> syntaxes;
    for (const auto& ts : context.transfer_syntaxes) syntaxes.push_back(ts.c_str());
    ASC_addPresentationContext(params_, static_cast<T_ASC_PresentationContextID>(id),
                               context.abstract_syntax.c_str(), syntaxes.data(),
                               static_cast<int>(syntaxes.size()),
                               context.we_are_scp ? ASC_SC_ROLE_SCP : ASC_SC_ROLE_DEFAULT);
    id += 2;
  }
  OFCondition c = ASC_requestAssociation(net_, params_, &assoc_, nullptr, nullptr, DUL_NOBLOCK,
                                         dcmtk_seconds(o.acse_timeout_s));
  params_ = nullptr;  // the association owns them now (even on failure)
  if (c.bad()) {
    spdlog::warn("DICOM {}: association to {} at {} failed: {}", purpose, peer.ae_title, address,
                 c.text());
    return false;
  }
  if (ASC_countAcceptedPresentationContexts(assoc_->params) == 0) {
    spdlog::warn("DICOM {}: {} at {} accepted no presentation context", purpose, peer.ae_title,
                 address);
    return false;
  }
  return true;
}

}  // namespace skyarray::dicom
