"""GET of an object whose data is bad on every replica, through the real
binary (bits flipped in every replica's chunk file while the server is
stopped, as test_integrity does):

- when the very first piece fails, the client gets an S3 error (500
  InternalError saying the data failed its checksum on every replica), not
  an empty reply: curl sees the XML error, boto3 a ClientError;
- when the failure comes mid-body, the connection is closed (the client
  sees a short body, never wrong bytes) and the server log names the
  object's bucket and key.
"""

import os
import shutil
import subprocess
import tempfile
import time
import unittest

from botocore.exceptions import ClientError

from skyarray_harness import Server, boto3_client

HEADER = 8192  # chunk file header; data blocks of 64 KiB follow


def config(root, drives):
    lines = ['[store]', 'replicas = 2', 'chunk_size = "1MiB"', 'reserve = "0"',
             'scrub_interval = "0"', 'scrub_rate = "0"', '']
    for i in range(drives):
        lines += ['[[drive]]', f'path = "{root}/bay{i}"', f'label = "node{i}/enc0/{i}"', '']
    return "\n".join(lines)


def chunk_files(root):
    out = {}
    for dirpath, _, files in os.walk(root):
        if os.path.basename(os.path.dirname(dirpath)) == "chunks":
            for f in files:
                out.setdefault(f, []).append(os.path.join(dirpath, f))
    return out


def flip(path, offset):
    with open(path, "r+b") as f:
        f.seek(offset)
        b = f.read(1)[0]
        f.seek(offset)
        f.write(bytes([b ^ 0x10]))


class S3DataLossTest(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="skyarray-dataloss-")
        os.makedirs(os.path.join(self.root, "data"))
        self.server = Server(data_dir=os.path.join(self.root, "data"),
                             config_text=config(self.root, 2)).start()
        self.s3 = boto3_client(self.server)
        self.s3.create_bucket(Bucket="lost")

    def tearDown(self):
        self.server.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def put_alone(self, key, body):
        """Stores `body` as the only object of fresh chunks: returns the
        chunk names it added, in write order, each with its replica files."""
        before = set(chunk_files(self.root))
        self.s3.put_object(Bucket="lost", Key=key, Body=body)
        after = chunk_files(self.root)
        names = sorted(set(after) - before, key=lambda n: int(n, 16))  # ids: 16 hex digits
        self.assertTrue(names, "the object went into no new chunk")
        return [(n, after[n]) for n in names]

    def curl_get(self, key):
        cmd = ["curl", "-sS", "--aws-sigv4", "aws:amz:us-east-1:s3",
               "--user", f"{self.server.access_key}:{self.server.secret_key}",
               "-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD", "-o", "-", "-w", "\n%{http_code}",
               f"{self.server.endpoint}/lost/{key}"]
        return subprocess.run(cmd, capture_output=True, timeout=60)

    def test_first_piece_bad_everywhere_is_an_s3_error(self):
        body = os.urandom(300_000)
        chunks = self.put_alone("first", body)
        self.server.stop()
        for path in chunks[0][1]:
            self.assertGreater(os.path.getsize(path), HEADER + 100)
            flip(path, HEADER + 100)  # block 0 of every replica
        self.server.start()
        out = self.curl_get("first")
        self.assertEqual(out.returncode, 0, out.stderr)  # not "empty reply from server"
        text = out.stdout.decode(errors="replace")
        self.assertTrue(text.endswith("\n500"), text[-300:])
        self.assertIn("<Code>InternalError</Code>", text)
        self.assertIn("failed its checksum on every replica", text)
        with self.assertRaises(ClientError) as c:
            self.s3.get_object(Bucket="lost", Key="first")["Body"].read()
        self.assertEqual(c.exception.response["Error"]["Code"], "InternalError")
        self.assertEqual(c.exception.response["ResponseMetadata"]["HTTPStatusCode"], 500)
        # HEAD reads no data: it still answers.
        self.assertEqual(self.s3.head_object(Bucket="lost", Key="first")["ContentLength"],
                         len(body))
        log = self.server.log()
        self.assertIn("lost/first", log)

    def test_mid_body_failure_closes_and_logs_the_object(self):
        body = os.urandom(3 * 1024 * 1024)
        chunks = self.put_alone("middle", body)
        self.assertGreater(len(chunks), 1, [c[0] for c in chunks])
        self.server.stop()
        for path in chunks[-1][1]:
            flip(path, HEADER + 5)  # the last chunk's first block, every replica
        self.server.start()
        out = self.curl_get("middle")
        # The head went out with the first pieces: curl reports the short body.
        self.assertNotEqual(out.returncode, 0)
        self.assertLess(len(out.stdout), len(body))
        self.assertEqual(out.stdout[:1024 * 1024], body[:1024 * 1024])
        deadline = time.time() + 10
        while time.time() < deadline and "lost/middle" not in self.server.log():
            time.sleep(0.2)
        log = self.server.log()
        self.assertIn("lost/middle", log)
        self.assertIn("connection closed", log)


if __name__ == "__main__":
    unittest.main()
