"""DICOM TLS on the DIMSE listener, driven by DCMTK's echoscu and storescu
with +tls: a peer with a certificate from the configured CA associates and
stores; plain TCP, a certificate from another CA and no certificate are all
refused before any DICOM is spoken."""

import os
import shutil
import subprocess
import tempfile
import unittest

from dicom_helpers import dataset_bytes, dicom_env, make_instance
from skyarray_harness import Server, boto3_client

R = "1.2.826.0.1.3680043.66."


def openssl(*args):
    subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=120)


def make_ca(d, name):
    key, crt = os.path.join(d, f"{name}-ca.key"), os.path.join(d, f"{name}-ca.crt")
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
            f"/CN={name} test CA", "-keyout", key, "-out", crt)
    return key, crt


def make_cert(d, name, ca):
    key, csr, crt = (os.path.join(d, f"{name}.{ext}") for ext in ("key", "csr", "crt"))
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={name}", "-keyout", key,
            "-out", csr)
    openssl("x509", "-req", "-in", csr, "-CA", ca[1], "-CAkey", ca[0], "-CAcreateserial",
            "-days", "2", "-out", crt)
    return key, crt


class DicomTlsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="skyarray-dicom-tls-")
        ca = make_ca(cls.tmp, "hospital")
        cls.ca_crt = ca[1]
        cls.server_key, cls.server_crt = make_cert(cls.tmp, "array", ca)
        cls.client = make_cert(cls.tmp, "modality", ca)
        cls.stranger = make_cert(cls.tmp, "stranger", make_ca(cls.tmp, "other"))
        cls.server = Server(dicom={"peers": [("STORESCU", "127.0.0.1", 11113)],
                                   "tls_cert": cls.server_crt, "tls_key": cls.server_key,
                                   "tls_client_ca": cls.ca_crt}).start()
        cls.port = cls.server.dicom_port

    @classmethod
    def tearDownClass(cls):
        try:
            if cls.server.proc is not None:
                cls.server.stop()
        finally:
            shutil.rmtree(cls.tmp, ignore_errors=True)

    def tool(self, name, options=(), files=(), cert=None, tls=True):
        cmd = [name, "-aet", "STORESCU", "-aec", "SKYARRAY", "-to", "20", "-ta", "20", *options]
        if tls:
            cmd += ["+tls", *cert, "+cf", self.ca_crt] if cert else ["+tla", "+cf", self.ca_crt]
        cmd += ["127.0.0.1", str(self.port), *files]
        return subprocess.run(cmd, capture_output=True, text=True, env=dicom_env(), timeout=120)

    def echo(self, **kw):
        return self.tool("echoscu", **kw)

    def test_a_peer_with_a_certificate_from_the_ca_echoes_and_stores(self):
        echo = self.echo(cert=self.client)
        self.assertEqual(echo.returncode, 0, echo.stdout + echo.stderr)
        inst = make_instance(os.path.join(self.tmp, "i.dcm"), patient_id="T1",
                             patient_name="TLS^ONE", charset="ISO_IR 100", study=f"{R}1",
                             series=f"{R}1.1", sop=f"{R}1.1.1", modality="CT",
                             study_date="20240101", number=1)
        store = self.tool("storescu", ["-nh"], [inst["path"]], cert=self.client)
        self.assertEqual(store.returncode, 0, store.stdout + store.stderr)
        key = f"studies/{R}1/series/{R}1.1/instances/{R}1.1.1.dcm"
        got = boto3_client(self.server).get_object(Bucket="dicom", Key=key)["Body"].read()
        with open(inst["path"], "rb") as f:
            self.assertEqual(dataset_bytes(got), dataset_bytes(f.read()))

    def test_b_plain_tcp_is_refused(self):
        echo = self.echo(tls=False)
        self.assertNotEqual(echo.returncode, 0, echo.stdout + echo.stderr)

    def test_c_a_certificate_from_another_ca_is_refused(self):
        echo = self.echo(cert=self.stranger)
        self.assertNotEqual(echo.returncode, 0, echo.stdout + echo.stderr)

    def test_d_no_client_certificate_is_refused(self):
        echo = self.echo()
        self.assertNotEqual(echo.returncode, 0, echo.stdout + echo.stderr)

    def test_e_the_server_still_serves_after_the_refusals(self):
        echo = self.echo(cert=self.client)
        self.assertEqual(echo.returncode, 0, echo.stdout + echo.stderr)


if __name__ == "__main__":
    unittest.main()
