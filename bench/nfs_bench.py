#!/usr/bin/python3
"""NFSv3: skyarray against nfs-ganesha (VFS), same client, same disk, same run.

Starts skyarray (`serve` with [nfs] on a free loopback port, one replica,
its drives in a temporary directory) and nfs-ganesha (Debian's
`nfs-ganesha` + `nfs-ganesha-vfs`, exporting a directory next to them, in
the foreground with its own config, pid and log files on other loopback
ports; it needs rpcbind, which is started for the run when none is up).
Both are driven by libnfs's C library (tests/integration/libnfs_client.py):

  seq write    files written in 1 MiB WRITEs, then COMMIT      MiB/s
  seq read     the same files read in 1 MiB READs             MiB/s
  create       4 KiB files: CREATE, WRITE, COMMIT each        files/s
  readdirplus  a directory of N entries listed (READDIRPLUS)  entries/s
  getattr      GETATTR of an open file in a loop              ops/s

and prints each figure and the ratio skyarray/ganesha. The issue's goals:
seq read and write >= 1.2x, create >= 2x, readdirplus >= 2x.

  SKYARRAY_BIN=build/release/skyarray bench/nfs_bench.py            # issue sizes
  SKYARRAY_BIN=build/release/skyarray bench/nfs_bench.py --quick    # a check

Take figures on a quiet machine only (bench/README.md).
"""

import argparse
import concurrent.futures
import ctypes
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))

import libnfs_client  # noqa: E402
from libnfs_client import O_RDONLY, LibNfs, Stat  # noqa: E402
from skyarray_harness import Server, admin, boto3_client, free_port  # noqa: E402

MiB = 1 << 20
_lib = libnfs_client._lib

GANESHA_CONF = """
NFS_CORE_PARAM {{
  Bind_addr = 127.0.0.1;
  NFS_Port = {nfs_port};
  MNT_Port = {mnt_port};
  Enable_NLM = false;
  Enable_RQUOTA = false;
  Protocols = 3;
  Enable_UDP = false;
}}
NFSV4 {{
  Graceless = true;
  RecoveryRoot = {dir}/recovery;
}}
EXPORT {{
  Export_Id = 1;
  Path = {export};
  Pseudo = /bench;
  Access_Type = RW;
  Squash = No_Root_Squash;
  Protocols = 3;
  Transports = TCP;
  SecType = sys;
  FSAL {{ Name = VFS; }}
}}
"""


def wait_port(port, proc, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"port {port} not listening after {timeout} s")


class Ganesha:
    """nfs-ganesha in the foreground, its files in `root`."""

    def __init__(self, root):
        self.root = root
        self.export = os.path.join(root, "export")
        os.makedirs(self.export)
        os.makedirs(os.path.join(root, "recovery"))
        self.nfs_port, self.mnt_port = free_port(), free_port()
        self.conf = os.path.join(root, "ganesha.conf")
        with open(self.conf, "w") as f:
            f.write(GANESHA_CONF.format(nfs_port=self.nfs_port, mnt_port=self.mnt_port, dir=root,
                                        export=self.export))
        self.rpcbind = None
        self.proc = None

    def start(self):
        if subprocess.run(["pgrep", "-x", "rpcbind"], capture_output=True).returncode != 0:
            # ganesha registers its programs with rpcbind and stops without it.
            self.rpcbind = subprocess.Popen(["rpcbind", "-f"], stdout=subprocess.DEVNULL,
                                            stderr=subprocess.DEVNULL)
            time.sleep(0.5)
        self.proc = subprocess.Popen(
            ["ganesha.nfsd", "-F", "-f", self.conf, "-L", os.path.join(self.root, "ganesha.log"),
             "-p", os.path.join(self.root, "ganesha.pid"), "-N", "NIV_EVENT"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        wait_port(self.nfs_port, self.proc)
        wait_port(self.mnt_port, self.proc)
        return self

    def url(self):
        return (f"nfs://127.0.0.1{self.export}/?nfsport={self.nfs_port}"
                f"&mountport={self.mnt_port}&version=3")

    def fill(self, dirname, count):
        """Makes `count` empty files directly in the exported directory."""
        d = os.path.join(self.export, dirname)
        os.makedirs(d)
        for i in range(count):
            open(os.path.join(d, f"f{i:06d}"), "wb").close()

    def stop(self):
        for p in (self.proc, self.rpcbind):
            if p is not None and p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()


class Skyarray:
    def __init__(self, root):
        config = "\n".join(["[store]", "replicas = 1", 'reserve = "1GiB"', ""])
        os.makedirs(os.path.join(root, "skyarray"))
        self.server = Server(data_dir=os.path.join(root, "skyarray"), config_text=config,
                             nfs=True)

    def start(self):
        self.server.start()
        self.s3 = boto3_client(self.server)
        self.s3.create_bucket(Bucket="bench")
        admin(self.server, "share", "create", "bench", "--bucket", "bench", "--clients",
              "127.0.0.1", "--no-squash", "--dir-mode", "0777")
        return self

    def url(self):
        return self.server.nfs_url("bench")

    def fill(self, dirname, count):
        """Puts `count` empty objects under dirname/ over S3."""
        def put(i):
            self.s3.put_object(Bucket="bench", Key=f"{dirname}/f{i:06d}", Body=b"")
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            list(pool.map(put, range(count)))

    def stop(self):
        self.server.stop()


# ---------------------------------------------------------------- workloads

def seq_write(nfs, files, size):
    block = os.urandom(MiB)
    t0 = time.monotonic()
    for f in range(files):
        fh = ctypes.c_void_p()
        nfs._call("nfs_creat", f"/seq{f}".encode(), 0o644, ctypes.byref(fh))
        for off in range(0, size, MiB):
            nfs._check(_lib.nfs_pwrite(nfs.ctx, fh, off, MiB, block))
        nfs._call("nfs_fsync", fh)
        _lib.nfs_close(ctypes.c_void_p(nfs.ctx), fh)
    return files * size / MiB / (time.monotonic() - t0)


def seq_read(nfs, files, size):
    buf = ctypes.create_string_buffer(MiB)
    t0 = time.monotonic()
    for f in range(files):
        fh = ctypes.c_void_p()
        nfs._call("nfs_open", f"/seq{f}".encode(), O_RDONLY, ctypes.byref(fh))
        for off in range(0, size, MiB):
            if nfs._check(_lib.nfs_pread(nfs.ctx, fh, off, MiB, buf)) != MiB:
                raise RuntimeError("short read")
        _lib.nfs_close(ctypes.c_void_p(nfs.ctx), fh)
    return files * size / MiB / (time.monotonic() - t0)


def create(nfs, count):
    nfs.mkdir("/small")
    body = os.urandom(4096)
    t0 = time.monotonic()
    for i in range(count):
        nfs.write_file(f"/small/f{i:06d}", body)
    return count / (time.monotonic() - t0)


def readdirplus(nfs, dirname, count):
    t0 = time.monotonic()
    names = nfs.listdir("/" + dirname)
    elapsed = time.monotonic() - t0
    if len(names) != count + 2:
        raise RuntimeError(f"listed {len(names)} entries, expected {count + 2}")
    return count / elapsed


def getattr_ops(nfs, seconds):
    fh = ctypes.c_void_p()
    nfs._call("nfs_open", b"/seq0", O_RDONLY, ctypes.byref(fh))
    st = Stat()
    n, t0 = 0, time.monotonic()
    while time.monotonic() - t0 < seconds:
        nfs._check(_lib.nfs_fstat64(ctypes.c_void_p(nfs.ctx), fh, ctypes.byref(st)))
        n += 1
    _lib.nfs_close(ctypes.c_void_p(nfs.ctx), fh)
    return n / (time.monotonic() - t0)


def run(server, args):
    nfs = LibNfs(server.url())
    try:
        out = {}
        out["seq write MiB/s"] = seq_write(nfs, args.seq_files, args.seq_mib * MiB)
        out["seq read MiB/s"] = seq_read(nfs, args.seq_files, args.seq_mib * MiB)
        out["create 4 KiB files/s"] = create(nfs, args.files)
        server.fill("big", args.entries)  # not timed
        out["readdirplus entries/s"] = readdirplus(nfs, "big", args.entries)
        out["getattr ops/s"] = getattr_ops(nfs, args.seconds)
        return out
    finally:
        nfs.__exit__()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--dir", default=None, help="where both servers keep their files")
    p.add_argument("--seq-files", type=int, default=4)
    p.add_argument("--seq-mib", type=int, default=256, help="size of each sequential file")
    p.add_argument("--files", type=int, default=10_000, help="4 KiB files created")
    p.add_argument("--entries", type=int, default=50_000, help="entries of the listed directory")
    p.add_argument("--seconds", type=float, default=5.0, help="GETATTR loop length")
    p.add_argument("--quick", action="store_true", help="small counts: checks the bench runs")
    args = p.parse_args()
    if args.quick:
        args.seq_files, args.seq_mib, args.files, args.entries, args.seconds = 1, 8, 50, 300, 1
    root = tempfile.mkdtemp(prefix="nfs-bench-", dir=args.dir)
    results = {}
    try:
        for name, cls in (("skyarray", Skyarray), ("ganesha", Ganesha)):
            d = os.path.join(root, name + "-root")
            os.makedirs(d)
            server = cls(d).start()
            try:
                results[name] = run(server, args)
            finally:
                server.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(f"{'':24}{'skyarray':>14}{'ganesha':>14}{'ratio':>9}")
    for key, ours in results["skyarray"].items():
        theirs = results["ganesha"][key]
        print(f"{key:24}{ours:14.1f}{theirs:14.1f}{ours / theirs:8.2f}x")


if __name__ == "__main__":
    main()
