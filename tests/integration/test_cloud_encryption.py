"""Client-side encryption of the cloud tier: array A uploads to cloud C
(`serve --role cloud`) through a target added with `--encrypt`.

- C holds only ciphertext (read straight from C with boto3): no object body
  equals or contains its plaintext, the change journal does not name the
  keys, and neither the key nor any encoding of it appears anywhere in C;
- small, empty, segment-sized, multi-segment and multipart objects round
  trip; a cache link's evicted objects read through from C byte-identical,
  whole and in ranges at segment boundaries;
- A wiped: `admin cloud key export` wrote the key file (0600); restore on a
  new array without it fails clearly, with `--key-file` every object comes
  back byte-identical with its attributes;
- an object altered in C is refused, not served wrong.
"""

import base64
import hashlib
import os
import stat
import tempfile
import time
import unittest

from cloud_helpers import add_target, admin, status, wait_drained
from skyarray_harness import Server, boto3_client

CONFIG = """
[cloud]
multipart_threshold = "5MiB"
part_size = "5MiB"
retry_base = "100ms"
retry_max = "1s"
poll_interval = "50ms"
evict_interval = "100ms"
journal_interval = "200ms"
"""
KIB = 1024
MIB = 1 << 20
SEG = 64 * KIB
TAG = 16


def blob(n, seed):
    out = bytearray()
    block = hashlib.sha256(seed.encode()).digest() * 4096
    while len(out) < n:
        out += block
    return bytes(out[:n])


def encrypted_size(n):
    return n + TAG * max(1, -(-n // SEG))


class CloudEncryptionTest(unittest.TestCase):
    def setUp(self):
        self.cloud = Server(role="cloud").start()
        self.array = Server(config_text=CONFIG).start()
        self.a = boto3_client(self.array)
        self.c = boto3_client(self.cloud)
        self.c.create_bucket(Bucket="offsite")
        self.a.create_bucket(Bucket="pacs")
        self.tmp = tempfile.mkdtemp(prefix="skyarray-keys-")
        self.others = []

    def tearDown(self):
        for s in [self.array, self.cloud] + self.others:
            try:
                s.__exit__(None, None, None)
            except Exception:
                pass
        for f in os.listdir(self.tmp):
            os.unlink(os.path.join(self.tmp, f))
        os.rmdir(self.tmp)

    def cloud_objects(self):
        out = {}
        for page in self.c.get_paginator("list_objects_v2").paginate(Bucket="offsite"):
            for o in page.get("Contents", []):
                got = self.c.get_object(Bucket="offsite", Key=o["Key"])
                out[o["Key"]] = (got["Body"].read(), got["Metadata"])
        return out

    def export_key(self):
        path = os.path.join(self.tmp, "c1.key")
        out = admin(self.array, "cloud", "key", "export", "--target", "c1", "--out", path).stdout
        self.assertIn("written to", out)
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
        import json
        with open(path) as f:
            entry = json.load(f)["keys"][0]
        self.assertEqual(entry["target"], "c1")
        return path, base64.b64decode(entry["key"]), entry["key_id"]

    def test_cloud_sees_only_ciphertext_and_restore_needs_the_key(self):
        add_target(self.array, self.cloud, "c1", "offsite", None, "--prefix", "site1/",
                   "--encrypt")
        admin(self.array, "cloud", "link", "--bucket", "pacs", "--target", "c1")
        objs = {
            "studies/small.dcm": blob(1000, "small"),
            "studies/empty.dcm": b"",
            "studies/one-segment.dcm": blob(SEG, "seg"),
            "studies/multi-segment.dcm": blob(300 * KIB + 7, "multi"),
            "studies/multipart.dcm": blob(11 * MIB + 5, "mp"),  # 3 parts of 5 MiB
            "studies/exact-parts.dcm": blob(10 * MIB, "exact"),  # last part full
        }
        for k, v in objs.items():
            self.a.put_object(Bucket="pacs", Key=k, Body=v, ContentType="application/dicom",
                              Metadata={"series": k[-12:-4]})
        self.a.put_object_tagging(Bucket="pacs", Key="studies/small.dcm",
                                  Tagging={"TagSet": [{"Key": "dept", "Value": "cardio"}]})
        wait_drained(self.array)
        key_file, kek, key_id = self.export_key()
        time.sleep(1)  # a journal segment goes up

        cloud = self.cloud_objects()
        for k, v in objs.items():
            body, meta = cloud["site1/" + k]
            self.assertEqual(len(body), encrypted_size(len(v)), k)
            self.assertNotEqual(body, v, k)
            if len(v) >= 64:
                self.assertNotIn(v[:64], body, k)
                self.assertNotIn(v[-64:], body, k)
            self.assertEqual(meta["skyarray-enc"], "1")
            self.assertEqual(meta["skyarray-enc-key-id"], key_id)
            self.assertEqual(meta["series"], k[-12:-4])  # metadata is not encrypted
        journal = [b for key, (b, _) in cloud.items() if "/.skyarray/journal/" in key]
        self.assertTrue(journal, list(cloud))
        for body in journal:
            self.assertNotIn(b"small.dcm", body)
        # The key is in C in no form: raw, base64, hex.
        needles = [kek, base64.b64encode(kek), kek.hex().encode()]
        for key, (body, meta) in cloud.items():
            text = body + repr(meta).encode()
            for n in needles:
                self.assertNotIn(n, text, key)
        # A still reads its own objects (local copies).
        self.assertEqual(self.a.get_object(Bucket="pacs", Key="studies/multipart.dcm")["Body"]
                         .read(), objs["studies/multipart.dcm"])

        # Disaster: A is gone. A new array without the key cannot restore.
        self.array.__exit__(None, None, None)
        fresh = Server(config_text=CONFIG).start()
        self.others.append(fresh)
        add_target(fresh, self.cloud, "c1", "offsite", None, "--prefix", "site1/")
        no_key = admin(fresh, "cloud", "restore", "--target", "c1", "--bucket", "nokey",
                       check=False)
        self.assertNotEqual(no_key.returncode, 0, no_key.stdout)
        self.assertIn("encrypted with key " + key_id, no_key.stderr)
        b = boto3_client(fresh)
        stored = b.list_objects_v2(Bucket="nokey").get("Contents", []) if any(
            x["Name"] == "nokey" for x in b.list_buckets()["Buckets"]) else []
        for o in stored:  # no record serves ciphertext
            with self.assertRaises(Exception):
                b.get_object(Bucket="nokey", Key=o["Key"])["Body"].read()

        # With the exported key file every object comes back byte-identical.
        out = admin(fresh, "cloud", "restore", "--target", "c1", "--bucket", "pacs",
                    "--key-file", key_file).stdout
        self.assertIn("restored bucket pacs", out)
        listed = {o["Key"]: o["Size"] for o in b.list_objects_v2(Bucket="pacs")["Contents"]}
        self.assertEqual(listed, {k: len(v) for k, v in objs.items()})
        for k, v in objs.items():
            got = b.get_object(Bucket="pacs", Key=k)
            self.assertEqual(got["Body"].read(), v, k)
            self.assertEqual(got["ContentType"], "application/dicom")
            self.assertEqual(got["Metadata"], {"series": k[-12:-4]})
        tags = b.get_object_tagging(Bucket="pacs", Key="studies/small.dcm")["TagSet"]
        self.assertEqual(tags, [{"Key": "dept", "Value": "cardio"}])
        # Importing a different key for the target is refused.
        other = os.path.join(self.tmp, "other.key")
        with open(os.open(other, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
            f.write('{"v":1,"keys":[{"target":"c1","key_id":"00000000000000aa","key":"%s"}]}'
                    % base64.b64encode(b"k" * 32).decode())
        clash = admin(fresh, "cloud", "key", "import", "--target", "c1", "--key-file", other,
                      check=False)
        self.assertNotEqual(clash.returncode, 0)
        self.assertIn("already has key " + key_id, clash.stderr)

    def test_read_through_of_evicted_objects_and_tampering(self):
        add_target(self.array, self.cloud, "c1", "offsite", None, "--encrypt")
        data = {f"cold/{i}.dcm": blob(2 * MIB + 1000 * i, f"c{i}") for i in range(8)}
        for k, v in data.items():
            self.a.put_object(Bucket="pacs", Key=k, Body=v, ContentType="application/dicom")
        admin(self.array, "cloud", "link", "--bucket", "pacs", "--target", "c1", "--mode",
              "cache", "--cache-bytes", str(8 * MIB))
        wait_drained(self.array)
        deadline = time.time() + 20
        while status(self.array)["evicted_objects"] < 4 and time.time() < deadline:
            time.sleep(0.1)
        st = status(self.array)
        self.assertGreaterEqual(st["evicted_objects"], 4, st)

        # One ciphertext byte changed in C: an evicted object read through is
        # an error, never other bytes. (Ranged reads: they do not re-cache.)
        evicted = None
        for k in sorted(data):
            body = self.c.get_object(Bucket="offsite", Key=k)["Body"].read()
            meta = self.c.head_object(Bucket="offsite", Key=k)["Metadata"]
            altered = bytearray(body)
            altered[SEG + TAG + 10] ^= 1
            self.c.put_object(Bucket="offsite", Key=k, Body=bytes(altered), Metadata=meta)
            try:
                bad = self.a.get_object(Bucket="pacs", Key=k, Range=f"bytes={SEG}-{SEG + 99}")
                got = bad["Body"].read()
            except Exception:
                evicted = k  # refused: the object lives in the cloud only
                self.c.put_object(Bucket="offsite", Key=k, Body=body, Metadata=meta)
                break
            self.assertEqual(got, data[k][SEG:SEG + 100])  # still local: served from A
            self.c.put_object(Bucket="offsite", Key=k, Body=body, Metadata=meta)
        self.assertIsNotNone(evicted, "no evicted object found")

        before = st["read_through_bytes"]
        ranges = [(0, 1), (SEG - 1, 2), (SEG, SEG), (SEG - 1, SEG + 2), (3 * SEG + 5, 10),
                  (MIB - 3, 7), (100, 2 * MIB)]
        for k, v in data.items():
            for first, n in ranges:
                last = min(first + n, len(v)) - 1
                got = self.a.get_object(Bucket="pacs", Key=k, Range=f"bytes={first}-{last}")
                self.assertEqual(got["Body"].read(), v[first:last + 1], (k, first, n))
            tail = self.a.get_object(Bucket="pacs", Key=k, Range="bytes=-1")["Body"].read()
            self.assertEqual(tail, v[-1:])
            got = self.a.get_object(Bucket="pacs", Key=k)
            self.assertEqual(got["Body"].read(), v, k)
            self.assertEqual(got["ETag"].strip('"'), hashlib.md5(v).hexdigest())
        self.assertGreater(status(self.array)["read_through_bytes"] - before, 4 * 2 * MIB)

if __name__ == "__main__":
    unittest.main()
