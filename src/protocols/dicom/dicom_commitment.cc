// DicomCommitment: Storage Commitment Push Model SCP (dicom_commitment.h).
#include "protocols/dicom/dicom_commitment.h"

#include <dcmtk/config/osconfig.h>
// osconfig.h first (DCMTK's rule).
#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcsequen.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmnet/assoc.h>
#include <dcmtk/dcmnet/dimse.h>
#include <spdlog/spdlog.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/sync_wait.h"
#include "protocols/dicom/dicom_outbound.h"
#include "protocols/dicom/dicom_status.h"
#include "services/dicom/dicom_service.h"

namespace skyarray::dicom {

namespace sd = services::dicom;

namespace {

// N-ACTION statuses (PS3.7 C) and failure reasons (PS3.3 C.14.1.1).
constexpr uint16_t kNoSuchObjectInstance = 0x0112;
constexpr uint16_t kNoSuchSopClass = 0x0118;
constexpr uint16_t kClassInstanceConflict = 0x0119;
constexpr uint16_t kMissingAttribute = 0x0120;
constexpr uint16_t kNoSuchActionType = 0x0123;
constexpr uint16_t kInvalidAttributeValue = 0x0106;
constexpr uint16_t kPushModelActionType = 1;

struct Reference {
  std::string sop_class;
  std::string sop_instance;
};

struct Request {
  std::string transaction_uid;
  std::vector<Reference> references;
};

std::string string_of(DcmItem& item, const DcmTagKey& tag) {
  OFString value;
  if (item.findAndGetOFString(tag, value).bad()) return {};
  return value.c_str();
}

// The N-ACTION status for the request, with what it asks when it is 0.
uint16_t parse(const T_DIMSE_N_ActionRQ& rq, DcmDataset& info, Request* out) {
  if (std::string(rq.RequestedSOPClassUID) != UID_StorageCommitmentPushModelSOPClass) {
    return kNoSuchSopClass;
  }
  if (std::string(rq.RequestedSOPInstanceUID) != UID_StorageCommitmentPushModelSOPInstance) {
    return kNoSuchObjectInstance;
  }
  if (rq.ActionTypeID != kPushModelActionType) return kNoSuchActionType;
  out->transaction_uid = string_of(info, DCM_TransactionUID);
  DcmSequenceOfItems* items = nullptr;
  if (out->transaction_uid.empty() ||
      info.findAndGetSequence(DCM_ReferencedSOPSequence, items).bad() || items == nullptr ||
      items->card() == 0) {
    return kMissingAttribute;
  }
  for (unsigned long i = 0; i < items->card(); ++i) {
    Reference r{string_of(*items->getItem(i), DCM_ReferencedSOPClassUID),
                string_of(*items->getItem(i), DCM_ReferencedSOPInstanceUID)};
    if (r.sop_class.empty() || r.sop_instance.empty()) return kMissingAttribute;
    if (r.sop_instance.find('\\') != std::string::npos) return kInvalidAttributeValue;
    out->references.push_back(std::move(r));
  }
  return dimse_status::kSuccess;
}

void add_reference(DcmItem& report, const DcmTagKey& sequence, const Reference& r,
                   uint16_t failure_reason) {
  DcmItem* item = nullptr;
  if (report.findOrCreateSequenceItem(sequence, item, -2).bad() || item == nullptr) return;
  item->putAndInsertString(DCM_ReferencedSOPClassUID, r.sop_class.c_str());
  item->putAndInsertString(DCM_ReferencedSOPInstanceUID, r.sop_instance.c_str());
  if (failure_reason != 0) item->putAndInsertUint16(DCM_FailureReason, failure_reason);
}

// Sends the report and waits for its response. True when the peer took it.
bool send_report(T_ASC_Association* out, DcmDataset& report, uint16_t event_type,
                 double timeout_s) {
  T_ASC_PresentationContextID pid =
      ASC_findAcceptedPresentationContextID(out, UID_StorageCommitmentPushModelSOPClass);
  if (pid == 0) return false;
  T_DIMSE_Message message{};
  message.CommandField = DIMSE_N_EVENT_REPORT_RQ;
  T_DIMSE_N_EventReportRQ& rq = message.msg.NEventReportRQ;
  rq.MessageID = out->nextMsgID++;
  OFStandard::strlcpy(rq.AffectedSOPClassUID, UID_StorageCommitmentPushModelSOPClass,
                      sizeof rq.AffectedSOPClassUID);
  OFStandard::strlcpy(rq.AffectedSOPInstanceUID, UID_StorageCommitmentPushModelSOPInstance,
                      sizeof rq.AffectedSOPInstanceUID);
  rq.DataSetType = DIMSE_DATASET_PRESENT;
  rq.EventTypeID = event_type;
  if (DIMSE_sendMessageUsingMemoryData(out, pid, &message, nullptr, &report, nullptr, nullptr)
          .bad()) {
    return false;
  }
  T_DIMSE_Message response{};
  T_ASC_PresentationContextID response_pid = 0;
  DcmDataset* detail = nullptr;
  OFCondition c = DIMSE_receiveCommand(out, DIMSE_NONBLOCKING, dcmtk_seconds(timeout_s),
                                       &response_pid, &response, &detail);
  delete detail;
  if (c.bad() || response.CommandField != DIMSE_N_EVENT_REPORT_RSP) return false;
  if (response.msg.NEventReportRSP.DataSetType != DIMSE_DATASET_NULL) {
    DcmDataset* reply = nullptr;
    DIMSE_receiveDataSetInMemory(out, DIMSE_NONBLOCKING, dcmtk_seconds(timeout_s), &response_pid,
                                 &reply, nullptr, nullptr);
    delete reply;
  }
  return response.msg.NEventReportRSP.DimseStatus == dimse_status::kSuccess;
}

}  // namespace

bool DicomCommitment::commit(T_ASC_Association* requester, unsigned char context,
                             const T_DIMSE_N_ActionRQ& rq, DcmDataset& info,
                             const DicomPeer& report_to) {
  Request request;
  T_DIMSE_N_ActionRSP rsp{};
  rsp.DimseStatus = parse(rq, info, &request);
  rsp.ActionTypeID = rq.ActionTypeID;
  OFStandard::strlcpy(rsp.AffectedSOPClassUID, rq.RequestedSOPClassUID,
                      sizeof rsp.AffectedSOPClassUID);
  OFStandard::strlcpy(rsp.AffectedSOPInstanceUID, rq.RequestedSOPInstanceUID,
                      sizeof rsp.AffectedSOPInstanceUID);
  rsp.opts =
      O_NACTION_AFFECTEDSOPCLASSUID | O_NACTION_AFFECTEDSOPINSTANCEUID | O_NACTION_ACTIONTYPEID;
  rsp.DataSetType = DIMSE_DATASET_NULL;
  T_DIMSE_Message answer{};
  answer.CommandField = DIMSE_N_ACTION_RSP;
  answer.msg.NActionRSP = rsp;
  answer.msg.NActionRSP.MessageIDBeingRespondedTo = rq.MessageID;
  if (DIMSE_sendMessageUsingMemoryData(requester, context, &answer, nullptr, nullptr, nullptr,
                                       nullptr)
          .bad()) {
    return false;
  }
  if (rsp.DimseStatus != dimse_status::kSuccess) {
    spdlog::info("DICOM storage commitment request refused: status {:#06x}", rsp.DimseStatus);
    return true;
  }

  // Which of the named instances are held, and as which SOP class.
  sd::DicomQuery query;
  query.level = sd::DicomLevel::kInstance;
  std::string uids;
  for (const auto& r : request.references) uids += (uids.empty() ? "" : "\\") + r.sop_instance;
  query.keys[sd::tags::kSopInstanceUid] = uids;
  auto held = sync_wait(io_, service_.find(query));
  std::map<std::string, std::string> class_of;
  if (held.is_ok()) {
    for (const auto& record : *held) {
      class_of[record.get(sd::tags::kSopInstanceUid)] = record.get(sd::tags::kSopClassUid);
    }
  } else {
    spdlog::warn("DICOM storage commitment: index lookup failed: {}", held.status().to_string());
  }
  DcmDataset report;
  report.putAndInsertString(DCM_TransactionUID, request.transaction_uid.c_str());
  report.putAndInsertString(DCM_RetrieveAETitle, options_.ae_title.c_str());
  size_t failures = 0;
  for (const auto& r : request.references) {
    auto it = class_of.find(r.sop_instance);
    uint16_t reason = it == class_of.end()        ? kNoSuchObjectInstance
                      : it->second != r.sop_class ? kClassInstanceConflict
                                                  : 0;
    if (!held.is_ok()) reason = kNoSuchObjectInstance;
    if (reason != 0) ++failures;
    add_reference(report, reason == 0 ? DCM_ReferencedSOPSequence : DCM_FailedSOPSequence, r,
                  reason);
  }
  const uint16_t event_type = failures == 0 ? 1 : 2;
  DicomOutbound out;
  ProposedContext push{
      UID_StorageCommitmentPushModelSOPClass,
      {UID_LittleEndianExplicitTransferSyntax, UID_LittleEndianImplicitTransferSyntax},
      true};
  if (!out.open(options_, report_to, {push}, "storage commitment report") ||
      !send_report(out.assoc(), report, event_type, options_.dimse_timeout_s)) {
    spdlog::warn("DICOM storage commitment {}: report to {} not delivered", request.transaction_uid,
                 report_to.ae_title);
    return true;
  }
  spdlog::info("DICOM storage commitment {}: {} committed, {} failed, reported to {}",
               request.transaction_uid, request.references.size() - failures, failures,
               report_to.ae_title);
  return true;
}

}  // namespace skyarray::dicom
