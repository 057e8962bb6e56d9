// S3PostObjectHandler: browser-form uploads (s3_post_object_handler.h).
#include "protocols/s3/s3_post_object_handler.h"

#include <chrono>
#include "common/ascii.h"
#include "common/encoding.h"
#include "protocols/s3/form_data_parser.h"
#include "protocols/s3/post_policy.h"
#include "protocols/s3/s3_acl.h"
#include "protocols/s3/s3_authorizer.h"
#include "protocols/s3/s3_body.h"
#include "protocols/s3/s3_request_io.h"
#include "protocols/s3/s3_xml.h"

namespace skyarray::s3 {

namespace {

using FieldMap = std::map<std::string, std::string>;

Status malformed_post(std::string_view why) {
  return s3_status(
      S3Error::kMalformedPOSTRequest,
      "The body of your POST request is not well-formed multipart/form-data: " + std::string(why));
}

const std::string* field(const FieldMap& f, const std::string& name) {
  auto it = f.find(name);
  return it == f.end() ? nullptr : &it->second;
}

// Form fields S3 defines that ask for what this array does not do.
Status refuse_unsupported(const FieldMap& f) {
  for (const auto& [name, value] : f) {
    for (std::string_view p : {"x-amz-server-side-encryption", "x-amz-checksum-",
                               "x-amz-object-lock-", "x-amz-website-redirect-location",
                               "x-amz-security-token", "awsaccesskeyid", "signature"}) {
      if (name.rfind(p, 0) == 0) {
        return s3_status(S3Error::kNotImplemented,
                         "the form field '" + name + "' is not implemented");
      }
    }
  }
  return Status::ok();
}

// "AKID/20261207/us-east-1/s3/aws4_request" → its parts.
struct Credential {
  std::string access_key, date, region;
};
Result<Credential> parse_credential(std::string_view c) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (;;) {
    size_t slash = c.find('/', start);
    parts.push_back(c.substr(start, slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  if (parts.size() != 5 || parts[0].empty() || parts[1].size() != 8 || parts[3] != "s3" ||
      parts[4] != "aws4_request") {
    return s3_status(S3Error::kInvalidArgument,
                     "x-amz-credential must be <key>/<date>/<region>/s3/aws4_request");
  }
  return Credential{std::string(parts[0]), std::string(parts[1]), std::string(parts[2])};
}

std::string query_escape(std::string_view s) {
  return auth::uri_encode(s, true);
}

}  // namespace

Task<Result<services::Caller>> S3PostObjectHandler::authenticate_post(S3Context& ctx,
                                                                      const FieldMap& fields) {
  const std::string* policy_b64 = field(fields, "policy");
  if (!policy_b64) {
    if (field(fields, "x-amz-signature")) {
      co_return s3_status(S3Error::kInvalidArgument,
                          "a signed POST needs the policy it signs (field 'policy')");
    }
    co_return services::Caller{};  // anonymous
  }
  const std::string* algorithm = field(fields, "x-amz-algorithm");
  const std::string* credential = field(fields, "x-amz-credential");
  const std::string* signature = field(fields, "x-amz-signature");
  if (!algorithm || !credential || !signature || !field(fields, "x-amz-date")) {
    co_return s3_status(S3Error::kInvalidArgument,
                        "a POST policy needs x-amz-algorithm, x-amz-credential, x-amz-date and "
                        "x-amz-signature fields");
  }
  if (*algorithm != "AWS4-HMAC-SHA256") {
    co_return s3_status(S3Error::kInvalidArgument,
                        "x-amz-algorithm must be AWS4-HMAC-SHA256, not '" + *algorithm + "'");
  }
  SKY_CO_ASSIGN_OR_RETURN(auto cred, parse_credential(*credential));
  auto user = co_await users_.lookup(cred.access_key);
  if (!user.is_ok()) {
    if (user.status().code() == StatusCode::kUnauthenticated ||
        user.status().code() == StatusCode::kNotFound) {
      co_return s3_status(S3Error::kInvalidAccessKeyId,
                          "the AWS access key id you provided does not exist in our records");
    }
    co_return user.status();
  }
  // The SigV4 signing key of the credential's scope signs the policy text.
  std::string key = auth::signing_key(user->secret, cred.date, cred.region, "s3");
  std::string expected = auth::hex(auth::hmac_sha256(key, *policy_b64));
  if (!auth::constant_time_equals(expected, ascii_lower(*signature))) {
    co_return s3_status(S3Error::kSignatureDoesNotMatch,
                        "The request signature we calculated does not match the signature you "
                        "provided. Check your key and signing method.");
  }
  auto decoded = base64_decode(*policy_b64);
  if (!decoded.is_ok()) {
    co_return s3_status(S3Error::kInvalidPolicyDocument, "Invalid Policy: not base64");
  }
  SKY_CO_ASSIGN_OR_RETURN(auto policy, PostPolicy::parse(*decoded));
  FieldMap checked = fields;
  checked["bucket"] = ctx.target.bucket;
  SKY_CO_RETURN_IF_ERROR(policy.check(checked, std::chrono::system_clock::now()));
  if (auto range = policy.content_length_range()) ctx.post_size_range = *range;
  ctx.auth.access_key = cred.access_key;
  services::Caller caller;
  caller.user_id = user->user_id;
  co_return caller;
}

Result<services::PutOptions> S3PostObjectHandler::post_put_options(const S3Context& ctx,
                                                                   const FieldMap& fields) const {
  SKY_RETURN_IF_ERROR(refuse_unsupported(fields));
  services::PutOptions o;
  size_t meta_bytes = 0;
  for (const auto& [name, value] : fields) {
    if (name.rfind("x-amz-meta-", 0) != 0) continue;
    std::string key = name.substr(11);
    meta_bytes += key.size() + value.size();
    o.user_metadata[key] = value;
  }
  if (meta_bytes > io_.options().max_metadata_bytes) {
    return s3_status(S3Error::kMetadataTooLarge,
                     "your metadata headers exceed the maximum allowed "
                     "metadata size (2 KB)");
  }
  auto get = [&](std::string_view name) -> std::optional<std::string_view> {
    if (auto v = field(fields, std::string(name))) return std::string_view(*v);
    return std::nullopt;
  };
  SKY_RETURN_IF_ERROR(read_content_and_class(get, &o));
  if (auto tagging = field(fields, "tagging")) {
    SKY_ASSIGN_OR_RETURN(o.tags, parse_tagging(*tagging, services::kMaxTags));
  }
  if (auto acl = field(fields, "acl")) {
    auto canned = services::AccessControlList::canned(*acl);
    if (!canned.is_ok()) return s3_status(S3Error::kInvalidArgument, canned.status().message());
    SKY_RETURN_IF_ERROR(check_acl_allowed(std::string_view(*acl), *canned, *ctx.access));
    o.acl = std::move(canned).value();
  }
  return o;
}

namespace {

// ${filename} in the key field: the name of the uploaded file (without its
// path).
std::string expand_filename(std::string key, std::string filename) {
  if (size_t slash = filename.find_last_of("/\\"); slash != std::string::npos) {
    filename = filename.substr(slash + 1);
  }
  for (size_t at = key.find("${filename}"); at != std::string::npos;
       at = key.find("${filename}", at + filename.size())) {
    key.replace(at, 11, filename);
  }
  return key;
}

// The answer the form asked for.
Response post_response(const S3Context& ctx, const std::map<std::string, std::string>& fields,
                       const std::string& key, const services::ObjectInfo& info) {
  std::string etag = quote_etag(info.etag);
  std::string host(ctx.header("host").value_or(""));
  std::string location = std::string(ctx.http.secure() ? "https://" : "http://") + host + "/" +
                         ctx.target.bucket + "/" + auth::uri_encode(key, false);
  const std::string* redirect = field(fields, "success_action_redirect");
  if (!redirect) redirect = field(fields, "redirect");
  Response r;
  if (redirect && (redirect->rfind("http://", 0) == 0 || redirect->rfind("https://", 0) == 0)) {
    r.status = 303;
    r.set("Location", *redirect + (redirect->find('?') == std::string::npos ? "?" : "&") +
                          "bucket=" + query_escape(ctx.target.bucket) +
                          "&key=" + query_escape(key) + "&etag=" + query_escape(etag));
  } else {
    const std::string* status = field(fields, "success_action_status");
    if (status && *status == "201") {
      XmlWriter w("PostResponse", false);
      w.elem("Location", location).elem("Bucket", ctx.target.bucket).elem("Key", key);
      w.elem("ETag", etag);
      r = xml_response(201, w.finish());
    } else {
      r.status = status && *status == "200" ? 200 : 204;
    }
    r.set("Location", location);
  }
  r.set("ETag", etag);
  if (!info.version_id.empty() && info.version_id != "null") {
    r.set("x-amz-version-id", info.version_id);
  }
  return r;
}

}  // namespace

Task<Status> S3PostObjectHandler::stream_file(S3Context& ctx, RequestBody& body,
                                              FormDataParser& parser, bool at_end,
                                              services::ObjectWriter& writer) {
  uint64_t min_size = 0, max_size = io_.options().max_put_size;
  if (ctx.post_size_range) {
    min_size = ctx.post_size_range->first;
    max_size = std::min(max_size, ctx.post_size_range->second);
  }
  Status failure;
  uint64_t size = 0;
  for (;;) {
    std::string data = parser.take_file_data();
    if (!data.empty()) {
      size += data.size();
      if (size > max_size) {
        failure = s3_status(S3Error::kEntityTooLarge,
                            "Your proposed upload exceeds the maximum allowed size");
        break;
      }
      if (Status s = co_await writer.write(Buffer::copy_of(data)); !s.is_ok()) {
        failure = s;
        break;
      }
    }
    if (parser.done() || at_end) break;
    auto piece = co_await body.next(io_.options().stream_buffer);
    if (!piece.is_ok()) {
      failure = piece.status();
      break;
    }
    if (piece->empty()) {
      at_end = true;
      continue;
    }
    if (Status s = parser.feed(piece->view()); !s.is_ok()) {
      failure = malformed_post(s.message());
      break;
    }
  }
  if (failure.is_ok() && !parser.done())
    failure = malformed_post("the closing delimiter is missing");
  if (failure.is_ok() && size < min_size) {
    failure = s3_status(S3Error::kEntityTooSmall,
                        "Your proposed upload is smaller than the minimum allowed size");
  }
  // The rest of the body (parts after the file) is read and dropped.
  while (failure.is_ok() && !at_end) {
    auto piece = co_await body.next(io_.options().stream_buffer);
    if (!piece.is_ok())
      failure = piece.status();
    else
      at_end = piece->empty();
  }
  if (!failure.is_ok()) co_await writer.abort();
  co_return failure;
}

Task<Response> S3PostObjectHandler::post_object(S3Context& ctx) {
  auto fail = [&](const Status& s) { return error_response(ctx, s, Subject::kObject); };
  auto boundary = FormDataParser::boundary_of(ctx.header("content-type").value_or(""));
  if (!boundary.is_ok()) co_return fail(malformed_post(boundary.status().message()));
  auto body = RequestBody::open(ctx.http, ctx.auth);
  if (!body.is_ok()) co_return fail(body.status());
  FormDataParser parser(*boundary);

  // 1. The fields, up to the file.
  bool at_end = false;
  while (!parser.file_started() && !parser.done()) {
    auto piece = co_await (*body)->next(io_.options().stream_buffer);
    if (!piece.is_ok()) co_return fail(piece.status());
    if (piece->empty()) {
      at_end = true;
      break;
    }
    if (Status s = parser.feed(piece->view()); !s.is_ok())
      co_return fail(malformed_post(s.message()));
  }
  if (!parser.file_started()) {
    co_return fail(
        s3_status(S3Error::kInvalidArgument, "POST requires exactly one file upload per request."));
  }
  FieldMap fields;
  for (const auto& f : parser.fields()) fields[ascii_lower(f.name)] = f.value;
  const std::string* key_field = field(fields, "key");
  if (!key_field || key_field->empty()) {
    co_return fail(s3_status(S3Error::kInvalidArgument,
                             "Bucket POST must contain a field named 'key'.  If it is specified, "
                             "please check the order of the fields."));
  }
  std::string key = expand_filename(*key_field, parser.filename());
  ctx.target.key = key;
  fields["key"] = key;  // conditions on $key see the final key (S3)

  // 2. Who uploads, and may they.
  auto caller = co_await authenticate_post(ctx, fields);
  if (!caller.is_ok()) co_return fail(caller.status());
  ctx.caller.user_id = caller->user_id;
  auto ok = co_await auth_.allowed(ctx, "s3:PutObject", ctx.target.bucket, key, std::nullopt);
  if (!ok.is_ok()) co_return fail(ok.status());
  if (!*ok) co_return fail(s3_status(S3Error::kAccessDenied, "Access Denied"));

  // 3. The file, streamed.
  auto opts = post_put_options(ctx, fields);
  if (!opts.is_ok()) co_return fail(opts.status());
  auto writer = co_await writes_.put_object(ctx.caller, ctx.target.bucket, key, std::move(*opts));
  if (!writer.is_ok()) co_return fail(writer.status());
  Status streamed = co_await stream_file(ctx, **body, parser, at_end, **writer);
  if (!streamed.is_ok()) co_return fail(streamed);
  auto info = co_await (*writer)->commit();
  if (!info.is_ok()) co_return fail(info.status());
  co_return post_response(ctx, fields, key, *info);
}

}  // namespace skyarray::s3
