#include "protocols/admin/metrics_auth.h"

#include "protocols/auth/sigv4.h"
#include "protocols/http/http_message.h"
#include "services/security/bearer_token.h"

namespace skyarray::admin {

namespace {

constexpr std::string_view kBearer = "Bearer ";

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
  SKY_ASSIGN_OR_RETURN(auth.token_, services::load_or_create_bearer_token(token_path(data_dir)));
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
