#!/usr/bin/python3
"""Cloud tier upload throughput against rclone, same data, same cloud, same run.

Starts a cloud C (`skyarray serve --role cloud`) and an array A on loopback.
For each data set, rclone copies the files from a local directory to C, and
A (holding the same files in a bucket) uploads them to C through a sync link
(timed from `admin cloud link` until the backlog is empty). Prints MiB/s and
the ratio skyarray/rclone. Then the time to first byte of a GET of an
evicted 4 MiB object through A (read-through) against the same GET from C.

  SKYARRAY_BIN=build/release/skyarray bench/cloud_sync_bench.py [--full]

Default sizes are scaled down for a shared 2-core machine (4 x 256 MiB and
2,000 x 512 KiB); --full runs the issue's sizes (4 x 1 GiB, 10,000 x 512 KiB),
with one replica per chunk on A and C (--replicas) so that the 9 GiB fit
three times (A, C for rclone, C for skyarray) on one disk.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))

from cloud_helpers import add_target, admin, status  # noqa: E402
from skyarray_harness import Server, boto3_client  # noqa: E402

ARRAY_CONFIG = """
[store]
replicas = {replicas}
[cloud]
workers = {workers}
poll_interval = "20ms"
evict_interval = "100ms"
"""
CLOUD_CONFIG = """
[store]
replicas = {replicas}
"""


def make_files(root, count, size):
    os.makedirs(root, exist_ok=True)
    block = os.urandom(1 << 20)
    for i in range(count):
        with open(os.path.join(root, f"f{i:05d}.bin"), "wb") as f:
            left = size
            while left > 0:
                n = min(left, len(block))
                f.write(block[:n] if i % 2 else bytes(reversed(block[:n])))
                left -= n


def rclone(cloud, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(RCLONE_CONFIG="/dev/null", RCLONE_CONFIG_C_TYPE="s3",
               RCLONE_CONFIG_C_PROVIDER="Other",
               RCLONE_CONFIG_C_ACCESS_KEY_ID=cloud.access_key,
               RCLONE_CONFIG_C_SECRET_ACCESS_KEY=cloud.secret_key,
               RCLONE_CONFIG_C_ENDPOINT=cloud.endpoint, RCLONE_CONFIG_C_REGION="us-east-1",
               RCLONE_CONFIG_C_FORCE_PATH_STYLE="true")
    subprocess.run(["rclone", *args], env=env, check=True, capture_output=True, timeout=3600)


def load_array(array, bucket, src):
    """Puts the files into A with awscli (not timed)."""
    env = array.env()
    subprocess.run(["/usr/bin/aws", "--endpoint-url", array.endpoint, "s3", "cp", "--recursive",
                    "--quiet", src, f"s3://{bucket}/"], env=env, check=True, timeout=3600)


def run_set(name, count, size, cloud, array, tmp, workers):
    src = os.path.join(tmp, name)
    make_files(src, count, size)
    total = count * size
    c = boto3_client(cloud)
    a = boto3_client(array)
    c.create_bucket(Bucket=f"rclone-{name}")
    c.create_bucket(Bucket=f"sky-{name}")
    a.create_bucket(Bucket=name)

    t0 = time.time()
    rclone(cloud, "copy", src, f"c:rclone-{name}", "--transfers", str(workers),
           "--s3-upload-concurrency", "4", "--s3-chunk-size", "16M")
    rclone_s = time.time() - t0

    load_array(array, name, src)
    add_target(array, cloud, f"t-{name}", f"sky-{name}")
    t0 = time.time()
    admin(array, "cloud", "link", "--bucket", name, "--target", f"t-{name}")
    # Each poll is an admin CLI process and a scan of the queue on A: every
    # 250 ms keeps the poller's own CPU out of the figure (it was a tenth of
    # a core at 50 ms) at the cost of up to 1% of a 25 s run.
    while status(array)["backlog_objects"] > 0:
        time.sleep(0.25)
    sky_s = time.time() - t0
    listed = sum(1 for p in c.get_paginator("list_objects_v2").paginate(Bucket=f"sky-{name}")
                 for o in p.get("Contents", []) if not o["Key"].startswith(".skyarray/"))
    assert listed == count, (listed, count)
    shutil.rmtree(src)
    mib = total / (1 << 20)
    print(f"{name:>10}: {count} x {size >> 10} KiB = {mib:.0f} MiB | rclone {rclone_s:6.2f} s "
          f"{mib / rclone_s:7.1f} MiB/s | skyarray {sky_s:6.2f} s {mib / sky_s:7.1f} MiB/s | "
          f"ratio {rclone_s / sky_s:.2f}x", flush=True)


def ttfb(client, bucket, key, runs=20):
    """Median time to the first body byte and to the last, in ms."""
    first, total = [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        body = client.get_object(Bucket=bucket, Key=key)["Body"]
        body.read(1)
        first.append((time.perf_counter() - t0) * 1000)
        body.read()
        total.append((time.perf_counter() - t0) * 1000)
    first.sort()
    total.sort()
    return first[len(first) // 2], total[len(total) // 2]


def read_through(cloud, array):
    """GET of an evicted object through A (read-through) vs the same GET
    straight from C."""
    c = boto3_client(cloud)
    a = boto3_client(array)
    c.create_bucket(Bucket="sky-cache")
    a.create_bucket(Bucket="cache")
    body = os.urandom(4 << 20)
    for i in range(4):
        a.put_object(Bucket="cache", Key=f"obj{i}", Body=body)
    add_target(array, cloud, "t-cache", "sky-cache")
    admin(array, "cloud", "link", "--bucket", "cache", "--target", "t-cache", "--mode", "cache",
          "--cache-bytes", str(1 << 20))
    deadline = time.time() + 60
    while status(array)["evicted_objects"] < 4 and time.time() < deadline:
        time.sleep(0.1)
    assert status(array)["evicted_objects"] >= 4
    direct = ttfb(c, "sky-cache", "obj0")
    through = ttfb(a, "cache", "obj0")
    print(f"read-through 4 MiB: direct from cloud TTFB {direct[0]:.1f} ms (all {direct[1]:.1f} ms)"
          f" | via array TTFB {through[0]:.1f} ms (all {through[1]:.1f} ms) | "
          f"TTFB ratio {through[0] / direct[0]:.2f}x", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--full", action="store_true", help="4 x 1 GiB and 10,000 x 512 KiB")
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--read-through-only", action="store_true")
    ap.add_argument("--sets", default="large,dicom", help="data sets to run: large, dicom")
    ap.add_argument("--replicas", type=int, default=0, help="chunk copies on A and C "
                    "(default: 3, 1 with --full)")
    args = ap.parse_args()
    replicas = args.replicas or (1 if args.full else 3)
    big = (4, (1 << 30) if args.full else (256 << 20))
    small = (10000 if args.full else 2000, 512 << 10)
    tmp = tempfile.mkdtemp(prefix="cloud-bench-")
    cloud = Server(role="cloud", config_text=CLOUD_CONFIG.format(replicas=replicas)).start()
    array = Server(config_text=ARRAY_CONFIG.format(workers=args.workers,
                                                   replicas=replicas)).start()
    print(f"workers {args.workers}, {replicas} replica(s) per chunk on A and C", flush=True)
    try:
        if not args.read_through_only:
            sets = args.sets.split(",")
            if "large" in sets:
                run_set("large", big[0], big[1], cloud, array, tmp, args.workers)
            if "dicom" in sets:
                run_set("dicom", small[0], small[1], cloud, array, tmp, args.workers)
        read_through(cloud, array)
    finally:
        array.__exit__(None, None, None)
        cloud.__exit__(None, None, None)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
