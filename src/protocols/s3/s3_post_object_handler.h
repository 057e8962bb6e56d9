// S3PostObjectHandler: PostObject, S3's browser-form upload (POST /bucket,
// multipart/form-data).
//
// The form's fields come first and are read whole (bounded,
// form_data_parser.h); the "file" part then streams into the object writer,
// never held in memory. A form with a "policy" is authenticated by its SigV4
// fields (x-amz-credential, x-amz-algorithm, x-amz-date, x-amz-signature: the
// hex HMAC of the base64 policy with the SigV4 signing key of the credential's
// scope) and checked against the policy (post_policy.h); a form without one
// is anonymous. Either way the uploader then needs s3:PutObject on the key,
// decided like any request (S3Authorizer::allowed).
//
// Response as S3: success_action_redirect (or redirect) → 303 to it with
// bucket, key and etag; else success_action_status 200, 201 (PostResponse
// XML) or 204 (the default). Internal to protocols/s3.
#pragma once

#include <map>
#include <string>

#include "common/async.h"
#include "protocols/s3/s3_context.h"
#include "services/objects/object_writes.h"
#include "services/security/user_store.h"

namespace skyarray::s3 {

class FormDataParser;
class RequestBody;
class S3Authorizer;
class S3RequestIo;

class S3PostObjectHandler {
 public:
  S3PostObjectHandler(services::ObjectWrites& writes, services::UserStore& users,
                      S3Authorizer& auth, const S3RequestIo& io)
      : writes_(writes), users_(users), auth_(auth), io_(io) {}

  // Authorized inside: who uploads is known only from the form's fields.
  Task<Response> post_object(S3Context& ctx);

 private:
  using FieldMap = std::map<std::string, std::string>;

  // The uploader: the policy's signer, or anonymous without a policy.
  Task<Result<services::Caller>> authenticate_post(S3Context& ctx, const FieldMap& fields);
  Result<services::PutOptions> post_put_options(const S3Context& ctx, const FieldMap& fields) const;
  // Streams the file part into `writer` and reads the rest of the body; the
  // writer is aborted on failure.
  Task<Status> stream_file(S3Context& ctx, RequestBody& body, FormDataParser& parser, bool at_end,
                           services::ObjectWriter& writer);

  services::ObjectWrites& writes_;
  services::UserStore& users_;
  S3Authorizer& auth_;
  const S3RequestIo& io_;
};

}  // namespace skyarray::s3
