// S3RequestIo: what several handler rooms do with a request's bytes and
// headers — read a small XML body (verified against Content-MD5 and
// x-amz-checksum-*), open an object body and stream it into an
// ObjectWriter, turn the headers of a write into PutOptions, and put an
// object's headers on a response. Internal to protocols/s3.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/async.h"
#include "common/status.h"
#include "protocols/s3/s3_api.h"
#include "protocols/s3/s3_context.h"
#include "services/objects/object_writer.h"

namespace skyarray::s3 {

class RequestBody;

class S3RequestIo {
 public:
  explicit S3RequestIo(const S3ApiOptions& options) : options_(options) {}

  // Reads a small XML body (≤ max_xml_body), verifying payload hashes; the
  // body authorize() already read when it did.
  Task<Result<std::string>> read_xml(S3Context& ctx) const;
  // Opens the body and checks its announced size against max_put_size.
  Result<std::unique_ptr<RequestBody>> open_body(S3Context& ctx) const;
  // Shared by put, append and upload part: streams the body into `writer`,
  // applies trailer checksums, commits. Aborts the writer on any failure.
  Task<Result<services::ObjectInfo>> stream_into(RequestBody& body,
                                                 services::ObjectWriter& writer) const;
  // PutOptions from headers (content, metadata, tags, class, MD5, checksums,
  // write conditions, ACL); `for_part`: the digests only.
  Result<services::PutOptions> put_options(const S3Context& ctx, bool for_part) const;
  // Adds the object headers of GET/HEAD (and PUT's checksum echo).
  void object_headers(const S3Context& ctx, const services::ObjectInfo& info, Response& r) const;

  const S3ApiOptions& options() const { return options_; }

 private:
  const S3ApiOptions& options_;
};

// A field of a new object's description by name (a request header, or a
// form field of a browser upload); nullopt when absent.
using FieldLookup = std::function<std::optional<std::string_view>(std::string_view name)>;
// Content-* and the storage class of a new object from `get`
// (InvalidStorageClass for an unknown class).
Status read_content_and_class(const FieldLookup& get, services::PutOptions* o);

// Whether the request states its body's integrity: Content-MD5, an
// x-amz-checksum-<alg> header, or a checksum announced for a trailer (S3
// requires one for Object Lock PUTs).
bool has_payload_digest(const S3Context& ctx);

// A non-negative decimal count (InvalidArgument naming `what`).
Result<uint64_t> parse_count(std::string_view v, std::string_view what);
// If-Match, If-None-Match, If-(Un)Modified-Since under `prefix` ("" or
// "x-amz-copy-source-"); unparseable dates are ignored, as HTTP says.
void read_conditions(const S3Context& ctx, std::string_view prefix, services::Conditions* c);

}  // namespace skyarray::s3
