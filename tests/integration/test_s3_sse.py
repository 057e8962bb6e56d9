"""Encryption at rest through S3, driven by boto3 (Debian's 1.26), awscli and
curl against a real array:

- SSE-S3 (AES256), SSE-KMS (aws:kms, the array's own KMS keys) and SSE-C
  (a key the client sends with every request) on PutObject, multipart
  uploads, GET (whole, ranges across segment boundaries, partNumber) and
  HEAD; the bytes read back are the bytes written;
- the plaintext appears nowhere under the data directory (drives, metadata,
  journal) for any mode, while a plaintext control object is found there
  (so the scan can fail);
- SSE-C: a missing key is refused with 400, a wrong key with 403, and keys
  are accepted only over TLS (or from loopback when the configuration says
  so); the key never reaches the log;
- bucket default encryption (Get/Put/DeleteBucketEncryption);
- CopyObject between encryption modes;
- KMS keys: `skyarray admin kms key create|rotate|disable|enable`; a
  disabled key makes its objects unreadable, enabling it restores them.
"""

import base64
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from cloud_helpers import add_target, status
from skyarray_harness import Server, admin, boto3_client

DEBIAN_AWS = "/usr/bin/aws"
LOOPBACK_SSE_C = "[s3]\nsse_c_plain_http_loopback = true\n"
SEG = 64 * 1024


def err(ctx):
    r = ctx.exception.response
    return r["Error"]["Code"], r["ResponseMetadata"]["HTTPStatusCode"]


def body_of(n):
    """Recognisable but incompressible plaintext: random bytes the test keeps."""
    return os.urandom(n)


def windows(body, count=4, width=48):
    """A few slices of `body` to look for on disk (incompressible: found
    verbatim wherever the plaintext was stored)."""
    step = max(1, (len(body) - width) // count)
    return [body[i:i + width] for i in range(0, max(1, len(body) - width), step)][:count]


def files_under(root):
    for dirpath, _, names in os.walk(root):
        for name in names:
            yield os.path.join(dirpath, name)


def found_on_disk(root, needles):
    """Which of `needles` occur in any file under `root`."""
    hits = set()
    for path in files_under(root):
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError:
            continue
        for i, n in enumerate(needles):
            if n in data:
                hits.add(i)
    return hits


class SseTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server(config_text=LOOPBACK_SSE_C).start()
        cls.s3 = boto3_client(cls.server)
        cls.bucket = "sse"
        cls.s3.create_bucket(Bucket=cls.bucket)
        out = admin(cls.server, "--json", "kms", "key", "create", "--description", "radiology")
        cls.kms_key = json.loads(out.stdout)["id"]

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def setUp(self):
        self.ssec_key = os.urandom(32)

    def ssec(self, key=None):
        return {"SSECustomerAlgorithm": "AES256", "SSECustomerKey": key or self.ssec_key}

    def modes(self):
        return {
            "s3": {"ServerSideEncryption": "AES256"},
            "kms": {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": self.kms_key},
            "c": self.ssec(),
        }

    def read_args(self, mode):
        return self.ssec() if mode == "c" else {}

    def check_head(self, mode, head):
        if mode == "s3":
            self.assertEqual(head["ServerSideEncryption"], "AES256")
        elif mode == "kms":
            self.assertEqual(head["ServerSideEncryption"], "aws:kms")
            self.assertEqual(head["SSEKMSKeyId"], self.kms_key)
        else:
            self.assertEqual(head["SSECustomerAlgorithm"], "AES256")
            self.assertEqual(head["SSECustomerKeyMD5"],
                             base64.b64encode(hashlib.md5(self.ssec_key).digest()).decode())

    def test_each_mode_round_trip_ranges_and_nothing_in_plaintext_on_disk(self):
        needles = []
        for mode, put_args in self.modes().items():
            for size in (0, 1000, 2 * SEG, 3 * SEG + 17, 9 * 1024 * 1024 + 5):
                key = f"rt/{mode}/{size}"
                body = body_of(size)
                needles += windows(body) if size else []
                put = self.s3.put_object(Bucket=self.bucket, Key=key, Body=body, **put_args)
                self.assertEqual(put["ETag"].strip('"'), hashlib.md5(body).hexdigest())
                self.check_head(mode, put)
                head = self.s3.head_object(Bucket=self.bucket, Key=key, **self.read_args(mode))
                self.check_head(mode, head)
                self.assertEqual(head["ContentLength"], size)
                got = self.s3.get_object(Bucket=self.bucket, Key=key, **self.read_args(mode))
                self.check_head(mode, got)
                self.assertEqual(got["Body"].read(), body, key)
                if size < 2 * SEG:
                    continue
                for first, last in [(0, 0), (SEG - 3, SEG + 2), (100, 2 * SEG + 9),
                                    (size - 10, size - 1), (SEG, 2 * SEG - 1)]:
                    r = self.s3.get_object(Bucket=self.bucket, Key=key,
                                           Range=f"bytes={first}-{last}", **self.read_args(mode))
                    self.assertEqual(r["Body"].read(), body[first:last + 1], (key, first, last))
                r = self.s3.get_object(Bucket=self.bucket, Key=key, Range="bytes=-7",
                                       **self.read_args(mode))
                self.assertEqual(r["Body"].read(), body[-7:])

            # Multipart: each part sealed on its own.
            key = f"mpu/{mode}"
            parts = [body_of(5 * 1024 * 1024 + 3), body_of(SEG + 1)]
            for p in parts:
                needles += windows(p)
            up = self.s3.create_multipart_upload(Bucket=self.bucket, Key=key, **put_args)
            self.check_head(mode, up)
            done = []
            for n, p in enumerate(parts, 1):
                r = self.s3.upload_part(Bucket=self.bucket, Key=key, UploadId=up["UploadId"],
                                        PartNumber=n, Body=p, **self.read_args(mode))
                done.append({"PartNumber": n, "ETag": r["ETag"]})
            self.s3.complete_multipart_upload(Bucket=self.bucket, Key=key,
                                              UploadId=up["UploadId"],
                                              MultipartUpload={"Parts": done})
            whole = b"".join(parts)
            got = self.s3.get_object(Bucket=self.bucket, Key=key, **self.read_args(mode))
            self.check_head(mode, got)
            self.assertEqual(got["Body"].read(), whole)
            edge = len(parts[0])
            r = self.s3.get_object(Bucket=self.bucket, Key=key,
                                   Range=f"bytes={edge - 5}-{edge + 5}", **self.read_args(mode))
            self.assertEqual(r["Body"].read(), whole[edge - 5:edge + 6])
            r = self.s3.get_object(Bucket=self.bucket, Key=key, PartNumber=2,
                                   **self.read_args(mode))
            self.assertEqual(r["Body"].read(), parts[1])

        # A plaintext control: the scan finds what is stored in the clear.
        small, large = body_of(1000), body_of(3 * SEG)
        self.s3.put_object(Bucket=self.bucket, Key="control/small", Body=small)
        self.s3.put_object(Bucket=self.bucket, Key="control/large", Body=large)
        controls = windows(small, 1) + windows(large, 1)
        self.server.stop()
        try:
            self.assertEqual(found_on_disk(self.server.data_dir, controls), {0, 1})
            self.assertEqual(found_on_disk(self.server.data_dir, needles), set())
            # The SSE-C key is nowhere either: not on disk, not in the log.
            key_b64 = base64.b64encode(self.ssec_key)
            self.assertEqual(found_on_disk(self.server.data_dir, [self.ssec_key, key_b64]), set())
            self.assertNotIn(key_b64.decode(), self.server.log())
        finally:
            self.server.start()

    def test_sse_c_without_or_with_a_wrong_key_is_refused(self):
        body = body_of(5000)
        self.s3.put_object(Bucket=self.bucket, Key="c/k", Body=body, **self.ssec())
        with self.assertRaises(ClientError) as c:
            self.s3.get_object(Bucket=self.bucket, Key="c/k")
        self.assertEqual(err(c)[1], 400)
        with self.assertRaises(ClientError) as c:
            self.s3.head_object(Bucket=self.bucket, Key="c/k")
        self.assertEqual(err(c)[1], 400)
        with self.assertRaises(ClientError) as c:
            self.s3.get_object(Bucket=self.bucket, Key="c/k", **self.ssec(os.urandom(32)))
        self.assertEqual(err(c), ("AccessDenied", 403))
        with self.assertRaises(ClientError) as c:
            self.s3.head_object(Bucket=self.bucket, Key="c/k", **self.ssec(os.urandom(32)))
        self.assertEqual(err(c)[1], 403)
        # A key for a plaintext object is refused, not ignored.
        self.s3.put_object(Bucket=self.bucket, Key="c/plain", Body=b"plain")
        with self.assertRaises(ClientError) as c:
            self.s3.get_object(Bucket=self.bucket, Key="c/plain", **self.ssec())
        self.assertEqual(err(c)[1], 400)
        # A key whose MD5 does not match (curl sends what boto3 would not).
        k = base64.b64encode(self.ssec_key).decode()
        status = subprocess.run(
            ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--aws-sigv4",
             "aws:amz:us-east-1:s3", "--user",
             f"{self.server.access_key}:{self.server.secret_key}",
             "-H", "x-amz-server-side-encryption-customer-algorithm: AES256",
             "-H", f"x-amz-server-side-encryption-customer-key: {k}",
             "-H", "x-amz-server-side-encryption-customer-key-MD5: AAAAAAAAAAAAAAAAAAAAAA==",
             f"{self.server.endpoint}/{self.bucket}/c/k"], capture_output=True, text=True)
        self.assertEqual(status.stdout, "400")
        # Reading with the right key still works.
        got = self.s3.get_object(Bucket=self.bucket, Key="c/k", **self.ssec())
        self.assertEqual(got["Body"].read(), body)
        # Copying an SSE-C source needs its key.
        with self.assertRaises(ClientError) as c:
            self.s3.copy_object(Bucket=self.bucket, Key="c/copy",
                                CopySource={"Bucket": self.bucket, "Key": "c/k"},
                                ServerSideEncryption="AES256")
        self.assertEqual(err(c)[1], 400)

    def test_bucket_default_encryption(self):
        b = "sse-default"
        self.s3.create_bucket(Bucket=b)
        with self.assertRaises(ClientError) as c:
            self.s3.get_bucket_encryption(Bucket=b)
        self.assertEqual(err(c), ("ServerSideEncryptionConfigurationNotFoundError", 404))
        self.s3.put_bucket_encryption(Bucket=b, ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
        rule = self.s3.get_bucket_encryption(Bucket=b)["ServerSideEncryptionConfiguration"]
        self.assertEqual(rule["Rules"][0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"],
                         "AES256")
        body = body_of(70000)
        put = self.s3.put_object(Bucket=b, Key="a", Body=body)
        self.assertEqual(put["ServerSideEncryption"], "AES256")
        self.assertEqual(self.s3.get_object(Bucket=b, Key="a")["Body"].read(), body)
        # The request's own encryption wins over the default.
        put = self.s3.put_object(Bucket=b, Key="c", Body=body, **self.ssec())
        self.assertNotIn("ServerSideEncryption", put)
        self.s3.put_bucket_encryption(Bucket=b, ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {
                "SSEAlgorithm": "aws:kms", "KMSMasterKeyID": self.kms_key},
                "BucketKeyEnabled": True}]})
        put = self.s3.put_object(Bucket=b, Key="k", Body=body)
        self.assertEqual((put["ServerSideEncryption"], put["SSEKMSKeyId"]),
                         ("aws:kms", self.kms_key))
        self.assertTrue(put["BucketKeyEnabled"])
        # An unknown key is refused and changes nothing.
        with self.assertRaises(ClientError) as c:
            self.s3.put_bucket_encryption(Bucket=b, ServerSideEncryptionConfiguration={
                "Rules": [{"ApplyServerSideEncryptionByDefault": {
                    "SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "no-such-key"}}]})
        self.assertEqual(err(c)[1], 400)
        rule = self.s3.get_bucket_encryption(Bucket=b)["ServerSideEncryptionConfiguration"]
        self.assertEqual(rule["Rules"][0]["ApplyServerSideEncryptionByDefault"]["KMSMasterKeyID"],
                         self.kms_key)
        self.s3.delete_bucket_encryption(Bucket=b)
        put = self.s3.put_object(Bucket=b, Key="p", Body=body)
        self.assertNotIn("ServerSideEncryption", put)
        # Dual-layer KMS is not done: refused, not silently downgraded.
        with self.assertRaises(ClientError) as c:
            self.s3.put_object(Bucket=b, Key="d", Body=body, ServerSideEncryption="aws:kms:dsse")
        self.assertEqual(err(c), ("NotImplemented", 501))
        with self.assertRaises(ClientError):
            self.s3.head_object(Bucket=b, Key="d")

    def test_copy_between_modes(self):
        body = body_of(3 * SEG + 5)
        self.s3.put_object(Bucket=self.bucket, Key="cp/s3", Body=body,
                           ServerSideEncryption="AES256")
        r = self.s3.copy_object(Bucket=self.bucket, Key="cp/kms",
                                CopySource={"Bucket": self.bucket, "Key": "cp/s3"},
                                ServerSideEncryption="aws:kms", SSEKMSKeyId=self.kms_key)
        self.assertEqual(r["ServerSideEncryption"], "aws:kms")
        self.assertEqual(self.s3.get_object(Bucket=self.bucket, Key="cp/kms")["Body"].read(), body)
        self.s3.copy_object(Bucket=self.bucket, Key="cp/c",
                            CopySource={"Bucket": self.bucket, "Key": "cp/kms"}, **self.ssec())
        got = self.s3.get_object(Bucket=self.bucket, Key="cp/c", **self.ssec())
        self.assertEqual(got["Body"].read(), body)
        other = os.urandom(32)
        self.s3.copy_object(Bucket=self.bucket, Key="cp/c2",
                            CopySource={"Bucket": self.bucket, "Key": "cp/c"},
                            CopySourceSSECustomerAlgorithm="AES256",
                            CopySourceSSECustomerKey=self.ssec_key, **self.ssec(other))
        got = self.s3.get_object(Bucket=self.bucket, Key="cp/c2", **self.ssec(other))
        self.assertEqual(got["Body"].read(), body)
        with self.assertRaises(ClientError) as c:
            self.s3.get_object(Bucket=self.bucket, Key="cp/c2", **self.ssec())
        self.assertEqual(err(c)[1], 403)
        # Between plaintext and encrypted the bytes would be rewritten: not
        # done yet, so refused (and nothing is written).
        self.s3.put_object(Bucket=self.bucket, Key="cp/plain", Body=body)
        with self.assertRaises(ClientError) as c:
            self.s3.copy_object(Bucket=self.bucket, Key="cp/plain-to-s3",
                                CopySource={"Bucket": self.bucket, "Key": "cp/plain"},
                                ServerSideEncryption="AES256")
        self.assertEqual(err(c), ("NotImplemented", 501))
        with self.assertRaises(ClientError):
            self.s3.head_object(Bucket=self.bucket, Key="cp/plain-to-s3")

    def test_kms_key_rotate_disable_enable(self):
        key = json.loads(admin(self.server, "--json", "kms", "key", "create",
                               "--description", "rotation").stdout)["id"]
        body = body_of(2 * SEG + 3)
        args = {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": key}
        self.s3.put_object(Bucket=self.bucket, Key="rot/before", Body=body, **args)
        rotated = json.loads(admin(self.server, "--json", "kms", "key", "rotate", key).stdout)
        self.assertEqual(rotated["versions"], 2)
        # rot/before's data key moved to version 2 (its latest and version
        # records both): no data rewritten.
        self.assertGreaterEqual(rotated["resealed"], 1)
        self.s3.put_object(Bucket=self.bucket, Key="rot/after", Body=body, **args)
        for k in ("rot/before", "rot/after"):
            self.assertEqual(self.s3.get_object(Bucket=self.bucket, Key=k)["Body"].read(), body)
        admin(self.server, "kms", "key", "disable", key)
        listed = json.loads(admin(self.server, "--json", "kms", "key", "list").stdout)["keys"]
        self.assertFalse(next(k for k in listed if k["id"] == key)["enabled"])
        for k in ("rot/before", "rot/after"):
            with self.assertRaises(ClientError) as c:
                self.s3.get_object(Bucket=self.bucket, Key=k)
            self.assertEqual(err(c), ("KMS.DisabledException", 400))
        with self.assertRaises(ClientError) as c:
            self.s3.put_object(Bucket=self.bucket, Key="rot/while-disabled", Body=body, **args)
        self.assertEqual(err(c), ("KMS.DisabledException", 400))
        # Other keys' objects are untouched.
        self.s3.put_object(Bucket=self.bucket, Key="rot/other", Body=body,
                           ServerSideEncryption="AES256")
        self.assertEqual(self.s3.get_object(Bucket=self.bucket, Key="rot/other")["Body"].read(),
                         body)
        # Keys and their state survive a restart.
        self.server.restart()
        with self.assertRaises(ClientError) as c:
            self.s3.get_object(Bucket=self.bucket, Key="rot/before")
        self.assertEqual(err(c)[0], "KMS.DisabledException")
        admin(self.server, "kms", "key", "enable", key)
        for k in ("rot/before", "rot/after"):
            self.assertEqual(self.s3.get_object(Bucket=self.bucket, Key=k)["Body"].read(), body)
        # Key material is never shown.
        listed = admin(self.server, "--json", "kms", "key", "list").stdout
        self.assertNotIn("material", listed)
        with self.assertRaises(ClientError) as c:
            self.s3.put_object(Bucket=self.bucket, Key="rot/none", Body=body,
                               ServerSideEncryption="aws:kms", SSEKMSKeyId="no-such-key")
        self.assertEqual(err(c)[1], 400)

    def test_awscli_sse(self):
        if not os.path.exists(DEBIAN_AWS):
            self.fail(f"{DEBIAN_AWS} is missing: install awscli")
        src = os.path.join(self.server.data_dir, "cli-upload.bin")
        body = body_of(200000)
        with open(src, "wb") as f:
            f.write(body)
        keyfile = os.path.join(self.server.data_dir, "cli-key.bin")
        with open(keyfile, "wb") as f:
            f.write(self.ssec_key)
        base = [DEBIAN_AWS, "--endpoint-url", self.server.endpoint, "s3", "cp"]
        env = self.server.env()
        for extra, key in [(["--sse", "AES256"], "cli/s3"),
                           (["--sse", "aws:kms", "--sse-kms-key-id", self.kms_key], "cli/kms"),
                           (["--sse-c", "AES256", "--sse-c-key", f"fileb://{keyfile}"], "cli/c")]:
            out = subprocess.run(base + [src, f"s3://{self.bucket}/{key}"] + extra, env=env,
                                 capture_output=True, text=True)
            self.assertEqual(out.returncode, 0, out.stderr)
        head = self.s3.head_object(Bucket=self.bucket, Key="cli/kms")
        self.assertEqual(head["SSEKMSKeyId"], self.kms_key)
        dst = os.path.join(self.server.data_dir, "cli-download.bin")
        out = subprocess.run(base + [f"s3://{self.bucket}/cli/c", dst, "--sse-c", "AES256",
                                     "--sse-c-key", f"fileb://{keyfile}"],
                             env=env, capture_output=True, text=True)
        self.assertEqual(out.returncode, 0, out.stderr)
        with open(dst, "rb") as f:
            self.assertEqual(f.read(), body)


CLOUD_CONFIG = LOOPBACK_SSE_C + """
[cloud]
retry_base = "100ms"
retry_max = "1s"
poll_interval = "50ms"
journal_interval = "200ms"
"""


class SseCloudTest(unittest.TestCase):
    """An object encrypted at rest never reaches the cloud in plaintext."""

    def test_only_encrypting_targets_take_encrypted_objects(self):
        with Server(role="cloud") as cloud, Server(config_text=CLOUD_CONFIG) as array:
            a, c = boto3_client(array), boto3_client(cloud)
            c.create_bucket(Bucket="offsite")
            for b in ("plainlink", "enclink"):
                a.create_bucket(Bucket=b)
            add_target(array, cloud, "plain", "offsite", None, "--prefix", "plain/")
            add_target(array, cloud, "enc", "offsite", None, "--prefix", "enc/", "--encrypt")
            admin(array, "cloud", "link", "--bucket", "plainlink", "--target", "plain")
            admin(array, "cloud", "link", "--bucket", "enclink", "--target", "enc")
            secret, clear = body_of(100000), body_of(1000)
            ssec = {"SSECustomerAlgorithm": "AES256", "SSECustomerKey": os.urandom(32)}
            a.put_object(Bucket="plainlink", Key="sse", Body=secret, ServerSideEncryption="AES256")
            a.put_object(Bucket="plainlink", Key="ssec", Body=secret, **ssec)
            a.put_object(Bucket="plainlink", Key="clear", Body=clear)
            a.put_object(Bucket="enclink", Key="sse", Body=secret, ServerSideEncryption="AES256")
            a.put_object(Bucket="enclink", Key="ssec", Body=secret, **ssec)

            def cloud_keys():
                listed = c.list_objects_v2(Bucket="offsite").get("Contents", [])
                return {o["Key"] for o in listed if "/.skyarray/" not in o["Key"]}

            deadline = time.time() + 60
            while time.time() < deadline and not {"plain/clear", "enc/sse"} <= cloud_keys():
                time.sleep(0.2)
            time.sleep(2)  # retries of the refused uploads come and go
            keys = cloud_keys()
            self.assertIn("plain/clear", keys)
            self.assertIn("enc/sse", keys)
            for refused in ("plain/sse", "plain/ssec", "enc/ssec"):
                self.assertNotIn(refused, keys)
            self.assertGreaterEqual(status(array)["backlog_objects"], 3)
            body = c.get_object(Bucket="offsite", Key="enc/sse")["Body"].read()
            for w in windows(secret):
                self.assertNotIn(w, body)
            for path in files_under(cloud.data_dir):
                with open(path, "rb") as f:
                    data = f.read()
                for w in windows(secret):
                    self.assertNotIn(w, data, path)
            # The local copies stay readable.
            self.assertEqual(a.get_object(Bucket="plainlink", Key="sse")["Body"].read(), secret)


class SseFileShareTest(unittest.TestCase):
    """Files written over NFS into a bucket with default encryption are
    encrypted, and stay so through partial writes, chmod and renames."""

    def test_nfs_on_an_encrypted_bucket(self):
        from libnfs_client import LibNfs
        with Server(config_text=LOOPBACK_SSE_C, nfs=True) as server:
            s3 = boto3_client(server)
            s3.create_bucket(Bucket="vol")
            s3.put_bucket_encryption(Bucket="vol", ServerSideEncryptionConfiguration={
                "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
            admin(server, "share", "create", "vol", "--bucket", "vol", "--clients", "127.0.0.1",
                  "--no-squash", "--dir-mode", "0777")
            data = bytearray(body_of(3 * 1024 * 1024 + 11))
            with LibNfs(server.nfs_url("vol")) as n:
                n.mkdir("/d")
                n.write_file("/d/f.bin", bytes(data))
                patch = body_of(5000)
                n.pwrite("/d/f.bin", 70000, patch)
                data[70000:75000] = patch
                n.chmod("/d/f.bin", 0o600)
                n.rename("/d/f.bin", "/d/g.bin")
                self.assertEqual(n.read_file("/d/g.bin", len(data)), bytes(data))
            head = s3.head_object(Bucket="vol", Key="d/g.bin")
            self.assertEqual(head["ServerSideEncryption"], "AES256")
            self.assertEqual(s3.get_object(Bucket="vol", Key="d/g.bin")["Body"].read(),
                             bytes(data))
            # An SSE-KMS object written over S3 keeps its key through NFS
            # writes, even though the bucket default is SSE-S3.
            key = json.loads(admin(server, "--json", "kms", "key", "create").stdout)["id"]
            s3.put_object(Bucket="vol", Key="d/k.bin", Body=b"abc" * 1000,
                          ServerSideEncryption="aws:kms", SSEKMSKeyId=key)
            with LibNfs(server.nfs_url("vol")) as n:
                n.pwrite("/d/k.bin", 10, b"XYZ")
            head = s3.head_object(Bucket="vol", Key="d/k.bin")
            self.assertEqual((head["ServerSideEncryption"], head["SSEKMSKeyId"]), ("aws:kms", key))
            body = s3.get_object(Bucket="vol", Key="d/k.bin")["Body"].read()
            self.assertEqual(body[:13], b"abcabcabcaXYZ")
            server.stop()
            try:
                self.assertEqual(found_on_disk(server.data_dir, windows(bytes(data))), set())
            finally:
                server.start()


class SseCTransportTest(unittest.TestCase):
    """SSE-C keys travel only over TLS."""

    def test_plain_http_refused_tls_accepted(self):
        key = os.urandom(32)
        with Server() as server:
            s3 = boto3_client(server)
            s3.create_bucket(Bucket="tls")
            with self.assertRaises(ClientError) as c:
                s3.put_object(Bucket="tls", Key="k", Body=b"x", SSECustomerAlgorithm="AES256",
                              SSECustomerKey=key)
            self.assertEqual(err(c), ("InvalidRequest", 400))
            with self.assertRaises(ClientError):
                s3.head_object(Bucket="tls", Key="k")
        tmp = tempfile.mkdtemp(prefix="skyarray-sse-tls-")
        try:
            cert, pkey = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
            out = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                                  "-days", "1", "-subj", "/CN=127.0.0.1", "-addext",
                                  "subjectAltName=IP:127.0.0.1", "-keyout", pkey, "-out", cert],
                                 capture_output=True, text=True)
            self.assertEqual(out.returncode, 0, out.stderr)
            with Server(config_text=f'[s3]\ntls_cert = "{cert}"\ntls_key = "{pkey}"\n') as server:
                s3 = boto3.client("s3", endpoint_url=server.endpoint.replace("http://", "https://"),
                                  aws_access_key_id=server.access_key,
                                  aws_secret_access_key=server.secret_key,
                                  region_name="us-east-1", verify=cert,
                                  config=Config(s3={"addressing_style": "path"},
                                                retries={"max_attempts": 1},
                                                signature_version="s3v4"))
                s3.create_bucket(Bucket="tls")
                body = body_of(100000)
                s3.put_object(Bucket="tls", Key="k", Body=body, SSECustomerAlgorithm="AES256",
                              SSECustomerKey=key)
                got = s3.get_object(Bucket="tls", Key="k", SSECustomerAlgorithm="AES256",
                                    SSECustomerKey=key)
                self.assertEqual(got["Body"].read(), body)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
