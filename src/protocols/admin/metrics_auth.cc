#include "protocols/admin/metrics_auth.h"

#include <openssl/rand.h>

#include "common/encoding.h"
#include "common/private_file.h"
#include "protocols/auth/sigv4.h"
#include "protocols/http/http_message.h"

namespace skyarray::admin {

namespace {

constexpr size_t kTokenBytes = 32;
constexpr std::string_view kBearer = "Bearer ";

Result<std::string> load_or_create_token(const std::string& path) {
  auto existing = read_private_file(path);
  if (existing.is_ok()) {
    std::string token = *existing;
    while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
    if (token.empty()) return Status::invalid_argument(path + " is empty");
    return token;
  }
  if (existing.status().code() != StatusCode::kNotFound) return existing.status();
  std::string raw(kTokenBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(raw.size())) != 1) {
    return Status::internal("no randomness for the metrics token");
  }
  std::string token = hex_encode(raw);
  SKY_RETURN_IF_ERROR(write_private_file(path, token + "\n"));
  return token;
}

}  // namespace

std::string MetricsAuth::token_path(const std::string& data_dir) {
  return data_dir + "/metrics-token";
}

Result<MetricsAuth> MetricsAuth::open(const std::string& data_dir, const std::string& mode) {
  MetricsAuth auth;
  if (mode == "none") return auth;
  if (mode != "token") {
    return Status::invalid_argument("admin.metrics_auth must be \"token\" or \"none\", got \"" +
                                    mode + "\"");
  }
  SKY_ASSIGN_OR_RETURN(auth.token_, load_or_create_token(token_path(data_dir)));
  return auth;
}

bool MetricsAuth::allows(const http::HttpRequest& request) const {
  if (token_.empty()) return true;
  auto header = request.header("Authorization");
  if (!header || !header->starts_with(kBearer)) return false;
  return auth::constant_time_equals(header->substr(kBearer.size()), token_);
}

http::HttpResponse MetricsAuth::refusal() {
  http::HttpResponse r;
  r.status = 401;
  r.set("WWW-Authenticate", "Bearer realm=\"skyarray-metrics\"");
  r.set("Content-Type", "text/plain; charset=utf-8");
  r.body = "GET /metrics needs Authorization: Bearer <token from <data>/metrics-token>\n";
  return r;
}

}  // namespace skyarray::admin
