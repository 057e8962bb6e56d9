"""Writes into files over NFS through libnfs (libnfs_client.py), counted on
the drives through the store's metrics:

- random 4 KiB writes into a large file write only the chunks they touch:
  the new version shares every other chunk with the old one;
- FSSTAT reports the drives' real size and free space;
- on full drives a write answers NFS3ERR_NOSPC (ENOSPC through libnfs), the
  files already there read back intact, the server stays up, and once space
  is freed writes work again.

The full-drive test mounts small tmpfs drives (the tests run as root; a
failed mount fails the test, it never skips).
"""

import errno
import os
import random
import re
import shutil
import tempfile
import time
import unittest

from libnfs_client import LibNfs, NfsError
from skyarray_harness import Server, admin, boto3_client
from test_disk_full import mount_tmpfs

MiB = 1 << 20
BUCKET = "volumes"


def bytes_written(server):
    status, text, _ = server.metrics()
    assert status == 200, text
    m = re.search(r"^skyarray_store_bytes_written_total (\d+)$", text, re.M)
    assert m, "no store_bytes_written_total in /metrics"
    return int(m.group(1))


class NfsWritesBase(unittest.TestCase):
    def start(self, store_lines, drives=()):
        lines = ["[store]", "replicas = 1", 'chunk_size = "1MiB"', 'checkpoint_interval = "0"',
                 'scrub_interval = "0"', 'gc_interval = "0.3s"'] + store_lines + [""]
        for i, path in enumerate(drives):
            lines += ["[[drive]]", f'path = "{path}"', f'label = "n{i}/e0/{i}"', ""]
        self.server = Server(config_text="\n".join(lines), nfs=True).start()
        self.addCleanup(self.server.stop)
        self.s3 = boto3_client(self.server)
        self.s3.create_bucket(Bucket=BUCKET)
        admin(self.server, "share", "create", "vol", "--bucket", BUCKET, "--clients",
              "127.0.0.1", "--no-squash", "--dir-mode", "0777")

    def nfs(self):
        n = LibNfs(self.server.nfs_url("vol"))
        self.addCleanup(n.__exit__)
        return n

    def s3_bytes(self, key):
        return self.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()


class RandomWritesTest(NfsWritesBase):
    def test_random_4k_writes_write_only_the_touched_chunks(self):
        self.start(['reserve = "0"'])
        n = self.nfs()
        size = 64 * MiB
        data = bytearray(os.urandom(size))
        n.write_file("/disk.img", bytes(data))
        self.assertEqual(self.s3.head_object(Bucket=BUCKET, Key="disk.img")["ContentLength"], size)

        rng = random.Random(16)
        before = bytes_written(self.server)
        touched = 0
        for _ in range(20):
            off = rng.randrange(0, size - 4096)
            if rng.random() < 0.25:
                off = (off // MiB + 1) * MiB - 2048  # across a chunk boundary
            block = os.urandom(4096)
            n.pwrite("/disk.img", off, block)  # WRITE + COMMIT: one new version each
            data[off:off + 4096] = block
            touched += len({off // MiB, (off + 4095) // MiB})
        written = bytes_written(self.server) - before
        self.assertEqual(written, touched * MiB,
                         f"{touched} touched chunks of 1 MiB, {written} bytes written")
        self.assertLess(written, size // 2)
        self.assertEqual(self.s3_bytes("disk.img"), bytes(data))
        self.assertEqual(n.read_file("/disk.img", size), bytes(data))
        self.assertEqual(n.stat("/disk.img").size, size)


class FullDrivesTest(NfsWritesBase):
    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="skyarray-nfs-full-")
        self.addCleanup(shutil.rmtree, self.root, True)

    def test_fsstat_and_nospc(self):
        bays = []
        for i in range(2):
            bay = os.path.join(self.root, f"bay{i}")
            mount_tmpfs(self, bay, 32)
            bays.append(bay)
        self.start(['reserve = "4MiB"'], bays)
        n = self.nfs()

        # FSSTAT: the drives' size and what a write may still take.
        st = n.statvfs("/")
        total, free = st.f_blocks * st.f_frsize, st.f_bavail * st.f_frsize
        self.assertGreater(total, 60 * MiB)
        self.assertLessEqual(total, 64 * MiB)
        self.assertGreater(free, 24 * MiB)
        self.assertLessEqual(free, total - 8 * MiB)  # the drives' reserve is not free

        kept = os.urandom(3 * MiB + 5)
        n.write_file("/kept.bin", kept)
        st = n.statvfs("/")
        self.assertLessEqual(st.f_bavail * st.f_frsize, free - 3 * MiB)

        # Fill the drives over NFS until a write is refused.
        failure, written = None, []
        for i in range(40):
            body = os.urandom(4 * MiB)
            try:
                n.write_file(f"/fill{i}.bin", body)
            except NfsError as e:
                failure = e
                break
            written.append((f"fill{i}.bin", body))
        self.assertIsNotNone(failure, "the drives never filled")
        self.assertEqual(failure.errno, errno.ENOSPC, failure)
        self.assertGreater(len(written), 3)
        refused_name = f"fill{len(written)}.bin"
        # Down to the last chunk: 1 MiB files until those are refused too.
        for i in range(8):
            body = os.urandom(MiB)
            try:
                n.write_file(f"/last{i}.bin", body)
            except NfsError as e:
                self.assertEqual(e.errno, errno.ENOSPC, e)
                break
            written.append((f"last{i}.bin", body))
        else:
            self.fail("1 MiB writes never refused")
        self.assertIsNone(self.server.proc.poll(), "the server exited")
        # A write into an existing file is refused the same way, and the
        # file keeps its bytes.
        with self.assertRaises(NfsError) as e:
            n.pwrite("/kept.bin", 2 * MiB, os.urandom(MiB))
        self.assertEqual(e.exception.errno, errno.ENOSPC, e.exception)
        # Nothing stored is damaged: every file reads back, over NFS and S3.
        self.assertEqual(n.read_file("/kept.bin", len(kept) + 1), kept)
        self.assertEqual(self.s3_bytes("kept.bin"), kept)
        for name, body in written:
            self.assertEqual(self.s3_bytes(name), body)
        refused = self.s3.head_object(Bucket=BUCKET, Key=refused_name)
        self.assertEqual(refused["ContentLength"], 0, "the refused file holds none of its bytes")
        st = n.statvfs("/")
        self.assertLess(st.f_bavail * st.f_frsize, 4 * MiB)

        # Space freed: writes work again.
        for name, _ in written[:4]:
            n.unlink("/" + name)
        deadline = time.time() + 30
        while True:
            try:
                n.write_file("/after.bin", kept)
                break
            except NfsError as e:
                if e.errno != errno.ENOSPC or time.time() > deadline:
                    raise
                time.sleep(0.5)
        self.assertEqual(self.s3_bytes("after.bin"), kept)
        self.assertEqual(n.read_file("/kept.bin", len(kept) + 1), kept)


if __name__ == "__main__":
    unittest.main()
