"""`skyarray serve --config`: the documented sample starts a working box;
a typo or a bad value stops it with a message naming the key and line."""

import os
import subprocess
import tempfile
import unittest

from skyarray_harness import Server, binary, boto3_client

SAMPLE = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "skyarray.sample.toml")


def serve_once(config_text):
    """Starts serve with the config and returns (exit code, output); the
    server must refuse to start, so it exits by itself."""
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "bad.toml")
        with open(path, "w") as f:
            f.write(config_text)
        proc = subprocess.run([binary(), "serve", "--config", path, "--data", d,
                               "--listen", "127.0.0.1:0"],
                              capture_output=True, text=True, timeout=60)
        return proc.returncode, proc.stdout + proc.stderr, path


class ConfigTest(unittest.TestCase):
    def test_sample_config_serves(self):
        with open(SAMPLE) as f:
            text = f.read()
        with Server(config_text=text) as server:
            s3 = boto3_client(server)
            s3.create_bucket(Bucket="sample")
            s3.put_object(Bucket="sample", Key="k", Body=b"v")
            self.assertEqual(s3.get_object(Bucket="sample", Key="k")["Body"].read(), b"v")

    def test_unknown_key_names_file_line_and_key(self):
        code, out, path = serve_once("[store]\nreplicas = 2\nreplica = 3\n")
        self.assertNotEqual(code, 0)
        self.assertIn(f"{path}:3: store.replica: unknown key", out)

    def test_bad_value_names_key_and_value(self):
        code, out, path = serve_once("[store]\n\nreplicas = \"three\"\n")
        self.assertNotEqual(code, 0)
        self.assertIn(f"{path}:3: store.replicas", out)
        self.assertIn('"three"', out)

    def test_syntax_error_names_line(self):
        code, out, path = serve_once("[s3]\nlisten = \n")
        self.assertNotEqual(code, 0)
        self.assertIn(f"{path}:2", out)

    def test_missing_config_file(self):
        proc = subprocess.run([binary(), "serve", "--config", "/nonexistent/skyarray.toml"],
                              capture_output=True, text=True, timeout=60)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("/nonexistent/skyarray.toml", proc.stderr)


if __name__ == "__main__":
    unittest.main()
