"""libnfs's synchronous C API (Debian libnfs13) through ctypes: the real NFS
client library, for the procedures libnfs's command-line tools do not
reach (mkdir, rename, chmod, truncate, readdir, link, ...).

    with LibNfs(server.nfs_url("share"), uid=1000, gid=1000) as nfs:
        nfs.mkdir("/dir")                 # raises NfsError(errno, message)
"""

import ctypes

_lib = ctypes.CDLL("libnfs.so.13")
_lib.nfs_init_context.restype = ctypes.c_void_p
_lib.nfs_get_error.restype = ctypes.c_char_p
_lib.nfs_get_error.argtypes = [ctypes.c_void_p]
_lib.nfs_destroy_context.argtypes = [ctypes.c_void_p]
_lib.nfs_set_uid.argtypes = [ctypes.c_void_p, ctypes.c_int]
_lib.nfs_set_gid.argtypes = [ctypes.c_void_p, ctypes.c_int]


class _Url(ctypes.Structure):
    _fields_ = [("server", ctypes.c_char_p), ("path", ctypes.c_char_p), ("file", ctypes.c_char_p)]


class Stat(ctypes.Structure):
    _fields_ = [(n, ctypes.c_uint64) for n in (
        "dev", "ino", "mode", "nlink", "uid", "gid", "rdev", "size", "blksize", "blocks",
        "atime", "mtime", "ctime", "atime_nsec", "mtime_nsec", "ctime_nsec", "used")]


class StatVfs(ctypes.Structure):
    _fields_ = [(name, ctypes.c_uint64) for name in (
        "f_bsize", "f_frsize", "f_blocks", "f_bfree", "f_bavail", "f_files", "f_ffree",
        "f_favail", "f_fsid", "f_flag", "f_namemax")]


class _Dirent(ctypes.Structure):
    pass


_Dirent._fields_ = [("next", ctypes.POINTER(_Dirent)), ("name", ctypes.c_char_p),
                    ("inode", ctypes.c_uint64), ("type", ctypes.c_uint32),
                    ("mode", ctypes.c_uint32), ("size", ctypes.c_uint64)]

_lib.nfs_parse_url_dir.restype = ctypes.POINTER(_Url)
_lib.nfs_parse_url_dir.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
_lib.nfs_destroy_url.argtypes = [ctypes.POINTER(_Url)]
_lib.nfs_readdir.restype = ctypes.POINTER(_Dirent)
_lib.nfs_readdir.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
_lib.nfs_closedir.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
_lib.nfs_pwrite.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_uint64, ctypes.c_uint64,
                            ctypes.c_char_p]
_lib.nfs_pread.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_uint64, ctypes.c_uint64,
                           ctypes.c_void_p]
_lib.nfs_truncate.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_uint64]

O_RDONLY, O_WRONLY, O_RDWR = 0, 1, 2


class NfsError(Exception):
    def __init__(self, errno, message):
        super().__init__(errno, message)
        self.errno = errno


class LibNfs:
    def __init__(self, url, uid=None, gid=None):
        self.ctx = _lib.nfs_init_context()
        if uid is not None:
            _lib.nfs_set_uid(self.ctx, uid)
        if gid is not None:
            _lib.nfs_set_gid(self.ctx, gid)
        u = _lib.nfs_parse_url_dir(self.ctx, url.encode())
        if not u:
            raise NfsError(0, _lib.nfs_get_error(self.ctx))
        try:
            self._check(_lib.nfs_mount(ctypes.c_void_p(self.ctx), u.contents.server,
                                       u.contents.path))
        finally:
            _lib.nfs_destroy_url(u)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _lib.nfs_destroy_context(self.ctx)

    def _check(self, rc):
        if rc < 0:
            # libnfs may leave stray bytes in its error text: the errno is what counts.
            raise NfsError(-rc, (_lib.nfs_get_error(self.ctx) or b"").decode(errors="replace"))
        return rc

    def _call(self, name, *args):
        return self._check(getattr(_lib, name)(ctypes.c_void_p(self.ctx), *args))

    def mkdir(self, path):
        self._call("nfs_mkdir", path.encode())

    def rmdir(self, path):
        self._call("nfs_rmdir", path.encode())

    def unlink(self, path):
        self._call("nfs_unlink", path.encode())

    def rename(self, old, new):
        self._call("nfs_rename", old.encode(), new.encode())

    def chmod(self, path, mode):
        self._call("nfs_chmod", path.encode(), mode)

    def chown(self, path, uid, gid):
        self._call("nfs_chown", path.encode(), uid, gid)

    def truncate(self, path, size):
        self._check(_lib.nfs_truncate(self.ctx, path.encode(), size))

    def link(self, old, new):
        self._call("nfs_link", old.encode(), new.encode())

    def symlink(self, target, path):
        self._call("nfs_symlink", target.encode(), path.encode())

    def readlink(self, path):
        buf = ctypes.create_string_buffer(4096)
        self._call("nfs_readlink", path.encode(), buf, len(buf))
        return buf.value.decode()

    def mknod(self, path, mode, dev=0):
        self._call("nfs_mknod", path.encode(), mode, dev)

    def stat(self, path):
        st = Stat()
        self._call("nfs_stat64", path.encode(), ctypes.byref(st))
        return st

    def listdir(self, path):
        d = ctypes.c_void_p()
        self._call("nfs_opendir", path.encode(), ctypes.byref(d))
        names = []
        while True:
            e = _lib.nfs_readdir(self.ctx, d)
            if not e:
                break
            names.append(e.contents.name.decode())
        _lib.nfs_closedir(self.ctx, d)
        return names

    def write_file(self, path, data, mode=0o644, fsync=True):
        fh = ctypes.c_void_p()
        self._call("nfs_creat", path.encode(), mode, ctypes.byref(fh))
        try:
            step = 1 << 20
            for off in range(0, len(data), step):
                chunk = data[off:off + step]
                self._check(_lib.nfs_pwrite(self.ctx, fh, off, len(chunk), chunk))
            if fsync:
                self._call("nfs_fsync", fh)
        finally:
            _lib.nfs_close(ctypes.c_void_p(self.ctx), fh)

    def pwrite(self, path, offset, data, fsync=True):
        """Writes DATA at OFFSET of an existing file (then COMMIT with fsync)."""
        fh = ctypes.c_void_p()
        self._call("nfs_open", path.encode(), O_RDWR, ctypes.byref(fh))
        try:
            self._check(_lib.nfs_pwrite(self.ctx, fh, offset, len(data), data))
            if fsync:
                self._call("nfs_fsync", fh)
        finally:
            _lib.nfs_close(ctypes.c_void_p(self.ctx), fh)

    def statvfs(self, path="/"):
        """FSSTAT through libnfs's statvfs64."""
        st = StatVfs()
        self._call("nfs_statvfs64", path.encode(), ctypes.byref(st))
        return st

    def read_file(self, path, size):
        fh = ctypes.c_void_p()
        self._call("nfs_open", path.encode(), O_RDONLY, ctypes.byref(fh))
        try:
            buf = ctypes.create_string_buffer(size)
            n = self._check(_lib.nfs_pread(self.ctx, fh, 0, size, buf))
            return buf.raw[:n]
        finally:
            _lib.nfs_close(ctypes.c_void_p(self.ctx), fh)
