// DicomCommitment: Storage Commitment Push Model, as the SCP (PS3.4 J).
//
// A requester sends an N-ACTION (action type 1) naming a transaction UID
// and the instances (SOP class and instance UIDs) whose safe keeping it
// asks us to take over. The request is answered at once; then each named
// instance is looked up in the index (an indexed instance is durably
// stored: its index entry is written in the same batch as its object),
// and the result goes back in an N-EVENT-REPORT (event type 1: all
// committed; 2: some failed, each failure with its reason: 0112 no such
// instance, 0119 the instance is of another SOP class) over an association
// of its own, opened as our AE title to the requester's configured peer
// address with the SCP role for the push model, as most SCUs expect
// (IHE RAD-10; the asynchronous mode).
//
// A request for another SOP class or instance, another action type, or
// without a transaction UID or references is answered with the N-ACTION
// error status and reported on nothing.
#pragma once

#include "protocols/dicom/dicom_scp_options.h"

struct T_ASC_Association;
struct T_DIMSE_N_ActionRQ;
class DcmDataset;

namespace boost::asio {
class io_context;
}

namespace skyarray::services::dicom {
class DicomService;
}

namespace skyarray::dicom {

class DicomCommitment {
 public:
  DicomCommitment(const DicomScpOptions& options, services::dicom::DicomService& service,
                  boost::asio::io_context& io)
      : options_(options), service_(service), io_(io) {}

  // Serves one N-ACTION-RQ of `requester` whose action information has
  // been received; the report goes to `report_to`. False when the
  // requester's association broke (a failed report is logged, not fatal:
  // the requester asks again).
  bool commit(T_ASC_Association* requester, unsigned char context, const T_DIMSE_N_ActionRQ& rq,
              DcmDataset& action_information, const DicomPeer& report_to);

 private:
  const DicomScpOptions& options_;
  services::dicom::DicomService& service_;
  boost::asio::io_context& io_;
};

}  // namespace skyarray::dicom
