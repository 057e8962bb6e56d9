// DicomOutbound: one association the array opens to a configured peer, as
// our AE title: for C-MOVE sub-operations and storage commitment reports.
// Released (or aborted) and freed when it goes.
#pragma once

#include <string>
#include <vector>

#include "protocols/dicom/dicom_scp_options.h"

struct T_ASC_Network;
struct T_ASC_Parameters;
struct T_ASC_Association;

namespace skyarray::dicom {

// One presentation context to propose.
struct ProposedContext {
  std::string abstract_syntax;
  std::vector<std::string> transfer_syntaxes;
  // We propose the SCP role (SCP/SCU role selection) for this context:
  // the peer is the user of the service, as for an N-EVENT-REPORT.
  bool we_are_scp = false;
};

class DicomOutbound {
 public:
  DicomOutbound() = default;
  ~DicomOutbound();
  DicomOutbound(const DicomOutbound&) = delete;
  DicomOutbound& operator=(const DicomOutbound&) = delete;

  // Requests the association with `contexts` (the first 127; a peer takes
  // at most that many). False, after logging why with `purpose`, when the
  // peer cannot be reached, rejects us or accepts no context.
  bool open(const DicomScpOptions& options, const DicomPeer& peer,
            const std::vector<ProposedContext>& contexts, const char* purpose);

  T_ASC_Association* assoc() const { return assoc_; }

 private:
  T_ASC_Network* net_ = nullptr;
  T_ASC_Parameters* params_ = nullptr;
  T_ASC_Association* assoc_ = nullptr;
};

}  // namespace skyarray::dicom
