// S3Api: the S3 REST API over the object service — the HttpServer handler
// for the S3 listener of both roles (array and cloud).
//
// Every signed request is authenticated with SigV4 (sigv4.h) or, unless
// `[s3] sigv2 = false`, SigV2 (sigv2.h) against the UserStore before
// anything else (the same caller either way); then every request, signed or anonymous,
// is authorized once (S3Authorizer::authorize, s3_authorizer.h) against the
// bucket's owner, policy and ACLs (services/security/authorizer.h). A
// request no policy or ACL opens gets AccessDenied unless it comes from the
// bucket owner, so no request crosses owners by default.
//
// The operations live in handler rooms, one class per seam of the object
// service (buckets, access configuration, object reads, object writes,
// form uploads, multipart, versions: s3_api_impl.h), each holding only the
// service part it calls. Each operation maps S3 headers, query parameters
// and XML bodies to the object service's types (never touching storage itself) and maps failures
// through the one error table (s3_errors.h). Error responses are S3 XML with
// Code, Message, Resource and RequestId.
//
// Audit: with an AuditRecorder (services/audit/audit_recorder.h), every
// request, refused ones included, is recorded once its answer is known and
// before it goes out: operation, caller, access key id, client address,
// bucket and key, status, body bytes in and out, request id. A mutating
// request's answer waits for its record to be synced. Nothing else of the
// request (no header, signature or query string) reaches the log.
//
// Thread safety: handle() runs concurrently on every I/O thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/async.h"
#include "common/status.h"
#include "protocols/http/http_message.h"

namespace skyarray {
class ConfigSection;
}
namespace skyarray::services {
class ObjectService;
class UserStore;
}  // namespace skyarray::services
namespace skyarray::services::audit {
class AuditRecorder;
}

namespace skyarray::s3 {

struct S3ApiOptions {
  std::string region = "us-east-1";  // reported by GetBucketLocation when none was given
  // Virtual-hosted-style domains: "<bucket>.<domain>" hosts address buckets.
  std::vector<std::string> domains;
  uint64_t max_xml_body = 1 << 20;         // bytes of an XML request body
  uint64_t max_put_size = 5ull << 30;      // single PutObject / UploadPart (S3: 5 GiB)
  uint64_t max_metadata_bytes = 2 * 1024;  // user metadata, as S3
  uint64_t stream_buffer = 1 << 20;        // body bytes per write to the store
  // Accept Signature Version 2 (sigv2.h) besides SigV4; when off, SigV2
  // requests get InvalidRequest, as S3 answers where SigV2 is turned off.
  bool sigv2 = true;
  // SSE-C keys over plain HTTP from the loopback interface (tests); any
  // other plain-HTTP request with a customer key gets InvalidRequest.
  bool sse_c_plain_http_loopback = false;

  static Result<S3ApiOptions> from_config(const ConfigSection& section);
};

// S3's wording of the errors the HTTP layer answers by itself (an
// <Error> XML body with Code, Message and RequestId).
http::HttpResponse s3_http_error(const http::HttpError& error, const std::string& request_id);

class S3Api {
 public:
  // `audit` may be null (no audit log); it must outlive this.
  S3Api(services::ObjectService& objects, services::UserStore& users, S3ApiOptions options = {},
        services::audit::AuditRecorder* audit = nullptr);
  ~S3Api();
  S3Api(const S3Api&) = delete;
  S3Api& operator=(const S3Api&) = delete;

  Task<http::HttpResponse> handle(http::HttpRequest& request);

  // The operations (s3_api_impl.h); named here so the route table
  // (s3_routes.h) can point at its handlers.
  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
  services::audit::AuditRecorder* audit_;
};

}  // namespace skyarray::s3
