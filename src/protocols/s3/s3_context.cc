// S3Context and the responses handlers build (s3_context.h).
#include "protocols/s3/s3_context.h"

#include <spdlog/spdlog.h>

#include "protocols/s3/s3_api.h"
#include "protocols/s3/s3_xml.h"

namespace skyarray::s3 {

std::string S3Context::resource() const {
  std::string r = "/" + target.bucket;
  if (!target.key.empty()) r += "/" + target.key;
  return r;
}

Response xml_response(unsigned status, std::string body) {
  Response r;
  r.status = status;
  r.set("Content-Type", "application/xml");
  r.body = std::move(body);
  return r;
}

Response change_response(const S3Context& ctx, const Status& s, Subject subject,
                         unsigned ok_status) {
  return s.is_ok() ? empty_response(ok_status) : error_response(ctx, s, subject);
}

Response empty_response(unsigned status) {
  Response r;
  r.status = status;
  return r;
}

Response error_response(const http::HttpRequest& http, const std::string& resource,
                        const Status& status, Subject subject) {
  S3ErrorInfo e = to_s3_error(status, subject);
  if (e.http_status == 500 || e.http_status == 503) {
    spdlog::error("s3 {} {} [{}]: {}", http.method(), resource, http.request_id(),
                  status.to_string());
  }
  Response r;
  r.status = e.http_status;
  if (http.method() == "HEAD" || e.http_status == 304) return r;
  XmlWriter w("Error", false);
  w.elem("Code", e.code).elem("Message", e.message).elem("Resource", resource);
  w.elem("RequestId", http.request_id()).elem("HostId", http.request_id());
  r.set("Content-Type", "application/xml");
  r.body = w.finish();
  return r;
}

http::HttpResponse s3_http_error(const http::HttpError& error, const std::string& request_id) {
  Response r;
  r.status = error.status;
  XmlWriter w("Error", false);
  w.elem("Code", error.code).elem("Message", error.message);
  w.elem("RequestId", request_id).elem("HostId", request_id);
  r.set("Content-Type", "application/xml");
  r.body = w.finish();
  return r;
}

Response error_response(const S3Context& ctx, const Status& status, Subject subject) {
  return error_response(ctx.http, ctx.resource(), status, subject);
}

}  // namespace skyarray::s3
