// S3 server-side encryption on the wire: the x-amz-server-side-encryption*
// request headers of writes and reads, and the same headers on answers.
// The object service does the encryption (services/objects/object_sse.h).
//
// SSE-C keys come only over TLS, as S3 requires; S3ApiOptions::
// sse_c_plain_http_loopback lets a plain-HTTP client on the loopback
// interface send them (tests). A key never reaches a log or a response:
// answers carry its MD5 as the client sent it.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "protocols/s3/s3_api.h"
#include "protocols/s3/s3_context.h"
#include "services/objects/object_types.h"

namespace skyarray::s3 {

// The header prefixes of an SSE-C key: of the object written or read, and
// of a copy's source.
inline constexpr std::string_view kCustomerKeyHeaders = "x-amz-server-side-encryption-customer-";
inline constexpr std::string_view kCopySourceCustomerKeyHeaders =
    "x-amz-copy-source-server-side-encryption-customer-";

// What a write asks for: x-amz-server-side-encryption (AES256 | aws:kms),
// -aws-kms-key-id, -context, -bucket-key-enabled, or an SSE-C key.
// InvalidArgument for unknown values and mixed modes.
Result<services::SseRequest> read_sse_request(const S3Context& ctx, const S3ApiOptions& options);

// The SSE-C key under `prefix` (kCustomerKeyHeaders or
// kCopySourceCustomerKeyHeaders): empty when no such header was sent.
// Algorithm must be AES256, the key 256 bits in base64, its MD5 (base64)
// must match; otherwise InvalidArgument.
Result<std::string> read_customer_key(const S3Context& ctx, const S3ApiOptions& options,
                                      std::string_view prefix);

// x-amz-server-side-encryption* of an answer about a version encrypted as
// `sse` (the SSE-C key MD5 echoed from the request).
void set_sse_headers(const S3Context& ctx, const services::SseInfo& sse, http::HttpResponse& r);

}  // namespace skyarray::s3
