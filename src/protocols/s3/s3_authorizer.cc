// S3Authorizer: the one authorization call of every request (s3_authorizer.h).
#include "protocols/s3/s3_authorizer.h"

#include <chrono>

#include "common/ascii.h"
#include "common/encoding.h"
#include "protocols/s3/s3_request_io.h"
#include "protocols/s3/s3_routes.h"
#include "protocols/s3/s3_xml.h"

namespace skyarray::s3 {

namespace {

Status access_denied() {
  return s3_status(S3Error::kAccessDenied, "Access Denied");
}

// s3:RequestObjectTagKeys and s3:RequestObjectTag/<key>: the tags the
// request sets (x-amz-tagging on a write, the body of PutObjectTagging read
// ahead by authorize() when the policy asks).
void add_request_tags(const S3Context& ctx, services::AccessRequest* request) {
  services::AccessRequest& r = *request;
  auto& c = r.context;
  std::optional<services::TagSet> tags;
  if (ctx.request_tags) {
    tags = *ctx.request_tags;
  } else if (auto t = ctx.header("x-amz-tagging")) {
    if (auto q = auth::parse_query(*t); q.is_ok()) tags = services::TagSet(q->begin(), q->end());
  }
  if (tags) {
    auto& keys = r.multi_context["s3:requestobjecttagkeys"];
    for (const auto& [k, v] : *tags) {
      keys.push_back(k);
      c["s3:requestobjecttag/" + ascii_lower(k)] = v;
    }
  }
}

// The request as the policy language sees it: principal, action, resource
// and, when a policy will read them (`conditions`), the condition keys the
// request carries. Ownership and ACLs need none of them, and building them
// is a good part of a small GET's cost.
services::AccessRequest access_request(const S3Context& ctx, std::string_view action,
                                       const std::string& bucket, const std::string& key,
                                       bool conditions) {
  services::AccessRequest r;
  r.user_id = ctx.caller.user_id;
  r.access_key = ctx.auth.access_key;
  r.action = std::string(action);
  r.bucket = bucket;
  r.key = key;
  if (!conditions) return r;
  auto& c = r.context;
  const std::string& remote = ctx.http.remote();  // "addr:port"
  if (size_t colon = remote.rfind(':'); colon != std::string::npos) {
    c["aws:sourceip"] = remote.substr(0, colon);
  }
  c["aws:securetransport"] = ctx.http.secure() ? "true" : "false";
  auto now = std::chrono::system_clock::now();
  c["aws:currenttime"] = format_iso8601(now);
  c["aws:epochtime"] = std::to_string(
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count());
  if (r.anonymous()) {
    c["aws:principaltype"] = "Anonymous";
  } else {
    c["aws:principaltype"] = "User";
    c["aws:username"] = r.user_id;
    c["aws:userid"] = r.user_id;
    // S3's values, so that a policy can require SigV4 ("AWS" is SigV2).
    c["s3:signatureversion"] =
        ctx.auth.version == auth::SignatureVersion::kV2 ? "AWS" : "AWS4-HMAC-SHA256";
    c["s3:authtype"] =
        ctx.auth.kind == auth::AuthKind::kPresigned ? "REST-QUERY-STRING" : "REST-HEADER";
  }
  for (const char* q : {"prefix", "delimiter", "max-keys"}) {
    if (auto v = ctx.target.get(q)) c[std::string("s3:") + q] = std::string(*v);
  }
  if (auto v = ctx.target.get("versionId")) c["s3:versionid"] = std::string(*v);
  for (const char* h : {"user-agent", "referer"}) {
    if (auto v = ctx.header(h)) c[std::string("aws:") + (h[0] == 'u' ? "useragent" : h)] = *v;
  }
  for (const char* h :
       {"x-amz-acl", "x-amz-grant-read", "x-amz-grant-write", "x-amz-grant-read-acp",
        "x-amz-grant-write-acp", "x-amz-grant-full-control", "x-amz-content-sha256",
        "x-amz-storage-class", "x-amz-copy-source", "x-amz-metadata-directive",
        "x-amz-server-side-encryption", "x-amz-server-side-encryption-aws-kms-key-id"}) {
    if (auto v = ctx.header(h)) c[std::string("s3:") + h] = std::string(*v);
  }
  add_request_tags(ctx, &r);
  return r;
}

// Actions for which S3 gives s3:ExistingObjectTag/<key> (the tags of the
// object version the request reads or changes).
bool reads_existing_tags(std::string_view action) {
  for (std::string_view a :
       {"s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectAcl", "s3:GetObjectVersionAcl",
        "s3:GetObjectTagging", "s3:GetObjectVersionTagging", "s3:PutObjectAcl",
        "s3:PutObjectVersionAcl", "s3:PutObjectTagging", "s3:PutObjectVersionTagging",
        "s3:DeleteObjectTagging", "s3:DeleteObjectVersionTagging"}) {
    if (a == action) return true;
  }
  return false;
}

}  // namespace

Task<Result<bool>> S3Authorizer::allowed(const S3Context& ctx, std::string_view action,
                                         const std::string& bucket, const std::string& key,
                                         const std::optional<std::string>& version_id) {
  std::shared_ptr<const services::BucketAccess> access = ctx.access;
  if (!access || bucket != ctx.target.bucket) {
    SKY_CO_ASSIGN_OR_RETURN(access, co_await buckets_.bucket_access(bucket));
  }
  services::AccessRequest r = access_request(ctx, action, bucket, key, access->policy != nullptr);
  if (access->policy && access->policy->reads_existing_object_tags() &&
      reads_existing_tags(action)) {
    // Only policies that name an object tag pay for this read.
    const services::Caller system{"", true, false};
    auto tags = co_await reads_.get_object_tagging(system, bucket, key, version_id);
    if (tags.is_ok()) {
      for (const auto& [k, v] : *tags) r.context["s3:existingobjecttag/" + ascii_lower(k)] = v;
    }
  }
  auto d = services::Authorizer::decide(r, *access, nullptr);
  if (d == services::AccessDecision::kImplicitDeny &&
      services::Authorizer::object_acl_may_grant(r, *access)) {
    // Only requests the bucket does not already settle pay for this read.
    const services::Caller system{"", true, false};
    auto acl = co_await reads_.get_object_acl(system, bucket, key, version_id);
    if (acl.is_ok()) d = services::Authorizer::decide(r, *access, &*acl);
  }
  co_return d == services::AccessDecision::kAllow;
}

Task<std::optional<Response>> S3Authorizer::authorize(S3Context& ctx) {
  const S3Route* row = ctx.route;
  const bool anonymous = ctx.caller.user_id.empty();
  if (row->level == S3Level::kService || row->action == "s3:CreateBucket") {
    // No bucket to ask yet: the caller acts on its own account.
    if (anonymous) co_return error_response(ctx, access_denied(), Subject::kBucket);
    co_return std::nullopt;
  }
  auto access = co_await buckets_.bucket_access(ctx.target.bucket);
  if (!access.is_ok()) co_return error_response(ctx, access.status(), Subject::kBucket);
  ctx.access = *access;
  // x-amz-expected-bucket-owner: the caller's guard against writing to (or
  // reading from) a bucket that changed hands; owner ids are user ids.
  if (auto expected = ctx.header("x-amz-expected-bucket-owner");
      expected && *expected != ctx.access->owner) {
    co_return error_response(ctx, access_denied(), Subject::kBucket);
  }
  // The service's owner check is replaced by this decision from here on.
  ctx.caller.authorized = true;
  // DeleteObjects is decided key by key (delete_objects); a form upload's
  // uploader is known from its fields (post_object).
  if (row->operation == "DeleteObjects" || row->operation == "PostObject") co_return std::nullopt;

  if (row->action == "s3:PutObjectTagging" && ctx.access->policy &&
      ctx.access->policy->reads_request_object_tags()) {
    // The tags this request sets are in its body: read it now (small,
    // verified) and hand it to put_object_tagging.
    auto xml = co_await io_.read_xml(ctx);
    if (!xml.is_ok()) co_return error_response(ctx, xml.status(), Subject::kObject);
    auto tags = parse_tagging(*xml, services::kMaxTags);
    if (!tags.is_ok()) co_return error_response(ctx, tags.status(), Subject::kObject);
    ctx.request_tags = std::move(*tags);
    ctx.xml_body = std::move(*xml);
  }

  std::optional<std::string> version;
  if (auto v = ctx.target.get("versionId")) version = std::string(*v);
  std::string_view action =
      version && !row->version_action.empty() ? row->version_action : row->action;
  auto ok = co_await allowed(ctx, action, ctx.target.bucket, ctx.target.key, version);
  if (!ok.is_ok()) co_return error_response(ctx, ok.status(), Subject::kBucket);
  if (!*ok) co_return error_response(ctx, access_denied(), Subject::kObject);

  if (auto source = ctx.header("x-amz-copy-source"); source && row->method == "PUT") {
    co_return co_await authorize_copy_source(ctx, *source);
  }
  co_return std::nullopt;
}

Task<std::optional<Response>> S3Authorizer::authorize_copy_source(S3Context& ctx,
                                                                  std::string_view source) {
  auto src = parse_copy_source(source);
  if (!src.is_ok()) co_return error_response(ctx, src.status(), Subject::kObject);
  std::string_view src_action = src->version_id ? "s3:GetObjectVersion" : "s3:GetObject";
  auto src_ok = co_await allowed(ctx, src_action, src->bucket, src->key, src->version_id);
  if (!src_ok.is_ok()) co_return error_response(ctx, src_ok.status(), Subject::kObject);
  if (!*src_ok) co_return error_response(ctx, access_denied(), Subject::kObject);
  if (auto expected = ctx.header("x-amz-source-expected-bucket-owner")) {
    auto src_access = co_await buckets_.bucket_access(src->bucket);
    if (!src_access.is_ok()) co_return error_response(ctx, src_access.status(), Subject::kBucket);
    if (*expected != (*src_access)->owner)
      co_return error_response(ctx, access_denied(), Subject::kObject);
  }
  co_return std::nullopt;
}

}  // namespace skyarray::s3
