#!/usr/bin/python3
"""Encryption at rest against plaintext: PUT and GET of 64 MiB objects with
SSE-S3 and with no encryption, same server, same disk, same run.

Starts one array on loopback. curl moves the bytes (presigned URLs, so the
client does no hashing), one request at a time; each figure is the median
of --rounds rounds. Prints MiB/s for each and the ratio SSE-S3/plaintext.
Goal (issue 15): >= 0.85 for PUT and GET.

  SKYARRAY_BIN=build/release/skyarray bench/sse_bench.py [--rounds 5] [--mib 64]
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))

from skyarray_harness import Server, boto3_client  # noqa: E402


def timed_curl(args):
    t = time.perf_counter()
    subprocess.run(["curl", "-sS", "-f", "-o", "/dev/null", *args], check=True, timeout=600)
    return time.perf_counter() - t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--mib", type=int, default=64)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="skyarray-sse-bench-")
    src = os.path.join(tmp, "body.bin")
    with open(src, "wb") as f:
        f.write(os.urandom(args.mib << 20))
    with Server() as server:
        s3 = boto3_client(server)
        s3.create_bucket(Bucket="bench")
        results = {}
        for mode, extra in (("plain", {}), ("sse-s3", {"ServerSideEncryption": "AES256"})):
            puts, gets = [], []
            for r in range(args.rounds):
                key = f"{mode}/{r}"
                put_url = s3.generate_presigned_url(
                    "put_object", Params={"Bucket": "bench", "Key": key, **extra}, ExpiresIn=600)
                headers = []
                if extra:
                    headers = ["-H", "x-amz-server-side-encryption: AES256"]
                puts.append(timed_curl(["-T", src, *headers, put_url]))
                get_url = s3.generate_presigned_url(
                    "get_object", Params={"Bucket": "bench", "Key": key}, ExpiresIn=600)
                gets.append(timed_curl([get_url]))
            head = s3.head_object(Bucket="bench", Key=f"{mode}/0")
            if extra and head.get("ServerSideEncryption") != "AES256":
                raise SystemExit("the SSE-S3 objects are not encrypted")
            results[mode] = (args.mib / statistics.median(puts), args.mib / statistics.median(gets))
        for mode, (put, get) in results.items():
            print(f"{mode:8s} PUT {put:8.1f} MiB/s   GET {get:8.1f} MiB/s")
        print(f"ratio SSE-S3/plain: PUT {results['sse-s3'][0] / results['plain'][0]:.2f}   "
              f"GET {results['sse-s3'][1] / results['plain'][1]:.2f}   (goal >= 0.85)")
    os.unlink(src)
    os.rmdir(tmp)


if __name__ == "__main__":
    main()
