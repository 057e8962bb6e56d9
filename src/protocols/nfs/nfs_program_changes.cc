// NfsProgram: the procedures that change files and directories (SETATTR,
// WRITE, CREATE, MKDIR, SYMLINK, REMOVE, RMDIR, RENAME, COMMIT); see
// nfs_program.h.
#include <chrono>

#include "protocols/nfs/nfs3_wire.h"
#include "protocols/nfs/nfs_program.h"

namespace skyarray::nfs {

using rpc::RpcResult;
using rpc::XdrDecoder;
using rpc::XdrEncoder;
using services::FileAttrs;
using services::may_access;

namespace {

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool owner_or_root(const services::FileIdentity& who, const FileAttrs& a) {
  return who.uid == 0 || who.uid == a.uid;
}

// May `who` add or remove entries of directory `dir`?
bool may_change_dir(const FileAttrs& dir, const services::FileIdentity& who) {
  return may_access(dir, who, services::kAccessWrite | services::kAccessExecute);
}

// Why a SETATTR is refused, or NFS3_OK.
uint32_t setattr_refusal(const services::FileAttrChange& s, const FileAttrs& a,
                         const services::FileIdentity& who) {
  if (s.uid && *s.uid != a.uid && who.uid != 0) return NFS3ERR_PERM;
  if ((s.gid && *s.gid != a.gid) || s.mode) {
    if (!owner_or_root(who, a)) return NFS3ERR_PERM;
  }
  bool may_write = who.uid == a.uid || may_access(a, who, services::kAccessWrite);
  if (s.size && !may_write) return NFS3ERR_ACCES;
  if ((s.atime_ns || s.mtime_ns) && !owner_or_root(who, a) && !may_write) return NFS3ERR_ACCES;
  return NFS3_OK;
}

}  // namespace

uint32_t NfsProgram::entry_refusal(const Target& dir) {
  if (dir.share.read_only) return NFS3ERR_ROFS;
  if (!dir.node.is_dir()) return NFS3ERR_NOTDIR;
  if (!may_change_dir(dir.node.attrs, dir.who)) return NFS3ERR_ACCES;
  return NFS3_OK;
}

rpc::RpcResult NfsProgram::new_entry(const Target& dir,
                                     const Result<services::FileNode>& made) const {
  XdrEncoder e;
  e.u32(made.is_ok() ? uint32_t(NFS3_OK) : nfs3_status(made.status()));
  if (made.is_ok()) {
    std::string h = handle_of(dir.share, *made);
    encode_post_op_fh(e, &h);
    encode_post_op_attr(e, &made->attrs, dir.share.id);
  }
  encode_wcc(e, nullptr, dir.share.id);
  return RpcResult::ok(e.take());
}

Task<rpc::RpcResult> NfsProgram::setattr(const rpc::RpcCall& c, const rpc::RpcPeer& p) {
  XdrDecoder d(c.args);
  auto fh = d.opaque(kMaxHandle);
  services::FileAttrChange change = decode_sattr3(d, now_ns());
  bool guard = d.boolean();
  int64_t guard_ctime = 0;
  if (guard) {
    int64_t s = d.u32();
    guard_ctime = s * 1000000000 + d.u32();
  }
  Target t = co_await open(d, fh, c, p, Refusal::kWcc);
  if (t.refused) co_return std::move(*t.refused);
  const FileAttrs& a = t.node.attrs;
  if (t.share.read_only) co_return status_wcc(NFS3ERR_ROFS, &a, t.share.id);
  if (guard && guard_ctime != a.ctime_ns) co_return status_wcc(NFS3ERR_NOT_SYNC, &a, t.share.id);
  if (uint32_t refused = setattr_refusal(change, a, t.who); refused != NFS3_OK)
    co_return status_wcc(refused, &a, t.share.id);
  auto changed = co_await files_.setattr(t.share, t.node, change);
  if (!changed.is_ok()) co_return status_wcc(nfs3_status(changed.status()), &a, t.share.id);
  co_return status_wcc(NFS3_OK, &changed->attrs, t.share.id);
}

Task<rpc::RpcResult> NfsProgram::write(const rpc::RpcCall& c, const rpc::RpcPeer& p) {
  XdrDecoder d(c.args);
  auto fh = d.opaque(kMaxHandle);
  uint64_t offset = d.u64();
  uint32_t count = d.u32();
  uint32_t stable = d.u32();
  auto data = d.opaque(kMaxTransfer);
  if (stable > 2) co_return garbage();
  count = std::min<uint32_t>(count, static_cast<uint32_t>(data.size()));
  Target t = co_await open(d, fh, c, p, Refusal::kWcc);
  if (t.refused) co_return std::move(*t.refused);
  FileAttrs a = t.node.attrs;
  if (t.share.read_only) co_return status_wcc(NFS3ERR_ROFS, &a, t.share.id);
  if (t.node.is_dir()) co_return status_wcc(NFS3ERR_ISDIR, &a, t.share.id);
  if (t.who.uid != a.uid && !may_access(a, t.who, services::kAccessWrite))
    co_return status_wcc(NFS3ERR_ACCES, &a, t.share.id);
  auto how = static_cast<services::WriteStability>(stable);
  auto done =
      co_await files_.write(t.share, t.node, offset, std::string(data.substr(0, count)), how);
  if (!done.is_ok()) co_return status_wcc(nfs3_status(done.status()), &a, t.share.id);
  a.size = std::max<uint64_t>(a.size, offset + count);
  a.mtime_ns = a.ctime_ns = now_ns();
  XdrEncoder e;
  e.u32(NFS3_OK);
  encode_wcc(e, &a, t.share.id);
  e.u32(count);
  e.u32(static_cast<uint32_t>(*done));
  e.fixed(verifier_);
  co_return RpcResult::ok(e.take());
}

Task<rpc::RpcResult> NfsProgram::create(const rpc::RpcCall& c, const rpc::RpcPeer& p) {
  XdrDecoder d(c.args);
  auto fh = d.opaque(kMaxHandle);
  std::string name = d.string(kMaxName);
  uint32_t how = d.u32();
  services::FileAttrChange init;
  std::string verifier;
  if (how <= 1) {
    init = decode_sattr3(d, now_ns());
  } else if (how == 2) {
    verifier = std::string(d.fixed(8));
  } else {
    d.fail();
  }
  Target t = co_await open(d, fh, c, p, Refusal::kWcc);
  if (t.refused) co_return std::move(*t.refused);
  if (uint32_t no = entry_refusal(t); no != NFS3_OK) co_return status_wcc(no, nullptr, 0);
  // A new file belongs to its creator (root may give it away).
  if (!init.uid || t.who.uid != 0) init.uid = t.who.uid;
  if (!init.gid || t.who.uid != 0) init.gid = t.who.gid;
  auto mode = how == 0   ? services::CreateMode::kUnchecked
              : how == 1 ? services::CreateMode::kGuarded
                         : services::CreateMode::kExclusive;
  auto made = co_await files_.create(t.share, t.node, name, init, mode, verifier);
  co_return new_entry(t, made);
}

Task<rpc::RpcResult> NfsProgram::mkdir(const rpc::RpcCall& c, const rpc::RpcPeer& p) {
  XdrDecoder d(c.args);
  auto fh = d.opaque(kMaxHandle);
  std::string name = d.string(kMaxName);
  services::FileAttrChange init = decode_sattr3(d, now_ns());
  Target t = co_await open(d, fh, c, p, Refusal::kWcc);
  if (t.refused) co_return std::move(*t.refused);
  if (uint32_t no = entry_refusal(t); no != NFS3_OK) co_return status_wcc(no, nullptr, 0);
  if (!init.uid || t.who.uid != 0) init.uid = t.who.uid;
  if (!init.gid || t.who.uid != 0) init.gid = t.who.gid;
  auto made = co_await files_.mkdir(t.share, t.node, name, init);
  co_return new_entry(t, made);
}

Task<rpc::RpcResult> NfsProgram::symlink(const rpc::RpcCall& c, const rpc::RpcPeer& p) {
  XdrDecoder d(c.args);
  auto fh = d.opaque(kMaxHandle);
  std::string name = d.string(kMaxName);
  services::FileAttrChange init = decode_sattr3(d, now_ns());
  std::string target = d.string(kMaxPath);
  Target t = co_await open(d, fh, c, p, Refusal::kWcc);
  if (t.refused) co_return std::move(*t.refused);
  if (uint32_t no = entry_refusal(t); no != NFS3_OK) co_return status_wcc(no, nullptr, 0);
  if (!init.uid || t.who.uid != 0) init.uid = t.who.uid;
  if (!init.gid || t.who.uid != 0) init.gid = t.who.gid;
  auto made = co_await files_.symlink(t.share, t.node, name, target, init);
  co_return new_entry(t, made);
}

Task<rpc::RpcResult> NfsProgram::remove(const rpc::RpcCall& c, const rpc::RpcPeer& p, bool dir) {
  XdrDecoder d(c.args);
  auto fh = d.opaque(kMaxHandle);
  std::string name = d.string(kMaxName);
  Target t = co_await open(d, fh, c, p, Refusal::kWcc);
  if (t.refused) co_return std::move(*t.refused);
  if (uint32_t no = entry_refusal(t); no != NFS3_OK) co_return status_wcc(no, nullptr, 0);
  // Not a conditional expression: GCC 12 destroys the temporaries of a
  // co_await inside one twice.
  Status s;
  if (dir) {
    s = co_await files_.rmdir(t.share, t.node, name);
  } else {
    s = co_await files_.remove(t.share, t.node, name);
  }
  co_return status_wcc(nfs3_status(s), nullptr, t.share.id);
}

Task<rpc::RpcResult> NfsProgram::rename(const rpc::RpcCall& c, const rpc::RpcPeer& p) {
  XdrDecoder d(c.args);
  auto from_fh = d.opaque(kMaxHandle);
  std::string from_name = d.string(kMaxName);
  auto to_fh = d.opaque(kMaxHandle);
  std::string to_name = d.string(kMaxName);
  if (!d.ok()) co_return garbage();
  Target from = co_await open(from_fh, c, p);
  if (from.too_weak) co_return RpcResult::denied(rpc::AuthStat::kTooWeak);
  Target to = co_await open(to_fh, c, p);
  uint32_t status = from.status != NFS3_OK ? from.status : to.status;
  if (status == NFS3_OK && from.share.id != to.share.id) status = NFS3ERR_XDEV;
  if (status == NFS3_OK && from.share.read_only) status = NFS3ERR_ROFS;
  if (status == NFS3_OK && (!from.node.is_dir() || !to.node.is_dir())) status = NFS3ERR_NOTDIR;
  if (status == NFS3_OK &&
      (!may_change_dir(from.node.attrs, from.who) || !may_change_dir(to.node.attrs, to.who)))
    status = NFS3ERR_ACCES;
  if (status == NFS3_OK) {
    Status s = co_await files_.rename(from.share, from.node, from_name, to.node, to_name);
    status = nfs3_status(s);
  }
  XdrEncoder e;
  e.u32(status);
  encode_wcc(e, nullptr, 0);
  encode_wcc(e, nullptr, 0);
  co_return RpcResult::ok(e.take());
}

Task<rpc::RpcResult> NfsProgram::commit(const rpc::RpcCall& c, const rpc::RpcPeer& p) {
  XdrDecoder d(c.args);
  auto fh = d.opaque(kMaxHandle);
  d.u64();  // offset and count: the whole file is published
  d.u32();
  Target t = co_await open(d, fh, c, p, Refusal::kWcc);
  if (t.refused) co_return std::move(*t.refused);
  Status s = co_await files_.commit(t.share, t.node);
  if (!s.is_ok()) co_return status_wcc(nfs3_status(s), &t.node.attrs, t.share.id);
  XdrEncoder e;
  e.u32(NFS3_OK);
  encode_wcc(e, &t.node.attrs, t.share.id);
  e.fixed(verifier_);
  co_return RpcResult::ok(e.take());
}

}  // namespace skyarray::nfs
