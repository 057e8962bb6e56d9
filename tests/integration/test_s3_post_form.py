"""Browser-form POST uploads (POST /bucket, multipart/form-data) as AWS
documents them, driven by boto3's generate_presigned_post with python
requests posting the form, and by curl -F: the SigV4 policy signature,
policy conditions (eq, starts-with, content-length-range, bucket, key with
${filename}, x-amz-meta-*, Content-Type), success_action_status 200/201/204
and success_action_redirect, and the documented errors (expired policy,
failed condition, extra field, bad signature, EntityTooSmall/TooLarge), none
of which stores anything.
"""

import hashlib
import json
import os
import subprocess
import tempfile
import unittest
import urllib.parse
import xml.etree.ElementTree as ET

import requests
from botocore.exceptions import ClientError

from skyarray_harness import Server, admin, boto3_client

NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"


def error_of(response):
    root = ET.fromstring(response.content)
    return root.findtext("Code"), root.findtext("Message")


class S3PostFormTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server().start()
        cls.s3 = boto3_client(cls.server)
        admin(cls.server, "user", "create", "pacs")
        key = json.loads(admin(cls.server, "--json", "key", "create", "pacs").stdout)
        cls.pacs = boto3_client(cls.server, access_key=key["access_key_id"],
                                secret_key=key["secret_access_key"])
        cls.s3.create_bucket(Bucket="intake")

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def post(self, presigned, filename="scan.dcm", data=b"DICM", extra=None, drop=(),
             content_type="application/dicom"):
        fields = dict(presigned["fields"])
        fields.update(extra or {})
        for name in drop:
            fields.pop(name, None)
        return requests.post(presigned["url"], data=fields,
                             files={"file": (filename, data, content_type)},
                             allow_redirects=False, timeout=120)

    def assert_absent(self, bucket, key):
        with self.assertRaises(ClientError) as c:
            self.s3.head_object(Bucket=bucket, Key=key)
        self.assertEqual(c.exception.response["ResponseMetadata"]["HTTPStatusCode"], 404)

    def test_presigned_post_streams_the_file_and_answers_201(self):
        payload = os.urandom(3 * 1024 * 1024 + 17)  # several pieces of the body
        p = self.s3.generate_presigned_post(
            "intake", "uploads/${filename}",
            Fields={"acl": "private", "Content-Type": "application/dicom",
                    "x-amz-meta-site": "north", "success_action_status": "201",
                    "tagging": "<Tagging><TagSet><Tag><Key>modality</Key><Value>CT</Value>"
                               "</Tag></TagSet></Tagging>"},
            Conditions=[{"acl": "private"}, {"Content-Type": "application/dicom"},
                        ["starts-with", "$x-amz-meta-site", ""],
                        {"success_action_status": "201"}, ["starts-with", "$tagging", ""],
                        ["content-length-range", 1, 16 * 1024 * 1024]],
            ExpiresIn=600)
        self.assertTrue(p["url"].endswith("/intake"), p["url"])
        r = self.post(p, filename="ct-0001.dcm", data=payload)
        self.assertEqual(r.status_code, 201, r.text)
        root = ET.fromstring(r.content)
        self.assertEqual(root.tag, "PostResponse")
        self.assertEqual(root.findtext("Bucket"), "intake")
        self.assertEqual(root.findtext("Key"), "uploads/ct-0001.dcm")
        etag = '"' + hashlib.md5(payload).hexdigest() + '"'
        self.assertEqual(root.findtext("ETag"), etag)
        self.assertTrue(root.findtext("Location").endswith("/intake/uploads/ct-0001.dcm"))
        self.assertEqual(r.headers["ETag"], etag)

        got = self.s3.get_object(Bucket="intake", Key="uploads/ct-0001.dcm")
        self.assertEqual(got["Body"].read(), payload)
        self.assertEqual(got["ContentType"], "application/dicom")
        self.assertEqual(got["Metadata"], {"site": "north"})
        self.assertEqual(self.s3.get_object_tagging(Bucket="intake", Key="uploads/ct-0001.dcm")
                         ["TagSet"], [{"Key": "modality", "Value": "CT"}])

    def test_success_action_status_and_redirect(self):
        p = self.s3.generate_presigned_post("intake", "status/default", ExpiresIn=600)
        r = self.post(p)
        self.assertEqual(r.status_code, 204, r.text)
        self.assertEqual(r.content, b"")
        self.assertTrue(r.headers["Location"].endswith("/intake/status/default"))

        p = self.s3.generate_presigned_post("intake", "status/ok",
                                            Fields={"success_action_status": "200"},
                                            Conditions=[{"success_action_status": "200"}])
        self.assertEqual(self.post(p).status_code, 200)

        target = "https://viewer.hospital.example/done?study=7"
        p = self.s3.generate_presigned_post("intake", "status/redirect",
                                            Fields={"success_action_redirect": target},
                                            Conditions=[{"success_action_redirect": target}])
        r = self.post(p, data=b"redirected")
        self.assertEqual(r.status_code, 303, r.text)
        location = urllib.parse.urlparse(r.headers["Location"])
        self.assertEqual(location.netloc, "viewer.hospital.example")
        q = urllib.parse.parse_qs(location.query)
        self.assertEqual(q["study"], ["7"])
        self.assertEqual(q["bucket"], ["intake"])
        self.assertEqual(q["key"], ["status/redirect"])
        self.assertEqual(q["etag"], ['"' + hashlib.md5(b"redirected").hexdigest() + '"'])
        self.assertEqual(self.s3.get_object(Bucket="intake", Key="status/redirect")["Body"].read(),
                         b"redirected")

    def test_policy_refusals_store_nothing(self):
        def denied(r, message):
            self.assertEqual(r.status_code, 403, r.text)
            self.assertEqual(error_of(r), ("AccessDenied", message))

        expired = self.s3.generate_presigned_post("intake", "refused/expired", ExpiresIn=-60)
        denied(self.post(expired), "Invalid according to Policy: Policy expired.")
        self.assert_absent("intake", "refused/expired")

        p = self.s3.generate_presigned_post(
            "intake", "refused/${filename}", Fields={"Content-Type": "application/dicom"},
            Conditions=[{"Content-Type": "application/dicom"},
                        ["content-length-range", 10, 1000]])
        denied(self.post(p, extra={"key": "elsewhere/x"}),
               'Invalid according to Policy: Policy Condition failed: '
               '["starts-with", "$key", "refused/"]')
        denied(self.post(p, extra={"Content-Type": "text/plain"}),
               'Invalid according to Policy: Policy Condition failed: '
               '["eq", "$Content-Type", "application/dicom"]')
        denied(self.post(p, extra={"x-amz-meta-patient": "Doe"}),
               "Invalid according to Policy: Extra input fields: x-amz-meta-patient")
        r = self.post(p, filename="big.dcm", data=b"x" * 1001)
        self.assertEqual((r.status_code, error_of(r)[0]), (400, "EntityTooLarge"), r.text)
        r = self.post(p, filename="small.dcm", data=b"x" * 9)
        self.assertEqual((r.status_code, error_of(r)[0]), (400, "EntityTooSmall"), r.text)
        self.assert_absent("intake", "refused/big.dcm")
        self.assert_absent("intake", "refused/small.dcm")
        self.assertEqual(self.post(p, filename="fits.dcm", data=b"x" * 10).status_code, 204)

        sig = p["fields"]["x-amz-signature"]
        forged = ("0" if sig[0] != "0" else "1") + sig[1:]
        r = self.post(p, extra={"x-amz-signature": forged})
        self.assertEqual((r.status_code, error_of(r)[0]), (403, "SignatureDoesNotMatch"), r.text)
        r = self.post(p, drop=("key",))
        self.assertEqual((r.status_code, error_of(r)[0]), (400, "InvalidArgument"), r.text)
        r = requests.post(p["url"], data=p["fields"], timeout=60)  # no file
        self.assertEqual(r.status_code, 400, r.text)
        self.assert_absent("intake", "refused/scan.dcm")

    def test_signer_needs_put_permission(self):
        # pacs signs a valid policy for a bucket it has no right to write.
        p = self.pacs.generate_presigned_post("intake", "from-pacs/${filename}")
        r = self.post(p)
        self.assertEqual((r.status_code, error_of(r)[0]), (403, "AccessDenied"), r.text)
        self.s3.put_bucket_policy(Bucket="intake", Policy=json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"AWS": "pacs"}, "Action": "s3:PutObject",
                "Resource": "arn:aws:s3:::intake/from-pacs/*"}]}))
        try:
            self.assertEqual(self.post(p).status_code, 204)
            self.assertEqual(self.s3.get_object(Bucket="intake", Key="from-pacs/scan.dcm")
                             ["Body"].read(), b"DICM")
        finally:
            self.s3.delete_bucket_policy(Bucket="intake")

    def test_curl_anonymous_form(self):
        self.s3.create_bucket(Bucket="public-drop")
        url = f"{self.server.endpoint}/public-drop"
        with tempfile.NamedTemporaryFile(suffix=".txt") as f:
            f.write(b"anonymous report")
            f.flush()

            def curl(*fields):
                args = ["curl", "-sS", "-o", "-", "-w", "\n%{http_code}"]
                for field in fields:
                    args += ["-F", field]
                out = subprocess.run(args + [url], capture_output=True, text=True, timeout=60)
                self.assertEqual(out.returncode, 0, out.stderr)
                body, _, status = out.stdout.rpartition("\n")
                return int(status), body

            status, body = curl("key=drop/${filename}", f"file=@{f.name}")
            self.assertEqual(status, 403, body)
            self.assertIn("<Code>AccessDenied</Code>", body)
            self.s3.put_bucket_policy(Bucket="public-drop", Policy=json.dumps({
                "Version": "2012-10-17", "Statement": [{
                    "Effect": "Allow", "Principal": "*", "Action": "s3:PutObject",
                    "Resource": "arn:aws:s3:::public-drop/drop/*"}]}))
            status, body = curl("key=drop/${filename}", "success_action_status=201",
                                f"file=@{f.name}")
            self.assertEqual(status, 201, body)
            name = os.path.basename(f.name)
            self.assertIn(f"<Key>drop/{name}</Key>", body)
            self.assertEqual(self.s3.get_object(Bucket="public-drop", Key=f"drop/{name}")
                             ["Body"].read(), b"anonymous report")
            status, body = curl("key=elsewhere/x", f"file=@{f.name}")
            self.assertEqual(status, 403, body)
            # Encryption asked through the form is refused, not ignored.
            status, body = curl("key=drop/enc", "x-amz-server-side-encryption=AES256",
                                f"file=@{f.name}")
            self.assertEqual(status, 501, body)
            self.assert_absent("public-drop", "drop/enc")


if __name__ == "__main__":
    unittest.main()
