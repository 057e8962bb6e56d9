"""The cloud tier against an S3 server we did not write: Ceph radosgw from
Debian's packages (a one-node cluster: one mon, one memstore OSD, pool size
1, auth none, radosgw's beast frontend on loopback), started and stopped by
the test. Array A syncs a bucket to it; the bucket is then checked with
boto3 (bytes, metadata, tags, multipart ETag shape), and restored into a
fresh array. radosgw 16 has no flexible checksums, so the target is added
with --no-flexible-checksums (Content-MD5 only)."""

import base64
import datetime
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import unittest
import uuid

import boto3
from botocore.config import Config

from cloud_helpers import admin, wait_drained
from skyarray_harness import Server, boto3_client

BINARIES = ("ceph-mon", "ceph-osd", "radosgw", "radosgw-admin", "monmaptool", "ceph")
AK, SK = "RGWTESTACCESSKEY0001", "rgw-test-secret-key-000000000000000000"
CONFIG = """
[cloud]
multipart_threshold = "5MiB"
part_size = "5MiB"
poll_interval = "50ms"
retry_base = "200ms"
retry_max = "2s"
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RadosGW:
    """A throwaway one-node Ceph cluster with radosgw, all on loopback."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="skyarray-rgw-")
        self.mon_port = free_port()
        self.rgw_port = free_port()
        self.procs = []
        self.conf = os.path.join(self.dir, "ceph.conf")
        self.fsid = str(uuid.uuid4())
        d = self.dir
        for sub in ("mon", "osd", "run", "log", "rgw"):
            os.makedirs(os.path.join(d, sub))
        with open(self.conf, "w") as f:
            f.write(f"""[global]
fsid = {self.fsid}
mon host = v2:127.0.0.1:{self.mon_port}
mon initial members = a
auth cluster required = none
auth service required = none
auth client required = none
auth supported = none
ms mon client mode = crc
ms bind ipv4 = true
ms bind msgr1 = false
ms bind msgr2 = true
public addr = 127.0.0.1
cluster addr = 127.0.0.1
public network = 127.0.0.0/8
cluster network = 127.0.0.0/8
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
mon allow pool size one = true
mon warn on pool no redundancy = false
osd crush chooseleaf type = 0
osd objectstore = memstore
memstore device bytes = 4294967296
run dir = {d}/run
admin socket = {d}/run/$name.asok
log file = {d}/log/$name.log
mon data = {d}/mon/$cluster-$id
osd data = {d}/osd/$cluster-$id
keyring = /dev/null
[client.rgw.t]
rgw frontends = beast endpoint=127.0.0.1:{self.rgw_port}
rgw data = {d}/rgw
rgw dns name = 127.0.0.1
""")

    def run(self, *cmd, timeout=60):
        out = subprocess.run([*cmd], capture_output=True, text=True, timeout=timeout)
        if out.returncode != 0:
            raise RuntimeError(f"{cmd}: {out.returncode} {out.stdout} {out.stderr}")
        return out.stdout

    def ceph(self, *args, timeout=60):
        return self.run("ceph", "-c", self.conf, "--connect-timeout", "20", *args,
                        timeout=timeout)

    def spawn(self, *cmd):
        log = open(os.path.join(self.dir, "log", os.path.basename(cmd[0]) + ".out"), "ab")
        p = subprocess.Popen([*cmd], stdout=log, stderr=subprocess.STDOUT,
                             start_new_session=True)
        self.procs.append(p)
        return p

    def check_loopback_only(self):
        """Every socket the cluster's daemons listen on is on loopback."""
        pids = {p.pid for p in self.procs}
        out = self.run("ss", "-Hltnp")
        wide = []
        for line in out.splitlines():
            owners = {int(x) for x in re.findall(r"pid=(\d+)", line)}
            if owners & pids:
                local = line.split()[3]
                if not (local.startswith("127.") or local.startswith("[::1]")):
                    wide.append(line)
        if wide:
            raise RuntimeError("Ceph daemons listen beyond loopback:\n" + "\n".join(wide))

    def start(self):
        d = self.dir
        self.run("monmaptool", "--create", "--addv", "a", f"[v2:127.0.0.1:{self.mon_port}]",
                 "--fsid", self.fsid, f"{d}/monmap")
        self.run("ceph-mon", "-c", self.conf, "--mkfs", "-i", "a", "--monmap", f"{d}/monmap")
        self.spawn("ceph-mon", "-c", self.conf, "-i", "a", "-f")
        osd_uuid = str(uuid.uuid4())
        osd_id = self.ceph("osd", "new", osd_uuid).strip()
        os.makedirs(f"{d}/osd/ceph-{osd_id}", exist_ok=True)
        self.run("ceph-osd", "-c", self.conf, "-i", osd_id, "--mkfs", "--osd-uuid", osd_uuid,
                 timeout=120)
        self.ceph("osd", "crush", "add-bucket", "localhost", "host")
        self.ceph("osd", "crush", "move", "localhost", "root=default")
        self.ceph("osd", "crush", "add", f"osd.{osd_id}", "1.0", "host=localhost")
        self.spawn("ceph-osd", "-c", self.conf, "-i", osd_id, "-f")
        deadline = time.time() + 60
        while "1 up" not in self.ceph("osd", "stat") and time.time() < deadline:
            time.sleep(0.5)
        self.spawn("radosgw", "-c", self.conf, "-n", "client.rgw.t", "-f")
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.rgw_port), timeout=0.5):
                    break
            except OSError:
                time.sleep(0.5)
        else:
            raise RuntimeError("radosgw did not listen within 120 s")
        self.check_loopback_only()
        self.run("radosgw-admin", "-c", self.conf, "-n", "client.rgw.t", "user", "create",
                 "--uid", "skyarray", "--display-name", "skyarray test",
                 "--access-key", AK, "--secret", SK, timeout=120)
        return self

    def stop(self):
        for p in reversed(self.procs):
            if p.poll() is None:
                p.terminate()
        for p in self.procs:
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        if not os.environ.get("SKYARRAY_KEEP_DATA"):
            shutil.rmtree(self.dir, ignore_errors=True)

    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self.rgw_port}"

    def client(self):
        return boto3.client("s3", endpoint_url=self.endpoint, aws_access_key_id=AK,
                            aws_secret_access_key=SK, region_name="us-east-1",
                            config=Config(s3={"addressing_style": "path"},
                                          retries={"max_attempts": 2}))


def blob(n, seed):
    out = bytearray()
    block = hashlib.sha256(seed.encode()).digest() * 4096
    while len(out) < n:
        out += block
    return bytes(out[:n])


class CloudRadosGWTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        missing = [b for b in BINARIES if not shutil.which(b)]
        if missing:
            raise AssertionError(f"Ceph is not installed ({', '.join(missing)} missing; scripts/setup "
                                 "installs radosgw ceph-mon ceph-osd)")
        cls.rgw = RadosGW()
        try:
            cls.rgw.start()
        except Exception:
            log_dir = os.path.join(cls.rgw.dir, "log")
            for name in sorted(os.listdir(log_dir)):
                with open(os.path.join(log_dir, name), errors="replace") as f:
                    print(f"--- {name} ---\n{f.read()[-3000:]}")
            cls.rgw.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.rgw.stop()

    def test_sync_and_restore_against_radosgw(self):
        r = self.rgw.client()
        r.create_bucket(Bucket="offsite")
        data = {
            "studies/1/a.dcm": blob(1234, "a"),
            "studies/1/b.dcm": blob(700 * 1024, "b"),
            "big/volume.bin": blob(12 * 1024 * 1024 + 5, "big"),
            "name with spaces+plus.txt": b"odd key",
        }
        with Server(config_text=CONFIG) as array:
            a = boto3_client(array)
            a.create_bucket(Bucket="pacs")
            for k, v in data.items():
                a.put_object(Bucket="pacs", Key=k, Body=v, ContentType="application/dicom",
                             Metadata={"site": "one"}, Tagging="keep=15y")
            admin(array, "cloud", "add", "rgw", "--url", self.rgw.endpoint, "--bucket",
                  "offsite", "--cloud-access-key", AK, "--cloud-secret-key", SK,
                  "--no-flexible-checksums")
            out = admin(array, "cloud", "test", "rgw").stdout
            self.assertIn("ok   write (checksums verified)", out)
            admin(array, "cloud", "link", "--bucket", "pacs", "--target", "rgw")
            st = wait_drained(array, timeout=180)
            self.assertEqual(st["errors"], 0, st)
            a.delete_object(Bucket="pacs", Key="studies/1/b.dcm")
            wait_drained(array)

        del data["studies/1/b.dcm"]
        listed = {o["Key"]: o for o in r.list_objects_v2(Bucket="offsite")["Contents"]
                  if not o["Key"].startswith(".skyarray/")}
        self.assertEqual(set(listed), set(data))
        for k, v in data.items():
            got = r.get_object(Bucket="offsite", Key=k)
            self.assertEqual(got["Body"].read(), v, k)
            self.assertEqual(got["ContentType"], "application/dicom")
            self.assertEqual(got["Metadata"], {"site": "one"})
            tags = r.get_object_tagging(Bucket="offsite", Key=k).get("TagSet")
            self.assertEqual(tags, [{"Key": "keep", "Value": "15y"}], k)
        self.assertTrue(listed["big/volume.bin"]["ETag"].strip('"').endswith("-3"))

        with Server(config_text=CONFIG) as fresh:
            admin(fresh, "cloud", "add", "rgw", "--url", self.rgw.endpoint, "--bucket",
                  "offsite", "--cloud-access-key", AK, "--cloud-secret-key", SK,
                  "--no-flexible-checksums")
            admin(fresh, "cloud", "restore", "--target", "rgw", "--bucket", "pacs")
            b = boto3_client(fresh)
            for k, v in data.items():
                self.assertEqual(b.get_object(Bucket="pacs", Key=k)["Body"].read(), v, k)

    def test_object_lock_probe_and_link_against_radosgw(self):
        r = self.rgw.client()
        r.create_bucket(Bucket="plain")
        r.create_bucket(Bucket="locked", ObjectLockEnabledForBucket=True)
        with Server(config_text=CONFIG) as array:
            a = boto3_client(array)
            a.create_bucket(Bucket="vault", ObjectLockEnabledForBucket=True)
            for name in ("plain", "locked"):
                admin(array, "cloud", "add", name, "--url", self.rgw.endpoint, "--bucket", name,
                      "--cloud-access-key", AK, "--cloud-secret-key", SK,
                      "--no-flexible-checksums")
            for name, want in (("plain", "not enabled"), ("locked", "enabled")):
                out = json.loads(admin(array, "--json", "cloud", "test", name).stdout)
                self.assertTrue(out["ok"], out)
                self.assertEqual(out["object_lock"], want)
            proc = admin(array, "cloud", "link", "--bucket", "vault", "--target", "plain",
                         check=False)
            self.assertNotEqual(proc.returncode, 0)
            self.assertIn("cannot lock objects", proc.stderr)
            admin(array, "cloud", "link", "--bucket", "vault", "--target", "locked")
            a.put_object(Bucket="vault", Key="scan.dcm", Body=b"scan",
                         ContentMD5=base64.b64encode(hashlib.md5(b"scan").digest()).decode(),
                         ObjectLockMode="COMPLIANCE",
                         ObjectLockRetainUntilDate=datetime.datetime(2099, 1, 1,
                                                                     tzinfo=datetime.timezone.utc))
            st = wait_drained(array, timeout=180)
            self.assertEqual(st["errors"], 0, st)
        self.assertEqual(r.get_object(Bucket="locked", Key="scan.dcm")["Body"].read(), b"scan")
        self.assertEqual(r.get_object_retention(Bucket="locked", Key="scan.dcm")["Retention"],
                         {"Mode": "COMPLIANCE", "RetainUntilDate": datetime.datetime(
                             2099, 1, 1, tzinfo=datetime.timezone.utc)})


if __name__ == "__main__":
    unittest.main()
