"""S3 API driven by the AWS CLI: Debian's v2.9 (/usr/bin/aws) and, when the
machine has it, the current v1 (pyenv `aws`, which sends CRC checksums by
default in aws-chunked trailers). s3 cp/sync/ls/rm, multipart above the
threshold, s3api with --checksum-algorithm CRC32C/SHA256, presign + curl."""

import base64
import filecmp
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
import zlib

sys.path.insert(0, os.path.dirname(__file__))
from skyarray_harness import Server  # noqa: E402

DEBIAN_AWS = "/usr/bin/aws"
PYENV_AWS = "/root/.pyenv/shims/aws"


def crc32c(data):
    crc = 0xFFFFFFFF
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


class AwsCliMixin:
    aws = None
    # A client no Debian package provides, tested where the machine has it.
    optional = False

    @classmethod
    def setUpClass(cls):
        if not os.path.exists(cls.aws):
            if cls.optional:
                raise unittest.SkipTest(f"*** NOT RUN: {cls.aws} (awscli v1) is not on this machine; "
                                        "no Debian package provides it ***")
            raise AssertionError(f"{cls.aws} is not installed: scripts/setup installs it")
        cls.server = Server().start()
        cls.tmp = tempfile.mkdtemp(prefix="skyarray-awscli-")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)
        code = cls.server.stop()
        assert code == 0, f"server exit code {code}\n{cls.server.log()[-3000:]}"

    def run_aws(self, *args, check=True, config_file=None):
        env = self.server.env()
        env.pop("PYTHONPATH", None)
        if config_file:
            env["AWS_CONFIG_FILE"] = config_file
        cmd = [self.aws, "--endpoint-url", self.server.endpoint] + list(args)
        if args[0] == "s3" and args[1] in ("cp", "sync", "mv"):
            cmd.append("--no-progress")
        out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
        if check and out.returncode != 0:
            self.fail(f"{' '.join(cmd)} failed ({out.returncode}):\n{out.stdout}\n{out.stderr}\n"
                      f"{self.server.log()[-3000:]}")
        return out

    def s3api(self, *args):
        out = self.run_aws("s3api", *args)
        return json.loads(out.stdout) if out.stdout.strip() else {}

    def path(self, name):
        return os.path.join(self.tmp, name)

    def test_cp_multipart_and_ls(self):
        b = f"cli-cp-{self.suffix}"
        self.run_aws("s3", "mb", f"s3://{b}")
        small = self.path("small.txt")
        with open(small, "wb") as f:
            f.write(b"small file\n")
        big = self.path("big.bin")
        with open(big, "wb") as f:
            f.write(os.urandom(20 * 1024 * 1024 + 17))  # above the 8 MiB multipart threshold
        self.run_aws("s3", "cp", small, f"s3://{b}/docs/small.txt")
        self.run_aws("s3", "cp", big, f"s3://{b}/images/big.bin")
        head = self.s3api("head-object", "--bucket", b, "--key", "images/big.bin")
        self.assertEqual(head["ContentLength"], 20 * 1024 * 1024 + 17)
        self.assertRegex(head["ETag"], r'^"[0-9a-f]{32}-3"$')
        back = self.path("big.back")
        self.run_aws("s3", "cp", f"s3://{b}/images/big.bin", back)
        self.assertTrue(filecmp.cmp(big, back, shallow=False))
        out = self.run_aws("s3", "cp", f"s3://{b}/docs/small.txt", "-").stdout
        self.assertEqual(out, "small file\n")
        listing = self.run_aws("s3", "ls", "--recursive", f"s3://{b}").stdout
        self.assertIn("docs/small.txt", listing)
        self.assertIn("images/big.bin", listing)
        top = self.run_aws("s3", "ls", f"s3://{b}/").stdout
        self.assertIn("PRE docs/", top)
        self.assertIn("PRE images/", top)
        self.run_aws("s3", "rm", "--recursive", f"s3://{b}")
        self.run_aws("s3", "rb", f"s3://{b}")
        self.assertNotIn(b, self.run_aws("s3", "ls").stdout)

    def test_sync(self):
        b = f"cli-sync-{self.suffix}"
        self.run_aws("s3", "mb", f"s3://{b}")
        src = self.path("tree")
        for d in ("studies/1/series/a", "studies/2/series/b"):
            os.makedirs(os.path.join(src, d), exist_ok=True)
            for i in range(5):
                with open(os.path.join(src, d, f"img{i}.dcm"), "wb") as f:
                    f.write(os.urandom(1000 + i))
        self.run_aws("s3", "sync", src, f"s3://{b}/tree")
        dst = self.path("tree.back")
        self.run_aws("s3", "sync", f"s3://{b}/tree", dst)
        cmp = filecmp.dircmp(src, dst)
        self.assertEqual(cmp.left_only + cmp.right_only + cmp.diff_files, [])
        for d in ("studies/1/series/a", "studies/2/series/b"):
            c = filecmp.dircmp(os.path.join(src, d), os.path.join(dst, d))
            self.assertEqual((c.left_only, c.right_only), ([], []))
            for name in c.common_files:
                self.assertTrue(filecmp.cmp(os.path.join(src, d, name), os.path.join(dst, d, name), shallow=False))
        # A second sync uploads nothing.
        out = self.run_aws("s3", "sync", src, f"s3://{b}/tree").stdout
        self.assertEqual(out.strip(), "")

    def test_s3api_checksums(self):
        b = f"cli-sum-{self.suffix}"
        self.s3api("create-bucket", "--bucket", b)
        data = os.urandom(300_000)
        p = self.path("sum.bin")
        with open(p, "wb") as f:
            f.write(data)
        # awscli v1 needs the CRT for CRC32C, which this machine's v1 lacks: it uses CRC32.
        alg = self.crc_algorithm
        r = self.s3api("put-object", "--bucket", b, "--key", "c", "--body", p, "--checksum-algorithm", alg)
        crc = crc32c(data) if alg == "CRC32C" else zlib.crc32(data)
        want = base64.b64encode(crc.to_bytes(4, "big")).decode()
        self.assertEqual(r["Checksum" + alg], want)
        h = self.s3api("head-object", "--bucket", b, "--key", "c", "--checksum-mode", "ENABLED")
        self.assertEqual(h["Checksum" + alg], want)
        r = self.s3api("put-object", "--bucket", b, "--key", "s", "--body", p, "--checksum-algorithm", "SHA256")
        want = base64.b64encode(hashlib.sha256(data).digest()).decode()
        self.assertEqual(r["ChecksumSHA256"], want)
        out = self.path("sum.back")
        g = self.s3api("get-object", "--bucket", b, "--key", "s", "--checksum-mode", "ENABLED", out)
        self.assertEqual(g["ChecksumSHA256"], want)
        with open(out, "rb") as f:
            self.assertEqual(f.read(), data)
        self.assertEqual(g["ETag"], f'"{hashlib.md5(data).hexdigest()}"')

    def test_errors_and_presign(self):
        b = f"cli-err-{self.suffix}"
        self.s3api("create-bucket", "--bucket", b)
        out = self.run_aws("s3api", "get-object", "--bucket", b, "--key", "missing", self.path("x"), check=False)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("NoSuchKey", out.stderr)
        out = self.run_aws("s3api", "delete-bucket", "--bucket", "nope-not-here", check=False)
        self.assertIn("NoSuchBucket", out.stderr)
        p = self.path("pre.txt")
        with open(p, "w") as f:
            f.write("presigned via cli")
        self.run_aws("s3", "cp", p, f"s3://{b}/pre.txt")
        url = self.run_aws("s3", "presign", f"s3://{b}/pre.txt", "--expires-in", "120").stdout.strip()
        if "AWSAccessKeyId=" in url:
            # awscli v1 presigns with SigV2 unless told otherwise: served
            # (test_s3_sigv2 covers it); the SigV4 form is checked below.
            got = subprocess.run(["curl", "-sS", "-f", url], capture_output=True, text=True)
            self.assertEqual(got.returncode, 0, got.stderr)
            self.assertEqual(got.stdout, "presigned via cli")
            cfg = self.path("sigv4.cfg")
            with open(cfg, "w") as f:
                f.write("[default]\ns3 =\n    signature_version = s3v4\n")
            url = self.run_aws("s3", "presign", f"s3://{b}/pre.txt", "--expires-in", "120",
                               config_file=cfg).stdout.strip()
            self.assertIn("X-Amz-Signature=", url)
        got = subprocess.run(["curl", "-sS", "-f", url], capture_output=True, text=True)
        self.assertEqual(got.returncode, 0, got.stderr)
        self.assertEqual(got.stdout, "presigned via cli")
        # Without a signature the same URL is refused.
        bare = url.split("?")[0]
        got = subprocess.run(["curl", "-sS", "-w", "%{http_code}", bare], capture_output=True, text=True)
        self.assertTrue(got.stdout.endswith("403"), got.stdout)
        self.assertIn("<Code>AccessDenied</Code>", got.stdout)


class DebianAwsCliTest(AwsCliMixin, unittest.TestCase):
    aws = DEBIAN_AWS
    suffix = "v2"
    crc_algorithm = "CRC32C"


class CurrentAwsCliV1Test(AwsCliMixin, unittest.TestCase):
    aws = PYENV_AWS
    optional = True
    suffix = "v1"
    crc_algorithm = "CRC32"


if __name__ == "__main__":
    unittest.main()
