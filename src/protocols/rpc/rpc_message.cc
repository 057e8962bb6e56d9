#include "protocols/rpc/rpc_message.h"

#include "protocols/rpc/xdr.h"

namespace skyarray::rpc {

namespace {

constexpr uint32_t kCall = 0;
constexpr uint32_t kReply = 1;
constexpr uint32_t kAccepted = 0;
constexpr uint32_t kDenied = 1;
constexpr size_t kMaxMachineName = 255;
constexpr size_t kMaxGids = 16;

bool parse_auth_sys(std::string_view body, AuthSys* out) {
  XdrDecoder d(body);
  out->stamp = d.u32();
  out->machine = d.string(kMaxMachineName);
  out->uid = d.u32();
  out->gid = d.u32();
  uint32_t n = d.u32();
  if (n > kMaxGids) return false;
  for (uint32_t i = 0; i < n && d.ok(); ++i) out->gids.push_back(d.u32());
  return d.ok();
}

void accepted_head(XdrEncoder* e, uint32_t xid, AcceptStat stat) {
  e->u32(xid);
  e->u32(kReply);
  e->u32(kAccepted);
  e->u32(kAuthNone);  // verifier: AUTH_NONE, empty
  e->u32(0);
  e->u32(static_cast<uint32_t>(stat));
}

}  // namespace

ParsedCall parse_call(std::string_view record) {
  ParsedCall p;
  XdrDecoder d(record);
  p.call.xid = d.u32();
  uint32_t type = d.u32();
  if (!d.ok() || type != kCall) return p;
  uint32_t rpcvers = d.u32();
  p.call.prog = d.u32();
  p.call.vers = d.u32();
  p.call.proc = d.u32();
  if (!d.ok()) return p;
  if (rpcvers != 2) {
    p.outcome = CallParse::kRpcMismatch;
    return p;
  }
  p.call.flavor = d.u32();
  std::string_view cred = d.opaque(kMaxAuthBody);
  d.u32();  // verifier flavor: not checked (AUTH_NONE/AUTH_SYS carry none)
  d.opaque(kMaxAuthBody);
  if (!d.ok()) {
    p.outcome = CallParse::kBadCred;
    return p;
  }
  if (p.call.flavor == kAuthSys) {
    AuthSys sys;
    if (!parse_auth_sys(cred, &sys)) {
      p.outcome = CallParse::kBadCred;
      return p;
    }
    p.call.sys = std::move(sys);
  } else if (p.call.flavor != kAuthNone) {
    p.outcome = CallParse::kBadCred;
    return p;
  }
  p.call.args = d.rest();
  p.outcome = CallParse::kOk;
  return p;
}

std::string reply_success(uint32_t xid, std::string_view results) {
  XdrEncoder e;
  accepted_head(&e, xid, AcceptStat::kSuccess);
  std::string out = e.take();
  out.append(results);
  return out;
}

std::string reply_accept_error(uint32_t xid, AcceptStat stat, uint32_t low, uint32_t high) {
  XdrEncoder e;
  accepted_head(&e, xid, stat);
  if (stat == AcceptStat::kProgMismatch) {
    e.u32(low);
    e.u32(high);
  }
  return e.take();
}

std::string reply_rpc_mismatch(uint32_t xid) {
  XdrEncoder e;
  e.u32(xid);
  e.u32(kReply);
  e.u32(kDenied);
  e.u32(0);  // RPC_MISMATCH
  e.u32(2);
  e.u32(2);
  return e.take();
}

std::string reply_auth_error(uint32_t xid, AuthStat stat) {
  XdrEncoder e;
  e.u32(xid);
  e.u32(kReply);
  e.u32(kDenied);
  e.u32(1);  // AUTH_ERROR
  e.u32(static_cast<uint32_t>(stat));
  return e.take();
}

}  // namespace skyarray::rpc
