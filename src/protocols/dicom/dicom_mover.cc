// DicomMover: C-MOVE sub-operations to a configured destination
// (dicom_mover.h).
#include "protocols/dicom/dicom_mover.h"

#include <dcmtk/config/osconfig.h>
// osconfig.h first (DCMTK's rule).
#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcistrmb.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmdata/dcxfer.h>
#include <dcmtk/dcmnet/assoc.h>
#include <dcmtk/dcmnet/dimse.h>
#include <spdlog/spdlog.h>

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/sync_wait.h"
#include "protocols/dicom/dicom_find_identifier.h"
#include "protocols/dicom/dicom_status.h"
#include "services/dicom/dicom_service.h"

namespace skyarray::dicom {

namespace sd = services::dicom;

namespace {

constexpr uint16_t kMoveDestinationUnknown = 0xA801;
constexpr uint16_t kUnableToPerformSubOperations = 0xA702;
constexpr uint16_t kSubOperationsFailed = 0xB000;
constexpr uint16_t kUnableToCalculateMatches = 0xA701;

int seconds(double s) {
  return static_cast<int>(s < 1 ? 1 : s);
}

std::string trimmed(const char* s) {
  std::string v(s);
  while (!v.empty() && v.back() == ' ') v.pop_back();
  while (!v.empty() && v.front() == ' ') v.erase(v.begin());
  return v;
}

bool uncompressed(const std::string& ts) {
  return ts == UID_LittleEndianExplicitTransferSyntax ||
         ts == UID_LittleEndianImplicitTransferSyntax;
}

struct Counts {
  uint16_t remaining = 0, completed = 0, failed = 0, warning = 0;
};

// One association to the destination, released (or aborted) and freed
// when it goes.
class Outbound {
 public:
  ~Outbound() {
    if (assoc_) {
      if (ASC_releaseAssociation(assoc_).bad()) ASC_abortAssociation(assoc_);
      ASC_destroyAssociation(&assoc_);
    }
    if (params_) ASC_destroyAssociationParameters(&params_);
    if (net_) ASC_dropNetwork(&net_);
  }

  // Proposes one context per (SOP class, transfer syntax) of `matches`.
  bool open(const DicomScpOptions& o, const DicomPeer& peer,
            const std::vector<sd::DicomRecord>& matches) {
    if (ASC_initializeNetwork(NET_REQUESTOR, 0, seconds(o.acse_timeout_s), &net_).bad()) {
      return false;
    }
    if (ASC_createAssociationParameters(&params_, static_cast<long>(o.max_pdu)).bad()) return false;
    ASC_setAPTitles(params_, o.ae_title.c_str(), peer.ae_title.c_str(), nullptr);
    std::string address = peer.host + ":" + std::to_string(peer.port);
    ASC_setPresentationAddresses(params_, "localhost", address.c_str());
    // One context per (SOP class, stored syntax), so that the destination
    // can take each instance as it is; and, for uncompressed ones, one
    // with both little endian syntaxes in case it takes only the other.
    std::set<std::pair<std::string, std::string>> proposed;
    std::set<std::string> fallback;
    unsigned char id = 1;
    auto add = [&](const std::string& sop_class, const char** syntaxes, int n) {
      if (id > 253) return;
      ASC_addPresentationContext(params_, id, sop_class.c_str(), syntaxes, n);
      id += 2;
    };
    for (const auto& m : matches) {
      const std::string& sop_class = m.get(sd::tags::kSopClassUid);
      const std::string& ts = m.get(sd::tags::kTransferSyntaxUid);
      if (proposed.insert({sop_class, ts}).second) {
        const char* one[] = {ts.c_str()};
        add(sop_class, one, 1);
      }
      if (uncompressed(ts) && fallback.insert(sop_class).second) {
        const char* both[] = {UID_LittleEndianExplicitTransferSyntax,
                              UID_LittleEndianImplicitTransferSyntax};
        add(sop_class, both, 2);
      }
    }
    OFCondition c = ASC_requestAssociation(net_, params_, &assoc_, nullptr, nullptr, DUL_NOBLOCK,
                                           seconds(o.acse_timeout_s));
    params_ = nullptr;  // the association owns them now (even on failure)
    if (c.bad()) {
      spdlog::warn("DICOM C-MOVE: association to {} at {} failed: {}", peer.ae_title, address,
                   c.text());
      return false;
    }
    return ASC_countAcceptedPresentationContexts(assoc_->params) > 0;
  }

  T_ASC_Association* assoc() const { return assoc_; }

 private:
  T_ASC_Network* net_ = nullptr;
  T_ASC_Parameters* params_ = nullptr;
  T_ASC_Association* assoc_ = nullptr;
};

// The dataset of a stored Part 10 file, decoded; nullptr when unreadable.
std::unique_ptr<DcmFileFormat> decode(const std::string& file) {
  auto ff = std::make_unique<DcmFileFormat>();
  DcmInputBufferStream in;
  in.setBuffer(file.data(), static_cast<offile_off_t>(file.size()));
  in.setEos();
  ff->transferInit();
  OFCondition c = ff->read(in, EXS_Unknown, EGL_noChange, DCM_MaxReadLength);
  ff->transferEnd();
  return c.good() ? std::move(ff) : nullptr;
}

}  // namespace

namespace {

// One C-STORE sub-operation: kSuccess, a warning (0xB...) or a failure.
uint16_t send_one(T_ASC_Association* out, const sd::DicomRecord& m, const std::string& file,
                  const std::string& origin_ae, uint16_t origin_id, double timeout_s) {
  auto ff = decode(file);
  if (!ff) return dimse_status::kCannotUnderstand;
  const std::string& sop_class = m.get(sd::tags::kSopClassUid);
  const std::string& ts = m.get(sd::tags::kTransferSyntaxUid);
  T_ASC_PresentationContextID pid =
      ASC_findAcceptedPresentationContextID(out, sop_class.c_str(), ts.c_str());
  if (pid == 0 && uncompressed(ts))
    pid = ASC_findAcceptedPresentationContextID(out, sop_class.c_str());
  if (pid == 0) return dimse_status::kSopClassNotSupported;
  T_DIMSE_C_StoreRQ rq{};
  rq.MessageID = out->nextMsgID++;
  OFStandard::strlcpy(rq.AffectedSOPClassUID, sop_class.c_str(), sizeof rq.AffectedSOPClassUID);
  OFStandard::strlcpy(rq.AffectedSOPInstanceUID, m.get(sd::tags::kSopInstanceUid).c_str(),
                      sizeof rq.AffectedSOPInstanceUID);
  OFStandard::strlcpy(rq.MoveOriginatorApplicationEntityTitle, origin_ae.c_str(),
                      sizeof rq.MoveOriginatorApplicationEntityTitle);
  rq.MoveOriginatorID = origin_id;
  rq.DataSetType = DIMSE_DATASET_PRESENT;
  rq.Priority = DIMSE_PRIORITY_MEDIUM;
  rq.opts = O_STORE_MOVEORIGINATORAETITLE | O_STORE_MOVEORIGINATORID;
  T_DIMSE_C_StoreRSP rsp{};
  DcmDataset* detail = nullptr;
  OFCondition c = DIMSE_storeUser(out, pid, &rq, nullptr, ff->getDataset(), nullptr, nullptr,
                                  DIMSE_NONBLOCKING, seconds(timeout_s), &rsp, &detail, nullptr, 0);
  delete detail;
  if (c.bad()) {
    spdlog::warn("DICOM C-MOVE sub-operation failed: {}", c.text());
    return kUnableToPerformSubOperations;
  }
  return rsp.DimseStatus;
}

}  // namespace

bool DicomMover::move(T_ASC_Association* requester, unsigned char context,
                      const T_DIMSE_C_MoveRQ& rq, DcmDataset& identifier) {
  Counts n;
  auto respond = [&](uint16_t status) {
    T_DIMSE_C_MoveRSP rsp{};
    rsp.DimseStatus = status;
    rsp.NumberOfRemainingSubOperations = n.remaining;
    rsp.NumberOfCompletedSubOperations = n.completed;
    rsp.NumberOfFailedSubOperations = n.failed;
    rsp.NumberOfWarningSubOperations = n.warning;
    rsp.opts = O_MOVE_NUMBEROFREMAININGSUBOPERATIONS | O_MOVE_NUMBEROFCOMPLETEDSUBOPERATIONS |
               O_MOVE_NUMBEROFFAILEDSUBOPERATIONS | O_MOVE_NUMBEROFWARNINGSUBOPERATIONS;
    return DIMSE_sendMoveResponse(requester, context, &rq, &rsp, nullptr, nullptr).good();
  };
  const DicomPeer* peer = options_.destination(trimmed(rq.MoveDestination));
  if (peer == nullptr) return respond(kMoveDestinationUnknown);
  auto model = move_model(rq.AffectedSOPClassUID);
  if (!model) return respond(dimse_status::kSopClassNotSupported);
  auto query = query_from_identifier(identifier, *model);
  if (!query.is_ok()) return respond(dimse_status::kDataSetDoesNotMatch);
  // Every level retrieves instances: the instance records hold the
  // unique keys of the levels above them.
  query->level = sd::DicomLevel::kInstance;
  auto matches = sync_wait(io_, service_.find(*query));
  if (!matches.is_ok()) return respond(kUnableToCalculateMatches);
  if (matches->empty()) return respond(dimse_status::kSuccess);
  Outbound out;
  if (!out.open(options_, *peer, *matches)) return respond(kUnableToPerformSubOperations);
  char calling[65] = {0}, called[65] = {0}, responding[65] = {0};
  ASC_getAPTitles(requester->params, calling, sizeof calling, called, sizeof called, responding,
                  sizeof responding);
  n.remaining = static_cast<uint16_t>(matches->size());
  for (const auto& m : *matches) {
    auto file = sync_wait(io_, service_.read_instance(m.get(sd::tags::kStudyInstanceUid),
                                                      m.get(sd::tags::kSeriesInstanceUid),
                                                      m.get(sd::tags::kSopInstanceUid)));
    uint16_t status = file.is_ok() ? send_one(out.assoc(), m, *file, trimmed(calling), rq.MessageID,
                                              options_.dimse_timeout_s)
                                   : kUnableToPerformSubOperations;
    --n.remaining;
    if (status == dimse_status::kSuccess) {
      ++n.completed;
    } else if ((status & 0xF000) == 0xB000) {
      ++n.warning;
    } else {
      ++n.failed;
    }
    if (n.remaining > 0 && !respond(dimse_status::kPending)) return false;
  }
  if (n.failed == 0) return respond(dimse_status::kSuccess);
  return respond(n.completed + n.warning == 0 ? kUnableToPerformSubOperations
                                              : kSubOperationsFailed);
}

}  // namespace skyarray::dicom
