"""Group commit under kill -9: many concurrent small PUTs, the server killed
mid-flight, and every acknowledged PUT reads back after the restart.

Sixteen boto3 clients PUT 4 KiB objects (inline in metadata, so the
metadata commit is the whole write) as fast as the server answers, some of
them overwriting the client's previous key. The server is killed with
SIGKILL while they run, several times over on the same data. After each
restart every PUT that was acknowledged reads back: the object holds the
acknowledged body or the body of a PUT still in flight at the kill (never
older, never anything else), and the metadata journal is usable again
(health: metadata ok).
"""

import hashlib
import json
import os
import shutil
import tempfile
import threading
import time
import unittest

from skyarray_harness import Server, admin, boto3_client

CLIENTS = 16
SIZE = 4096


def config(root, drives):
    lines = ['[store]', 'replicas = 2', 'reserve = "0"', 'checkpoint_interval = "0"',
             'scrub_interval = "0"', '']
    for i in range(drives):
        lines += ['[[drive]]', f'path = "{root}/bay{i}"', f'label = "node{i % 2}/enc0/{i}"', '']
    return "\n".join(lines)


def body_of(key, n):
    seed = hashlib.sha256(f"{key}#{n}".encode()).digest()
    return (seed * (SIZE // len(seed) + 1))[:SIZE]


class SmallWriteCrashTest(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="skyarray-smallcrash-")
        self.data = os.path.join(self.root, "data")
        os.makedirs(self.data)
        self.server = Server(data_dir=self.data, config_text=config(self.root, 3)).start()
        boto3_client(self.server).create_bucket(Bucket="small")
        # key -> set of bodies it may hold: the last acknowledged one, plus
        # one whose PUT was in flight when the server died.
        self.allowed = {}
        self.lock = threading.Lock()

    def tearDown(self):
        self.server.kill9()
        shutil.rmtree(self.root, ignore_errors=True)

    def client_loop(self, s3, rnd, c, stop):
        i = 0
        while not stop.is_set():
            # Every fourth PUT overwrites the previous key.
            key = f"r{rnd}/c{c}/{i - 1 if i % 4 == 3 else i}"
            body = body_of(key, i)
            with self.lock:
                self.allowed.setdefault(key, set()).add(hashlib.sha256(body).hexdigest())
                pending = self.allowed[key]
            try:
                s3.put_object(Bucket="small", Key=key, Body=body)
            except Exception as e:  # the kill: this PUT is in flight, not acknowledged
                if not stop.is_set() and self.server.proc is not None:
                    self.errors.append(f"{key}: {e!r}")
                return
            digest = hashlib.sha256(body).hexdigest()
            with self.lock:
                # Acknowledged: only this body is allowed from now on (a
                # later unacknowledged overwrite may add its own).
                pending.clear()
                pending.add(digest)
                self.acked[key] = digest
            i += 1

    def test_every_acknowledged_small_put_survives_kill9(self):
        total = 0
        for rnd in range(3):
            clients = [boto3_client(self.server) for _ in range(CLIENTS)]
            self.acked = {}
            self.errors = []
            stop = threading.Event()
            threads = [threading.Thread(target=self.client_loop, args=(clients[c], rnd, c, stop))
                       for c in range(CLIENTS)]
            for t in threads:
                t.start()
            deadline = time.time() + 60
            want = 300 + 300 * rnd  # a different moment each round
            while time.time() < deadline and not self.errors:
                with self.lock:
                    if len(self.acked) >= want:
                        break
                time.sleep(0.01)
            self.assertEqual(self.errors, [], "a PUT failed before the kill")
            self.server.kill9()  # mid-flight: the clients are still sending
            stop.set()
            for t in threads:
                t.join(60)
            with self.lock:
                acked = dict(self.acked)
            self.assertGreaterEqual(len(acked), want, "the clients stalled before the kill")
            total += len(acked)

            self.server.start()
            s3 = boto3_client(self.server)
            for key in sorted(acked):
                got = s3.get_object(Bucket="small", Key=key)["Body"].read()
                with self.lock:
                    allowed = set(self.allowed[key])
                self.assertIn(hashlib.sha256(got).hexdigest(), allowed,
                              f"{key}: acknowledged PUT lost or replaced by an older body")
            health = json.loads(admin(self.server, "--json", "health").stdout)
            self.assertEqual(health["metadata"]["state"], "ok", health["metadata"])
        print(f"{total} acknowledged PUTs checked over 3 kills")


if __name__ == "__main__":
    unittest.main()
