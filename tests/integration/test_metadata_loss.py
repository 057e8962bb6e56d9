"""Metadata drive loss with writes after the last checkpoint (issue 5,
"Metadata protection"): every acknowledged write survives.

An array is loaded through boto3 (inline and multi-chunk objects, a
multipart upload, a versioned bucket with overwrites, deletes, a new user
with a key), checkpointed, then loaded MORE; the server is killed with
SIGKILL, its metadata directory deleted, and `skyarray admin
recover-metadata` restores the checkpoint and replays the metadata journal
from the data drives. After a restart every acknowledged object reads back
byte-identical (all versions), deleted objects stay deleted, the users
and keys created after the checkpoint still work, and every version's
Object Lock (set before or after the checkpoint) still refuses deletion.
"""

import base64
import datetime
import hashlib
import json
import os
import random
import re
import shutil
import subprocess
import tempfile
import time
import unittest

from botocore.exceptions import ClientError

from skyarray_harness import Server, admin, binary, boto3_client


def config(root, drives):
    lines = ['[store]', 'replicas = 2', 'chunk_size = "1MiB"', 'reserve = "0"',
             'checkpoint_interval = "0"', 'scrub_interval = "0"', 'gc_interval = "1s"', '']
    for i in range(drives):
        lines += ['[[drive]]', f'path = "{root}/bay{i}"', f'label = "node{i % 2}/enc0/{i}"', '']
    return "\n".join(lines)


class MetadataLossTest(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="skyarray-metaloss-")
        self.data = os.path.join(self.root, "data")
        os.makedirs(self.data)
        self.server = Server(data_dir=self.data, config_text=config(self.root, 4)).start()
        self.s3 = boto3_client(self.server)
        self.rng = random.Random(5)
        self.objects = {}   # (bucket, key) -> bytes: must read back
        self.deleted = set()  # (bucket, key): must stay deleted
        self.versions = {}  # key in the versioned bucket -> [(version id, bytes)], oldest first
        self.users = []     # (user, access key, secret)
        self.locks = {}     # key in the Object Lock bucket -> (version id, mode, date, hold)

    def tearDown(self):
        self.server.kill9()
        shutil.rmtree(self.root, ignore_errors=True)

    def put(self, bucket, key, size):
        body = self.rng.randbytes(size)
        self.s3.put_object(Bucket=bucket, Key=key, Body=body)
        self.objects[(bucket, key)] = body

    def multipart(self, bucket, key, sizes):
        up = self.s3.create_multipart_upload(Bucket=bucket, Key=key)
        parts, whole = [], b""
        for n, size in enumerate(sizes, 1):
            body = self.rng.randbytes(size)
            r = self.s3.upload_part(Bucket=bucket, Key=key, UploadId=up["UploadId"],
                                    PartNumber=n, Body=body)
            parts.append({"PartNumber": n, "ETag": r["ETag"]})
            whole += body
        self.s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=up["UploadId"],
                                          MultipartUpload={"Parts": parts})
        self.objects[(bucket, key)] = whole

    def version(self, key, size):
        body = self.rng.randbytes(size)
        r = self.s3.put_object(Bucket="versions", Key=key, Body=body)
        self.versions.setdefault(key, []).append((r["VersionId"], body))

    def delete(self, bucket, key):
        self.s3.delete_object(Bucket=bucket, Key=key)
        self.objects.pop((bucket, key), None)
        self.deleted.add((bucket, key))

    def lock(self, key, mode, until, hold="OFF"):
        body = self.rng.randbytes(2000)
        r = self.s3.put_object(Bucket="vault", Key=key, Body=body,
                               ContentMD5=base64.b64encode(hashlib.md5(body).digest()).decode(),
                               ObjectLockMode=mode, ObjectLockRetainUntilDate=until,
                               ObjectLockLegalHoldStatus=hold)
        self.locks[key] = (r["VersionId"], mode, until, hold)

    def new_user(self, name):
        admin(self.server, "user", "create", name)
        out = admin(self.server, "--json", "key", "create", name).stdout
        k = json.loads(out)
        self.users.append((name, k["access_key_id"], k["secret_access_key"]))

    def load(self, tag):
        """One round of every kind of change."""
        self.put("main", f"{tag}/small-1", 1000)          # inline in metadata
        self.put("main", f"{tag}/small-2", 60_000)        # inline, near the limit
        self.put("main", f"{tag}/big", 2_500_000)         # three chunks
        self.multipart("main", f"{tag}/mpu", [5 << 20, 300_000])
        self.version("doc", 3000)
        self.version("doc", 1_200_000)
        self.version(f"{tag}/v", 500)
        self.put("main", f"{tag}/doomed-small", 2000)
        self.put("main", f"{tag}/doomed-big", 1_500_000)
        self.delete("main", f"{tag}/doomed-small")
        self.delete("main", f"{tag}/doomed-big")
        self.new_user(f"user-{tag}")

    def check(self):
        for (bucket, key), body in self.objects.items():
            got = self.s3.get_object(Bucket=bucket, Key=key)["Body"].read()
            self.assertEqual(hashlib.sha256(got).hexdigest(), hashlib.sha256(body).hexdigest(),
                             f"{bucket}/{key}")
        for bucket, key in self.deleted:
            with self.assertRaises(ClientError, msg=f"{bucket}/{key} came back") as e:
                self.s3.head_object(Bucket=bucket, Key=key)
            self.assertEqual(e.exception.response["Error"]["Code"], "404")
        listed = self.s3.list_object_versions(Bucket="versions")["Versions"] if self.versions else []
        got_ids = sorted(v["VersionId"] for v in listed)
        want_ids = sorted(v for vs in self.versions.values() for v, _ in vs)
        self.assertEqual(got_ids, want_ids)
        for key, vs in self.versions.items():
            for vid, body in vs:
                got = self.s3.get_object(Bucket="versions", Key=key, VersionId=vid)["Body"].read()
                self.assertEqual(got, body, f"versions/{key}@{vid}")
            latest = self.s3.get_object(Bucket="versions", Key=key)["Body"].read()
            self.assertEqual(latest, vs[-1][1])
        for key, (vid, mode, until, hold) in self.locks.items():
            head = self.s3.head_object(Bucket="vault", Key=key, VersionId=vid)
            self.assertEqual((head["ObjectLockMode"], head["ObjectLockRetainUntilDate"],
                              head.get("ObjectLockLegalHoldStatus", "OFF")),
                             (mode, until, hold), f"vault/{key}")
            with self.assertRaises(ClientError) as e:
                self.s3.delete_object(Bucket="vault", Key=key, VersionId=vid,
                                      BypassGovernanceRetention=True)
            self.assertEqual(e.exception.response["Error"]["Code"], "AccessDenied")
        names = admin(self.server, "--json", "user", "list").stdout
        for name, access, secret in self.users:
            self.assertIn(f'"{name}"', names)
            client = boto3_client(self.server, access_key=access, secret_key=secret)
            client.list_buckets()  # the key authenticates

    def test_writes_after_the_checkpoint_survive_metadata_loss(self):
        self.s3.create_bucket(Bucket="main")
        self.s3.create_bucket(Bucket="versions")
        self.s3.put_bucket_versioning(Bucket="versions",
                                      VersioningConfiguration={"Status": "Enabled"})
        self.s3.create_bucket(Bucket="vault", ObjectLockEnabledForBucket=True)
        y2045 = datetime.datetime(2045, 1, 1, tzinfo=datetime.timezone.utc)
        self.lock("before", "COMPLIANCE", y2045)
        self.load("before")
        admin(self.server, "checkpoint")
        self.load("after")  # only the journal knows these
        self.lock("after", "GOVERNANCE", y2045, hold="ON")
        # An extension after the checkpoint: the journal has the longer date.
        y2099 = datetime.datetime(2099, 1, 1, tzinfo=datetime.timezone.utc)
        vid = self.locks["before"][0]
        self.s3.put_object_retention(Bucket="vault", Key="before", VersionId=vid,
                                     Retention={"Mode": "COMPLIANCE", "RetainUntilDate": y2099})
        self.locks["before"] = (vid, "COMPLIANCE", y2099, "OFF")
        self.s3.create_bucket(Bucket="late")
        self.put("late", "only", 4096)
        self.delete("main", "before/small-1")  # a delete of an object the checkpoint has
        self.check()
        time.sleep(2.5)  # let GC remove the deleted objects' files (else: lost+found)

        self.server.kill9()
        shutil.rmtree(os.path.join(self.data, "meta"))  # the metadata drive dies
        out = self.recover()
        self.assertIn("lost (no replica)       0", out)
        replayed = int(re.search(r"journal batches replayed (\d+)", out).group(1))
        self.assertGreaterEqual(replayed, 15)  # ~17 changes after the checkpoint
        self.assertIn("unreferenced files      0", out)

        self.server.start()
        self.check()
        meta = self.health()["metadata"]
        self.assertEqual(meta["state"], "ok", meta)
        self.assertEqual(len(meta["journal_copies"]), 2)

        # Protection resumed: another loss, with no checkpoint taken by hand,
        # is recovered too (the restart checkpointed and started a segment).
        self.put("main", "after-recovery", 3000)
        self.server.kill9()
        shutil.rmtree(os.path.join(self.data, "meta"))
        self.recover()
        self.server.start()
        self.check()

    def test_losing_every_journal_copy_shows_in_health_until_a_checkpoint(self):
        self.s3.create_bucket(Bucket="main")
        self.put("main", "a", 1000)
        meta = self.health()["metadata"]
        self.assertEqual(meta["state"], "ok", meta)
        self.assertEqual(len(meta["journal_copies"]), 2)
        # The next segment's file on both journal drives is a device that
        # refuses writes: every append fails after the checkpoint below.
        for d in meta["journal_copies"]:
            os.symlink("/dev/full", os.path.join(d, "%020d.mjl" % meta["sequence"]))
        admin(self.server, "checkpoint")
        self.put("main", "b", 1000)  # still acknowledged: RocksDB has it
        health = self.health()
        self.assertEqual(health["metadata"]["state"], "degraded", health["metadata"])
        self.assertEqual(len(health["metadata"]["journal_failed"]), 2)
        self.assertEqual(health["status"], "degraded")
        self.assertIn("degraded", admin(self.server, "health").stdout)
        # The background loop retries a checkpoint, which starts a segment
        # on fresh files: protection comes back by itself.
        deadline = time.time() + 90
        while time.time() < deadline and self.health()["metadata"]["state"] != "ok":
            time.sleep(1)
        self.assertEqual(self.health()["metadata"]["state"], "ok")
        self.put("main", "c", 1000)
        self.server.kill9()
        shutil.rmtree(os.path.join(self.data, "meta"))
        self.recover()
        self.server.start()
        self.check()

    def health(self):
        return json.loads(admin(self.server, "--json", "health").stdout)

    def recover(self):
        proc = subprocess.run([binary(), "admin", "recover-metadata", "--data", self.data,
                               "--config", os.path.join(self.data, "skyarray-test.toml")],
                              capture_output=True, text=True, timeout=300)
        print("\n" + proc.stdout)
        self.assertEqual(proc.returncode, 0, proc.stderr + proc.stdout)
        return proc.stdout


if __name__ == "__main__":
    unittest.main()
