"""A full disk, through the real binary and boto3 (issue 12, item 2).

The metadata directory (RocksDB) is put on a small tmpfs and filled with
inline objects (stored in RocksDB) until the server answers 507
InsufficientStorage, which must say what is full. The server stays up:
every stored object reads back (GET, HEAD, LIST), deletes work, a kill -9
and restart on the full disk comes up and serves reads, also with the disk
filled to its last byte, and freeing space lets writes in again. A second
test fills the data drives with chunked objects the same way.

Mounting needs root (the tests run as root): a failed mount fails the test
with the reason, it never skips.
"""

import os
import random
import shutil
import subprocess
import tempfile
import time
import unittest

from botocore.exceptions import ClientError

from skyarray_harness import Server, boto3_client

MiB = 1 << 20


def mount_tmpfs(test, path, size_mib):
    os.makedirs(path, exist_ok=True)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_mib}M", "tmpfs", path],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise AssertionError(f"cannot mount a {size_mib} MiB tmpfs on {path} (this test needs "
                             f"root and mount): {r.stderr.strip()}")
    test.addCleanup(subprocess.run, ["umount", "-l", path], capture_output=True)


def fill_file(path, limit=None):
    """Writes zeros to `path` until ENOSPC (or `limit` bytes): a disk at its last byte."""
    chunk = b"\0" * (64 << 10)
    written = 0
    with open(path, "wb", buffering=0) as f:
        while limit is None or written < limit:
            try:
                written += f.write(chunk)
            except OSError:
                break
    return written


def with_log(test):
    """Shows the server's log when the test fails."""
    def run(self):
        try:
            test(self)
        except BaseException:
            if self.server is not None:
                print(f"--- server log ---\n{self.server.log()[-20000:]}")
            raise
    run.__name__ = test.__name__
    return run


def error_of(exc):
    e = exc.response.get("Error", {})
    return exc.response["ResponseMetadata"]["HTTPStatusCode"], e.get("Code"), e.get("Message", "")


class DiskFullBase(unittest.TestCase):
    def start(self, config):
        self.data = os.path.join(self.root, "data")
        os.makedirs(self.data, exist_ok=True)
        self.server = Server(data_dir=self.data, config_text=config).start()
        self.s3 = boto3_client(self.server)

    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="skyarray-diskfull-")
        self.server = None
        self.rng = random.Random(12)
        self.objects = {}  # key -> bytes: every acknowledged object
        self.seq = 0

    def tearDown(self):
        if self.server is not None:
            self.server.kill9()
        # Cleanups (umount) run after tearDown; the tree goes once they did.
        self.addCleanup(shutil.rmtree, self.root, True)

    def fill(self, size, message_part, limit=5000):
        """PUTs `size`-byte objects until 507; returns its message."""
        for i in range(limit):
            self.seq += 1
            key = f"fill/{size}/{self.seq:05d}"
            body = self.rng.randbytes(size)
            try:
                self.s3.put_object(Bucket="pacs", Key=key, Body=body)
            except ClientError as e:
                status, code, message = error_of(e)
                self.assertEqual((status, code), (507, "InsufficientStorage"), message)
                self.assertIn(message_part, message)
                self.assertNotIn("internal error", message)
                return message
            self.objects[key] = body
        self.fail(f"{limit} objects of {size} bytes fit: the disk never filled")

    def check_reads(self):
        keys = sorted(self.objects)
        for key in keys:
            got = self.s3.get_object(Bucket="pacs", Key=key)["Body"].read()
            self.assertEqual(got, self.objects[key], key)
        for key in keys[:: max(1, len(keys) // 20)]:
            head = self.s3.head_object(Bucket="pacs", Key=key)
            self.assertEqual(head["ContentLength"], len(self.objects[key]), key)
        listed = []
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket="pacs"):
            listed += [(o["Key"], o["Size"]) for o in page.get("Contents", [])]
        self.assertEqual(listed, [(k, len(self.objects[k])) for k in keys])

    def expect_507(self, size, message_part):
        with self.assertRaises(ClientError) as cm:
            self.s3.put_object(Bucket="pacs", Key="refused", Body=self.rng.randbytes(size))
        status, code, message = error_of(cm.exception)
        self.assertEqual((status, code), (507, "InsufficientStorage"), message)
        self.assertIn(message_part, message)
        return message

    def put_until_accepted(self, size, seconds=30):
        """Writes work again once there is room (RocksDB resumes, the GC runs)."""
        deadline = time.time() + seconds
        while True:
            key = f"after/{size}/{time.time_ns()}"
            body = self.rng.randbytes(size)
            try:
                self.s3.put_object(Bucket="pacs", Key=key, Body=body)
                self.objects[key] = body
                return
            except ClientError as e:
                status, code, message = error_of(e)
                self.assertEqual(status, 507, message)
                if time.time() > deadline:
                    self.fail(f"writes still refused {seconds}s after space was freed: {message}")
                time.sleep(0.5)

    def delete_some(self, n):
        """Deletes free space: they succeed, or fail cleanly with 507."""
        deleted = 0
        for key in sorted(self.objects)[:n]:
            try:
                self.s3.delete_object(Bucket="pacs", Key=key)
            except ClientError as e:
                status, code, message = error_of(e)
                self.assertEqual((status, code), (507, "InsufficientStorage"), message)
                continue
            del self.objects[key]
            deleted += 1
            with self.assertRaises(ClientError):
                self.s3.head_object(Bucket="pacs", Key=key)
        return deleted


class MetadataVolumeFullTest(DiskFullBase):
    def config(self):
        lines = ['[store]', f'meta_dir = "{self.metafs}/db"', 'replicas = 1',
                 'chunk_size = "1MiB"', 'reserve = "0"', 'checkpoint_interval = "0"',
                 'scrub_interval = "0"', 'gc_interval = "0.3s"', '',
                 '[meta]', 'write_buffer = "1MiB"', 'block_cache = "8MiB"', 'reserve = "16MiB"',
                 '']
        for i in range(2):
            lines += ['[[drive]]', f'path = "{self.root}/bay{i}"', f'label = "n{i}/e0/{i}"', '']
        return "\n".join(lines)

    @with_log
    def test_metadata_volume_full(self):
        self.metafs = os.path.join(self.root, "metafs")
        mount_tmpfs(self, self.metafs, 64)
        ballast = os.path.join(self.metafs, "ballast")
        fill_file(ballast, 8 * MiB)
        self.start(self.config())
        self.s3.create_bucket(Bucket="pacs")

        # Inline objects (<= 64 KiB) live in RocksDB: they fill the volume.
        message = self.fill(60_000, "the metadata volume is full")
        self.assertIn("reserve", message)
        self.assertGreater(len(self.objects), 100)
        # The refusal comes with room to spare: RocksDB never hit ENOSPC.
        self.assertGreater(shutil.disk_usage(self.metafs).free, 4 * MiB)
        self.assertNotIn("writes stopped", self.server.log())
        self.assertIsNone(self.server.proc.poll(), "the server exited")
        self.check_reads()
        # Deletes go on: they free space.
        self.assertGreater(self.delete_some(10), 0)
        self.check_reads()

        # kill -9 and a restart on the full volume: it comes up and serves reads.
        self.server.kill9()
        self.server.start()
        self.check_reads()
        # (The restart may have let RocksDB drop a log or two: fill again.)
        self.fill(60_000, "the metadata volume is full")
        self.check_reads()

        # Space freed: writes work again, without a restart.
        os.unlink(ballast)
        self.put_until_accepted(60_000)
        self.put_until_accepted(3 * MiB)
        self.check_reads()

        # Filled to the last byte behind the server's back: RocksDB's own
        # writes fail (ENOSPC in a flush or the log), the server stays up
        # and serves reads, and a restart on that disk comes up too.
        filler = os.path.join(self.metafs, "filler")
        fill_file(filler)
        with self.assertRaises(ClientError) as cm:
            for i in range(50):
                self.s3.put_object(Bucket="pacs", Key=f"last/{i}", Body=self.rng.randbytes(60_000))
        status, code, message = error_of(cm.exception)
        self.assertEqual((status, code), (507, "InsufficientStorage"), message)
        self.assertIn("metadata volume", message)
        self.assertIsNone(self.server.proc.poll(), "the server exited")
        self.check_reads()
        self.server.kill9()
        self.server.start()
        self.assertIsNone(self.server.proc.poll(), "the server exited")
        self.check_reads()
        self.expect_507(60_000, "metadata volume")

        # Freed again: writes resume (after a restart when the disk was too
        # full for RocksDB to open for writing at all).
        os.unlink(filler)
        if "opening it read-only" in self.server.log():
            self.server.kill9()
            self.server.start()
        self.put_until_accepted(60_000)
        self.check_reads()


class DataDrivesFullTest(DiskFullBase):
    @with_log
    def test_data_drives_full(self):
        lines = ['[store]', 'replicas = 1', 'chunk_size = "1MiB"', 'reserve = "4MiB"',
                 'checkpoint_interval = "0"', 'scrub_interval = "0"', 'gc_interval = "0.3s"', '']
        for i in range(2):
            bay = os.path.join(self.root, f"bay{i}")
            mount_tmpfs(self, bay, 32)
            lines += ['[[drive]]', f'path = "{bay}"', f'label = "n{i}/e0/{i}"', '']
        self.start("\n".join(lines))
        self.s3.create_bucket(Bucket="pacs")

        message = self.fill(1_500_000, "no drive has room for the object's replicas")
        self.assertNotIn(self.root, message)  # no paths in answers
        self.assertGreater(len(self.objects), 4)
        self.assertIsNone(self.server.proc.poll(), "the server exited")
        self.check_reads()

        self.server.kill9()
        self.server.start()
        self.check_reads()
        # Still full after a restart on full drives. The chunks of the refused
        # PUT may have been collected meanwhile (gc_interval), which can make
        # room for one or two more objects: fill again rather than expecting
        # the very next PUT to be refused.
        before = len(self.objects)
        self.fill(1_500_000, "no drive has room", limit=5)
        self.assertLessEqual(len(self.objects) - before, 3, "a restart must not free space")
        self.check_reads()

        # Deleting objects frees their chunks (garbage collection): writes resume.
        self.assertEqual(self.delete_some(4), 4)
        self.put_until_accepted(1_500_000)
        self.check_reads()


if __name__ == "__main__":
    unittest.main()
