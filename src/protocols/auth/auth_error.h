// The AWS errors an authentication failure answers with. AWS-signed
// protocols (S3, the admin API) share them; each front end renders them in
// its own format.
//
// Carried as a Status whose message starts with "[Name] ", the convention
// protocols/s3/s3_errors.h reads back, so the exact AWS error code survives
// the generic Status path.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"

namespace skyarray::auth {

enum class AuthError : uint8_t {
  kAccessDenied,                       // 403
  kAuthorizationHeaderMalformed,       // 400
  kAuthorizationQueryParametersError,  // 400
  kInvalidArgument,                    // 400
  kInvalidRequest,                     // 400
  kRequestTimeTooSkewed,               // 403
  kSignatureDoesNotMatch,              // 403
};

Status auth_status(AuthError error, std::string message);

}  // namespace skyarray::auth
