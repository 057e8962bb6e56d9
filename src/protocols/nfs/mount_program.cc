#include "protocols/nfs/mount_program.h"

#include <spdlog/spdlog.h>

#include "protocols/nfs/nfs3_wire.h"
#include "protocols/nfs/nfs_handle.h"
#include "services/files/file_service.h"

namespace skyarray::nfs {

namespace {

enum MountProc : uint32_t {
  MOUNTPROC3_NULL = 0,
  MOUNTPROC3_MNT = 1,
  MOUNTPROC3_DUMP = 2,
  MOUNTPROC3_UMNT = 3,
  MOUNTPROC3_UMNTALL = 4,
  MOUNTPROC3_EXPORT = 5,
};

constexpr uint32_t MNT3_OK = 0;
constexpr uint32_t MNT3ERR_NOENT = 2;
constexpr uint32_t MNT3ERR_ACCES = 13;
constexpr uint32_t MNT3ERR_NOTDIR = 20;
constexpr uint32_t MNT3ERR_NAMETOOLONG = 63;
constexpr uint32_t MNT3ERR_SERVERFAULT = 10006;

rpc::RpcResult mount_status(uint32_t status) {
  rpc::XdrEncoder e;
  e.u32(status);
  return rpc::RpcResult::ok(e.take());
}

}  // namespace

uint32_t MountProgram::program() const {
  return kMountProgram;
}

Task<rpc::RpcResult> MountProgram::call(const rpc::RpcCall& call, const rpc::RpcPeer& peer) {
  switch (call.proc) {
    case MOUNTPROC3_NULL:
    case MOUNTPROC3_UMNTALL:
      co_return rpc::RpcResult::ok({});
    case MOUNTPROC3_MNT:
      co_return co_await mnt(call, peer);
    case MOUNTPROC3_DUMP: {
      rpc::XdrEncoder e;
      e.boolean(false);
      co_return rpc::RpcResult::ok(e.take());
    }
    case MOUNTPROC3_UMNT: {
      rpc::XdrDecoder d(call.args);
      d.opaque(kMaxPath);
      if (!d.ok()) co_return rpc::RpcResult::error(rpc::AcceptStat::kGarbageArgs);
      co_return rpc::RpcResult::ok({});
    }
    case MOUNTPROC3_EXPORT:
      co_return exports();
    default:
      co_return rpc::RpcResult::error(rpc::AcceptStat::kProcUnavail);
  }
}

Task<rpc::RpcResult> MountProgram::mnt(const rpc::RpcCall& call, const rpc::RpcPeer& peer) {
  rpc::XdrDecoder d(call.args);
  std::string path = d.string(kMaxPath + 1);
  if (!d.ok()) co_return rpc::RpcResult::error(rpc::AcceptStat::kGarbageArgs);
  if (path.size() > kMaxPath) co_return mount_status(MNT3ERR_NAMETOOLONG);
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  if (path.empty() || path[0] != '/') co_return mount_status(MNT3ERR_NOENT);
  // "/NAME" is the share's root; "/NAME/a/b" a directory inside it.
  auto slash = path.find('/', 1);
  auto share = files_.shares().get(path.substr(1, slash == std::string::npos ? slash : slash - 1));
  if (!share || !share->serves("nfs")) co_return mount_status(MNT3ERR_NOENT);
  if (!share->allows_client(peer.address)) {
    spdlog::info("nfs: mount of {} refused to {}", path, peer.address);
    co_return mount_status(MNT3ERR_ACCES);
  }
  auto root = co_await files_.root(*share);
  while (root.is_ok() && slash != std::string::npos) {
    auto next = path.find('/', slash + 1);
    std::string name = path.substr(slash + 1, next == std::string::npos ? next : next - slash - 1);
    slash = next;
    if (name.empty()) continue;
    root = co_await files_.lookup(*share, *root, name);
    if (root.is_ok() && !root->is_dir()) co_return mount_status(MNT3ERR_NOTDIR);
  }
  if (!root.is_ok()) {
    auto code = root.status().code();
    if (code != StatusCode::kNotFound && code != StatusCode::kBucketNotFound)
      spdlog::warn("nfs: mount of {}: {}", path, root.status().to_string());
    co_return mount_status(code == StatusCode::kNotFound || code == StatusCode::kBucketNotFound
                               ? MNT3ERR_NOENT
                               : MNT3ERR_SERVERFAULT);
  }
  NfsHandle h{share->id, root->attrs.file_id, root->attrs.generation};
  rpc::XdrEncoder e;
  e.u32(MNT3_OK);
  e.opaque(h.encode());
  bool anonymous_ok = share->squash == services::Squash::kAll;
  e.u32(anonymous_ok ? 2 : 1);
  e.u32(rpc::kAuthSys);
  if (anonymous_ok) e.u32(rpc::kAuthNone);
  co_return rpc::RpcResult::ok(e.take());
}

rpc::RpcResult MountProgram::exports() const {
  rpc::XdrEncoder e;
  for (const auto& s : files_.shares().list()) {
    if (!s.serves("nfs")) continue;
    e.boolean(true);
    e.string("/" + s.name);
    for (const auto& c : s.clients) {
      e.boolean(true);
      e.string(c);
    }
    e.boolean(false);
  }
  e.boolean(false);
  return rpc::RpcResult::ok(e.take());
}

}  // namespace skyarray::nfs
