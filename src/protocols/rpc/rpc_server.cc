#include "protocols/rpc/rpc_server.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <deque>
#include <unordered_set>
#include <vector>

#include "common/listen_address.h"
#include "common/mutex.h"
#include "common/runtime.h"
#include "protocols/rpc/duplicate_request_cache.h"
#include "protocols/rpc/xdr.h"

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace skyarray::rpc {

namespace {

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);
constexpr uint32_t kPmapProgram = 100000;
constexpr uint32_t kPmapVersion = 2;
constexpr uint32_t kPmapGetport = 3;
constexpr uint32_t kIpprotoTcp = 6;
constexpr uint32_t kLastFragment = 0x80000000u;

std::string reply_of(uint32_t xid, const RpcResult& result) {
  if (result.auth_error) return reply_auth_error(xid, *result.auth_error);
  if (result.stat != AcceptStat::kSuccess) return reply_accept_error(xid, result.stat);
  return reply_success(xid, result.results);
}

std::string with_record_mark(std::string reply) {
  uint32_t n = static_cast<uint32_t>(reply.size()) | kLastFragment;
  char head[4] = {char(n >> 24), char(n >> 16), char(n >> 8), char(n)};
  reply.insert(0, head, 4);
  return reply;
}

}  // namespace

// One client connection. Touched only on its socket's executor.
struct Connection {
  explicit Connection(tcp::socket s) : socket(std::move(s)), slot(socket.get_executor()) {}
  tcp::socket socket;
  std::deque<std::string> outq;
  bool writing = false;
  bool closed = false;
  size_t in_flight = 0;
  asio::steady_timer slot;  // the reader waits here when max_in_flight calls run
  RpcPeer peer;
};

struct RpcServer::Impl : std::enable_shared_from_this<Impl> {
  Impl(Runtime& rt, RpcServerOptions o) : runtime(rt), options(std::move(o)) {}

  Task<void> accept_loop();
  Task<void> serve(std::shared_ptr<Connection> c);
  Task<bool> read_record(Connection& c, std::string* record);
  Task<void> handle(std::shared_ptr<Connection> c, std::string record);
  void send(const std::shared_ptr<Connection>& c, std::string reply);
  Task<void> write_loop(std::shared_ptr<Connection> c);
  Task<std::optional<std::string>> answer(std::string_view record, const RpcPeer& peer);
  Task<std::string> run_call(RpcProgram& program, const RpcCall& call, const RpcPeer& peer);
  RpcResult portmap(const RpcCall& call);
  void stop();

  Runtime& runtime;
  RpcServerOptions options;
  std::vector<RpcProgram*> programs;
  std::unique_ptr<tcp::acceptor> acceptor;
  uint16_t port = 0;
  std::atomic<bool> stopped{false};
  DuplicateRequestCache replies;
  Mutex mu;
  std::unordered_set<std::shared_ptr<Connection>> conns GUARDED_BY(mu);
};

RpcServer::RpcServer(Runtime& runtime, RpcServerOptions options)
    : impl_(std::make_shared<Impl>(runtime, std::move(options))) {}

RpcServer::~RpcServer() {
  if (impl_->acceptor) impl_->stop();
}

void RpcServer::add_program(RpcProgram* program) {
  impl_->programs.push_back(program);
}

uint16_t RpcServer::port() const {
  return impl_->port;
}

Status RpcServer::start() {
  SKY_ASSIGN_OR_RETURN(ListenAddress la, ListenAddress::parse(impl_->options.listen));
  tcp::endpoint ep(asio::ip::make_address(la.host), la.port);
  auto& acceptor = impl_->acceptor;
  acceptor = std::make_unique<tcp::acceptor>(impl_->runtime.io(0));
  boost::system::error_code ec;
  acceptor->open(ep.protocol(), ec);
  if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor->bind(ep, ec);
  if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Status(StatusCode::kUnavailable,
                  "listen on " + impl_->options.listen + ": " + ec.message());
  }
  impl_->port = acceptor->local_endpoint().port();
  auto self = impl_;
  asio::co_spawn(
      impl_->runtime.io(0), [self]() -> Task<void> { co_await self->accept_loop(); },
      asio::detached);
  impl_->runtime.on_shutdown([self] { self->stop(); });
  return Status::ok();
}

Task<std::optional<std::string>> RpcServer::answer(std::string_view record, const RpcPeer& peer) {
  co_return co_await impl_->answer(record, peer);
}

Task<void> RpcServer::Impl::accept_loop() {
  while (!stopped) {
    auto [ec, socket] = co_await acceptor->async_accept(runtime.next_io(), kUseTuple);
    if (ec) {
      if (stopped || ec == asio::error::operation_aborted) break;
      spdlog::warn("rpc accept on {}: {}", options.listen, ec.message());
      continue;
    }
    auto c = std::make_shared<Connection>(std::move(socket));
    c->socket.set_option(tcp::no_delay(true), ec);
    auto remote = c->socket.remote_endpoint(ec);
    if (ec) continue;
    auto addr = remote.address();
    if (addr.is_v6() && addr.to_v6().is_v4_mapped())
      addr = asio::ip::make_address_v4(asio::ip::v4_mapped, addr.to_v6());
    c->peer = RpcPeer{addr.to_string(), remote.port()};
    {
      MutexLock lock(&mu);
      if (conns.size() >= options.max_connections) continue;
      conns.insert(c);
    }
    asio::co_spawn(c->socket.get_executor(), serve(c), asio::detached);
  }
}

Task<bool> RpcServer::Impl::read_record(Connection& c, std::string* record) {
  record->clear();
  for (;;) {
    char head[4];
    auto [ec, n] = co_await asio::async_read(c.socket, asio::buffer(head, 4), kUseTuple);
    if (ec) co_return false;
    uint32_t mark = (uint32_t(uint8_t(head[0])) << 24) | (uint32_t(uint8_t(head[1])) << 16) |
                    (uint32_t(uint8_t(head[2])) << 8) | uint32_t(uint8_t(head[3]));
    size_t len = mark & ~kLastFragment;
    if (record->size() + len > options.max_record) {
      spdlog::warn("rpc client {}: record over {} bytes, closing", c.peer.address,
                   options.max_record);
      co_return false;
    }
    size_t at = record->size();
    record->resize(at + len);
    auto [ec2, n2] =
        co_await asio::async_read(c.socket, asio::buffer(record->data() + at, len), kUseTuple);
    if (ec2) co_return false;
    if (mark & kLastFragment) co_return true;
  }
}

Task<void> RpcServer::Impl::serve(std::shared_ptr<Connection> c) {
  auto self = shared_from_this();
  std::string record;
  while (!stopped && !c->closed) {
    if (!co_await read_record(*c, &record)) break;
    while (c->in_flight >= options.max_in_flight && !c->closed) {
      c->slot.expires_at(asio::steady_timer::time_point::max());
      co_await c->slot.async_wait(kUseTuple);
    }
    ++c->in_flight;
    asio::co_spawn(c->socket.get_executor(), handle(c, std::move(record)), asio::detached);
    record = std::string();
  }
  c->closed = true;
  boost::system::error_code ec;
  c->socket.close(ec);
  MutexLock lock(&mu);
  conns.erase(c);
}

Task<void> RpcServer::Impl::handle(std::shared_ptr<Connection> c, std::string record) {
  auto reply = co_await answer(record, c->peer);
  --c->in_flight;
  c->slot.cancel();
  if (reply && !c->closed) send(c, std::move(*reply));
}

void RpcServer::Impl::send(const std::shared_ptr<Connection>& c, std::string reply) {
  c->outq.push_back(with_record_mark(std::move(reply)));
  if (c->writing) return;
  c->writing = true;
  asio::co_spawn(c->socket.get_executor(), write_loop(c), asio::detached);
}

Task<void> RpcServer::Impl::write_loop(std::shared_ptr<Connection> c) {
  while (!c->outq.empty() && !c->closed) {
    std::string out = std::move(c->outq.front());
    c->outq.pop_front();
    auto [ec, n] = co_await asio::async_write(c->socket, asio::buffer(out), kUseTuple);
    if (ec) {
      c->closed = true;
      boost::system::error_code ignored;
      c->socket.close(ignored);
      break;
    }
  }
  c->outq.clear();
  c->writing = false;
}

Task<std::optional<std::string>> RpcServer::Impl::answer(std::string_view record,
                                                         const RpcPeer& peer) {
  ParsedCall p = parse_call(record);
  switch (p.outcome) {
    case CallParse::kNotCall:
      co_return std::nullopt;
    case CallParse::kRpcMismatch:
      co_return reply_rpc_mismatch(p.call.xid);
    case CallParse::kBadCred:
      co_return reply_auth_error(p.call.xid, AuthStat::kBadCred);
    case CallParse::kOk:
      break;
  }
  const RpcCall& call = p.call;
  if (call.prog == kPmapProgram) co_return reply_of(call.xid, portmap(call));
  RpcProgram* program = nullptr;
  uint32_t low = ~0u, high = 0;
  for (auto* prog : programs) {
    if (prog->program() != call.prog) continue;
    low = std::min(low, prog->min_version());
    high = std::max(high, prog->max_version());
    if (call.vers >= prog->min_version() && call.vers <= prog->max_version()) program = prog;
  }
  if (!program && high == 0) co_return reply_accept_error(call.xid, AcceptStat::kProgUnavail);
  if (!program) co_return reply_accept_error(call.xid, AcceptStat::kProgMismatch, low, high);
  if (program->idempotent(call.proc)) co_return co_await run_call(*program, call, peer);
  std::string key = DuplicateRequestCache::key(peer.address, call.xid, call.prog, call.vers,
                                               call.proc, call.args);
  std::string cached;
  switch (replies.begin(key, &cached)) {
    case DuplicateRequestCache::Seen::kDone:
      co_return cached;
    case DuplicateRequestCache::Seen::kInProgress:
      co_return std::nullopt;
    case DuplicateRequestCache::Seen::kNew:
      break;
  }
  std::string reply = co_await run_call(*program, call, peer);
  replies.finish(key, reply);
  co_return reply;
}

Task<std::string> RpcServer::Impl::run_call(RpcProgram& program, const RpcCall& call,
                                            const RpcPeer& peer) {
  RpcResult result = co_await program.call(call, peer);
  co_return reply_of(call.xid, result);
}

RpcResult RpcServer::Impl::portmap(const RpcCall& call) {
  if (call.vers != kPmapVersion) return RpcResult::error(AcceptStat::kProgMismatch);
  if (call.proc == 0) return RpcResult::ok({});
  if (call.proc != kPmapGetport) return RpcResult::error(AcceptStat::kProcUnavail);
  XdrDecoder d(call.args);
  uint32_t prog = d.u32(), vers = d.u32(), prot = d.u32();
  d.u32();  // port: ignored in a query
  if (!d.ok()) return RpcResult::error(AcceptStat::kGarbageArgs);
  uint32_t answer = 0;
  for (auto* p : programs) {
    if (p->program() == prog && vers >= p->min_version() && vers <= p->max_version() &&
        prot == kIpprotoTcp) {
      answer = port;
    }
  }
  XdrEncoder e;
  e.u32(answer);
  return RpcResult::ok(e.take());
}

void RpcServer::Impl::stop() {
  if (stopped.exchange(true)) return;
  asio::post(acceptor->get_executor(), [self = shared_from_this()] {
    boost::system::error_code ec;
    self->acceptor->close(ec);
  });
  std::vector<std::shared_ptr<Connection>> live;
  {
    MutexLock lock(&mu);
    live.assign(conns.begin(), conns.end());
  }
  for (auto& c : live) {
    asio::post(c->socket.get_executor(), [c] {
      c->closed = true;
      boost::system::error_code ec;
      c->socket.close(ec);
      c->slot.cancel();
    });
  }
}

}  // namespace skyarray::rpc
