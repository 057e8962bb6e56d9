"""Drive administration and health through the real binary and CLI.

An array with replicas=3 over 6 drive directories in 3 nodes is loaded
through S3 (boto3); then an operator fails, drains, replaces, adds and
removes drives with `skyarray admin drive ...`, watches the rebuild with
`skyarray admin health --watch`, and scrapes GET /metrics. After each step
every object must read back byte-identical and the rebuild must restore
three replicas.

With a slow rebuild, `skyarray admin health --until-idle` (what scripts wait
on before swapping a drive) must not succeed while any chunk is still
under-replicated; and a block damaged on every replica shows as data loss,
naming the object, in `admin health` as soon as a GET meets it.
"""

import json
import os
import subprocess
import tempfile
import time
import unittest

from skyarray_harness import Server, admin, boto3_client



def array_config(root, drives=6, nodes=3, extra=()):
    lines = ['[store]', 'replicas = 3', 'chunk_size = "1MiB"', 'reserve = "0"',
             'rebuild_interval = "0.2s"', 'gc_interval = "0.5s"', *extra, '']
    for i in range(drives):
        lines += ['[[drive]]', f'path = "{root}/bay{i}"',
                  f'label = "node{i % nodes}/enc0/{i}"', '']
    return "\n".join(lines)


class DrivesTest(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="skyarray-drives-")
        self.server = Server(config_text=array_config(self.root)).start()
        self.s3 = boto3_client(self.server)
        self.s3.create_bucket(Bucket="pacs")
        self.objects = {}
        for i in range(24):
            body = os.urandom(300_000 + i * 150_000)
            key = f"studies/{i:03d}.dcm"
            self.s3.put_object(Bucket="pacs", Key=key, Body=body)
            self.objects[key] = body

    def tearDown(self):
        self.server.stop()
        subprocess.run(["rm", "-rf", self.root, self.server.data_dir])

    def drives(self):
        return json.loads(admin(self.server, "--json", "drive", "list").stdout)["drives"]

    def health(self):
        return json.loads(admin(self.server, "--json", "health").stdout)

    def wait_idle(self):
        t0 = time.time()
        out = admin(self.server, "health", "--watch", "--until-idle", "--interval", "0.3",
                    "--timeout", "120").stdout
        self.assertIn("rebuild", out)
        return time.time() - t0, out

    def check_objects(self):
        for key, body in self.objects.items():
            got = self.s3.get_object(Bucket="pacs", Key=key)["Body"].read()
            self.assertEqual(got, body, key)

    def files_on(self, i):
        n = 0
        for _, _, files in os.walk(f"{self.root}/bay{i}/chunks"):
            n += len(files)
        return n

    def test_fail_drain_replace_add_remove(self):
        ids = [d["id"] for d in self.drives()]
        self.assertEqual(len(ids), 6)
        h = self.health()
        self.assertEqual(h["status"], "ok")
        self.assertEqual(h["drive_states"]["online"], 6)
        human = admin(self.server, "drive", "list").stdout
        self.assertIn("node1/enc0/1", human)

        # Fail drive 0: data is re-replicated from the other copies.
        self.assertGreater(self.files_on(0), 0)
        admin(self.server, "drive", "fail", "0")
        h = self.health()
        self.assertIn(h["status"], ("degraded",))
        secs, out = self.wait_idle()
        h = self.health()
        print(f"\nfail drive 0: rebuilt {h['rebuild']['bytes_rebuilt']} bytes "
              f"in {secs:.1f} s (watch output below)\n{out[-600:]}")
        self.assertEqual(h["chunks"]["under_replicated"], 0)
        self.assertEqual(h["chunks"]["lost"], 0)
        self.assertGreater(h["rebuild"]["bytes_rebuilt"], 0)
        self.assertEqual([d["state"] for d in h["drives"] if d["id"] == 0], ["offline"])
        self.check_objects()

        # Drain drive 1: moved away, then removable; drive 2 is not.
        admin(self.server, "drive", "drain", "1")
        self.wait_idle()
        self.assertEqual(self.files_on(1), 0)
        refused = admin(self.server, "drive", "remove", "2", check=False)
        self.assertNotEqual(refused.returncode, 0)
        self.assertIn("still holds", refused.stderr)
        admin(self.server, "drive", "remove", "1")
        self.check_objects()

        # Replace failed drive 0 with a new disk in the same place.
        new = json.loads(admin(self.server, "--json", "drive", "replace", "0",
                               f"{self.root}/bay0-new").stdout)
        self.assertEqual(new["label"], "node0/enc0/0")
        self.wait_idle()
        # Add another drive; new writes may use it.
        added = json.loads(admin(self.server, "--json", "drive", "add", f"{self.root}/bay9",
                                 "--label", "node2/enc1/9").stdout)
        self.assertEqual(added["state"], "online")
        states = {d["id"]: d["state"] for d in self.drives()}
        self.assertEqual(states[new["id"]], "online")
        self.check_objects()

        # The returning drive 0 is reconciled: its stale copies are removed.
        admin(self.server, "drive", "online", "0")
        self.assertEqual(self.files_on(0), 0)
        self.check_objects()

        # A scrub on demand finds the array clean.
        admin(self.server, "scrub", "start")
        deadline = time.time() + 60
        while time.time() < deadline:
            s = self.health()["scrub"]
            if s["passes_completed"] >= 1 and not s["running"]:
                break
            time.sleep(0.3)
        s = self.health()["scrub"]
        self.assertGreaterEqual(s["passes_completed"], 1)
        self.assertEqual(s["corrupt_blocks"], 0)
        self.assertEqual(s["unrepairable_chunks"], 0)
        self.assertEqual(s["under_replicated"], 0)

        # Restart: operator states are remembered.
        self.server.restart()
        states = {d["id"]: (d["state"], d["reason"]) for d in self.drives()}
        self.assertEqual(states[1], ("offline", "removed by operator"))
        self.assertEqual(states[0][0], "online")
        self.check_objects()

    def test_metrics_and_errors(self):
        # Closed without the bearer token, and with a wrong one.
        status, body, headers = self.server.metrics(token="")
        self.assertEqual(status, 401)
        self.assertIn("Bearer", headers["WWW-Authenticate"])
        self.assertNotIn("skyarray_drive_state", body)
        status, _, _ = self.server.metrics(token="0" * 64)
        self.assertEqual(status, 401)
        token_path = os.path.join(self.server.data_dir, "metrics-token")
        self.assertEqual(os.stat(token_path).st_mode & 0o777, 0o600)
        status, text, headers = self.server.metrics()
        self.assertEqual(status, 200)
        self.assertTrue(headers["Content-Type"].startswith("text/plain"))
        self.assertIn('skyarray_drive_state{drive="0",label="node0/enc0/0",state="online"} 1',
                      text)
        self.assertIn("skyarray_chunks_under_replicated 0", text)
        self.assertIn("# TYPE skyarray_rebuild_bytes_total counter", text)
        for line in text.splitlines():
            if line and not line.startswith("#"):
                name, value = line.rsplit(" ", 1)
                float(value)  # every sample parses
        bad = admin(self.server, "drive", "fail", "77", check=False)
        self.assertNotEqual(bad.returncode, 0)
        self.assertIn("no drive 77", bad.stderr)
        bad = admin(self.server, "drive", "add", "relative/path", check=False)
        self.assertNotEqual(bad.returncode, 0)
        self.assertIn("absolute", bad.stderr)


def chunk_files(root):
    out = []
    for dirpath, _, files in os.walk(root):
        if os.path.basename(os.path.dirname(dirpath)) == "chunks":
            out += [os.path.join(dirpath, f) for f in files]
    return out


class RedundancyTest(unittest.TestCase):
    """A rebuild slowed to 1 MiB/s, so that it is still running when the
    operator asks whether redundancy is back."""

    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="skyarray-redundancy-")
        self.server = Server(config_text=array_config(
            self.root, extra=['rebuild_rate = "1MiB"', 'scrub_interval = "0"'])).start()
        self.s3 = boto3_client(self.server)
        self.s3.create_bucket(Bucket="pacs")

    def tearDown(self):
        self.server.stop()
        subprocess.run(["rm", "-rf", self.root, self.server.data_dir])

    def health(self):
        return json.loads(admin(self.server, "--json", "health").stdout)

    def test_until_idle_waits_for_redundancy(self):
        for i in range(60):
            self.s3.put_object(Bucket="pacs", Key=f"s/{i:03d}", Body=os.urandom(256 << 10))
        admin(self.server, "drive", "fail", "0")
        queued = self.health()["chunks"]["under_replicated"]
        self.assertGreater(queued, 10)

        # Not idle yet: a short wait times out, non-zero, saying what is pending.
        t0 = time.time()
        early = admin(self.server, "health", "--until-idle", "--interval", "0.2",
                      "--timeout", "1", check=False)
        self.assertEqual(early.returncode, 3, early.stdout + early.stderr)
        self.assertIn("chunks under-replicated", early.stderr)
        self.assertIn("redundancy not restored", early.stderr)
        self.assertLess(time.time() - t0, 30)

        # Waiting long enough: exit 0 only once nothing is under-replicated.
        done = admin(self.server, "health", "--until-idle", "--interval", "0.2",
                     "--timeout", "120", check=False)
        after = self.health()
        print(f"\n{queued} chunks queued after the fail; until-idle returned "
              f"{done.returncode} after {time.time() - t0:.1f} s; "
              f"{after['rebuild']['bytes_rebuilt']} bytes rebuilt")
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        self.assertIn("chunks   0 under-replicated", done.stdout)
        self.assertEqual(after["chunks"]["under_replicated"], 0)
        self.assertFalse(after["rebuild"]["running"])
        self.assertGreater(after["rebuild"]["bytes_rebuilt"], 0)
        self.assertEqual(after["status"], "degraded")  # drive 0 is still failed

        # Idle now: it returns at once, 0.
        again = admin(self.server, "--json", "health", "--until-idle", "--timeout", "5")
        self.assertEqual(json.loads(again.stdout)["chunks"]["under_replicated"], 0)

    def test_data_loss_is_in_health_as_soon_as_a_read_meets_it(self):
        before = set(chunk_files(self.root))
        body = os.urandom((1 << 20) + 300_000)  # two chunks
        self.s3.put_object(Bucket="pacs", Key="scans/lost.dcm", Body=body)
        mine = sorted(set(chunk_files(self.root)) - before)
        by_chunk = {}
        for path in mine:
            by_chunk.setdefault(os.path.basename(path), []).append(path)
        self.assertEqual(len(by_chunk), 2)
        chunk, replicas = sorted(by_chunk.items())[1]
        self.assertEqual(len(replicas), 3)
        for path in replicas:  # one block, bad on every replica
            with open(path, "r+b") as f:
                f.seek(8192 + 70_000)
                b = f.read(1)
                f.seek(8192 + 70_000)
                f.write(bytes([b[0] ^ 0x5A]))
        self.assertEqual(self.health()["status"], "ok")
        got = None
        try:
            got = self.s3.get_object(Bucket="pacs", Key="scans/lost.dcm")["Body"].read()
        except Exception:  # the error answer is the S3 front end's; here only health counts
            pass
        self.assertNotEqual(got, body)
        h = self.health()
        self.assertEqual(h["status"], "data-loss")
        self.assertEqual(h["chunks"]["with_lost_blocks"], 1)
        self.assertGreaterEqual(h["counters"]["data_loss_reads"], 1)
        [lost] = h["data_loss"]
        self.assertEqual(lost["chunk"], chunk)
        self.assertEqual(lost["object"], "pacs/scans/lost.dcm version null")
        self.assertIn("every replica", lost["detail"])
        human = admin(self.server, "health").stdout
        self.assertIn("status   data-loss", human)
        self.assertIn(f"lost     chunk {chunk} of pacs/scans/lost.dcm version null", human)
        status, text, _ = self.server.metrics()
        self.assertIn("skyarray_chunks_with_lost_blocks 1", text)
        # Redundancy cannot come back for it, but nothing is queued either.
        self.assertEqual(h["chunks"]["under_replicated"], 0)


if __name__ == "__main__":
    unittest.main()
