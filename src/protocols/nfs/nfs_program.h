// NfsProgram: NFS version 3 (RFC 1813), program 100003, over the files
// service. Every procedure is answered:
//   NULL, GETATTR, SETATTR (with the ctime guard), LOOKUP, ACCESS,
//   READLINK, READ, WRITE, CREATE (UNCHECKED/GUARDED/EXCLUSIVE), MKDIR,
//   SYMLINK, REMOVE, RMDIR, RENAME, READDIR, READDIRPLUS, FSSTAT, FSINFO,
//   PATHCONF, COMMIT; MKNOD and LINK answer NFS3ERR_NOTSUPP (no special
//   files or hard links).
// Export rules, checked on every call: the handle's share must serve nfs
// and list the client's address (else NFS3ERR_ACCES); read-only shares
// answer NFS3ERR_ROFS to every change; credentials are AUTH_SYS, mapped by
// the share's squash setting; AUTH_NONE is accepted only on shares that
// squash every user (else AUTH_TOOWEAK). Mode bits are checked against the
// mapped identity (services/files/file_attrs.h may_access), with the usual
// owner override for READ/WRITE of one's own file.
// Writes: UNSTABLE writes are staged and answered UNSTABLE; DATA_SYNC and
// FILE_SYNC writes are published and durable before the answer, which says
// FILE_SYNC; COMMIT publishes. The write verifier is drawn at start, so a
// client resends its uncommitted writes after a restart.
// A retransmitted non-idempotent call (REMOVE, RENAME, CREATE, ...) is
// answered from the RPC server's duplicate-request cache, not run twice.
// Not provided: NLM locking.
#pragma once

#include <optional>
#include <string>

#include "protocols/rpc/rpc_server.h"
#include "protocols/rpc/xdr.h"
#include "services/files/file_service.h"

namespace skyarray::nfs {

class NfsProgram : public rpc::RpcProgram {
 public:
  explicit NfsProgram(services::FileService& files);
  uint32_t program() const override;
  uint32_t min_version() const override { return 3; }
  uint32_t max_version() const override { return 3; }
  Task<rpc::RpcResult> call(const rpc::RpcCall& call, const rpc::RpcPeer& peer) override;
  // SETATTR, CREATE, MKDIR, SYMLINK, MKNOD, REMOVE, RMDIR, RENAME and LINK
  // go through the server's duplicate-request cache.
  bool idempotent(uint32_t proc) const override;

  // The handle a file of a share is known by.
  static std::string handle_of(const services::Share& share, const services::FileNode& node);

 private:
  // A handle resolved for a call: its share, who the call acts as, and the
  // node; `status` is NFS3_OK or why not; `too_weak` asks for AUTH_TOOWEAK.
  // `refused`, when set, is the whole answer instead of the procedure's.
  struct Target {
    uint32_t status = 0;
    bool too_weak = false;
    services::Share share;
    services::FileIdentity who;
    services::FileNode node;
    std::optional<rpc::RpcResult> refused;
  };
  // What a refused call carries after its status: an empty post_op_attr
  // (the reading procedures) or an empty wcc_data (the changing ones).
  enum class Refusal : uint8_t { kAttr, kWcc };
  Task<Target> open(std::string_view handle, const rpc::RpcCall& call, const rpc::RpcPeer& peer);
  // The prologue of every one-handle procedure: once its arguments are
  // decoded from `d`, resolves `handle`; `refused` is set to GARBAGE_ARGS
  // when they did not decode, AUTH_TOOWEAK, or the handle's error status
  // followed by what `refusal` says.
  Task<Target> open(const rpc::XdrDecoder& d, std::string_view handle, const rpc::RpcCall& call,
                    const rpc::RpcPeer& peer, Refusal refusal);

  static rpc::RpcResult garbage();
  // status, post_op_attr
  static rpc::RpcResult status_attr(uint32_t status, const services::FileAttrs* a, uint64_t fsid);
  // status, wcc_data
  static rpc::RpcResult status_wcc(uint32_t status, const services::FileAttrs* a, uint64_t fsid);

  Task<rpc::RpcResult> getattr(const rpc::RpcCall& c, const rpc::RpcPeer& p);
  Task<rpc::RpcResult> setattr(const rpc::RpcCall& c, const rpc::RpcPeer& p);
  Task<rpc::RpcResult> lookup(const rpc::RpcCall& c, const rpc::RpcPeer& p);
  Task<rpc::RpcResult> access(const rpc::RpcCall& c, const rpc::RpcPeer& p);
  Task<rpc::RpcResult> read(const rpc::RpcCall& c, const rpc::RpcPeer& p);
  Task<rpc::RpcResult> write(const rpc::RpcCall& c, const rpc::RpcPeer& p);
  Task<rpc::RpcResult> create(const rpc::RpcCall& c, const rpc::RpcPeer& p);
  Task<rpc::RpcResult> mkdir(const rpc::RpcCall& c, const rpc::RpcPeer& p);
  Task<rpc::RpcResult> symlink(const rpc::RpcCall& c, const rpc::RpcPeer& p);
  Task<rpc::RpcResult> readlink(const rpc::RpcCall& c, const rpc::RpcPeer& p);
  Task<rpc::RpcResult> remove(const rpc::RpcCall& c, const rpc::RpcPeer& p, bool dir);
  Task<rpc::RpcResult> rename(const rpc::RpcCall& c, const rpc::RpcPeer& p);
  Task<rpc::RpcResult> readdir(const rpc::RpcCall& c, const rpc::RpcPeer& p, bool plus);
  Task<rpc::RpcResult> fsstat(const rpc::RpcCall& c, const rpc::RpcPeer& p);
  Task<rpc::RpcResult> fsinfo(const rpc::RpcCall& c, const rpc::RpcPeer& p);
  Task<rpc::RpcResult> pathconf(const rpc::RpcCall& c, const rpc::RpcPeer& p);
  Task<rpc::RpcResult> commit(const rpc::RpcCall& c, const rpc::RpcPeer& p);
  rpc::RpcResult not_supported(const rpc::RpcCall& c) const;
  // Why an entry may not be added to or removed from directory `dir`
  // (ROFS, NOTDIR, ACCES), or NFS3_OK.
  static uint32_t entry_refusal(const Target& dir);
  // The common answer of a directory-changing procedure (CREATE, MKDIR,
  // SYMLINK):
  // status, then on success the new handle and attributes, then the
  // directory's wcc_data.
  rpc::RpcResult new_entry(const Target& dir, const Result<services::FileNode>& made) const;

  services::FileService& files_;
  std::string verifier_;  // 8 bytes, drawn at start
};

}  // namespace skyarray::nfs
