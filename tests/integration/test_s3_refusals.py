"""What the array does not do, it refuses: server-side encryption (SSE-S3,
SSE-KMS, SSE-C) and subresources S3 has but we do not serve answer 501
NotImplemented and change nothing; Object Lock requests on a bucket created
without Object Lock get S3's InvalidRequest and change nothing. Driven by
boto3 (Debian's 1.26), Debian's awscli v2 and curl with SigV4 signing. Each
case checks that the object's bytes, or its absence, are as before."""

import base64
import hashlib
import json
import os
import re
import subprocess
import sys
import unittest

from botocore.exceptions import ClientError

sys.path.insert(0, os.path.dirname(__file__))
from skyarray_harness import Server, boto3_client  # noqa: E402

DEBIAN_AWS = "/usr/bin/aws"
BODY = b"the original bytes of a radiology report\n" * 100


def err(ctx):
    r = ctx.exception.response
    return r["Error"]["Code"], r["ResponseMetadata"]["HTTPStatusCode"]


class S3RefusalsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server().start()
        cls.s3 = boto3_client(cls.server)
        cls.bucket = "refusals"
        cls.s3.create_bucket(Bucket=cls.bucket)

    @classmethod
    def tearDownClass(cls):
        code = cls.server.stop()
        if code != 0:
            print(cls.server.log()[-5000:])
        assert code == 0, f"server exit code {code}"

    def put(self, key, body=BODY):
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=body)

    def assert_bytes(self, key, body=BODY):
        got = self.s3.get_object(Bucket=self.bucket, Key=key)
        self.assertEqual(got["Body"].read(), body)
        self.assertEqual(got["ETag"], '"%s"' % hashlib.md5(body).hexdigest())

    def assert_absent(self, key):
        with self.assertRaises(ClientError) as c:
            self.s3.head_object(Bucket=self.bucket, Key=key)
        self.assertEqual(err(c)[1], 404)

    def assert_not_implemented(self, call, **kwargs):
        with self.assertRaises(ClientError) as c:
            call(Bucket=self.bucket, **kwargs)
        self.assertEqual(err(c), ("NotImplemented", 501))
        return c.exception.response["Error"].get("Message", "")

    def curl(self, method, path, *args, data=None):
        """A SigV4-signed curl request: (status, headers+body text). Query
        names are written `name=` (curl signs a bare `name` differently)."""
        cmd = ["curl", "-sS", "-i", "-X", method, "--aws-sigv4", "aws:amz:us-east-1:s3",
               "--user", f"{self.server.access_key}:{self.server.secret_key}",
               "-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD", *args]
        if data is not None:
            cmd += ["--data-binary", "@-"]
        cmd.append(self.server.endpoint + path)
        out = subprocess.run(cmd, capture_output=True, timeout=60,
                             input=data.encode() if data is not None else None)
        self.assertEqual(out.returncode, 0, out.stderr)
        text = out.stdout.decode(errors="replace")
        statuses = re.findall(r"^HTTP/1\.1 (\d+)", text, re.M)
        return int(statuses[-1]), text + out.stderr.decode(errors="replace")

    # ---- object lock on a bucket without it: S3's InvalidRequest

    def assert_no_lock(self, call, **kwargs):
        with self.assertRaises(ClientError) as c:
            call(Bucket=self.bucket, **kwargs)
        self.assertEqual(err(c), ("InvalidRequest", 400))
        self.assertIn("Object Lock", c.exception.response["Error"].get("Message", ""))

    def test_put_object_retention_refused_and_bytes_unchanged(self):
        self.put("ret/a")
        self.assert_no_lock(
            self.s3.put_object_retention, Key="ret/a",
            Retention={"Mode": "COMPLIANCE", "RetainUntilDate": "2040-01-01T00:00:00Z"})
        self.assert_bytes("ret/a")
        # On a key that does not exist, nothing is created either.
        self.assert_no_lock(
            self.s3.put_object_retention, Key="ret/none",
            Retention={"Mode": "GOVERNANCE", "RetainUntilDate": "2040-01-01T00:00:00Z"})
        self.assert_absent("ret/none")
        # The object can still be deleted: it carries no lock.
        self.s3.delete_object(Bucket=self.bucket, Key="ret/a")
        self.assert_absent("ret/a")

    def test_put_object_legal_hold_refused_and_bytes_unchanged(self):
        self.put("hold/a")
        self.assert_no_lock(self.s3.put_object_legal_hold, Key="hold/a",
                            LegalHold={"Status": "ON"})
        self.assert_bytes("hold/a")

    def test_get_retention_and_legal_hold_refused(self):
        self.put("get/a")
        self.assert_no_lock(self.s3.get_object_retention, Key="get/a")
        self.assert_no_lock(self.s3.get_object_legal_hold, Key="get/a")
        status, text = self.curl("GET", f"/{self.bucket}/get/a?legal-hold=")
        self.assertEqual(status, 400)
        self.assertIn("<Code>InvalidRequest</Code>", text)
        self.assertNotIn("radiology", text)
        with self.assertRaises(ClientError) as c:
            self.s3.get_object_lock_configuration(Bucket=self.bucket)
        self.assertEqual(err(c), ("ObjectLockConfigurationNotFoundError", 404))

    def test_awscli_put_object_retention(self):
        if not os.path.exists(DEBIAN_AWS):
            self.fail(f"{DEBIAN_AWS} is missing: install awscli")
        self.put("cli/a")
        cmd = [DEBIAN_AWS, "--endpoint-url", self.server.endpoint, "s3api", "put-object-retention",
               "--bucket", self.bucket, "--key", "cli/a",
               "--retention", "Mode=COMPLIANCE,RetainUntilDate=2040-01-01T00:00:00Z"]
        out = subprocess.run(cmd, env=self.server.env(), capture_output=True, text=True,
                             timeout=120)
        self.assertNotEqual(out.returncode, 0, out.stdout)
        self.assertIn("InvalidRequest", out.stderr)
        cmd = [DEBIAN_AWS, "--endpoint-url", self.server.endpoint, "s3api", "put-object-legal-hold",
               "--bucket", self.bucket, "--key", "cli/a", "--legal-hold", "Status=ON"]
        out = subprocess.run(cmd, env=self.server.env(), capture_output=True, text=True,
                             timeout=120)
        self.assertNotEqual(out.returncode, 0, out.stdout)
        self.assertIn("InvalidRequest", out.stderr)
        self.assert_bytes("cli/a")

    def test_object_lock_headers_refused(self):
        md5 = base64.b64encode(hashlib.md5(BODY).digest()).decode()
        self.assert_no_lock(self.s3.put_object, Key="lock/a", Body=BODY, ContentMD5=md5,
                            ObjectLockMode="GOVERNANCE",
                            ObjectLockRetainUntilDate="2040-01-01T00:00:00Z")
        self.assert_no_lock(self.s3.put_object, Key="lock/a", Body=BODY, ContentMD5=md5,
                            ObjectLockLegalHoldStatus="ON")
        self.assert_no_lock(self.s3.create_multipart_upload, Key="lock/a",
                            ObjectLockLegalHoldStatus="ON")
        self.assert_absent("lock/a")
        self.assertEqual(self.s3.list_multipart_uploads(Bucket=self.bucket).get("Uploads", []), [])
        # Headers Object Lock does not define are still refused.
        status, text = self.curl("PUT", f"/{self.bucket}/lock/b", "-H",
                                 "x-amz-object-lock-token: t", data="x")
        self.assertEqual(status, 501)
        self.assert_absent("lock/b")

    # ---- server-side encryption (the modes themselves: test_s3_sse.py)

    def test_sse_variants_not_done_are_refused_and_nothing_stored(self):
        msg = self.assert_not_implemented(self.s3.put_object, Key="sse/dsse", Body=BODY,
                                          ServerSideEncryption="aws:kms:dsse")
        self.assertIn("dsse", msg)
        self.assert_absent("sse/dsse")
        # Over an existing object: the old bytes stay.
        self.put("sse/existing")
        self.assert_not_implemented(self.s3.put_object, Key="sse/existing", Body=b"new",
                                    ServerSideEncryption="aws:kms:dsse")
        self.assert_bytes("sse/existing")
        # An encryption header where no new version is written.
        status, text = self.curl("PUT", f"/{self.bucket}/sse/existing?tagging=", "-H",
                                 "x-amz-server-side-encryption: AES256",
                                 data="<Tagging><TagSet/></Tagging>")
        self.assertEqual(status, 501)
        self.assertIn("x-amz-server-side-encryption", text)
        # Appending to an encrypted object would need the bytes resealed.
        status, text = self.curl("PUT", f"/{self.bucket}/sse/app", "-H",
                                 "x-amz-server-side-encryption: AES256", "-H",
                                 "x-amz-write-offset-bytes: 0", data="abc")
        self.assertEqual(status, 501)
        self.assert_absent("sse/app")

    def test_unserved_subresources_change_nothing(self):
        self.put("sub/a")
        for method, query in [("PUT", "frobnicate="), ("PUT", "encryption="),
                              ("PUT", "renameObject="), ("POST", "restore="),
                              ("POST", "select=&select-type=2"), ("GET", "torrent="),
                              ("DELETE", "retention=&versionId=null"), ("DELETE", "legal-hold=")]:
            status, text = self.curl(method, f"/{self.bucket}/sub/a?{query}",
                                     data="<x>not the object</x>")
            self.assertEqual(status, 501, f"{method} ?{query}: {text}")
            self.assertIn("<Code>NotImplemented</Code>", text)
            self.assert_bytes("sub/a")
        for method, query in [("POST", "lifecycle="), ("DELETE", "object-lock="), ("PUT", "website="),
                              ("GET", "inventory="), ("PUT", "notification="),
                              ("GET", "replication=&x-id=GetBucketReplication")]:
            status, text = self.curl(method, f"/{self.bucket}?{query}", data="<x/>")
            self.assertEqual(status, 501, f"{method} /bucket?{query}: {text}")
        # The bucket still lists just what was stored.
        keys = [o["Key"] for o in self.s3.list_objects_v2(Bucket=self.bucket,
                                                          Prefix="sub/")["Contents"]]
        self.assertEqual(keys, ["sub/a"])

    def test_refused_before_the_body_is_read(self):
        # With Expect: 100-continue the client sends the body only when
        # invited: a refusal must come instead of the invitation.
        status, text = self.curl("PUT", f"/{self.bucket}/body/a?torrent=", "-v",
                                 "-H", "Expect: 100-continue", data="x" * 200_000)
        self.assertEqual(status, 501)
        self.assertNotIn("HTTP/1.1 100", text)
        self.assert_absent("body/a")

    def test_other_unhonoured_headers(self):
        for headers in [{"x-amz-website-redirect-location": "/elsewhere"},
                        {"x-amz-request-payer": "requester"}]:
            args = []
            for k, v in headers.items():
                args += ["-H", f"{k}: {v}"]
            status, text = self.curl("PUT", f"/{self.bucket}/hdr/a", *args, data="x")
            self.assertEqual(status, 501, json.dumps(headers))
            self.assertIn(next(iter(headers)), text)
        self.assert_absent("hdr/a")


if __name__ == "__main__":
    unittest.main()
