#include "protocols/admin/admin_tokens.h"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "common/json_fields.h"
#include "common/time.h"
#include "services/security/token_store.h"

namespace json = boost::json;

namespace skyarray::admin {

namespace {

constexpr int64_t kDefaultTtlSeconds = 12 * 3600;

json::object token_json(const services::ApiToken& t) {
  return json::object{{"id", t.id},
                      {"user", t.user_id},
                      {"scope", t.scope},
                      {"created", format_iso8601(t.created)},
                      {"expires", format_iso8601(t.expires)}};
}

}  // namespace

Task<std::optional<http::HttpResponse>> TokensAdmin::handle(const AdminCall& call) {
  if (call.path.empty() || call.path[0] != "tokens") co_return std::nullopt;
  if (call.is("POST", {"tokens"})) {
    std::string user = json_fields::string_of(call.body, "user");
    std::string scope = json_fields::string_of(call.body, "scope");
    int64_t ttl = json_fields::int_of(call.body, "ttl_seconds", kDefaultTtlSeconds);
    auto made = co_await tokens_.create(user, scope, std::chrono::seconds(ttl));
    if (!made.is_ok()) co_return error_response(made.status());
    spdlog::info("admin: {} issued {} token {} for user {}", call.caller, scope, made->record.id,
                 user);
    json::object o = token_json(made->record);
    o["token"] = made->token;
    co_return json_response(201, o);
  }
  if (call.is("GET", {"tokens"})) {
    auto all = co_await tokens_.list();
    if (!all.is_ok()) co_return error_response(all.status());
    json::array list;
    for (const auto& t : *all) list.push_back(token_json(t));
    co_return json_response(200, {{"tokens", list}});
  }
  if (call.is("DELETE", {"tokens", "*"})) {
    Status s = co_await tokens_.revoke(call.path[1]);
    if (!s.is_ok()) co_return error_response(s);
    spdlog::info("admin: {} revoked token {}", call.caller, call.path[1]);
    co_return json_response(200, {{"revoked", call.path[1]}});
  }
  co_return error_response(Status::not_found("no such token route"));
}

}  // namespace skyarray::admin
