#include "protocols/auth/auth_error.h"

namespace skyarray::auth {

Status auth_status(AuthError error, std::string message) {
  struct Row {
    const char* name;
    StatusCode code;
  };
  static constexpr Row kRows[] = {
      {"AccessDenied", StatusCode::kPermissionDenied},
      {"AuthorizationHeaderMalformed", StatusCode::kUnauthenticated},
      {"AuthorizationQueryParametersError", StatusCode::kUnauthenticated},
      {"InvalidArgument", StatusCode::kInvalidArgument},
      {"InvalidRequest", StatusCode::kInvalidArgument},
      {"RequestTimeTooSkewed", StatusCode::kUnauthenticated},
      {"SignatureDoesNotMatch", StatusCode::kSignatureMismatch},
  };
  const Row& r = kRows[static_cast<size_t>(error)];
  return Status(r.code, "[" + std::string(r.name) + "] " + message);
}

}  // namespace skyarray::auth
