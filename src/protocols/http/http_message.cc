#include "protocols/http/http_message.h"

#include <charconv>

#include "common/ascii.h"

namespace skyarray::http {

std::optional<std::string_view> HttpRequest::header(std::string_view name) const {
  for (const auto& [k, v] : headers_) {
    if (iequals(k, name)) return std::string_view(v);
  }
  return std::nullopt;
}

std::optional<uint64_t> HttpRequest::content_length() const {
  auto v = header("content-length");
  if (!v) return std::nullopt;
  uint64_t n = 0;
  auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc() || p != v->data() + v->size()) return std::nullopt;
  return n;
}

Task<Result<BodyPiece>> BodySource::read_piece(size_t max_bytes) {
  co_return piece_of(co_await read(max_bytes));
}

Task<Result<size_t>> HttpRequest::read_body(Buffer& out) {
  if (body_ == nullptr) co_return size_t{0};
  co_return co_await body_->read(out);
}

Task<Result<std::string>> HttpRequest::read_body_string(size_t limit) {
  std::string s;
  Buffer buf(64 * 1024);
  for (;;) {
    buf.clear();
    Result<size_t> n = co_await read_body(buf);
    if (!n.is_ok()) co_return n.status();
    if (*n == 0) break;
    if (s.size() + *n > limit) {
      co_return Status(StatusCode::kTooLarge,
                       "request body larger than " + std::to_string(limit) + " bytes");
    }
    s.append(buf.view());
  }
  co_return s;
}

std::optional<std::string_view> HttpResponse::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (iequals(k, name)) return std::string_view(v);
  }
  return std::nullopt;
}

HttpResponse plain_text_error(const HttpError& error, const std::string& request_id) {
  HttpResponse r;
  r.status = error.status;
  r.set("Content-Type", "text/plain; charset=utf-8");
  r.body = std::string(error.code) + ": " + std::string(error.message) + " (request " + request_id +
           ")\n";
  return r;
}

}  // namespace skyarray::http
