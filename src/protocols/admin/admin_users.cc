#include "protocols/admin/admin_users.h"
#include "common/json_fields.h"

#include <spdlog/spdlog.h>
#include <boost/json.hpp>

#include "services/security/user_store.h"

namespace json = boost::json;

namespace skyarray::admin {

namespace {

json::object user_json(const services::User& u) {
  return {{"user_id", u.user_id},
          {"display_name", u.display_name},
          {"created", format_iso8601(u.created)},
          {"root", u.root}};
}

json::object key_json(const services::AccessKey& k) {
  return {{"access_key_id", k.access_key_id},
          {"user_id", k.user_id},
          {"created", format_iso8601(k.created)},
          {"active", k.active}};
}

}  // namespace

Task<std::optional<http::HttpResponse>> UsersAdmin::handle(const AdminCall& call) {
  if (call.is("GET", {"users"})) {
    auto list = co_await users_.list_users();
    if (!list.is_ok()) co_return error_response(list.status());
    json::array arr;
    for (const auto& u : *list) arr.push_back(user_json(u));
    co_return json_response(200, {{"users", std::move(arr)}});
  }
  if (call.is("POST", {"users"})) {
    std::string user_id = json_fields::string_of(call.body, "user_id");
    std::string display_name = json_fields::string_of(call.body, "display_name");
    auto user = co_await users_.create_user(user_id, display_name);
    if (!user.is_ok()) co_return error_response(user.status());
    spdlog::info("admin: {} created user {}", call.caller, user->user_id);
    co_return json_response(201, user_json(*user));
  }
  if (call.is("GET", {"users", "*"})) {
    auto user = co_await users_.get_user(call.path[1]);
    if (!user.is_ok()) co_return error_response(user.status());
    co_return json_response(200, user_json(*user));
  }
  if (call.is("DELETE", {"users", "*"})) {
    Status s = co_await users_.delete_user(call.path[1]);
    if (!s.is_ok()) co_return error_response(s);
    spdlog::info("admin: {} deleted user {}", call.caller, call.path[1]);
    co_return json_response(200, {{"deleted", call.path[1]}});
  }
  if (call.is("GET", {"users", "*", "keys"})) {
    auto keys = co_await users_.list_keys(call.path[1]);
    if (!keys.is_ok()) co_return error_response(keys.status());
    json::array arr;
    for (const auto& k : *keys) arr.push_back(key_json(k));
    co_return json_response(200, {{"keys", std::move(arr)}});
  }
  if (call.is("POST", {"users", "*", "keys"})) {
    auto key = co_await users_.create_key(call.path[1]);
    if (!key.is_ok()) co_return error_response(key.status());
    spdlog::info("admin: {} created access key {} for user {}", call.caller, key->key.access_key_id,
                 call.path[1]);
    json::object o = key_json(key->key);
    o["secret_access_key"] = key->secret;
    co_return json_response(201, o);
  }
  if (call.is("DELETE", {"keys", "*"})) {
    Status s = co_await users_.revoke_key(call.path[1]);
    if (!s.is_ok()) co_return error_response(s);
    spdlog::info("admin: {} revoked access key {}", call.caller, call.path[1]);
    co_return json_response(200, {{"revoked", call.path[1]}});
  }
  co_return std::nullopt;
}

}  // namespace skyarray::admin
