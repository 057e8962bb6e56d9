// SigV4Signer: signs outgoing requests with AWS Signature Version 4, the
// client side of protocols/s3/sigv4.h (it reuses that file's canonical
// request and key derivation, so signer and verifier cannot drift apart).
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "protocols/http/http_message.h"

namespace skyarray::http {
struct ClientRequest;
}

namespace skyarray::s3 {

struct SigningCredentials {
  std::string access_key;
  std::string secret_key;
  std::string session_token;  // STS; empty when none
};

class SigV4Signer {
 public:
  SigV4Signer(SigningCredentials credentials, std::string region, std::string service = "s3")
      : credentials_(std::move(credentials)),
        region_(std::move(region)),
        service_(std::move(service)) {}

  // Adds x-amz-date, x-amz-content-sha256 (the SHA-256 of the body, or
  // `payload_hash` when given, e.g. "UNSIGNED-PAYLOAD") and Authorization.
  // Signs every header present plus host. `host` is the Host header value.
  void sign(http::ClientRequest& request, std::string_view host,
            std::chrono::system_clock::time_point now = std::chrono::system_clock::now(),
            std::string_view payload_hash = {}) const;

  // A presigned URL target ("/path?...&X-Amz-Signature=...") valid for
  // `expires_seconds`.
  std::string presign(
      std::string_view method, std::string_view raw_path, std::string_view host,
      int64_t expires_seconds,
      std::chrono::system_clock::time_point now = std::chrono::system_clock::now()) const;

 private:
  SigningCredentials credentials_;
  std::string region_;
  std::string service_;
};

}  // namespace skyarray::s3
