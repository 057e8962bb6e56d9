// RpcServer: ONC RPC (RFC 5531) over TCP on the Runtime's event loops, for
// the programs registered with it (MOUNT and NFS on one port), plus a
// minimal portmapper (program 100000 v2: NULL and GETPORT) answering for
// those programs on the same port, so clients that ask a portmapper there
// find them.
//
// Guarantees
// - Record marking (RFC 5531 §11): fragments are reassembled; a record over
//   max_record bytes closes the connection (nothing of it is executed).
// - Many outstanding calls per connection: each call runs as its own
//   coroutine on the connection's loop and replies go out as they finish
//   (matched by xid), up to max_in_flight calls at once; the reader waits
//   beyond that, which pushes back on the client.
// - Message-level errors are answered per RFC 5531: rpcvers != 2 →
//   RPC_MISMATCH; unreadable or unsupported credentials (flavors other
//   than AUTH_NONE and AUTH_SYS) → AUTH_ERROR AUTH_BADCRED; unknown
//   program → PROG_UNAVAIL; version out of range → PROG_MISMATCH.
// - Shutdown (Runtime::on_shutdown): the listener and every connection
//   close; calls in flight finish without a reply.
// - Duplicate-request cache (duplicate_request_cache.h): a retransmitted
//   call of a procedure its program says is not idempotent is answered with
//   the first reply (or dropped while the first is still running).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "common/async.h"
#include "common/status.h"
#include "protocols/rpc/rpc_message.h"

namespace skyarray {
class Runtime;
}

namespace skyarray::rpc {

struct RpcPeer {
  std::string address;  // client IP, v4 or v6 (no brackets)
  uint16_t port = 0;
};

// What a program answers to one call: SUCCESS with `results`, an accept
// error, or an authentication error (MSG_DENIED AUTH_ERROR).
struct RpcResult {
  AcceptStat stat = AcceptStat::kSuccess;
  std::string results;
  std::optional<AuthStat> auth_error;

  static RpcResult ok(std::string results) {
    return {AcceptStat::kSuccess, std::move(results), {}};
  }
  static RpcResult error(AcceptStat stat) { return {stat, {}, {}}; }
  static RpcResult denied(AuthStat stat) { return {AcceptStat::kSuccess, {}, stat}; }
};

// One RPC program (all its versions in [min_version, max_version]).
class RpcProgram {
 public:
  virtual ~RpcProgram() = default;
  virtual uint32_t program() const = 0;
  virtual uint32_t min_version() const = 0;
  virtual uint32_t max_version() const = 0;
  // Called on the connection's loop; may run concurrently with other calls.
  virtual Task<RpcResult> call(const RpcCall& call, const RpcPeer& peer) = 0;
  // False for procedures that must not run twice for one request (their
  // replies go through the duplicate-request cache).
  virtual bool idempotent(uint32_t /*proc*/) const { return true; }
};

struct RpcServerOptions {
  std::string listen;  // host:port; port 0 picks a free port
  size_t max_record = 4u << 20;
  size_t max_in_flight = 64;
  size_t max_connections = 1024;
};

class RpcServer {
 public:
  RpcServer(Runtime& runtime, RpcServerOptions options);
  ~RpcServer();
  RpcServer(const RpcServer&) = delete;
  RpcServer& operator=(const RpcServer&) = delete;

  // Programs outlive the server; add them before start().
  void add_program(RpcProgram* program);
  // Binds and starts accepting (kUnavailable when the port is taken).
  Status start();
  uint16_t port() const;

  // The reply record for one call record (no record marking), or nullopt
  // when nothing is to be answered. Used by each connection; public for
  // tests and the fuzzer's driver.
  Task<std::optional<std::string>> answer(std::string_view record, const RpcPeer& peer);

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace skyarray::rpc
