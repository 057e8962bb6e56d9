"""S3 Object Lock (15-year WORM) against a real array, driven by boto3
(Debian's 1.26), Debian's awscli v2 and curl:

- CreateBucket with Object Lock turns versioning on for good; the lock
  configuration's default retention (Days/Years) goes to every new version;
- COMPLIANCE: nobody, root (the bucket owner) included, deletes the version
  or shortens, removes or softens its retention before the date; extending
  works; a DELETE without a version id only adds a delete marker;
- GOVERNANCE: removed or shortened only with x-amz-bypass-governance-retention
  and s3:BypassGovernanceRetention (the owner has it; another user only by a
  policy Allow);
- legal hold blocks deletion until it is turned off;
- DeleteObjects answers AccessDenied for the locked key only; a bucket
  holding locked versions cannot be deleted;
- lock headers on PutObject, CopyObject, CreateMultipartUpload, and on GET/HEAD;
- the lock survives kill -9; moving the retention clock (config
  `[objects] retention_clock_offset`) past the date makes deletion allowed;
- cloud tier: the cloud copy of a locked version is not deleted when a
  delete marker hides it, the cloud copy carries the lock, and a restore on
  an empty array brings every version back with its lock.
"""

import base64
import datetime
import hashlib
import json
import os
import subprocess
import time
import unittest

from botocore.exceptions import ClientError

from cloud_helpers import add_target, admin, status, wait_drained
from skyarray_harness import Server, boto3_client

DEBIAN_AWS = "/usr/bin/aws"
UTC = datetime.timezone.utc
Y2045 = datetime.datetime(2045, 1, 1, tzinfo=UTC)
Y2099 = datetime.datetime(2099, 1, 1, tzinfo=UTC)


def err(ctx):
    r = ctx.exception.response
    return r["Error"]["Code"], r["ResponseMetadata"]["HTTPStatusCode"]


def md5(body):
    return base64.b64encode(hashlib.md5(body).digest()).decode()


def locked_put(s3, bucket, key, body, mode=None, until=None, hold=None):
    kwargs = {"Bucket": bucket, "Key": key, "Body": body, "ContentMD5": md5(body)}
    if mode:
        kwargs.update(ObjectLockMode=mode, ObjectLockRetainUntilDate=until)
    if hold:
        kwargs["ObjectLockLegalHoldStatus"] = hold
    return s3.put_object(**kwargs)["VersionId"]


class ObjectLockTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server().start()
        cls.s3 = boto3_client(cls.server)
        cls.s3.create_bucket(Bucket="vault", ObjectLockEnabledForBucket=True)

    @classmethod
    def tearDownClass(cls):
        code = cls.server.stop()
        if code != 0:
            print(cls.server.log()[-5000:])
        assert code == 0, f"server exit code {code}"

    def assert_denied(self, call, **kwargs):
        with self.assertRaises(ClientError) as c:
            call(**kwargs)
        self.assertEqual(err(c), ("AccessDenied", 403))

    def test_bucket_with_object_lock_is_versioned_for_good(self):
        self.assertEqual(self.s3.get_bucket_versioning(Bucket="vault")["Status"], "Enabled")
        with self.assertRaises(ClientError) as c:
            self.s3.put_bucket_versioning(Bucket="vault",
                                          VersioningConfiguration={"Status": "Suspended"})
        self.assertEqual(err(c), ("InvalidBucketState", 409))
        cfg = self.s3.get_object_lock_configuration(Bucket="vault")["ObjectLockConfiguration"]
        self.assertEqual(cfg, {"ObjectLockEnabled": "Enabled"})
        # On an unversioned bucket the configuration needs versioning first.
        self.s3.create_bucket(Bucket="later")
        conf = {"ObjectLockEnabled": "Enabled",
                "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1}}}
        with self.assertRaises(ClientError) as c:
            self.s3.put_object_lock_configuration(Bucket="later", ObjectLockConfiguration=conf)
        self.assertEqual(err(c), ("InvalidBucketState", 409))
        self.s3.put_bucket_versioning(Bucket="later",
                                      VersioningConfiguration={"Status": "Enabled"})
        self.s3.put_object_lock_configuration(Bucket="later", ObjectLockConfiguration=conf)
        got = self.s3.get_object_lock_configuration(Bucket="later")["ObjectLockConfiguration"]
        self.assertEqual(got, conf)

    def test_default_retention_goes_to_new_versions(self):
        self.s3.create_bucket(Bucket="defaults", ObjectLockEnabledForBucket=True)
        for bad, code in [({"Mode": "GOVERNANCE", "Days": 1, "Years": 1}, "MalformedXML"),
                          ({"Mode": "GOVERNANCE", "Days": 0}, "InvalidArgument"),
                          ({"Mode": "SOMETIMES", "Days": 1}, "MalformedXML")]:
            with self.assertRaises(ClientError) as c:
                self.s3.put_object_lock_configuration(
                    Bucket="defaults", ObjectLockConfiguration={
                        "ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": bad}})
            self.assertEqual(err(c), (code, 400), bad)
        self.s3.put_object_lock_configuration(
            Bucket="defaults", ObjectLockConfiguration={
                "ObjectLockEnabled": "Enabled",
                "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Years": 15}}})
        before = datetime.datetime.now(UTC)
        vid = self.s3.put_object(Bucket="defaults", Key="study.dcm", Body=b"pixels")["VersionId"]
        head = self.s3.head_object(Bucket="defaults", Key="study.dcm")
        self.assertEqual(head["ObjectLockMode"], "COMPLIANCE")
        expected = before + datetime.timedelta(days=15 * 365)
        self.assertLess(abs((head["ObjectLockRetainUntilDate"] - expected).total_seconds()), 120)
        self.assert_denied(self.s3.delete_object, Bucket="defaults", Key="study.dcm",
                           VersionId=vid)
        # Explicit headers win over the default.
        vid2 = locked_put(self.s3, "defaults", "gov.dcm", b"g", "GOVERNANCE", Y2045)
        ret = self.s3.get_object_retention(Bucket="defaults", Key="gov.dcm", VersionId=vid2)
        self.assertEqual(ret["Retention"]["Mode"], "GOVERNANCE")

    def test_compliance_cannot_be_shortened_or_deleted_by_root(self):
        vid = locked_put(self.s3, "vault", "report.pdf", b"original report", "COMPLIANCE",
                         Y2099)
        for call in (self.s3.head_object, self.s3.get_object):
            got = call(Bucket="vault", Key="report.pdf")
            self.assertEqual(got["ObjectLockMode"], "COMPLIANCE")
            self.assertEqual(got["ObjectLockRetainUntilDate"], Y2099)
        self.assert_denied(self.s3.delete_object, Bucket="vault", Key="report.pdf",
                           VersionId=vid)
        self.assert_denied(self.s3.delete_object, Bucket="vault", Key="report.pdf",
                           VersionId=vid, BypassGovernanceRetention=True)
        for retention in [{"Mode": "COMPLIANCE", "RetainUntilDate": Y2045},
                          {"Mode": "GOVERNANCE", "RetainUntilDate": Y2099}]:
            self.assert_denied(self.s3.put_object_retention, Bucket="vault", Key="report.pdf",
                               VersionId=vid, Retention=retention,
                               BypassGovernanceRetention=True)
        self.assert_denied(self.s3.put_object_retention, Bucket="vault", Key="report.pdf",
                           VersionId=vid, Retention={}, BypassGovernanceRetention=True)
        later = datetime.datetime(2100, 6, 1, tzinfo=UTC)
        self.s3.put_object_retention(Bucket="vault", Key="report.pdf", VersionId=vid,
                                     Retention={"Mode": "COMPLIANCE", "RetainUntilDate": later})
        ret = self.s3.get_object_retention(Bucket="vault", Key="report.pdf", VersionId=vid)
        self.assertEqual(ret["Retention"], {"Mode": "COMPLIANCE", "RetainUntilDate": later})
        # A DELETE without a version id adds a delete marker; the version stays.
        marker = self.s3.delete_object(Bucket="vault", Key="report.pdf")
        self.assertTrue(marker["DeleteMarker"])
        got = self.s3.get_object(Bucket="vault", Key="report.pdf", VersionId=vid)
        self.assertEqual(got["Body"].read(), b"original report")
        # The bucket holding it cannot be deleted.
        with self.assertRaises(ClientError) as c:
            self.s3.delete_bucket(Bucket="vault")
        self.assertEqual(err(c), ("BucketNotEmpty", 409))

    def test_governance_bypass_needs_the_permission(self):
        admin(self.server, "user", "create", "clerk")
        key = json.loads(admin(self.server, "--json", "key", "create", "clerk").stdout)
        clerk = boto3_client(self.server, access_key=key["access_key_id"],
                             secret_key=key["secret_access_key"])
        self.s3.create_bucket(Bucket="records", ObjectLockEnabledForBucket=True)
        arn = "arn:aws:iam::000000000000:user/clerk"
        actions = ["s3:DeleteObjectVersion", "s3:PutObjectRetention", "s3:GetObjectRetention"]

        def policy(extra):
            self.s3.put_bucket_policy(Bucket="records", Policy=json.dumps({
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Principal": {"AWS": [arn]},
                               "Action": actions + extra,
                               "Resource": ["arn:aws:s3:::records/*"]}]}))

        v1 = locked_put(self.s3, "records", "a.txt", b"a", "GOVERNANCE", Y2045)
        v2 = locked_put(self.s3, "records", "b.txt", b"b", "GOVERNANCE", Y2045)
        policy([])
        # Without s3:BypassGovernanceRetention the header does not help.
        self.assert_denied(clerk.delete_object, Bucket="records", Key="a.txt", VersionId=v1,
                           BypassGovernanceRetention=True)
        self.assert_denied(clerk.put_object_retention, Bucket="records", Key="a.txt",
                           VersionId=v1, BypassGovernanceRetention=True,
                           Retention={"Mode": "GOVERNANCE",
                                      "RetainUntilDate": datetime.datetime(2030, 1, 1,
                                                                           tzinfo=UTC)})
        # Without the header, not even the owner.
        self.assert_denied(self.s3.delete_object, Bucket="records", Key="a.txt", VersionId=v1)
        policy(["s3:BypassGovernanceRetention"])
        self.assert_denied(clerk.delete_object, Bucket="records", Key="a.txt", VersionId=v1)
        clerk.delete_object(Bucket="records", Key="a.txt", VersionId=v1,
                            BypassGovernanceRetention=True)
        # The owner holds the permission.
        self.s3.put_object_retention(Bucket="records", Key="b.txt", VersionId=v2,
                                     BypassGovernanceRetention=True, Retention={})
        with self.assertRaises(ClientError) as c:
            self.s3.get_object_retention(Bucket="records", Key="b.txt", VersionId=v2)
        self.assertEqual(err(c), ("NoSuchObjectLockConfiguration", 404))
        self.s3.delete_object(Bucket="records", Key="b.txt", VersionId=v2)
        # A policy Deny of the permission wins even for the owner.
        v3 = locked_put(self.s3, "records", "c.txt", b"c", "GOVERNANCE", Y2045)
        self.s3.put_bucket_policy(Bucket="records", Policy=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Deny", "Principal": "*",
                           "Action": "s3:BypassGovernanceRetention",
                           "Resource": ["arn:aws:s3:::records/*"]}]}))
        self.assert_denied(self.s3.delete_object, Bucket="records", Key="c.txt", VersionId=v3,
                           BypassGovernanceRetention=True)

    def test_legal_hold_blocks_deletion_until_removed(self):
        vid = locked_put(self.s3, "vault", "held.txt", b"evidence", hold="ON")
        self.assertEqual(self.s3.head_object(Bucket="vault", Key="held.txt")
                         ["ObjectLockLegalHoldStatus"], "ON")
        self.assert_denied(self.s3.delete_object, Bucket="vault", Key="held.txt",
                           VersionId=vid, BypassGovernanceRetention=True)
        self.assertEqual(self.s3.get_object_legal_hold(Bucket="vault", Key="held.txt",
                                                       VersionId=vid)["LegalHold"],
                         {"Status": "ON"})
        self.s3.put_object_legal_hold(Bucket="vault", Key="held.txt", VersionId=vid,
                                      LegalHold={"Status": "OFF"})
        self.assertNotIn("ObjectLockLegalHoldStatus",
                         self.s3.head_object(Bucket="vault", Key="held.txt"))
        self.s3.delete_object(Bucket="vault", Key="held.txt", VersionId=vid)

    def test_delete_objects_refuses_the_locked_key_only(self):
        locked = locked_put(self.s3, "vault", "batch/locked", b"1", "COMPLIANCE", Y2045)
        free = locked_put(self.s3, "vault", "batch/free", b"2")
        out = self.s3.delete_objects(Bucket="vault", Delete={"Objects": [
            {"Key": "batch/locked", "VersionId": locked},
            {"Key": "batch/free", "VersionId": free}]})
        self.assertEqual([(e["Key"], e["VersionId"], e["Code"]) for e in out.get("Errors", [])],
                         [("batch/locked", locked, "AccessDenied")])
        self.assertEqual([d["Key"] for d in out.get("Deleted", [])], ["batch/free"])
        self.assertEqual(self.s3.get_object(Bucket="vault", Key="batch/locked")["Body"].read(),
                         b"1")

    def test_lock_headers_on_copy_and_multipart(self):
        src = locked_put(self.s3, "vault", "src.txt", b"source", "COMPLIANCE", Y2045)
        self.s3.copy_object(Bucket="vault", Key="copy.txt",
                            CopySource={"Bucket": "vault", "Key": "src.txt", "VersionId": src},
                            ObjectLockMode="GOVERNANCE", ObjectLockRetainUntilDate=Y2099,
                            ObjectLockLegalHoldStatus="ON")
        head = self.s3.head_object(Bucket="vault", Key="copy.txt")
        self.assertEqual((head["ObjectLockMode"], head["ObjectLockRetainUntilDate"],
                          head["ObjectLockLegalHoldStatus"]), ("GOVERNANCE", Y2099, "ON"))
        # Without headers, the copy does not inherit the source's lock.
        self.s3.copy_object(Bucket="vault", Key="copy2.txt",
                            CopySource={"Bucket": "vault", "Key": "src.txt"})
        self.assertNotIn("ObjectLockMode", self.s3.head_object(Bucket="vault", Key="copy2.txt"))
        up = self.s3.create_multipart_upload(Bucket="vault", Key="big.bin",
                                             ObjectLockMode="COMPLIANCE",
                                             ObjectLockRetainUntilDate=Y2045)
        part = self.s3.upload_part(Bucket="vault", Key="big.bin", UploadId=up["UploadId"],
                                   PartNumber=1, Body=b"x" * 1000)
        done = self.s3.complete_multipart_upload(
            Bucket="vault", Key="big.bin", UploadId=up["UploadId"],
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
        head = self.s3.head_object(Bucket="vault", Key="big.bin")
        self.assertEqual((head["ObjectLockMode"], head["ObjectLockRetainUntilDate"]),
                         ("COMPLIANCE", Y2045))
        self.assert_denied(self.s3.delete_object, Bucket="vault", Key="big.bin",
                           VersionId=done["VersionId"])

    def test_bad_lock_requests(self):
        for kwargs, code in [
                ({"ObjectLockMode": "COMPLIANCE"}, "InvalidArgument"),
                ({"ObjectLockMode": "FOREVER", "ObjectLockRetainUntilDate": Y2045},
                 "InvalidArgument"),
                ({"ObjectLockMode": "COMPLIANCE",
                  "ObjectLockRetainUntilDate": datetime.datetime(2001, 1, 1, tzinfo=UTC)},
                 "InvalidArgument")]:
            with self.assertRaises(ClientError) as c:
                self.s3.put_object(Bucket="vault", Key="bad", Body=b"x", ContentMD5=md5(b"x"),
                                   **kwargs)
            self.assertEqual(err(c), (code, 400), kwargs)
        with self.assertRaises(ClientError):
            self.s3.head_object(Bucket="vault", Key="bad")
        # S3 wants Content-MD5 or a checksum with a locked PutObject.
        cmd = ["curl", "-sS", "-i", "-X", "PUT", "--aws-sigv4", "aws:amz:us-east-1:s3",
               "--user", f"{self.server.access_key}:{self.server.secret_key}",
               "-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD",
               "-H", "x-amz-object-lock-mode: COMPLIANCE",
               "-H", "x-amz-object-lock-retain-until-date: 2045-01-01T00:00:00Z",
               "--data-binary", "body", f"{self.server.endpoint}/vault/nomd5"]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        self.assertIn("400", out.stdout.split("\n")[0])
        self.assertIn("<Code>InvalidRequest</Code>", out.stdout)
        with self.assertRaises(ClientError):
            self.s3.head_object(Bucket="vault", Key="nomd5")

    def test_awscli_retention_and_legal_hold(self):
        if not os.path.exists(DEBIAN_AWS):
            self.fail(f"{DEBIAN_AWS} is missing: install awscli")
        vid = locked_put(self.s3, "vault", "cli.txt", b"cli")

        def aws(*args):
            out = subprocess.run([DEBIAN_AWS, "--endpoint-url", self.server.endpoint, "s3api",
                                  *args, "--bucket", "vault", "--key", "cli.txt"],
                                 env=self.server.env(), capture_output=True, text=True,
                                 timeout=120)
            self.assertEqual(out.returncode, 0, out.stderr)
            return json.loads(out.stdout) if out.stdout.strip() else {}

        aws("put-object-retention", "--retention",
            "Mode=COMPLIANCE,RetainUntilDate=2045-01-01T00:00:00Z")
        aws("put-object-legal-hold", "--legal-hold", "Status=ON")
        self.assertEqual(aws("get-object-retention")["Retention"]["Mode"], "COMPLIANCE")
        self.assertEqual(aws("get-object-legal-hold")["LegalHold"]["Status"], "ON")
        self.assert_denied(self.s3.delete_object, Bucket="vault", Key="cli.txt", VersionId=vid)


class ObjectLockDurabilityTest(unittest.TestCase):
    def test_retention_survives_kill9_and_the_clock_decides(self):
        server = Server().start()
        self.addCleanup(server.__exit__, None, None, None)
        s3 = boto3_client(server)
        s3.create_bucket(Bucket="vault", ObjectLockEnabledForBucket=True)
        comp = locked_put(s3, "vault", "c.txt", b"c", "COMPLIANCE", Y2045)
        held = locked_put(s3, "vault", "h.txt", b"h", "GOVERNANCE", Y2045, hold="ON")
        server.kill9()
        server.start()
        s3 = boto3_client(server)
        head = s3.head_object(Bucket="vault", Key="c.txt", VersionId=comp)
        self.assertEqual((head["ObjectLockMode"], head["ObjectLockRetainUntilDate"]),
                         ("COMPLIANCE", Y2045))
        with self.assertRaises(ClientError) as c:
            s3.delete_object(Bucket="vault", Key="c.txt", VersionId=comp)
        self.assertEqual(err(c), ("AccessDenied", 403))
        # The retention clock moved a day past 2045-01-01: the COMPLIANCE
        # version may go; the legal hold still holds its version.
        server.stop()
        offset = int((Y2045 - datetime.datetime.now(UTC)).total_seconds()) + 86400
        server.config_text = f"[objects]\nretention_clock_offset = {offset}\n"
        server.start()
        s3 = boto3_client(server)
        s3.delete_object(Bucket="vault", Key="c.txt", VersionId=comp)
        with self.assertRaises(ClientError) as c:
            s3.delete_object(Bucket="vault", Key="h.txt", VersionId=held)
        self.assertEqual(err(c), ("AccessDenied", 403))
        s3.put_object_legal_hold(Bucket="vault", Key="h.txt", VersionId=held,
                                 LegalHold={"Status": "OFF"})
        s3.delete_object(Bucket="vault", Key="h.txt", VersionId=held)
        self.assertEqual(s3.list_object_versions(Bucket="vault").get("Versions", []), [])
        s3.delete_bucket(Bucket="vault")


CLOUD_CONFIG = """
[cloud]
retry_base = "100ms"
retry_max = "2s"
poll_interval = "50ms"
checkpoint_interval = "500ms"
"""


class ObjectLockCloudTest(unittest.TestCase):
    def test_cloud_keeps_locked_copies_and_restore_keeps_locks(self):
        cloud = Server(role="cloud").start()
        self.addCleanup(cloud.__exit__, None, None, None)
        c = boto3_client(cloud)
        c.create_bucket(Bucket="offsite")
        with Server(config_text=CLOUD_CONFIG) as a:
            s3 = boto3_client(a)
            s3.create_bucket(Bucket="vault", ObjectLockEnabledForBucket=True)
            add_target(a, cloud, "c1", "offsite")
            admin(a, "cloud", "link", "--bucket", "vault", "--target", "c1", "--mode", "sync",
                  "--allow-unlocked-cloud-copy")
            comp = locked_put(s3, "vault", "comp.txt", b"compliance", "COMPLIANCE", Y2099)
            gov = locked_put(s3, "vault", "gov.txt", b"governance", "GOVERNANCE", Y2045)
            held = locked_put(s3, "vault", "held.txt", b"held", hold="ON")
            locked_put(s3, "vault", "free.txt", b"free")
            wait_drained(a)
            meta = c.head_object(Bucket="offsite", Key="comp.txt")["Metadata"]
            self.assertEqual(meta["skyarray-lock-mode"], "COMPLIANCE")
            # Delete markers hide the keys: the unlocked copy goes from the
            # cloud, the locked ones stay.
            for key in ("comp.txt", "free.txt"):
                s3.delete_object(Bucket="vault", Key=key)
            wait_drained(a)
            cloud_keys = {o["Key"] for o in c.list_objects_v2(Bucket="offsite")["Contents"]
                          if not o["Key"].startswith(".skyarray/")}
            self.assertEqual(cloud_keys, {"comp.txt", "gov.txt", "held.txt"})
            # Wait for a checkpoint written after the last change.
            changed = time.time_ns()
            deadline = time.time() + 60
            while time.time() < deadline:
                cps = sorted(o["Key"] for o in c.list_objects_v2(
                    Bucket="offsite", Prefix=".skyarray/checkpoints/").get("Contents", []))
                if cps and int(cps[-1].rsplit("/", 1)[1].split(".")[0]) > changed:
                    break
                time.sleep(0.1)
        # Restore on an empty array: every version keeps its lock.
        b = Server().start()
        self.addCleanup(b.__exit__, None, None, None)
        add_target(b, cloud, "c1", "offsite")
        out = admin(b, "cloud", "restore", "--target", "c1", "--bucket", "vault",
                    timeout=240).stdout
        self.assertIn("restored bucket vault", out)
        r = boto3_client(b)
        self.assertEqual(r.get_object_lock_configuration(Bucket="vault")
                         ["ObjectLockConfiguration"]["ObjectLockEnabled"], "Enabled")
        self.assertEqual(r.get_object_retention(Bucket="vault", Key="comp.txt", VersionId=comp)
                         ["Retention"], {"Mode": "COMPLIANCE", "RetainUntilDate": Y2099})
        self.assertEqual(r.get_object_retention(Bucket="vault", Key="gov.txt", VersionId=gov)
                         ["Retention"], {"Mode": "GOVERNANCE", "RetainUntilDate": Y2045})
        self.assertEqual(r.get_object_legal_hold(Bucket="vault", Key="held.txt", VersionId=held)
                         ["LegalHold"], {"Status": "ON"})
        for key, vid in (("comp.txt", comp), ("gov.txt", gov), ("held.txt", held)):
            with self.assertRaises(ClientError) as ctx:
                r.delete_object(Bucket="vault", Key=key, VersionId=vid)
            self.assertEqual(err(ctx), ("AccessDenied", 403), key)
        self.assertEqual(r.get_object(Bucket="vault", Key="gov.txt")["Body"].read(),
                         b"governance")
        # The kept cloud copy does not come back as a current object: the
        # delete marker still hides it.
        with self.assertRaises(ClientError) as ctx:
            r.head_object(Bucket="vault", Key="comp.txt")
        self.assertEqual(err(ctx)[1], 404)
        self.assertEqual(sorted(o["Key"] for o in r.list_objects_v2(Bucket="vault")["Contents"]),
                         ["gov.txt", "held.txt"])


class ObjectLockCloudTargetTest(unittest.TestCase):
    def test_cloud_test_reports_object_lock_and_link_refuses_unlockable_target(self):
        cloud = Server(role="cloud").start()
        self.addCleanup(cloud.__exit__, None, None, None)
        c = boto3_client(cloud)
        c.create_bucket(Bucket="plain")
        c.create_bucket(Bucket="locked", ObjectLockEnabledForBucket=True)
        with Server(config_text=CLOUD_CONFIG) as a:
            s3 = boto3_client(a)
            s3.create_bucket(Bucket="vault", ObjectLockEnabledForBucket=True)
            s3.create_bucket(Bucket="open")
            add_target(a, cloud, "plain", "plain")
            add_target(a, cloud, "locked", "locked")
            # `cloud test` tells each target's Object Lock support.
            for target, want in (("plain", "not enabled"), ("locked", "enabled")):
                out = json.loads(admin(a, "--json", "cloud", "test", target).stdout)
                self.assertTrue(out["ok"], out)
                self.assertEqual(out["object_lock"], want)
                self.assertEqual(out["steps"][-1]["step"], "object lock")
            text = admin(a, "cloud", "test", "plain").stdout
            self.assertIn("not enabled on bucket plain", text)
            self.assertIn("--allow-unlocked-cloud-copy", text)
            # A bucket with Object Lock is not linked to a bucket that cannot
            # lock, and nothing is recorded.
            proc = admin(a, "cloud", "link", "--bucket", "vault", "--target", "plain",
                         check=False)
            self.assertNotEqual(proc.returncode, 0)
            self.assertIn("cannot lock objects", proc.stderr)
            self.assertIn("--allow-unlocked-cloud-copy", proc.stderr)
            self.assertEqual(status(a)["links"], [])
            # A bucket without Object Lock links anywhere.
            admin(a, "cloud", "link", "--bucket", "open", "--target", "plain")
            # A target that can lock takes it.
            admin(a, "cloud", "link", "--bucket", "vault", "--target", "locked")
            links = {l["bucket"]: l for l in status(a)["links"]}
            self.assertEqual(links["vault"]["allow_unlocked_copy"], False)
            self.assertEqual(links["vault"]["lock_cloud_copy"], True)
            # The cloud object carries the version's lock itself.
            locked_put(s3, "vault", "comp.txt", b"compliance", "COMPLIANCE", Y2045)
            locked_put(s3, "vault", "held.txt", b"held", hold="ON")
            wait_drained(a)
            self.assertEqual(c.get_object_retention(Bucket="locked", Key="comp.txt")["Retention"],
                             {"Mode": "COMPLIANCE", "RetainUntilDate": Y2045})
            self.assertEqual(c.get_object_legal_hold(Bucket="locked", Key="held.txt")
                             ["LegalHold"], {"Status": "ON"})
            head = c.head_object(Bucket="locked", Key="comp.txt")
            self.assertEqual(head["ObjectLockMode"], "COMPLIANCE")
            cloud_vid = head["VersionId"]
            with self.assertRaises(ClientError) as ctx:
                c.delete_object(Bucket="locked", Key="comp.txt", VersionId=cloud_vid)
            self.assertEqual(err(ctx), ("AccessDenied", 403))
            # An extended retention reaches the cloud (the key is uploaded again).
            s3.put_object_retention(Bucket="vault", Key="comp.txt",
                                    Retention={"Mode": "COMPLIANCE", "RetainUntilDate": Y2099})
            wait_drained(a)
            self.assertEqual(c.get_object_retention(Bucket="locked", Key="comp.txt")["Retention"],
                             {"Mode": "COMPLIANCE", "RetainUntilDate": Y2099})
            admin(a, "cloud", "unlink", "--bucket", "vault")
            # Told explicitly, the link is made and says so.
            out = admin(a, "cloud", "link", "--bucket", "vault", "--target", "plain",
                        "--allow-unlocked-cloud-copy").stdout
            self.assertIn("ALLOW_UNLOCKED_COPY", out)
            links = {l["bucket"]: l for l in status(a)["links"]}
            self.assertEqual(links["vault"]["allow_unlocked_copy"], True)
            self.assertIn("true", admin(a, "cloud", "status").stdout.split("vault", 1)[1])
            locked_put(s3, "vault", "a.txt", b"kept", "COMPLIANCE", Y2099)
            wait_drained(a)
            self.assertEqual(c.get_object(Bucket="plain", Key="a.txt")["Body"].read(), b"kept")
            # The choice is stored with the link.
            a.restart()
            links = {l["bucket"]: l for l in status(a)["links"]}
            self.assertEqual(links["vault"]["allow_unlocked_copy"], True)
            self.assertEqual(links["open"]["allow_unlocked_copy"], False)


if __name__ == "__main__":
    unittest.main()
