#include "services/security/api_token.h"

#include <boost/json.hpp>

#include "common/json_fields.h"

namespace skyarray::services {

std::string ApiTokenCodec::encode(const ApiToken& t) {
  boost::json::object o{{"id", t.id},
                        {"user_id", t.user_id},
                        {"scope", t.scope},
                        {"created_ns", to_ns(t.created)},
                        {"expires_ns", to_ns(t.expires)},
                        {"secret_sha256", t.secret_sha256}};
  return boost::json::serialize(o);
}

Result<ApiToken> ApiTokenCodec::decode(std::string_view record) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(record, ec);
  if (ec || !v.is_object()) return Status(StatusCode::kCorruption, "unreadable token record");
  const auto& o = v.as_object();
  ApiToken t;
  t.id = json_fields::string_of(o, "id");
  t.user_id = json_fields::string_of(o, "user_id");
  t.scope = json_fields::string_of(o, "scope");
  t.created = from_ns(json_fields::int_of(o, "created_ns"));
  t.expires = from_ns(json_fields::int_of(o, "expires_ns"));
  t.secret_sha256 = json_fields::string_of(o, "secret_sha256");
  return t;
}

}  // namespace skyarray::services
