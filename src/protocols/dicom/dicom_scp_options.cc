// DicomScpOptions::from_config (dicom_scp_options.h).
#include "protocols/dicom/dicom_scp_options.h"

#include "common/config.h"

namespace skyarray::dicom {

namespace {

// PS3.5 AE titles: 1 to 16 characters of the default repertoire, no
// backslash or control characters; leading and trailing spaces are not
// significant.
bool valid_ae_title(const std::string& ae) {
  if (ae.empty() || ae.size() > 16) return false;
  for (char c : ae) {
    if (c < 0x20 || c > 0x7E || c == '\\') return false;
  }
  return ae.find_first_not_of(' ') != std::string::npos;
}

}  // namespace

const DicomPeer* DicomScpOptions::allowed(const std::string& ae_title,
                                          const std::string& host) const {
  for (const auto& p : peers) {
    if (p.ae_title == ae_title && (p.host == "*" || p.host == host)) return &p;
  }
  return nullptr;
}

const DicomPeer* DicomScpOptions::destination(const std::string& ae_title) const {
  for (const auto& p : peers) {
    if (p.ae_title == ae_title && p.host != "*") return &p;
  }
  return nullptr;
}

Result<DicomScpOptions> DicomScpOptions::from_config(const ConfigSection& section) {
  DicomScpOptions o;
  SKY_RETURN_IF_ERROR(section.read("listen", &o.listen));
  SKY_RETURN_IF_ERROR(section.read("ae_title", &o.ae_title));
  if (!valid_ae_title(o.ae_title)) {
    return Status::invalid_argument(section.path() + ".ae_title must be 1 to 16 characters");
  }
  int64_t n = o.max_associations;
  SKY_RETURN_IF_ERROR(section.read("max_associations", &n, 1, 1024));
  o.max_associations = static_cast<uint32_t>(n);
  SKY_RETURN_IF_ERROR(section.read_seconds("acse_timeout", &o.acse_timeout_s, 1, 3600));
  SKY_RETURN_IF_ERROR(section.read_seconds("dimse_timeout", &o.dimse_timeout_s, 1, 3600));
  SKY_RETURN_IF_ERROR(section.read_seconds("idle_timeout", &o.idle_timeout_s, 1, 86400));
  uint64_t pdu = o.max_pdu;
  SKY_RETURN_IF_ERROR(section.read_size("max_pdu", &pdu, 4096, 131072));
  o.max_pdu = static_cast<uint32_t>(pdu);
  SKY_RETURN_IF_ERROR(section.read("tls_cert", &o.tls_cert));
  SKY_RETURN_IF_ERROR(section.read("tls_key", &o.tls_key));
  SKY_RETURN_IF_ERROR(section.read("tls_client_ca", &o.tls_client_ca));
  if (o.tls_cert.empty() != o.tls_key.empty()) {
    return Status::invalid_argument(section.path() + ": tls_cert and tls_key go together");
  }
  if (!o.tls_client_ca.empty() && o.tls_cert.empty()) {
    return Status::invalid_argument(section.path() + ".tls_client_ca needs tls_cert and tls_key");
  }
  SKY_ASSIGN_OR_RETURN(std::vector<ConfigSection> peers, section.array("peer"));
  for (const auto& p : peers) {
    DicomPeer peer;
    SKY_RETURN_IF_ERROR(p.read("ae_title", &peer.ae_title));
    SKY_RETURN_IF_ERROR(p.read("host", &peer.host));
    int64_t port = peer.port;
    SKY_RETURN_IF_ERROR(p.read("port", &port, 1, 65535));
    peer.port = static_cast<uint16_t>(port);
    if (!valid_ae_title(peer.ae_title) || peer.host.empty()) {
      return Status::invalid_argument(p.path() +
                                      " needs an ae_title (1 to 16 characters) and a host");
    }
    o.peers.push_back(std::move(peer));
  }
  return o;
}

}  // namespace skyarray::dicom
