// S3 SSE headers in and out (s3_sse.h).
#include "protocols/s3/s3_sse.h"

#include "common/checksum.h"
#include "common/encoding.h"
#include "protocols/s3/s3_errors.h"
#include "protocols/s3/s3_xml.h"

namespace skyarray::s3 {

namespace {

Status invalid(std::string message) {
  return s3_status(S3Error::kInvalidArgument, std::move(message));
}

bool is_loopback(const std::string& remote) {
  return remote.starts_with("127.") || remote.starts_with("[::1]") || remote.starts_with("::1");
}

}  // namespace

Result<std::string> read_customer_key(const S3Context& ctx, const S3ApiOptions& options,
                                      std::string_view prefix) {
  std::string p(prefix);
  auto alg = ctx.header(p + "algorithm");
  auto key = ctx.header(p + "key");
  auto md5 = ctx.header(p + "key-md5");
  if (!alg && !key && !md5) return std::string();
  if (!ctx.http.secure() &&
      !(options.sse_c_plain_http_loopback && is_loopback(ctx.http.remote()))) {
    return s3_status(S3Error::kInvalidRequest,
                     "Requests specifying Server Side Encryption with Customer provided keys "
                     "must be made over a secure connection.");
  }
  if (!alg || !key || !md5) {
    return invalid(
        "Requests specifying Server Side Encryption with Customer provided keys must provide "
        "the algorithm, the key and the key's MD5.");
  }
  if (*alg != "AES256") {
    return invalid("The server side encryption algorithm " + std::string(*alg) +
                   " is not supported; use AES256.");
  }
  auto raw = base64_decode(*key);
  if (!raw.is_ok() || raw->size() != 32) {
    return invalid("The secret key was invalid for the specified algorithm.");
  }
  auto sum = Checksum::create(ChecksumAlgorithm::kMd5);
  if (!sum.is_ok()) return sum.status();
  (*sum)->update(*raw);
  if (base64_encode((*sum)->finish()) != *md5) {
    return invalid("The calculated MD5 hash of the key did not match the hash that was provided.");
  }
  return std::move(*raw);
}

Result<services::SseRequest> read_sse_request(const S3Context& ctx, const S3ApiOptions& options) {
  services::SseRequest r;
  SKY_ASSIGN_OR_RETURN(r.customer_key, read_customer_key(ctx, options, kCustomerKeyHeaders));
  auto alg = ctx.header("x-amz-server-side-encryption");
  auto key_id = ctx.header("x-amz-server-side-encryption-aws-kms-key-id");
  auto context = ctx.header("x-amz-server-side-encryption-context");
  auto bucket_key = ctx.header("x-amz-server-side-encryption-bucket-key-enabled");
  if (!r.customer_key.empty()) {
    if (alg || key_id || context || bucket_key) {
      return invalid(
          "Server Side Encryption with Customer provided key is incompatible with the "
          "encryption method specified");
    }
    r.mode = services::SseMode::kCustomer;
    return r;
  }
  if (!alg) {
    if (key_id || context) {
      return invalid(
          "x-amz-server-side-encryption-aws-kms-key-id and -context need "
          "x-amz-server-side-encryption: aws:kms");
    }
    return r;
  }
  auto mode = parse_sse_algorithm(*alg);
  if (!mode && *alg == "aws:kms:dsse") {
    return s3_status(S3Error::kNotImplemented,
                     "dual-layer SSE-KMS (aws:kms:dsse) is not supported");
  }
  if (!mode) return invalid("The encryption method specified is not supported");
  r.mode = *mode;
  if (r.mode == services::SseMode::kS3 && (key_id || context)) {
    return invalid("a KMS key or context needs x-amz-server-side-encryption: aws:kms");
  }
  if (key_id) r.kms_key_id = std::string(*key_id);
  if (context) {
    auto json = base64_decode(*context);
    if (!json.is_ok() || json->empty() || json->front() != '{') {
      return invalid("x-amz-server-side-encryption-context must be base64 of a JSON object");
    }
    r.kms_context = std::string(*context);
  }
  if (bucket_key) {
    if (*bucket_key != "true" && *bucket_key != "false") {
      return invalid("x-amz-server-side-encryption-bucket-key-enabled must be true or false");
    }
    r.bucket_key = *bucket_key == "true";
  }
  return r;
}

void set_sse_headers(const S3Context& ctx, const services::SseInfo& sse, http::HttpResponse& r) {
  switch (sse.mode) {
    case services::SseMode::kNone:
      return;
    case services::SseMode::kCustomer:
      r.set("x-amz-server-side-encryption-customer-algorithm", "AES256");
      if (auto md5 = ctx.header(std::string(kCustomerKeyHeaders) + "key-md5")) {
        r.set("x-amz-server-side-encryption-customer-key-MD5", std::string(*md5));
      }
      return;
    case services::SseMode::kS3:
    case services::SseMode::kKms:
      r.set("x-amz-server-side-encryption", std::string(sse_algorithm_name(sse.mode)));
      if (sse.mode == services::SseMode::kKms) {
        r.set("x-amz-server-side-encryption-aws-kms-key-id", sse.kms_key_id);
        if (!sse.kms_context.empty()) {
          r.set("x-amz-server-side-encryption-context", sse.kms_context);
        }
      }
      if (sse.bucket_key) r.set("x-amz-server-side-encryption-bucket-key-enabled", "true");
      return;
  }
}

}  // namespace skyarray::s3
