"""TLS on the S3 listener (asio::ssl with a configured certificate) and
virtual-hosted-style addressing with a configured domain."""

import hashlib
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import unittest

import boto3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

sys.path.insert(0, os.path.dirname(__file__))
from skyarray_harness import Server, boto3_client  # noqa: E402


class TlsTest(unittest.TestCase):
    def test_https_with_boto3_and_curl(self):
        tmp = tempfile.mkdtemp(prefix="skyarray-tls-")
        try:
            cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
            out = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                                  "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                                  "-keyout", key, "-out", cert], capture_output=True, text=True)
            self.assertEqual(out.returncode, 0, out.stderr)
            config = f'[s3]\ntls_cert = "{cert}"\ntls_key = "{key}"\n'
            with Server(config_text=config) as server:
                endpoint = server.endpoint.replace("http://", "https://")
                s3 = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=server.access_key,
                                  aws_secret_access_key=server.secret_key, region_name="us-east-1", verify=cert,
                                  config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1},
                                                signature_version="s3v4"))
                s3.create_bucket(Bucket="tls-bucket")
                body = os.urandom(3 * 1024 * 1024)
                s3.put_object(Bucket="tls-bucket", Key="k", Body=body)
                self.assertEqual(s3.get_object(Bucket="tls-bucket", Key="k")["Body"].read(), body)
                url = s3.generate_presigned_url("get_object", Params={"Bucket": "tls-bucket", "Key": "k"},
                                                ExpiresIn=60)
                got = subprocess.run(["curl", "-sS", "-f", "--cacert", cert, url], capture_output=True)
                self.assertEqual(got.returncode, 0, got.stderr)
                self.assertEqual(hashlib.md5(got.stdout).digest(), hashlib.md5(body).digest())
                # Plain HTTP on the TLS port is not served.
                with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
                    sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
                    try:
                        data = sock.recv(100)
                    except ConnectionResetError:
                        data = b""
                    self.assertFalse(data.startswith(b"HTTP/1.1 200"))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


class VirtualHostTest(unittest.TestCase):
    def test_virtual_hosted_style(self):
        with Server(config_text='[s3]\ndomains = ["s3.test"]\n') as server:
            s3 = boto3_client(server)
            s3.create_bucket(Bucket="vhost-bucket")
            s3.put_object(Bucket="vhost-bucket", Key="dir/obj.txt", Body=b"virtual host")
            creds = Credentials(server.access_key, server.secret_key)
            host = f"vhost-bucket.s3.test:{server.port}"
            req = AWSRequest(method="GET", url=f"http://{host}/dir/obj.txt",
                             headers={"x-amz-content-sha256": hashlib.sha256(b"").hexdigest()})
            SigV4Auth(creds, "s3", "us-east-1").add_auth(req)
            lines = ["GET /dir/obj.txt HTTP/1.1", f"Host: {host}"]
            lines += [f"{k}: {v}" for k, v in req.headers.items() if k.lower() != "host"]
            with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
                sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
                data = b""
                while not data.endswith(b"virtual host"):
                    chunk = sock.recv(65536)
                    if not chunk:
                        break
                    data += chunk
            self.assertTrue(data.startswith(b"HTTP/1.1 200"), data[:200])
            self.assertTrue(data.endswith(b"virtual host"))


if __name__ == "__main__":
    unittest.main()
