// ONC RPC version 2 messages (RFC 5531): parsing a CALL, encoding REPLYs,
// and the AUTH_SYS (AUTH_UNIX) credential body.
//
// CALL layout (XDR): xid, msg_type(0), rpcvers(2), prog, vers, proc,
// cred{flavor, body<400>}, verf{flavor, body<400>}, then the procedure's
// arguments. AUTH_SYS body: stamp, machinename<255>, uid, gid, gids<16>.
// REPLY layout: xid, msg_type(1), then either MSG_ACCEPTED(0) verf{AUTH_NONE}
// accept_stat [mismatch low/high] results, or MSG_DENIED(1) reject_stat
// (RPC_MISMATCH low/high, or AUTH_ERROR auth_stat).
// Records reach this code already reassembled from record marking (the
// server's framing); nothing here reads a socket.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace skyarray::rpc {

inline constexpr uint32_t kAuthNone = 0;
inline constexpr uint32_t kAuthSys = 1;
inline constexpr size_t kMaxAuthBody = 400;

enum class AcceptStat : uint32_t {
  kSuccess = 0,
  kProgUnavail = 1,
  kProgMismatch = 2,
  kProcUnavail = 3,
  kGarbageArgs = 4,
  kSystemErr = 5,
};

enum class AuthStat : uint32_t {
  kOk = 0,
  kBadCred = 1,
  kRejectedCred = 2,
  kBadVerf = 3,
  kRejectedVerf = 4,
  kTooWeak = 5,
};

struct AuthSys {
  uint32_t stamp = 0;
  std::string machine;
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::vector<uint32_t> gids;
};

struct RpcCall {
  uint32_t xid = 0;
  uint32_t prog = 0;
  uint32_t vers = 0;
  uint32_t proc = 0;
  uint32_t flavor = kAuthNone;
  std::optional<AuthSys> sys;  // flavor AUTH_SYS
  std::string_view args;       // into the record the call was parsed from
};

enum class CallParse : uint8_t {
  kOk,
  kNotCall,      // a REPLY or garbage before the body: dropped
  kRpcMismatch,  // rpcvers != 2: MSG_DENIED RPC_MISMATCH
  kBadCred,      // unreadable or unsupported credential: AUTH_ERROR
};

struct ParsedCall {
  CallParse outcome = CallParse::kNotCall;
  RpcCall call;  // xid is valid unless kNotCall
};

ParsedCall parse_call(std::string_view record);

// Reply records (without record marking).
std::string reply_success(uint32_t xid, std::string_view results);
std::string reply_accept_error(uint32_t xid, AcceptStat stat, uint32_t low = 0, uint32_t high = 0);
std::string reply_rpc_mismatch(uint32_t xid);
std::string reply_auth_error(uint32_t xid, AuthStat stat);

}  // namespace skyarray::rpc
