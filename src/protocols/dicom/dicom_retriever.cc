// DicomRetriever: C-MOVE and C-GET sub-operations (dicom_retriever.h).
#include "protocols/dicom/dicom_retriever.h"

#include <dcmtk/config/osconfig.h>
// osconfig.h first (DCMTK's rule).
#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcistrmb.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmdata/dcxfer.h>
#include <dcmtk/dcmnet/assoc.h>
#include <dcmtk/dcmnet/dimse.h>
#include <spdlog/spdlog.h>

#include <functional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/ascii.h"
#include "common/sync_wait.h"
#include "protocols/dicom/dicom_decoding.h"
#include "protocols/dicom/dicom_find_identifier.h"
#include "protocols/dicom/dicom_outbound.h"
#include "protocols/dicom/dicom_status.h"
#include "services/dicom/dicom_service.h"

namespace skyarray::dicom {

namespace sd = services::dicom;

namespace {

constexpr uint16_t kMoveDestinationUnknown = 0xA801;
constexpr uint16_t kUnableToPerformSubOperations = 0xA702;
constexpr uint16_t kSubOperationsFailed = 0xB000;
constexpr uint16_t kUnableToCalculateMatches = 0xA701;

struct Counts {
  uint16_t remaining = 0, completed = 0, failed = 0, warning = 0;
  std::string failed_uids;  // backslash-separated, for the final response
};

// Sends one response of the retrieve to its requester (C-MOVE-RSP or
// C-GET-RSP) with the counts; `ids` is the identifier it carries, if any.
// False when the requester's association broke.
using Respond = std::function<bool(uint16_t status, const Counts& n, DcmDataset* ids)>;

// One context per (SOP class, stored syntax) of `matches`, so that the
// destination can take each instance as it is; and one per SOP class with
// both little endian syntaxes, which every instance can be decoded to.
std::vector<ProposedContext> contexts_for(const std::vector<sd::DicomRecord>& matches) {
  std::vector<ProposedContext> contexts;
  std::set<std::pair<std::string, std::string>> proposed;
  std::set<std::string> fallback;
  for (const auto& m : matches) {
    const std::string& sop_class = m.get(sd::tags::kSopClassUid);
    const std::string& ts = m.get(sd::tags::kTransferSyntaxUid);
    if (proposed.insert({sop_class, ts}).second) contexts.push_back({sop_class, {ts}});
    if (fallback.insert(sop_class).second) {
      contexts.push_back(
          {sop_class,
           {UID_LittleEndianExplicitTransferSyntax, UID_LittleEndianImplicitTransferSyntax}});
    }
  }
  return contexts;
}

// The accepted context of `out` for the instance: one in its stored syntax
// when the receiver took that, else one in an uncompressed syntax that the
// dataset is decoded to. 0 when there is none or the dataset cannot be
// decoded.
T_ASC_PresentationContextID context_for(T_ASC_Association* out, const std::string& sop_class,
                                        const std::string& stored_syntax, DcmDataset& dataset) {
  T_ASC_PresentationContextID pid =
      ASC_findAcceptedPresentationContextID(out, sop_class.c_str(), stored_syntax.c_str());
  if (pid == 0) pid = ASC_findAcceptedPresentationContextID(out, sop_class.c_str());
  T_ASC_PresentationContext pc;
  if (pid == 0 || ASC_findAcceptedPresentationContext(out->params, pid, &pc).bad()) return 0;
  if (stored_syntax == pc.acceptedTransferSyntax) return pid;
  DcmXfer target(pc.acceptedTransferSyntax);
  if (target.getXfer() == EXS_Unknown || target.isEncapsulated()) return 0;
  register_dicom_decoders();
  OFCondition c = dataset.chooseRepresentation(target.getXfer(), nullptr);
  if (c.bad() || !dataset.canWriteXfer(target.getXfer())) {
    spdlog::warn("DICOM retrieve: cannot decode to {}: {}", target.getXferName(), c.text());
    return 0;
  }
  return pid;
}

// One C-STORE sub-operation: kSuccess, a warning (0xB...) or a failure.
// `origin_ae` is set for a C-MOVE (the sub-operation names its originator)
// and empty for a C-GET.
uint16_t send_one(T_ASC_Association* out, const sd::DicomRecord& m, const std::string& file,
                  const std::string& origin_ae, uint16_t origin_id, double timeout_s) {
  auto ff = read_part10(file);
  if (!ff) return dimse_status::kCannotUnderstand;
  const std::string& sop_class = m.get(sd::tags::kSopClassUid);
  const std::string& ts = m.get(sd::tags::kTransferSyntaxUid);
  DcmDataset* dataset = ff->getDataset();
  T_ASC_PresentationContextID pid = context_for(out, sop_class, ts, *dataset);
  if (pid == 0) return dimse_status::kSopClassNotSupported;
  T_DIMSE_C_StoreRQ rq{};
  rq.MessageID = out->nextMsgID++;
  OFStandard::strlcpy(rq.AffectedSOPClassUID, sop_class.c_str(), sizeof rq.AffectedSOPClassUID);
  OFStandard::strlcpy(rq.AffectedSOPInstanceUID, m.get(sd::tags::kSopInstanceUid).c_str(),
                      sizeof rq.AffectedSOPInstanceUID);
  if (!origin_ae.empty()) {
    OFStandard::strlcpy(rq.MoveOriginatorApplicationEntityTitle, origin_ae.c_str(),
                        sizeof rq.MoveOriginatorApplicationEntityTitle);
    rq.MoveOriginatorID = origin_id;
    rq.opts = O_STORE_MOVEORIGINATORAETITLE | O_STORE_MOVEORIGINATORID;
  }
  rq.DataSetType = DIMSE_DATASET_PRESENT;
  rq.Priority = DIMSE_PRIORITY_MEDIUM;
  T_DIMSE_C_StoreRSP rsp{};
  DcmDataset* detail = nullptr;
  OFCondition c =
      DIMSE_storeUser(out, pid, &rq, nullptr, dataset, nullptr, nullptr, DIMSE_NONBLOCKING,
                      dcmtk_seconds(timeout_s), &rsp, &detail, nullptr, 0);
  delete detail;
  if (c.bad()) {
    spdlog::warn("DICOM retrieve sub-operation failed: {}", c.text());
    return kUnableToPerformSubOperations;
  }
  return rsp.DimseStatus;
}

// The instances a retrieve identifier names, at any level: the instance
// records hold the unique keys of the levels above them.
Result<std::vector<sd::DicomRecord>> instances_named(sd::DicomService& service,
                                                     boost::asio::io_context& io,
                                                     DcmDataset& identifier, QueryModel model) {
  auto query = query_from_identifier(identifier, model);
  if (!query.is_ok()) return query.status();
  query->level = sd::DicomLevel::kInstance;
  return sync_wait(io, service.find(*query));
}

// The sub-operations of one retrieve: each match read and sent to `out`, a
// Pending response after each, then the final one. A C-CANCEL from the
// requester between sub-operations ends it with Cancel.
bool send_all(sd::DicomService& service, boost::asio::io_context& io, const DicomScpOptions& o,
              const std::vector<sd::DicomRecord>& matches, T_ASC_Association* requester,
              unsigned char context, uint16_t message_id, T_ASC_Association* out,
              const std::string& origin_ae, const Respond& respond) {
  Counts n;
  n.remaining = static_cast<uint16_t>(matches.size());
  auto final_ids = [&](DcmDataset* ids) {
    if (n.failed_uids.empty()) return static_cast<DcmDataset*>(nullptr);
    ids->putAndInsertString(DCM_FailedSOPInstanceUIDList, n.failed_uids.c_str());
    return ids;
  };
  for (const auto& m : matches) {
    if (DIMSE_checkForCancelRQ(requester, context, message_id).good()) {
      DcmDataset ids;
      return respond(dimse_status::kCancel, n, final_ids(&ids));
    }
    const std::string& sop = m.get(sd::tags::kSopInstanceUid);
    auto file = sync_wait(io, service.read_instance(m.get(sd::tags::kStudyInstanceUid),
                                                    m.get(sd::tags::kSeriesInstanceUid), sop));
    uint16_t status = file.is_ok()
                          ? send_one(out, m, *file, origin_ae, message_id, o.dimse_timeout_s)
                          : kUnableToPerformSubOperations;
    --n.remaining;
    if (status == dimse_status::kSuccess) {
      ++n.completed;
    } else if ((status & 0xF000) == 0xB000) {
      ++n.warning;
    } else {
      ++n.failed;
      n.failed_uids += (n.failed_uids.empty() ? "" : "\\") + sop;
    }
    if (n.remaining > 0 && !respond(dimse_status::kPending, n, nullptr)) return false;
  }
  DcmDataset ids;
  if (n.failed == 0) return respond(dimse_status::kSuccess, n, nullptr);
  return respond(
      n.completed + n.warning == 0 ? kUnableToPerformSubOperations : kSubOperationsFailed, n,
      final_ids(&ids));
}

// A C-MOVE-RSP or C-GET-RSP (same fields) with the sub-operation counts.
template <typename Response>
Response counted(uint16_t status, const Counts& n) {
  Response rsp{};
  rsp.DimseStatus = status;
  rsp.NumberOfRemainingSubOperations = n.remaining;
  rsp.NumberOfCompletedSubOperations = n.completed;
  rsp.NumberOfFailedSubOperations = n.failed;
  rsp.NumberOfWarningSubOperations = n.warning;
  return rsp;
}

// The retrieve status for an identifier the index could not answer.
uint16_t lookup_failure(const Status& s) {
  return s.code() == StatusCode::kInvalidArgument ? dimse_status::kDataSetDoesNotMatch
                                                  : kUnableToCalculateMatches;
}

std::string calling_ae_of(T_ASC_Association* assoc) {
  char calling[65] = {0}, called[65] = {0}, responding[65] = {0};
  ASC_getAPTitles(assoc->params, calling, sizeof calling, called, sizeof called, responding,
                  sizeof responding);
  return std::string(trim(calling));
}

}  // namespace

bool DicomRetriever::move(T_ASC_Association* requester, unsigned char context,
                          const T_DIMSE_C_MoveRQ& rq, DcmDataset& identifier) {
  Respond respond = [&](uint16_t status, const Counts& n, DcmDataset* ids) {
    auto rsp = counted<T_DIMSE_C_MoveRSP>(status, n);
    rsp.opts = O_MOVE_NUMBEROFREMAININGSUBOPERATIONS | O_MOVE_NUMBEROFCOMPLETEDSUBOPERATIONS |
               O_MOVE_NUMBEROFFAILEDSUBOPERATIONS | O_MOVE_NUMBEROFWARNINGSUBOPERATIONS;
    return DIMSE_sendMoveResponse(requester, context, &rq, &rsp, ids, nullptr).good();
  };
  const DicomPeer* peer = options_.destination(std::string(trim(rq.MoveDestination)));
  if (peer == nullptr) return respond(kMoveDestinationUnknown, {}, nullptr);
  auto model = move_model(rq.AffectedSOPClassUID);
  if (!model) return respond(dimse_status::kSopClassNotSupported, {}, nullptr);
  auto matches = instances_named(service_, io_, identifier, *model);
  if (!matches.is_ok()) return respond(lookup_failure(matches.status()), {}, nullptr);
  if (matches->empty()) return respond(dimse_status::kSuccess, {}, nullptr);
  DicomOutbound out;
  if (!out.open(options_, *peer, contexts_for(*matches), "C-MOVE")) {
    return respond(kUnableToPerformSubOperations, {}, nullptr);
  }
  return send_all(service_, io_, options_, *matches, requester, context, rq.MessageID, out.assoc(),
                  calling_ae_of(requester), respond);
}

bool DicomRetriever::get(T_ASC_Association* requester, unsigned char context,
                         const T_DIMSE_C_GetRQ& rq, DcmDataset& identifier) {
  Respond respond = [&](uint16_t status, const Counts& n, DcmDataset* ids) {
    auto rsp = counted<T_DIMSE_C_GetRSP>(status, n);
    rsp.opts = O_GET_NUMBEROFREMAININGSUBOPERATIONS | O_GET_NUMBEROFCOMPLETEDSUBOPERATIONS |
               O_GET_NUMBEROFFAILEDSUBOPERATIONS | O_GET_NUMBEROFWARNINGSUBOPERATIONS;
    return DIMSE_sendGetResponse(requester, context, &rq, &rsp, ids, nullptr).good();
  };
  auto model = get_model(rq.AffectedSOPClassUID);
  if (!model) return respond(dimse_status::kSopClassNotSupported, {}, nullptr);
  auto matches = instances_named(service_, io_, identifier, *model);
  if (!matches.is_ok()) return respond(lookup_failure(matches.status()), {}, nullptr);
  return send_all(service_, io_, options_, *matches, requester, context, rq.MessageID, requester,
                  "", respond);
}

}  // namespace skyarray::dicom
