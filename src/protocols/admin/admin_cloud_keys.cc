#include "protocols/admin/admin_cloud_keys.h"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "common/encoding.h"
#include "common/json_fields.h"
#include "services/cloud/cloud_sync.h"
#include "services/cloud/encrypt_format.h"

namespace json = boost::json;

namespace skyarray::admin {

Task<std::optional<http::HttpResponse>> CloudKeysAdmin::handle(const AdminCall& call) {
  if (call.path.size() != 4 || call.path[0] != "cloud" || call.path[1] != "targets" ||
      call.path[3] != "key")
    co_return std::nullopt;
  if (call.is("PUT", {"cloud", "targets", "*", "key"})) co_return co_await import_key(call);
  if (!call.is("GET", {"cloud", "targets", "*", "key"})) co_return std::nullopt;
  auto target = cloud_.target(call.path[2]);
  if (!target)
    co_return error_response(Status::not_found("no cloud target '" + call.path[2] + "'"));
  if (target->encryption_key_id.empty())
    co_return error_response(
        Status::not_found("cloud target '" + call.path[2] + "' has no encryption key"));
  spdlog::info("admin: {} exported encryption key {} of cloud target {}", call.caller,
               target->encryption_key_id, target->name);
  co_return json_response(200, {{"target", target->name},
                                {"key_id", target->encryption_key_id},
                                {"key", base64_encode(target->encryption_key)}});
}

Task<http::HttpResponse> CloudKeysAdmin::import_key(const AdminCall& call) {
  auto target = cloud_.target(call.path[2]);
  if (!target)
    co_return error_response(Status::not_found("no cloud target '" + call.path[2] + "'"));
  std::string key_id = json_fields::string_of(call.body, "key_id");
  auto key = base64_decode(json_fields::string_of(call.body, "key"));
  if (!key.is_ok() || key->size() != services::kEncryptKeySize || key_id.empty())
    co_return error_response(
        Status::invalid_argument("key_id and a base64 32-byte key are required"));
  if (!target->encryption_key_id.empty()) {
    if (target->encryption_key_id == key_id && target->encryption_key == *key)
      co_return json_response(200, {{"target", target->name}, {"key_id", key_id}});
    co_return error_response(
        Status(StatusCode::kConflict,
               "cloud target '" + target->name + "' already has key " + target->encryption_key_id));
  }
  target->encryption_key_id = key_id;
  target->encryption_key = std::move(*key);
  Status s = co_await cloud_.add_target(*target, true);
  if (!s.is_ok()) co_return error_response(s);
  spdlog::info("admin: {} imported encryption key {} for cloud target {}", call.caller, key_id,
               target->name);
  co_return json_response(200, {{"target", target->name}, {"key_id", key_id}});
}

}  // namespace skyarray::admin
