// MetricsAuth: who may read GET /metrics on the admin listener.
//
// Prometheus cannot sign requests with SigV4, so the scrape endpoint has its
// own credential: a bearer token, generated at first start into
// <data>/metrics-token (mode 0600) and sent by the scraper as
//   Authorization: Bearer <token>
// (Prometheus: `authorization: {credentials_file: ...}`). The counters name
// no objects and hold no secrets, but they reveal drive layout and load, so
// the endpoint is closed by default like every other listener.
//
// [admin] metrics_auth = "token" (default) | "none" — "none" opens /metrics
// to anyone who can reach the admin listener, for a box whose management
// network is the access control.
#pragma once

#include <string>

#include "common/status.h"

namespace skyarray::http {
class HttpRequest;
struct HttpResponse;
}  // namespace skyarray::http

namespace skyarray::admin {

class MetricsAuth {
 public:
  // Parses the [admin] metrics_auth value; kInvalidArgument for others.
  static Result<MetricsAuth> open(const std::string& data_dir, const std::string& mode);

  bool open_to_all() const { return token_.empty(); }
  // Whether `request` carries the token (always true with "none").
  bool allows(const http::HttpRequest& request) const;
  // 401 with a WWW-Authenticate challenge; names nothing secret.
  static http::HttpResponse refusal();

  static std::string token_path(const std::string& data_dir);

 private:
  std::string token_;  // empty: open to all
};

}  // namespace skyarray::admin
