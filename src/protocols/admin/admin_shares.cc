#include "protocols/admin/admin_shares.h"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "common/json_fields.h"
#include "services/files/file_service.h"

namespace json = boost::json;

namespace skyarray::admin {

namespace {

std::string octal(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04o", v);
  return buf;
}

json::object share_json(const services::Share& s) {
  json::object o = s.to_json();
  o.erase("v");
  o.erase("created_ns");
  o["file_mode"] = octal(s.file_mode);
  o["dir_mode"] = octal(s.dir_mode);
  o["created"] = format_iso8601(std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::nanoseconds(s.created_ns))));
  return o;
}

Result<uint32_t> uint_value(const json::value& v, std::string_view key) {
  if (v.is_int64() && v.as_int64() >= 0 && v.as_int64() <= 0xffffffffll)
    return static_cast<uint32_t>(v.as_int64());
  if (v.is_uint64() && v.as_uint64() <= 0xffffffffull) return static_cast<uint32_t>(v.as_uint64());
  return Status::invalid_argument(std::string(key) + " must be a non-negative integer");
}

Result<uint32_t> mode_value(const json::value& v, std::string_view key) {
  if (!v.is_string()) return uint_value(v, key);
  uint32_t m = 0;
  std::string_view s = v.as_string();
  if (s.empty() || s.size() > 5) return Status::invalid_argument(std::string(key) + ": octal mode");
  for (char c : s) {
    if (c < '0' || c > '7') return Status::invalid_argument(std::string(key) + ": octal mode");
    m = m * 8 + static_cast<uint32_t>(c - '0');
  }
  return m;
}

Result<std::vector<std::string>> string_list(const json::value& v, std::string_view key) {
  std::vector<std::string> out;
  if (v.is_string()) {
    // "a,b" as the CLI sends a comma list
    std::string_view s = v.as_string();
    while (!s.empty()) {
      auto comma = s.find(',');
      if (comma != 0) out.emplace_back(s.substr(0, comma));
      if (comma == std::string_view::npos) break;
      s.remove_prefix(comma + 1);
    }
    return out;
  }
  if (!v.is_array()) return Status::invalid_argument(std::string(key) + " must be a list");
  for (const auto& e : v.as_array()) {
    if (!e.is_string()) return Status::invalid_argument(std::string(key) + " must hold strings");
    out.emplace_back(e.as_string());
  }
  return out;
}

// Applies the fields present in `body` to the share.
Status apply_fields(const json::object& body, services::Share* s) {
  for (const auto& [k, v] : body) {
    if (k == "name" || k == "bucket") continue;  // set at creation only
    if (k == "prefix") {
      if (!v.is_string()) return Status::invalid_argument("prefix must be a string");
      s->prefix = std::string(v.as_string());
      if (!s->prefix.empty() && s->prefix.back() != '/') s->prefix += '/';
    } else if (k == "protocols") {
      SKY_ASSIGN_OR_RETURN(s->protocols, string_list(v, k));
    } else if (k == "clients") {
      SKY_ASSIGN_OR_RETURN(s->clients, string_list(v, k));
    } else if (k == "read_only") {
      if (!v.is_bool()) return Status::invalid_argument("read_only must be true or false");
      s->read_only = v.as_bool();
    } else if (k == "squash") {
      if (!v.is_string()) return Status::invalid_argument("squash must be a string");
      SKY_ASSIGN_OR_RETURN(s->squash, services::parse_squash(v.as_string()));
    } else if (k == "anon_uid") {
      SKY_ASSIGN_OR_RETURN(s->anon_uid, uint_value(v, k));
    } else if (k == "anon_gid") {
      SKY_ASSIGN_OR_RETURN(s->anon_gid, uint_value(v, k));
    } else if (k == "uid") {
      SKY_ASSIGN_OR_RETURN(s->uid, uint_value(v, k));
    } else if (k == "gid") {
      SKY_ASSIGN_OR_RETURN(s->gid, uint_value(v, k));
    } else if (k == "file_mode") {
      SKY_ASSIGN_OR_RETURN(s->file_mode, mode_value(v, k));
    } else if (k == "dir_mode") {
      SKY_ASSIGN_OR_RETURN(s->dir_mode, mode_value(v, k));
    } else {
      return Status::invalid_argument("unknown share field '" + std::string(k) + "'");
    }
  }
  return Status::ok();
}

}  // namespace

Task<std::optional<http::HttpResponse>> SharesAdmin::handle(const AdminCall& call) {
  if (call.is("GET", {"shares"})) {
    json::array arr;
    for (const auto& s : files_.shares().list()) arr.push_back(share_json(s));
    co_return json_response(200, {{"shares", std::move(arr)}});
  }
  if (call.is("POST", {"shares"})) co_return co_await create(call);
  if (call.is("GET", {"shares", "*"})) {
    auto s = files_.shares().get(call.path[1]);
    if (!s) co_return error_response(Status::not_found("no share '" + call.path[1] + "'"));
    co_return json_response(200, share_json(*s));
  }
  if (call.is("PUT", {"shares", "*"})) co_return co_await change(call);
  if (call.is("DELETE", {"shares", "*"})) {
    Status s = co_await files_.remove_share(call.path[1]);
    if (!s.is_ok()) co_return error_response(s);
    spdlog::info("admin: {} removed share {}", call.caller, call.path[1]);
    co_return json_response(200, {{"removed", call.path[1]}});
  }
  co_return std::nullopt;
}

Task<http::HttpResponse> SharesAdmin::create(const AdminCall& call) {
  services::Share share;
  share.name = json_fields::string_of(call.body, "name");
  share.bucket = json_fields::string_of(call.body, "bucket");
  share.protocols = {"nfs"};
  Status s = apply_fields(call.body, &share);
  if (!s.is_ok()) co_return error_response(s);
  auto made = co_await files_.create_share(share);
  if (!made.is_ok()) co_return error_response(made.status());
  spdlog::info("admin: {} created share {} on bucket {}", call.caller, made->name, made->bucket);
  co_return json_response(201, share_json(*made));
}

Task<http::HttpResponse> SharesAdmin::change(const AdminCall& call) {
  const json::object& body = call.body;
  std::function<Status(services::Share&)> apply = [&body](services::Share& s) {
    return apply_fields(body, &s);
  };
  auto changed = co_await files_.update_share(call.path[1], apply);
  if (!changed.is_ok()) co_return error_response(changed.status());
  spdlog::info("admin: {} changed share {}", call.caller, call.path[1]);
  co_return json_response(200, share_json(*changed));
}

}  // namespace skyarray::admin
