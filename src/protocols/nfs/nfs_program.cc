// NfsProgram: dispatch, handle resolution and the procedures that read
// (nfs_program.h); the procedures that change things are in
// nfs_program_changes.cc.
#include "protocols/nfs/nfs_program.h"

#include <chrono>
#include <random>

#include "protocols/nfs/nfs3_wire.h"
#include "protocols/nfs/nfs_handle.h"

namespace skyarray::nfs {

using rpc::RpcResult;
using rpc::XdrDecoder;
using rpc::XdrEncoder;
using services::FileAttrs;
using services::may_access;

namespace {

constexpr uint32_t kFsfSymlink = 0x02;
constexpr uint32_t kFsfHomogeneous = 0x08;
constexpr uint32_t kFsfCanSetTime = 0x10;

}  // namespace

NfsProgram::NfsProgram(services::FileService& files) : files_(files) {
  std::random_device rd;
  std::mt19937_64 rng((uint64_t(rd()) << 32) ^ rd() ^
                      uint64_t(std::chrono::steady_clock::now().time_since_epoch().count()));
  uint64_t v = rng();
  verifier_.assign(reinterpret_cast<const char*>(&v), 8);
}

uint32_t NfsProgram::program() const {
  return kNfsProgram;
}

std::string NfsProgram::handle_of(const services::Share& share, const services::FileNode& node) {
  return NfsHandle{share.id, node.attrs.file_id, node.attrs.generation}.encode();
}

Task<rpc::RpcResult> NfsProgram::call(const rpc::RpcCall& c, const rpc::RpcPeer& p) {
  switch (c.proc) {
    case NFSPROC3_NULL:
      co_return RpcResult::ok({});
    case NFSPROC3_GETATTR:
      co_return co_await getattr(c, p);
    case NFSPROC3_SETATTR:
      co_return co_await setattr(c, p);
    case NFSPROC3_LOOKUP:
      co_return co_await lookup(c, p);
    case NFSPROC3_ACCESS:
      co_return co_await access(c, p);
    case NFSPROC3_READ:
      co_return co_await read(c, p);
    case NFSPROC3_WRITE:
      co_return co_await write(c, p);
    case NFSPROC3_CREATE:
      co_return co_await create(c, p);
    case NFSPROC3_MKDIR:
      co_return co_await mkdir(c, p);
    case NFSPROC3_REMOVE:
      co_return co_await remove(c, p, false);
    case NFSPROC3_RMDIR:
      co_return co_await remove(c, p, true);
    case NFSPROC3_RENAME:
      co_return co_await rename(c, p);
    case NFSPROC3_READDIR:
      co_return co_await readdir(c, p, false);
    case NFSPROC3_READDIRPLUS:
      co_return co_await readdir(c, p, true);
    case NFSPROC3_FSSTAT:
      co_return co_await fsstat(c, p);
    case NFSPROC3_FSINFO:
      co_return co_await fsinfo(c, p);
    case NFSPROC3_PATHCONF:
      co_return co_await pathconf(c, p);
    case NFSPROC3_COMMIT:
      co_return co_await commit(c, p);
    case NFSPROC3_READLINK:
      co_return co_await readlink(c, p);
    case NFSPROC3_SYMLINK:
      co_return co_await symlink(c, p);
    case NFSPROC3_MKNOD:
    case NFSPROC3_LINK:
      co_return not_supported(c);
    default:
      co_return RpcResult::error(rpc::AcceptStat::kProcUnavail);
  }
}

bool NfsProgram::idempotent(uint32_t proc) const {
  switch (proc) {
    case NFSPROC3_SETATTR:
    case NFSPROC3_CREATE:
    case NFSPROC3_MKDIR:
    case NFSPROC3_SYMLINK:
    case NFSPROC3_MKNOD:
    case NFSPROC3_REMOVE:
    case NFSPROC3_RMDIR:
    case NFSPROC3_RENAME:
    case NFSPROC3_LINK:
      return false;
    default:
      return true;
  }
}

RpcResult NfsProgram::garbage() {
  return RpcResult::error(rpc::AcceptStat::kGarbageArgs);
}

RpcResult NfsProgram::status_attr(uint32_t status, const FileAttrs* a, uint64_t fsid) {
  XdrEncoder e;
  e.u32(status);
  encode_post_op_attr(e, a, fsid);
  return RpcResult::ok(e.take());
}

RpcResult NfsProgram::status_wcc(uint32_t status, const FileAttrs* a, uint64_t fsid) {
  XdrEncoder e;
  e.u32(status);
  encode_wcc(e, a, fsid);
  return RpcResult::ok(e.take());
}

Task<NfsProgram::Target> NfsProgram::open(const XdrDecoder& d, std::string_view handle,
                                          const rpc::RpcCall& call, const rpc::RpcPeer& peer,
                                          Refusal refusal) {
  if (!d.ok()) {
    Target t;
    t.refused = garbage();
    co_return t;
  }
  Target t = co_await open(handle, call, peer);
  if (t.too_weak) {
    t.refused = RpcResult::denied(rpc::AuthStat::kTooWeak);
  } else if (t.status != NFS3_OK) {
    t.refused = refusal == Refusal::kAttr ? status_attr(t.status, nullptr, 0)
                                          : status_wcc(t.status, nullptr, 0);
  }
  co_return t;
}

Task<NfsProgram::Target> NfsProgram::open(std::string_view handle, const rpc::RpcCall& call,
                                          const rpc::RpcPeer& peer) {
  Target t;
  auto h = NfsHandle::decode(handle);
  if (!h) {
    t.status = NFS3ERR_BADHANDLE;
    co_return t;
  }
  auto share = files_.shares().by_id(h->share_id);
  if (!share || !share->serves("nfs")) {
    t.status = NFS3ERR_STALE;
    co_return t;
  }
  t.share = std::move(*share);
  if (!t.share.allows_client(peer.address)) {
    t.status = NFS3ERR_ACCES;
    co_return t;
  }
  if (call.sys) {
    t.who = t.share.map_identity(call.sys->uid, call.sys->gid, call.sys->gids);
  } else if (t.share.squash == services::Squash::kAll) {
    t.who = services::FileIdentity{t.share.anon_uid, t.share.anon_gid, {}};
  } else {
    t.too_weak = true;
    co_return t;
  }
  auto node = co_await files_.resolve(t.share, h->file_id, h->generation);
  if (!node.is_ok()) {
    t.status = node.status().code() == StatusCode::kNotFound ? uint32_t(NFS3ERR_STALE)
                                                             : nfs3_status(node.status());
    co_return t;
  }
  t.node = std::move(*node);
  co_return t;
}

Task<rpc::RpcResult> NfsProgram::getattr(const rpc::RpcCall& c, const rpc::RpcPeer& p) {
  XdrDecoder d(c.args);
  auto fh = d.opaque(kMaxHandle);
  if (!d.ok()) co_return garbage();
  Target t = co_await open(fh, c, p);
  if (t.too_weak) co_return RpcResult::denied(rpc::AuthStat::kTooWeak);
  XdrEncoder e;
  e.u32(t.status);
  if (t.status == NFS3_OK) encode_fattr3(e, t.node.attrs, t.share.id);
  co_return RpcResult::ok(e.take());
}

Task<rpc::RpcResult> NfsProgram::lookup(const rpc::RpcCall& c, const rpc::RpcPeer& p) {
  XdrDecoder d(c.args);
  auto fh = d.opaque(kMaxHandle);
  std::string name = d.string(kMaxName);
  Target t = co_await open(d, fh, c, p, Refusal::kAttr);
  if (t.refused) co_return std::move(*t.refused);
  const FileAttrs& dir = t.node.attrs;
  if (!t.node.is_dir()) co_return status_attr(NFS3ERR_NOTDIR, &dir, t.share.id);
  if (!may_access(dir, t.who, services::kAccessExecute))
    co_return status_attr(NFS3ERR_ACCES, &dir, t.share.id);
  auto found = co_await files_.lookup(t.share, t.node, name);
  if (!found.is_ok()) co_return status_attr(nfs3_status(found.status()), &dir, t.share.id);
  XdrEncoder e;
  e.u32(NFS3_OK);
  e.opaque(handle_of(t.share, *found));
  encode_post_op_attr(e, &found->attrs, t.share.id);
  encode_post_op_attr(e, &dir, t.share.id);
  co_return RpcResult::ok(e.take());
}

Task<rpc::RpcResult> NfsProgram::access(const rpc::RpcCall& c, const rpc::RpcPeer& p) {
  XdrDecoder d(c.args);
  auto fh = d.opaque(kMaxHandle);
  uint32_t want = d.u32();
  Target t = co_await open(d, fh, c, p, Refusal::kAttr);
  if (t.refused) co_return std::move(*t.refused);
  const FileAttrs& a = t.node.attrs;
  bool owner = t.who.uid == a.uid;
  bool r = may_access(a, t.who, services::kAccessRead) || (owner && !t.node.is_dir());
  bool w = !t.share.read_only &&
           (may_access(a, t.who, services::kAccessWrite) || (owner && !t.node.is_dir()));
  bool x = may_access(a, t.who, services::kAccessExecute);
  uint32_t granted = 0;
  if (r) granted |= kAccessRead;
  if (t.node.is_dir()) {
    if (x) granted |= kAccessLookup;
    if (w && x) granted |= kAccessModify | kAccessExtend | kAccessDelete;
  } else {
    if (w) granted |= kAccessModify | kAccessExtend;
    if (x) granted |= kAccessExecute;
  }
  XdrEncoder e;
  e.u32(NFS3_OK);
  encode_post_op_attr(e, &a, t.share.id);
  e.u32(want & granted);
  co_return RpcResult::ok(e.take());
}

Task<rpc::RpcResult> NfsProgram::read(const rpc::RpcCall& c, const rpc::RpcPeer& p) {
  XdrDecoder d(c.args);
  auto fh = d.opaque(kMaxHandle);
  uint64_t offset = d.u64();
  uint32_t count = std::min(d.u32(), kMaxTransfer);
  Target t = co_await open(d, fh, c, p, Refusal::kAttr);
  if (t.refused) co_return std::move(*t.refused);
  const FileAttrs& a = t.node.attrs;
  if (t.node.is_dir()) co_return status_attr(NFS3ERR_ISDIR, &a, t.share.id);
  if (t.who.uid != a.uid && !may_access(a, t.who, services::kAccessRead))
    co_return status_attr(NFS3ERR_ACCES, &a, t.share.id);
  auto got = co_await files_.read(t.share, t.node, offset, count);
  if (!got.is_ok()) co_return status_attr(nfs3_status(got.status()), &a, t.share.id);
  XdrEncoder e;
  e.u32(NFS3_OK);
  encode_post_op_attr(e, &a, t.share.id);
  e.u32(static_cast<uint32_t>(got->data.size()));
  e.boolean(got->eof);
  e.opaque(got->data);
  co_return RpcResult::ok(e.take());
}

Task<rpc::RpcResult> NfsProgram::readdir(const rpc::RpcCall& c, const rpc::RpcPeer& p, bool plus) {
  XdrDecoder d(c.args);
  auto fh = d.opaque(kMaxHandle);
  uint64_t cookie = d.u64();
  d.fixed(8);  // cookie verifier: cookies are file ids, valid without one
  uint32_t limit = d.u32();
  if (plus) limit = d.u32();  // maxcount bounds the reply
  Target t = co_await open(d, fh, c, p, Refusal::kAttr);
  if (t.refused) co_return std::move(*t.refused);
  const FileAttrs& dir = t.node.attrs;
  if (!t.node.is_dir()) co_return status_attr(NFS3ERR_NOTDIR, &dir, t.share.id);
  if (!may_access(dir, t.who, services::kAccessRead))
    co_return status_attr(NFS3ERR_ACCES, &dir, t.share.id);
  limit = std::min(limit, kMaxTransfer);
  size_t max_entries = std::clamp<size_t>(limit / (plus ? 180 : 40), 1, 1000);
  auto page = co_await files_.readdir(t.share, t.node, cookie, max_entries);
  if (!page.is_ok()) co_return status_attr(nfs3_status(page.status()), &dir, t.share.id);
  XdrEncoder e;
  e.u32(NFS3_OK);
  encode_post_op_attr(e, &dir, t.share.id);
  e.fixed(std::string(8, '\0'));
  bool truncated = false;
  size_t used = 0;
  for (const auto& entry : page->entries) {
    XdrEncoder one;
    one.boolean(true);
    one.u64(entry.node.attrs.file_id);
    one.string(entry.name);
    one.u64(entry.cookie);
    if (plus) {
      encode_post_op_attr(one, &entry.node.attrs, t.share.id);
      std::string h = handle_of(t.share, entry.node);
      encode_post_op_fh(one, &h);
    }
    if (e.size() + one.size() + 8 > limit) {
      truncated = true;
      break;
    }
    e.fixed(one.data());
    ++used;
  }
  if (used == 0 && truncated) co_return status_attr(NFS3ERR_TOOSMALL, &dir, t.share.id);
  e.boolean(false);
  e.boolean(page->eof && !truncated);
  co_return RpcResult::ok(e.take());
}

Task<rpc::RpcResult> NfsProgram::readlink(const rpc::RpcCall& c, const rpc::RpcPeer& p) {
  XdrDecoder d(c.args);
  auto fh = d.opaque(kMaxHandle);
  Target t = co_await open(d, fh, c, p, Refusal::kAttr);
  if (t.refused) co_return std::move(*t.refused);
  auto target = co_await files_.readlink(t.share, t.node);
  if (!target.is_ok())
    co_return status_attr(nfs3_status(target.status()), &t.node.attrs, t.share.id);
  XdrEncoder e;
  e.u32(NFS3_OK);
  encode_post_op_attr(e, &t.node.attrs, t.share.id);
  e.string(*target);
  co_return RpcResult::ok(e.take());
}

Task<rpc::RpcResult> NfsProgram::fsstat(const rpc::RpcCall& c, const rpc::RpcPeer& p) {
  XdrDecoder d(c.args);
  auto fh = d.opaque(kMaxHandle);
  Target t = co_await open(d, fh, c, p, Refusal::kAttr);
  if (t.refused) co_return std::move(*t.refused);
  auto usage = co_await files_.usage(t.share);
  if (!usage.is_ok()) co_return status_attr(nfs3_status(usage.status()), &t.node.attrs, t.share.id);
  // Bytes: the array's room for file data (shared by every share). Files:
  // objects cost only metadata, so the count is nominal beyond the bucket's.
  constexpr uint64_t kNominalFiles = 1ull << 40;
  XdrEncoder e;
  e.u32(NFS3_OK);
  encode_post_op_attr(e, &t.node.attrs, t.share.id);
  e.u64(usage->total_bytes);
  e.u64(usage->free_bytes);
  e.u64(usage->free_bytes);
  e.u64(usage->objects + kNominalFiles);
  e.u64(kNominalFiles);
  e.u64(kNominalFiles);
  e.u32(0);  // invarsec
  co_return RpcResult::ok(e.take());
}

Task<rpc::RpcResult> NfsProgram::fsinfo(const rpc::RpcCall& c, const rpc::RpcPeer& p) {
  XdrDecoder d(c.args);
  auto fh = d.opaque(kMaxHandle);
  Target t = co_await open(d, fh, c, p, Refusal::kAttr);
  if (t.refused) co_return std::move(*t.refused);
  XdrEncoder e;
  e.u32(NFS3_OK);
  encode_post_op_attr(e, &t.node.attrs, t.share.id);
  e.u32(kMaxTransfer);  // rtmax
  e.u32(kMaxTransfer);  // rtpref
  e.u32(4096);          // rtmult
  e.u32(kMaxTransfer);  // wtmax
  e.u32(kMaxTransfer);  // wtpref
  e.u32(4096);          // wtmult
  e.u32(64 * 1024);     // dtpref
  e.u64(5ull << 40);    // maxfilesize: S3's largest object
  e.u32(0);             // time_delta: nanoseconds
  e.u32(1);
  e.u32(kFsfSymlink | kFsfHomogeneous | kFsfCanSetTime);
  co_return RpcResult::ok(e.take());
}

Task<rpc::RpcResult> NfsProgram::pathconf(const rpc::RpcCall& c, const rpc::RpcPeer& p) {
  XdrDecoder d(c.args);
  auto fh = d.opaque(kMaxHandle);
  Target t = co_await open(d, fh, c, p, Refusal::kAttr);
  if (t.refused) co_return std::move(*t.refused);
  XdrEncoder e;
  e.u32(NFS3_OK);
  encode_post_op_attr(e, &t.node.attrs, t.share.id);
  e.u32(1);                                                       // linkmax
  e.u32(static_cast<uint32_t>(services::FileService::kMaxName));  // name_max
  e.boolean(true);                                                // no_trunc
  e.boolean(true);                                                // chown_restricted
  e.boolean(false);                                               // case_insensitive
  e.boolean(true);                                                // case_preserving
  co_return RpcResult::ok(e.take());
}

rpc::RpcResult NfsProgram::not_supported(const rpc::RpcCall& c) const {
  XdrEncoder e;
  e.u32(NFS3ERR_NOTSUPP);
  switch (c.proc) {
    case NFSPROC3_LINK:
      encode_post_op_attr(e, nullptr, 0);
      encode_wcc(e, nullptr, 0);
      break;
    default:  // MKNOD: the directory's wcc_data
      encode_wcc(e, nullptr, 0);
      break;
  }
  return RpcResult::ok(e.take());
}

}  // namespace skyarray::nfs
