// Internal to protocols/s3: the operations behind S3Api, split by resource
// across s3_api.cc (auth, errors; the request table is s3_routes.h), s3_bucket_ops.cc,
// s3_object_ops.cc and s3_multipart_ops.cc.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "protocols/auth/sigv4.h"
#include "protocols/http/http_message.h"
#include "protocols/s3/s3_api.h"
#include "protocols/s3/s3_errors.h"
#include "protocols/s3/s3_request.h"
#include "protocols/s3/s3_routes.h"
#include "protocols/s3/s3_xml.h"
#include "services/objects/object_service.h"
#include "services/security/user_store.h"

namespace skyarray::s3 {

class RequestBody;

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
Response empty_response(unsigned status);

struct S3Api::Impl {
  Impl(services::ObjectService& o, services::UserStore& u, S3ApiOptions opt)
      : objects(o), users(u), options(std::move(opt)) {}

  Task<Response> handle(http::HttpRequest& request);
  Task<Response> preflight(http::HttpRequest& request, const S3Target& target);
  Task<void> add_cors_headers(const S3Context& ctx, Response& response);
  // Reads a small XML body (≤ max_xml_body), verifying payload hashes.
  Task<Result<std::string>> read_xml(S3Context& ctx);

  // service and buckets (s3_bucket_ops.cc)
  Task<Response> list_buckets(S3Context& ctx);
  Task<Response> create_bucket(S3Context& ctx);
  Task<Response> head_bucket(S3Context& ctx);
  Task<Response> delete_bucket(S3Context& ctx);
  Task<Response> get_bucket_location(S3Context& ctx);
  Task<Response> get_bucket_versioning(S3Context& ctx);
  Task<Response> put_bucket_versioning(S3Context& ctx);
  Task<Response> get_bucket_tagging(S3Context& ctx);
  Task<Response> put_bucket_tagging(S3Context& ctx);
  Task<Response> delete_bucket_tagging(S3Context& ctx);
  Task<Response> get_bucket_cors(S3Context& ctx);
  Task<Response> put_bucket_cors(S3Context& ctx);
  Task<Response> delete_bucket_cors(S3Context& ctx);

  // access control (s3_policy_ops.cc, s3_acl_ops.cc)
  // The one authorization point of every request (after authentication):
  // takes the IAM action from the request's route, then asks services::Authorizer
  // with the bucket's policy and ACLs. nullopt when allowed (and then
  // ctx.access is set); otherwise the error response.
  Task<std::optional<Response>> authorize(S3Context& ctx);
  // Whether the caller may do `action` on bucket/key (policy, owner, ACLs
  // incl. the object's). For checks beyond the request's own resource: each
  // key of DeleteObjects, the source of a copy.
  Task<Result<bool>> allowed(const S3Context& ctx, std::string_view action,
                             const std::string& bucket, const std::string& key,
                             const std::optional<std::string>& version_id);
  Task<Response> get_bucket_policy(S3Context& ctx);
  Task<Response> put_bucket_policy(S3Context& ctx);
  Task<Response> delete_bucket_policy(S3Context& ctx);
  Task<Response> get_bucket_policy_status(S3Context& ctx);
  // (s3_public_access_ops.cc)
  Task<Response> get_public_access_block(S3Context& ctx);
  Task<Response> put_public_access_block(S3Context& ctx);
  Task<Response> delete_public_access_block(S3Context& ctx);
  Task<Response> get_ownership_controls(S3Context& ctx);
  Task<Response> put_ownership_controls(S3Context& ctx);
  Task<Response> delete_ownership_controls(S3Context& ctx);
  Task<Response> get_acl(S3Context& ctx);
  Task<Response> put_acl(S3Context& ctx);
  Task<Response> list_objects(S3Context& ctx);  // V1, or V2 with list-type=2
  Task<Response> list_object_versions(S3Context& ctx);
  Task<Response> delete_objects(S3Context& ctx);

  // browser-form upload (s3_post_object_ops.cc). post_object is
  // authorized inside: who uploads is known only from the form's fields.
  Task<Response> post_object(S3Context& ctx);
  Task<Result<services::Caller>> authenticate_post(
      S3Context& ctx, const std::map<std::string, std::string>& fields);
  Result<services::PutOptions> post_put_options(
      const S3Context& ctx, const std::map<std::string, std::string>& fields) const;

  // objects (s3_object_ops.cc)
  Task<Response> put_object(S3Context& ctx);
  Task<Response> append_object(S3Context& ctx);
  Task<Response> get_object(S3Context& ctx);
  Task<Response> head_object(S3Context& ctx);
  Task<Response> get_or_head_object(S3Context& ctx, bool head);
  // The response of a GET/HEAD that failed: the error plus what S3 adds
  // (validators on 304, delete-marker headers on 404/405).
  Task<Response> get_failure(S3Context& ctx, const services::GetOptions& g, const Status& failure);
  Task<Response> delete_object(S3Context& ctx);
  Task<Response> copy_object(S3Context& ctx);
  Task<Response> get_object_tagging(S3Context& ctx);
  Task<Response> put_object_tagging(S3Context& ctx);
  Task<Response> delete_object_tagging(S3Context& ctx);
  Task<Response> get_object_attributes(S3Context& ctx);

  // multipart (s3_multipart_ops.cc)
  Task<Response> create_multipart_upload(S3Context& ctx);
  Task<Response> upload_part(S3Context& ctx);
  Task<Response> upload_part_copy(S3Context& ctx);
  Task<Response> complete_multipart_upload(S3Context& ctx);
  Task<Response> abort_multipart_upload(S3Context& ctx);
  Task<Response> list_parts(S3Context& ctx);
  Task<Response> list_multipart_uploads(S3Context& ctx);

  // Shared by put, append and upload part: streams the body into `writer`,
  // applies trailer checksums, commits. Aborts the writer on any failure.
  Task<Result<services::ObjectInfo>> stream_into(RequestBody& body, services::ObjectWriter& writer);
  // Opens the body and checks its announced size against max_put_size.
  Result<std::unique_ptr<RequestBody>> open_body(S3Context& ctx) const;
  // PutOptions from headers (content, metadata, tags, class, MD5, checksums,
  // write conditions).
  Result<services::PutOptions> put_options(const S3Context& ctx, bool for_part) const;
  // Adds the object headers of GET/HEAD (and PUT's checksum echo).
  void object_headers(const S3Context& ctx, const services::ObjectInfo& info, Response& r) const;

  services::ObjectService& objects;
  services::UserStore& users;
  S3ApiOptions options;
};

}  // namespace skyarray::s3
