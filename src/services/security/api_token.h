// ApiToken: a bearer token for clients that cannot sign requests (a web
// viewer reading DICOMweb in a browser). A token is issued for one user and
// one scope, expires, and can be revoked. The client holds
//   "skt_" <id> "_" <secret>       (id: 16 hex digits; secret: 64 hex digits)
// and the array keeps only the SHA-256 of the secret, so a copy of the
// metadata does not yield a usable token.
//
// Record (users column family, key "T" <id>): JSON through ApiTokenCodec,
// with lenient reads (fields added later load as defaults).
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "common/time.h"

namespace skyarray::services {

struct ApiToken {
  std::string id;
  std::string user_id;
  std::string scope;  // "dicomweb"
  Timestamp created;
  Timestamp expires;
  std::string secret_sha256;  // hex
};

struct ApiTokenCodec {
  static std::string encode(const ApiToken& token);
  static Result<ApiToken> decode(std::string_view record);
};

}  // namespace skyarray::services
