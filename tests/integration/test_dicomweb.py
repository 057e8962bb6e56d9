"""DICOMweb (QIDO-RS, WADO-RS, STOW-RS) on its own listener, driven over HTTP with
SigV4-signed requests (botocore's S3 signer: DICOMweb takes requests
signed as S3 ones are): the instances DCMTK's storescu sent over DIMSE are
found, retrieved (as stored, or decoded to Explicit VR Little Endian, the
WADO-RS default) and described; files posted with STOW-RS are stored as
sent; what is not served is refused, never faked."""

import email.parser
import email.policy
import io
import json
import os
import shutil
import tempfile
import unittest
import urllib.error
import urllib.request

import botocore.credentials
import pydicom
from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest

from dicom_helpers import RLE, dataset_bytes, make_instance, rle_copy, storescu, transfer_syntax
from skyarray_harness import Server, boto3_client, free_port

R = "1.2.826.0.1.3680043.88."
EXPLICIT = "1.2.840.10008.1.2.1"


def parts(content_type, body):
    """The parts of a multipart/related body: [(content type, bytes)]."""
    msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body)
    return [(p.get_content_type() + "".join(f"; {k}={v}" for k, v in p.get_params()[1:]),
             p.get_payload(decode=True)) for p in msg.iter_parts()]


class DicomWebTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="skyarray-dicomweb-")
        cls.web_port = free_port()
        cls.server = Server(config_text=f'[dicomweb]\nlisten = "127.0.0.1:{cls.web_port}"\n',
                            dicom={"peers": [("STORESCU", "127.0.0.1", 11113)]}).start()
        cls.creds = botocore.credentials.Credentials(cls.server.access_key,
                                                     cls.server.secret_key)
        mk = lambda n, study, series, implicit=False, pid="W1", name="WEB^ONE": make_instance(  # noqa
            os.path.join(cls.tmp, f"i{n}.dcm"), patient_id=pid, patient_name=name,
            charset="ISO_IR 100", study=study, series=series, sop=f"{series}.{n}",
            modality="CT", study_date="20240505", number=n, implicit=implicit)
        cls.explicit = [mk(1, f"{R}1", f"{R}1.1"), mk(2, f"{R}1", f"{R}1.1")]
        cls.implicit = [mk(3, f"{R}1", f"{R}1.2", implicit=True)]
        raw = mk(4, f"{R}2", f"{R}2.1", pid="W2", name="WEB^TWO")
        rle_path = os.path.join(cls.tmp, "rle.dcm")
        rle_copy(raw["path"], rle_path)
        cls.rle = dict(raw, raw=raw["path"], path=rle_path)
        for files, opts in (([i["path"] for i in cls.explicit], []),
                            ([i["path"] for i in cls.implicit], ["-xi"]), ([rle_path], ["-xr"])):
            proc = storescu(cls.server.dicom_port, files, *opts)
            assert proc.returncode == 0, proc.stdout + proc.stderr

    @classmethod
    def tearDownClass(cls):
        try:
            if cls.server.proc is not None:
                cls.server.stop()
        finally:
            shutil.rmtree(cls.tmp, ignore_errors=True)

    def call(self, path, method="GET", headers=None, sign=True, data=None):
        url = f"http://127.0.0.1:{self.web_port}/dicom-web{path}"
        req = AWSRequest(method=method, url=url, headers=headers or {}, data=data)
        if sign:
            S3SigV4Auth(self.creds, "s3", "us-east-1").add_auth(req)
        prepared = urllib.request.Request(url, data=data, method=method,
                                          headers=dict(req.headers.items()))
        try:
            with urllib.request.urlopen(prepared, timeout=60) as rsp:
                return rsp.status, rsp.headers, rsp.read()
        except urllib.error.HTTPError as e:
            with e:
                return e.code, e.headers, e.read()

    def qido(self, path):
        status, headers, body = self.call(path)
        self.assertEqual(status, 200, body)
        self.assertEqual(headers["Content-Type"], "application/dicom+json")
        return json.loads(body)

    def test_studies_search_matches_and_returns_the_default_keys(self):
        studies = self.qido("/studies")
        # The STOW tests may have added studies of their own by now.
        self.assertLessEqual({f"{R}1", f"{R}2"}, {s["0020000D"]["Value"][0] for s in studies})
        [one] = self.qido("/studies?PatientID=W2")
        self.assertEqual(one["00100010"]["Value"][0]["Alphabetic"], "WEB^TWO")
        self.assertEqual(one["00080020"]["Value"][0], "20240505")
        self.assertEqual(one["00201208"]["Value"][0], 1)  # NumberOfStudyRelatedInstances
        [wild] = self.qido("/studies?PatientName=WEB%2AONE")  # WEB*ONE, encoded as S3 signs
        self.assertEqual(wild["00100020"]["Value"][0], "W1")
        self.assertEqual(len(self.qido("/studies?limit=1")), 1)
        self.assertEqual(len(self.qido("/studies?limit=1&offset=1")), 1)
        status, _, _ = self.call("/studies?PatientID=NOBODY")
        self.assertEqual(status, 204)

    def test_series_and_instances_searches(self):
        series = self.qido(f"/studies/{R}1/series")
        self.assertEqual({s["0020000E"]["Value"][0] for s in series}, {f"{R}1.1", f"{R}1.2"})
        instances = self.qido(f"/studies/{R}1/series/{R}1.1/instances")
        self.assertEqual({i["00080018"]["Value"][0] for i in instances},
                         {i["sop"] for i in self.explicit})
        self.assertEqual(len(self.qido("/instances?PatientID=W1")), 3)
        self.assertEqual(len(self.qido(f"/series?StudyInstanceUID={R}2")), 1)

    def test_bad_searches_are_refused(self):
        for query in ("NoSuchKeyword=1", "fuzzymatching=true", "limit=x", "includefield=NoSuchKeyword", "PixelData=1"):
            status, _, body = self.call(f"/studies?{query}")
            self.assertEqual(status, 400, (query, body))

    def test_instance_retrieve_default_is_explicit_little_endian(self):
        inst = self.implicit[0]
        path = f"/studies/{inst['study']}/series/{inst['series']}/instances/{inst['sop']}"
        status, headers, body = self.call(path)
        self.assertEqual(status, 200, body)
        self.assertTrue(headers["Content-Type"].startswith("multipart/related"))
        [(ctype, data)] = parts(headers["Content-Type"], body)
        self.assertIn(f"transfer-syntax={EXPLICIT}", ctype)
        self.assertEqual(transfer_syntax(data), EXPLICIT)
        self.assertEqual(pydicom.dcmread(io.BytesIO(data)), pydicom.dcmread(inst["path"]))

    def test_retrieve_as_stored_and_decoded(self):
        rle = self.rle
        path = f"/studies/{rle['study']}/series/{rle['series']}/instances/{rle['sop']}"
        status, headers, body = self.call(
            path, headers={"Accept": 'multipart/related; type="application/dicom"; '
                                     "transfer-syntax=*"})
        self.assertEqual(status, 200, body)
        [(ctype, data)] = parts(headers["Content-Type"], body)
        self.assertEqual(transfer_syntax(data), RLE)
        with open(rle["path"], "rb") as f:
            self.assertEqual(dataset_bytes(data), dataset_bytes(f.read()))
        status, headers, body = self.call(path)  # decoded to the default
        [(ctype, data)] = parts(headers["Content-Type"], body)
        self.assertEqual(transfer_syntax(data), EXPLICIT)
        self.assertEqual(pydicom.dcmread(io.BytesIO(data)), pydicom.dcmread(rle["raw"]))
        status, _, _ = self.call(path, headers={
            "Accept": 'multipart/related; type="application/dicom"; '
                      "transfer-syntax=1.2.840.10008.1.2.4.50"})
        self.assertEqual(status, 406)  # never compressed by the array
        status, _, _ = self.call(path, headers={"Accept": "application/json"})
        self.assertEqual(status, 406)

    def test_study_retrieve_and_metadata(self):
        status, headers, body = self.call(f"/studies/{R}1")
        self.assertEqual(status, 200, body)
        got = {pydicom.dcmread(io.BytesIO(d)).SOPInstanceUID
               for _, d in parts(headers["Content-Type"], body)}
        self.assertEqual(got, {i["sop"] for i in self.explicit + self.implicit})
        meta = self.qido(f"/studies/{R}1/series/{R}1.1/metadata")
        self.assertEqual(len(meta), 2)
        for m in meta:
            self.assertEqual(m["00100010"]["Value"][0]["Alphabetic"], "WEB^ONE")
            self.assertNotIn("7FE00010", m)
            self.assertGreater(m["00280010"]["Value"][0], 0)  # Rows

    def test_rendered_frames(self):
        for inst in (self.explicit[0], self.rle):
            base = f"/studies/{inst['study']}/series/{inst['series']}/instances/{inst['sop']}"
            status, headers, body = self.call(base + "/rendered")
            self.assertEqual(status, 200, body[:200])
            self.assertEqual(headers["Content-Type"], "image/jpeg")
            self.assertEqual(body[:2], b"\xff\xd8")
            status, headers, body = self.call(base + "/frames/1/rendered",
                                              headers={"Accept": "image/png"})
            self.assertEqual(status, 200, body[:200])
            self.assertEqual(body[:8], b"\x89PNG\r\n\x1a\n")
            self.assertEqual(self.call(base + "/frames/2/rendered")[0], 404)
            self.assertEqual(self.call(base + "/rendered", headers={"Accept": "image/gif"})[0],
                             406)

    def test_what_is_not_served_is_refused(self):
        self.assertEqual(self.call(f"/studies/{R}9")[0], 404)
        self.assertEqual(self.call(f"/studies/{R}1/series/{R}1.1/instances/x/frames/1")[0], 501)
        self.assertEqual(self.call(f"/studies/{R}1/thumbnail")[0], 501)
        self.assertEqual(self.call(f"/studies/{R}1/nonsense")[0], 404)
        self.assertEqual(self.call("/studies", method="POST", data=b"x",
                                   headers={"Content-Type": "application/dicom"})[0], 415)
        self.assertEqual(self.call("/studies", method="POST", data=b"x", headers={
            "Content-Type": 'multipart/related; type="application/dicom+xml"; boundary=b'})[0],
            415)
        self.assertEqual(self.call(f"/studies/{R}1", method="DELETE")[0], 405)

    def stow(self, path, files, boundary="stow-boundary-1"):
        body = b""
        for data in files:
            body += (f"--{boundary}\r\nContent-Type: application/dicom\r\n\r\n").encode()
            body += data + b"\r\n"
        body += f"--{boundary}--\r\n".encode()
        return self.call(path, method="POST", data=body, headers={
            "Content-Type": f'multipart/related; type="application/dicom"; boundary={boundary}'})

    def test_stow_stores_files_as_sent_and_they_are_found(self):
        made = [make_instance(os.path.join(self.tmp, f"stow{k}.dcm"), patient_id="S1",
                              patient_name="STOW^ONE", charset="ISO_IR 100", study=f"{R}5",
                              series=f"{R}5.1", sop=f"{R}5.1.{k}", modality="CT",
                              study_date="20240606", number=k, implicit=k == 2)
                for k in (1, 2)]
        sent = []
        for inst in made:
            with open(inst["path"], "rb") as f:
                sent.append(f.read())
        status, headers, body = self.stow("/studies", sent)
        self.assertEqual(status, 200, body)
        answer = json.loads(body)
        refs = answer["00081199"]["Value"]
        self.assertEqual({r["00081155"]["Value"][0] for r in refs}, {i["sop"] for i in made})
        self.assertTrue(refs[0]["00081190"]["Value"][0].endswith(f"/dicom-web/studies/{R}5"))
        self.assertNotIn("00081198", answer)
        # Stored as sent: same dataset bytes, same transfer syntax, found by QIDO.
        s3 = boto3_client(self.server)
        for inst, data in zip(made, sent):
            key = f"studies/{R}5/series/{R}5.1/instances/{inst['sop']}.dcm"
            got = s3.get_object(Bucket="dicom", Key=key)["Body"].read()
            self.assertEqual(dataset_bytes(got), dataset_bytes(data))
            self.assertEqual(transfer_syntax(got), transfer_syntax(data))
        [study] = self.qido("/studies?PatientID=S1")
        self.assertEqual(study["00201208"]["Value"][0], 2)

    def test_stow_failures_are_named_and_nothing_half_stored(self):
        inst = make_instance(os.path.join(self.tmp, "stow9.dcm"), patient_id="S9",
                             patient_name="STOW^NINE", charset="ISO_IR 100", study=f"{R}6",
                             series=f"{R}6.1", sop=f"{R}6.1.1", modality="CT",
                             study_date="20240606", number=1)
        with open(inst["path"], "rb") as f:
            good = f.read()
        # A file of another study than the path names, and garbage: both fail.
        status, _, body = self.stow(f"/studies/{R}7", [good, b"not dicom at all"])
        self.assertEqual(status, 409, body)
        failed = json.loads(body)["00081198"]["Value"]
        self.assertEqual(len(failed), 2)
        self.assertEqual(failed[0]["00081155"]["Value"][0], inst["sop"])
        self.assertEqual(self.call(f"/studies/{R}6")[0], 404)
        # One good, one bad: 202 with both named.
        status, _, body = self.stow("/studies", [good, b"\0" * 200])
        self.assertEqual(status, 202, body)
        answer = json.loads(body)
        self.assertEqual(len(answer["00081199"]["Value"]), 1)
        self.assertEqual(answer["00081198"]["Value"][0]["00081197"]["Value"][0], 0xC000)
        self.assertEqual(self.call(f"/studies/{R}6")[0], 200)

    def test_unsigned_and_badly_signed_requests_are_refused(self):
        self.assertEqual(self.call("/studies", sign=False)[0], 401)
        status, _, _ = self.call("/studies", sign=False, headers={
            "Authorization": "AWS4-HMAC-SHA256 Credential=NOSUCHKEY/20240101/us-east-1/s3/"
                             "aws4_request, SignedHeaders=host, Signature=00",
            "x-amz-content-sha256": "UNSIGNED-PAYLOAD", "x-amz-date": "20240101T000000Z"})
        self.assertEqual(status, 401)

    def test_a_presigned_url_works(self):
        url = f"http://127.0.0.1:{self.web_port}/dicom-web/studies?PatientID=W2"
        req = AWSRequest(method="GET", url=url)
        S3SigV4QueryAuth(self.creds, "s3", "us-east-1", expires=60).add_auth(req)
        with urllib.request.urlopen(req.url, timeout=60) as rsp:
            [one] = json.loads(rsp.read())
        self.assertEqual(one["00100020"]["Value"][0], "W2")


if __name__ == "__main__":
    unittest.main()
