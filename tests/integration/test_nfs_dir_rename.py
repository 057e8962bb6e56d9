"""Renaming a directory with 10,000 entries over NFS (libnfs's C library,
libnfs_client.py) while boto3 lists the bucket: one metadata commit, so
every listing sees the whole old tree or the whole new one, never both or
neither; it takes under two seconds; file ids (inode numbers) follow the
files.
"""

import concurrent.futures
import threading
import time
import unittest

from libnfs_client import LibNfs, NfsError
from skyarray_harness import Server, admin, boto3_client

BUCKET = "archive-share"
ENTRIES = 10_000


class DirectoryRenameTest(unittest.TestCase):
    def setUp(self):
        self.server = Server(nfs=True).start()
        self.addCleanup(self.server.stop)
        self.s3 = boto3_client(self.server)
        self.s3.create_bucket(Bucket=BUCKET)
        admin(self.server, "share", "create", "arch", "--bucket", BUCKET, "--clients",
              "127.0.0.1", "--no-squash", "--dir-mode", "0777")
        self.nfs = LibNfs(self.server.nfs_url("arch"))
        self.addCleanup(self.nfs.__exit__)

    def keys(self, prefix):
        out = []
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET,
                                                                       Prefix=prefix):
            out += [o["Key"] for o in page.get("Contents", [])]
        return out

    def test_rename_of_a_large_directory_is_atomic_and_fast(self):
        self.nfs.mkdir("/study")
        self.nfs.mkdir("/study/series")
        s3 = boto3_client(self.server)

        def put(i):
            s3.put_object(Bucket=BUCKET, Key=f"study/series/img{i:05d}", Body=b"%d" % i)

        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            list(pool.map(put, range(ENTRIES - 2)))
        self.nfs.write_file("/study/report.txt", b"findings")
        ino = self.nfs.stat("/study/series/img00042").ino
        self.assertEqual(len(self.keys("study/")), ENTRIES + 1)  # with the two markers

        seen, stop = [], threading.Event()

        def watch():
            lister = boto3_client(self.server)
            while not stop.is_set():
                page = lister.list_objects_v2(Bucket=BUCKET, Delimiter="/")
                seen.append(frozenset(p["Prefix"] for p in page.get("CommonPrefixes", [])))

        watcher = threading.Thread(target=watch)
        watcher.start()
        time.sleep(0.3)
        t0 = time.monotonic()
        self.nfs.rename("/study", "/archived")
        elapsed = time.monotonic() - t0
        time.sleep(0.3)
        stop.set()
        watcher.join()

        self.assertLess(elapsed, 2.0, f"renaming {ENTRIES} entries took {elapsed:.2f} s")
        self.assertGreater(len(seen), 2)
        for prefixes in seen:
            self.assertIn(prefixes, ({"study/"}, {"archived/"}),
                          "a listing saw half a renamed tree")
        self.assertEqual(seen[0], {"study/"})
        self.assertEqual(seen[-1], {"archived/"})

        self.assertEqual(self.keys("study/"), [])
        self.assertEqual(len(self.keys("archived/")), ENTRIES + 1)
        self.assertEqual(self.nfs.stat("/archived/series/img00042").ino, ino,
                         "files keep their ids")
        with self.assertRaises(NfsError):
            self.nfs.stat("/study")
        self.assertEqual(self.nfs.read_file("/archived/report.txt", 100), b"findings")
        body = self.s3.get_object(Bucket=BUCKET, Key="archived/series/img09997")["Body"].read()
        self.assertEqual(body, b"9997")
        self.assertEqual(len(self.nfs.listdir("/archived/series")), ENTRIES - 2 + 2)


if __name__ == "__main__":
    unittest.main()
