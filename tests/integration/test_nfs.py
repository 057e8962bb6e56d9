"""NFSv3 door: libnfs's tools (nfs-ls, nfs-cp, nfs-cat) against a share,
files and objects 1:1 with S3 (boto3), every procedure and its errors
through a wire-level client (nfs_rpc.py), export rules and squashing,
several calls in flight on one connection, and kill -9 after COMMIT.
"""

import os
import subprocess
import unittest

import nfs_rpc
from nfs_rpc import RpcClient, RpcError
from skyarray_harness import Server, admin, boto3_client

BUCKET = "imaging-share"


def run(*cmd, data=None):
    return subprocess.run(cmd, input=data, capture_output=True, timeout=120)


class NfsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server(nfs=True).start()
        cls.s3 = boto3_client(cls.server)
        cls.s3.create_bucket(Bucket=BUCKET)
        s = cls.server
        admin(s, "share", "create", "rw", "--bucket", BUCKET, "--clients", "127.0.0.0/8",
              "--no-squash", "--dir-mode", "0777")
        admin(s, "share", "create", "ro", "--bucket", BUCKET, "--prefix", "pub/", "--ro",
              "--clients", "127.0.0.1", "--no-squash")
        admin(s, "share", "create", "faraway", "--bucket", BUCKET, "--clients", "10.9.0.0/16")
        admin(s, "share", "create", "sq", "--bucket", BUCKET, "--prefix", "sq/",
              "--clients", "127.0.0.1", "--root-squash", "--anon-uid", "4242",
              "--anon-gid", "4243", "--dir-mode", "0777")
        admin(s, "share", "create", "anon", "--bucket", BUCKET, "--prefix", "anon/",
              "--clients", "127.0.0.1", "--all-squash", "--anon-uid", "1500",
              "--anon-gid", "1501", "--dir-mode", "0777")

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def client(self, **kw):
        c = RpcClient(self.server.nfs_port, **kw)
        self.addCleanup(c.close)
        return c

    # ------------------------------------------------------------ real client

    def test_libnfs_tools_and_s3_see_the_same_files(self):
        data = os.urandom(3 * 1024 * 1024 + 123)
        src = os.path.join(self.server.data_dir, "upload.bin")
        with open(src, "wb") as f:
            f.write(data)
        # A directory made over S3 (its marker object), mounted by libnfs.
        self.s3.put_object(Bucket=BUCKET, Key="tools/", Body=b"")
        r = run("nfs-cp", src, self.server.nfs_url("rw", "tools/upload.bin"))
        self.assertEqual(r.returncode, 0, r.stderr)
        obj = self.s3.get_object(Bucket=BUCKET, Key="tools/upload.bin")
        self.assertEqual(obj["Body"].read(), data, "a file written over NFS reads the same over S3")
        meta = obj["Metadata"]
        self.assertTrue(meta["file-permissions"].startswith("0100"), meta)
        self.assertIn("file-owner", meta)
        self.assertTrue(meta["file-mtime"].endswith("ns"), meta)

        self.s3.put_object(Bucket=BUCKET, Key="tools/from-s3.txt", Body=b"put over S3\n")
        r = run("nfs-cat", self.server.nfs_url("rw", "tools/from-s3.txt"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, b"put over S3\n")
        back = os.path.join(self.server.data_dir, "back.bin")
        r = run("nfs-cp", self.server.nfs_url("rw", "tools/upload.bin"), back)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(back, "rb") as f:
            self.assertEqual(f.read(), data)
        r = run("nfs-ls", self.server.nfs_url("rw", "tools"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"upload.bin", r.stdout)
        self.assertIn(b"from-s3.txt", r.stdout)
        r = run("nfs-cat", self.server.nfs_url("rw", "tools/missing"))
        self.assertNotEqual(r.returncode, 0)
        r = run("nfs-ls", self.server.nfs_url("faraway"))
        self.assertNotEqual(r.returncode, 0, "a client outside the share's blocks cannot mount")

    # ------------------------------------------------------------ procedures

    def test_procedures_and_their_errors(self):
        c = self.client(uid=1000, gid=1000)
        root = c.mount("/rw")
        st, d, attrs = c.mkdir(root, "procs", mode=0o755)
        self.assertEqual(st, nfs_rpc.OK)
        self.assertEqual(attrs["type"], 2)
        self.assertEqual(c.mkdir(root, "procs")[0], nfs_rpc.EXIST)
        st, f, attrs = c.create(d, "a.txt", mode=0o644)
        self.assertEqual(st, nfs_rpc.OK)
        self.assertEqual((attrs["uid"], attrs["mode"]), (1000, 0o644))
        self.assertEqual(c.create(d, "a.txt")[0], nfs_rpc.EXIST)
        self.assertEqual(c.create(d, "a.txt", how=nfs_rpc.UNCHECKED)[0], nfs_rpc.OK)
        v = b"verf0001"
        self.assertEqual(c.create(d, "x.txt", how=nfs_rpc.EXCLUSIVE, verifier=v)[0], nfs_rpc.OK)
        self.assertEqual(c.create(d, "x.txt", how=nfs_rpc.EXCLUSIVE, verifier=v)[0], nfs_rpc.OK,
                         "a retried exclusive create succeeds")
        self.assertEqual(c.create(d, "x.txt", how=nfs_rpc.EXCLUSIVE, verifier=b"other008")[0],
                         nfs_rpc.EXIST)
        self.assertEqual(c.lookup(d, "nope")[0], nfs_rpc.NOENT)
        self.assertEqual(c.lookup(d, "n" * 256)[0], nfs_rpc.NAMETOOLONG)
        self.assertEqual(c.create(d, "n" * 256)[0], nfs_rpc.NAMETOOLONG)
        self.assertEqual(c.lookup(f, "x")[0], nfs_rpc.NOTDIR)

        # Writes: UNSTABLE is answered UNSTABLE until COMMIT; FILE_SYNC is durable.
        st, committed, verf = c.write(f, 0, b"hello ", nfs_rpc.UNSTABLE)
        self.assertEqual((st, committed), (nfs_rpc.OK, nfs_rpc.UNSTABLE))
        self.assertEqual(c.getattr(f)[1]["size"], 6)
        st, committed, verf2 = c.write(f, 6, b"world", nfs_rpc.FILE_SYNC)
        self.assertEqual((st, committed), (nfs_rpc.OK, nfs_rpc.FILE_SYNC))
        self.assertEqual(verf, verf2)
        self.assertEqual(c.commit(f), (nfs_rpc.OK, verf))
        self.assertEqual(c.read(f, 0, 100), (nfs_rpc.OK, b"hello world", True))
        self.assertEqual(c.read(f, 6, 3), (nfs_rpc.OK, b"wor", False))
        self.assertEqual(self.s3.get_object(Bucket=BUCKET, Key="procs/a.txt")["Body"].read(),
                         b"hello world")
        self.assertEqual(c.read(d, 0, 10)[0], nfs_rpc.ISDIR)

        # SETATTR: mode, times, the ctime guard, truncate.
        st, after = c.setattr(f, mode=0o600, mtime=1_600_000_000)
        self.assertEqual(st, nfs_rpc.OK)
        self.assertEqual((after["mode"], after["mtime"] // 10**9), (0o600, 1_600_000_000))
        meta = self.s3.head_object(Bucket=BUCKET, Key="procs/a.txt")["Metadata"]
        self.assertEqual(meta["file-permissions"], "0100600")
        self.assertEqual(meta["file-mtime"], "1600000000000000000ns")
        self.assertEqual(c.setattr(f, guard_ctime=12345, mode=0o644)[0], nfs_rpc.NOT_SYNC)
        self.assertEqual(c.setattr(f, size=5)[0], nfs_rpc.OK)
        self.assertEqual(c.read(f, 0, 100)[1], b"hello")
        self.assertEqual(c.setattr(f, uid=0)[0], nfs_rpc.PERM, "only root gives files away")

        # Directory entries, with attributes and handles.
        st, entries = c.readdir(d)
        self.assertEqual(st, nfs_rpc.OK)
        self.assertEqual(sorted(e[0] for e in entries), [".", "..", "a.txt", "x.txt"])
        st, plus = c.readdir(d, plus=True, count=600)  # small pages: several calls
        self.assertEqual(st, nfs_rpc.OK)
        by_name = {e[0]: e for e in plus}
        self.assertEqual(by_name["a.txt"][2]["size"], 5)
        self.assertEqual(c.getattr(by_name["a.txt"][3])[1]["fileid"], by_name["a.txt"][1])

        # Remove, rmdir, rename and what a removed file's handle becomes.
        self.assertEqual(c.rmdir(root, "procs"), nfs_rpc.NOTEMPTY)
        self.assertEqual(c.remove(root, "procs"), nfs_rpc.ISDIR)
        self.assertEqual(c.rmdir(d, "a.txt"), nfs_rpc.NOTDIR)
        self.assertEqual(c.rename(d, "a.txt", root, "moved.txt"), nfs_rpc.OK)
        self.assertEqual(c.getattr(f)[1]["size"], 5, "a handle survives a rename")
        self.assertNotIn("Contents", self.s3.list_objects_v2(Bucket=BUCKET, Prefix="procs/a.txt"))
        self.assertEqual(self.s3.get_object(Bucket=BUCKET, Key="moved.txt")["Body"].read(), b"hello")
        self.assertEqual(c.remove(root, "moved.txt"), nfs_rpc.OK)
        self.assertEqual(c.getattr(f)[0], nfs_rpc.STALE)
        self.assertEqual(c.remove(root, "moved.txt"), nfs_rpc.NOENT)
        self.assertEqual(c.remove(d, "x.txt"), nfs_rpc.OK)
        self.assertEqual(c.rmdir(root, "procs"), nfs_rpc.OK)
        self.assertEqual(c.getattr(d)[0], nfs_rpc.STALE)

        # Handles that are not ours, or of nothing.
        self.assertEqual(c.getattr(b"garbage")[0], nfs_rpc.BADHANDLE)
        forged = root[:-4] + bytes([root[-4] ^ 0xFF]) + root[-3:]
        self.assertEqual(c.getattr(forged)[0], nfs_rpc.STALE)

    def test_filesystem_information_and_unsupported_procedures(self):
        c = self.client()
        root = c.mount("/rw")
        st, info = c.fsinfo(root)
        self.assertEqual(st, nfs_rpc.OK)
        self.assertEqual((info["rtmax"], info["wtmax"]), (1 << 20, 1 << 20))
        self.assertEqual(info["properties"] & 0x3, 0x2, "symlinks, no hard links")
        self.assertEqual(c.pathconf(root), (nfs_rpc.OK, {"linkmax": 1, "name_max": 255}))
        self.assertEqual(c.fsstat(root)[0], nfs_rpc.OK)
        self.assertEqual(c.access(root, 0x3F), (nfs_rpc.OK, 0x1F))
        P = nfs_rpc.Packer
        mknod = P().opaque(root).opaque("dev").u32(3).sattr().u32(0).u32(0).data()
        self.assertEqual(c.status_only(11, mknod), nfs_rpc.NOTSUPP)
        link = P().opaque(root).opaque(root).opaque("hard").data()
        self.assertEqual(c.status_only(15, link), nfs_rpc.NOTSUPP)
        self.assertEqual(c.lookup(root, "dev")[0], nfs_rpc.NOENT, "nothing was made")
        self.assertEqual(c.lookup(root, "hard")[0], nfs_rpc.NOENT, "nothing was made")
        with self.assertRaises(RpcError) as e:
            c.nfs(22)
        self.assertEqual(e.exception.args[0], ("accept", 3))  # PROC_UNAVAIL
        self.assertEqual(c.pmap_getport(nfs_rpc.NFS_PROG, 3), self.server.nfs_port)
        self.assertEqual(c.pmap_getport(nfs_rpc.MOUNT_PROG, 3), self.server.nfs_port)
        self.assertEqual(c.pmap_getport(100021, 4), 0, "no NLM")
        exports = c.exports()
        self.assertEqual(exports["/rw"], ["127.0.0.0/8"])

    # ------------------------------------------------------------ export rules

    def test_symbolic_links_are_objects_holding_their_target(self):
        c = self.client()
        root = c.mount("/rw")
        P = nfs_rpc.Packer
        args = P().opaque(root).opaque("latest").sattr().opaque("studies/2026/ct-0001.dcm").data()
        u = c.nfs(10, args)
        self.assertEqual(u.u32(), nfs_rpc.OK)
        self.assertTrue(u.boolean())
        fh = u.opaque()
        attrs = u.post_op_attr()
        self.assertEqual((attrs["type"], attrs["mode"]), (5, 0o777))  # NF3LNK
        u = c.nfs(5, P().opaque(fh).data())
        self.assertEqual(u.u32(), nfs_rpc.OK)
        u.post_op_attr()
        self.assertEqual(u.opaque(), b"studies/2026/ct-0001.dcm")
        obj = self.s3.get_object(Bucket=BUCKET, Key="latest")
        self.assertEqual(obj["Body"].read(), b"studies/2026/ct-0001.dcm")
        self.assertEqual(obj["Metadata"]["file-permissions"], "0120777")
        self.assertEqual(c.nfs(10, args).u32(), nfs_rpc.EXIST)
        self.assertEqual(c.read(fh, 0, 10)[0], nfs_rpc.INVAL)
        self.assertEqual(c.status_only(5, P().opaque(root).data()), nfs_rpc.INVAL,
                         "READLINK of a directory")
        self.assertEqual(c.remove(root, "latest"), nfs_rpc.OK)

    def test_export_rules_and_mode_bits(self):
        c = self.client(uid=1000, gid=1000)
        self.assertEqual(c.mount_status("/faraway"), 13)  # MNT3ERR_ACCES
        self.assertEqual(c.mount_status("/no-such-share"), 2)
        root = c.mount("/rw")
        st, d, _ = c.mkdir(root, "rules", mode=0o777)
        self.assertEqual(st, nfs_rpc.OK)
        st, private, _ = c.create(d, "private", mode=0o600)
        self.assertEqual(st, nfs_rpc.OK)
        self.assertEqual(c.write(private, 0, b"secret")[0], nfs_rpc.OK)

        other = self.client(uid=2000, gid=2000)
        self.assertEqual(other.read(private, 0, 10)[0], nfs_rpc.ACCES)
        self.assertEqual(other.write(private, 0, b"x")[0], nfs_rpc.ACCES)
        self.assertEqual(other.setattr(private, mode=0o777)[0], nfs_rpc.PERM)
        st, closed, _ = c.mkdir(d, "closed", mode=0o700)
        self.assertEqual(other.create(closed, "intruder")[0], nfs_rpc.ACCES)
        self.assertEqual(other.lookup(closed, "x")[0], nfs_rpc.ACCES)

        ro = self.client(uid=1000, gid=1000)
        self.s3.put_object(Bucket=BUCKET, Key="pub/readme.txt", Body=b"read only\n")
        ro_root = ro.mount("/ro")
        st, fh, _ = ro.lookup(ro_root, "readme.txt")
        self.assertEqual(ro.read(fh, 0, 100)[1], b"read only\n")
        self.assertEqual(ro.write(fh, 0, b"x")[0], nfs_rpc.ROFS)
        self.assertEqual(ro.create(ro_root, "new")[0], nfs_rpc.ROFS)
        self.assertEqual(ro.remove(ro_root, "readme.txt"), nfs_rpc.ROFS)
        self.assertEqual(ro.setattr(fh, mode=0o777)[0], nfs_rpc.ROFS)

        root_user = self.client(uid=0, gid=0)
        sq = root_user.mount("/sq")
        st, fh, attrs = root_user.create(sq, "by-root")
        self.assertEqual(st, nfs_rpc.OK)
        self.assertEqual((attrs["uid"], attrs["gid"]), (4242, 4243), "root is squashed")

        anonymous = self.client(auth="none")
        with self.assertRaises(RpcError) as e:
            anonymous.getattr(root)
        self.assertEqual(e.exception.args[0][:3], ("denied", 1, 5))  # AUTH_ERROR, AUTH_TOOWEAK
        anon_root = anonymous.mount("/anon")
        st, fh, attrs = anonymous.create(anon_root, "anonymous-file")
        self.assertEqual(st, nfs_rpc.OK)
        self.assertEqual(attrs["uid"], 1500)

    # ------------------------------------------------------------ connection

    def test_many_calls_in_flight_on_one_connection(self):
        c = self.client()
        root = c.mount("/rw")
        st, fh, _ = c.create(root, "inflight.bin")
        self.assertEqual(c.write(fh, 0, b"z" * 100000)[0], nfs_rpc.OK)
        P = nfs_rpc.Packer
        sent = []
        for i in range(40):
            if i % 2:
                sent.append(c.send(nfs_rpc.NFS_PROG, 3, 6, P().opaque(fh).u64(i).u32(1000).data()))
            else:
                sent.append(c.send(nfs_rpc.NFS_PROG, 3, 1, P().opaque(fh).data()))
        got = set()
        for _ in sent:
            xid, u = c.receive()
            self.assertEqual(u.u32(), nfs_rpc.OK)
            got.add(xid)
        self.assertEqual(got, set(sent))

    def test_retransmitted_remove_is_answered_from_the_cache(self):
        c = self.client()
        root = c.mount("/rw")
        st, fh, _ = c.create(root, "once.txt")
        self.assertEqual(st, nfs_rpc.OK)
        args = nfs_rpc.Packer().opaque(root).opaque("once.txt").data()
        xid = c.send(nfs_rpc.NFS_PROG, 3, 12, args)
        self.assertEqual(c.receive()[1].u32(), nfs_rpc.OK)
        # The client lost the reply, reconnects and sends the same call again.
        again = self.client()
        again.send(nfs_rpc.NFS_PROG, 3, 12, args, xid=xid)
        rxid, u = again.receive()
        self.assertEqual((rxid, u.u32()), (xid, nfs_rpc.OK), "not NOENT: the first reply")
        self.assertEqual(c.remove(root, "once.txt"), nfs_rpc.NOENT, "a new call runs")

    # ------------------------------------------------------------ durability

    def test_kill9_after_commit_keeps_data_and_handles(self):
        s = Server(nfs=True).start()
        try:
            boto3_client(s).create_bucket(Bucket=BUCKET)
            admin(s, "share", "create", "k", "--bucket", BUCKET, "--clients", "127.0.0.1",
                  "--no-squash", "--dir-mode", "0777")
            c = RpcClient(s.nfs_port, uid=7, gid=7)
            root = c.mount("/k")
            st, d, _ = c.mkdir(root, "dir")
            st, fh, _ = c.create(d, "study.dcm", mode=0o640)
            body = os.urandom(300000)
            for off in range(0, len(body), 65536):
                self.assertEqual(c.write(fh, off, body[off:off + 65536], nfs_rpc.UNSTABLE)[0],
                                 nfs_rpc.OK)
            st, verf = c.commit(fh)
            self.assertEqual(st, nfs_rpc.OK)
            c.close()
            s.kill9()
            s.start()
            c = RpcClient(s.nfs_port, uid=7, gid=7)
            st, attrs = c.getattr(fh)
            self.assertEqual(st, nfs_rpc.OK, "a handle survives a restart")
            self.assertEqual((attrs["size"], attrs["mode"], attrs["uid"]), (len(body), 0o640, 7))
            got = b""
            while len(got) < len(body):
                st, chunk, eof = c.read(fh, len(got), 1 << 20)
                self.assertEqual(st, nfs_rpc.OK)
                got += chunk
                if eof:
                    break
            self.assertEqual(got, body)
            self.assertNotEqual(c.commit(fh)[1], verf, "the write verifier changes on restart")
            self.assertEqual(c.lookup(d, "study.dcm")[1], fh)
            c.close()
        finally:
            s.stop()


if __name__ == "__main__":
    unittest.main()
