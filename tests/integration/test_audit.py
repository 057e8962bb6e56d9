"""The audit log against a real server: boto3 and the admin CLI make
requests, `skyarray admin audit export` shows a record for each (who, from
where, what, result, bytes, request id), and `skyarray admin audit verify`
catches an edited, a deleted, a reordered record and a cut-short segment in
the files and names where. kill -9 right after acknowledged PUTs loses none
of their records, and no secret (secret keys, signatures, tokens, SSE-C
keys) is ever written to the log.
"""

import base64
import glob
import json
import os
import shutil
import stat
import time
import unittest
import urllib.request

import botocore.exceptions

from cloud_helpers import add_target
from skyarray_harness import Server, admin, boto3_client


def audit_dir(server):
    return os.path.join(server.data_dir, "audit")


def segments(server):
    return sorted(glob.glob(os.path.join(audit_dir(server), "segment-*.log")))


def export(server, *args):
    out = admin(server, "audit", "export", *args).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def verify(server):
    return admin(server, "audit", "verify", check=False)


def read_lines(path):
    with open(path, "rb") as f:
        return f.read().split(b"\n")[:-1]


def write_lines(path, lines):
    with open(path, "wb") as f:
        f.write(b"".join(line + b"\n" for line in lines))


class AuditRecordsTest(unittest.TestCase):
    """What each request leaves in the log."""

    @classmethod
    def setUpClass(cls):
        cls.server = Server().start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_each_request_is_recorded_with_who_what_and_result(self):
        s3 = boto3_client(self.server)
        rids = {}
        rids["CreateBucket"] = s3.create_bucket(Bucket="audited")["ResponseMetadata"]["RequestId"]
        body = b"x" * 1234
        rids["PutObject"] = s3.put_object(Bucket="audited", Key="scan/1.dcm",
                                          Body=body)["ResponseMetadata"]["RequestId"]
        got = s3.get_object(Bucket="audited", Key="scan/1.dcm")
        self.assertEqual(got["Body"].read(), body)
        rids["GetObject"] = got["ResponseMetadata"]["RequestId"]
        with self.assertRaises(botocore.exceptions.ClientError) as missing:
            s3.get_object(Bucket="audited", Key="nope")
        rids["GetObject404"] = missing.exception.response["ResponseMetadata"]["RequestId"]
        bad = boto3_client(self.server, secret_key="wrong-secret-0000000000000000000000000")
        with self.assertRaises(botocore.exceptions.ClientError) as refused:
            bad.list_objects_v2(Bucket="audited")
        rids["Refused"] = refused.exception.response["ResponseMetadata"]["RequestId"]
        admin(self.server, "user", "create", "auditor-made")

        records = export(self.server)
        by_rid = {r.get("rid"): r for r in records}
        put = by_rid[rids["PutObject"]]
        self.assertEqual((put["type"], put["op"], put["status"]), ("s3", "PutObject", 200))
        self.assertEqual((put["bucket"], put["object"]), ("audited", "scan/1.dcm"))
        self.assertEqual(put["in"], 1234)
        self.assertEqual(put["user"], "root")
        self.assertEqual(put["key"], self.server.access_key)
        self.assertTrue(put["src"].startswith("127.0.0.1:"), put)
        get = by_rid[rids["GetObject"]]
        self.assertEqual((get["op"], get["status"], get["out"]), ("GetObject", 200, 1234))
        self.assertEqual(by_rid[rids["GetObject404"]]["status"], 404)
        self.assertEqual(by_rid[rids["CreateBucket"]]["op"], "CreateBucket")
        denied = by_rid[rids["Refused"]]
        self.assertEqual(denied["status"], 403)
        self.assertNotIn("user", denied, "a refused signature names no user")
        made = [r for r in records if r["type"] == "admin" and r["op"] == "POST /admin/v1/users"]
        self.assertEqual(len(made), 1)
        self.assertEqual((made[0]["status"], made[0]["user"]), (201, "root"))
        # Records chain: seq grows by one, each links to the one before.
        seqs = [r["seq"] for r in records]
        self.assertEqual(seqs, list(range(seqs[0], seqs[0] + len(seqs))))
        for before, after in zip(records, records[1:]):
            self.assertEqual(after["prev"], before["hash"])

        out = verify(self.server)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertIn("OK", out.stdout)

    def test_metrics_count_records(self):
        boto3_client(self.server).list_buckets()
        status, text, _ = self.server.metrics()
        self.assertEqual(status, 200)
        values = {line.split()[0]: float(line.split()[1]) for line in text.splitlines()
                  if line.startswith("skyarray_audit_")}
        self.assertGreater(values["skyarray_audit_records_total"], 0)
        self.assertEqual(values["skyarray_audit_write_errors_total"], 0)
        self.assertGreaterEqual(values["skyarray_audit_segment"], 1)
        self.assertNotIn("skyarray_audit_archived_segment", values, "no upload target")

    def test_log_files_are_private(self):
        self.assertEqual(stat.S_IMODE(os.stat(audit_dir(self.server)).st_mode), 0o700)
        for path in segments(self.server):
            self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600, path)

    def test_export_since_leaves_out_older_records(self):
        s3 = boto3_client(self.server)
        s3.create_bucket(Bucket="since-test")
        s3.put_object(Bucket="since-test", Key="old", Body=b"1")
        time.sleep(1.1)
        since = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        time.sleep(0.1)
        s3.put_object(Bucket="since-test", Key="new", Body=b"2")
        keys = [r.get("object") for r in export(self.server, "--since", since)]
        self.assertIn("new", keys)
        self.assertNotIn("old", keys)
        bad = admin(self.server, "audit", "export", "--since", "yesterday", check=False)
        self.assertNotEqual(bad.returncode, 0)


class AuditTamperTest(unittest.TestCase):
    """verify catches each kind of tampering in a sealed segment and names it."""

    @classmethod
    def setUpClass(cls):
        # Small segments, so the requests below fill sealed ones.
        cls.server = Server(config_text='[audit]\nsegment_size = "4KiB"\n').start()
        s3 = boto3_client(cls.server)
        s3.create_bucket(Bucket="tamper")
        for i in range(40):
            s3.put_object(Bucket="tamper", Key=f"obj-{i}", Body=b"data")
        cls.first = segments(cls.server)[0]
        with open(cls.first, "rb") as f:
            cls.pristine = f.read()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def tearDown(self):
        with open(self.first, "wb") as f:
            f.write(self.pristine)
        out = verify(self.server)
        self.assertEqual(out.returncode, 0, "restoring the file restores the chain: " + out.stdout)

    def test_setup_left_sealed_segments(self):
        self.assertGreaterEqual(len(segments(self.server)), 2)
        last = json.loads(read_lines(self.first)[-1])
        self.assertEqual(last["type"], "seal")

    def broken(self):
        out = verify(self.server)
        self.assertEqual(out.returncode, 1, out.stdout + out.stderr)
        self.assertIn("BROKEN", out.stdout)
        return out.stdout

    def test_edited_record_is_named(self):
        lines = read_lines(self.first)
        self.assertIn(b'"status":200', lines[2])
        lines[2] = lines[2].replace(b'"status":200', b'"status":404')
        write_lines(self.first, lines)
        self.assertIn("segment 1 record 3: edited", self.broken())
        report = json.loads(admin(self.server, "--json", "audit", "verify", check=False).stdout)
        self.assertFalse(report["ok"])
        self.assertEqual(report["problems"][0],
                         {**report["problems"][0], "segment": 1, "record": 3, "kind": "edited"})

    def test_edit_with_recomputed_hash_is_named(self):
        import hashlib
        lines = read_lines(self.first)
        record = lines[3]
        body = record[:record.rindex(b',"hash":"')].replace(b'"status":200', b'"status":201')
        lines[3] = body + b',"hash":"' + hashlib.sha256(body).hexdigest().encode() + b'"}'
        write_lines(self.first, lines)
        self.assertIn("segment 1 record 4: edited", self.broken())

    def test_deleted_record_is_named(self):
        lines = read_lines(self.first)
        seq = json.loads(lines[4])["seq"]
        del lines[4]
        write_lines(self.first, lines)
        out = self.broken()
        self.assertIn("segment 1 record 5: missing", out)
        self.assertIn(f"seq {seq}", out)

    def test_reordered_records_are_named(self):
        lines = read_lines(self.first)
        lines[5], lines[6] = lines[6], lines[5]
        write_lines(self.first, lines)
        out = self.broken()
        self.assertIn("segment 1 record 6: reordered", out)

    def test_cut_short_segment_is_named(self):
        lines = read_lines(self.first)
        write_lines(self.first, lines[:-3])
        out = self.broken()
        self.assertIn(f"segment 1 record {len(lines) - 2}: truncated", out)

    def test_offline_verify_of_a_copy_names_the_same_place(self):
        lines = read_lines(self.first)
        lines[2] = lines[2].replace(b'"status":200', b'"status":404')
        write_lines(self.first, lines)
        out = admin(self.server, "audit", "verify", "--dir", audit_dir(self.server), check=False)
        self.assertEqual(out.returncode, 1, out.stdout + out.stderr)
        self.assertIn("segment 1 record 3: edited", out.stdout)

    def test_removed_segment_is_named(self):
        self.assertGreaterEqual(len(segments(self.server)), 3)
        second = segments(self.server)[1]
        saved = second + ".saved"
        shutil.move(second, saved)
        try:
            out = self.broken()
            self.assertIn("segment 2: missing", out)
        finally:
            shutil.move(saved, second)


class AuditCrashTest(unittest.TestCase):
    def test_kill9_keeps_every_acknowledged_put(self):
        with Server() as server:
            s3 = boto3_client(server)
            s3.create_bucket(Bucket="crash")
            rids = []
            for i in range(40):
                r = s3.put_object(Bucket="crash", Key=f"k{i}", Body=os.urandom(1000))
                rids.append(r["ResponseMetadata"]["RequestId"])
            last = s3.get_object(Bucket="crash", Key="k0")["ResponseMetadata"]["RequestId"]
            server.kill9()
            offline = admin(server, "audit", "verify", "--dir", audit_dir(server), check=False)
            self.assertEqual(offline.returncode, 0, offline.stdout + offline.stderr)
            server.start()
            records = {r.get("rid"): r for r in export(server)}
            for i, rid in enumerate(rids):
                self.assertIn(rid, records, f"the record of acknowledged PUT k{i} was lost")
                self.assertEqual((records[rid]["op"], records[rid]["object"]), ("PutObject", f"k{i}"))
            self.assertIn(last, records, "an answered GET keeps its record through kill -9 too")
            out = verify(server)
            self.assertEqual(out.returncode, 0, out.stdout)


class AuditSecretsTest(unittest.TestCase):
    def test_no_secret_reaches_the_log(self):
        with Server() as server:
            s3 = boto3_client(server)
            s3.create_bucket(Bucket="secrets")
            s3.put_object(Bucket="secrets", Key="a", Body=b"payload")
            url = s3.generate_presigned_url("get_object", Params={"Bucket": "secrets", "Key": "a"},
                                            ExpiresIn=300)
            with urllib.request.urlopen(url) as r:
                self.assertEqual(r.read(), b"payload")
            signature = url.split("X-Amz-Signature=")[1].split("&")[0]
            sse_key = b"K" * 32
            try:
                s3.put_object(Bucket="secrets", Key="c", Body=b"x", SSECustomerAlgorithm="AES256",
                              SSECustomerKey=sse_key.decode())
            except Exception:  # noqa: BLE001 - refused or not, the key must not be logged
                pass
            admin(server, "user", "create", "clerk")
            key = json.loads(admin(server, "--json", "key", "create", "clerk").stdout)
            token = json.loads(admin(server, "--json", "token", "create", "--user", "clerk",
                                     "--scope", "dicomweb").stdout)["token"]
            clerk = boto3_client(server, access_key=key["access_key_id"],
                                 secret_key=key["secret_access_key"])
            with self.assertRaises(botocore.exceptions.ClientError):
                clerk.get_object(Bucket="secrets", Key="a")

            text = b"".join(open(p, "rb").read() for p in segments(server))
            records = [json.loads(line) for line in text.splitlines()]
            self.assertTrue(any(r.get("op") == "GetObject" and r.get("status") == 200
                                for r in records), "the presigned GET is recorded")
            self.assertTrue(any(r.get("key") == key["access_key_id"] for r in records))
            for secret in (server.secret_key, key["secret_access_key"], signature, token,
                           sse_key.decode(), base64.b64encode(sse_key).decode(),
                           "X-Amz-Signature", "X-Amz-Credential", "Signature=",
                           "AWS4-HMAC-SHA256", "Authorization", "?"):
                self.assertNotIn(secret.encode(), text, f"{secret!r} is in the audit log")


class AuditArchiveTest(unittest.TestCase):
    def test_sealed_segments_are_copied_to_the_cloud_target(self):
        with Server(role="cloud") as cloud:
            cloud_s3 = boto3_client(cloud)
            cloud_s3.create_bucket(Bucket="audit-archive")
            config = ('[audit]\nsegment_size = "4KiB"\nupload_target = "offsite"\n'
                      'upload_interval = "0.2s"\n')
            with Server(config_text=config) as array:
                add_target(array, cloud, "offsite", "audit-archive")
                s3 = boto3_client(array)
                s3.create_bucket(Bucket="archived")
                for i in range(40):
                    s3.put_object(Bucket="archived", Key=f"k{i}", Body=b"v")
                sealed = segments(array)[:-1]
                self.assertGreaterEqual(len(sealed), 2)
                names = {"audit/" + os.path.basename(p) for p in sealed}
                deadline = time.time() + 60
                while True:
                    listed = cloud_s3.list_objects_v2(Bucket="audit-archive", Prefix="audit/")
                    keys = {o["Key"] for o in listed.get("Contents", [])}
                    if names <= keys or time.time() > deadline:
                        break
                    time.sleep(0.2)
                self.assertLessEqual(names, keys, array.log()[-3000:])
                copy = os.path.join(array.data_dir, "copy")
                os.mkdir(copy)
                for path in sealed:
                    name = os.path.basename(path)
                    body = cloud_s3.get_object(Bucket="audit-archive",
                                               Key="audit/" + name)["Body"].read()
                    with open(path, "rb") as f:
                        self.assertEqual(body, f.read(), name)
                    with open(os.path.join(copy, name), "wb") as f:
                        f.write(body)
                out = admin(array, "audit", "verify", "--dir", copy, check=False)
                self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
                _, text, _ = array.metrics()
                values = {line.split()[0]: float(line.split()[1]) for line in text.splitlines()
                          if line.startswith("skyarray_audit_")}
                self.assertGreaterEqual(values["skyarray_audit_archived_segment"], len(sealed))
                self.assertEqual(values["skyarray_audit_archive_failing"], 0)


class AuditDisabledTest(unittest.TestCase):
    def test_turned_off_writes_nothing_and_says_so(self):
        with Server(config_text="[audit]\nenabled = false\n") as server:
            boto3_client(server).create_bucket(Bucket="quiet")
            self.assertEqual(segments(server), [])
            out = verify(server)
            self.assertNotEqual(out.returncode, 0)
            self.assertIn("turned off", out.stderr)


if __name__ == "__main__":
    unittest.main()
