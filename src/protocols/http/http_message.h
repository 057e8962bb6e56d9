// HttpRequest / HttpResponse: what an HTTP handler sees, without Beast.
//
// The server (http_server.h) parses the request head, then hands the handler
// an HttpRequest whose body is *not* read yet: the handler pulls it with
// read_body() into its own Buffers, so a 5 GiB PUT never sits in memory.
// `Expect: 100-continue` is answered on the first read_body(), so a request
// refused on its headers alone never makes the client send the body.
// Chunked transfer coding is removed before the handler sees the bytes.
//
// A response body is either a small string or a BodySource that the server
// pulls until it reports the end; HEAD responses never pull it.
//
// Thread safety: a request and its response live on one connection's
// executor; none of these types are shared between threads.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/async.h"
#include "common/body_piece.h"
#include "common/buffer.h"
#include "common/status.h"

namespace skyarray::http {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// Case-insensitive ASCII comparison, as HTTP field names need.

// Reads the body of the request being handled. Implemented by the server.
class BodyReader {
 public:
  virtual ~BodyReader() = default;
  // Appends up to out.room() body bytes to out. Returns 0 once the body is
  // complete; fails with kTimeout (slow client), kInvalidArgument (bad
  // framing) or kCancelled (connection closed) otherwise.
  virtual Task<Result<size_t>> read(Buffer& out) = 0;
  virtual bool done() const = 0;
};

class HttpRequest {
 public:
  HttpRequest(std::string method, std::string target, HeaderList headers, std::string remote,
              std::string request_id, bool secure, BodyReader* body)
      : method_(std::move(method)),
        target_(std::move(target)),
        headers_(std::move(headers)),
        remote_(std::move(remote)),
        request_id_(std::move(request_id)),
        secure_(secure),
        body_(body) {}

  const std::string& method() const { return method_; }
  // The raw request-target ("/bucket/key%20x?uploads"), undecoded.
  const std::string& target() const { return target_; }
  // Headers in arrival order, names as sent.
  const HeaderList& headers() const { return headers_; }
  // First value of the named header (case-insensitive), if present.
  std::optional<std::string_view> header(std::string_view name) const;
  // Appends a header after the head was parsed. S3 uses it for the
  // x-amz-* headers a presigner moved into the query string, so everything
  // after authentication sees one list.
  void add_header(std::string name, std::string value) {
    headers_.emplace_back(std::move(name), std::move(value));
  }
  const std::string& remote() const { return remote_; }
  const std::string& request_id() const { return request_id_; }
  bool secure() const { return secure_; }

  // Content-Length when the body is not chunked.
  std::optional<uint64_t> content_length() const;

  // See BodyReader::read(). Requests without a body report 0 at once.
  Task<Result<size_t>> read_body(Buffer& out);
  // Reads the whole body into a string; fails with kTooLarge past `limit`.
  // For small XML bodies only.
  Task<Result<std::string>> read_body_string(size_t limit);
  bool body_done() const { return body_ == nullptr || body_->done(); }

 private:
  std::string method_;
  std::string target_;
  HeaderList headers_;
  std::string remote_;
  std::string request_id_;
  bool secure_;
  BodyReader* body_;
};

// A streamed response body.
class BodySource {
 public:
  virtual ~BodySource() = default;
  // The next piece of the body, at most `max_bytes`; an empty Buffer at the
  // end. The total must equal the response's content_length, or the server
  // drops the connection (the client then sees a truncated body, never a
  // wrong one).
  virtual Task<Result<Buffer>> read(size_t max_bytes) = 0;
  // As read(), but a piece may be a verified file range, which a plain TCP
  // connection sends with sendfile(2) (common/body_piece.h). The default
  // returns read()'s bytes.
  virtual Task<Result<BodyPiece>> read_piece(size_t max_bytes);
};

struct HttpResponse {
  unsigned status = 200;
  HeaderList headers;
  // Used when `source` is null.
  std::string body;
  // Streamed body of `content_length` bytes.
  std::unique_ptr<BodySource> source;
  uint64_t content_length = 0;
  // Close the connection after this response.
  bool close = false;
  // The response to send instead when `source` fails before its first byte
  // went out: nothing was sent yet, so the client can still be told why in
  // the protocol's terms. Unset, or after a partial body, the connection is
  // dropped (the client sees a short body, never a wrong one).
  std::function<HttpResponse(const Status&)> on_source_error;

  void set(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
  }
  std::optional<std::string_view> header(std::string_view name) const;
};

// An error the HTTP layer answers by itself, without the handler: a
// malformed request (400 BadRequest), a header section over
// max_header_bytes (431 RequestHeaderSectionTooLarge), a handler that threw
// (500 InternalError).
struct HttpError {
  unsigned status = 500;
  std::string_view code;
  std::string_view message;
};
// Words an HttpError in the protocol's own format (S3: its XML <Error>;
// the admin API: JSON), so every answer on a listener has one shape.
using HttpErrorFormatter =
    std::function<HttpResponse(const HttpError& error, const std::string& request_id)>;
// "<code>: <message>" as text/plain, for listeners without a format.
HttpResponse plain_text_error(const HttpError& error, const std::string& request_id);

}  // namespace skyarray::http
