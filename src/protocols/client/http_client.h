// HttpClient: a small HTTP/1.1 client on Beast and Asio coroutines, with
// keep-alive connection reuse and TLS. Used by the admin CLI and by cloud
// targets (S3 clients) — never by code on the request path of a server.
//
// Guarantees: every network wait has a timeout (options.timeout_seconds);
// a response is returned only when complete; a connection is reused only
// after a complete exchange that did not ask to close it.
// Thread safety: one HttpClient per executor; not for concurrent use from
// several threads (make one per io_context).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/async.h"
#include "common/status.h"
#include "protocols/http/http_message.h"

namespace boost::asio {
class io_context;
}

namespace skyarray::http {

struct HttpClientOptions {
  std::string endpoint;  // "http://host:port" or "https://host:port" (scheme default port if none)
  std::string ca_file;   // PEM bundle; empty: the system's trust store
  bool verify_tls = true;
  double timeout_seconds = 60;
  size_t max_idle_connections = 8;
};

struct ClientRequest {
  std::string method = "GET";
  std::string target = "/";  // already percent-encoded path and query
  HeaderList headers;        // Host and Content-Length are added when missing
  std::string body;
};

struct ClientResponse {
  unsigned status = 0;
  HeaderList headers;
  std::string body;
  std::optional<std::string_view> header(std::string_view name) const;
};

class HttpClient {
 public:
  // Fails (at first request) when the endpoint URL is invalid.
  HttpClient(boost::asio::io_context& io, HttpClientOptions options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // "host:port" as sent in the Host header (port omitted when default).
  const std::string& host_header() const;
  bool tls() const;

  // Sends the request and reads the whole response (bodies up to
  // `max_response_bytes`, else kTooLarge). Connection failures and timeouts
  // come back as kUnavailable / kTimeout; an HTTP error status is not a
  // failure here (callers decide what 4xx/5xx mean).
  Task<Result<ClientResponse>> request(ClientRequest request,
                                       uint64_t max_response_bytes = 64ull << 20);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Runs one request on a private event loop: for command-line tools.
Result<ClientResponse> request_sync(const HttpClientOptions& options, ClientRequest request);

}  // namespace skyarray::http
