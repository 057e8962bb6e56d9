#include "services/security/user_codec.h"

#include <boost/json.hpp>

#include "common/encoding.h"
#include "common/time.h"

namespace skyarray::services {

namespace json = boost::json;

namespace {

Result<json::object> parse_record(std::string_view raw, const char* what) {
  boost::system::error_code ec;
  json::value v = json::parse(raw, ec);
  if (ec || !v.is_object()) return Status::corruption(std::string("undecodable ") + what);
  return std::move(v.as_object());
}

}  // namespace

std::string UserCodec::encode(const User& u) {
  return json::serialize(json::object{{"v", 1},
                                      {"id", u.user_id},
                                      {"name", u.display_name},
                                      {"created_ns", to_ns(u.created)},
                                      {"root", u.root}});
}

Result<User> UserCodec::decode_user(std::string_view raw) {
  SKY_ASSIGN_OR_RETURN(auto o, parse_record(raw, "user record"));
  const auto *id = o.if_contains("id"), *name = o.if_contains("name"),
             *created = o.if_contains("created_ns"), *root = o.if_contains("root"),
             *ver = o.if_contains("v");
  if (!id || !id->is_string() || !name || !name->is_string() || !created || !created->is_int64() ||
      !root || !root->is_bool() || !ver || !ver->is_int64() || ver->as_int64() != 1) {
    return Status::corruption("undecodable user record");
  }
  return User{std::string(id->as_string()), std::string(name->as_string()),
              from_ns(created->as_int64()), root->as_bool()};
}

std::string UserCodec::encode(const StoredAccessKey& k) {
  return json::serialize(json::object{{"v", 1},
                                      {"key", k.key.access_key_id},
                                      {"user", k.key.user_id},
                                      {"created_ns", to_ns(k.key.created)},
                                      {"active", k.key.active},
                                      {"secret", base64_encode(k.sealed_secret)}});
}

Result<StoredAccessKey> UserCodec::decode_key(std::string_view raw) {
  SKY_ASSIGN_OR_RETURN(auto o, parse_record(raw, "key record"));
  const auto *id = o.if_contains("key"), *user = o.if_contains("user"),
             *created = o.if_contains("created_ns"), *active = o.if_contains("active"),
             *secret = o.if_contains("secret");
  if (!id || !id->is_string() || !user || !user->is_string() || !created || !created->is_int64() ||
      !active || !active->is_bool() || !secret || !secret->is_string()) {
    return Status::corruption("undecodable key record");
  }
  SKY_ASSIGN_OR_RETURN(auto sealed, base64_decode(secret->as_string()));
  return StoredAccessKey{AccessKey{std::string(id->as_string()), std::string(user->as_string()),
                                   from_ns(created->as_int64()), active->as_bool()},
                         std::move(sealed)};
}

}  // namespace skyarray::services
