#include "protocols/admin/admin_module.h"

#include <boost/json/serialize.hpp>
#include <ctime>

namespace json = boost::json;

namespace skyarray::admin {

bool AdminCall::is(std::string_view m, std::initializer_list<std::string_view> pattern) const {
  if (method != m || path.size() != pattern.size()) return false;
  size_t i = 0;
  for (std::string_view p : pattern) {
    if (p != "*" && p != path[i]) return false;
    ++i;
  }
  return true;
}

std::optional<std::string> AdminCall::query_param(std::string_view name) const {
  for (const auto& [k, v] : query) {
    if (k == name) return v;
  }
  return std::nullopt;
}

namespace {

// The one StatusCode → HTTP status table of the admin API.
unsigned http_status_for(StatusCode code) {
  switch (code) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kInvalidBucketName:
    case StatusCode::kTooLarge:
    case StatusCode::kTooSmall:
    case StatusCode::kBadDigest:
    case StatusCode::kOutOfRange:
      return 400;
    case StatusCode::kUnauthenticated:
    case StatusCode::kSignatureMismatch:
      return 401;
    case StatusCode::kPermissionDenied:
    case StatusCode::kReadOnly:
      return 403;
    case StatusCode::kNotFound:
    case StatusCode::kBucketNotFound:
      return 404;
    case StatusCode::kMethodNotAllowed:
      return 405;
    case StatusCode::kAlreadyExists:
    case StatusCode::kNotEmpty:
    case StatusCode::kKeyUnavailable:
    case StatusCode::kConflict:
      return 409;
    case StatusCode::kPreconditionFailed:
      return 412;
    case StatusCode::kNotSupported:
      return 501;
    case StatusCode::kUnavailable:
    case StatusCode::kNoSpace:
      return 503;
    case StatusCode::kTimeout:
      return 504;
    default:
      return 500;
  }
}

}  // namespace

http::HttpResponse json_response(unsigned status, const json::value& body) {
  http::HttpResponse r;
  r.status = status;
  r.set("Content-Type", "application/json");
  r.body = json::serialize(body);
  r.body += '\n';
  return r;
}

http::HttpResponse error_response(const Status& s) {
  // Services never put secrets in error messages, so the message can go out.
  return json_response(http_status_for(s.code()),
                       {{"error", status_code_name(s.code())}, {"message", s.message()}});
}

}  // namespace skyarray::admin
