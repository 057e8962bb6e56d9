// MountProgram: MOUNT version 3 (RFC 1813 appendix I), program 100005.
//   NULL, MNT(dirpath) → the root handle of share NAME for "/NAME" (the
//   client's address must be in the share's clients, and the share must
//   serve nfs: else MNT3ERR_ACCES; unknown share: MNT3ERR_NOENT),
//   DUMP (an empty list: mounts are not tracked), UMNT, UMNTALL (no-ops),
//   EXPORT (every share serving nfs, with its client blocks as groups).
// Auth flavors offered at MNT: AUTH_SYS, and AUTH_NONE as well for shares
// that squash every user (see NfsProgram).
#pragma once

#include "protocols/rpc/rpc_server.h"

namespace skyarray::services {
class FileService;
}

namespace skyarray::nfs {

class MountProgram : public rpc::RpcProgram {
 public:
  explicit MountProgram(services::FileService& files) : files_(files) {}
  uint32_t program() const override;
  uint32_t min_version() const override { return 3; }
  uint32_t max_version() const override { return 3; }
  Task<rpc::RpcResult> call(const rpc::RpcCall& call, const rpc::RpcPeer& peer) override;

 private:
  Task<rpc::RpcResult> mnt(const rpc::RpcCall& call, const rpc::RpcPeer& peer);
  rpc::RpcResult exports() const;
  services::FileService& files_;
};

}  // namespace skyarray::nfs
