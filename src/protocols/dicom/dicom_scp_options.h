// DicomScpOptions: the DIMSE listener's configuration, from the [dicom]
// section (the DICOM service reads its own keys from the same section:
// services/dicom/dicom_service_options.h).
//   listen            = ""            "host:port"; empty: no DIMSE listener
//   ae_title          = "SKYARRAY"    the called AE title associations must name
//   max_associations  = 16            concurrent associations (more are
//                                     rejected: transient, local limit)
//   acse_timeout      = "30s"         association negotiation and release
//   dimse_timeout     = "60s"         a message's parts, once it started
//   idle_timeout      = "300s"        an association without any message
//   max_pdu           = "116794"      largest PDU we receive (bytes)
//   tls_cert, tls_key = ""           PEM files: the listener speaks DICOM TLS
//                                     (PS3.15 BCP 195 profile) only, when both
//                                     are set
//   tls_client_ca     = ""            PEM CA file: peers must present a
//                                     certificate it signed (mutual TLS)
//   [[dicom.peer]]    ae_title, host, port: the calling AEs allowed to
//                     associate (host "*" for any); port is where that AE
//                     listens: C-MOVE destinations are peers with a
//                     concrete host.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace skyarray {
class ConfigSection;
}

namespace skyarray::dicom {

// DCMTK takes its timeouts in whole seconds: at least 1.
inline int dcmtk_seconds(double s) {
  return static_cast<int>(s < 1 ? 1 : s);
}

struct DicomPeer {
  std::string ae_title;
  std::string host;  // "*": any host
  uint16_t port = 104;
};

struct DicomScpOptions {
  std::string listen;
  std::string ae_title = "SKYARRAY";
  std::vector<DicomPeer> peers;
  uint32_t max_associations = 16;
  double acse_timeout_s = 30;
  double dimse_timeout_s = 60;
  double idle_timeout_s = 300;
  uint32_t max_pdu = 116794;
  std::string tls_cert;
  std::string tls_key;
  std::string tls_client_ca;

  bool enabled() const { return !listen.empty(); }
  bool tls() const { return !tls_cert.empty(); }
  // The peer that may associate calling as `ae_title` from `host`, or
  // nullptr.
  const DicomPeer* allowed(const std::string& ae_title, const std::string& host) const;
  // The peer a C-MOVE may send to as `ae_title` (one with a concrete
  // host), or nullptr.
  const DicomPeer* destination(const std::string& ae_title) const;

  static Result<DicomScpOptions> from_config(const ConfigSection& section);
};

}  // namespace skyarray::dicom
