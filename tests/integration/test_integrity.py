"""Issue 5 acceptance through the real binary: bit flips, drive loss under
load, metadata loss. Every test prints its counts.

- Bit flips: >= 1000 random bit flips across the chunk files of a loaded
  array (server stopped, then restarted); every GET is byte-identical; a
  scrub (`skyarray admin scrub start`) finds and repairs every damaged block
  not already repaired by reads; a second scrub finds zero.
- Drive loss: replicas=3 over 8 drive directories in 4 nodes; one drive,
  and separately a whole node, vanish (directory removed) while boto3
  threads keep writing and reading; no acknowledged object becomes
  unreadable and the rebuild restores 3 replicas (checked by a scrub that
  finds nothing under-replicated).
- Metadata loss: the metadata directory of a loaded array is deleted;
  `skyarray admin recover-metadata` rebuilds it from the newest drive
  checkpoint and a scan of chunk headers; every object reads back.
"""

import hashlib
import json
import os
import random
import shutil
import subprocess
import tempfile
import threading
import time
import unittest

from skyarray_harness import Server, admin, binary, boto3_client



def config(root, drives, nodes, extra=""):
    lines = ['[store]', 'replicas = 3', 'chunk_size = "1MiB"', 'reserve = "0"',
             'rebuild_interval = "0.2s"', 'scrub_interval = "0"', 'scrub_rate = "0"', extra, '']
    for i in range(drives):
        lines += ['[[drive]]', f'path = "{root}/bay{i}"',
                  f'label = "node{i % nodes}/enc0/{i}"', '']
    return "\n".join(lines)


def chunk_files(root):
    out = []
    for dirpath, _, files in os.walk(root):
        if os.path.basename(os.path.dirname(dirpath)) == "chunks":
            out += [os.path.join(dirpath, f) for f in files]
    return out


class IntegrityTest(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="skyarray-integrity-")
        self.server = None

    def tearDown(self):
        if self.server:
            self.server.stop()
            shutil.rmtree(self.server.data_dir, ignore_errors=True)
        shutil.rmtree(self.root, ignore_errors=True)

    def start(self, drives, nodes, extra=""):
        os.makedirs(os.path.join(self.root, "data"), exist_ok=True)
        self.server = Server(data_dir=os.path.join(self.root, "data"),
                             config_text=config(self.root, drives, nodes, extra)).start()
        self.s3 = boto3_client(self.server)

    def load(self, bucket, count, size, seed):
        rng = random.Random(seed)
        self.s3.create_bucket(Bucket=bucket)
        objects = {}
        for i in range(count):
            body = rng.randbytes(size + rng.randrange(size))
            key = f"study-{seed}/{i:04d}.dcm"
            self.s3.put_object(Bucket=bucket, Key=key, Body=body)
            objects[key] = body
        return objects

    def check(self, bucket, objects):
        for key, body in objects.items():
            got = self.s3.get_object(Bucket=bucket, Key=key)["Body"].read()
            self.assertEqual(hashlib.md5(got).hexdigest(), hashlib.md5(body).hexdigest(), key)

    def health(self):
        return json.loads(admin(self.server, "--json", "health").stdout)

    def scrub(self):
        before = self.health()["scrub"]["passes_completed"]
        admin(self.server, "scrub", "start")
        deadline = time.time() + 300
        while time.time() < deadline:
            s = self.health()["scrub"]
            if s["passes_completed"] > before and not s["running"]:
                return s
            time.sleep(0.2)
        self.fail("scrub did not finish")

    def test_bit_flips_are_found_repaired_and_gone(self):
        self.start(drives=6, nodes=3)
        objects = self.load("pacs", 40, 1_500_000, seed=1)
        self.server.stop()
        files = chunk_files(self.root)
        rng = random.Random(7)
        damaged = {}  # (chunk name, block) -> files damaged; never all three replicas
        flips = 0
        while flips < 1200:
            path = rng.choice(files)
            size = os.path.getsize(path)
            off = rng.randrange(size)
            block = -1 if off < 8192 else (off - 8192) // 65536
            holders = damaged.setdefault((os.path.basename(path), block), set())
            if block >= 0 and len(holders) == 2 and path not in holders:
                continue
            holders.add(path)
            with open(path, "r+b") as f:
                f.seek(off)
                b = f.read(1)[0]
                f.seek(off)
                f.write(bytes([b ^ (1 << rng.randrange(8))]))
            flips += 1
        data_blocks = sum(len(v) for k, v in damaged.items() if k[1] >= 0)
        headers = sum(len(v) for k, v in damaged.items() if k[1] < 0)
        self.server.start()
        self.check("pacs", objects)  # every read correct despite the damage
        time.sleep(0.5)  # read-repairs settle
        repaired_by_reads = self.health()["counters"]["replicas_repaired"]
        first = self.scrub()
        second = self.scrub()
        print(f"\nbit flips: {flips} in {len(files)} chunk files -> {data_blocks} damaged "
              f"(replica, block) pairs and {headers} damaged headers; reads repaired "
              f"{repaired_by_reads} replicas; scrub 1: {first['corrupt_blocks']} corrupt "
              f"blocks, {first['corrupt_headers']} bad headers, {first['replicas_repaired']} "
              f"replicas repaired, {first['unrepairable_chunks']} unrepairable; scrub 2: "
              f"{second['corrupt_blocks']} corrupt blocks, {second['corrupt_headers']} bad headers")
        self.assertGreater(first["corrupt_blocks"] + repaired_by_reads, 0)
        self.assertLessEqual(first["corrupt_blocks"], data_blocks)
        if repaired_by_reads == 0:
            self.assertGreaterEqual(first["corrupt_blocks"] + 5, data_blocks)
        self.assertEqual(first["unrepairable_chunks"], 0)
        self.assertEqual(second["corrupt_blocks"], 0)
        self.assertEqual(second["corrupt_headers"], 0)
        self.assertEqual(second["missing_replicas"], 0)
        self.check("pacs", objects)

    def run_load(self, stop, acked, errors):
        """Writer and reader threads; `acked` gets every acknowledged PUT."""
        def writer(n):
            s3 = boto3_client(self.server)
            rng = random.Random(100 + n)
            i = 0
            while not stop.is_set():
                body = rng.randbytes(rng.randrange(100_000, 2_500_000))
                key = f"live/{n}/{i:05d}"
                try:
                    s3.put_object(Bucket="pacs", Key=key, Body=body)
                    acked[key] = body
                except Exception as e:  # an unacknowledged write is allowed to fail
                    errors.append(f"put {key}: {e}")
                i += 1

        def reader(n):
            s3 = boto3_client(self.server)
            rng = random.Random(200 + n)
            while not stop.is_set():
                if not acked:
                    time.sleep(0.05)
                    continue
                key = rng.choice(list(acked.keys()))
                got = s3.get_object(Bucket="pacs", Key=key)["Body"].read()
                if got != acked[key]:
                    errors.append(f"WRONG BYTES for {key}")
        threads = [threading.Thread(target=writer, args=(n,)) for n in range(2)]
        threads += [threading.Thread(target=reader, args=(n,)) for n in range(2)]
        for t in threads:
            t.start()
        return threads

    def lose_and_rebuild(self, bays, what):
        stop = threading.Event()
        acked, errors = {}, []
        threads = self.run_load(stop, acked, errors)
        self.addCleanup(stop.set)
        time.sleep(2)
        before = self.health()["rebuild"]["bytes_rebuilt"]
        t0 = time.time()
        for b in bays:  # the disk is pulled: gone at once, then its remains cleared
            os.rename(f"{self.root}/bay{b}", f"{self.root}/pulled{b}")
            shutil.rmtree(f"{self.root}/pulled{b}", ignore_errors=True)
        admin(self.server, "health", "--watch", "--until-idle", "--interval", "0.3",
              "--timeout", "300")
        # Wait until the vanished drives were noticed and their chunks rebuilt.
        deadline = time.time() + 300
        while time.time() < deadline:
            h = self.health()
            gone = [d for d in h["drives"] if d["path"].endswith(tuple(f"/bay{b}" for b in bays))]
            if all(d["state"] == "offline" for d in gone) and \
                    h["chunks"]["under_replicated"] == 0 and not h["rebuild"]["running"]:
                break
            time.sleep(0.3)
        secs = time.time() - t0
        time.sleep(1)
        stop.set()
        for t in threads:
            t.join()
        # A PUT that placed a replica on a vanished drive before the array
        # noticed may commit its chunk under-replicated after the loop above
        # saw none: it is queued and rebuilt like the others. Wait for that.
        deadline = time.time() + 120
        while True:
            h = self.health()
            idle = h["chunks"]["under_replicated"] == 0 and not h["rebuild"]["running"]
            if idle or time.time() > deadline:
                break
            time.sleep(0.3)
        rebuilt = h["rebuild"]["bytes_rebuilt"] - before
        print(f"\n{what}: {rebuilt} bytes rebuilt in {secs:.1f} s "
              f"({rebuilt / max(secs, 1e-9) / 2**20:.1f} MiB/s) during {len(acked)} acknowledged "
              f"concurrent PUTs; {len(errors)} client errors")
        self.assertFalse([e for e in errors if e.startswith("WRONG")], errors[:5])
        self.assertGreater(rebuilt, 0)
        self.assertEqual(h["chunks"]["under_replicated"], 0)
        self.assertEqual(h["chunks"]["lost"], 0)
        return acked

    def test_drive_and_domain_loss_under_load(self):
        self.start(drives=8, nodes=4)
        objects = self.load("pacs", 30, 1_000_000, seed=2)
        acked = self.lose_and_rebuild([1], "one drive lost")
        self.check("pacs", objects)
        self.check("pacs", acked)
        acked2 = self.lose_and_rebuild([2, 6], "node2 (2 drives) lost")
        self.check("pacs", objects)
        self.check("pacs", acked)
        self.check("pacs", acked2)
        s = self.scrub()  # full redundancy: nothing under-replicated or damaged
        print(f"scrub after rebuilds: {s['pass_chunks_done']} chunks, under-replicated "
              f"{s['under_replicated']}, missing {s['missing_replicas']}, misplaced {s['misplaced']}")
        self.assertEqual(s["under_replicated"], 0)
        self.assertEqual(s["missing_replicas"], 0)
        self.assertEqual(s["unrepairable_chunks"], 0)
        self.assertEqual(s["misplaced"], 0)

    def test_metadata_loss_is_recovered(self):
        self.start(drives=6, nodes=3)
        objects = self.load("pacs", 30, 800_000, seed=3)
        admin(self.server, "checkpoint")
        self.server.stop()
        cfg_path = os.path.join(self.server.data_dir, "skyarray-test.toml")
        shutil.rmtree(os.path.join(self.server.data_dir, "meta"))  # the metadata drive dies
        proc = subprocess.run([binary(), "admin", "recover-metadata", "--data",
                               self.server.data_dir, "--config", cfg_path],
                              capture_output=True, text=True, timeout=300)
        print("\n" + proc.stdout)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn("lost (no replica)       0", proc.stdout)
        self.server.start()
        self.check("pacs", objects)
        listed = self.s3.list_objects_v2(Bucket="pacs")["KeyCount"]
        self.assertEqual(listed, len(objects))


if __name__ == "__main__":
    unittest.main()
