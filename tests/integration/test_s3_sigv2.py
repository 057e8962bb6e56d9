"""AWS Signature Version 2, driven by the clients that still sign with it:
awscli v1's `aws s3 presign` (V2 query string by default) fetched with curl,
boto3 with Config(signature_version="s3") (HmacV1 header form, Debian's
1.26), and s3cmd with signature_v2 = True. Also: wrong secret, expired URL,
a bucket policy that refuses V2, and `[s3] sigv2 = false`."""

import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

from botocore.config import Config
from botocore.exceptions import ClientError

sys.path.insert(0, os.path.dirname(__file__))
from skyarray_harness import Server, boto3_client  # noqa: E402


def awscli_v1():
    """Full path of awscli v1 (the pyenv `aws`, first on PATH on our
    machines). No Debian package provides it: where it is missing the test
    says so loudly and the Debian presign test below still runs."""
    out = subprocess.run(["which", "-a", "aws"], capture_output=True, text=True)
    candidates = out.stdout.split()
    candidates += sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/*/bin/aws")))
    for path in candidates:
        try:
            v = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=60)
        except OSError:
            continue
        if (v.stdout + v.stderr).startswith("aws-cli/1."):
            return path
    raise unittest.SkipTest(f"*** NOT RUN: awscli v1 not found (which -a aws: {candidates}); "
                            "no Debian package provides it ***")


def current_botocore_python():
    """A Python whose botocore signs path-style HmacV1 right (>= 1.31; the
    machine image's pyenv Python, on which awscli v1 runs). Where there is
    none, the test says so loudly; the Debian boto3 test still runs."""
    out = subprocess.run(["which", "-a", "python3"], capture_output=True, text=True)
    candidates = out.stdout.split()
    candidates += sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/*/bin/python3")))
    for path in candidates:
        try:
            v = subprocess.run([path, "-c", "import boto3, botocore; print(botocore.__version__)"],
                               capture_output=True, text=True, timeout=60)
        except OSError:
            continue
        parts = v.stdout.strip().split(".")
        if v.returncode == 0 and len(parts) >= 2 and (int(parts[0]), int(parts[1])) >= (1, 31):
            return path
    raise unittest.SkipTest(f"*** NOT RUN: no Python with boto3/botocore >= 1.31 among "
                            f"{candidates}; Debian 12's is 1.29 ***")


def v2_client(server, secret=None, **kw):
    cfg = Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1},
                 signature_version="s3")
    import boto3
    return boto3.client("s3", endpoint_url=server.endpoint,
                        aws_access_key_id=server.access_key,
                        aws_secret_access_key=secret or server.secret_key,
                        region_name="us-east-1", config=cfg, **kw)


def curl(url, *args):
    return subprocess.run(["curl", "-sS", "-o", "-", "-w", "\n%{http_code}", *args, url],
                          capture_output=True, timeout=60)


def split_curl(out):
    body, _, code = out.stdout.rpartition(b"\n")
    return body, int(code)


class SigV2Test(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server().start()
        cls.v4 = boto3_client(cls.server)
        cls.v2 = v2_client(cls.server)
        cls.tmp = tempfile.mkdtemp(prefix="skyarray-sigv2-")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)
        code = cls.server.stop()
        if code != 0:
            print(cls.server.log()[-5000:])
        assert code == 0, f"server exit code {code}"

    def test_awscli_v1_presign_then_curl(self):
        self.v4.create_bucket(Bucket="v2-presign")
        body = os.urandom(70_000)
        self.v4.put_object(Bucket="v2-presign", Key="study/im 1.dcm", Body=body)
        aws = awscli_v1()
        out = subprocess.run([aws, "s3", "presign", "s3://v2-presign/study/im 1.dcm",
                              "--endpoint-url", self.server.endpoint, "--expires-in", "600"],
                             capture_output=True, text=True, env=self.server.env(), timeout=120)
        self.assertEqual(out.returncode, 0, out.stderr)
        url = out.stdout.strip()
        # The point of this test: awscli v1 signs V2 by default.
        self.assertIn("AWSAccessKeyId=", url)
        self.assertIn("Signature=", url)
        self.assertNotIn("X-Amz-Signature", url)
        got, code = split_curl(curl(url))
        self.assertEqual(code, 200, got[:500])
        self.assertEqual(got, body)
        # Tampering with the key (same signature) is refused.
        got, code = split_curl(curl(url.replace("im%201.dcm", "im%202.dcm")))
        self.assertEqual(code, 403)
        self.assertIn(b"<Code>SignatureDoesNotMatch</Code>", got)

    def test_boto3_hmacv1_objects_listing_multipart_versions(self):
        """boto3 with Config(signature_version="s3"): see sigv2_boto3_client.py
        for why it runs on the current botocore."""
        python = current_botocore_python()
        script = os.path.join(os.path.dirname(__file__), "sigv2_boto3_client.py")
        env = dict(self.server.env())
        env.pop("PYTHONPATH", None)
        out = subprocess.run([python, script, self.server.endpoint, self.server.access_key,
                              self.server.secret_key, "v2-boto3"],
                             capture_output=True, text=True, env=env, timeout=600)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr[-4000:])
        self.assertIn("sigv2 boto3 ok", out.stdout)

    def test_debian_boto3_hmacv1(self):
        """Debian's boto3 (1.26) signs what has no fixed query right, and
        makes V2 presigned URLs."""
        self.v2.create_bucket(Bucket="v2-boto3-old")
        self.v2.put_object(Bucket="v2-boto3-old", Key="k", Body=b"old boto3")
        self.assertEqual(self.v2.get_object(Bucket="v2-boto3-old", Key="k")["Body"].read(),
                         b"old boto3")
        keys = [o["Key"] for o in self.v2.list_objects(Bucket="v2-boto3-old")["Contents"]]
        self.assertEqual(keys, ["k"])
        url = self.v2.generate_presigned_url("get_object", Params={"Bucket": "v2-boto3-old",
                                                                   "Key": "k"}, ExpiresIn=600)
        self.assertIn("AWSAccessKeyId=", url)
        got, code = split_curl(curl(url))
        self.assertEqual((code, got), (200, b"old boto3"))
        self.v2.delete_object(Bucket="v2-boto3-old", Key="k")

    def test_wrong_secret_and_unknown_key(self):
        bad = v2_client(self.server, secret="not-the-secret")
        with self.assertRaises(ClientError) as c:
            bad.list_buckets()
        self.assertEqual(c.exception.response["Error"]["Code"], "SignatureDoesNotMatch")
        self.assertEqual(c.exception.response["ResponseMetadata"]["HTTPStatusCode"], 403)
        self.v4.create_bucket(Bucket="v2-wrong")
        self.v4.put_object(Bucket="v2-wrong", Key="k", Body=b"x")
        url = bad.generate_presigned_url("get_object", Params={"Bucket": "v2-wrong", "Key": "k"})
        self.assertIn("AWSAccessKeyId=", url)
        got, code = split_curl(curl(url))
        self.assertEqual(code, 403)
        self.assertIn(b"<Code>SignatureDoesNotMatch</Code>", got)

    def test_expired_url(self):
        self.v4.create_bucket(Bucket="v2-expiry")
        self.v4.put_object(Bucket="v2-expiry", Key="k", Body=b"fresh")
        url = self.v2.generate_presigned_url("get_object", Params={"Bucket": "v2-expiry", "Key": "k"},
                                             ExpiresIn=1)
        self.assertIn("Expires=", url)
        time.sleep(2.5)
        got, code = split_curl(curl(url))
        self.assertEqual(code, 403, got)
        self.assertIn(b"<Code>AccessDenied</Code>", got)
        self.assertIn(b"expired", got)
        url = self.v2.generate_presigned_url("get_object", Params={"Bucket": "v2-expiry", "Key": "k"},
                                             ExpiresIn=300)
        got, code = split_curl(curl(url))
        self.assertEqual((code, got), (200, b"fresh"))

    def test_presigned_put(self):
        self.v4.create_bucket(Bucket="v2-put")
        url = self.v2.generate_presigned_url("put_object", Params={"Bucket": "v2-put", "Key": "up"},
                                             ExpiresIn=300)
        # No Content-Type: the URL was signed without one (curl would add
        # application/x-www-form-urlencoded, and S3 would refuse it too).
        got, code = split_curl(curl(url, "-X", "PUT", "-H", "Content-Type:", "--data-binary",
                                    "uploaded"))
        self.assertEqual(code, 200, got)
        self.assertEqual(self.v4.get_object(Bucket="v2-put", Key="up")["Body"].read(), b"uploaded")

    def test_policy_can_refuse_sigv2(self):
        self.v4.create_bucket(Bucket="v2-policy")
        self.v4.put_object(Bucket="v2-policy", Key="k", Body=b"x")
        policy = {"Version": "2012-10-17", "Statement": [{
            "Effect": "Deny", "Principal": "*", "Action": "s3:*",
            "Resource": ["arn:aws:s3:::v2-policy", "arn:aws:s3:::v2-policy/*"],
            "Condition": {"StringEquals": {"s3:signatureversion": "AWS"}}}]}
        self.v4.put_bucket_policy(Bucket="v2-policy", Policy=json.dumps(policy))
        with self.assertRaises(ClientError) as c:
            self.v2.get_object(Bucket="v2-policy", Key="k")
        self.assertEqual(c.exception.response["Error"]["Code"], "AccessDenied")
        self.assertEqual(self.v4.get_object(Bucket="v2-policy", Key="k")["Body"].read(), b"x")

    def test_s3cmd_signature_v2(self):
        s3cmd = shutil.which("s3cmd")
        self.assertIsNotNone(s3cmd, "s3cmd is not installed (apt-get install s3cmd)")
        cfg = os.path.join(self.tmp, "s3cmd.cfg")
        host = self.server.endpoint.replace("http://", "")
        with open(cfg, "w") as f:
            f.write(f"[default]\naccess_key = {self.server.access_key}\n"
                    f"secret_key = {self.server.secret_key}\nhost_base = {host}\n"
                    f"host_bucket = {host}\nuse_https = False\nsignature_v2 = True\n"
                    "bucket_location = us-east-1\n")

        def run(*args):
            out = subprocess.run([s3cmd, "-c", cfg, "--debug", *args], capture_output=True,
                                 text=True, timeout=300)
            self.assertEqual(out.returncode, 0, out.stderr[-3000:])
            return out

        out = run("mb", "s3://v2-s3cmd")
        # The debug log shows the V2 header form was used.
        self.assertIn("AWS " + self.server.access_key + ":", out.stderr)
        src = os.path.join(self.tmp, "s3cmd-src.bin")
        with open(src, "wb") as f:
            f.write(os.urandom(300_000))
        run("put", src, "s3://v2-s3cmd/dir/file.bin")
        back = os.path.join(self.tmp, "s3cmd-back.bin")
        run("get", "s3://v2-s3cmd/dir/file.bin", back)
        with open(src, "rb") as a, open(back, "rb") as b:
            self.assertEqual(a.read(), b.read())
        self.assertIn("s3://v2-s3cmd/dir/file.bin", run("ls", "-r", "s3://v2-s3cmd").stdout)
        run("del", "s3://v2-s3cmd/dir/file.bin")


class SigV2DisabledTest(unittest.TestCase):
    def test_refused_when_disabled(self):
        with Server(config_text="[s3]\nsigv2 = false\n") as server:
            v4 = boto3_client(server)
            v4.create_bucket(Bucket="v2-off")
            v4.put_object(Bucket="v2-off", Key="k", Body=b"x")
            with self.assertRaises(ClientError) as c:
                v2_client(server).get_object(Bucket="v2-off", Key="k")
            self.assertEqual(c.exception.response["Error"]["Code"], "InvalidRequest")
            self.assertEqual(c.exception.response["ResponseMetadata"]["HTTPStatusCode"], 400)
            url = v2_client(server).generate_presigned_url(
                "get_object", Params={"Bucket": "v2-off", "Key": "k"})
            got, code = split_curl(curl(url))
            self.assertEqual(code, 400)
            self.assertIn(b"<Code>InvalidRequest</Code>", got)
            with self.assertRaises(ClientError):
                v2_client(server).put_object(Bucket="v2-off", Key="k", Body=b"changed")
            self.assertEqual(v4.get_object(Bucket="v2-off", Key="k")["Body"].read(), b"x")


if __name__ == "__main__":
    unittest.main()
