// ONC RPC pieces: XDR limits, CALL parsing and replies, and the server's answers to message-level
// errors and the portmapper (RpcServer::answer, no socket).
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include "common/runtime.h"
#include "protocols/rpc/rpc_message.h"
#include "protocols/rpc/rpc_server.h"
#include "protocols/rpc/xdr.h"

namespace skyarray::rpc {
namespace {

std::string call_record(uint32_t xid, uint32_t prog, uint32_t vers, uint32_t proc,
                        uint32_t rpcvers = 2, uint32_t flavor = kAuthSys,
                        std::string_view args = {}) {
  XdrEncoder e;
  e.u32(xid);
  e.u32(0);
  e.u32(rpcvers);
  e.u32(prog);
  e.u32(vers);
  e.u32(proc);
  e.u32(flavor);
  XdrEncoder cred;
  if (flavor == kAuthSys) {
    cred.u32(1);
    cred.string("client");
    cred.u32(1000);
    cred.u32(100);
    cred.u32(2);
    cred.u32(100);
    cred.u32(200);
  }
  e.opaque(cred.data());
  e.u32(kAuthNone);
  e.opaque("");
  std::string out = e.take();
  out.append(args);
  return out;
}

TEST(XdrTest, RoundTripsAndRefusesShortOrOversizedInput) {
  XdrEncoder e;
  e.u32(7);
  e.u64(1ull << 40);
  e.boolean(true);
  e.opaque("abcde");
  EXPECT_EQ(e.size(), 4u + 8 + 4 + 4 + 8);
  XdrDecoder d(e.data());
  EXPECT_EQ(d.u32(), 7u);
  EXPECT_EQ(d.u64(), 1ull << 40);
  EXPECT_TRUE(d.boolean());
  EXPECT_EQ(d.opaque(16), "abcde");
  EXPECT_TRUE(d.ok());
  EXPECT_EQ(d.u32(), 0u);  // past the end
  EXPECT_FALSE(d.ok());

  std::string tail = e.data().substr(16);
  XdrDecoder limited(tail);
  EXPECT_EQ(limited.opaque(4), "");  // 5 bytes over a limit of 4
  EXPECT_FALSE(limited.ok());
  XdrEncoder huge;
  huge.u32(0xFFFFFFF0u);  // a length far past the input
  XdrDecoder h(huge.data());
  h.opaque(~size_t(0));
  EXPECT_FALSE(h.ok());
  XdrEncoder two;
  two.u32(2);
  XdrDecoder b(two.data());
  b.boolean();
  EXPECT_FALSE(b.ok());
}

TEST(RpcMessageTest, ParsesCallsAndCredentials) {
  std::string rec = call_record(42, 100003, 3, 1, 2, kAuthSys, "ARGS");
  ParsedCall p = parse_call(rec);
  ASSERT_EQ(p.outcome, CallParse::kOk);
  EXPECT_EQ(p.call.xid, 42u);
  EXPECT_EQ(p.call.prog, 100003u);
  ASSERT_TRUE(p.call.sys);
  EXPECT_EQ(p.call.sys->uid, 1000u);
  EXPECT_EQ(p.call.sys->gid, 100u);
  EXPECT_EQ(p.call.sys->gids, (std::vector<uint32_t>{100, 200}));
  EXPECT_EQ(p.call.args, "ARGS");
  EXPECT_EQ(parse_call(call_record(1, 1, 1, 1, 3)).outcome, CallParse::kRpcMismatch);
  EXPECT_EQ(parse_call(call_record(1, 1, 1, 1, 2, 6)).outcome, CallParse::kBadCred);  // RPCSEC_GSS
  EXPECT_EQ(parse_call(rec.substr(0, 30)).outcome, CallParse::kBadCred);
  EXPECT_EQ(parse_call(rec.substr(0, 6)).outcome, CallParse::kNotCall);
  ParsedCall none = parse_call(call_record(9, 100005, 3, 0, 2, kAuthNone));
  ASSERT_EQ(none.outcome, CallParse::kOk);
  EXPECT_FALSE(none.call.sys);
}

class FakeProgram : public RpcProgram {
 public:
  int calls = 0;
  bool idempotent(uint32_t proc) const override { return proc != 12; }
  uint32_t program() const override { return 100003; }
  uint32_t min_version() const override { return 3; }
  uint32_t max_version() const override { return 3; }
  Task<RpcResult> call(const RpcCall& call, const RpcPeer&) override {
    if (call.flavor == kAuthNone) co_return RpcResult::denied(AuthStat::kTooWeak);
    ++calls;
    XdrEncoder e;
    e.u32(call.proc);
    e.u32(static_cast<uint32_t>(calls));
    co_return RpcResult::ok(e.take());
  }
};

// The reply's words after the xid.
std::vector<uint32_t> words(const std::optional<std::string>& reply) {
  std::vector<uint32_t> out;
  if (!reply) return out;
  XdrDecoder d(*reply);
  d.u32();
  while (d.remaining() >= 4) out.push_back(d.u32());
  return out;
}

TEST(RpcServerTest, AnswersProgramsErrorsAndPortmapper) {
  Runtime runtime;
  RpcServer server(runtime, RpcServerOptions{"127.0.0.1:0"});
  FakeProgram program;
  server.add_program(&program);
  RpcPeer peer{"127.0.0.1", 900};
  auto answer = [&](const std::string& rec) {
    boost::asio::io_context io;
    std::optional<std::string> out;
    boost::asio::co_spawn(
        io, [&]() -> Task<void> { out = co_await server.answer(rec, peer); },
        boost::asio::detached);
    io.run();
    return out;
  };
  // REPLY MSG_ACCEPTED verf(0,0) SUCCESS results
  EXPECT_EQ(words(answer(call_record(1, 100003, 3, 7))),
            (std::vector<uint32_t>{1, 0, 0, 0, 0, 7, 1}));
  // PROG_MISMATCH 3..3
  EXPECT_EQ(words(answer(call_record(2, 100003, 2, 0))),
            (std::vector<uint32_t>{1, 0, 0, 0, 2, 3, 3}));
  EXPECT_EQ(words(answer(call_record(3, 100099, 1, 0))), (std::vector<uint32_t>{1, 0, 0, 0, 1}));
  // MSG_DENIED RPC_MISMATCH 2..2; AUTH_ERROR BADCRED; AUTH_ERROR TOOWEAK
  EXPECT_EQ(words(answer(call_record(4, 100003, 3, 0, 5))), (std::vector<uint32_t>{1, 1, 0, 2, 2}));
  EXPECT_EQ(words(answer(call_record(5, 100003, 3, 0, 2, 3))), (std::vector<uint32_t>{1, 1, 1, 1}));
  EXPECT_EQ(words(answer(call_record(6, 100003, 3, 0, 2, kAuthNone))),
            (std::vector<uint32_t>{1, 1, 1, 5}));
  // PMAP GETPORT: our port for a program served here over TCP, 0 otherwise.
  ASSERT_TRUE(server.start().is_ok());
  XdrEncoder q;
  for (uint32_t v : {100003u, 3u, 6u, 0u}) q.u32(v);
  EXPECT_EQ(words(answer(call_record(7, 100000, 2, 3, 2, kAuthNone, q.data()))),
            (std::vector<uint32_t>{1, 0, 0, 0, 0, server.port()}));
  XdrEncoder udp;
  for (uint32_t v : {100003u, 3u, 17u, 0u}) udp.u32(v);
  EXPECT_EQ(words(answer(call_record(8, 100000, 2, 3, 2, kAuthNone, udp.data()))),
            (std::vector<uint32_t>{1, 0, 0, 0, 0, 0}));
  EXPECT_FALSE(answer("garbage"));
}

TEST(RpcServerTest, RetransmittedNonIdempotentCallsAreAnsweredFromTheCache) {
  Runtime runtime;
  RpcServer server(runtime, RpcServerOptions{"127.0.0.1:0"});
  FakeProgram program;
  server.add_program(&program);
  auto answer = [&](const std::string& rec, const std::string& address) {
    boost::asio::io_context io;
    std::optional<std::string> out;
    RpcPeer peer{address, 1000};
    boost::asio::co_spawn(
        io, [&]() -> Task<void> { out = co_await server.answer(rec, peer); },
        boost::asio::detached);
    io.run();
    return out;
  };
  std::string remove = call_record(77, 100003, 3, 12, 2, kAuthSys, "args");
  auto first = answer(remove, "10.0.0.1");
  EXPECT_EQ(answer(remove, "10.0.0.1"), first);  // a retransmission: not run again
  EXPECT_EQ(program.calls, 1);
  answer(remove, "10.0.0.2");  // the same xid from another client runs
  EXPECT_EQ(program.calls, 2);
  answer(call_record(77, 100003, 3, 12, 2, kAuthSys, "other"), "10.0.0.1");  // other arguments
  EXPECT_EQ(program.calls, 3);
  std::string getattr = call_record(78, 100003, 3, 1);
  answer(getattr, "10.0.0.1");
  answer(getattr, "10.0.0.1");  // idempotent: runs each time
  EXPECT_EQ(program.calls, 5);
}

}  // namespace
}  // namespace skyarray::rpc
