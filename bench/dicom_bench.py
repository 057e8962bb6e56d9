#!/usr/bin/python3
"""DICOM C-STORE ingest against Orthanc, same instances, same disk, same run.

Makes N instances of 512 KiB (512 x 512, 16-bit CT images), then sends them
with 4 concurrent DCMTK `storescu` processes (each a quarter of the files,
one association each) to the array's DIMSE door, and the same files the
same way to Orthanc (Debian's `orthanc`, its default settings but for the
ports and a storage directory beside the array's data). Prints instances/s
of each and the ratio skyarray/Orthanc. Both sides run with TCP_NODELAY=1
(DCMTK leaves Nagle's algorithm on otherwise; Orthanc uses DCMTK too).

Orthanc cannot be told to listen on loopback only, so the bench runs in a
network namespace of its own (tests/integration/private_network.py).

  SKYARRAY_BIN=build/release/skyarray bench/dicom_bench.py [--count 2000]

Default count 400 (a shared 2-core machine); the issue's figure is taken
with --count 2000 on a quiet machine.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))

from private_network import enter_private_network  # noqa: E402

if __name__ == "__main__":
    enter_private_network(__name__, script=os.path.abspath(__file__))

import pydicom  # noqa: E402
from dicom_helpers import dicom_env, make_instance  # noqa: E402
from skyarray_harness import Server, boto3_client, free_port  # noqa: E402

R = "1.2.826.0.1.3680043.55."
SENDERS = 4


def make_files(root, count):
    """`count` CT instances of 512 KiB of pixels, 50 per series, 4 series a
    study."""
    os.makedirs(root, exist_ok=True)
    base = make_instance(os.path.join(root, "base.dcm"), patient_id="B1",
                         patient_name="BENCH^ONE", charset="ISO_IR 100", study=f"{R}0",
                         series=f"{R}0.0", sop=f"{R}0.0.0", modality="CT",
                         study_date="20240101", number=0)
    ds = pydicom.dcmread(base["path"])
    os.unlink(base["path"])
    ds.Rows, ds.Columns = 512, 512
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = 16, 16, 15
    ds.SamplesPerPixel, ds.PhotometricInterpretation, ds.PixelRepresentation = 1, "MONOCHROME2", 0
    pixels = bytearray(os.urandom(512 * 512 * 2))
    paths = []
    for i in range(count):
        series, study = i // 50, i // 200
        ds.StudyInstanceUID = f"{R}{study + 1}"
        ds.SeriesInstanceUID = f"{R}{study + 1}.{series + 1}"
        ds.SOPInstanceUID = f"{R}{study + 1}.{series + 1}.{i + 1}"
        ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        ds.InstanceNumber = i + 1
        pixels[0:4] = i.to_bytes(4, "little")
        ds.PixelData = bytes(pixels)
        path = os.path.join(root, f"i{i:05d}.dcm")
        ds.save_as(path, write_like_original=False)
        paths.append(path)
    return paths


def send(port, called, files):
    """Wall-clock seconds for 4 storescu processes sending `files`."""
    shares = [files[k::SENDERS] for k in range(SENDERS)]
    t0 = time.time()
    procs = [subprocess.Popen(["storescu", "-nh", "-aet", "STORESCU", "-aec", called,
                               "127.0.0.1", str(port), *share],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              env=dicom_env()) for share in shares]
    for p in procs:
        p.wait()
    return time.time() - t0


class Orthanc:
    def __init__(self, root):
        self.http_port, self.dicom_port = free_port(), free_port()
        os.makedirs(root, exist_ok=True)
        config = {"Name": "bench", "StorageDirectory": os.path.join(root, "db"),
                  "IndexDirectory": os.path.join(root, "db"), "Plugins": [],
                  "HttpPort": self.http_port, "DicomPort": self.dicom_port,
                  "DicomAet": "ORTHANC", "RemoteAccessAllowed": False,
                  "AuthenticationEnabled": False}
        path = os.path.join(root, "orthanc.json")
        with open(path, "w") as f:
            json.dump(config, f)
        self.log = open(os.path.join(root, "orthanc.log"), "wb")
        self.proc = subprocess.Popen(["Orthanc", path], stdout=self.log, stderr=subprocess.STDOUT,
                                     env=dicom_env())
        deadline = time.time() + 60
        while True:
            try:
                self.statistics()
                return
            except OSError:
                if time.time() > deadline or self.proc.poll() is not None:
                    raise RuntimeError("Orthanc did not start")
                time.sleep(0.2)

    def statistics(self):
        url = f"http://127.0.0.1:{self.http_port}/statistics"
        with urllib.request.urlopen(url, timeout=30) as rsp:
            return json.loads(rsp.read())

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=60)
        self.log.close()


def count_objects(s3, bucket):
    n = 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        n += len(page.get("Contents", []))
    return n


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=400)
    parser.add_argument("--dir", default=None, help="where data goes (default: a temp dir)")
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="skyarray-dicom-bench-", dir=args.dir)
    try:
        files = make_files(os.path.join(tmp, "files"), args.count)
        mib = args.count * 512 / 1024
        print(f"{args.count} instances of 512 KiB ({mib:.0f} MiB), {SENDERS} storescu at once")

        os.makedirs(os.path.join(tmp, "array"))
        server = Server(data_dir=os.path.join(tmp, "array"),
                        dicom={"peers": [("STORESCU", "127.0.0.1", 11113)]}).start()
        try:
            sky_s = send(server.dicom_port, "SKYARRAY", files)
            stored = count_objects(boto3_client(server), "dicom")
        finally:
            server.stop()
        orthanc = Orthanc(os.path.join(tmp, "orthanc"))
        try:
            orthanc_s = send(orthanc.dicom_port, "ORTHANC", files)
            orthanc_stored = orthanc.statistics()["CountInstances"]
        finally:
            orthanc.stop()
        if stored != args.count or orthanc_stored != args.count:
            print(f"stored: skyarray {stored}, Orthanc {orthanc_stored} of {args.count}")
        sky_rate, orthanc_rate = stored / sky_s, orthanc_stored / orthanc_s
        print(f"skyarray  {sky_rate:8.1f} instances/s  ({stored * 0.5 / sky_s:6.1f} MiB/s)")
        print(f"Orthanc   {orthanc_rate:8.1f} instances/s  ({orthanc_stored * 0.5 / orthanc_s:6.1f}"
              " MiB/s)")
        print(f"ratio skyarray/Orthanc: {sky_rate / orthanc_rate:.2f} (goal >= 3)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
