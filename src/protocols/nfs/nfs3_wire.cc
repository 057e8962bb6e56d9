#include "protocols/nfs/nfs3_wire.h"

namespace skyarray::nfs {

namespace {

constexpr uint32_t kNf3Reg = 1;
constexpr uint32_t kNf3Dir = 2;
constexpr uint32_t kNf3Lnk = 5;
constexpr uint32_t kDontChange = 0;
constexpr uint32_t kSetToServerTime = 1;
constexpr uint32_t kSetToClientTime = 2;

void encode_time(rpc::XdrEncoder& e, int64_t ns) {
  if (ns < 0) ns = 0;
  e.u32(static_cast<uint32_t>(ns / 1000000000));
  e.u32(static_cast<uint32_t>(ns % 1000000000));
}

std::optional<int64_t> decode_time_how(rpc::XdrDecoder& d, int64_t now_ns) {
  uint32_t how = d.u32();
  if (how == kSetToClientTime) {
    int64_t s = d.u32();
    int64_t ns = d.u32();
    return s * 1000000000 + ns;
  }
  if (how == kSetToServerTime) return now_ns;
  if (how != kDontChange) d.fail();
  return std::nullopt;
}

}  // namespace

uint32_t nfs3_status(const Status& s) {
  switch (s.code()) {
    case StatusCode::kOk:
      return NFS3_OK;
    case StatusCode::kNotFound:
    case StatusCode::kNoSuchVersion:
      return NFS3ERR_NOENT;
    case StatusCode::kAlreadyExists:
      return NFS3ERR_EXIST;
    case StatusCode::kNotEmpty:
      return NFS3ERR_NOTEMPTY;
    case StatusCode::kPermissionDenied:
      return NFS3ERR_ACCES;
    case StatusCode::kReadOnly:
      return NFS3ERR_ROFS;
    case StatusCode::kTooLarge:
      return NFS3ERR_NAMETOOLONG;
    case StatusCode::kNoSpace:
      return NFS3ERR_NOSPC;
    case StatusCode::kNotSupported:
      return NFS3ERR_NOTSUPP;
    case StatusCode::kInvalidArgument:
      return NFS3ERR_INVAL;
    case StatusCode::kMethodNotAllowed:
      return NFS3ERR_ISDIR;
    case StatusCode::kKeyUnavailable:
      return NFS3ERR_ACCES;
    case StatusCode::kPreconditionFailed:
      return NFS3ERR_NOTDIR;
    case StatusCode::kOutOfRange:
      return NFS3ERR_BAD_COOKIE;
    case StatusCode::kBucketNotFound:
      return NFS3ERR_STALE;
    case StatusCode::kUnavailable:
    case StatusCode::kConflict:
    case StatusCode::kTimeout:
      return NFS3ERR_JUKEBOX;
    case StatusCode::kIOError:
    case StatusCode::kCorruption:
      return NFS3ERR_IO;
    default:
      return NFS3ERR_SERVERFAULT;
  }
}

void encode_fattr3(rpc::XdrEncoder& e, const services::FileAttrs& a, uint64_t fsid) {
  bool dir = a.type == services::FileType::kDirectory;
  e.u32(dir ? kNf3Dir : a.type == services::FileType::kSymlink ? kNf3Lnk : kNf3Reg);
  e.u32(a.mode & 07777);
  e.u32(dir ? 2 : 1);  // nlink
  e.u32(a.uid);
  e.u32(a.gid);
  e.u64(a.size);
  e.u64((a.size + 4095) & ~uint64_t(4095));  // used
  e.u32(0);                                  // rdev
  e.u32(0);
  e.u64(fsid);
  e.u64(a.file_id);
  encode_time(e, a.atime_ns);
  encode_time(e, a.mtime_ns);
  encode_time(e, a.ctime_ns);
}

void encode_post_op_attr(rpc::XdrEncoder& e, const services::FileAttrs* a, uint64_t fsid) {
  e.boolean(a != nullptr);
  if (a) encode_fattr3(e, *a, fsid);
}

void encode_wcc(rpc::XdrEncoder& e, const services::FileAttrs* after, uint64_t fsid) {
  e.boolean(false);  // pre_op_attr
  encode_post_op_attr(e, after, fsid);
}

void encode_post_op_fh(rpc::XdrEncoder& e, const std::string* handle) {
  e.boolean(handle != nullptr);
  if (handle) e.opaque(*handle);
}

services::FileAttrChange decode_sattr3(rpc::XdrDecoder& d, int64_t now_ns) {
  services::FileAttrChange c;
  if (d.boolean()) c.mode = d.u32();
  if (d.boolean()) c.uid = d.u32();
  if (d.boolean()) c.gid = d.u32();
  if (d.boolean()) c.size = d.u64();
  c.atime_ns = decode_time_how(d, now_ns);
  c.mtime_ns = decode_time_how(d, now_ns);
  return c;
}

}  // namespace skyarray::nfs
