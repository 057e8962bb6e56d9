"""Restore from the cloud and re-caching on read, with real processes: array
A syncs bucket `pacs` to cloud C (awscli also writes an object straight into
C); A's box is lost; `admin cloud restore` on a fresh array B records every
object at once (bytes left in C), so a GET right after the restore is served
from C before the background prefetch has fetched it; the prefetch (slowed
by prefetch_bandwidth) then reaches 100% with progress on the admin API, the
CLI and /metrics, and survives kill -9 of B. Cache links re-cache evicted
objects on their second whole read and still serve them with C down."""

import hashlib
import json
import re
import subprocess
import tempfile
import time
import unittest
from concurrent.futures import ThreadPoolExecutor

from cloud_helpers import add_target, admin, status, wait_drained
from skyarray_harness import Server, boto3_client

A_CONFIG = """
[cloud]
retry_base = "100ms"
retry_max = "1s"
poll_interval = "50ms"
multipart_threshold = "5MiB"
part_size = "5MiB"
"""
# The prefetch is slowed down so that reads during it can be observed.
B_CONFIG = """
[cloud]
retry_base = "100ms"
retry_max = "1s"
poll_interval = "50ms"
prefetch_workers = 2
prefetch_bandwidth = "1MiB"
recache = "never"
"""
KIB = 1024
MIB = 1 << 20


def blob(n, seed):
    out = bytearray()
    block = hashlib.sha256(seed.encode()).digest() * 4096
    while len(out) < n:
        out += block
    return bytes(out[:n])


def restore_progress(server):
    return json.loads(admin(server, "--json", "cloud", "status").stdout)["restore"]


def metric(text, name, labels=""):
    m = re.search(r"^skyarray_%s%s (\S+)$" % (re.escape(name), re.escape(labels)), text, re.M)
    if m is None:
        raise AssertionError(f"no {name}{labels} in /metrics")
    return float(m.group(1))


class CloudRestoreTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        """One source array and cloud for the restore tests: A writes, syncs
        to C, and is gone."""
        cls.cloud = Server(role="cloud").start()
        try:
            cls.load()
        except BaseException:
            cls.cloud.__exit__(None, None, None)
            raise

    @classmethod
    def load(cls):
        cls.c = boto3_client(cls.cloud)
        cls.c.create_bucket(Bucket="offsite")
        cls.expected = {}
        with Server(config_text=A_CONFIG) as a:
            s3 = boto3_client(a)
            s3.create_bucket(Bucket="pacs")
            add_target(a, cls.cloud, "c1", "offsite")
            admin(a, "cloud", "link", "--bucket", "pacs", "--target", "c1")
            for i in range(10):
                body = blob(300 * KIB + i, "r%d" % i)
                s3.put_object(Bucket="pacs", Key="studies/%02d.dcm" % i, Body=body,
                              ContentType="application/dicom", Metadata={"n": str(i)},
                              Tagging="series=%d" % i)
                cls.expected["studies/%02d.dcm" % i] = body
            big = blob(7 * MIB, "big")  # multipart in the cloud: ETag md5-N
            s3.put_object(Bucket="pacs", Key="zz/big.bin", Body=big)
            cls.expected["zz/big.bin"] = big
            wait_drained(a)
        # Another tool writes straight into the cloud bucket.
        with tempfile.NamedTemporaryFile() as f:
            f.write(b"written by awscli\n")
            f.flush()
            subprocess.run(["/usr/bin/aws", "--endpoint-url", cls.cloud.endpoint, "s3", "cp",
                            "--quiet", f.name, "s3://offsite/other/tool.txt"],
                           env=cls.cloud.env(), check=True, timeout=60)
        cls.expected["other/tool.txt"] = b"written by awscli\n"
        cls.total = sum(len(v) for v in cls.expected.values())

    @classmethod
    def tearDownClass(cls):
        cls.cloud.__exit__(None, None, None)

    def fresh(self, config=B_CONFIG):
        b = Server(config_text=config).start()
        self.addCleanup(b.__exit__, None, None, None)
        add_target(b, self.cloud, "c1", "offsite")
        return b

    def wait_serving(self, b, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            p = restore_progress(b)
            self.assertEqual(p["error"], "")
            if p["serving"]:
                return p
            time.sleep(0.05)
        raise AssertionError(f"restore not serving after {timeout}s: {p}")

    def test_reads_served_at_once_then_prefetched(self):
        b = self.fresh()
        out = admin(b, "cloud", "restore", "--target", "c1", "--bucket", "pacs",
                    "--no-wait").stdout
        self.assertIn("restore of pacs started", out)
        p = self.wait_serving(b)
        s3 = boto3_client(b)
        # Every object is listed with its attributes before any byte is local.
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket="pacs")["Contents"]]
        self.assertEqual(sorted(keys), sorted(self.expected))
        # The last key is prefetched last: its GET comes from the cloud.
        got = s3.get_object(Bucket="pacs", Key="zz/big.bin")["Body"].read()
        self.assertEqual(got, self.expected["zz/big.bin"])
        p = restore_progress(b)
        self.assertTrue(p["running"], p)
        self.assertLess(p["objects_done"], p["objects_total"], p)
        self.assertGreaterEqual(status(b)["read_through_bytes"], 7 * MIB)
        head = s3.head_object(Bucket="pacs", Key="studies/03.dcm")
        self.assertEqual(head["ContentType"], "application/dicom")
        self.assertEqual(head["Metadata"], {"n": "3"})
        tags = s3.get_object_tagging(Bucket="pacs", Key="studies/03.dcm")["TagSet"]
        self.assertEqual(tags, [{"Key": "series", "Value": "3"}])
        self.assertEqual(s3.get_object(Bucket="pacs", Key="other/tool.txt")["Body"].read(),
                         self.expected["other/tool.txt"])
        # Progress while it runs, on the API and in /metrics.
        code, text, _ = b.metrics()
        self.assertEqual(code, 200)
        self.assertEqual(metric(text, "cloud_restore_running"), 1)
        self.assertEqual(metric(text, "cloud_restore_prefetch_bytes_total"), self.total)

        # --watch follows it to the end: a bar reaching 100%.
        out = admin(b, "cloud", "restore", "--watch", timeout=240).stdout
        self.assertIn("100%", out)
        self.assertIn("restored bucket pacs from c1", out)
        self.assertRegex(out, r"\[#+\.*\]")
        p = restore_progress(b)
        self.assertEqual((p["running"], p["done"], p["phase"], p["error"]),
                         (False, True, "done", ""))
        self.assertEqual(p["objects_done"], len(self.expected))
        self.assertEqual(p["objects_total"], len(self.expected))
        self.assertEqual(p["bytes_done"], self.total)
        self.assertEqual(p["objects_failed"], 0)
        self.assertGreater(p["rate_bytes_per_second"], 0)
        # The prefetch respected its bandwidth limit (1 MiB/s, ~12 MiB).
        elapsed = (p["finished_ns"] - p["started_ns"]) / 1e9
        self.assertGreater(elapsed, 5)

        # Everything is local now: readable with the cloud gone.
        self.cloud.stop()
        try:
            for k, v in self.expected.items():
                self.assertEqual(s3.get_object(Bucket="pacs", Key=k)["Body"].read(), v, k)
        finally:
            self.cloud.start()
        # Linked in sync mode: a new write goes to the cloud, nothing was
        # re-uploaded by the restore itself.
        st = status(b)
        self.assertEqual(st["uploaded_objects"], 0)
        self.assertEqual([(l["bucket"], l["mode"]) for l in st["links"]], [("pacs", "sync")])
        s3.put_object(Bucket="pacs", Key="after.txt", Body=b"after restore")
        wait_drained(b)
        self.assertEqual(self.c.get_object(Bucket="offsite", Key="after.txt")["Body"].read(),
                         b"after restore")
        self.c.delete_object(Bucket="offsite", Key="after.txt")
        code, text, _ = b.metrics()
        self.assertEqual(metric(text, "cloud_restore_running"), 0)
        self.assertEqual(metric(text, "cloud_restore_prefetch_objects_done"), len(self.expected))
        self.assertEqual(metric(text, "cloud_backlog_objects", '{bucket="pacs",target="c1"}'), 0)
        self.assertEqual(metric(text, "cloud_oldest_unsynced_seconds",
                                '{bucket="pacs",target="c1"}'), 0)
        self.assertEqual(metric(text, "cloud_backlog_alert_threshold_objects"), 100000)
        self.assertEqual(metric(text, "cloud_uploaded_objects_total"), 1)
        self.assertGreaterEqual(metric(text, "cloud_uploaded_bytes_total"), 13)
        self.assertGreaterEqual(metric(text, "cloud_read_through_bytes_total"), 7 * MIB)

    def test_prefetch_resumes_after_kill9(self):
        b = self.fresh()
        admin(b, "cloud", "restore", "--target", "c1", "--bucket", "pacs", "--no-wait")
        self.wait_serving(b)
        deadline = time.time() + 60
        while restore_progress(b)["objects_done"] < 3 and time.time() < deadline:
            time.sleep(0.05)
        first = restore_progress(b)
        self.assertGreaterEqual(first["objects_done"], 3, first)
        self.assertLess(first["objects_done"], first["objects_total"], first)
        b.kill9()
        b.start()
        # The restarted array resumes from its saved state: only what was not
        # yet local is left.
        deadline = time.time() + 30
        while not restore_progress(b)["running"] and time.time() < deadline:
            time.sleep(0.05)
        p = restore_progress(b)
        self.assertTrue(p["running"], p)
        self.assertEqual(p["phase"], "prefetch")
        self.assertLess(p["objects_total"], len(self.expected), p)
        out = admin(b, "cloud", "restore", "--watch", timeout=240).stdout
        self.assertIn("restored bucket pacs from c1", out)
        s3 = boto3_client(b)
        self.cloud.stop()
        try:
            for k, v in self.expected.items():
                self.assertEqual(s3.get_object(Bucket="pacs", Key=k)["Body"].read(), v, k)
        finally:
            self.cloud.start()


class CheckpointRestoreTest(unittest.TestCase):
    """Version ids, older versions and delete markers come back from the
    metadata checkpoint A keeps in C; objects changed after the checkpoint
    or written by other tools come from the listing."""

    CONFIG = A_CONFIG + 'checkpoint_interval = "500ms"\n'

    def setUp(self):
        self.cloud = Server(role="cloud").start()
        self.addCleanup(self.cloud.__exit__, None, None, None)
        self.c = boto3_client(self.cloud)
        self.c.create_bucket(Bucket="offsite")

    def restore_on_new_array(self, config, timeout):
        """Restores pacs from the cloud on a new array B; returns B and its
        restore progress."""
        b = Server(config_text=config).start()
        self.addCleanup(b.__exit__, None, None, None)
        add_target(b, self.cloud, "c1", "offsite")
        out = admin(b, "cloud", "restore", "--target", "c1", "--bucket", "pacs",
                    timeout=timeout).stdout
        self.assertIn("restored bucket pacs", out)
        return b, restore_progress(b)

    def checkpoints(self):
        objs = self.c.list_objects_v2(Bucket="offsite", Prefix=".skyarray/checkpoints/")
        return sorted(o["Key"] for o in objs.get("Contents", []))

    def test_versions_and_delete_markers_restored(self):
        with Server(config_text=self.CONFIG) as a:
            s3 = boto3_client(a)
            s3.create_bucket(Bucket="pacs")
            s3.put_bucket_versioning(Bucket="pacs",
                                     VersioningConfiguration={"Status": "Enabled"})
            add_target(a, self.cloud, "c1", "offsite")
            admin(a, "cloud", "link", "--bucket", "pacs", "--target", "c1")
            v1 = s3.put_object(Bucket="pacs", Key="doc.txt", Body=b"first")["VersionId"]
            v2 = s3.put_object(Bucket="pacs", Key="doc.txt", Body=b"second",
                               Metadata={"rev": "2"})["VersionId"]
            g1 = s3.put_object(Bucket="pacs", Key="gone.txt", Body=b"short-lived")["VersionId"]
            dm = s3.delete_object(Bucket="pacs", Key="gone.txt")["VersionId"]
            s3.put_object_tagging(Bucket="pacs", Key="doc.txt",
                                  Tagging={"TagSet": [{"Key": "t", "Value": "x"}]})
            wait_drained(a)
            changed = time.time_ns()
            deadline = time.time() + 60
            while time.time() < deadline:
                names = self.checkpoints()
                if names and int(names[-1].rsplit("/", 1)[1].split(".")[0]) > changed:
                    break
                time.sleep(0.1)
            names = self.checkpoints()
            self.assertTrue(names)
            self.assertLessEqual(len(names), 2)  # older ones are removed
            lines = self.c.get_object(Bucket="offsite", Key=names[-1])["Body"].read().split(b"\n")
            header = json.loads(lines[0])
            self.assertEqual((header["v"], header["bucket"], header["versioning"]),
                             (2, "pacs", "enabled"))
            self.assertEqual(lines[-1], b"")
            self.assertEqual(json.loads(lines[-2]), {"end": True, "versions": 4})
            # After the checkpoint: a direct write to C and a change through A
            # are found by the listing on restore.
            self.c.put_object(Bucket="offsite", Key="late/tool.txt", Body=b"late")
        names = self.checkpoints()  # A may have written one more before it stopped

        b, p = self.restore_on_new_array(B_CONFIG.replace('"1MiB"', '"64MiB"'), timeout=240)
        self.assertEqual(p["checkpoint"], names[-1])
        self.assertEqual(p["versions_restored"], 4)
        r = boto3_client(b)
        self.assertEqual(r.get_bucket_versioning(Bucket="pacs")["Status"], "Enabled")
        listed = r.list_object_versions(Bucket="pacs")
        versions = {(v["Key"], v["VersionId"], v["IsLatest"]) for v in listed["Versions"]}
        markers = {(m["Key"], m["VersionId"], m["IsLatest"]) for m in listed["DeleteMarkers"]}
        self.assertEqual(versions - {v for v in versions if v[0] == "late/tool.txt"},
                         {("doc.txt", v1, False), ("doc.txt", v2, True),
                          ("gone.txt", g1, False)})
        self.assertEqual(markers, {("gone.txt", dm, True)})
        got = r.get_object(Bucket="pacs", Key="doc.txt", VersionId=v2)
        self.assertEqual(got["Body"].read(), b"second")
        self.assertEqual(got["Metadata"], {"rev": "2"})
        self.assertEqual(r.get_object_tagging(Bucket="pacs", Key="doc.txt")["TagSet"],
                         [{"Key": "t", "Value": "x"}])
        self.assertEqual(r.head_object(Bucket="pacs", Key="doc.txt", VersionId=v1)
                         ["ContentLength"], 5)
        self.assertEqual(r.get_object(Bucket="pacs", Key="late/tool.txt")["Body"].read(),
                         b"late")
        with self.assertRaises(Exception):
            r.get_object(Bucket="pacs", Key="gone.txt")

    def test_restore_from_a_checkpoint_written_in_parts(self):
        """A checkpoint larger than checkpoint_part_size goes up as a multipart
        upload (its cloud ETag ends in -2) and a restore reads it back in
        ranged pieces: every version id, and every object byte for byte."""
        config = self.CONFIG + 'checkpoint_part_size = "5MiB"\n'
        # ~7 KiB per checkpoint line (long key, 2 KiB of metadata, 10 tags):
        # 820 objects make a checkpoint of ~5.7 MiB, two parts of 5 MiB.
        meta = {"m0": "a" * 950, "m1": "b" * 950}
        tagging = "&".join("t%d%s=%s" % (i, "k" * 120, "v" * 250) for i in range(10))

        def key(i):
            return "study-%04d/" % i + "x" * 880

        bodies = {key(i): blob(1 + (i * 977) % 20000, str(i)) for i in range(820)}
        with Server(config_text=config) as a:
            s3 = boto3_client(a)
            s3.create_bucket(Bucket="pacs")
            s3.put_bucket_versioning(Bucket="pacs",
                                     VersioningConfiguration={"Status": "Enabled"})
            add_target(a, self.cloud, "c1", "offsite")
            admin(a, "cloud", "link", "--bucket", "pacs", "--target", "c1")

            def put(k):
                return k, s3.put_object(Bucket="pacs", Key=k, Body=bodies[k], Metadata=meta,
                                        Tagging=tagging)["VersionId"]

            with ThreadPoolExecutor(4) as pool:
                versions = dict(pool.map(put, list(bodies)))
            older = versions[key(0)]
            bodies[key(0)] = b"newer"
            versions[key(0)] = s3.put_object(Bucket="pacs", Key=key(0),
                                             Body=b"newer")["VersionId"]
            marker = s3.delete_object(Bucket="pacs", Key=key(1))["VersionId"]
            gone = bodies.pop(key(1))
            wait_drained(a)
            changed = time.time_ns()
            deadline = time.time() + 120
            while time.time() < deadline:
                names = self.checkpoints()
                if names and int(names[-1].rsplit("/", 1)[1].split(".")[0]) > changed:
                    break
                time.sleep(0.2)
            self.assertGreater(int(self.checkpoints()[-1].rsplit("/", 1)[1].split(".")[0]),
                               changed)
        names = self.checkpoints()  # A may have written one more before it stopped
        head = self.c.head_object(Bucket="offsite", Key=names[-1])
        self.assertGreater(head["ContentLength"], 5 * MIB)
        self.assertTrue(head["ETag"].strip('"').endswith("-2"), head["ETag"])
        lines = self.c.get_object(Bucket="offsite", Key=names[-1])["Body"].read().split(b"\n")
        self.assertEqual(json.loads(lines[-2]), {"end": True, "versions": 822})

        b_config = B_CONFIG.replace('"1MiB"', '"64MiB"') + 'checkpoint_part_size = "5MiB"\n'
        b, p = self.restore_on_new_array(b_config, timeout=600)
        self.assertEqual(p["checkpoint"], names[-1])
        self.assertEqual(p["versions_restored"], 822)
        r = boto3_client(b)

        def check(k):
            got = r.get_object(Bucket="pacs", Key=k)
            return k, got["VersionId"], got["Body"].read()

        with ThreadPoolExecutor(4) as pool:
            for k, version, body in pool.map(check, list(bodies)):
                self.assertEqual(body, bodies[k], k)
                self.assertEqual(version, versions[k], k)
        got = r.get_object(Bucket="pacs", Key=key(5))
        self.assertEqual(got["Metadata"], meta)
        tags = r.get_object_tagging(Bucket="pacs", Key=key(5))["TagSet"]
        self.assertEqual("&".join("%s=%s" % (t["Key"], t["Value"]) for t in tags), tagging)
        listed = r.list_object_versions(Bucket="pacs", Prefix="study-000")
        self.assertEqual({v["VersionId"] for v in listed["Versions"] if v["Key"] == key(0)},
                         {older, versions[key(0)]})
        self.assertEqual([(m["VersionId"], m["IsLatest"]) for m in listed["DeleteMarkers"]],
                         [(marker, True)])
        self.assertEqual(r.head_object(Bucket="pacs", Key=key(1), VersionId=versions[key(1)])
                         ["ContentLength"], len(gone))


class CloudRecacheTest(unittest.TestCase):
    CONFIG = """
[cloud]
poll_interval = "50ms"
evict_interval = "100ms"
retry_base = "100ms"
retry_max = "1s"
recache = "on-second-read"
"""

    def setUp(self):
        self.cloud = Server(role="cloud").start()
        self.addCleanup(self.cloud.__exit__, None, None, None)
        self.array = Server(config_text=self.CONFIG).start()
        self.addCleanup(self.array.__exit__, None, None, None)

    def test_second_read_recaches_within_watermark(self):
        a, c = boto3_client(self.array), boto3_client(self.cloud)
        c.create_bucket(Bucket="tier")
        a.create_bucket(Bucket="cache")
        add_target(self.array, self.cloud, "c1", "tier")
        admin(self.array, "cloud", "link", "--bucket", "cache", "--target", "c1", "--mode",
              "cache", "--cache-bytes", str(5 * MIB // 2))
        bodies = {"o%d" % i: blob(MIB, "o%d" % i) for i in range(6)}
        for k, v in bodies.items():
            a.put_object(Bucket="cache", Key=k, Body=v)
            time.sleep(0.05)  # distinct ages: o0 is the coldest
        deadline = time.time() + 60
        while status(self.array)["evicted_objects"] < 4 and time.time() < deadline:
            time.sleep(0.1)
        evicted = status(self.array)["evicted_objects"]
        self.assertGreaterEqual(evicted, 4)
        # First whole read: from the cloud, not kept (policy: second read).
        self.assertEqual(a.get_object(Bucket="cache", Key="o0")["Body"].read(), bodies["o0"])
        time.sleep(0.5)
        self.assertEqual(status(self.array)["recached_objects"], 0)
        # A ranged read does not count as a whole read.
        got = a.get_object(Bucket="cache", Key="o0", Range="bytes=10-19")["Body"].read()
        self.assertEqual(got, bodies["o0"][10:20])
        # Second whole read: stored locally again.
        self.assertEqual(a.get_object(Bucket="cache", Key="o0")["Body"].read(), bodies["o0"])
        deadline = time.time() + 30
        while status(self.array)["recached_objects"] < 1 and time.time() < deadline:
            time.sleep(0.1)
        st = status(self.array)
        self.assertEqual(st["recached_objects"], 1)
        self.assertEqual(st["recached_bytes"], MIB)
        # The watermark holds: eviction made room by dropping a colder object.
        deadline = time.time() + 30
        while status(self.array)["evicted_objects"] <= evicted and time.time() < deadline:
            time.sleep(0.1)
        self.assertGreater(status(self.array)["evicted_objects"], evicted)
        code, text, _ = self.array.metrics()
        self.assertEqual(metric(text, "cloud_recached_objects_total"), 1)
        # With the cloud down the re-cached object is still readable.
        self.cloud.stop()
        try:
            self.assertEqual(a.get_object(Bucket="cache", Key="o0")["Body"].read(), bodies["o0"])
        finally:
            self.cloud.start()


if __name__ == "__main__":
    unittest.main()
