"""The current AWS SDK for JavaScript v3 against skyarray, defaults on (CRC32
checksums in aws-chunked trailers, response checksum validation, conditional
writes, lib-storage multipart). The SDK is installed from the committed
package-lock.json (npm ci: offline from the cache when possible, else from
the npm registry, which CI can reach)."""

import os
import shutil
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from skyarray_harness import Server  # noqa: E402

JS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "js")


def ensure_sdk():
    if not shutil.which("node") or not shutil.which("npm"):
        raise AssertionError("node/npm not installed (scripts/setup installs nodejs and npm): "
                             "the JS SDK test cannot run")
    if os.path.exists(os.path.join(JS_DIR, "node_modules", "@aws-sdk", "client-s3")):
        return
    for cmd in (["npm", "ci", "--offline", "--no-audit", "--no-fund"], ["npm", "ci", "--no-audit", "--no-fund"]):
        out = subprocess.run(cmd, cwd=JS_DIR, capture_output=True, text=True, timeout=600)
        if out.returncode == 0:
            return
    raise AssertionError(f"npm ci failed:\n{out.stdout}\n{out.stderr}")


class JsSdkV3Test(unittest.TestCase):
    def test_sdk_v3_defaults(self):
        ensure_sdk()
        # SSE-C keys over plain HTTP from loopback (the SDK's SSE-C check).
        with Server(config_text="[s3]\nsse_c_plain_http_loopback = true\n") as server:
            env = server.env()
            env["S3_ENDPOINT"] = server.endpoint
            out = subprocess.run(["node", "s3_sdk_v3.mjs"], cwd=JS_DIR, env=env, capture_output=True,
                                 text=True, timeout=600)
            print(out.stdout)
            self.assertEqual(out.returncode, 0, f"{out.stdout}\n{out.stderr}\n{server.log()[-4000:]}")
            self.assertIn("all checks passed", out.stdout)
            self.assertNotIn("FAIL", out.stdout)


if __name__ == "__main__":
    unittest.main()
