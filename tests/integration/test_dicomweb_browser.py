"""DICOMweb for browsers: bearer tokens issued with `skyarray admin token
create` (scope dicomweb), their expiry and revocation, CORS for the origins
configured, and a headless Chromium page on another origin that reads a
study's QIDO-RS answer, its metadata and a rendered frame with a token."""

import http.server
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request

from dicom_helpers import make_instance, storescu
from skyarray_harness import Server, admin, free_port

R = "1.2.826.0.1.3680043.44."


def token_of(output):
    match = re.search(r"skt_[0-9a-f]{16}_[0-9a-f]{64}", output)
    assert match, output
    return match.group(0)


class DicomWebBrowserTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="skyarray-dicomweb-browser-")
        cls.web_port, cls.page_port = free_port(), free_port()
        cls.page_origin = f"http://127.0.0.1:{cls.page_port}"
        config = (f'[dicomweb]\nlisten = "127.0.0.1:{cls.web_port}"\n'
                  f'cors_origins = ["{cls.page_origin}"]\n')
        cls.server = Server(config_text=config,
                            dicom={"peers": [("STORESCU", "127.0.0.1", 11113)]}).start()
        inst = make_instance(os.path.join(cls.tmp, "b.dcm"), patient_id="BR1",
                             patient_name="BROWSER^ONE", charset="ISO_IR 100", study=f"{R}1",
                             series=f"{R}1.1", sop=f"{R}1.1.1", modality="MR",
                             study_date="20240707", number=1)
        import pydicom
        ds = pydicom.dcmread(inst["path"])
        cls.size = (ds.Columns, ds.Rows)
        proc = storescu(cls.server.dicom_port, [inst["path"]])
        assert proc.returncode == 0, proc.stdout + proc.stderr
        cls.token = token_of(admin(cls.server, "token", "create", "--user", "root", "--scope",
                                   "dicomweb", "--ttl", "1h").stdout)

    @classmethod
    def tearDownClass(cls):
        try:
            if cls.server.proc is not None:
                cls.server.stop()
        finally:
            shutil.rmtree(cls.tmp, ignore_errors=True)

    def get(self, path, token=None, method="GET", headers=None):
        req = urllib.request.Request(f"http://127.0.0.1:{self.web_port}/dicom-web{path}",
                                     method=method, headers=headers or {})
        if token:
            req.add_header("Authorization", "Bearer " + token)
        try:
            with urllib.request.urlopen(req, timeout=60) as rsp:
                return rsp.status, rsp.headers, rsp.read()
        except urllib.error.HTTPError as e:
            with e:
                return e.code, e.headers, e.read()

    def test_a_token_reads_and_wrong_ones_do_not(self):
        status, _, body = self.get("/studies?PatientID=BR1", self.token)
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body)[0]["00100020"]["Value"][0], "BR1")
        forged = self.token[:-4] + ("0000" if not self.token.endswith("0000") else "1111")
        self.assertEqual(self.get("/studies", forged)[0], 401)
        self.assertEqual(self.get("/studies", "skt_nonsense")[0], 401)
        listed = admin(self.server, "--json", "token", "list").stdout
        self.assertNotIn(self.token.split("_")[2], listed)  # secrets are never shown again

    def test_b_expired_and_revoked_tokens_are_refused(self):
        short = token_of(admin(self.server, "token", "create", "--user", "root", "--scope",
                               "dicomweb", "--ttl", "1s").stdout)
        time.sleep(1.5)
        self.assertEqual(self.get("/studies", short)[0], 401)
        other = token_of(admin(self.server, "token", "create", "--user", "root", "--scope",
                               "dicomweb").stdout)
        self.assertEqual(self.get("/studies", other)[0], 200)
        admin(self.server, "token", "revoke", other.split("_")[1])
        self.assertEqual(self.get("/studies", other)[0], 401)
        refused = admin(self.server, "token", "create", "--user", "root", "--scope", "s3",
                        check=False)
        self.assertNotEqual(refused.returncode, 0)

    def test_c_tokens_of_other_users_are_refused(self):
        admin(self.server, "user", "create", "viewer")
        token = token_of(admin(self.server, "token", "create", "--user", "viewer", "--scope",
                               "dicomweb").stdout)
        self.assertEqual(self.get("/studies", token)[0], 403)

    def test_d_cors_only_for_the_configured_origin(self):
        preflight = {"Origin": self.page_origin, "Access-Control-Request-Method": "GET",
                     "Access-Control-Request-Headers": "authorization"}
        status, headers, _ = self.get("/studies", method="OPTIONS", headers=preflight)
        self.assertEqual(status, 204)
        self.assertEqual(headers["Access-Control-Allow-Origin"], self.page_origin)
        self.assertIn("Authorization", headers["Access-Control-Allow-Headers"])
        status, headers, _ = self.get("/studies", method="OPTIONS",
                                      headers=dict(preflight, Origin="http://evil.example"))
        self.assertEqual(status, 403)
        self.assertIsNone(headers["Access-Control-Allow-Origin"])
        status, headers, _ = self.get("/studies", self.token, headers={"Origin": self.page_origin})
        self.assertEqual(headers["Access-Control-Allow-Origin"], self.page_origin)

    def test_e_a_headless_browser_reads_a_study_with_a_token(self):
        page = f"""<!doctype html><html><body><pre id="out">pending</pre><script>
const base = "http://127.0.0.1:{self.web_port}/dicom-web";
const auth = {{headers: {{"Authorization": "Bearer {self.token}",
                          "Accept": "application/dicom+json"}}}};
(async () => {{
  try {{
    const studies = await (await fetch(base + "/studies?PatientID=BR1", auth)).json();
    const study = studies[0]["0020000D"].Value[0];
    const meta = await (await fetch(base + "/studies/" + study + "/metadata", auth)).json();
    const m = meta[0];
    const frame = base + "/studies/" + study + "/series/" + m["0020000E"].Value[0] +
        "/instances/" + m["00080018"].Value[0] + "/frames/1/rendered";
    const blob = await (await fetch(frame, {{headers: {{"Authorization": auth.headers.Authorization,
                                                        "Accept": "image/jpeg"}}}})).blob();
    const img = new Image();
    await new Promise((ok, bad) => {{ img.onload = ok; img.onerror = bad;
                                      img.src = URL.createObjectURL(blob); }});
    document.getElementById("out").textContent = "RESULT " + study + " " +
        m["00080060"].Value[0] + " " + meta.length + " " + img.naturalWidth + "x" +
        img.naturalHeight;
  }} catch (e) {{
    document.getElementById("out").textContent = "ERROR " + e;
  }}
}})();
</script></body></html>"""
        root = os.path.join(self.tmp, "site")
        os.makedirs(root, exist_ok=True)
        with open(os.path.join(root, "viewer.html"), "w") as f:
            f.write(page)
        handler = lambda *a, **k: http.server.SimpleHTTPRequestHandler(  # noqa: E731
            *a, directory=root, **k)
        site = http.server.ThreadingHTTPServer(("127.0.0.1", self.page_port), handler)
        threading.Thread(target=site.serve_forever, daemon=True).start()
        try:
            proc = subprocess.run(
                ["chromium", "--headless", "--no-sandbox", "--disable-gpu",
                 "--virtual-time-budget=15000", "--dump-dom",
                 f"{self.page_origin}/viewer.html"],
                capture_output=True, text=True, timeout=120)
        finally:
            site.shutdown()
        columns, rows = self.size
        self.assertIn(f"RESULT {R}1 MR 1 {columns}x{rows}", proc.stdout,
                      proc.stdout[-2000:] + proc.stderr[-2000:])


if __name__ == "__main__":
    unittest.main()
