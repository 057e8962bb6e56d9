// S3Context: one S3 request on its way through the front end — its target,
// who sent it and what authorize() learnt about its bucket — and the
// responses every handler builds (S3 XML errors, XML and empty bodies).
// Internal to protocols/s3.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "protocols/auth/sigv4.h"
#include "protocols/http/http_message.h"
#include "protocols/s3/s3_errors.h"
#include "protocols/s3/s3_request.h"
#include "services/objects/object_types.h"
#include "services/security/authorizer.h"

namespace skyarray::s3 {

struct S3Route;

// One request being served: authenticated, or anonymous (caller.user_id
// empty, auth.access_key empty), and authorized by authorize().
struct S3Context {
  http::HttpRequest& http;
  S3Target target;
  auth::AuthResult auth;
  services::Caller caller;
  // The operation (s3_routes.h), matched before authorization.
  const S3Route* route = nullptr;
  // The bucket's owner, policy and ACL (set by authorize() for requests on
  // a bucket that exists).
  std::shared_ptr<const services::BucketAccess> access = nullptr;
  // A small XML body already read (and verified) by authorize(), which
  // read_xml() then returns; and the tags a PutObjectTagging body sets, for
  // the policy's s3:RequestObjectTag keys.
  std::optional<std::string> xml_body = std::nullopt;
  std::optional<services::TagSet> request_tags = std::nullopt;
  // PostObject: the policy's content-length-range.
  std::optional<std::pair<uint64_t, uint64_t>> post_size_range = std::nullopt;

  std::optional<std::string_view> header(std::string_view name) const { return http.header(name); }
  // The request's resource for error bodies: "/bucket/key".
  std::string resource() const;
};

using Response = http::HttpResponse;

// An S3 XML error response (no body for HEAD and 304).
Response error_response(const S3Context& ctx, const Status& status, Subject subject);
Response error_response(const http::HttpRequest& http, const std::string& resource,
                        const Status& status, Subject subject);
Response xml_response(unsigned status, std::string body);
// The answer to a change: an empty `ok_status` response, or the error of `s`.
Response change_response(const S3Context& ctx, const Status& s, Subject subject,
                         unsigned ok_status);
Response empty_response(unsigned status);

}  // namespace skyarray::s3
