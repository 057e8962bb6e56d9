"""A slow GET keeps the version it started, whatever happens to the key.

A client streams a multi-chunk object slowly while another client
overwrites it and then deletes it, with the garbage collector running every
50 ms: the GET must return every byte of the version it opened, the
replaced versions' chunks must still be collected meanwhile, and once the
GET closes the opened version's chunk files go too.
"""

import os
import time
import unittest

from skyarray_harness import Server, boto3_client

CONFIG = "\n".join(['[store]', 'replicas = 2', 'chunk_size = "1MiB"', 'reserve = "0"',
                    'gc_interval = "0.05s"', ''])


class GcReadersTest(unittest.TestCase):
    def setUp(self):
        self.server = Server(config_text=CONFIG).start()
        self.addCleanup(self.server.__exit__, None, None, None)
        self.writer = boto3_client(self.server)
        self.reader = boto3_client(self.server)
        self.writer.create_bucket(Bucket="media")

    def chunk_files(self):
        n = 0
        for root, _, files in os.walk(os.path.join(self.server.data_dir, "drives")):
            if os.path.basename(os.path.dirname(root)) == "chunks":
                n += len(files)
        return n

    def wait_for_files(self, want, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.chunk_files() == want:
                return
            time.sleep(0.05)
        self.assertEqual(self.chunk_files(), want)

    def test_slow_get_survives_overwrite_delete_and_gc(self):
        mib = 1 << 20
        old = os.urandom(48 * mib)  # 48 chunks x 2 replicas: far more than socket buffers hold
        self.writer.put_object(Bucket="media", Key="film.mov", Body=old)
        self.assertEqual(self.chunk_files(), 48 * 2)

        body = self.reader.get_object(Bucket="media", Key="film.mov")["Body"]
        got = bytearray(body.read(256 << 10))

        # Overwrite twice and delete while the GET is barely started; each
        # replaced version's chunks are released and the collector runs.
        newer = os.urandom(5 * mib)
        self.writer.put_object(Bucket="media", Key="film.mov", Body=newer)
        self.writer.put_object(Bucket="media", Key="film.mov", Body=os.urandom(3 * mib))
        self.writer.delete_object(Bucket="media", Key="film.mov")
        with self.assertRaises(self.writer.exceptions.NoSuchKey):
            self.writer.get_object(Bucket="media", Key="film.mov")
        # The versions nobody reads are collected; the one being read stays.
        self.wait_for_files(48 * 2)

        while True:
            piece = body.read(128 << 10)
            if not piece:
                break
            got += piece
            time.sleep(0.005)
        body.close()
        self.assertEqual(len(got), len(old))
        self.assertTrue(got == old, "the GET returned bytes that differ from the version it opened")

        # Closed: the last version's chunks go at the next collection.
        self.wait_for_files(0)


if __name__ == "__main__":
    unittest.main()
