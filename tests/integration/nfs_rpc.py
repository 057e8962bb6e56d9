"""A minimal ONC RPC / NFSv3 client over TCP for tests that need exact
control of the wire: chosen credentials (AUTH_SYS uid/gid, AUTH_NONE),
forged or stale handles, every procedure's status code, several calls in
flight on one connection. Written from RFC 5531 and RFC 1813; libnfs's
tools (nfs-ls, nfs-cp, nfs-cat) and libnfs itself are the real clients of
the other tests.

    c = RpcClient(port, uid=1000, gid=1000)
    root = c.mount("/share")                  # -> handle bytes
    st, fh, attrs = c.lookup(root, "name")
"""

import socket
import struct

NFS_PROG, NFS_VERS = 100003, 3
MOUNT_PROG, MOUNT_VERS = 100005, 3
PMAP_PROG, PMAP_VERS = 100000, 2

OK, PERM, NOENT, IO, ACCES, EXIST, XDEV, NOTDIR, ISDIR, INVAL = 0, 1, 2, 5, 13, 17, 18, 20, 21, 22
NOSPC, ROFS, NAMETOOLONG, NOTEMPTY, STALE = 28, 30, 63, 66, 70
BADHANDLE, NOT_SYNC, BAD_COOKIE, NOTSUPP, TOOSMALL = 10001, 10002, 10003, 10004, 10005

UNSTABLE, DATA_SYNC, FILE_SYNC = 0, 1, 2
UNCHECKED, GUARDED, EXCLUSIVE = 0, 1, 2


class RpcError(Exception):
    pass


class Packer:
    def __init__(self):
        self.parts = []

    def u32(self, v):
        self.parts.append(struct.pack(">I", v & 0xFFFFFFFF))
        return self

    def u64(self, v):
        self.parts.append(struct.pack(">Q", v))
        return self

    def boolean(self, v):
        return self.u32(1 if v else 0)

    def fixed(self, b):
        self.parts.append(b + b"\0" * ((4 - len(b) % 4) % 4))
        return self

    def opaque(self, b):
        if isinstance(b, str):
            b = b.encode()
        self.u32(len(b))
        return self.fixed(b)

    def sattr(self, mode=None, uid=None, gid=None, size=None, mtime=None):
        for v in (mode, uid, gid):
            self.boolean(v is not None)
            if v is not None:
                self.u32(v)
        self.boolean(size is not None)
        if size is not None:
            self.u64(size)
        self.u32(0)  # atime: don't change
        if mtime is None:
            self.u32(0)
        else:
            self.u32(2).u32(mtime).u32(0)
        return self

    def data(self):
        return b"".join(self.parts)


class Unpacker:
    def __init__(self, b):
        self.b, self.i = b, 0

    def u32(self):
        v = struct.unpack_from(">I", self.b, self.i)[0]
        self.i += 4
        return v

    def u64(self):
        v = struct.unpack_from(">Q", self.b, self.i)[0]
        self.i += 8
        return v

    def boolean(self):
        return self.u32() != 0

    def fixed(self, n):
        v = self.b[self.i:self.i + n]
        self.i += n + (4 - n % 4) % 4
        return v

    def opaque(self):
        return self.fixed(self.u32())

    def fattr(self):
        keys = ("type", "mode", "nlink", "uid", "gid")
        a = {k: self.u32() for k in keys}
        a["size"] = self.u64()
        a["used"] = self.u64()
        self.u32(), self.u32()
        a["fsid"] = self.u64()
        a["fileid"] = self.u64()
        for t in ("atime", "mtime", "ctime"):
            s, ns = self.u32(), self.u32()
            a[t] = s * 10**9 + ns
        return a

    def post_op_attr(self):
        return self.fattr() if self.boolean() else None

    def wcc(self):
        if self.boolean():
            self.u64(), self.u32(), self.u32(), self.u32(), self.u32()
        return self.post_op_attr()


class RpcClient:
    def __init__(self, port, uid=0, gid=0, gids=(), auth="sys", host="127.0.0.1"):
        self.sock = socket.create_connection((host, port), timeout=30)
        self.uid, self.gid, self.gids, self.auth = uid, gid, list(gids), auth
        self.xid = 1000

    def close(self):
        self.sock.close()

    def _cred(self):
        if self.auth == "none":
            return Packer().u32(0).u32(0).data()
        body = Packer().u32(0).opaque(b"test").u32(self.uid).u32(self.gid).u32(len(self.gids))
        for g in self.gids:
            body.u32(g)
        b = body.data()
        return Packer().u32(1).opaque(b).data()

    def send(self, prog, vers, proc, args=b"", xid=None):
        """Sends one call (a retransmission when `xid` repeats an earlier one);
        returns its xid (replies are read with receive())."""
        if xid is None:
            self.xid += 1
            xid = self.xid
        msg = (Packer().u32(xid).u32(0).u32(2).u32(prog).u32(vers).u32(proc).data() +
               self._cred() + Packer().u32(0).u32(0).data() + args)
        self.sock.sendall(struct.pack(">I", 0x80000000 | len(msg)) + msg)
        return xid

    def receive(self):
        """(xid, body Unpacker) of the next reply; RpcError for a denied or failed call."""
        rec = b""
        while True:
            head = self._read(4)
            n = struct.unpack(">I", head)[0]
            rec += self._read(n & 0x7FFFFFFF)
            if n & 0x80000000:
                break
        u = Unpacker(rec)
        xid, mtype, stat = u.u32(), u.u32(), u.u32()
        assert mtype == 1
        if stat != 0:
            raise RpcError(("denied", u.u32(), u.u32()))
        u.u32(), u.opaque()  # verifier
        accept = u.u32()
        if accept != 0:
            raise RpcError(("accept", accept))
        return xid, u

    def _read(self, n):
        out = b""
        while len(out) < n:
            chunk = self.sock.recv(n - len(out))
            if not chunk:
                raise ConnectionError("server closed the connection")
            out += chunk
        return out

    def call(self, prog, vers, proc, args=b""):
        xid = self.send(prog, vers, proc, args)
        rxid, u = self.receive()
        assert rxid == xid, (rxid, xid)
        return u

    def nfs(self, proc, args=b""):
        return self.call(NFS_PROG, NFS_VERS, proc, args)

    # ---- MOUNT
    def mount(self, path):
        u = self.call(MOUNT_PROG, MOUNT_VERS, 1, Packer().opaque(path).data())
        st = u.u32()
        if st != 0:
            raise RpcError(("mount", st))
        return u.opaque()

    def mount_status(self, path):
        return self.call(MOUNT_PROG, MOUNT_VERS, 1, Packer().opaque(path).data()).u32()

    def exports(self):
        u = self.call(MOUNT_PROG, MOUNT_VERS, 5)
        out = {}
        while u.boolean():
            d = u.opaque().decode()
            groups = []
            while u.boolean():
                groups.append(u.opaque().decode())
            out[d] = groups
        return out

    # ---- NFS procedures: each returns (status, ...)
    def getattr(self, fh):
        u = self.nfs(1, Packer().opaque(fh).data())
        st = u.u32()
        return st, (u.fattr() if st == OK else None)

    def setattr(self, fh, guard_ctime=None, **sattr):
        p = Packer().opaque(fh).sattr(**sattr)
        p.boolean(guard_ctime is not None)
        if guard_ctime is not None:
            p.u32(guard_ctime // 10**9).u32(guard_ctime % 10**9)
        u = self.nfs(2, p.data())
        st = u.u32()
        return st, u.wcc()

    def lookup(self, dfh, name):
        u = self.nfs(3, Packer().opaque(dfh).opaque(name).data())
        st = u.u32()
        if st != OK:
            return st, None, None
        fh = u.opaque()
        return st, fh, u.post_op_attr()

    def access(self, fh, bits=0x3F):
        u = self.nfs(4, Packer().opaque(fh).u32(bits).data())
        st = u.u32()
        u.post_op_attr()
        return st, (u.u32() if st == OK else 0)

    def read(self, fh, offset, count):
        u = self.nfs(6, Packer().opaque(fh).u64(offset).u32(count).data())
        st = u.u32()
        u.post_op_attr()
        if st != OK:
            return st, None, None
        u.u32()
        eof = u.boolean()
        return st, u.opaque(), eof

    def write(self, fh, offset, data, stable=FILE_SYNC):
        u = self.nfs(7, Packer().opaque(fh).u64(offset).u32(len(data)).u32(stable)
                     .opaque(data).data())
        st = u.u32()
        u.wcc()
        if st != OK:
            return st, None, None
        count, committed = u.u32(), u.u32()
        return st, committed, u.fixed(8)

    def create(self, dfh, name, how=GUARDED, verifier=b"\0" * 8, **sattr):
        p = Packer().opaque(dfh).opaque(name).u32(how)
        if how == EXCLUSIVE:
            p.fixed(verifier)
        else:
            p.sattr(**sattr)
        return self._new_entry(self.nfs(8, p.data()))

    def mkdir(self, dfh, name, **sattr):
        return self._new_entry(self.nfs(9, Packer().opaque(dfh).opaque(name).sattr(**sattr).data()))

    def _new_entry(self, u):
        st = u.u32()
        fh = attrs = None
        if st == OK:
            if u.boolean():
                fh = u.opaque()
            attrs = u.post_op_attr()
        u.wcc()
        return st, fh, attrs

    def remove(self, dfh, name):
        return self.nfs(12, Packer().opaque(dfh).opaque(name).data()).u32()

    def rmdir(self, dfh, name):
        return self.nfs(13, Packer().opaque(dfh).opaque(name).data()).u32()

    def rename(self, fdfh, fname, tdfh, tname):
        return self.nfs(14, Packer().opaque(fdfh).opaque(fname).opaque(tdfh).opaque(tname)
                        .data()).u32()

    def readdir(self, dfh, plus=False, count=8192):
        """All entries: [(name, fileid, attrs-or-None, handle-or-None)]."""
        out, cookie = [], 0
        while True:
            p = Packer().opaque(dfh).u64(cookie).fixed(b"\0" * 8).u32(count)
            if plus:
                p.u32(count)
            u = self.nfs(17 if plus else 16, p.data())
            st = u.u32()
            u.post_op_attr()
            if st != OK:
                return st, out
            u.fixed(8)
            while u.boolean():
                fileid, name, cookie = u.u64(), u.opaque().decode(), u.u64()
                attrs = fh = None
                if plus:
                    attrs = u.post_op_attr()
                    if u.boolean():
                        fh = u.opaque()
                out.append((name, fileid, attrs, fh))
            if u.boolean():
                return OK, out

    def commit(self, fh):
        u = self.nfs(21, Packer().opaque(fh).u64(0).u32(0).data())
        st = u.u32()
        u.wcc()
        return st, (u.fixed(8) if st == OK else None)

    def fsinfo(self, fh):
        u = self.nfs(19, Packer().opaque(fh).data())
        st = u.u32()
        u.post_op_attr()
        if st != OK:
            return st, None
        keys = ("rtmax", "rtpref", "rtmult", "wtmax", "wtpref", "wtmult", "dtpref")
        info = {k: u.u32() for k in keys}
        info["maxfilesize"] = u.u64()
        u.u32(), u.u32()
        info["properties"] = u.u32()
        return st, info

    def fsstat(self, fh):
        u = self.nfs(18, Packer().opaque(fh).data())
        st = u.u32()
        u.post_op_attr()
        return st, ([u.u64() for _ in range(6)] if st == OK else None)

    def pathconf(self, fh):
        u = self.nfs(20, Packer().opaque(fh).data())
        st = u.u32()
        u.post_op_attr()
        return st, ({"linkmax": u.u32(), "name_max": u.u32()} if st == OK else None)

    def status_only(self, proc, args):
        return self.nfs(proc, args).u32()

    def pmap_getport(self, prog, vers):
        u = self.call(PMAP_PROG, PMAP_VERS, 3, Packer().u32(prog).u32(vers).u32(6).u32(0).data())
        return u.u32()
