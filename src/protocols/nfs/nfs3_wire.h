// NFSv3 (RFC 1813) wire pieces shared by the procedures: status codes,
// procedure numbers, and the XDR of fattr3, post_op_attr, wcc_data,
// post_op_fh3 and sattr3. The one StatusCode → nfsstat3 table is
// nfs3_status() (its meanings come from services/files/file_service.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/status.h"
#include "protocols/rpc/xdr.h"
#include "services/files/file_attrs.h"

namespace skyarray::nfs {

inline constexpr uint32_t kNfsProgram = 100003;
inline constexpr uint32_t kMountProgram = 100005;
inline constexpr size_t kMaxHandle = 64;
inline constexpr size_t kMaxName = 1024;  // wire limit; the files service's is 255
inline constexpr size_t kMaxPath = 1024;
inline constexpr uint32_t kMaxTransfer = 1u << 20;  // rtmax, wtmax

enum Nfs3Status : uint32_t {
  NFS3_OK = 0,
  NFS3ERR_PERM = 1,
  NFS3ERR_NOENT = 2,
  NFS3ERR_IO = 5,
  NFS3ERR_NXIO = 6,
  NFS3ERR_ACCES = 13,
  NFS3ERR_EXIST = 17,
  NFS3ERR_XDEV = 18,
  NFS3ERR_NODEV = 19,
  NFS3ERR_NOTDIR = 20,
  NFS3ERR_ISDIR = 21,
  NFS3ERR_INVAL = 22,
  NFS3ERR_FBIG = 27,
  NFS3ERR_NOSPC = 28,
  NFS3ERR_ROFS = 30,
  NFS3ERR_MLINK = 31,
  NFS3ERR_NAMETOOLONG = 63,
  NFS3ERR_NOTEMPTY = 66,
  NFS3ERR_DQUOT = 69,
  NFS3ERR_STALE = 70,
  NFS3ERR_REMOTE = 71,
  NFS3ERR_BADHANDLE = 10001,
  NFS3ERR_NOT_SYNC = 10002,
  NFS3ERR_BAD_COOKIE = 10003,
  NFS3ERR_NOTSUPP = 10004,
  NFS3ERR_TOOSMALL = 10005,
  NFS3ERR_SERVERFAULT = 10006,
  NFS3ERR_BADTYPE = 10007,
  NFS3ERR_JUKEBOX = 10008,
};

enum Nfs3Proc : uint32_t {
  NFSPROC3_NULL = 0,
  NFSPROC3_GETATTR = 1,
  NFSPROC3_SETATTR = 2,
  NFSPROC3_LOOKUP = 3,
  NFSPROC3_ACCESS = 4,
  NFSPROC3_READLINK = 5,
  NFSPROC3_READ = 6,
  NFSPROC3_WRITE = 7,
  NFSPROC3_CREATE = 8,
  NFSPROC3_MKDIR = 9,
  NFSPROC3_SYMLINK = 10,
  NFSPROC3_MKNOD = 11,
  NFSPROC3_REMOVE = 12,
  NFSPROC3_RMDIR = 13,
  NFSPROC3_RENAME = 14,
  NFSPROC3_LINK = 15,
  NFSPROC3_READDIR = 16,
  NFSPROC3_READDIRPLUS = 17,
  NFSPROC3_FSSTAT = 18,
  NFSPROC3_FSINFO = 19,
  NFSPROC3_PATHCONF = 20,
  NFSPROC3_COMMIT = 21,
};

// ACCESS3 bits.
inline constexpr uint32_t kAccessRead = 0x01;
inline constexpr uint32_t kAccessLookup = 0x02;
inline constexpr uint32_t kAccessModify = 0x04;
inline constexpr uint32_t kAccessExtend = 0x08;
inline constexpr uint32_t kAccessDelete = 0x10;
inline constexpr uint32_t kAccessExecute = 0x20;

// The nfsstat3 of a files-service (or object-service) error.
uint32_t nfs3_status(const Status& s);

void encode_fattr3(rpc::XdrEncoder& e, const services::FileAttrs& a, uint64_t fsid);
void encode_post_op_attr(rpc::XdrEncoder& e, const services::FileAttrs* a, uint64_t fsid);
// wcc_data with no pre-operation attributes (allowed by RFC 1813).
void encode_wcc(rpc::XdrEncoder& e, const services::FileAttrs* after, uint64_t fsid);
void encode_post_op_fh(rpc::XdrEncoder& e, const std::string* handle);

// sattr3. A server-time setting becomes the current time.
services::FileAttrChange decode_sattr3(rpc::XdrDecoder& d, int64_t now_ns);

}  // namespace skyarray::nfs
