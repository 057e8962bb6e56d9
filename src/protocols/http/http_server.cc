#include "protocols/http/http_server.h"

#include <netinet/tcp.h>
#include <spdlog/spdlog.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <chrono>
#include <csignal>
#include <cstring>
#include <ctime>
#include <optional>
#include <random>
#include <span>
#include <unordered_set>

#include "common/ascii.h"
#include "common/config.h"
#include "common/listen_address.h"
#include "common/mutex.h"
#include "common/runtime.h"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace skyarray::http {

Result<HttpServerOptions> HttpServerOptions::from_config(const ConfigSection& section) {
  HttpServerOptions o;
  SKY_RETURN_IF_ERROR(section.read("listen", &o.listen));
  SKY_RETURN_IF_ERROR(section.read_size("max_header_bytes", &o.max_header_bytes, 1024, 1 << 20));
  SKY_RETURN_IF_ERROR(section.read_seconds("idle_timeout", &o.idle_timeout_seconds, 0.1, 86400));
  SKY_RETURN_IF_ERROR(section.read_seconds("io_timeout", &o.io_timeout_seconds, 0.1, 86400));
  int64_t max_conn = static_cast<int64_t>(o.max_connections);
  SKY_RETURN_IF_ERROR(section.read("max_connections", &max_conn, 1, 1000000));
  o.max_connections = static_cast<uint64_t>(max_conn);
  SKY_RETURN_IF_ERROR(section.read("tls_cert", &o.tls_cert));
  SKY_RETURN_IF_ERROR(section.read("tls_key", &o.tls_key));
  if (o.tls_cert.empty() != o.tls_key.empty()) {
    return Status::invalid_argument(section.path() + ": tls_cert and tls_key must be set together");
  }
  return o;
}

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);
constexpr size_t kResponseChunk = 1 << 20;
// Smallest remainder of a body worth a sendfile(2) of its own.
constexpr uint64_t kSendfileMin = 128 << 10;
// Pieces asked for as file ranges may be larger: they cost no memory.
constexpr size_t kFileChunk = 4 << 20;
constexpr size_t kMaxLingerBytes = 64 << 20;

std::chrono::milliseconds ms(double seconds) {
  return std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
}

std::string http_date() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  size_t n = std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return std::string(buf, n);
}

// 16 upper-case hex digits, unique per process run and unpredictable across runs.
std::string make_request_id() {
  static std::atomic<uint64_t> counter{std::random_device{}() * 0x9E3779B97F4A7C15ull};
  uint64_t v = counter.fetch_add(0x9E3779B97F4A7C15ull);
  v ^= v >> 31;
  v *= 0xBF58476D1CE4E5B9ull;
  v ^= v >> 29;
  char out[17];
  static const char* kHex = "0123456789ABCDEF";
  for (int i = 15; i >= 0; --i, v >>= 4) out[i] = kHex[v & 0xF];
  out[16] = 0;
  return out;
}

Result<tcp::endpoint> parse_listen(const std::string& listen) {
  SKY_ASSIGN_OR_RETURN(ListenAddress a, ListenAddress::parse(listen));
  return tcp::endpoint(asio::ip::make_address(a.host), a.port);
}

// The request path without its query: a presigned URL's query is a bearer
// credential until it expires, so it never goes to the log.
std::string_view loggable_target(const std::string& target) {
  return std::string_view(target).substr(0, target.find('?'));
}

std::string reason(unsigned status) {
  auto r = bhttp::obsolete_reason(bhttp::int_to_status(status));
  return r.empty() ? std::string("Unknown") : std::string(r);
}

}  // namespace

namespace {
// A piece of a streamed response body, or why it could not be read.
struct Piece {
  std::optional<Result<BodyPiece>> got;
};
}  // namespace

struct HttpServer::Impl : std::enable_shared_from_this<Impl> {
  // What shutdown needs to know about a live connection.
  struct ConnState {
    asio::any_io_executor executor;
    std::function<void()> close;  // runs on executor
    bool idle = true;             // only touched on executor
    bool closing = false;         // only touched on executor
  };

  Impl(Runtime& rt, HttpServerOptions o, HttpHandler h, HttpErrorFormatter e)
      : runtime(rt),
        options(std::move(o)),
        handler(std::move(h)),
        errors(std::move(e)),
        ssl_ctx(asio::ssl::context::tls_server) {}

  Status start();
  Task<void> accept_loop();
  template <typename Stream>
  Task<void> serve(Stream& stream, std::shared_ptr<ConnState> state, std::string remote,
                   bool secure);
  template <typename Stream>
  Task<bool> write_streamed(Stream& stream, const std::string& head, HttpResponse& resp,
                            const HttpRequest& req, Piece first);
  template <typename Stream>
  Task<bool> write_whole(Stream& stream, const std::string& head, std::string_view body);
  template <typename Stream>
  Task<void> answer_read_error(Stream& stream, boost::system::error_code ec);
  Task<HttpResponse> call_handler(HttpRequest& req);
  template <typename Stream>
  Task<bool> respond(Stream& stream, const HttpRequest& req, HttpResponse& resp, bool keep_alive,
                     bool is_head);
  template <typename Stream>
  Task<void> close(Stream& stream, bool unread_body);
  Task<void> run_plain(tcp::socket socket);
  Task<void> run_tls(tcp::socket socket);
  void stop();

  Runtime& runtime;
  HttpServerOptions options;
  HttpHandler handler;
  HttpErrorFormatter errors;
  asio::ssl::context ssl_ctx;
  bool use_tls = false;
  std::unique_ptr<tcp::acceptor> acceptor;
  uint16_t port = 0;
  std::atomic<bool> stopped{false};
  Mutex mu;
  std::unordered_set<std::shared_ptr<ConnState>> conns GUARDED_BY(mu);
  std::atomic<size_t> conn_count{0};
};

Status HttpServer::Impl::start() {
  // sendfile(2) has no MSG_NOSIGNAL: a client gone mid-response must give
  // EPIPE, not kill the process.
  ::signal(SIGPIPE, SIG_IGN);
  SKY_ASSIGN_OR_RETURN(tcp::endpoint ep, parse_listen(options.listen));
  if (!options.tls_cert.empty()) {
    boost::system::error_code ec;
    ssl_ctx.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                        asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                        asio::ssl::context::no_tlsv1_1);
    ssl_ctx.use_certificate_chain_file(options.tls_cert, ec);
    if (ec)
      return Status::invalid_argument("TLS certificate " + options.tls_cert + ": " + ec.message());
    ssl_ctx.use_private_key_file(options.tls_key, asio::ssl::context::pem, ec);
    if (ec) return Status::invalid_argument("TLS key " + options.tls_key + ": " + ec.message());
    use_tls = true;
  }
  acceptor = std::make_unique<tcp::acceptor>(runtime.io(0));
  boost::system::error_code ec;
  acceptor->open(ep.protocol(), ec);
  if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor->bind(ep, ec);
  if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return Status(StatusCode::kUnavailable, "listen on " + options.listen + ": " + ec.message());
  port = acceptor->local_endpoint().port();
  auto self = shared_from_this();
  asio::co_spawn(
      runtime.io(0), [self]() -> Task<void> { co_await self->accept_loop(); }, asio::detached);
  runtime.on_shutdown([self] { self->stop(); });
  return Status::ok();
}

Task<void> HttpServer::Impl::accept_loop() {
  while (!stopped) {
    auto [ec, socket] = co_await acceptor->async_accept(runtime.next_io(), kUseTuple);
    if (ec) {
      if (stopped || ec == asio::error::operation_aborted) break;
      spdlog::warn("http accept on {}: {}", options.listen, ec.message());
      continue;
    }
    if (conn_count.load() >= options.max_connections) {
      socket.close();
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    auto exec = socket.get_executor();
    auto self = shared_from_this();
    if (use_tls) {
      asio::co_spawn(exec, run_tls(std::move(socket)), [self](std::exception_ptr) {});
    } else {
      asio::co_spawn(exec, run_plain(std::move(socket)), [self](std::exception_ptr) {});
    }
  }
}

Task<void> HttpServer::Impl::run_plain(tcp::socket socket) {
  auto self = shared_from_this();
  boost::system::error_code ec;
  auto rep = socket.remote_endpoint(ec);
  std::string remote =
      ec ? std::string("?") : rep.address().to_string() + ":" + std::to_string(rep.port());
  beast::tcp_stream stream(std::move(socket));
  auto state = std::make_shared<ConnState>();
  state->executor = stream.get_executor();
  state->close = [&stream] {
    beast::error_code e;
    stream.socket().close(e);
  };
  co_await serve(stream, state, std::move(remote), false);
}

Task<void> HttpServer::Impl::run_tls(tcp::socket socket) {
  auto self = shared_from_this();
  boost::system::error_code ec;
  auto rep = socket.remote_endpoint(ec);
  std::string remote =
      ec ? std::string("?") : rep.address().to_string() + ":" + std::to_string(rep.port());
  beast::ssl_stream<beast::tcp_stream> stream(beast::tcp_stream(std::move(socket)), ssl_ctx);
  auto state = std::make_shared<ConnState>();
  state->executor = stream.get_executor();
  state->close = [&stream] {
    beast::error_code e;
    beast::get_lowest_layer(stream).socket().close(e);
  };
  beast::get_lowest_layer(stream).expires_after(ms(options.io_timeout_seconds));
  auto [hec] = co_await stream.async_handshake(asio::ssl::stream_base::server, kUseTuple);
  if (hec) co_return;
  co_await serve(stream, state, std::move(remote), true);
}

namespace {

// Pulls body bytes through Beast's parser with a buffer_body, straight into
// the caller's Buffer.
//
// A body read that makes no progress for io_timeout fails with kTimeout but
// leaves the connection open, so the handler can still answer (S3's 400
// RequestTimeout) before the connection is closed: the deadline is our own
// timer cancelling the read, not the stream's expiry, which would close the
// socket.
template <typename Stream>
class ParserBodyReader final : public BodyReader {
 public:
  ParserBodyReader(Stream& stream, beast::flat_buffer& buf,
                   bhttp::request_parser<bhttp::buffer_body>& parser, double io_timeout,
                   bool expect_continue)
      : stream_(stream),
        buf_(buf),
        parser_(parser),
        io_timeout_(io_timeout),
        expect_continue_(expect_continue),
        timer_(stream.get_executor()) {
    // A Content-Length body is read from the socket straight into the
    // caller's Buffer (one recv per piece, no copy through the parser).
    if (!parser_.is_done() && !parser_.chunked() && parser_.content_length()) {
      direct_left_ = *parser_.content_length();
    }
  }

  bool done() const override { return direct_left_ ? *direct_left_ == 0 : parser_.is_done(); }

  Task<Result<size_t>> read(Buffer& out) override {
    if (done()) co_return size_t{0};
    if (out.room() == 0) co_return Status::internal("read_body with a full buffer");
    if (expect_continue_) {
      expect_continue_ = false;
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      beast::get_lowest_layer(stream_).expires_after(ms(io_timeout_));
      auto [ec, n] = co_await asio::async_write(stream_, asio::buffer(kContinue), kUseTuple);
      if (ec) co_return Status(StatusCode::kCancelled, "client went away: " + ec.message());
    }
    if (direct_left_) co_return co_await read_direct(out);
    while (!parser_.is_done()) {
      auto& body = parser_.get().body();
      body.data = out.tail().data();
      body.size = out.room();
      auto deadline = arm_deadline();
      auto [ec, n] = co_await bhttp::async_read_some(stream_, buf_, parser_, kUseTuple);
      deadline->armed = false;
      timer_.cancel();
      size_t got = out.room() - body.size;
      body.data = nullptr;
      out.resize(out.size() + got);
      if (ec && ec != bhttp::error::need_buffer) co_return read_error(ec, deadline->fired);
      if (got > 0) co_return got;
    }
    co_return size_t{0};
  }

 private:
  Task<Result<size_t>> read_direct(Buffer& out) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(out.room(), *direct_left_));
    size_t got = 0;
    if (buf_.size() > 0) {
      // Body bytes that arrived with the head.
      got = std::min(want, buf_.size());
      std::memcpy(out.tail().data(), buf_.data().data(), got);
      buf_.consume(got);
    } else {
      auto deadline = arm_deadline();
      auto [ec, n] =
          co_await stream_.async_read_some(asio::buffer(out.tail().data(), want), kUseTuple);
      deadline->armed = false;
      timer_.cancel();
      if (ec) co_return read_error(ec, deadline->fired);
      got = n;
    }
    out.resize(out.size() + got);
    *direct_left_ -= got;
    co_return got;
  }

  static Status read_error(const boost::system::error_code& ec, bool timed_out) {
    if (timed_out || ec == beast::error::timeout)
      return Status(StatusCode::kTimeout, "request body: client too slow");
    if (ec == bhttp::error::partial_message || ec == bhttp::error::end_of_stream ||
        ec == asio::error::eof || ec == asio::error::operation_aborted ||
        ec == asio::error::connection_reset || ec == asio::ssl::error::stream_truncated) {
      return Status(StatusCode::kCancelled, "request body truncated: " + ec.message());
    }
    return Status::invalid_argument("request body framing: " + ec.message());
  }

  // Shared with the timer's handler, which may run after the read finished
  // (already queued) or after this reader is gone.
  struct Deadline {
    bool armed = true;
    bool fired = false;
  };

  // Starts the timer for one read: when it fires first, the read is
  // cancelled (operation_aborted) and the socket stays open.
  std::shared_ptr<Deadline> arm_deadline() {
    auto& lowest = beast::get_lowest_layer(stream_);
    lowest.expires_never();
    auto deadline = std::make_shared<Deadline>();
    timer_.expires_after(ms(io_timeout_));
    timer_.async_wait([deadline, &lowest](const boost::system::error_code& ec) {
      if (ec || !deadline->armed) return;
      deadline->fired = true;
      beast::error_code ignored;
      lowest.socket().cancel(ignored);
    });
    return deadline;
  }

  Stream& stream_;
  beast::flat_buffer& buf_;
  bhttp::request_parser<bhttp::buffer_body>& parser_;
  double io_timeout_;
  bool expect_continue_;
  asio::steady_timer timer_;
  std::optional<uint64_t> direct_left_;  // set for Content-Length bodies
};

std::string response_head(const HttpResponse& r, const std::string& request_id, bool keep_alive,
                          bool head_request, const std::string& server_name) {
  std::string h;
  h.reserve(512);
  h += "HTTP/1.1 ";
  h += std::to_string(r.status);
  h += ' ';
  h += reason(r.status);
  h += "\r\nServer: ";
  h += server_name;
  h += "\r\nDate: ";
  h += http_date();
  h += "\r\nx-amz-request-id: ";
  h += request_id;
  h += "\r\nx-amz-id-2: ";
  h += request_id;
  h += "\r\n";
  bool has_length = false;
  for (const auto& [k, v] : r.headers) {
    if (iequals(k, "content-length")) has_length = true;
    h += k;
    h += ": ";
    h += v;
    h += "\r\n";
  }
  bool no_body_status = r.status == 204 || r.status == 304 || r.status < 200;
  if (!has_length && !no_body_status) {
    uint64_t len = r.source ? r.content_length : r.body.size();
    (void)head_request;
    h += "Content-Length: " + std::to_string(len) + "\r\n";
  }
  h += keep_alive ? "Connection: keep-alive\r\n" : "Connection: close\r\n";
  h += "\r\n";
  return h;
}

}  // namespace

// Note: no co_await inside a braced initializer; GCC 12 destroys such
// temporaries twice.
// Asks for no more than is left, so a 4 KiB object never costs a 1 MiB buffer.
// With `files`, a piece may come back as a file range (sent with sendfile);
// small remainders are read as bytes, one send with the head being cheaper.
Task<Piece> read_piece(BodySource* source, uint64_t left, bool files) {
  size_t max = static_cast<size_t>(std::min<uint64_t>(kResponseChunk, left));
  Piece piece;
  if (files && left >= kSendfileMin) {
    max = static_cast<size_t>(std::min<uint64_t>(kFileChunk, left));
    Result<BodyPiece> got = co_await source->read_piece(max);
    piece.got.emplace(std::move(got));
    co_return piece;
  }
  Result<Buffer> got = co_await source->read(max);
  if (!got.is_ok()) {
    piece.got.emplace(got.status());
    co_return piece;
  }
  BodyPiece bytes;
  bytes.bytes = std::move(*got);
  piece.got.emplace(std::move(bytes));
  co_return piece;
}

// Up to two buffers (head, piece). No empty buffer goes into the sequence:
// Beast's TLS stream writes a sequence's first buffer alone when it is too
// big to coalesce, and an empty first buffer would end the write at 0 bytes.
struct PieceBuffers {
  std::array<asio::const_buffer, 2> bufs;
  size_t count = 0;
  void add(asio::const_buffer b) {
    if (b.size() > 0) bufs[count++] = b;
  }
  std::span<const asio::const_buffer> view() const { return {bufs.data(), count}; }
};

// Holds back partial segments while a file range is sent (TCP_CORK), as
// nginx's tcp_nopush does. The connection runs with TCP_NODELAY, so without
// it sendfile(2) pushes a short segment at the end of every internal splice
// batch, and the receiver wakes more often for less data each time: a
// 64 MiB GET on one connection ran at 0.69-0.79 of nginx, 0.94-1.11 corked.
// Lifted when the range is sent, so its last bytes leave at once.
class TcpCork {
 public:
  explicit TcpCork(int fd) : fd_(fd) { set(1); }
  ~TcpCork() { set(0); }
  TcpCork(const TcpCork&) = delete;
  TcpCork& operator=(const TcpCork&) = delete;

 private:
  void set(int on) const { (void)::setsockopt(fd_, IPPROTO_TCP, TCP_CORK, &on, sizeof on); }
  int fd_;
};

// Sends `head` (if not empty) and then the file range with sendfile(2):
// the page cache feeds the socket with no copy through user space. The head
// goes first with MSG_MORE so that it leaves in one packet with the data.
// Waits for room in the socket up to `timeout` at a time.
Task<boost::system::error_code> send_file(tcp::socket& sock, std::string_view head,
                                          const FileRange& range,
                                          std::chrono::milliseconds timeout) {
  boost::system::error_code ec;
  if (!sock.native_non_blocking()) sock.native_non_blocking(true, ec);
  if (ec) co_return ec;
  auto wait_writable = [&]() -> Task<boost::system::error_code> {
    using namespace boost::asio::experimental::awaitable_operators;
    asio::steady_timer timer(sock.get_executor());
    timer.expires_after(timeout);
    auto done = co_await (sock.async_wait(tcp::socket::wait_write, kUseTuple) ||
                          timer.async_wait(kUseTuple));
    if (done.index() == 1) co_return asio::error::timed_out;
    co_return std::get<0>(std::get<0>(done));
  };
  TcpCork cork(sock.native_handle());
  while (!head.empty()) {
    ssize_t n = ::send(sock.native_handle(), head.data(), head.size(), MSG_MORE | MSG_NOSIGNAL);
    if (n > 0) {
      head.remove_prefix(static_cast<size_t>(n));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      boost::system::error_code wec = co_await wait_writable();
      if (wec) co_return wec;
    } else {
      co_return boost::system::error_code(errno, boost::system::system_category());
    }
  }
  off_t offset = static_cast<off_t>(range.offset);
  size_t left = range.length;
  while (left > 0) {
    ssize_t n = ::sendfile(sock.native_handle(), range.fd(), &offset, left);
    if (n > 0) {
      left -= static_cast<size_t>(n);
    } else if (n == 0) {
      co_return asio::error::eof;  // the file ended early
    } else if (errno == EINTR) {
      continue;
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      boost::system::error_code wec = co_await wait_writable();
      if (wec) co_return wec;
    } else {
      co_return boost::system::error_code(errno, boost::system::system_category());
    }
  }
  co_return boost::system::error_code();
}

// Writes `head` (may be empty) and the piece.
template <typename Stream>
Task<boost::system::error_code> write_piece(Stream* stream, std::string_view head,
                                            const BodyPiece* piece,
                                            std::chrono::milliseconds timeout) {
  if (piece->file) {
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      co_return co_await send_file(stream->socket(), head, *piece->file, timeout);
    } else {
      co_return asio::error::operation_not_supported;  // TLS streams ask for bytes
    }
  }
  PieceBuffers bufs;
  bufs.add(asio::buffer(head));
  bufs.add(asio::buffer(piece->bytes.data(), piece->bytes.size()));
  auto [ec, n] = co_await asio::async_write(*stream, bufs.view(), kUseTuple);
  co_return ec;
}

// Streams resp.source after `head`, starting with `first` (already read),
// reading the next piece while the current
// one is written, so disk (or cloud) reads and socket writes overlap. The
// head goes out in one write with the first piece (a small object is one
// send). On plain TCP, pieces of local data go out with sendfile(2). False
// when the connection must be dropped: the source failed or ended early,
// or the client went away.
template <typename Stream>
Task<bool> HttpServer::Impl::write_streamed(Stream& stream, const std::string& head,
                                            HttpResponse& resp, const HttpRequest& req,
                                            Piece first) {
  using namespace boost::asio::experimental::awaitable_operators;
  constexpr bool kFiles = std::is_same_v<Stream, beast::tcp_stream>;
  auto& lowest = beast::get_lowest_layer(stream);
  Piece cur = std::move(first);
  uint64_t sent = 0;
  bool head_sent = false;
  for (;;) {
    Result<BodyPiece>& got = *cur.got;
    if (!got.is_ok() || got->empty() || sent + got->size() > resp.content_length) {
      spdlog::warn("response body for {} {} ended early: {}", req.method(),
                   loggable_target(req.target()),
                   got.is_ok() ? std::string("short source") : got.status().to_string());
      co_return false;
    }
    sent += got->size();
    std::string_view h = head_sent ? std::string_view() : std::string_view(head);
    head_sent = true;
    lowest.expires_after(ms(options.io_timeout_seconds));
    auto timeout = ms(options.io_timeout_seconds);
    if (sent == resp.content_length) {
      boost::system::error_code ec = co_await write_piece(&stream, h, &*got, timeout);
      co_return !ec;
    }
    // The read starts first: it runs until it hands its disk work to the
    // I/O pool, then the write runs (a sendfile(2) holds this thread until
    // the socket is full) while the pool reads and verifies the next piece.
    std::tuple<Piece, boost::system::error_code> both =
        co_await (read_piece(resp.source.get(), resp.content_length - sent, kFiles) &&
                  write_piece(&stream, h, &*got, timeout));
    if (std::get<1>(both)) co_return false;
    cur = std::move(std::get<0>(both));
  }
}

// Writes a response that is all in memory: `head` and the body (none for
// HEAD, 204 and 304). False when the client went away.
template <typename Stream>
Task<bool> HttpServer::Impl::write_whole(Stream& stream, const std::string& head,
                                         std::string_view body) {
  beast::get_lowest_layer(stream).expires_after(ms(options.io_timeout_seconds));
  std::array<asio::const_buffer, 2> bufs{asio::buffer(head), asio::buffer(body)};
  auto [ec, n] = co_await asio::async_write(stream, bufs, kUseTuple);
  co_return !ec;
}

// A request that could not be read: answer 431 (header section too large)
// or 400 (malformed) in the protocol's format; a closed or silent
// connection gets nothing.
template <typename Stream>
Task<void> HttpServer::Impl::answer_read_error(Stream& stream, boost::system::error_code ec) {
  HttpError error;
  if (ec == bhttp::error::header_limit) {
    error = {431, "RequestHeaderSectionTooLarge",
             "Your request header section exceeds the maximum allowed size."};
  } else if (ec != bhttp::error::end_of_stream && ec != asio::error::eof &&
             ec != beast::error::timeout && ec != asio::error::operation_aborted &&
             ec != asio::error::connection_reset && ec != asio::error::bad_descriptor) {
    error = {400, "BadRequest", "Malformed HTTP request."};
  } else {
    co_return;
  }
  std::string id = make_request_id();
  HttpResponse r = errors(error, id);
  co_await write_whole(stream, response_head(r, id, false, false, options.server_name), r.body);
}

// The handler's response; a handler that throws answers 500.
Task<HttpResponse> HttpServer::Impl::call_handler(HttpRequest& req) {
  try {
    co_return co_await handler(req);
  } catch (const std::exception& e) {
    spdlog::error("http handler for {} {} threw: {}", req.method(), loggable_target(req.target()),
                  e.what());
  }
  co_return errors({500, "InternalError", "We encountered an internal error. Please try again."},
                   req.request_id());
}

// Sends `resp`. The first body piece is read before the head goes out: a
// source that fails at once (an object whose data is bad on every replica)
// still gets the protocol's error response instead of an empty reply.
// False when the connection must be dropped.
template <typename Stream>
Task<bool> HttpServer::Impl::respond(Stream& stream, const HttpRequest& req, HttpResponse& resp,
                                     bool keep_alive, bool is_head) {
  bool send_body = !is_head && resp.status != 204 && resp.status != 304;
  Piece first;
  if (resp.source && send_body) {
    first = co_await read_piece(resp.source.get(), resp.content_length,
                                std::is_same_v<Stream, beast::tcp_stream>);
    if (!first.got->is_ok() && resp.on_source_error) {
      auto make_error = std::move(resp.on_source_error);
      resp = make_error(first.got->status());
      send_body = !is_head && resp.status != 204 && resp.status != 304;
    }
  }
  std::string head =
      response_head(resp, req.request_id(), keep_alive, is_head, options.server_name);
  if (!resp.source || !send_body) {
    co_return co_await write_whole(stream, head,
                                   send_body ? std::string_view(resp.body) : std::string_view());
  }
  beast::get_lowest_layer(stream).expires_after(ms(options.io_timeout_seconds));
  co_return co_await write_streamed(stream, head, resp, req, std::move(first));
}

// Lingering close: a client still sending a body we refused would get a
// reset (and lose our response) if we closed with unread bytes pending, so
// read and drop what it sends for a little while first.
template <typename Stream>
Task<void> HttpServer::Impl::close(Stream& stream, bool unread_body) {
  auto& lowest = beast::get_lowest_layer(stream);
  beast::error_code ec;
  lowest.socket().shutdown(tcp::socket::shutdown_send, ec);
  if (!ec && unread_body) {
    std::vector<char> scratch(64 * 1024);
    size_t drained = 0;
    lowest.expires_after(std::chrono::seconds(2));
    while (drained < kMaxLingerBytes) {
      auto [rec, n] = co_await lowest.socket().async_read_some(asio::buffer(scratch), kUseTuple);
      if (rec || n == 0) break;
      drained += n;
    }
  }
  lowest.close();
}

template <typename Stream>
Task<void> HttpServer::Impl::serve(Stream& stream, std::shared_ptr<ConnState> state,
                                   std::string remote, bool secure) {
  {
    MutexLock lock(&mu);
    conns.insert(state);
  }
  ++conn_count;
  struct Unregister {
    Impl* impl;
    std::shared_ptr<ConnState> state;
    ~Unregister() {
      state->close = nullptr;  // the stream dies with this coroutine
      MutexLock lock(&impl->mu);
      impl->conns.erase(state);
      --impl->conn_count;
    }
  } unregister{this, state};
  if (stopped) co_return;

  beast::flat_buffer buf;
  auto& lowest = beast::get_lowest_layer(stream);
  bool unread_body = false;
  bool first = true;
  for (;;) {
    bhttp::request_parser<bhttp::buffer_body> parser;
    parser.header_limit(static_cast<uint32_t>(options.max_header_bytes));
    parser.body_limit(boost::none);
    state->idle = true;
    if (state->closing) break;
    lowest.expires_after(ms(first ? options.io_timeout_seconds : options.idle_timeout_seconds));
    first = false;
    auto [ec, n] = co_await bhttp::async_read_header(stream, buf, parser, kUseTuple);
    state->idle = false;
    if (ec) {
      co_await answer_read_error(stream, ec);
      break;
    }
    auto& msg = parser.get();
    HeaderList headers;
    bool expect_continue = false;
    for (const auto& f : msg) {
      headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
      if (f.name() == bhttp::field::expect && iequals(f.value(), "100-continue"))
        expect_continue = true;
    }
    bool keep_alive = msg.keep_alive();
    bool is_head = msg.method() == bhttp::verb::head;
    ParserBodyReader<Stream> reader(stream, buf, parser, options.io_timeout_seconds,
                                    expect_continue && msg.version() >= 11);
    HttpRequest req(std::string(msg.method_string()), std::string(msg.target()), std::move(headers),
                    remote, make_request_id(), secure, &reader);
    HttpResponse resp = co_await call_handler(req);
    // Unread body bytes would be parsed as the next request: close instead.
    unread_body = !reader.done();
    if (unread_body || resp.close || state->closing || stopped) keep_alive = false;
    if (!co_await respond(stream, req, resp, keep_alive, is_head) || !keep_alive) break;
  }
  co_await close(stream, unread_body);
}

void HttpServer::Impl::stop() {
  if (stopped.exchange(true)) return;
  asio::post(acceptor->get_executor(), [self = shared_from_this()] {
    beast::error_code ec;
    self->acceptor->close(ec);
  });
  std::vector<std::shared_ptr<ConnState>> live;
  {
    MutexLock lock(&mu);
    live.assign(conns.begin(), conns.end());
  }
  for (auto& c : live) {
    asio::post(c->executor, [c] {
      c->closing = true;
      if (c->idle && c->close) c->close();
    });
  }
}

HttpServer::HttpServer(Runtime& runtime, HttpServerOptions options, HttpHandler handler,
                       HttpErrorFormatter errors)
    : impl_(std::make_shared<Impl>(runtime, std::move(options), std::move(handler),
                                   std::move(errors))) {}

HttpServer::~HttpServer() = default;

Status HttpServer::start() {
  return impl_->start();
}
uint16_t HttpServer::port() const {
  return impl_->port;
}
bool HttpServer::tls() const {
  return impl_->use_tls;
}
void HttpServer::stop() {
  impl_->stop();
}
size_t HttpServer::connection_count() const {
  return impl_->conn_count.load();
}

}  // namespace skyarray::http
