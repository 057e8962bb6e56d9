// DicomAssociation: the DIMSE message loop of one association
// (dicom_association.h).
#include "protocols/dicom/dicom_association.h"

#include <dcmtk/config/osconfig.h>
// osconfig.h first (DCMTK's rule).
#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcostrma.h>
#include <dcmtk/dcmnet/assoc.h>
#include <dcmtk/dcmnet/dimse.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <memory>
#include <string>

#include "common/ascii.h"
#include "common/sync_wait.h"
#include "protocols/dicom/dicom_commitment.h"
#include "protocols/dicom/dicom_find_identifier.h"
#include "protocols/dicom/dicom_retriever.h"
#include "protocols/dicom/dicom_status.h"
#include "services/dicom/dicom_service.h"

namespace skyarray::dicom {

namespace sd = services::dicom;

namespace {

// Collects a dataset's bytes exactly as they arrive in the P-DATA PDVs,
// up to `limit`; past it the bytes are counted and dropped, so that the
// message can be read to its end and refused properly.
class StringConsumer final : public DcmConsumer {
 public:
  StringConsumer(std::string* out, uint64_t limit) : out_(out), limit_(limit) {}
  OFBool good() const override { return OFTrue; }
  OFCondition status() const override { return EC_Normal; }
  OFBool isFlushed() const override { return OFTrue; }
  offile_off_t avail() const override { return 1 << 30; }
  offile_off_t write(const void* buf, offile_off_t len) override {
    total_ += static_cast<uint64_t>(len);
    if (total_ <= limit_) out_->append(static_cast<const char*>(buf), static_cast<size_t>(len));
    return len;
  }
  void flush() override {}
  bool overflowed() const { return total_ > limit_; }

 private:
  std::string* out_;
  uint64_t limit_;
  uint64_t total_ = 0;
};

class StringOutputStream final : public DcmOutputStream {
 public:
  StringOutputStream(std::string* out, uint64_t limit)
      : DcmOutputStream(&consumer_), consumer_(out, limit) {}
  bool overflowed() const { return consumer_.overflowed(); }

 private:
  // Constructed after the base class, which only stores its address.
  StringConsumer consumer_;
};

}  // namespace

struct DicomAssociation::Message {
  T_ASC_PresentationContextID context = 0;
  T_DIMSE_Message dimse{};
};

DicomAssociation::DicomAssociation(T_ASC_Association* assoc, const DicomScpOptions& options,
                                   sd::DicomService& service, boost::asio::io_context& io,
                                   const std::atomic<bool>& stopping)
    : assoc_(assoc), options_(options), service_(service), io_(io), stopping_(stopping) {}

DicomAssociation::~DicomAssociation() {
  ASC_dropSCPAssociation(assoc_, dcmtk_seconds(options_.acse_timeout_s));
  ASC_destroyAssociation(&assoc_);
}

void DicomAssociation::serve() {
  using Clock = std::chrono::steady_clock;
  auto idle_since = Clock::now();
  const auto idle_limit = std::chrono::duration<double>(options_.idle_timeout_s);
  for (;;) {
    if (stopping_.load()) {
      ASC_abortAssociation(assoc_);
      return;
    }
    // Waits in one-second steps so that a shutdown is seen promptly.
    if (!ASC_dataWaiting(assoc_, 1)) {
      if (Clock::now() - idle_since > idle_limit) {
        spdlog::info("DICOM association idle for {} s: aborted", options_.idle_timeout_s);
        ASC_abortAssociation(assoc_);
        return;
      }
      continue;
    }
    Message m;
    OFCondition c =
        DIMSE_receiveCommand(assoc_, DIMSE_NONBLOCKING, dcmtk_seconds(options_.dimse_timeout_s),
                             &m.context, &m.dimse, nullptr);
    if (c == DUL_PEERREQUESTEDRELEASE) {
      ASC_acknowledgeRelease(assoc_);
      return;
    }
    if (c == DUL_PEERABORTEDASSOCIATION) return;
    if (c.bad()) {
      spdlog::info("DICOM association aborted: {}", c.text());
      ASC_abortAssociation(assoc_);
      return;
    }
    if (!handle(m)) {
      ASC_abortAssociation(assoc_);
      return;
    }
    idle_since = Clock::now();
  }
}

bool DicomAssociation::handle(Message& m) {
  switch (m.dimse.CommandField) {
    case DIMSE_C_ECHO_RQ:
      return echo(m);
    case DIMSE_C_STORE_RQ:
      return store(m);
    case DIMSE_C_FIND_RQ:
      return find(m);
    case DIMSE_C_MOVE_RQ:
      return move(m);
    case DIMSE_C_GET_RQ:
      return get(m);
    case DIMSE_N_ACTION_RQ:
      return commit(m);
    default:
      spdlog::info("DICOM command {:#x} not supported: association aborted",
                   static_cast<unsigned>(m.dimse.CommandField));
      return false;
  }
}

std::unique_ptr<DcmDataset> DicomAssociation::receive_identifier(Message& m) {
  DcmDataset* received = nullptr;
  T_ASC_PresentationContextID data_context = m.context;
  OFCondition c = DIMSE_receiveDataSetInMemory(assoc_, DIMSE_NONBLOCKING,
                                               dcmtk_seconds(options_.dimse_timeout_s),
                                               &data_context, &received, nullptr, nullptr);
  std::unique_ptr<DcmDataset> identifier(received);
  if (c.bad()) return nullptr;
  return identifier;
}

bool DicomAssociation::echo(Message& m) {
  return DIMSE_sendEchoResponse(assoc_, m.context, &m.dimse.msg.CEchoRQ, STATUS_Success, nullptr)
      .good();
}

bool DicomAssociation::store(Message& m) {
  const T_DIMSE_C_StoreRQ& rq = m.dimse.msg.CStoreRQ;
  T_ASC_PresentationContext pc;
  if (ASC_findAcceptedPresentationContext(assoc_->params, m.context, &pc).bad()) return false;
  sd::DicomStoreRequest request;
  StringOutputStream out(&request.dataset, service_.options().max_instance_bytes);
  T_ASC_PresentationContextID data_context = m.context;
  OFCondition c =
      DIMSE_receiveDataSetInFile(assoc_, DIMSE_NONBLOCKING, dcmtk_seconds(options_.dimse_timeout_s),
                                 &data_context, &out, nullptr, nullptr);
  if (c.bad()) {
    spdlog::info("DICOM C-STORE: dataset not received: {}", c.text());
    return false;
  }
  Status result;
  if (out.overflowed()) {
    result = Status(StatusCode::kTooLarge, "instance larger than max_instance_size");
  } else {
    char calling[65] = {0}, called[65] = {0}, responding[65] = {0};
    ASC_getAPTitles(assoc_->params, calling, sizeof calling, called, sizeof called, responding,
                    sizeof responding);
    request.calling_ae = calling;
    request.sop_class_uid = rq.AffectedSOPClassUID;
    request.sop_instance_uid = rq.AffectedSOPInstanceUID;
    request.transfer_syntax = pc.acceptedTransferSyntax;
    auto stored = sync_wait(io_, service_.store(request));
    result = stored.status();
  }
  if (!result.is_ok()) {
    spdlog::warn("DICOM C-STORE of {} refused: {}", rq.AffectedSOPInstanceUID, result.to_string());
  }
  T_DIMSE_C_StoreRSP rsp{};
  rsp.DimseStatus = store_status(result);
  return DIMSE_sendStoreResponse(assoc_, m.context, &rq, &rsp, nullptr).good();
}

bool DicomAssociation::find(Message& m) {
  const T_DIMSE_C_FindRQ& rq = m.dimse.msg.CFindRQ;
  auto identifier = receive_identifier(m);
  if (!identifier) return false;
  auto send = [&](uint16_t status, DcmDataset* match) {
    T_DIMSE_C_FindRSP rsp{};
    rsp.DimseStatus = status;
    return DIMSE_sendFindResponse(assoc_, m.context, &rq, &rsp, match, nullptr).good();
  };
  auto model = find_model(rq.AffectedSOPClassUID);
  if (!model) return send(dimse_status::kSopClassNotSupported, nullptr);
  auto query = query_from_identifier(*identifier, *model);
  if (!query.is_ok()) return send(find_status(query.status()), nullptr);
  auto matches = sync_wait(io_, service_.find(*query));
  if (!matches.is_ok()) {
    spdlog::warn("DICOM C-FIND failed: {}", matches.status().to_string());
    return send(find_status(matches.status()), nullptr);
  }
  for (const auto& match : *matches) {
    if (DIMSE_checkForCancelRQ(assoc_, m.context, rq.MessageID).good()) {
      return send(dimse_status::kCancel, nullptr);
    }
    DcmDataset response;
    fill_response(*identifier, match, &response);
    if (!send(dimse_status::kPending, &response)) return false;
  }
  return send(dimse_status::kSuccess, nullptr);
}

bool DicomAssociation::move(Message& m) {
  auto identifier = receive_identifier(m);
  if (!identifier) return false;
  DicomRetriever retriever(options_, service_, io_);
  return retriever.move(assoc_, m.context, m.dimse.msg.CMoveRQ, *identifier);
}

bool DicomAssociation::get(Message& m) {
  auto identifier = receive_identifier(m);
  if (!identifier) return false;
  DicomRetriever retriever(options_, service_, io_);
  return retriever.get(assoc_, m.context, m.dimse.msg.CGetRQ, *identifier);
}

bool DicomAssociation::commit(Message& m) {
  auto information = receive_identifier(m);
  if (!information) return false;
  char calling[65] = {0}, called[65] = {0}, responding[65] = {0};
  char calling_addr[256] = {0}, called_addr[256] = {0};
  ASC_getAPTitles(assoc_->params, calling, sizeof calling, called, sizeof called, responding,
                  sizeof responding);
  ASC_getPresentationAddresses(assoc_->params, calling_addr, sizeof calling_addr, called_addr,
                               sizeof called_addr);
  std::string host(trim(calling_addr));
  // Negotiation let only configured peers in; the report goes to where
  // that peer listens (its configured host, or the one it came from).
  const DicomPeer* peer = options_.allowed(std::string(trim(calling)), host);
  if (peer == nullptr) return false;
  DicomPeer report_to = *peer;
  if (report_to.host == "*") report_to.host = host;
  DicomCommitment commitment(options_, service_, io_);
  return commitment.commit(assoc_, m.context, m.dimse.msg.NActionRQ, *information, report_to);
}

}  // namespace skyarray::dicom
