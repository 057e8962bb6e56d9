"""The admin CLI against a running server: identity, users and access keys.

Drives `skyarray admin` as an operator would, then checks with boto3 that a
key created through it really authenticates S3 requests and stops working
once revoked.
"""

import json
import unittest

import botocore.exceptions

from skyarray_harness import Server, admin, boto3_client



class AdminTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server().start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_info_reports_role_and_endpoints(self):
        out = admin(self.server, "--json", "info").stdout
        info = json.loads(out)
        self.assertEqual(info["role"], "array")
        self.assertEqual(info["s3_endpoint"], self.server.endpoint)
        self.assertEqual(info["admin_endpoint"], self.server.admin_endpoint)
        human = admin(self.server, "info").stdout
        self.assertIn(self.server.endpoint, human)

    def test_user_and_key_lifecycle_through_s3(self):
        admin(self.server, "user", "create", "radiology", "--display-name", "Radiology PACS")
        users = json.loads(admin(self.server, "--json", "user", "list").stdout)["users"]
        self.assertIn("radiology", [u["user_id"] for u in users])
        listing = admin(self.server, "user", "list").stdout
        self.assertIn("Radiology PACS", listing)

        key = json.loads(admin(self.server, "--json", "key", "create", "radiology").stdout)
        akid, secret = key["access_key_id"], key["secret_access_key"]
        self.assertTrue(akid and secret)
        keys = json.loads(admin(self.server, "--json", "key", "list", "radiology").stdout)["keys"]
        self.assertEqual([k["access_key_id"] for k in keys], [akid])
        self.assertNotIn(secret, json.dumps(keys), "a key listing must never show the secret")

        s3 = boto3_client(self.server, access_key=akid, secret_key=secret)
        s3.create_bucket(Bucket="radiology-studies")
        s3.put_object(Bucket="radiology-studies", Key="a.dcm", Body=b"DICM")
        names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
        self.assertEqual(names, ["radiology-studies"], "a user sees only its own buckets")

        # A non-root key cannot use the admin API.
        denied = admin(self.server, "user", "list", creds=(akid, secret), check=False)
        self.assertNotEqual(denied.returncode, 0)
        self.assertIn("PermissionDenied", denied.stderr)

        admin(self.server, "key", "revoke", akid)
        with self.assertRaises(botocore.exceptions.ClientError) as ctx:
            s3.list_buckets()
        self.assertEqual(ctx.exception.response["Error"]["Code"], "InvalidAccessKeyId")

        admin(self.server, "user", "delete", "radiology")
        users = json.loads(admin(self.server, "--json", "user", "list").stdout)["users"]
        self.assertNotIn("radiology", [u["user_id"] for u in users])

    def test_bad_credentials_are_refused(self):
        wrong_secret = admin(self.server, "info", creds=(self.server.access_key, "x" * 40),
                             check=False)
        self.assertNotEqual(wrong_secret.returncode, 0)
        self.assertIn("SignatureMismatch", wrong_secret.stderr)
        unknown = admin(self.server, "info", creds=("NOSUCHKEY0000000", "x" * 40), check=False)
        self.assertNotEqual(unknown.returncode, 0)
        self.assertIn("Unauthenticated", unknown.stderr)

    def test_unsigned_request_is_refused(self):
        import urllib.request
        import urllib.error
        with self.assertRaises(urllib.error.HTTPError) as ctx:
            urllib.request.urlopen(self.server.admin_endpoint + "/admin/v1/users", timeout=10)
        self.assertEqual(ctx.exception.code, 401)
        body = json.loads(ctx.exception.read())
        self.assertEqual(body["error"], "Unauthenticated")

    def test_malformed_requests_get_json_errors(self):
        # Errors the HTTP layer answers itself speak the admin API's JSON,
        # not another protocol's format.
        import socket
        for raw, status, code in (
                (b"NOT HTTP AT ALL\r\n\r\n", 400, "BadRequest"),
                (b"GET /admin/v1/info HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 70000 +
                 b"\r\n\r\n", 431, "RequestHeaderSectionTooLarge")):
            with socket.create_connection(("127.0.0.1", self.server.admin_port), timeout=10) as s:
                s.sendall(raw)
                reply = b""
                while True:
                    piece = s.recv(65536)
                    if not piece:
                        break
                    reply += piece
            head, _, body = reply.partition(b"\r\n\r\n")
            self.assertTrue(head.startswith(b"HTTP/1.1 %d" % status), head)
            self.assertIn(b"application/json", head)
            error = json.loads(body)
            self.assertEqual(error["error"], code)
            self.assertTrue(error["request_id"])

    def test_root_user_cannot_be_deleted(self):
        proc = admin(self.server, "user", "delete", "root", check=False)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("PermissionDenied", proc.stderr)


if __name__ == "__main__":
    unittest.main()
