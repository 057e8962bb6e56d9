// HttpServer: an HTTP/1.1 server on Beast and Asio coroutines, shared by the
// S3 API, the admin API and DICOMweb.
//
// Guarantees:
// - One coroutine per connection on one of the Runtime's io_contexts; no
//   thread per connection. Requests on a connection are handled one after
//   another, so pipelined requests are answered in order.
// - Keep-alive by default; `Connection: close` and HTTP/1.0 are honoured.
// - Limits: request head size (431 when exceeded), idle keep-alive timeout,
//   head timeout, and a per-read/per-write timeout that drops clients that
//   stop sending or reading (slow-loris).
// - Every response carries `x-amz-request-id` (and `x-amz-id-2`), also passed
//   to the handler so error bodies can quote it.
// - A handler that does not read the whole request body gets its response
//   sent with `Connection: close`, so unread bytes are never parsed as the
//   next request.
// - TLS (asio::ssl) when tls_cert and tls_key are set.
// - Shutdown (Runtime::on_shutdown): the listener closes, idle connections
//   close at once, busy ones finish the current response and then close.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/async.h"
#include "common/status.h"
#include "protocols/http/http_message.h"

namespace skyarray {
class ConfigSection;
class Runtime;
}  // namespace skyarray

namespace skyarray::http {

struct HttpServerOptions {
  std::string listen = "127.0.0.1:9000";  // host:port; port 0 picks a free port
  uint64_t max_header_bytes = 16 * 1024;
  double idle_timeout_seconds = 60;  // between requests on a keep-alive connection
  double io_timeout_seconds = 60;    // max wait for any single read or write progress
  uint64_t max_connections = 10000;
  std::string tls_cert;  // PEM file; TLS is on when both are set
  std::string tls_key;
  std::string server_name = "skyarray";

  static Result<HttpServerOptions> from_config(const ConfigSection& section);
};

using HttpHandler = std::function<Task<HttpResponse>(HttpRequest&)>;

class HttpServer {
 public:
  HttpServer(Runtime& runtime, HttpServerOptions options, HttpHandler handler,
             HttpErrorFormatter errors = plain_text_error);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts accepting on the runtime's loops. Fails with a clear
  // message when the address is bad, in use, or the TLS files do not load.
  Status start();
  // The bound port (useful with port 0). Valid after start().
  uint16_t port() const;
  bool tls() const;
  // Stops accepting and closes idle connections; busy ones close after their
  // current response. Registered with Runtime::on_shutdown by start().
  void stop();
  // Open connections (for tests and metrics).
  size_t connection_count() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace skyarray::http
