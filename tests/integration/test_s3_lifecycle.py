"""S3 bucket lifecycle against a real array, driven by boto3 (Debian's 1.26),
Debian's awscli v2, curl and `skyarray admin`:

- Get/Put/DeleteBucketLifecycleConfiguration round-trip every filter form
  and action; bad rules answer MalformedXML / InvalidArgument; a rule with a
  Transition answers 501 NotImplemented and changes nothing;
- x-amz-expiration on PUT, GET and HEAD of objects a rule will expire;
- with the retention clock moved days and years ahead (config
  `[objects] retention_clock_offset`, the server restarted), current
  versions expire on their day (delete markers in versioned buckets),
  noncurrent versions after their noncurrent days, incomplete multipart
  uploads are aborted, nothing outside a rule's filter is touched, and
  versions under Object Lock survive (counted as skipped);
- the worker resumes after kill -9 without repeating or skipping work, and
  reports its counts in `admin health`, `admin lifecycle status` and
  /metrics; `admin lifecycle dry-run` lists what would be done, doing
  nothing.
"""

import base64
import datetime
import email.utils
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest

from botocore.exceptions import ClientError

from skyarray_harness import Server, admin, boto3_client

DEBIAN_AWS = "/usr/bin/aws"
UTC = datetime.timezone.utc
DAY = 86400
Y2099 = datetime.datetime(2099, 1, 1, tzinfo=UTC)


def err(ctx):
    r = ctx.exception.response
    return r["Error"]["Code"], r["ResponseMetadata"]["HTTPStatusCode"]


def config(offset_days=0, extra=""):
    return (f"[objects]\nretention_clock_offset = {offset_days * DAY}\n"
            f'lifecycle_interval = "200ms"\n{extra}')


def lifecycle_status(server):
    out = admin(server, "--json", "lifecycle", "status")
    return json.loads(out.stdout)


def wait_passes_done(server, timeout=120):
    """Until every bucket's pass of the (offset) day has ended."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        s = lifecycle_status(server)
        if s["passes_running"] == 0 and s["buckets"]:
            return s
        time.sleep(0.2)
    raise AssertionError(f"lifecycle passes still running: {s}")


def restart_at(server, days, extra=""):
    """Restarts the server with its retention clock `days` ahead, and waits
    for the lifecycle passes of that day."""
    server.stop()
    server.config_text = config(days, extra)
    server.start()
    return wait_passes_done(server)


def keys(s3, bucket):
    return sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", []))


def versions(s3, bucket, prefix=""):
    r = s3.list_object_versions(Bucket=bucket, Prefix=prefix)
    return r.get("Versions", []), r.get("DeleteMarkers", [])


class LifecycleConfigurationTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server(config_text=config()).start()
        cls.s3 = boto3_client(cls.server)
        cls.s3.create_bucket(Bucket="conf")

    @classmethod
    def tearDownClass(cls):
        code = cls.server.stop()
        if code != 0:
            print(cls.server.log()[-5000:])
        assert code == 0, f"server exit code {code}"

    RULES = [
        {"ID": "logs", "Status": "Enabled",
         "Filter": {"And": {"Prefix": "logs/", "Tags": [{"Key": "k", "Value": "v"}],
                            "ObjectSizeGreaterThan": 10, "ObjectSizeLessThan": 1000}},
         "Expiration": {"Days": 30},
         "NoncurrentVersionExpiration": {"NoncurrentDays": 7, "NewerNoncurrentVersions": 2}},
        {"ID": "tmp", "Status": "Disabled", "Filter": {"Prefix": "tmp/"},
         "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 3}},
        {"ID": "tag", "Status": "Enabled", "Filter": {"Tag": {"Key": "a", "Value": "b"}},
         "Expiration": {"Date": datetime.datetime(2030, 1, 1, tzinfo=UTC)}},
        {"ID": "markers", "Status": "Enabled", "Filter": {"Prefix": ""},
         "Expiration": {"ExpiredObjectDeleteMarker": True}},
        {"ID": "big", "Status": "Enabled", "Filter": {"ObjectSizeGreaterThan": 1 << 30},
         "Expiration": {"Days": 1}},
    ]

    def test_round_trip_and_delete(self):
        self.s3.put_bucket_lifecycle_configuration(
            Bucket="conf", LifecycleConfiguration={"Rules": self.RULES})
        got = self.s3.get_bucket_lifecycle_configuration(Bucket="conf")["Rules"]
        self.assertEqual(got, self.RULES)
        self.s3.delete_bucket_lifecycle(Bucket="conf")
        with self.assertRaises(ClientError) as c:
            self.s3.get_bucket_lifecycle_configuration(Bucket="conf")
        self.assertEqual(err(c), ("NoSuchLifecycleConfiguration", 404))

    def test_awscli_puts_and_gets(self):
        if not os.path.exists(DEBIAN_AWS):
            self.fail(f"{DEBIAN_AWS} is missing: install awscli")
        self.s3.create_bucket(Bucket="cli")
        body = {"Rules": [{"ID": "cli", "Status": "Enabled", "Filter": {"Prefix": "a/"},
                           "Expiration": {"Days": 5}}]}

        def aws(*args):
            out = subprocess.run([DEBIAN_AWS, "--endpoint-url", self.server.endpoint, "s3api",
                                  *args, "--bucket", "cli"], env=self.server.env(),
                                 capture_output=True, text=True, timeout=120)
            self.assertEqual(out.returncode, 0, out.stderr)
            return json.loads(out.stdout) if out.stdout.strip() else {}

        aws("put-bucket-lifecycle-configuration", "--lifecycle-configuration", json.dumps(body))
        self.assertEqual(aws("get-bucket-lifecycle-configuration")["Rules"], body["Rules"])

    def assert_refused(self, rules, code, status):
        with self.assertRaises(ClientError) as c:
            self.s3.put_bucket_lifecycle_configuration(
                Bucket="conf", LifecycleConfiguration={"Rules": rules})
        self.assertEqual(err(c), (code, status), rules)

    def test_bad_rules_are_refused_and_change_nothing(self):
        good = [{"ID": "keep", "Status": "Enabled", "Filter": {"Prefix": "x/"},
                 "Expiration": {"Days": 9}}]
        self.s3.put_bucket_lifecycle_configuration(Bucket="conf",
                                                   LifecycleConfiguration={"Rules": good})
        base = {"Status": "Enabled", "Filter": {"Prefix": ""}}
        self.assert_refused([dict(base, ID="z", Expiration={"Days": 0})],
                            "InvalidArgument", 400)
        self.assert_refused([dict(base, ID="same", Expiration={"Days": 1}),
                             dict(base, ID="same", Expiration={"Days": 2})],
                            "InvalidArgument", 400)
        self.assert_refused([dict(base, ID="n")], "InvalidArgument", 400)  # no action
        self.assert_refused([dict(base, ID="i" * 256, Expiration={"Days": 1})],
                            "InvalidArgument", 400)
        self.assert_refused([dict(base, ID="d", Expiration={
            "Date": datetime.datetime(2030, 1, 1, 12, tzinfo=UTC)})], "InvalidArgument", 400)
        self.assert_refused([{"ID": "two", "Status": "Enabled",
                              "Filter": {"Prefix": "a", "Tag": {"Key": "k", "Value": "v"}},
                              "Expiration": {"Days": 1}}], "MalformedXML", 400)
        self.assert_refused([dict(base, ID="both", Expiration={
            "Days": 1, "ExpiredObjectDeleteMarker": True})], "InvalidArgument", 400)
        # Transitions need storage classes the array does not have.
        self.assert_refused([dict(base, ID="t", Transitions=[
            {"Days": 30, "StorageClass": "GLACIER"}])], "NotImplemented", 501)
        self.assert_refused([dict(base, ID="t", NoncurrentVersionTransitions=[
            {"NoncurrentDays": 30, "StorageClass": "STANDARD_IA"}])], "NotImplemented", 501)
        got = self.s3.get_bucket_lifecycle_configuration(Bucket="conf")["Rules"]
        self.assertEqual(got, good)

    def test_schema_errors_are_malformed_xml(self):
        def put(xml):
            body = xml.encode()
            md5 = base64.b64encode(hashlib.md5(body).digest()).decode()
            out = subprocess.run(
                ["curl", "-s", "-o", "/dev/stdout", "-w", "\n%{http_code}", "-X", "PUT",
                 "--aws-sigv4", "aws:amz:us-east-1:s3",
                 "--user", f"{self.server.access_key}:{self.server.secret_key}",
                 "-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD",
                 "-H", f"Content-MD5: {md5}", "--data-binary", "@-",
                 f"{self.server.endpoint}/conf?lifecycle="],
                input=body, capture_output=True, timeout=60)
            text = out.stdout.decode()
            return int(text.rsplit("\n", 1)[1]), text

        for xml in ["<LifecycleConfiguration><Rule><ID>a</ID><Filter/></Rule>"
                    "</LifecycleConfiguration>",
                    "<LifecycleConfiguration><Rule><ID>a</ID><Status>Enabled</Status>"
                    "<Expiration><Days>1</Days></Expiration></Rule></LifecycleConfiguration>",
                    "<LifecycleConfiguration><Rule><Status>Enabled</Status><Filter/>"
                    "<Expiration><Days>soon</Days></Expiration></Rule></LifecycleConfiguration>",
                    "<LifecycleConfiguration>"]:
            status, text = put(xml)
            self.assertEqual(status, 400, text)
            self.assertIn("<Code>MalformedXML</Code>", text)

    def test_expiration_header_on_put_get_head(self):
        self.s3.create_bucket(Bucket="hdr")
        self.s3.put_bucket_lifecycle_configuration(
            Bucket="hdr", LifecycleConfiguration={"Rules": [
                {"ID": "three-days", "Status": "Enabled", "Filter": {"Prefix": "exp/"},
                 "Expiration": {"Days": 3}}]})
        put = self.s3.put_object(Bucket="hdr", Key="exp/a", Body=b"a")
        head = self.s3.head_object(Bucket="hdr", Key="exp/a")
        get = self.s3.get_object(Bucket="hdr", Key="exp/a")
        for r in (put, head, get):
            self.assertIn("Expiration", r)
            m = re.fullmatch(r'expiry-date="([^"]+)", rule-id="three-days"', r["Expiration"])
            self.assertTrue(m, r["Expiration"])
            expiry = email.utils.parsedate_to_datetime(m.group(1))
            made = head["LastModified"]
            # The first midnight UTC after three days.
            want = (made + datetime.timedelta(days=3)).replace(hour=0, minute=0, second=0,
                                                               microsecond=0)
            if want < made + datetime.timedelta(days=3):
                want += datetime.timedelta(days=1)
            self.assertEqual(expiry, want)
        self.s3.put_object(Bucket="hdr", Key="keep/a", Body=b"a")
        self.assertNotIn("Expiration", self.s3.head_object(Bucket="hdr", Key="keep/a"))


class LifecycleSchedulerTest(unittest.TestCase):
    """One array whose clock is moved ahead step by step."""

    def setUp(self):
        self.server = Server(config_text=config()).start()
        self.addCleanup(self.server.__exit__, None, None, None)
        self.s3 = boto3_client(self.server)

    def restart_at(self, days, extra=""):
        status = restart_at(self.server, days, extra)
        self.s3 = boto3_client(self.server)
        return status

    def test_expirations_happen_on_the_right_days(self):
        s3 = self.s3
        s3.create_bucket(Bucket="plain")
        for k in ["logs/a", "logs/b", "keep/a"]:
            s3.put_object(Bucket="plain", Key=k, Body=b"x")
        s3.put_object(Bucket="plain", Key="tagged/t", Body=b"x", Tagging="class=temp")
        s3.put_object(Bucket="plain", Key="tagged/u", Body=b"x")
        s3.create_bucket(Bucket="ver")
        s3.put_bucket_versioning(Bucket="ver", VersioningConfiguration={"Status": "Enabled"})
        v1 = s3.put_object(Bucket="ver", Key="doc", Body=b"one")["VersionId"]
        v2 = s3.put_object(Bucket="ver", Key="doc", Body=b"two")["VersionId"]
        s3.put_object(Bucket="ver", Key="other/doc", Body=b"x")
        s3.create_bucket(Bucket="archive")
        s3.put_object(Bucket="archive", Key="study", Body=b"x")
        s3.put_bucket_lifecycle_configuration(Bucket="plain", LifecycleConfiguration={"Rules": [
            {"ID": "logs", "Status": "Enabled", "Filter": {"Prefix": "logs/"},
             "Expiration": {"Days": 30}},
            {"ID": "temp", "Status": "Enabled",
             "Filter": {"Tag": {"Key": "class", "Value": "temp"}}, "Expiration": {"Days": 2}}]})
        s3.put_bucket_lifecycle_configuration(Bucket="ver", LifecycleConfiguration={"Rules": [
            {"ID": "doc", "Status": "Enabled", "Filter": {"Prefix": "doc"},
             "Expiration": {"Days": 10}, "NoncurrentVersionExpiration": {"NoncurrentDays": 5}}]})
        # 15 years of retention, then gone.
        s3.put_bucket_lifecycle_configuration(Bucket="archive", LifecycleConfiguration={"Rules": [
            {"ID": "15y", "Status": "Enabled", "Filter": {"Prefix": ""},
             "Expiration": {"Days": 15 * 365 + 4}}]})

        self.restart_at(3)
        s3 = self.s3
        self.assertEqual(keys(s3, "plain"), ["keep/a", "logs/a", "logs/b", "tagged/u"])
        vs, dms = versions(s3, "ver", "doc")
        self.assertEqual(sorted(v["VersionId"] for v in vs), sorted([v1, v2]))
        self.restart_at(7)  # "one" noncurrent for 7 days: removed; "two" current for 7: stays
        s3 = self.s3
        vs, dms = versions(s3, "ver", "doc")
        self.assertEqual([v["VersionId"] for v in vs], [v2])
        self.assertEqual(dms, [])
        self.restart_at(12)  # "two" expires: a delete marker; the version stays
        s3 = self.s3
        vs, dms = versions(s3, "ver", "doc")
        self.assertEqual([v["VersionId"] for v in vs], [v2])
        self.assertEqual(len(dms), 1)
        self.assertTrue(dms[0]["IsLatest"])
        self.assertEqual(keys(s3, "ver"), ["other/doc"])
        self.restart_at(31)  # logs expire; "two" noncurrent since day 12 for 19 days: removed
        s3 = self.s3
        self.assertEqual(keys(s3, "plain"), ["keep/a", "tagged/u"])
        vs, dms = versions(s3, "ver", "doc")
        self.assertEqual(vs, [])
        self.assertEqual(keys(s3, "archive"), ["study"])
        self.restart_at(14 * 365)
        self.assertEqual(keys(self.s3, "archive"), ["study"])
        status = self.restart_at(16 * 365)
        self.assertEqual(keys(self.s3, "archive"), [])
        self.assertEqual(keys(self.s3, "plain"), ["keep/a", "tagged/u"])
        self.assertEqual(keys(self.s3, "ver"), ["other/doc"])
        total = status["total"]
        self.assertEqual(total["expired"], 5)  # logs/a, logs/b, tagged/t, doc, study
        self.assertEqual(total["noncurrent_expired"], 2)

    def test_incomplete_uploads_are_aborted(self):
        s3 = self.s3
        s3.create_bucket(Bucket="mpu")
        tmp = s3.create_multipart_upload(Bucket="mpu", Key="tmp/big")["UploadId"]
        s3.upload_part(Bucket="mpu", Key="tmp/big", UploadId=tmp, PartNumber=1, Body=b"p" * 1000)
        s3.create_multipart_upload(Bucket="mpu", Key="keep/big")
        s3.put_bucket_lifecycle_configuration(Bucket="mpu", LifecycleConfiguration={"Rules": [
            {"ID": "mpu", "Status": "Enabled", "Filter": {"Prefix": "tmp/"},
             "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 2}}]})
        self.restart_at(1)
        left = self.s3.list_multipart_uploads(Bucket="mpu").get("Uploads", [])
        self.assertEqual(sorted(u["Key"] for u in left), ["keep/big", "tmp/big"])
        status = self.restart_at(3)
        left = self.s3.list_multipart_uploads(Bucket="mpu").get("Uploads", [])
        self.assertEqual([u["Key"] for u in left], ["keep/big"])
        with self.assertRaises(ClientError) as c:
            self.s3.list_parts(Bucket="mpu", Key="tmp/big", UploadId=tmp)
        self.assertEqual(err(c), ("NoSuchUpload", 404))
        self.assertEqual(status["total"]["uploads_aborted"], 1)

    def test_locked_versions_survive(self):
        s3 = self.s3
        s3.create_bucket(Bucket="vault", ObjectLockEnabledForBucket=True)
        body = b"original scan"
        locked = s3.put_object(Bucket="vault", Key="scan", Body=body,
                               ContentMD5=base64.b64encode(hashlib.md5(body).digest()).decode(),
                               ObjectLockMode="COMPLIANCE",
                               ObjectLockRetainUntilDate=Y2099)["VersionId"]
        s3.put_object(Bucket="vault", Key="scan", Body=b"newer",
                      ContentMD5=base64.b64encode(hashlib.md5(b"newer").digest()).decode())
        s3.put_bucket_lifecycle_configuration(Bucket="vault", LifecycleConfiguration={"Rules": [
            {"ID": "all", "Status": "Enabled", "Filter": {"Prefix": ""},
             "Expiration": {"Days": 1}, "NoncurrentVersionExpiration": {"NoncurrentDays": 1}}]})
        self.restart_at(10 * 365)
        self.restart_at(10 * 365 + 5)
        status = self.restart_at(10 * 365 + 10)
        got = self.s3.get_object(Bucket="vault", Key="scan", VersionId=locked)
        self.assertEqual(got["Body"].read(), body)
        vs, dms = versions(self.s3, "vault")
        self.assertEqual([v["VersionId"] for v in vs], [locked])
        self.assertGreaterEqual(status["total"]["skipped_locked"], 1)
        health = admin(self.server, "health").stdout
        self.assertRegex(health, r"lifecycle .*skipped \(locked\)")

    def test_resumes_after_kill9_without_repeating_or_skipping(self):
        s3 = self.s3
        s3.create_bucket(Bucket="many")
        s3.put_bucket_versioning(Bucket="many", VersioningConfiguration={"Status": "Enabled"})
        n = 120
        for i in range(n):
            s3.put_object(Bucket="many", Key=f"k{i:04d}", Body=b"x")
        s3.put_object(Bucket="many", Key="z-outside", Body=b"x")
        s3.put_bucket_lifecycle_configuration(Bucket="many", LifecycleConfiguration={"Rules": [
            {"ID": "k", "Status": "Enabled", "Filter": {"Prefix": "k"},
             "Expiration": {"Days": 1}}]})
        # A slow pass: 2 keys a step, a rest of 200 ms between steps.
        slow = 'lifecycle_batch = 2\nlifecycle_pause = "200ms"\n'
        self.server.stop()
        self.server.config_text = config(2, slow)
        self.server.start()
        deadline = time.time() + 120
        while True:
            done = lifecycle_status(self.server)["total"]["expired"]
            if done >= 10:
                break
            self.assertLess(time.time(), deadline, "the lifecycle pass did not start")
            time.sleep(0.1)
        self.assertLess(done, n, "the pass ended before the kill")
        self.server.kill9()
        self.server.start()
        status = wait_passes_done(self.server)
        self.assertEqual(status["total"]["expired"], n)
        self.assertEqual(status["buckets"][0]["pass"]["expired"], n)
        s3 = boto3_client(self.server)
        markers = {}
        paginator = s3.get_paginator("list_object_versions")
        live = []
        for page in paginator.paginate(Bucket="many"):
            for d in page.get("DeleteMarkers", []):
                markers[d["Key"]] = markers.get(d["Key"], 0) + 1
            live += [v["Key"] for v in page.get("Versions", [])]
        self.assertEqual(markers, {f"k{i:04d}": 1 for i in range(n)})  # none twice, none missed
        self.assertEqual(len(live), n + 1)
        self.assertEqual(keys(s3, "many"), ["z-outside"])
        code, text, _ = self.server.metrics()
        self.assertEqual(code, 200)
        self.assertIn(f"skyarray_lifecycle_expired_total {n}", text)
        self.assertIn("skyarray_lifecycle_passes_running 0", text)

    def test_dry_run_lists_and_changes_nothing(self):
        s3 = self.s3
        s3.create_bucket(Bucket="dry")
        s3.put_object(Bucket="dry", Key="old/a", Body=b"x")
        s3.put_object(Bucket="dry", Key="new/a", Body=b"x")
        s3.put_bucket_lifecycle_configuration(Bucket="dry", LifecycleConfiguration={"Rules": [
            {"ID": "old", "Status": "Enabled", "Filter": {"Prefix": "old/"},
             "Expiration": {"Days": 1}}]})
        # The clock moved but the worker stopped: only the dry run runs.
        self.server.stop()
        self.server.config_text = config(5).replace('"200ms"', "0")
        self.server.start()
        out = admin(self.server, "--json", "lifecycle", "dry-run", "--bucket", "dry")
        actions = json.loads(out.stdout)["actions"]
        self.assertEqual([(a["action"], a["key"], a["rule"]) for a in actions],
                         [("expire", "old/a", "old")])
        text = admin(self.server, "lifecycle", "dry-run", "--bucket", "dry").stdout
        self.assertIn("old/a", text)
        self.assertEqual(keys(boto3_client(self.server), "dry"), ["new/a", "old/a"])


if __name__ == "__main__":
    unittest.main()
