// AdminModule: one group of admin API routes (users, drives, cloud, ...).
//
// AdminApi (admin_api.h) authenticates every request, parses it into an
// AdminCall and offers it to each registered module in turn; the first that
// answers wins. A module lives in its own file next to this one and calls
// exactly one service — so adding routes never means editing another
// module.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/async.h"
#include "common/status.h"
#include "common/time.h"
#include "protocols/http/http_message.h"

namespace skyarray::admin {

// An authenticated, parsed admin request: `METHOD /admin/v1/<path...>?<query>`.
struct AdminCall {
  std::string method;                                      // "GET", "POST", "PUT", "DELETE"
  std::vector<std::string> path;                           // decoded segments after /admin/v1/
  std::vector<std::pair<std::string, std::string>> query;  // decoded
  boost::json::object body;                                // {} when the body was empty
  std::string caller;                                      // user id of the signer

  // True when method and path match; "*" in `pattern` matches any segment.
  bool is(std::string_view m, std::initializer_list<std::string_view> pattern) const;
  std::optional<std::string> query_param(std::string_view name) const;
};

class AdminModule {
 public:
  virtual ~AdminModule() = default;
  // The response, or nullopt when the route is not this module's.
  virtual Task<std::optional<http::HttpResponse>> handle(const AdminCall& call) = 0;
};

// ---- helpers shared by modules

// A JSON response body (with a trailing newline).
http::HttpResponse json_response(unsigned status, const boost::json::value& body);
// {"error": "<StatusCode name>", "message": ...} with the status from the
// admin API's one StatusCode → HTTP table.
http::HttpResponse error_response(const Status& s);

}  // namespace skyarray::admin
