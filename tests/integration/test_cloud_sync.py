"""Cloud tier end to end: array A syncs a bucket to cloud C (`serve --role
cloud`), both real processes on loopback.

- objects written to A over S3 appear in C under the same keys with the same
  bytes, Content-Type, user metadata and tags (checked with awscli and boto3);
  overwrites and deletes follow;
- `admin cloud test` reports each check, and a wrong secret clearly;
- C stopped under writes: A keeps serving, the backlog grows, then drains
  when C returns and C equals A;
- kill -9 of A during a multipart upload: after restart the upload resumes
  and completes without re-sending finished parts (PUTs counted by a proxy);
- A's data directory wiped: `admin cloud restore` on a new array rebuilds the
  bucket byte-identical from C.
"""

import hashlib
import json
import os
import subprocess
import tempfile
import time
import unittest

from cloud_helpers import CountingProxy, add_target, admin, status, wait_drained
from skyarray_harness import Server, boto3_client

CONFIG = """
[cloud]
multipart_threshold = "5MiB"
part_size = "5MiB"
retry_base = "100ms"
retry_max = "2s"
poll_interval = "50ms"
"""


def blob(n, seed):
    out = bytearray()
    block = hashlib.sha256(seed.encode()).digest() * 2048
    while len(out) < n:
        out += block
    return bytes(out[:n])


def cloud_objects(cloud, bucket, private=False):
    """The cloud bucket as listed by awscli v2 (Debian's /usr/bin/aws), without
    the array's private state under .skyarray/ unless `private`."""
    out = subprocess.run(["/usr/bin/aws", "--endpoint-url", cloud.endpoint, "s3api",
                          "list-objects-v2", "--bucket", bucket, "--output", "json"],
                         env=cloud.env(), capture_output=True, text=True, timeout=60,
                         check=True).stdout
    objs = (json.loads(out) if out.strip() else {}).get("Contents", [])
    return {o["Key"]: o for o in objs if private or "/.skyarray/" not in "/" + o["Key"]}


class CloudSyncTest(unittest.TestCase):
    def setUp(self):
        self.cloud = Server(role="cloud").start()
        self.array = Server(config_text=CONFIG).start()
        self.a = boto3_client(self.array)
        self.c = boto3_client(self.cloud)
        self.c.create_bucket(Bucket="offsite")
        self.a.create_bucket(Bucket="pacs")

    def tearDown(self):
        for s in (self.array, self.cloud):
            try:
                s.__exit__(None, None, None)
            except Exception:
                pass

    def link(self, endpoint=None, prefix="site1/"):
        add_target(self.array, self.cloud, "c1", "offsite", endpoint, "--prefix", prefix)
        admin(self.array, "cloud", "link", "--bucket", "pacs", "--target", "c1", "--mode", "sync")

    def test_objects_reach_cloud_one_to_one(self):
        self.a.put_object(Bucket="pacs", Key="before-link.dcm", Body=b"existing")
        self.link()
        objs = {
            "studies/1/series/1/a.dcm": blob(1000, "a"),
            "studies/1/series/1/b.dcm": blob(300 * 1024, "b"),
            "large/ct.bin": blob(12 * 1024 * 1024 + 17, "ct"),
        }
        for k, v in objs.items():
            self.a.put_object(Bucket="pacs", Key=k, Body=v, ContentType="application/dicom",
                              Metadata={"patient": "anon-7", "modality": "CT"},
                              Tagging="retention=15y&site=one")
        st = wait_drained(self.array)
        self.assertEqual(st["errors"], 0, st)
        listed = cloud_objects(self.cloud, "offsite")
        self.assertEqual(set(listed), {"site1/" + k for k in objs} | {"site1/before-link.dcm"})
        for k, v in objs.items():
            got = self.c.get_object(Bucket="offsite", Key="site1/" + k)
            self.assertEqual(got["Body"].read(), v, k)
            self.assertEqual(got["ContentType"], "application/dicom")
            self.assertEqual(got["Metadata"], {"patient": "anon-7", "modality": "CT"})
            tags = self.c.get_object_tagging(Bucket="offsite", Key="site1/" + k)["TagSet"]
            self.assertEqual({t["Key"]: t["Value"] for t in tags},
                             {"retention": "15y", "site": "one"})
        small = listed["site1/studies/1/series/1/a.dcm"]
        self.assertEqual(small["ETag"].strip('"'), hashlib.md5(objs["studies/1/series/1/a.dcm"]).hexdigest())
        self.assertTrue(listed["site1/large/ct.bin"]["ETag"].strip('"').endswith("-3"))

        # Overwrite and delete follow; the cloud ends in the local final state.
        for i in range(5):
            self.a.put_object(Bucket="pacs", Key="studies/1/series/1/a.dcm", Body=b"v%d" % i)
        self.a.delete_object(Bucket="pacs", Key="studies/1/series/1/b.dcm")
        self.a.put_object_tagging(Bucket="pacs", Key="large/ct.bin",
                                  Tagging={"TagSet": [{"Key": "state", "Value": "read"}]})
        wait_drained(self.array)
        self.assertEqual(self.c.get_object(Bucket="offsite", Key="site1/studies/1/series/1/a.dcm")
                         ["Body"].read(), b"v4")
        self.assertNotIn("site1/studies/1/series/1/b.dcm", cloud_objects(self.cloud, "offsite"))
        tags = self.c.get_object_tagging(Bucket="offsite", Key="site1/large/ct.bin")["TagSet"]
        self.assertEqual(tags, [{"Key": "state", "Value": "read"}])

        # The change journal sits beside the data, under the private prefix.
        journal = [k for k in cloud_objects(self.cloud, "offsite", private=True)
                   if k.startswith("site1/.skyarray/journal/")]
        self.assertTrue(journal)
        lines = b"".join(self.c.get_object(Bucket="offsite", Key=k)["Body"].read()
                         for k in sorted(journal)).decode().splitlines()
        ops = [json.loads(l) for l in lines]
        self.assertIn({"op": "delete", "key": "studies/1/series/1/b.dcm"},
                      [{"op": o["op"], "key": o["key"]} for o in ops])
        human = admin(self.array, "cloud", "status").stdout
        self.assertIn("pacs", human)
        self.assertIn("c1", human)

    def test_target_test_reports_each_check(self):
        add_target(self.array, self.cloud, "good", "offsite")
        out = admin(self.array, "cloud", "test", "good").stdout
        self.assertIn("ok   reach and list", out)
        self.assertIn("ok   write (checksums verified)", out)
        admin(self.array, "cloud", "add", "bad", "--url", self.cloud.endpoint, "--bucket",
              "offsite", "--cloud-access-key", self.cloud.access_key, "--cloud-secret-key",
              "wrong-secret")
        proc = admin(self.array, "cloud", "test", "bad", check=False)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("FAIL reach and list", proc.stdout)
        self.assertIn("SignatureDoesNotMatch", proc.stdout)
        listed = json.loads(admin(self.array, "--json", "cloud", "list").stdout)["targets"]
        self.assertEqual({t["name"] for t in listed}, {"good", "bad"})
        self.assertNotIn("wrong-secret", json.dumps(listed))
        # The secret is sealed in metadata, never stored in clear.
        self.array.stop()
        meta_dir = self.array.data_dir
        found = subprocess.run(["grep", "-rl", "wrong-secret", meta_dir], capture_output=True)
        self.assertEqual(found.stdout, b"")
        self.array.start()
        admin(self.array, "cloud", "remove", "bad")

    def test_cloud_outage_backlog_drains(self):
        self.link()
        self.cloud.stop()
        expected = {}
        for i in range(20):
            body = blob(2000 + i, "outage%d" % i)
            self.a.put_object(Bucket="pacs", Key="o/%02d" % i, Body=body)
            expected["site1/o/%02d" % i] = body
        # A keeps serving reads and writes while the cloud is away.
        self.assertEqual(self.a.get_object(Bucket="pacs", Key="o/05")["Body"].read(),
                         expected["site1/o/05"])
        time.sleep(1.5)
        st = status(self.array)
        self.assertEqual(st["backlog_objects"], 20, st)
        self.assertGreater(st["errors"], 0)
        self.assertGreater(st["oldest_unsynced_seconds"], 1.0)
        self.cloud.start()
        wait_drained(self.array, timeout=60)
        listed = cloud_objects(self.cloud, "offsite")
        self.assertEqual(set(listed), set(expected))
        for k, v in expected.items():
            self.assertEqual(self.c.get_object(Bucket="offsite", Key=k)["Body"].read(), v)

    def test_kill9_during_multipart_resumes_without_resending_parts(self):
        # SKYARRAY_FULL_SIZE=1 runs the acceptance size (2 GiB, 410 parts, no
        # bandwidth limit); CI uses 40 MiB at 2 MiB/s (~20 s, time to kill A
        # midway).
        full = os.environ.get("SKYARRAY_FULL_SIZE") == "1"
        size = (2 << 30) if full else 40 * 1024 * 1024
        part = 5 * 1024 * 1024
        parts = (size + part - 1) // part
        kill_after = 40 if full else 3
        proxy = CountingProxy(self.cloud.port)
        src = tempfile.NamedTemporaryFile(prefix="skyarray-big-")
        try:
            extra = () if full else ("--bandwidth", str(2 * 1024 * 1024))
            add_target(self.array, self.cloud, "c1", "offsite", proxy.endpoint, *extra)
            admin(self.array, "cloud", "link", "--bucket", "pacs", "--target", "c1")
            digest = hashlib.sha256()
            block = blob(8 * 1024 * 1024, "big")
            for off in range(0, size, len(block)):
                piece = block[:size - off] if (off // len(block)) % 2 else block[::-1][:size - off]
                src.write(piece)
                digest.update(piece)
            src.flush()
            src.seek(0)
            self.a.put_object(Bucket="pacs", Key="big.bin", Body=src, ContentLength=size)
            deadline = time.time() + (900 if full else 60)
            while len(proxy.part_puts("/big.bin")) < kill_after and time.time() < deadline:
                time.sleep(0.1)
            self.array.kill9()
            before = sorted(n for _, n in proxy.part_puts("/big.bin"))
            self.assertGreaterEqual(len(before), kill_after)
            self.assertLess(len(before), parts)
            self.array.start()
            wait_drained(self.array, timeout=1800 if full else 120)
            after = sorted(n for _, n in proxy.part_puts("/big.bin"))
            # Every part was PUT once, except at most the one in flight at the kill.
            self.assertEqual(sorted(set(after)), list(range(1, parts + 1)))
            self.assertLessEqual(len(after), parts + 1, after)
            got = hashlib.sha256()
            body = self.c.get_object(Bucket="offsite", Key="big.bin")["Body"]
            for chunk in iter(lambda: body.read(8 << 20), b""):
                got.update(chunk)
            self.assertEqual(got.hexdigest(), digest.hexdigest())
            self.assertIn("resuming cloud upload", self.array.log())
            if full:
                print(f"\nfull size: {size} bytes, {parts} parts; {len(before)} PUT before "
                      f"kill -9, {len(after)} part PUTs in all")
        finally:
            src.close()
            proxy.close()

    def test_restore_on_empty_array(self):
        self.link(prefix="")
        expected = {}
        for i in range(12):
            body = blob(100 * 1024 * i + 1, "r%d" % i)
            self.a.put_object(Bucket="pacs", Key="studies/%d.dcm" % i, Body=body,
                              ContentType="application/dicom", Metadata={"n": str(i)})
            expected["studies/%d.dcm" % i] = body
        big = blob(11 * 1024 * 1024, "restore-big")
        self.a.put_object(Bucket="pacs", Key="big.bin", Body=big)
        expected["big.bin"] = big
        wait_drained(self.array)
        # An object written to the cloud by another tool is picked up too.
        self.c.put_object(Bucket="offsite", Key="from-other-tool.txt", Body=b"hello")
        expected["from-other-tool.txt"] = b"hello"
        self.array.__exit__(None, None, None)  # the box is gone, data and all

        fresh = Server(config_text=CONFIG).start()
        try:
            add_target(fresh, self.cloud, "c1", "offsite")
            out = admin(fresh, "cloud", "restore", "--target", "c1", "--bucket", "pacs").stdout
            self.assertIn("restored bucket pacs", out)
            b = boto3_client(fresh)
            keys = [o["Key"] for o in b.list_objects_v2(Bucket="pacs")["Contents"]]
            self.assertEqual(sorted(keys), sorted(expected))
            for k, v in expected.items():
                got = b.get_object(Bucket="pacs", Key=k)
                self.assertEqual(got["Body"].read(), v, k)
            head = b.head_object(Bucket="pacs", Key="studies/3.dcm")
            self.assertEqual(head["ContentType"], "application/dicom")
            self.assertEqual(head["Metadata"], {"n": "3"})
            links = json.loads(admin(fresh, "--json", "cloud", "status").stdout)["links"]
            self.assertEqual([(l["bucket"], l["mode"]) for l in links], [("pacs", "sync")])
            # Restored objects are not uploaded again; new writes are.
            st = status(fresh)
            self.assertEqual(st["backlog_objects"], 0)
            b.put_object(Bucket="pacs", Key="after-restore.txt", Body=b"new")
            wait_drained(fresh)
            self.assertEqual(status(fresh)["uploaded_objects"], 1)
        finally:
            fresh.__exit__(None, None, None)


if __name__ == "__main__":
    unittest.main()
