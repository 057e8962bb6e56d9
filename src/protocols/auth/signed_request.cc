// verify_signed_request (signed_request.h).
#include "protocols/auth/signed_request.h"

namespace skyarray::auth {

Result<SignableRequest> signable_request(std::string method, std::string_view target,
                                         HeaderPairs headers) {
  SignableRequest signable;
  signable.method = std::move(method);
  size_t q = target.find('?');
  signable.raw_path = std::string(target.substr(0, q));
  if (q != std::string_view::npos) {
    SKY_ASSIGN_OR_RETURN(signable.query, parse_query(target.substr(q + 1)));
  }
  signable.headers = std::move(headers);
  return signable;
}

Task<Result<KeyOwner>> verify_signed_request(const SignableRequest& request, std::string_view body,
                                             const KeyLookup& lookup, Timestamp now) {
  auto auth = parse_auth(request);
  if (!auth.is_ok()) co_return Status(StatusCode::kUnauthenticated, auth.status().message());
  if (auth->kind == AuthKind::kAnonymous) {
    co_return Status(StatusCode::kUnauthenticated, "requests must be signed (AWS SigV4)");
  }
  auto owner = co_await lookup(auth->access_key);
  if (!owner.is_ok()) co_return owner.status();
  auto verified = verify(*auth, request, owner->secret, now);
  if (!verified.is_ok()) {
    co_return Status(StatusCode::kSignatureMismatch, verified.status().message());
  }
  if (is_streaming(verified->payload)) {
    co_return Status::invalid_argument("streaming payloads are not accepted here");
  }
  if (verified->payload == PayloadMode::kSha256 && hex(sha256(body)) != verified->payload_sha256) {
    co_return Status(StatusCode::kBadDigest, "body does not match x-amz-content-sha256");
  }
  co_return std::move(owner).value();
}

}  // namespace skyarray::auth
