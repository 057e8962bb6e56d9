"""S3 API driven by rclone (copy/sync/check of a 1 GiB tree), s3cmd and curl
(presigned URLs, raw error bodies). Asserts content, not just exit codes."""

import filecmp
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from skyarray_harness import Server, boto3_client  # noqa: E402

# One copy of each chunk: the test measures the protocol, not the disk three times over.
CONFIG = "[store]\nreplicas = 1\n"


def make_tree(root, files, size):
    for i in range(files):
        d = os.path.join(root, f"study{i % 4}", f"series{i % 3}")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, f"img{i:03d}.dcm"), "wb") as f:
            f.write(os.urandom(size + i))


class S3ToolsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server(config_text=CONFIG).start()
        cls.tmp = tempfile.mkdtemp(prefix="skyarray-tools-")
        cls.s3 = boto3_client(cls.server)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)
        code = cls.server.stop()
        assert code == 0, f"server exit code {code}\n{cls.server.log()[-3000:]}"

    def rclone(self, *args):
        if not shutil.which("rclone"):
            self.fail("rclone is not installed: scripts/setup installs it")
        # An AWS_CA_BUNDLE from the environment makes rclone's S3 backend fail on plain http.
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(RCLONE_CONFIG="/dev/null",
                   RCLONE_CONFIG_SKY_TYPE="s3",
                   RCLONE_CONFIG_SKY_PROVIDER="Other",
                   RCLONE_CONFIG_SKY_ACCESS_KEY_ID=self.server.access_key,
                   RCLONE_CONFIG_SKY_SECRET_ACCESS_KEY=self.server.secret_key,
                   RCLONE_CONFIG_SKY_ENDPOINT=self.server.endpoint,
                   RCLONE_CONFIG_SKY_REGION="us-east-1",
                   RCLONE_CONFIG_SKY_FORCE_PATH_STYLE="true")
        out = subprocess.run(["rclone", "--retries", "1", "--low-level-retries", "1", *args], env=env,
                             capture_output=True, text=True, timeout=900)
        return out

    def test_rclone_1gib_tree(self):
        src = os.path.join(self.tmp, "rclone-src")
        # 64 files of ~16 MiB = 1 GiB; rclone sends files above 200 MiB as multipart,
        # so add one 260 MiB file as well to exercise that path.
        make_tree(src, 48, 16 * 1024 * 1024)
        with open(os.path.join(src, "large.bin"), "wb") as f:
            for _ in range(260):
                f.write(os.urandom(1024 * 1024))
        self.s3.create_bucket(Bucket="rclone-bucket")
        out = self.rclone("copy", src, "sky:rclone-bucket/tree", "--transfers", "4")
        self.assertEqual(out.returncode, 0, out.stderr + self.server.log()[-3000:])
        out = self.rclone("check", src, "sky:rclone-bucket/tree")
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("0 differences found", out.stderr)
        # Change the source: sync must add, replace and delete, then check again.
        os.remove(os.path.join(src, "study0", "series0", "img000.dcm"))
        with open(os.path.join(src, "study1", "series1", "img001.dcm"), "wb") as f:
            f.write(b"changed")
        with open(os.path.join(src, "new.txt"), "wb") as f:
            f.write(b"new file")
        out = self.rclone("sync", src, "sky:rclone-bucket/tree")
        self.assertEqual(out.returncode, 0, out.stderr)
        out = self.rclone("check", src, "sky:rclone-bucket/tree")
        self.assertEqual(out.returncode, 0, out.stderr)
        keys = []
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket="rclone-bucket"):
            keys += [o["Key"] for o in page.get("Contents", [])]
        self.assertNotIn("tree/study0/series0/img000.dcm", keys)
        self.assertIn("tree/new.txt", keys)
        self.assertEqual(self.s3.get_object(Bucket="rclone-bucket", Key="tree/study1/series1/img001.dcm")
                         ["Body"].read(), b"changed")
        dst = os.path.join(self.tmp, "rclone-dst")
        out = self.rclone("copy", "sky:rclone-bucket/tree", dst)
        self.assertEqual(out.returncode, 0, out.stderr)
        with open(os.path.join(src, "large.bin"), "rb") as a, open(os.path.join(dst, "large.bin"), "rb") as b:
            self.assertEqual(hashlib.md5(a.read()).digest(), hashlib.md5(b.read()).digest())
        shutil.rmtree(src)
        shutil.rmtree(dst)

    def s3cmd(self, *args):
        if not shutil.which("s3cmd"):
            self.fail("s3cmd is not installed: scripts/setup installs it")
        cfg = os.path.join(self.tmp, "s3cmd.cfg")
        host = self.server.endpoint.replace("http://", "")
        with open(cfg, "w") as f:
            f.write(f"[default]\naccess_key = {self.server.access_key}\nsecret_key = {self.server.secret_key}\n"
                    f"host_base = {host}\nhost_bucket = {host}\nuse_https = False\nsignature_v2 = False\n"
                    "bucket_location = us-east-1\ncheck_ssl_certificate = False\n")
        return subprocess.run(["s3cmd", "-c", cfg, *args], capture_output=True, text=True, timeout=300)

    def test_s3cmd(self):
        out = self.s3cmd("mb", "s3://s3cmd-bucket")
        self.assertEqual(out.returncode, 0, out.stderr)
        small = os.path.join(self.tmp, "s3cmd-small.txt")
        with open(small, "w") as f:
            f.write("hello from s3cmd")
        big = os.path.join(self.tmp, "s3cmd-big.bin")
        with open(big, "wb") as f:
            f.write(os.urandom(20 * 1024 * 1024))  # above s3cmd's 15 MiB multipart chunk
        for path, key in ((small, "a/small.txt"), (big, "a/big.bin")):
            out = self.s3cmd("put", path, f"s3://s3cmd-bucket/{key}")
            self.assertEqual(out.returncode, 0, out.stderr + self.server.log()[-2000:])
        out = self.s3cmd("ls", "-r", "s3://s3cmd-bucket")
        self.assertIn("s3://s3cmd-bucket/a/small.txt", out.stdout)
        self.assertIn("s3://s3cmd-bucket/a/big.bin", out.stdout)
        back = os.path.join(self.tmp, "s3cmd-big.back")
        out = self.s3cmd("get", "s3://s3cmd-bucket/a/big.bin", back)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertTrue(filecmp.cmp(big, back, shallow=False))
        out = self.s3cmd("info", "s3://s3cmd-bucket/a/small.txt")
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn(hashlib.md5(b"hello from s3cmd").hexdigest(), out.stdout)
        tree = os.path.join(self.tmp, "s3cmd-tree")
        make_tree(tree, 6, 1000)
        out = self.s3cmd("sync", tree + "/", "s3://s3cmd-bucket/tree/")
        self.assertEqual(out.returncode, 0, out.stderr)
        out = self.s3cmd("ls", "-r", "s3://s3cmd-bucket/tree/")
        self.assertEqual(len([line for line in out.stdout.splitlines() if "img" in line]), 6)
        out = self.s3cmd("del", "s3://s3cmd-bucket/a/small.txt")
        self.assertEqual(out.returncode, 0, out.stderr)
        out = self.s3cmd("get", "s3://s3cmd-bucket/a/small.txt", os.path.join(self.tmp, "gone"))
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("does not exist", out.stderr)

    def test_curl_presigned_and_errors(self):
        self.s3.create_bucket(Bucket="curl-bucket")
        self.s3.put_object(Bucket="curl-bucket", Key="doc.txt", Body=b"0123456789")
        url = self.s3.generate_presigned_url("get_object", Params={"Bucket": "curl-bucket", "Key": "doc.txt"},
                                             ExpiresIn=300)
        out = subprocess.run(["curl", "-sS", "-D", "-", "-H", "Range: bytes=2-5", url], capture_output=True)
        head, _, body = out.stdout.partition(b"\r\n\r\n")
        self.assertIn(b"206", head.split(b"\r\n")[0])
        self.assertIn(b"Content-Range: bytes 2-5/10", head)
        self.assertIn(b"x-amz-request-id:", head)
        self.assertEqual(body, b"2345")
        head_url = self.s3.generate_presigned_url("head_object",
                                                  Params={"Bucket": "curl-bucket", "Key": "doc.txt"}, ExpiresIn=300)
        out = subprocess.run(["curl", "-sS", "-I", head_url], capture_output=True, text=True)
        self.assertIn("Content-Length: 10", out.stdout)
        self.assertIn('ETag: "781e5e245d69b566979b86e28d23f2c7"', out.stdout)
        # Errors are S3 XML with code, message, resource and request id.
        missing = self.s3.generate_presigned_url("get_object", Params={"Bucket": "curl-bucket", "Key": "nope"},
                                                 ExpiresIn=300)
        out = subprocess.run(["curl", "-sS", "-w", "\n%{http_code}", missing], capture_output=True, text=True)
        self.assertTrue(out.stdout.endswith("404"), out.stdout)
        self.assertIn("<Code>NoSuchKey</Code>", out.stdout)
        self.assertIn("<Resource>/curl-bucket/nope</Resource>", out.stdout)
        self.assertIn("<RequestId>", out.stdout)


if __name__ == "__main__":
    unittest.main()
