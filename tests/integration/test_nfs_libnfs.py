"""NFSv3 through libnfs itself (its C library via ctypes, libnfs_client.py):
the directory and attribute procedures libnfs's command-line tools do not
reach, the errors libnfs reports for them, and the S3 view of each change.
Also: writes a client never commits are published once the file is idle.
"""

import errno
import os
import time
import unittest

import nfs_rpc
from libnfs_client import LibNfs, NfsError
from skyarray_harness import Server, admin, boto3_client

BUCKET = "libnfs-share"


class LibNfsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server(nfs=True, nfs_config='idle_flush = "1s"').start()
        cls.s3 = boto3_client(cls.server)
        cls.s3.create_bucket(Bucket=BUCKET)
        admin(cls.server, "share", "create", "lib", "--bucket", BUCKET, "--clients",
              "127.0.0.1", "--no-squash", "--dir-mode", "0777")

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def nfs(self, **kw):
        n = LibNfs(self.server.nfs_url("lib"), **kw)
        self.addCleanup(n.__exit__)
        return n

    def assertNfsError(self, code, fn, *args):
        with self.assertRaises(NfsError) as e:
            fn(*args)
        self.assertEqual(e.exception.errno, code, e.exception)
        return e.exception

    def test_directories_files_and_attributes(self):
        n = self.nfs(uid=1000, gid=1000)
        n.mkdir("/ward")
        self.assertNfsError(errno.EEXIST, n.mkdir, "/ward")
        self.assertNfsError(errno.ENAMETOOLONG, n.mkdir, "/" + "x" * 300)
        data = os.urandom(2 * 1024 * 1024 + 77)
        n.write_file("/ward/scan.raw", data, mode=0o640)
        st = n.stat("/ward/scan.raw")
        self.assertEqual((st.size, st.mode & 0o7777, st.uid, st.gid), (len(data), 0o640, 1000, 1000))
        self.assertEqual(self.s3.get_object(Bucket=BUCKET, Key="ward/scan.raw")["Body"].read(), data)
        self.assertEqual(n.read_file("/ward/scan.raw", len(data) + 10), data)

        n.chmod("/ward/scan.raw", 0o600)
        self.assertEqual(n.stat("/ward/scan.raw").mode & 0o7777, 0o600)
        meta = self.s3.head_object(Bucket=BUCKET, Key="ward/scan.raw")["Metadata"]
        self.assertEqual((meta["file-permissions"], meta["file-owner"]), ("0100600", "1000"))
        self.assertNfsError(errno.EPERM, n.chown, "/ward/scan.raw", 0, 0)
        n.truncate("/ward/scan.raw", 1000)
        self.assertEqual(self.s3.head_object(Bucket=BUCKET, Key="ward/scan.raw")["ContentLength"],
                         1000)

        ino = n.stat("/ward/scan.raw").ino
        n.rename("/ward/scan.raw", "/ward/renamed.raw")
        self.assertEqual(n.stat("/ward/renamed.raw").ino, ino, "a rename keeps the file id")
        self.assertNfsError(errno.ENOENT, n.stat, "/ward/scan.raw")
        keys = [o["Key"] for o in self.s3.list_objects_v2(Bucket=BUCKET, Prefix="ward/")["Contents"]]
        self.assertEqual(sorted(keys), ["ward/", "ward/renamed.raw"])
        self.assertEqual(sorted(n.listdir("/ward")), [".", "..", "renamed.raw"])

        for fn, args in ((n.link, ("/ward/renamed.raw", "/ward/hard")),
                         (n.mknod, ("/ward/dev", 0o20644, 0))):
            e = self.assertNfsError(errno.EINVAL, fn, *args)  # libnfs's errno for NOTSUPP
            self.assertIn("NOTSUPP", str(e))
        self.assertEqual(sorted(n.listdir("/ward")), [".", "..", "renamed.raw"], "nothing was made")
        n.symlink("renamed.raw", "/ward/soft")
        self.assertEqual(n.readlink("/ward/soft"), "renamed.raw")
        n.unlink("/ward/soft")

        self.assertNfsError(errno.ENOTEMPTY, n.rmdir, "/ward")
        n.unlink("/ward/renamed.raw")
        self.assertNfsError(errno.ENOENT, n.unlink, "/ward/renamed.raw")
        n.rmdir("/ward")
        self.assertNfsError(errno.ENOENT, n.stat, "/ward")
        self.assertNotIn("Contents", self.s3.list_objects_v2(Bucket=BUCKET, Prefix="ward"))

    def test_objects_put_over_s3_are_files(self):
        body = os.urandom(100000)
        self.s3.put_object(Bucket=BUCKET, Key="incoming/a/b/study.dcm", Body=body)
        n = self.nfs()
        self.assertEqual(sorted(n.listdir("/incoming/a")), [".", "..", "b"])
        st = n.stat("/incoming/a/b/study.dcm")
        self.assertEqual((st.size, st.mode & 0o7777), (len(body), 0o644), "the share's defaults")
        self.assertEqual(n.read_file("/incoming/a/b/study.dcm", len(body)), body)

    def test_uncommitted_writes_are_published_when_idle(self):
        c = nfs_rpc.RpcClient(self.server.nfs_port, uid=0, gid=0)
        self.addCleanup(c.close)
        root = c.mount("/lib")
        st, fh, _ = c.create(root, "idle.txt")
        self.assertEqual(st, nfs_rpc.OK)
        st, committed, _ = c.write(fh, 0, b"never committed", nfs_rpc.UNSTABLE)
        self.assertEqual(committed, nfs_rpc.UNSTABLE)
        deadline = time.time() + 20
        body = b""
        while time.time() < deadline:
            body = self.s3.get_object(Bucket=BUCKET, Key="idle.txt")["Body"].read()
            if body:
                break
            time.sleep(0.2)
        self.assertEqual(body, b"never committed")


if __name__ == "__main__":
    unittest.main()
