"""Bucket policies and ACLs end to end: boto3, awscli and curl without
credentials against a real server.

The hospital cases: a public viewer bucket (anonymous GET), a modality's
bucket shared read-only with the PACS user on one prefix, a write-only drop
box, an explicit Deny that binds even the owner, a SourceIp condition, and
canned/granted ACLs on buckets and objects.
"""

import json
import os
import shutil
import subprocess
import tempfile
import unittest

from botocore.exceptions import ClientError

from skyarray_harness import Server, admin, boto3_client

PACS_ARN = "arn:aws:iam::000000000000:user/pacs"


def err_code(ctx):
    return ctx.exception.response["Error"]["Code"]


def curl(url, *args, method="GET", data=None):
    """Anonymous HTTP request with curl; returns (status, body)."""
    cmd = ["curl", "-sS", "-o", "-", "-w", "\n%{http_code}", "-X", method, *args]
    if data is not None:
        cmd += ["--data-binary", data, "-H", "Content-Type: application/octet-stream"]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        raise AssertionError(f"curl failed: {out.stderr}")
    body, _, status = out.stdout.rpartition("\n")
    return int(status), body


class S3PolicyTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server().start()
        cls.s3 = boto3_client(cls.server)
        admin(cls.server, "user", "create", "pacs")
        key = json.loads(admin(cls.server, "--json", "key", "create", "pacs").stdout)
        cls.pacs_key = (key["access_key_id"], key["secret_access_key"])
        cls.pacs = boto3_client(cls.server, access_key=key["access_key_id"],
                                secret_key=key["secret_access_key"])
        cls.tmp = tempfile.mkdtemp(prefix="skyarray-policy-")

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def url(self, bucket, key=""):
        return f"{self.server.endpoint}/{bucket}" + (f"/{key}" if key else "")

    def bucket(self, name, **kwargs):
        self.s3.create_bucket(Bucket=name, **kwargs)
        return name

    def policy(self, bucket, *statements):
        return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})

    def aws(self, *args, check=True):
        """Debian's awscli v2 (the current v1 when it is absent)."""
        exe = "/usr/bin/aws" if os.path.exists("/usr/bin/aws") else shutil.which("aws")
        out = subprocess.run([exe, "--endpoint-url", self.server.endpoint, *args],
                             env=self.server.env(), capture_output=True, text=True, timeout=120)
        if check and out.returncode != 0:
            raise AssertionError(f"aws {args} failed: {out.stderr}")
        return out

    # ------------------------------------------------------------ anonymous

    def test_anonymous_refused_by_default(self):
        b = self.bucket("private-studies")
        self.s3.put_object(Bucket=b, Key="a.dcm", Body=b"DICM")
        for method, url in [("GET", self.url(b, "a.dcm")), ("HEAD", self.url(b, "a.dcm")),
                            ("GET", self.url(b)), ("PUT", self.url(b, "new.dcm")),
                            ("DELETE", self.url(b, "a.dcm")), ("GET", self.url(b) + "?acl"),
                            ("GET", self.url(b) + "?policy"), ("PUT", self.url("anon-bucket")),
                            ("GET", self.server.endpoint + "/")]:
            args = ["-I"] if method == "HEAD" else []
            status, body = curl(url, *args, method=method, data="x" if method == "PUT" else None)
            self.assertEqual(status, 403, f"{method} {url}: {body}")
            if method != "HEAD":
                self.assertIn("<Code>AccessDenied</Code>", body)
        self.assertEqual(self.s3.get_object(Bucket=b, Key="a.dcm")["Body"].read(), b"DICM")
        # A missing bucket is reported as such, signed or not.
        status, body = curl(self.url("no-such-bucket-here", "k"))
        self.assertEqual(status, 404)
        self.assertIn("NoSuchBucket", body)

    def test_public_read_policy_via_awscli(self):
        b = self.bucket("public-viewer")
        self.s3.put_object(Bucket=b, Key="atlas/brain.png", Body=b"PNG-brain")
        policy = self.policy(b, {
            "Sid": "PublicRead", "Effect": "Allow", "Principal": "*",
            "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{b}/*"})
        path = os.path.join(self.tmp, "public.json")
        with open(path, "w") as f:
            f.write(policy)
        self.aws("s3api", "put-bucket-policy", "--bucket", b, "--policy", f"file://{path}")
        got = json.loads(self.aws("s3api", "get-bucket-policy", "--bucket", b).stdout)
        self.assertEqual(json.loads(got["Policy"]), json.loads(policy))
        status = json.loads(self.aws("s3api", "get-bucket-policy-status", "--bucket", b).stdout)
        self.assertTrue(status["PolicyStatus"]["IsPublic"])

        status, body = curl(self.url(b, "atlas/brain.png"))
        self.assertEqual((status, body), (200, "PNG-brain"))
        status, _ = curl(self.url(b, "atlas/brain.png"), "-I", method="HEAD")
        self.assertEqual(status, 200)
        status, body = curl(self.url(b, "atlas/missing.png"))
        self.assertEqual(status, 404, body)
        # Not PUT, not LIST, not DELETE, not the policy itself.
        status, body = curl(self.url(b, "atlas/evil.png"), method="PUT", data="x")
        self.assertEqual(status, 403, body)
        status, body = curl(self.url(b) + "?list-type=2")
        self.assertEqual(status, 403, body)
        status, body = curl(self.url(b, "atlas/brain.png"), method="DELETE")
        self.assertEqual(status, 403, body)
        status, body = curl(self.url(b) + "?policy")
        self.assertEqual(status, 403, body)
        self.assertEqual(self.s3.get_object(Bucket=b, Key="atlas/brain.png")["Body"].read(),
                         b"PNG-brain")
        # Another user is "anyone" too, but only for GetObject.
        self.assertEqual(self.pacs.get_object(Bucket=b, Key="atlas/brain.png")["Body"].read(),
                         b"PNG-brain")
        with self.assertRaises(ClientError) as c:
            self.pacs.put_object(Bucket=b, Key="x", Body=b"y")
        self.assertEqual(err_code(c), "AccessDenied")

        # Allowing listing opens it; deleting the policy closes everything.
        self.s3.put_bucket_policy(Bucket=b, Policy=self.policy(b, {
            "Effect": "Allow", "Principal": "*", "Action": ["s3:GetObject", "s3:ListBucket"],
            "Resource": [f"arn:aws:s3:::{b}", f"arn:aws:s3:::{b}/*"]}))
        status, body = curl(self.url(b) + "?list-type=2")
        self.assertEqual(status, 200, body)
        self.assertIn("<Key>atlas/brain.png</Key>", body)
        self.aws("s3api", "delete-bucket-policy", "--bucket", b)
        status, _ = curl(self.url(b, "atlas/brain.png"))
        self.assertEqual(status, 403)
        with self.assertRaises(ClientError) as c:
            self.s3.get_bucket_policy(Bucket=b)
        self.assertEqual(err_code(c), "NoSuchBucketPolicy")

    # ------------------------------------------------------------ other users

    def test_second_user_reads_one_prefix_only(self):
        b = self.bucket("modality-ct")
        self.s3.put_object(Bucket=b, Key="ct/2026/1.dcm", Body=b"CT1")
        self.s3.put_object(Bucket=b, Key="mr/2026/1.dcm", Body=b"MR1")
        self.s3.put_bucket_policy(Bucket=b, Policy=self.policy(b, {
            "Sid": "PacsReadsCt", "Effect": "Allow", "Principal": {"AWS": [PACS_ARN]},
            "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{b}/ct/*"}, {
            "Sid": "PacsListsCt", "Effect": "Allow", "Principal": {"AWS": "pacs"},
            "Action": "s3:ListBucket", "Resource": f"arn:aws:s3:::{b}",
            "Condition": {"StringLike": {"s3:prefix": "ct/*"}}}))
        self.assertFalse(self.s3.get_bucket_policy_status(Bucket=b)["PolicyStatus"]["IsPublic"])

        self.assertEqual(self.pacs.get_object(Bucket=b, Key="ct/2026/1.dcm")["Body"].read(), b"CT1")
        self.pacs.head_object(Bucket=b, Key="ct/2026/1.dcm")
        listed = self.pacs.list_objects_v2(Bucket=b, Prefix="ct/")
        self.assertEqual([o["Key"] for o in listed["Contents"]], ["ct/2026/1.dcm"])
        self.assertEqual(listed["Contents"][0].get("Owner", {}).get("ID", "root"), "root")
        with self.assertRaises(ClientError) as c:
            self.pacs.get_object(Bucket=b, Key="mr/2026/1.dcm")
        self.assertEqual(err_code(c), "AccessDenied")
        with self.assertRaises(ClientError) as c:
            self.pacs.list_objects_v2(Bucket=b)
        self.assertEqual(err_code(c), "AccessDenied")
        with self.assertRaises(ClientError) as c:
            self.pacs.list_objects_v2(Bucket=b, Prefix="mr/")
        self.assertEqual(err_code(c), "AccessDenied")
        with self.assertRaises(ClientError) as c:
            self.pacs.put_object(Bucket=b, Key="ct/2026/2.dcm", Body=b"forged")
        self.assertEqual(err_code(c), "AccessDenied")
        with self.assertRaises(ClientError) as c:
            self.pacs.delete_object(Bucket=b, Key="ct/2026/1.dcm")
        self.assertEqual(err_code(c), "AccessDenied")
        with self.assertRaises(ClientError) as c:
            self.pacs.get_bucket_policy(Bucket=b)
        self.assertEqual(err_code(c), "AccessDenied")
        with self.assertRaises(ClientError) as c:
            self.pacs.put_bucket_policy(Bucket=b, Policy=self.policy(b, {
                "Effect": "Allow", "Principal": "*", "Action": "s3:*",
                "Resource": f"arn:aws:s3:::{b}/*"}))
        self.assertEqual(err_code(c), "AccessDenied")
        self.assertNotIn(b, [x["Name"] for x in self.pacs.list_buckets()["Buckets"]])

        # A server-side copy needs read on the source: ct/ yes, mr/ no.
        own = "pacs-cache"
        self.pacs.create_bucket(Bucket=own)
        self.pacs.copy_object(Bucket=own, Key="c.dcm", CopySource={"Bucket": b, "Key": "ct/2026/1.dcm"})
        self.assertEqual(self.pacs.get_object(Bucket=own, Key="c.dcm")["Body"].read(), b"CT1")
        with self.assertRaises(ClientError) as c:
            self.pacs.copy_object(Bucket=own, Key="m.dcm",
                                  CopySource={"Bucket": b, "Key": "mr/2026/1.dcm"})
        self.assertEqual(err_code(c), "AccessDenied")
        # ...and the root user gets nothing of the pacs bucket either.
        with self.assertRaises(ClientError) as c:
            self.s3.get_object(Bucket=own, Key="c.dcm")
        self.assertEqual(err_code(c), "AccessDenied")

        # A presigned URL of the pacs user carries its rights, no more.
        pacs_url = self.pacs.generate_presigned_url(
            "get_object", Params={"Bucket": b, "Key": "ct/2026/1.dcm"}, ExpiresIn=300)
        self.assertEqual(curl(pacs_url), (200, "CT1"))
        denied_url = self.pacs.generate_presigned_url(
            "get_object", Params={"Bucket": b, "Key": "mr/2026/1.dcm"}, ExpiresIn=300)
        self.assertEqual(curl(denied_url)[0], 403)

    def test_write_only_drop_box(self):
        b = self.bucket("lab-dropbox")
        self.s3.put_bucket_policy(Bucket=b, Policy=self.policy(b, {
            "Effect": "Allow", "Principal": {"AWS": PACS_ARN},
            "Action": ["s3:PutObject", "s3:AbortMultipartUpload"],
            "Resource": f"arn:aws:s3:::{b}/incoming/*"}))
        self.pacs.put_object(Bucket=b, Key="incoming/r1.pdf", Body=b"report-1")
        # Multipart works too (create, part, complete are all PutObject).
        up = self.pacs.create_multipart_upload(Bucket=b, Key="incoming/big.bin")
        part = self.pacs.upload_part(Bucket=b, Key="incoming/big.bin", UploadId=up["UploadId"],
                                     PartNumber=1, Body=b"z" * 1024)
        self.pacs.complete_multipart_upload(
            Bucket=b, Key="incoming/big.bin", UploadId=up["UploadId"],
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
        # The depositor can neither read back nor list nor overwrite elsewhere.
        with self.assertRaises(ClientError) as c:
            self.pacs.get_object(Bucket=b, Key="incoming/r1.pdf")
        self.assertEqual(err_code(c), "AccessDenied")
        with self.assertRaises(ClientError) as c:
            self.pacs.list_objects_v2(Bucket=b, Prefix="incoming/")
        self.assertEqual(err_code(c), "AccessDenied")
        with self.assertRaises(ClientError) as c:
            self.pacs.put_object(Bucket=b, Key="other/r1.pdf", Body=b"x")
        self.assertEqual(err_code(c), "AccessDenied")
        # The bucket owner owns what was dropped, and reads it.
        self.assertEqual(self.s3.get_object(Bucket=b, Key="incoming/r1.pdf")["Body"].read(),
                         b"report-1")
        listed = self.s3.list_objects(Bucket=b)["Contents"]
        self.assertEqual({o["Key"] for o in listed}, {"incoming/r1.pdf", "incoming/big.bin"})
        self.assertEqual({o["Owner"]["ID"] for o in listed}, {"root"})
        acl = self.s3.get_object_acl(Bucket=b, Key="incoming/r1.pdf")
        self.assertEqual(acl["Owner"]["ID"], "root")
        # Anonymous writers are refused.
        status, _ = curl(self.url(b, "incoming/anon.pdf"), method="PUT", data="x")
        self.assertEqual(status, 403)

    def test_delete_objects_is_decided_per_key(self):
        b = self.bucket("per-key-delete")
        for k in ("tmp/a", "tmp/b", "keep/c"):
            self.s3.put_object(Bucket=b, Key=k, Body=b"1")
        self.s3.put_bucket_policy(Bucket=b, Policy=self.policy(b, {
            "Effect": "Allow", "Principal": {"AWS": "pacs"}, "Action": "s3:DeleteObject",
            "Resource": f"arn:aws:s3:::{b}/tmp/*"}))
        out = self.pacs.delete_objects(Bucket=b, Delete={"Objects": [
            {"Key": "tmp/a"}, {"Key": "keep/c"}, {"Key": "tmp/b"}]})
        self.assertEqual(sorted(d["Key"] for d in out.get("Deleted", [])), ["tmp/a", "tmp/b"])
        self.assertEqual([(e["Key"], e["Code"]) for e in out.get("Errors", [])],
                         [("keep/c", "AccessDenied")])
        self.assertEqual([o["Key"] for o in self.s3.list_objects_v2(Bucket=b)["Contents"]],
                         ["keep/c"])

    # ------------------------------------------------------------ deny, conditions

    def test_explicit_deny_overrides_owner(self):
        b = self.bucket("retained-studies")
        self.s3.put_object(Bucket=b, Key="s.dcm", Body=b"keep me")
        self.s3.put_bucket_policy(Bucket=b, Policy=self.policy(b, {
            "Effect": "Allow", "Principal": {"AWS": "root"}, "Action": "s3:*",
            "Resource": [f"arn:aws:s3:::{b}", f"arn:aws:s3:::{b}/*"]}, {
            "Sid": "NoDeletes", "Effect": "Deny", "Principal": "*",
            "Action": ["s3:DeleteObject", "s3:DeleteObjectVersion"],
            "Resource": f"arn:aws:s3:::{b}/*"}))
        with self.assertRaises(ClientError) as c:
            self.s3.delete_object(Bucket=b, Key="s.dcm")
        self.assertEqual(err_code(c), "AccessDenied")
        out = self.s3.delete_objects(Bucket=b, Delete={"Objects": [{"Key": "s.dcm"}]})
        self.assertEqual([e["Code"] for e in out.get("Errors", [])], ["AccessDenied"])
        self.assertEqual(self.s3.get_object(Bucket=b, Key="s.dcm")["Body"].read(), b"keep me")
        self.s3.put_object(Bucket=b, Key="t.dcm", Body=b"other actions still work")
        # The owner can always manage the policy, so it cannot lock itself out.
        self.s3.get_bucket_policy(Bucket=b)
        self.s3.delete_bucket_policy(Bucket=b)
        self.s3.delete_object(Bucket=b, Key="s.dcm")
        with self.assertRaises(ClientError) as c:
            self.s3.head_object(Bucket=b, Key="s.dcm")
        self.assertEqual(c.exception.response["ResponseMetadata"]["HTTPStatusCode"], 404)

    def test_source_ip_condition(self):
        b = self.bucket("ward-display")
        self.s3.put_object(Bucket=b, Key="board.html", Body=b"beds")
        self.s3.put_bucket_policy(Bucket=b, Policy=self.policy(b, {
            "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{b}/*",
            "Condition": {"IpAddress": {"aws:SourceIp": "127.0.0.1/32"}}}))
        self.assertFalse(self.s3.get_bucket_policy_status(Bucket=b)["PolicyStatus"]["IsPublic"])
        self.assertEqual(curl(self.url(b, "board.html"), "--interface", "127.0.0.1"),
                         (200, "beds"))
        status, body = curl(self.url(b, "board.html"), "--interface", "127.0.0.2")
        self.assertEqual(status, 403, body)
        # A Deny on everyone outside a range binds the owner too.
        self.s3.put_bucket_policy(Bucket=b, Policy=self.policy(b, {
            "Effect": "Deny", "Principal": "*", "Action": "s3:*",
            "Resource": [f"arn:aws:s3:::{b}", f"arn:aws:s3:::{b}/*"],
            "Condition": {"NotIpAddress": {"aws:SourceIp": ["10.0.0.0/8"]}}}))
        with self.assertRaises(ClientError) as c:
            self.s3.get_object(Bucket=b, Key="board.html")
        self.assertEqual(err_code(c), "AccessDenied")
        self.s3.delete_bucket_policy(Bucket=b)
        self.s3.get_object(Bucket=b, Key="board.html")

    def test_malformed_policy(self):
        b = self.bucket("policy-checks")
        cases = [
            ("{not json", "JSON"),
            (json.dumps({"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": "*", "Action": "s3:GetObjects",
                "Resource": f"arn:aws:s3:::{b}/*"}]}), "invalid action"),
            (json.dumps({"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::someone-elses/*"}]}), "invalid resource"),
            (json.dumps({"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{b}/*"}]}), "Principal"),
            (json.dumps({"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{b}/*",
                "Condition": {"IpAddress": {"aws:SourceIp": "999.1.1.1"}}}]}), "IP"),
        ]
        for text, why in cases:
            with self.assertRaises(ClientError, msg=text) as c:
                self.s3.put_bucket_policy(Bucket=b, Policy=text)
            self.assertEqual(err_code(c), "MalformedPolicy", text)
            self.assertEqual(c.exception.response["ResponseMetadata"]["HTTPStatusCode"], 400)
            self.assertIn(why, c.exception.response["Error"]["Message"])
        out = self.aws("s3api", "put-bucket-policy", "--bucket", b, "--policy",
                       '{"Statement":[{"Effect":"Maybe"}]}', check=False)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("MalformedPolicy", out.stderr)
        with self.assertRaises(ClientError) as c:
            self.s3.get_bucket_policy(Bucket=b)
        self.assertEqual(err_code(c), "NoSuchBucketPolicy", "nothing was stored")

    # ------------------------------------------------------------ ACLs

    def test_object_acl_public_read(self):
        b = self.bucket("teaching-files")
        self.s3.put_object(Bucket=b, Key="open.png", Body=b"open", ACL="public-read")
        self.s3.put_object(Bucket=b, Key="closed.png", Body=b"closed")
        self.assertEqual(curl(self.url(b, "open.png")), (200, "open"))
        self.assertEqual(curl(self.url(b, "closed.png"))[0], 403)
        # The object ACL does not open writes or listing.
        self.assertEqual(curl(self.url(b, "open.png"), method="PUT", data="x")[0], 403)
        self.assertEqual(curl(self.url(b))[0], 403)
        acl = self.s3.get_object_acl(Bucket=b, Key="open.png")
        grants = {(g["Grantee"].get("URI") or g["Grantee"].get("ID"), g["Permission"])
                  for g in acl["Grants"]}
        self.assertEqual(grants, {("root", "FULL_CONTROL"),
                                  ("http://acs.amazonaws.com/groups/global/AllUsers", "READ")})
        self.s3.put_object_acl(Bucket=b, Key="open.png", ACL="private")
        self.assertEqual(curl(self.url(b, "open.png"))[0], 403)
        self.s3.put_object_acl(Bucket=b, Key="closed.png", ACL="public-read")
        self.assertEqual(curl(self.url(b, "closed.png")), (200, "closed"))
        # A copy gets the ACL of its request, not its source's.
        self.s3.copy_object(Bucket=b, Key="copy.png", CopySource={"Bucket": b, "Key": "closed.png"})
        self.assertEqual(curl(self.url(b, "copy.png"))[0], 403)
        self.s3.copy_object(Bucket=b, Key="copy2.png", ACL="public-read",
                            CopySource={"Bucket": b, "Key": "open.png"})
        self.assertEqual(curl(self.url(b, "copy2.png")), (200, "open"))
        # An overwrite without an ACL is private again.
        self.s3.put_object(Bucket=b, Key="closed.png", Body=b"v2")
        self.assertEqual(curl(self.url(b, "closed.png"))[0], 403)

    def test_bucket_acl_grants(self):
        b = self.bucket("shared-reports", ACL="public-read")
        acl = self.s3.get_bucket_acl(Bucket=b)
        self.assertEqual(acl["Owner"]["ID"], "root")
        grants = {(g["Grantee"]["Type"], g["Grantee"].get("URI") or g["Grantee"].get("ID"),
                   g["Permission"]) for g in acl["Grants"]}
        self.assertEqual(grants, {
            ("CanonicalUser", "root", "FULL_CONTROL"),
            ("Group", "http://acs.amazonaws.com/groups/global/AllUsers", "READ")})
        self.s3.put_object(Bucket=b, Key="r.txt", Body=b"r")
        status, body = curl(self.url(b) + "?list-type=2")  # bucket READ = list
        self.assertEqual(status, 200, body)
        self.assertIn("<Key>r.txt</Key>", body)
        self.assertEqual(curl(self.url(b, "r.txt"))[0], 403, "bucket READ does not open objects")

        # Grant WRITE to pacs through an AccessControlPolicy body.
        self.s3.put_bucket_acl(Bucket=b, AccessControlPolicy={
            "Owner": {"ID": "root"},
            "Grants": [
                {"Grantee": {"Type": "CanonicalUser", "ID": "root"}, "Permission": "FULL_CONTROL"},
                {"Grantee": {"Type": "CanonicalUser", "ID": "pacs"}, "Permission": "WRITE"},
                {"Grantee": {"Type": "CanonicalUser", "ID": "pacs"}, "Permission": "READ_ACP"}]})
        self.assertEqual(curl(self.url(b) + "?list-type=2")[0], 403, "AllUsers READ was replaced")
        self.pacs.put_object(Bucket=b, Key="from-pacs.txt", Body=b"p")
        acl = self.pacs.get_bucket_acl(Bucket=b)
        self.assertIn(("pacs", "WRITE"),
                      {(g["Grantee"].get("ID"), g["Permission"]) for g in acl["Grants"]})
        with self.assertRaises(ClientError) as c:
            self.pacs.put_bucket_acl(Bucket=b, ACL="public-read-write")
        self.assertEqual(err_code(c), "AccessDenied")
        with self.assertRaises(ClientError) as c:
            self.pacs.list_objects_v2(Bucket=b)
        self.assertEqual(err_code(c), "AccessDenied")

        # x-amz-grant-* headers; both kinds at once are refused.
        self.s3.put_bucket_acl(Bucket=b, GrantRead='id="pacs"')
        self.assertEqual([o["Key"] for o in self.pacs.list_objects_v2(Bucket=b)["Contents"]],
                         ["from-pacs.txt", "r.txt"])
        with self.assertRaises(ClientError) as c:
            self.pacs.put_object(Bucket=b, Key="again.txt", Body=b"p")
        self.assertEqual(err_code(c), "AccessDenied", "the READ grant replaced the WRITE grant")
        with self.assertRaises(ClientError) as c:
            self.s3.put_bucket_acl(Bucket=b, ACL="private", GrantRead='id="pacs"')
        self.assertEqual(err_code(c), "InvalidRequest")
        with self.assertRaises(ClientError) as c:
            self.s3.put_bucket_acl(Bucket=b, ACL="everyone-please")
        self.assertEqual(err_code(c), "InvalidArgument")
        with self.assertRaises(ClientError) as c:
            self.s3.put_bucket_acl(Bucket=b, GrantRead='emailAddress="a@b.org"')
        self.assertEqual(err_code(c), "UnresolvableGrantByEmailAddress")

        # awscli reads the grants the same way.
        out = json.loads(self.aws("s3api", "get-bucket-acl", "--bucket", b).stdout)
        self.assertIn({"Grantee": {"Type": "CanonicalUser", "ID": "pacs", "DisplayName": "pacs"},
                       "Permission": "READ"}, out["Grants"])

    def test_acls_and_policies_survive_restart(self):
        b = self.bucket("durable-acl")
        self.s3.put_object(Bucket=b, Key="o", Body=b"o", ACL="public-read")
        self.s3.put_bucket_policy(Bucket=b, Policy=self.policy(b, {
            "Effect": "Allow", "Principal": "*", "Action": "s3:ListBucket",
            "Resource": f"arn:aws:s3:::{b}"}))
        self.server.restart()
        self.assertEqual(curl(self.url(b, "o")), (200, "o"))
        self.assertEqual(curl(self.url(b) + "?list-type=2")[0], 200)


if __name__ == "__main__":
    unittest.main()
