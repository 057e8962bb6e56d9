"""S3 access control as AWS documents it, driven by boto3, awscli and
requests/curl without credentials against a real server:

- ACL responses: grants in the order given, grantee fields and xsi:type as S3
  returns them, and no owner grant added when x-amz-grant-* headers or a body
  set the ACL (a canned ACL lists the owner's FULL_CONTROL first);
- bucket policy condition keys s3:x-amz-* (headers), s3:ExistingObjectTag/<k>,
  s3:RequestObjectTag/<k>, s3:RequestObjectTagKeys, NotPrincipal, and
  GetBucketPolicyStatus's IsPublic as the API reference defines "public";
- PublicAccessBlock (Get/Put/Delete, and BlockPublicAcls, IgnorePublicAcls,
  BlockPublicPolicy, RestrictPublicBuckets at work);
- OwnershipControls (Get/Put/Delete, x-amz-object-ownership on CreateBucket,
  BucketOwnerEnforced disabling ACLs).
"""

import json
import os
import shutil
import subprocess
import unittest
import xml.etree.ElementTree as ET

import requests
from botocore.exceptions import ClientError

from skyarray_harness import Server, admin, boto3_client

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTH_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
XSI = "{http://www.w3.org/2001/XMLSchema-instance}type"
NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"


def err_code(ctx):
    return ctx.exception.response["Error"]["Code"]


class S3AccessTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server().start()
        cls.s3 = boto3_client(cls.server)
        admin(cls.server, "user", "create", "pacs")
        key = json.loads(admin(cls.server, "--json", "key", "create", "pacs").stdout)
        cls.pacs = boto3_client(cls.server, access_key=key["access_key_id"],
                                secret_key=key["secret_access_key"])

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def url(self, bucket, key=""):
        return f"{self.server.endpoint}/{bucket}" + (f"/{key}" if key else "")

    def anon(self, method, url, data=None):
        """An unsigned request (python requests)."""
        return requests.request(method, url, data=data, timeout=60)

    def bucket(self, name, **kwargs):
        self.s3.create_bucket(Bucket=name, **kwargs)
        return name

    def policy(self, *statements):
        return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})

    def aws(self, *args, check=True):
        exe = "/usr/bin/aws" if os.path.exists("/usr/bin/aws") else shutil.which("aws")
        out = subprocess.run([exe, "--endpoint-url", self.server.endpoint, *args],
                             env=self.server.env(), capture_output=True, text=True, timeout=120)
        if check and out.returncode != 0:
            raise AssertionError(f"aws {args} failed: {out.stderr}")
        return out

    def raw_acl(self, bucket, key=None):
        """The AccessControlPolicy XML as sent (presigned GET ?acl)."""
        params = {"Bucket": bucket}
        op = "get_bucket_acl"
        if key:
            params["Key"] = key
            op = "get_object_acl"
        url = self.s3.generate_presigned_url(op, Params=params, ExpiresIn=300)
        r = requests.get(url, timeout=60)
        self.assertEqual(r.status_code, 200, r.text)
        return ET.fromstring(r.content)

    def grants(self, root):
        out = []
        for g in root.iter(NS + "Grant"):
            grantee = g.find(NS + "Grantee")
            fields = {child.tag[len(NS):]: child.text for child in grantee}
            out.append((grantee.get(XSI), fields, g.find(NS + "Permission").text))
        return out

    # ------------------------------------------------------------ ACL responses

    def test_canned_acl_lists_owner_first_then_its_grants(self):
        b = self.bucket("acl-canned", ACL="public-read-write")
        self.assertEqual(self.grants(self.raw_acl(b)), [
            ("CanonicalUser", {"ID": "root", "DisplayName": "root"}, "FULL_CONTROL"),
            ("Group", {"URI": ALL_USERS}, "READ"),
            ("Group", {"URI": ALL_USERS}, "WRITE")])
        root = self.raw_acl(b)
        self.assertEqual(root.find(NS + "Owner/" + NS + "ID").text, "root")
        self.s3.put_object(Bucket=b, Key="o", Body=b"o", ACL="authenticated-read")
        self.assertEqual(self.grants(self.raw_acl(b, "o")), [
            ("CanonicalUser", {"ID": "root", "DisplayName": "root"}, "FULL_CONTROL"),
            ("Group", {"URI": AUTH_USERS}, "READ")])
        self.s3.put_object(Bucket=b, Key="p", Body=b"p")
        self.assertEqual(self.grants(self.raw_acl(b, "p")), [
            ("CanonicalUser", {"ID": "root", "DisplayName": "root"}, "FULL_CONTROL")])

    def test_grant_headers_set_exactly_their_grants(self):
        b = self.bucket("acl-headers")
        self.s3.put_bucket_acl(Bucket=b, GrantRead=f'id="pacs", uri="{ALL_USERS}"',
                               GrantWriteACP='id="pacs"')
        # No owner FULL_CONTROL is added (S3); header order read, write-acp.
        self.assertEqual(self.grants(self.raw_acl(b)), [
            ("CanonicalUser", {"ID": "pacs", "DisplayName": "pacs"}, "READ"),
            ("Group", {"URI": ALL_USERS}, "READ"),
            ("CanonicalUser", {"ID": "pacs", "DisplayName": "pacs"}, "WRITE_ACP")])
        got = self.s3.get_bucket_acl(Bucket=b)["Grants"]
        self.assertEqual([(g["Grantee"]["Type"], g["Permission"]) for g in got],
                         [("CanonicalUser", "READ"), ("Group", "READ"),
                          ("CanonicalUser", "WRITE_ACP")])
        # The owner keeps every right without a grant.
        self.s3.put_object(Bucket=b, Key="k", Body=b"k", GrantFullControl='id="pacs"')
        self.assertEqual(self.grants(self.raw_acl(b, "k")), [
            ("CanonicalUser", {"ID": "pacs", "DisplayName": "pacs"}, "FULL_CONTROL")])
        self.assertEqual(self.s3.get_object(Bucket=b, Key="k")["Body"].read(), b"k")
        self.assertEqual(self.pacs.get_object(Bucket=b, Key="k")["Body"].read(), b"k")
        # awscli v2 reads the same.
        out = json.loads(self.aws("s3api", "get-object-acl", "--bucket", b, "--key", "k").stdout)
        self.assertEqual(out["Grants"], [{"Grantee": {"Type": "CanonicalUser", "ID": "pacs",
                                                      "DisplayName": "pacs"},
                                          "Permission": "FULL_CONTROL"}])

    def test_acl_body_is_kept_in_its_order(self):
        b = self.bucket("acl-body")
        self.s3.put_bucket_acl(Bucket=b, AccessControlPolicy={
            "Owner": {"ID": "root"},
            "Grants": [
                {"Grantee": {"Type": "Group", "URI": AUTH_USERS}, "Permission": "READ"},
                {"Grantee": {"Type": "CanonicalUser", "ID": "pacs"}, "Permission": "WRITE"},
                {"Grantee": {"Type": "CanonicalUser", "ID": "root"},
                 "Permission": "FULL_CONTROL"}]})
        self.assertEqual(self.grants(self.raw_acl(b)), [
            ("Group", {"URI": AUTH_USERS}, "READ"),
            ("CanonicalUser", {"ID": "pacs", "DisplayName": "pacs"}, "WRITE"),
            ("CanonicalUser", {"ID": "root", "DisplayName": "root"}, "FULL_CONTROL")])
        # A body without the owner's grant leaves none listed.
        self.s3.put_bucket_acl(Bucket=b, AccessControlPolicy={
            "Owner": {"ID": "root"},
            "Grants": [{"Grantee": {"Type": "CanonicalUser", "ID": "pacs"},
                        "Permission": "READ"}]})
        self.assertEqual(len(self.s3.get_bucket_acl(Bucket=b)["Grants"]), 1)
        self.server.restart()
        self.assertEqual(self.grants(self.raw_acl(b)), [
            ("CanonicalUser", {"ID": "pacs", "DisplayName": "pacs"}, "READ")])

    # ------------------------------------------------------------ policy keys

    def test_existing_object_tag_condition(self):
        b = self.bucket("teaching-cases")
        self.s3.put_object(Bucket=b, Key="case1.png", Body=b"c1", Tagging="use=teaching")
        self.s3.put_object(Bucket=b, Key="case2.png", Body=b"c2", Tagging="use=clinical")
        self.s3.put_object(Bucket=b, Key="case3.png", Body=b"c3")
        self.s3.put_bucket_policy(Bucket=b, Policy=self.policy({
            "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{b}/*",
            "Condition": {"StringEquals": {"s3:ExistingObjectTag/use": "teaching"}}}))
        self.assertEqual(self.anon("GET", self.url(b, "case1.png")).content, b"c1")
        self.assertEqual(self.anon("GET", self.url(b, "case2.png")).status_code, 403)
        self.assertEqual(self.anon("GET", self.url(b, "case3.png")).status_code, 403)
        self.s3.put_object_tagging(Bucket=b, Key="case1.png",
                                   Tagging={"TagSet": [{"Key": "use", "Value": "clinical"}]})
        self.assertEqual(self.anon("GET", self.url(b, "case1.png")).status_code, 403)

    def test_request_object_tag_conditions(self):
        b = self.bucket("tagged-intake")
        self.s3.put_bucket_policy(Bucket=b, Policy=self.policy({
            "Effect": "Allow", "Principal": {"AWS": "pacs"},
            "Action": ["s3:PutObject", "s3:PutObjectTagging"],
            "Resource": f"arn:aws:s3:::{b}/*"}, {
            "Sid": "OnlyKnownTagKeys", "Effect": "Deny", "Principal": "*",
            "Action": ["s3:PutObject", "s3:PutObjectTagging"],
            "Resource": f"arn:aws:s3:::{b}/*",
            "Condition": {"ForAnyValue:StringNotEquals": {
                "s3:RequestObjectTagKeys": ["site", "modality"]}}}, {
            "Sid": "NoResearchSite", "Effect": "Deny", "Principal": "*",
            "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{b}/*",
            "Condition": {"StringEquals": {"s3:RequestObjectTag/site": "research"}}}))
        self.pacs.put_object(Bucket=b, Key="a", Body=b"a")
        self.pacs.put_object(Bucket=b, Key="b", Body=b"b", Tagging="site=north&modality=CT")
        for tagging in ("patient=Doe", "site=research"):
            with self.assertRaises(ClientError) as c:
                self.pacs.put_object(Bucket=b, Key="c", Body=b"c", Tagging=tagging)
            self.assertEqual(err_code(c), "AccessDenied", tagging)
        # PutObjectTagging's tags come from its body.
        self.pacs.put_object_tagging(Bucket=b, Key="a",
                                     Tagging={"TagSet": [{"Key": "site", "Value": "south"}]})
        with self.assertRaises(ClientError) as c:
            self.pacs.put_object_tagging(Bucket=b, Key="a",
                                         Tagging={"TagSet": [{"Key": "patient", "Value": "x"}]})
        self.assertEqual(err_code(c), "AccessDenied")
        self.assertEqual(self.s3.get_object_tagging(Bucket=b, Key="a")["TagSet"],
                         [{"Key": "site", "Value": "south"}])
        with self.assertRaises(ClientError) as c:
            self.s3.head_object(Bucket=b, Key="c")
        self.assertEqual(c.exception.response["ResponseMetadata"]["HTTPStatusCode"], 404)

    def test_header_condition_keys(self):
        b = self.bucket("header-keys")
        self.s3.put_bucket_policy(Bucket=b, Policy=self.policy({
            "Effect": "Allow", "Principal": {"AWS": "pacs"}, "Action": "s3:PutObject",
            "Resource": f"arn:aws:s3:::{b}/*",
            "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control",
                                           "s3:x-amz-storage-class": "STANDARD_IA"}}}, {
            "Effect": "Allow", "Principal": {"AWS": "pacs"}, "Action": "s3:PutObject",
            "Resource": f"arn:aws:s3:::{b}/copies/*",
            "Condition": {"StringLike": {"s3:x-amz-copy-source": f"{b}/ok*"},
                          "StringEquals": {"s3:x-amz-metadata-directive": "REPLACE"}}}, {
            "Effect": "Allow", "Principal": {"AWS": "pacs"}, "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{b}/*"}, {
            # Encryption keys are accepted (policies about SSE are common);
            # absent from these requests, StringEquals does not hold.
            "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
            "Resource": f"arn:aws:s3:::{b}/*",
            "Condition": {"StringEquals": {
                "s3:x-amz-server-side-encryption": "aws:kms",
                "s3:x-amz-server-side-encryption-aws-kms-key-id": "k1"}}}))
        self.pacs.put_object(Bucket=b, Key="ok", Body=b"x", ACL="bucket-owner-full-control",
                             StorageClass="STANDARD_IA")
        for kwargs in ({"ACL": "bucket-owner-full-control"}, {"StorageClass": "STANDARD_IA"},
                       {"ACL": "bucket-owner-read", "StorageClass": "STANDARD_IA"}):
            with self.assertRaises(ClientError) as c:
                self.pacs.put_object(Bucket=b, Key="no", Body=b"x", **kwargs)
            self.assertEqual(err_code(c), "AccessDenied", kwargs)
        self.pacs.copy_object(Bucket=b, Key="copies/1", CopySource={"Bucket": b, "Key": "ok"},
                              MetadataDirective="REPLACE")
        with self.assertRaises(ClientError) as c:
            self.pacs.copy_object(Bucket=b, Key="copies/2", CopySource={"Bucket": b, "Key": "ok"})
        self.assertEqual(err_code(c), "AccessDenied", "COPY directive")

    def test_not_principal(self):
        b = self.bucket("not-principal")
        self.s3.put_object(Bucket=b, Key="k", Body=b"k")
        self.s3.put_bucket_policy(Bucket=b, Policy=self.policy({
            "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{b}/*"}, {
            "Effect": "Deny", "NotPrincipal": {"AWS": "arn:aws:iam::000000000000:user/pacs"},
            "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{b}/*"}))
        self.assertEqual(self.pacs.get_object(Bucket=b, Key="k")["Body"].read(), b"k")
        self.assertEqual(self.anon("GET", self.url(b, "k")).status_code, 403)
        with self.assertRaises(ClientError) as c:
            self.s3.get_object(Bucket=b, Key="k")
        self.assertEqual(err_code(c), "AccessDenied", "the Deny binds the owner too")

    def test_policy_status_is_public_as_aws_defines_it(self):
        b = self.bucket("policy-status")

        def status(*statements):
            self.s3.put_bucket_policy(Bucket=b, Policy=self.policy(*statements))
            return self.s3.get_bucket_policy_status(Bucket=b)["PolicyStatus"]["IsPublic"]

        anyone = {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                  "Resource": f"arn:aws:s3:::{b}/*"}
        self.assertTrue(status(anyone))
        self.assertFalse(status(dict(anyone, Condition={
            "StringEquals": {"aws:userid": "pacs"}})))
        self.assertFalse(status(dict(anyone, Condition={
            "IpAddress": {"aws:SourceIp": "10.1.0.0/16"}})))
        self.assertTrue(status(dict(anyone, Condition={
            "StringEquals": {"aws:PrincipalType": "User"}})))
        self.assertTrue(status({"Effect": "Allow", "NotPrincipal": {"AWS": "pacs"},
                                "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{b}/*"}))
        self.assertFalse(status({"Effect": "Allow", "Principal": {"AWS": "pacs"},
                                 "Action": "s3:*", "Resource": f"arn:aws:s3:::{b}/*"}))

    # ------------------------------------------------------------ PublicAccessBlock

    def test_public_access_block(self):
        b = self.bucket("pab-viewer")
        with self.assertRaises(ClientError) as c:
            self.s3.get_public_access_block(Bucket=b)
        self.assertEqual(err_code(c), "NoSuchPublicAccessBlockConfiguration")
        self.s3.put_object(Bucket=b, Key="open.png", Body=b"open", ACL="public-read")
        self.s3.put_bucket_policy(Bucket=b, Policy=self.policy({
            "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{b}/policy/*"}))
        self.s3.put_object(Bucket=b, Key="policy/p.png", Body=b"p")
        self.assertEqual(self.anon("GET", self.url(b, "open.png")).status_code, 200)
        self.assertEqual(self.anon("GET", self.url(b, "policy/p.png")).status_code, 200)

        # IgnorePublicAcls: the public-read object is no longer public.
        self.s3.put_public_access_block(Bucket=b, PublicAccessBlockConfiguration={
            "IgnorePublicAcls": True})
        got = self.s3.get_public_access_block(Bucket=b)["PublicAccessBlockConfiguration"]
        self.assertEqual(got, {"BlockPublicAcls": False, "IgnorePublicAcls": True,
                               "BlockPublicPolicy": False, "RestrictPublicBuckets": False})
        self.assertEqual(self.anon("GET", self.url(b, "open.png")).status_code, 403)
        self.assertEqual(self.anon("GET", self.url(b, "policy/p.png")).status_code, 200)

        # RestrictPublicBuckets: the public policy grants only the owner.
        self.s3.put_public_access_block(Bucket=b, PublicAccessBlockConfiguration={
            "IgnorePublicAcls": True, "RestrictPublicBuckets": True})
        self.assertEqual(self.anon("GET", self.url(b, "policy/p.png")).status_code, 403)
        self.assertEqual(self.s3.get_object(Bucket=b, Key="policy/p.png")["Body"].read(), b"p")

        # BlockPublicAcls and BlockPublicPolicy refuse new public grants.
        out = self.aws("s3api", "put-public-access-block", "--bucket", b,
                       "--public-access-block-configuration",
                       "BlockPublicAcls=true,IgnorePublicAcls=false,"
                       "BlockPublicPolicy=true,RestrictPublicBuckets=false")
        self.assertEqual(out.returncode, 0)
        got = json.loads(self.aws("s3api", "get-public-access-block", "--bucket", b).stdout)
        self.assertEqual(got["PublicAccessBlockConfiguration"]["BlockPublicPolicy"], True)
        for call in (lambda: self.s3.put_object(Bucket=b, Key="x", Body=b"x", ACL="public-read"),
                     lambda: self.s3.put_object_acl(Bucket=b, Key="open.png",
                                                    GrantRead=f'uri="{AUTH_USERS}"'),
                     lambda: self.s3.put_bucket_acl(Bucket=b, ACL="public-read"),
                     lambda: self.s3.put_bucket_policy(Bucket=b, Policy=self.policy({
                         "Effect": "Allow", "Principal": "*", "Action": "s3:ListBucket",
                         "Resource": f"arn:aws:s3:::{b}"}))):
            with self.assertRaises(ClientError) as c:
                call()
            self.assertEqual(err_code(c), "AccessDenied")
        self.s3.put_object(Bucket=b, Key="x", Body=b"x", ACL="private")
        self.s3.put_bucket_policy(Bucket=b, Policy=self.policy({
            "Effect": "Allow", "Principal": {"AWS": "pacs"}, "Action": "s3:ListBucket",
            "Resource": f"arn:aws:s3:::{b}"}))
        # Existing public ACLs keep working (that is IgnorePublicAcls' job).
        self.assertEqual(self.anon("GET", self.url(b, "open.png")).status_code, 200)

        self.server.restart()
        got = self.s3.get_public_access_block(Bucket=b)["PublicAccessBlockConfiguration"]
        self.assertTrue(got["BlockPublicAcls"])
        self.s3.delete_public_access_block(Bucket=b)
        with self.assertRaises(ClientError) as c:
            self.s3.get_public_access_block(Bucket=b)
        self.assertEqual(err_code(c), "NoSuchPublicAccessBlockConfiguration")
        self.s3.put_object(Bucket=b, Key="y", Body=b"y", ACL="public-read")
        # Only the owner (or a policy) manages it.
        with self.assertRaises(ClientError) as c:
            self.pacs.put_public_access_block(Bucket=b, PublicAccessBlockConfiguration={
                "BlockPublicAcls": False})
        self.assertEqual(err_code(c), "AccessDenied")

    # ------------------------------------------------------------ OwnershipControls

    def test_ownership_controls(self):
        b = self.bucket("ownership-default")
        with self.assertRaises(ClientError) as c:
            self.s3.get_bucket_ownership_controls(Bucket=b)
        self.assertEqual(err_code(c), "OwnershipControlsNotFoundError")
        self.s3.put_object(Bucket=b, Key="open", Body=b"o", ACL="public-read")
        self.assertEqual(self.anon("GET", self.url(b, "open")).status_code, 200)

        self.s3.put_bucket_ownership_controls(Bucket=b, OwnershipControls={
            "Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})
        got = self.s3.get_bucket_ownership_controls(Bucket=b)["OwnershipControls"]
        self.assertEqual(got, {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})
        # ACLs are disabled: they grant nothing and cannot be set...
        self.assertEqual(self.anon("GET", self.url(b, "open")).status_code, 403)
        for call in (lambda: self.s3.put_object(Bucket=b, Key="x", Body=b"x", ACL="public-read"),
                     lambda: self.s3.put_object(Bucket=b, Key="x", Body=b"x",
                                                GrantRead='id="pacs"'),
                     lambda: self.s3.put_bucket_acl(Bucket=b, ACL="public-read"),
                     lambda: self.s3.put_object_acl(Bucket=b, Key="open", ACL="private")):
            with self.assertRaises(ClientError) as c:
                call()
            self.assertEqual(err_code(c), "AccessControlListNotSupported")
        # ...except bucket-owner-full-control, and reads of them still work.
        self.s3.put_object(Bucket=b, Key="x", Body=b"x", ACL="bucket-owner-full-control")
        self.s3.put_object_acl(Bucket=b, Key="x", AccessControlPolicy={
            "Owner": {"ID": "root"},
            "Grants": [{"Grantee": {"Type": "CanonicalUser", "ID": "root"},
                        "Permission": "FULL_CONTROL"}]})
        self.s3.get_object_acl(Bucket=b, Key="open")
        # The writer-owns settings are not done here: refused, not pretended.
        for setting in ("ObjectWriter", "BucketOwnerPreferred"):
            with self.assertRaises(ClientError) as c:
                self.s3.put_bucket_ownership_controls(Bucket=b, OwnershipControls={
                    "Rules": [{"ObjectOwnership": setting}]})
            self.assertEqual(err_code(c), "NotImplemented")
        with self.assertRaises(ClientError) as c:
            self.s3.put_bucket_ownership_controls(Bucket=b, OwnershipControls={
                "Rules": [{"ObjectOwnership": "Nobody"}]})
        self.assertEqual(err_code(c), "MalformedXML")
        self.server.restart()
        self.assertEqual(self.anon("GET", self.url(b, "open")).status_code, 403)
        self.s3.delete_bucket_ownership_controls(Bucket=b)
        self.assertEqual(self.anon("GET", self.url(b, "open")).status_code, 200,
                         "stored ACLs count again once ACLs are enabled")

    def test_create_bucket_with_object_ownership(self):
        out = self.aws("s3api", "create-bucket", "--bucket", "enforced-at-birth",
                       "--object-ownership", "BucketOwnerEnforced")
        self.assertEqual(out.returncode, 0)
        got = json.loads(self.aws("s3api", "get-bucket-ownership-controls", "--bucket",
                                  "enforced-at-birth").stdout)
        self.assertEqual(got["OwnershipControls"]["Rules"],
                         [{"ObjectOwnership": "BucketOwnerEnforced"}])
        with self.assertRaises(ClientError) as c:
            self.s3.create_bucket(Bucket="enforced-public", ACL="public-read",
                                  ObjectOwnership="BucketOwnerEnforced")
        self.assertEqual(err_code(c), "InvalidBucketAclWithObjectOwnership")
        with self.assertRaises(ClientError) as c:
            self.s3.create_bucket(Bucket="writer-owned", ObjectOwnership="ObjectWriter")
        self.assertEqual(err_code(c), "NotImplemented")
        for name in ("enforced-public", "writer-owned"):
            with self.assertRaises(ClientError) as c:
                self.s3.head_bucket(Bucket=name)
            self.assertEqual(c.exception.response["ResponseMetadata"]["HTTPStatusCode"], 404)


if __name__ == "__main__":
    unittest.main()
