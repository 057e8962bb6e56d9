"""Cache mode: array A keeps at most --cache-bytes of bucket `pacs` locally.
Filling it past that evicts the least recently read objects whose cloud copy
is current; listings and metadata stay; reads of evicted objects (whole and
ranged) stream from cloud C with the right bytes and headers; pinned prefixes
stay local (readable with C down, while evicted objects are not)."""

import hashlib
import time
import unittest

import botocore.exceptions

from cloud_helpers import add_target, admin, status, wait_drained
from skyarray_harness import Server, boto3_client

CONFIG = """
[cloud]
poll_interval = "50ms"
evict_interval = "100ms"
retry_base = "100ms"
retry_max = "1s"
# Reads below check that evicted objects stay in the cloud (re-caching on
# read is tested in test_cloud_restore).
recache = "never"
"""
MIB = 1 << 20


def blob(n, seed):
    out = bytearray()
    block = hashlib.sha256(seed.encode()).digest() * 4096
    while len(out) < n:
        out += block
    return bytes(out[:n])


class CloudCacheTest(unittest.TestCase):
    def setUp(self):
        self.cloud = Server(role="cloud").start()
        self.array = Server(config_text=CONFIG).start()
        self.a = boto3_client(self.array)
        self.c = boto3_client(self.cloud)

    def tearDown(self):
        for s in (self.array, self.cloud):
            try:
                s.__exit__(None, None, None)
            except Exception:
                pass

    def test_eviction_and_read_through(self):
        self.c.create_bucket(Bucket="tier")
        self.a.create_bucket(Bucket="pacs")
        data = {}
        for i in range(8):
            data[f"cold/{i}.dcm"] = blob(2 * MIB, f"c{i}")
        data["pinned/a.dcm"] = blob(2 * MIB, "pa")
        data["pinned/b.dcm"] = blob(2 * MIB, "pb")
        for k, v in data.items():
            self.a.put_object(Bucket="pacs", Key=k, Body=v, ContentType="application/dicom",
                              Metadata={"k": k})
        # Recently read objects are kept over older ones.
        for k in ("cold/6.dcm", "cold/7.dcm"):
            self.a.get_object(Bucket="pacs", Key=k)["Body"].read()
        # Linking queues what the bucket holds; eviction starts as uploads finish.
        add_target(self.array, self.cloud, "c1", "tier")
        admin(self.array, "cloud", "link", "--bucket", "pacs", "--target", "c1", "--mode",
              "cache", "--cache-bytes", str(10 * MIB), "--pin", "pinned/")
        wait_drained(self.array)
        deadline = time.time() + 20
        st = status(self.array)
        while st["evicted_objects"] < 5 and time.time() < deadline:
            time.sleep(0.1)
            st = status(self.array)
        self.assertGreater(st["evicted_objects"], 0, st)
        # 20 MiB in, watermark 10 MiB: the coldest go, down to 8 MiB (6
        # objects) when every upload was verified before the pass, or to the
        # 10 MiB watermark (5) when a pass ran while the 6th was still
        # uploading (it is not evicted unverified, nor replaced by a hotter
        # object; at the watermark no further pass is needed).
        time.sleep(0.5)
        st = status(self.array)
        self.assertIn(st["evicted_objects"], (5, 6), st)
        self.assertLessEqual(20 * MIB - st["evicted_bytes"], 10 * MIB, st)

        # Listings and metadata are unchanged.
        listed = {o["Key"]: o["Size"] for o in self.a.list_objects_v2(Bucket="pacs")["Contents"]}
        self.assertEqual(listed, {k: len(v) for k, v in data.items()})
        head = self.a.head_object(Bucket="pacs", Key="cold/0.dcm")
        self.assertEqual(head["ContentLength"], len(data["cold/0.dcm"]))
        self.assertEqual(head["Metadata"], {"k": "cold/0.dcm"})

        # Reads through the cloud: whole and ranged, with the object's headers.
        before = status(self.array)["read_through_bytes"]
        got = self.a.get_object(Bucket="pacs", Key="cold/1.dcm")
        self.assertEqual(got["Body"].read(), data["cold/1.dcm"])
        self.assertEqual(got["ContentType"], "application/dicom")
        self.assertEqual(got["ETag"].strip('"'), hashlib.md5(data["cold/1.dcm"]).hexdigest())
        rng = self.a.get_object(Bucket="pacs", Key="cold/2.dcm", Range="bytes=1000-1999999")
        self.assertEqual(rng["Body"].read(), data["cold/2.dcm"][1000:2000000])
        self.assertEqual(rng["ContentRange"], f"bytes 1000-1999999/{len(data['cold/2.dcm'])}")
        after = status(self.array)["read_through_bytes"]
        self.assertGreaterEqual(after - before, len(data["cold/1.dcm"]) + 1999000)

        # With the cloud down, pinned and hot objects still read locally;
        # evicted ones cannot (they really live in the cloud).
        self.cloud.stop()
        for k in ("pinned/a.dcm", "pinned/b.dcm", "cold/7.dcm"):
            self.assertEqual(self.a.get_object(Bucket="pacs", Key=k)["Body"].read(), data[k])
        with self.assertRaises(Exception):
            self.a.get_object(Bucket="pacs", Key="cold/0.dcm")["Body"].read()
        self.cloud.start()
        self.assertEqual(self.a.get_object(Bucket="pacs", Key="cold/0.dcm")["Body"].read(),
                         data["cold/0.dcm"])
        # Overwriting an evicted object stores it locally again and re-uploads.
        self.a.put_object(Bucket="pacs", Key="cold/0.dcm", Body=b"new version")
        wait_drained(self.array)
        self.assertEqual(self.c.get_object(Bucket="tier", Key="cold/0.dcm")["Body"].read(),
                         b"new version")
        self.assertEqual(self.a.get_object(Bucket="pacs", Key="cold/0.dcm")["Body"].read(),
                         b"new version")


if __name__ == "__main__":
    unittest.main()
