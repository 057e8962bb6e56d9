// KMS key admin routes (admin_kms.h).
#include "protocols/admin/admin_kms.h"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "common/json_fields.h"
#include "common/runtime.h"
#include "common/time.h"
#include "services/security/key_store.h"

namespace json = boost::json;

namespace skyarray::admin {

namespace {

json::object key_json(const services::KmsKey& k) {
  return json::object{{"id", k.id},
                      {"description", k.description},
                      {"enabled", k.enabled},
                      {"versions", k.versions},
                      {"created", format_iso8601(from_ns(k.created_ns))},
                      {"rotated", k.rotated_ns ? format_iso8601(from_ns(k.rotated_ns)) : ""}};
}

}  // namespace

Task<std::optional<http::HttpResponse>> KmsAdmin::handle(const AdminCall& call) {
  if (call.path.size() < 2 || call.path[0] != "kms" || call.path[1] != "keys") {
    co_return std::nullopt;
  }
  if (call.is("GET", {"kms", "keys"})) {
    json::array list;
    for (const auto& k : keys_.list()) list.push_back(key_json(k));
    co_return json_response(200, {{"keys", list}});
  }
  if (call.is("POST", {"kms", "keys"})) {
    std::string description = json_fields::string_of(call.body, "description");
    auto made = co_await rt_.blocking([&] { return keys_.create(description); });
    if (!made.is_ok()) co_return error_response(made.status());
    spdlog::info("admin: {} created KMS key {}", call.caller, made->id);
    co_return json_response(201, key_json(*made));
  }
  if (call.method == "POST" && call.path.size() == 4) {
    const std::string& id = call.path[2];
    const std::string& verb = call.path[3];
    Result<services::KmsKey> r = Status::not_found("no such KMS key route");
    if (verb == "rotate") {
      r = co_await rt_.blocking([&] { return keys_.rotate(id); });
    } else if (verb == "disable" || verb == "enable") {
      r = co_await rt_.blocking([&] { return keys_.set_enabled(id, verb == "enable"); });
    } else {
      co_return error_response(r.status());
    }
    if (!r.is_ok()) co_return error_response(r.status());
    spdlog::info("admin: {} {}d KMS key {}", call.caller, verb, id);
    json::object out = key_json(*r);
    if (verb == "rotate") {
      auto resealed = co_await reseal_(r->id);
      if (!resealed.is_ok()) co_return error_response(resealed.status());
      spdlog::info("admin: {} data keys resealed under KMS key {} version {}", *resealed, r->id,
                   r->versions);
      out["resealed"] = *resealed;
    }
    co_return json_response(200, out);
  }
  co_return error_response(Status::not_found("no such KMS key route"));
}

}  // namespace skyarray::admin
