"""The DIMSE door driven by DCMTK's own tools against a real server:
C-ECHO, C-STORE byte for byte (read back over S3), C-FIND against a
reference computed from the test data, refused AEs and services, and
kill -9 during ingest leaving index and objects in agreement."""

import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest

import pydicom

from dicom_helpers import (RLE, dataset_bytes, dicom_env, echoscu, findscu, make_instance,
                           rle_copy, storescu, transfer_syntax)
from skyarray_harness import Server, boto3_client, free_port

PEERS = [("STORESCU", "127.0.0.1", 11113), ("FINDSCU", "*", 11114)]
DEST = "DESTSCP"
BUCKET = "dicom"
R = "1.2.826.0.1.3680043.99."


def object_key(inst):
    return f"studies/{inst['study']}/series/{inst['series']}/instances/{inst['sop']}.dcm"


def listed_keys(s3):
    keys = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        keys += [o["Key"] for o in page.get("Contents", [])]
    return keys


class DicomDimseTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="skyarray-dicom-")
        cls.files = os.path.join(cls.tmp, "files")
        os.makedirs(cls.files)
        cls.explicit, cls.implicit, cls.compressed = [], [], []
        # Three patients (one Latin-1 name, one UTF-8 name), four studies,
        # CT/MR/US/OT series, both little endian syntaxes, one RLE series.
        patients = [("PID001", "DOE^JOHN", "ISO_IR 100"),
                    ("PID002", "MÜLLER^HANS", "ISO_IR 100"),
                    ("PID003", "山田^太郎", "ISO_IR 192")]
        studies = [(0, "20240315", ["CT", "MR"]), (0, "20230101", ["US"]),
                   (1, "20240601", ["CT"]), (2, "20241111", ["MR", "OT"])]
        n = 0
        for si, (pi, date, modalities) in enumerate(studies):
            pid, name, charset = patients[pi]
            study = f"{R}{si + 1}"
            for mi, modality in enumerate(modalities):
                series = f"{study}.{mi + 1}"
                for k in range(3):
                    n += 1
                    implicit = n % 2 == 0
                    inst = make_instance(
                        os.path.join(cls.files, f"i{n:03d}.dcm"), patient_id=pid,
                        patient_name=name, charset=charset, study=study, series=series,
                        sop=f"{series}.{k + 1}", modality=modality, study_date=date, number=k + 1,
                        implicit=implicit)
                    (cls.implicit if implicit else cls.explicit).append(inst)
        # An RLE series, stored as it comes.
        for k in range(2):
            src = make_instance(os.path.join(cls.tmp, f"raw{k}.dcm"), patient_id="PID001",
                                patient_name="DOE^JOHN", charset="ISO_IR 100", study=f"{R}1",
                                series=f"{R}1.9", sop=f"{R}1.9.{k + 1}", modality="CT",
                                study_date="20240315", number=k + 1)
            rle_copy(src["path"], os.path.join(cls.files, f"rle{k}.dcm"))
            src["raw"] = src["path"]
            src["path"] = os.path.join(cls.files, f"rle{k}.dcm")
            cls.compressed.append(src)
        cls.all = cls.explicit + cls.implicit + cls.compressed
        # storescp is the C-MOVE destination, a configured peer.
        cls.dest_port = free_port()
        cls.dest_dir = os.path.join(cls.tmp, "moved")
        os.makedirs(cls.dest_dir)
        cls.storescp = subprocess.Popen(
            ["storescp", "-aet", DEST, "-od", cls.dest_dir, str(cls.dest_port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dicom_env())
        cls.server = Server(dicom={"peers": PEERS + [(DEST, "127.0.0.1", cls.dest_port)]}).start()
        cls.port = cls.server.dicom_port
        cls.s3 = boto3_client(cls.server)
        # Explicit files with the default proposal, implicit ones with an
        # implicit-only proposal and the RLE ones with RLE: each travels in
        # its own transfer syntax, so the sender has nothing to convert.
        for files, opts in ((cls.explicit, []), (cls.implicit, ["-xi"]),
                            (cls.compressed, ["-xr"])):
            proc = storescu(cls.port, [i["path"] for i in files], *opts)
            assert proc.returncode == 0, proc.stdout + proc.stderr

    @classmethod
    def tearDownClass(cls):
        cls.storescp.kill()
        cls.storescp.wait()
        try:
            if cls.server.proc is not None:
                cls.server.stop()
        finally:
            shutil.rmtree(cls.tmp, ignore_errors=True)

    def find(self, model, *keys):
        return findscu(self.port, os.path.join(self.tmp, "rsp"), model, keys, calling="FINDSCU")

    def test_echo_and_refused_associations(self):
        self.assertEqual(echoscu(self.port).returncode, 0)
        intruder = echoscu(self.port, calling="INTRUDER")
        self.assertNotEqual(intruder.returncode, 0)
        self.assertIn("Rejected", intruder.stdout + intruder.stderr)
        wrong_called = echoscu(self.port, called="SOMEONEELSE")
        self.assertNotEqual(wrong_called.returncode, 0)
        self.assertEqual(echoscu(self.port, calling="FINDSCU").returncode, 0)  # host "*"

    def movescu(self, destination, *keys):
        cmd = ["movescu", "-S", "-aet", "FINDSCU", "-aec", "SKYARRAY", "-aem", destination]
        for k in keys:
            cmd += ["-k", k]
        return subprocess.run(cmd + ["127.0.0.1", str(self.port)], capture_output=True, text=True,
                              env=dicom_env(), timeout=300)

    def test_move_sends_the_series_to_the_destination(self):
        series = f"{R}1.1"
        move = self.movescu(DEST, "QueryRetrieveLevel=SERIES", f"StudyInstanceUID={R}1",
                            f"SeriesInstanceUID={series}")
        self.assertEqual(move.returncode, 0, move.stdout + move.stderr)
        expected = {i["sop"]: i for i in self.all if i["series"] == series}
        received = {}
        deadline = time.time() + 30
        while time.time() < deadline and len(received) < len(expected):
            received = {n.split(".", 1)[1]: os.path.join(self.dest_dir, n)
                        for n in os.listdir(self.dest_dir) if "." in n}
            time.sleep(0.1)
        self.assertEqual(set(received), set(expected))
        for sop, path in received.items():
            with open(path, "rb") as f, open(expected[sop]["path"], "rb") as g:
                self.assertEqual(dataset_bytes(f.read()), dataset_bytes(g.read()), sop)

    def test_unknown_destinations_are_refused_not_faked(self):
        before = sorted(os.listdir(self.dest_dir))
        move = self.movescu("NOWHERE", "QueryRetrieveLevel=STUDY", f"StudyInstanceUID={R}1")
        self.assertIn("movedestinationunknown", (move.stdout + move.stderr).lower())
        self.assertEqual(sorted(os.listdir(self.dest_dir)), before)

    def getscu(self, out_dir, model, *keys):
        cmd = ["getscu", model, "-aet", "FINDSCU", "-aec", "SKYARRAY", "-od", out_dir]
        for k in keys:
            cmd += ["-k", k]
        return subprocess.run(cmd + ["127.0.0.1", str(self.port)], capture_output=True, text=True,
                              env=dicom_env(), timeout=300)

    def received(self, out_dir):
        return {n.split(".", 1)[1]: os.path.join(out_dir, n) for n in os.listdir(out_dir)
                if "." in n}

    def assert_same_datasets(self, received, expected, why=None):
        """Instances the receiver took in their stored syntax arrive byte for
        byte; the others (getscu takes explicit little endian) arrive with the
        same elements, RLE ones decoded to the pixels they were made from."""
        self.assertEqual(set(received), set(expected), why)
        for sop, path in received.items():
            with open(path, "rb") as f, open(expected[sop]["path"], "rb") as g:
                got, sent = f.read(), g.read()
            if transfer_syntax(got) == transfer_syntax(sent):
                self.assertEqual(dataset_bytes(got), dataset_bytes(sent), sop)
                continue
            self.assertEqual(transfer_syntax(got), "1.2.840.10008.1.2.1", sop)
            source = pydicom.dcmread(expected[sop].get("raw", expected[sop]["path"]))
            self.assertEqual(pydicom.dcmread(path), source, sop)

    def test_get_returns_a_study_over_the_same_association(self):
        # Study root at STUDY level: every instance of study 1, explicit,
        # implicit and RLE alike, comes back as it was stored.
        out = tempfile.mkdtemp(dir=self.tmp)
        get = self.getscu(out, "-S", "QueryRetrieveLevel=STUDY", f"StudyInstanceUID={R}1")
        self.assertEqual(get.returncode, 0, get.stdout + get.stderr)
        expected = {i["sop"]: i for i in self.all if i["study"] == f"{R}1"}
        self.assertGreater(len(expected), 6)
        self.assert_same_datasets(self.received(out), expected, self.server.log()[-8000:])

    def test_get_patient_root_image_level_returns_one_instance(self):
        inst = self.implicit[0]
        out = tempfile.mkdtemp(dir=self.tmp)
        get = self.getscu(out, "-P", "QueryRetrieveLevel=IMAGE", f"PatientID={inst['patient_id']}",
                          f"StudyInstanceUID={inst['study']}",
                          f"SeriesInstanceUID={inst['series']}",
                          f"SOPInstanceUID={inst['sop']}")
        self.assertEqual(get.returncode, 0, get.stdout + get.stderr)
        self.assert_same_datasets(self.received(out), {inst["sop"]: inst})

    def test_get_of_nothing_and_of_a_bad_identifier(self):
        out = tempfile.mkdtemp(dir=self.tmp)
        none = self.getscu(out, "-S", "QueryRetrieveLevel=STUDY", f"StudyInstanceUID={R}999")
        self.assertEqual(none.returncode, 0, none.stdout + none.stderr)
        self.assertEqual(os.listdir(out), [])
        bad = self.getscu(out, "-S", "QueryRetrieveLevel=NOSUCHLEVEL", f"StudyInstanceUID={R}1")
        self.assertIn("datasetdoesnotmatchsopclass", (bad.stdout + bad.stderr).lower())
        self.assertEqual(os.listdir(out), [])

    def metric(self, name):
        status, text, _ = self.server.metrics()
        self.assertEqual(status, 200)
        match = re.search(rf"^skyarray_{name} (\S+)$", text, re.M)
        self.assertIsNotNone(match, text[-2000:])
        return float(match.group(1))

    def test_metrics_count_the_index_and_duplicates(self):
        self.assertEqual(self.metric("dicom_instances"), len(self.all))
        before = self.metric("dicom_duplicates_total")
        proc = storescu(self.port, [self.explicit[0]["path"]])
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertEqual(self.metric("dicom_duplicates_total"), before + 1)
        self.assertEqual(self.metric("dicom_instances"), len(self.all))
        self.assertGreaterEqual(self.metric("dicom_stored_total"), len(self.all))

    def test_stored_objects_hold_the_datasets_byte_for_byte(self):
        keys = set(listed_keys(self.s3))
        self.assertEqual(keys, {object_key(i) for i in self.all})
        for inst in self.all:
            with open(inst["path"], "rb") as f:
                sent = f.read()
            got = self.s3.get_object(Bucket=BUCKET, Key=object_key(inst))["Body"].read()
            # The meta group is not sent over DIMSE: the array writes its
            # own; the dataset and its transfer syntax are the sender's.
            self.assertEqual(dataset_bytes(got), dataset_bytes(sent), inst["path"])
            self.assertEqual(transfer_syntax(got), transfer_syntax(sent), inst["path"])
        self.assertEqual(transfer_syntax(open(self.compressed[0]["path"], "rb").read()), RLE)

    def test_find_studies_match_the_reference(self):
        def studies(pred):
            return sorted({i["study"] for i in self.all if pred(i)})

        rsp = self.find("study", "QueryRetrieveLevel=STUDY", "StudyInstanceUID", "PatientName",
                        "StudyDate", "ModalitiesInStudy")
        self.assertEqual(sorted(str(r.StudyInstanceUID) for r in rsp), studies(lambda i: True))
        names = {str(r.StudyInstanceUID): str(r.PatientName) for r in rsp}
        for i in self.all:
            self.assertEqual(names[i["study"]], i["patient_name"])
        def values(v):
            return {str(v)} if isinstance(v, str) else {str(x) for x in v}

        mods = {str(r.StudyInstanceUID): values(r.ModalitiesInStudy) for r in rsp}
        for s in studies(lambda i: True):
            self.assertEqual(mods[s], {i["modality"] for i in self.all if i["study"] == s})

        rsp = self.find("study", "QueryRetrieveLevel=STUDY", "StudyInstanceUID",
                        "StudyDate=20240101-20241231")
        self.assertEqual(sorted(str(r.StudyInstanceUID) for r in rsp),
                         studies(lambda i: "20240101" <= i["study_date"] <= "20241231"))
        rsp = self.find("study", "QueryRetrieveLevel=STUDY", "StudyInstanceUID", "PatientID=PID00?",
                        "PatientName=DOE*")
        self.assertEqual(sorted(str(r.StudyInstanceUID) for r in rsp),
                         studies(lambda i: i["patient_name"].startswith("DOE")))
        rsp = self.find("study", "QueryRetrieveLevel=STUDY", "SpecificCharacterSet=ISO_IR 192",
                        "StudyInstanceUID", "PatientName=山田*")
        self.assertEqual([str(r.StudyInstanceUID) for r in rsp],
                         studies(lambda i: i["patient_id"] == "PID003"))
        rsp = self.find("study", "QueryRetrieveLevel=STUDY",
                        f"StudyInstanceUID={R}2\\{R}3", "PatientID")
        self.assertEqual(sorted(str(r.StudyInstanceUID) for r in rsp), [f"{R}2", f"{R}3"])

    def test_find_series_images_and_patients_match_the_reference(self):
        study = f"{R}1"
        rsp = self.find("study", "QueryRetrieveLevel=SERIES", f"StudyInstanceUID={study}",
                        "SeriesInstanceUID", "Modality", "NumberOfSeriesRelatedInstances")
        expected = sorted({i["series"] for i in self.all if i["study"] == study})
        self.assertEqual(sorted(str(r.SeriesInstanceUID) for r in rsp), expected)
        for r in rsp:
            count = len([i for i in self.all if i["series"] == str(r.SeriesInstanceUID)])
            self.assertEqual(int(r.NumberOfSeriesRelatedInstances), count)
        series = f"{R}1.1"
        rsp = self.find("study", "QueryRetrieveLevel=IMAGE", f"StudyInstanceUID={study}",
                        f"SeriesInstanceUID={series}", "SOPInstanceUID", "InstanceNumber")
        self.assertEqual(sorted(str(r.SOPInstanceUID) for r in rsp),
                         sorted(i["sop"] for i in self.all if i["series"] == series))
        rsp = self.find("patient", "QueryRetrieveLevel=PATIENT", "PatientID", "PatientName")
        self.assertEqual(sorted(str(r.PatientID) for r in rsp),
                         sorted({i["patient_id"] for i in self.all}))
        rsp = self.find("patient", "QueryRetrieveLevel=STUDY", "PatientID=PID002",
                        "StudyInstanceUID")
        self.assertEqual([str(r.StudyInstanceUID) for r in rsp], [f"{R}3"])

    def test_zz_kill9_during_ingest_leaves_index_and_objects_agreeing(self):
        more = []
        for n in range(120):
            more.append(make_instance(
                os.path.join(self.tmp, f"k{n:03d}.dcm"), patient_id="PID009",
                patient_name="KILL^NINE", charset="ISO_IR 100", study=f"{R}9",
                series=f"{R}9.1", sop=f"{R}9.1.{n + 1}", modality="CT", study_date="20250101",
                number=n + 1)["path"])
        senders = [storescu(self.port, more[k::2], background=True) for k in range(2)]
        deadline = time.time() + 60
        while time.time() < deadline and not any(
                k.startswith(f"studies/{R}9/") for k in listed_keys(self.s3)):
            time.sleep(0.05)
        self.server.kill9()
        for p in senders:
            p.wait(timeout=120)
        self.server.start()
        keys = {k for k in listed_keys(self.s3) if k.startswith(f"studies/{R}9/")}
        self.assertTrue(keys)
        rsp = self.find("study", "QueryRetrieveLevel=IMAGE", f"StudyInstanceUID={R}9",
                        "SeriesInstanceUID", "SOPInstanceUID")
        indexed = {f"studies/{R}9/series/{r.SeriesInstanceUID}/instances/{r.SOPInstanceUID}.dcm"
                   for r in rsp}
        self.assertEqual(indexed, keys)
        for key in keys:
            body = self.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
            self.assertEqual(body[128:132], b"DICM")


if __name__ == "__main__":
    unittest.main()
