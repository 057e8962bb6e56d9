#include "protocols/client/http_client.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>
#include <chrono>
#include <deque>
#include <exception>
#include <optional>
#include <variant>

#include "common/ascii.h"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace skyarray::http {

std::optional<std::string_view> ClientResponse::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (iequals(k, name)) return std::string_view(v);
  }
  return std::nullopt;
}

namespace {

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;
using Stream = std::variant<std::unique_ptr<PlainStream>, std::unique_ptr<TlsStream>>;

beast::tcp_stream& lowest(Stream& s) {
  if (auto* p = std::get_if<std::unique_ptr<PlainStream>>(&s)) return **p;
  return beast::get_lowest_layer(*std::get<std::unique_ptr<TlsStream>>(s));
}

}  // namespace

struct HttpClient::Impl {
  asio::io_context& io;
  HttpClientOptions options;
  Status config_status;
  bool use_tls = false;
  std::string host;
  std::string port;
  std::string host_header;
  std::optional<asio::ssl::context> ssl;
  std::deque<Stream> idle;

  Impl(asio::io_context& io_in, HttpClientOptions o) : io(io_in), options(std::move(o)) {
    auto url = boost::urls::parse_absolute_uri(options.endpoint);
    if (!url || (url->scheme() != "http" && url->scheme() != "https") || url->host().empty()) {
      config_status = Status::invalid_argument("bad endpoint URL '" + options.endpoint +
                                               "' (expected http://host:port or https://...)");
      return;
    }
    use_tls = url->scheme() == "https";
    host = url->host_address();
    port = url->has_port() ? std::string(url->port()) : (use_tls ? "443" : "80");
    host_header =
        url->has_port() ? std::string(url->host()) + ":" + port : std::string(url->host());
    if (use_tls) {
      ssl.emplace(asio::ssl::context::tls_client);
      boost::system::error_code ec;
      if (!options.ca_file.empty()) {
        ssl->load_verify_file(options.ca_file, ec);
      } else {
        ssl->set_default_verify_paths(ec);
      }
      if (ec) {
        config_status = Status::invalid_argument("loading CA bundle '" + options.ca_file +
                                                 "': " + ec.message());
      }
      ssl->set_verify_mode(options.verify_tls ? asio::ssl::verify_peer : asio::ssl::verify_none);
    }
  }

  std::chrono::steady_clock::duration timeout() const {
    return std::chrono::milliseconds(static_cast<int64_t>(options.timeout_seconds * 1000));
  }

  Task<Result<Stream>> connect() {
    tcp::resolver resolver(io);
    auto [rec, endpoints] =
        co_await resolver.async_resolve(host, port, asio::as_tuple(asio::use_awaitable));
    if (rec) co_return Status::unavailable("resolving " + host + ": " + rec.message());
    auto tcp_stream = std::make_unique<PlainStream>(io);
    tcp_stream->expires_after(timeout());
    auto [cec, ep] =
        co_await tcp_stream->async_connect(endpoints, asio::as_tuple(asio::use_awaitable));
    if (cec) {
      co_return Status(
          cec == beast::error::timeout ? StatusCode::kTimeout : StatusCode::kUnavailable,
          "connecting to " + host_header + ": " + cec.message());
    }
    tcp_stream->socket().set_option(tcp::no_delay(true));
    if (!use_tls) co_return Stream(std::move(tcp_stream));

    auto tls = std::make_unique<TlsStream>(std::move(*tcp_stream), *ssl);
    if (!SSL_set_tlsext_host_name(tls->native_handle(), host.c_str())) {
      co_return Status::internal("setting TLS SNI");
    }
    tls->set_verify_callback(asio::ssl::host_name_verification(host));
    beast::get_lowest_layer(*tls).expires_after(timeout());
    auto [hec] = co_await tls->async_handshake(asio::ssl::stream_base::client,
                                               asio::as_tuple(asio::use_awaitable));
    if (hec)
      co_return Status::unavailable("TLS handshake with " + host_header + ": " + hec.message());
    co_return Stream(std::move(tls));
  }

  template <typename S>
  Task<Result<ClientResponse>> exchange(S& stream, bhttp::request<bhttp::string_body>& req,
                                        uint64_t limit, bool* reusable) {
    *reusable = false;
    beast::get_lowest_layer(stream).expires_after(timeout());
    auto [wec, wn] = co_await bhttp::async_write(stream, req, asio::as_tuple(asio::use_awaitable));
    if (wec)
      co_return Status::unavailable("sending request to " + host_header + ": " + wec.message());
    // Beast reads as much as the buffer has room for, at least 512 bytes and
    // at most 64 KiB: an empty buffer would take a large body 512 bytes a
    // read (a 2 MiB ranged GET took 14 ms instead of 2).
    beast::flat_buffer buffer;
    buffer.reserve(64 << 10);
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(limit);
    if (req.method() == bhttp::verb::head) parser.skip(true);
    auto [rec, rn] =
        co_await bhttp::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
    if (rec == bhttp::error::body_limit) {
      co_return Status(StatusCode::kTooLarge, "response from " + host_header + " over limit");
    }
    if (rec) {
      co_return Status(
          rec == beast::error::timeout ? StatusCode::kTimeout : StatusCode::kUnavailable,
          "reading response from " + host_header + ": " + rec.message());
    }
    auto& res = parser.get();
    ClientResponse out;
    out.status = res.result_int();
    for (const auto& field : res) {
      out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    out.body = std::move(res.body());
    *reusable = res.keep_alive();
    co_return out;
  }
};

HttpClient::HttpClient(asio::io_context& io, HttpClientOptions options)
    : impl_(std::make_unique<Impl>(io, std::move(options))) {}

HttpClient::~HttpClient() = default;

const std::string& HttpClient::host_header() const {
  return impl_->host_header;
}
bool HttpClient::tls() const {
  return impl_->use_tls;
}

Task<Result<ClientResponse>> HttpClient::request(ClientRequest request,
                                                 uint64_t max_response_bytes) {
  Impl& d = *impl_;
  SKY_CO_RETURN_IF_ERROR(d.config_status);
  bhttp::request<bhttp::string_body> req;
  req.method_string(request.method);
  req.target(request.target);
  req.version(11);
  bool has_host = false;
  for (auto& [k, v] : request.headers) {
    if (iequals(k, "host")) has_host = true;
    req.insert(k, v);
  }
  if (!has_host) req.set(bhttp::field::host, d.host_header);
  req.body() = std::move(request.body);
  req.prepare_payload();

  // A reused connection may have been closed by the server while idle; one
  // retry on a fresh connection covers that without hiding real failures.
  for (int attempt = 0; attempt < 2; ++attempt) {
    bool fresh = d.idle.empty();
    Stream stream;
    if (fresh) {
      SKY_CO_ASSIGN_OR_RETURN(stream, co_await d.connect());
    } else {
      stream = std::move(d.idle.front());
      d.idle.pop_front();
    }
    bool reusable = false;
    Result<ClientResponse> result = Status::internal("unreached");
    if (auto* p = std::get_if<std::unique_ptr<PlainStream>>(&stream)) {
      result = co_await d.exchange(**p, req, max_response_bytes, &reusable);
    } else {
      result = co_await d.exchange(*std::get<std::unique_ptr<TlsStream>>(stream), req,
                                   max_response_bytes, &reusable);
    }
    if (!result.is_ok() && !fresh && result.status().code() == StatusCode::kUnavailable) continue;
    if (result.is_ok() && reusable && d.idle.size() < d.options.max_idle_connections) {
      lowest(stream).expires_never();
      d.idle.push_back(std::move(stream));
    }
    co_return result;
  }
  co_return Status::unavailable("connection to " + d.host_header + " keeps closing");
}

Result<ClientResponse> request_sync(const HttpClientOptions& options, ClientRequest request) {
  asio::io_context io;
  HttpClient client(io, options);
  std::optional<Result<ClientResponse>> out;
  asio::co_spawn(
      io, [&]() -> Task<void> { out.emplace(co_await client.request(std::move(request))); },
      [&](std::exception_ptr e) {
        if (e && !out) out.emplace(Status::internal("HTTP client failed unexpectedly"));
      });
  io.run();
  if (!out) return Status::internal("HTTP request did not complete");
  return std::move(*out);
}

}  // namespace skyarray::http
