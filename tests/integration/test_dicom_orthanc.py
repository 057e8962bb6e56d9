"""Orthanc (Debian's `orthanc`) as a peer PACS of the DIMSE door: it pushes
studies to the array with C-STORE and asks for storage commitment (the
N-EVENT-REPORT comes back on an association of its own), queries the
array with C-FIND, retrieves from it with C-MOVE to itself, and receives
C-MOVEs that DCMTK's movescu asks of the array.

Orthanc has no option to bind its listeners to loopback, so the whole test
runs in a network namespace of its own (private_network.py): the array and
Orthanc listen there only."""

import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.request

from private_network import enter_private_network

enter_private_network(__name__)

from dicom_helpers import CT, dataset_bytes, dicom_env, make_instance  # noqa: E402
from skyarray_harness import Server, boto3_client, free_port  # noqa: E402

R = "1.2.826.0.1.3680043.77."
BUCKET = "dicom"


class Orthanc:
    """One Orthanc with its database in `root`, AE ORTHANC, knowing the
    array as modality "skyarray"."""

    def __init__(self, root, array_port, dicom_port):
        self.http_port, self.dicom_port = free_port(), dicom_port
        self.root = root
        config = {
            "Name": "peer", "StorageDirectory": os.path.join(root, "db"),
            "IndexDirectory": os.path.join(root, "db"), "Plugins": [],
            "HttpPort": self.http_port, "RemoteAccessAllowed": False,
            "AuthenticationEnabled": False, "DicomAet": "ORTHANC",
            "DicomPort": self.dicom_port, "DicomCheckCalledAet": True,
            "DicomModalities": {"skyarray": ["SKYARRAY", "127.0.0.1", array_port]},
            "DicomScuTimeout": 30, "StableAge": 1,
        }
        self.config_path = os.path.join(root, "orthanc.json")
        with open(self.config_path, "w") as f:
            json.dump(config, f)
        self.log = open(os.path.join(root, "orthanc.log"), "wb")
        self.proc = subprocess.Popen(["Orthanc", "--verbose", self.config_path], stdout=self.log,
                                     stderr=subprocess.STDOUT, env=dicom_env())
        deadline = time.time() + 60
        while True:
            try:
                self.get("/system")
                return
            except (urllib.error.URLError, ConnectionError):
                if time.time() > deadline or self.proc.poll() is not None:
                    raise AssertionError("Orthanc did not start: " + self.log_text())
                time.sleep(0.2)

    def log_text(self):
        with open(os.path.join(self.root, "orthanc.log"), "rb") as f:
            return f.read()[-6000:].decode(errors="replace")

    def request(self, method, path, body=None):
        data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
        req = urllib.request.Request(f"http://127.0.0.1:{self.http_port}{path}", data=data,
                                     method=method)
        with urllib.request.urlopen(req, timeout=120) as rsp:
            raw = rsp.read()
        return json.loads(raw) if raw else None

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, body):
        return self.request("POST", path, body)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()

    def sop_uids(self):
        return {self.get(f"/instances/{i}/simplified-tags")["SOPInstanceUID"]
                for i in self.get("/instances")}

    def commitment(self, transaction, deadline_s=60):
        """The storage commitment report Orthanc received, once it is in."""
        deadline = time.time() + deadline_s
        while True:
            report = self.get(f"/storage-commitment/{transaction}")
            if report.get("Status") != "Pending" or time.time() > deadline:
                return report
            time.sleep(0.2)


class DicomOrthancTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="skyarray-orthanc-")
        files = os.path.join(cls.tmp, "files")
        os.makedirs(files)
        # Study 1 is pushed by Orthanc; study 2 is stored in the array by
        # Orthanc too and then fetched back into a second, empty Orthanc.
        cls.instances = []
        for si, (pid, name) in enumerate([("OP1", "ROE^ANN"), ("OP2", "POE^BEN")]):
            for k in range(3):
                cls.instances.append(make_instance(
                    os.path.join(files, f"s{si}_{k}.dcm"), patient_id=pid, patient_name=name,
                    charset="ISO_IR 100", study=f"{R}{si + 1}", series=f"{R}{si + 1}.1",
                    sop=f"{R}{si + 1}.1.{k + 1}", modality="CT", study_date="20240202",
                    number=k + 1))
        orthanc_dicom = free_port()
        cls.server = Server(dicom={"peers": [("ORTHANC", "127.0.0.1", orthanc_dicom),
                                             ("MOVESCU", "127.0.0.1", 11119)]}).start()
        cls.s3 = boto3_client(cls.server)
        os.makedirs(os.path.join(cls.tmp, "orthanc"))
        cls.orthanc = Orthanc(os.path.join(cls.tmp, "orthanc"), cls.server.dicom_port,
                              orthanc_dicom)
        cls.ids = []
        for inst in cls.instances:
            with open(inst["path"], "rb") as f:
                cls.ids.append(cls.orthanc.post("/instances", f.read())["ID"])

    @classmethod
    def tearDownClass(cls):
        try:
            if getattr(cls, "orthanc", None) is not None:
                cls.orthanc.stop()
            if cls.server.proc is not None:
                cls.server.stop()
        finally:
            shutil.rmtree(cls.tmp, ignore_errors=True)

    def object_bytes(self, inst):
        key = f"studies/{inst['study']}/series/{inst['series']}/instances/{inst['sop']}.dcm"
        return self.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()

    def test_a_orthanc_pushes_a_study_and_the_array_commits_to_it(self):
        study = [i for i in self.instances if i["study"] == f"{R}1"]
        ids = self.ids[:len(study)]
        job = self.orthanc.post("/modalities/skyarray/store",
                                {"Resources": ids, "StorageCommitment": True,
                                 "Synchronous": True})
        transaction = job["StorageCommitmentTransactionUID"]
        for inst in study:
            with open(inst["path"], "rb") as f:
                self.assertEqual(dataset_bytes(self.object_bytes(inst)), dataset_bytes(f.read()))
        report = self.orthanc.commitment(transaction)
        self.assertEqual(report["Status"], "Success", self.orthanc.log_text())
        self.assertEqual({s["SOPInstanceUID"] for s in report["Success"]},
                         {i["sop"] for i in study})
        self.assertEqual(report["Failures"], [])
        self.assertEqual(report["RemoteAET"], "SKYARRAY")

    def test_b_commitment_for_instances_the_array_does_not_hold_fails_them(self):
        held = self.instances[0]
        missing = f"{R}9.9.9"
        answer = self.orthanc.post("/modalities/skyarray/storage-commitment", {
            "DicomInstances": [{"SOPClassUID": CT, "SOPInstanceUID": held["sop"]},
                               {"SOPClassUID": CT, "SOPInstanceUID": missing},
                               # held, but not as this SOP class
                               {"SOPClassUID": "1.2.840.10008.5.1.4.1.1.4",
                                "SOPInstanceUID": self.instances[1]["sop"]}]})
        report = self.orthanc.commitment(answer["ID"])
        self.assertEqual(report["Status"], "Failure", self.orthanc.log_text())
        self.assertEqual([s["SOPInstanceUID"] for s in report["Success"]], [held["sop"]])
        reasons = {f["SOPInstanceUID"]: f["FailureReason"] for f in report["Failures"]}
        self.assertEqual(reasons, {missing: 0x0112, self.instances[1]["sop"]: 0x0119})

    def test_c_orthanc_queries_and_retrieves_from_the_array(self):
        # Study 2 reaches the array; Orthanc then forgets it, finds it in
        # the array with C-FIND and brings it back with C-MOVE to itself.
        study = [i for i in self.instances if i["study"] == f"{R}2"]
        ids = self.ids[len(self.instances) - len(study):]
        self.orthanc.post("/modalities/skyarray/store", {"Resources": ids, "Synchronous": True})
        for i in ids:
            self.orthanc.request("DELETE", f"/instances/{i}")
        self.assertFalse(self.orthanc.sop_uids() & {i["sop"] for i in study})
        query = self.orthanc.post("/modalities/skyarray/query", {
            "Level": "Study", "Query": {"StudyInstanceUID": f"{R}2", "PatientName": "",
                                        "PatientID": ""}})
        answers = self.orthanc.get(f"{query['Path']}/answers?expand&simplify")
        self.assertEqual(len(answers), 1)
        self.assertEqual(answers[0]["PatientID"], "OP2")
        self.assertEqual(answers[0]["PatientName"], "POE^BEN")
        self.orthanc.post(f"{query['Path']}/retrieve",
                          {"TargetAet": "ORTHANC", "Synchronous": True})
        self.assertTrue({i["sop"] for i in study} <= self.orthanc.sop_uids(),
                        self.orthanc.log_text())

    def test_d_movescu_sends_from_the_array_to_orthanc(self):
        inst = self.instances[0]
        before = self.orthanc.sop_uids()
        for i in list(self.orthanc.get("/instances")):
            self.orthanc.request("DELETE", f"/instances/{i}")
        move = subprocess.run(
            ["movescu", "-S", "-aet", "MOVESCU", "-aec", "SKYARRAY", "-aem", "ORTHANC",
             "-k", "QueryRetrieveLevel=IMAGE", "-k", f"StudyInstanceUID={inst['study']}",
             "-k", f"SeriesInstanceUID={inst['series']}", "-k", f"SOPInstanceUID={inst['sop']}",
             "127.0.0.1", str(self.server.dicom_port)],
            capture_output=True, text=True, env=dicom_env(), timeout=300)
        self.assertEqual(move.returncode, 0, move.stdout + move.stderr)
        self.assertEqual(self.orthanc.sop_uids(), {inst["sop"]}, before)
        [orthanc_id] = self.orthanc.get("/instances")
        got = urllib.request.urlopen(
            f"http://127.0.0.1:{self.orthanc.http_port}/instances/{orthanc_id}/file",
            timeout=60).read()
        with open(inst["path"], "rb") as f:
            self.assertEqual(dataset_bytes(got), dataset_bytes(f.read()))


if __name__ == "__main__":
    unittest.main()
