"""Conformance with what the Amazon S3 API reference documents, driven by real
clients (boto3, the AWS CLIs, raw SigV4-signed HTTP): delete-marker headers,
validators on 304, partNumber out of range, key and bucket-name rules,
CreateBucket of an owned bucket in us-east-1, aws-chunked stripped from
Content-Encoding, conditional deletes, multipart checksum types, a repeated
CompleteMultipartUpload, expected bucket owner, ListBuckets paging,
GetObjectAttributes part paging and non-ASCII user metadata."""

import base64
import http.client
import json
import os
import subprocess
import sys
import unittest
import urllib.parse
import zlib

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

sys.path.insert(0, os.path.dirname(__file__))
from skyarray_harness import Server, boto3_client  # noqa: E402

PYENV_AWS = "/root/.pyenv/shims/aws"  # awscli v1, current botocore (see MACHINE-NOTES)
DEBIAN_AWS = "/usr/bin/aws"


def error_of(call, *args, **kwargs):
    """(HTTP status, error code, response headers) of a call that must fail."""
    try:
        call(*args, **kwargs)
    except ClientError as e:
        meta = e.response["ResponseMetadata"]
        return meta["HTTPStatusCode"], e.response["Error"].get("Code"), meta["HTTPHeaders"]
    raise AssertionError(f"{call.__name__} succeeded, an error was expected")


def raw(server, method, path, body=b"", headers=None, query=None, payload_hash=None):
    """One SigV4-signed request on a raw connection: (status, headers, body)."""
    url = server.endpoint + urllib.parse.quote(path, safe="/~")
    if query:
        url += "?" + urllib.parse.urlencode(query, quote_via=urllib.parse.quote)
    headers = dict(headers or {})
    if payload_hash is None:
        import hashlib
        payload_hash = hashlib.sha256(body).hexdigest()
    headers["x-amz-content-sha256"] = payload_hash
    req = AWSRequest(method=method, url=url, data=body, headers=headers)
    SigV4Auth(Credentials(server.access_key, server.secret_key), "s3", "us-east-1").add_auth(req)
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    target = url[len(server.endpoint):]
    conn.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
    conn.putheader("Host", f"127.0.0.1:{server.port}")
    for k, v in req.headers.items():
        if k.lower() != "host":
            conn.putheader(k, v.encode("utf-8") if isinstance(v, str) else v)
    conn.putheader("Content-Length", str(len(body)))
    conn.endheaders(body)
    resp = conn.getresponse()
    data = resp.read()
    hdrs = {k.lower(): v for k, v in resp.getheaders()}
    conn.close()
    return resp.status, hdrs, data


class S3ConformanceTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server().start()
        cls.s3 = boto3_client(cls.server)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def bucket(self, name, versioned=False):
        self.s3.create_bucket(Bucket=name)
        if versioned:
            self.s3.put_bucket_versioning(Bucket=name,
                                          VersioningConfiguration={"Status": "Enabled"})
        return name

    def cli(self, aws, *args, check=True):
        cmd = [aws, "--endpoint-url", self.server.endpoint, *args]
        p = subprocess.run(cmd, env=self.server.env(), capture_output=True, text=True, timeout=120)
        if check and p.returncode != 0:
            raise AssertionError(f"{cmd} failed: {p.stderr}")
        return p

    # ------------------------------------------------------------ delete markers

    def test_get_and_head_of_a_delete_marker_say_so(self):
        b = self.bucket("dm-headers", versioned=True)
        v1 = self.s3.put_object(Bucket=b, Key="k", Body=b"one")["VersionId"]
        marker = self.s3.delete_object(Bucket=b, Key="k")
        self.assertTrue(marker["DeleteMarker"])
        mid = marker["VersionId"]
        # Latest version is a marker: 404 NoSuchKey with x-amz-delete-marker.
        for call in (self.s3.get_object, self.s3.head_object):
            status, code, h = error_of(call, Bucket=b, Key="k")
            self.assertEqual(status, 404)
            self.assertEqual(h.get("x-amz-delete-marker"), "true")
            self.assertEqual(h.get("x-amz-version-id"), mid)
        # The marker by version id: 405 MethodNotAllowed, with Last-Modified.
        for call in (self.s3.get_object, self.s3.head_object):
            status, code, h = error_of(call, Bucket=b, Key="k", VersionId=mid)
            self.assertEqual(status, 405)
            self.assertEqual(h.get("x-amz-delete-marker"), "true")
            self.assertEqual(h.get("x-amz-version-id"), mid)
            self.assertIn("last-modified", h)
        self.assertEqual(error_of(self.s3.get_object, Bucket=b, Key="k", VersionId=mid)[1],
                         "MethodNotAllowed")
        # A key that never existed, and a real old version: no marker header.
        status, _, h = error_of(self.s3.head_object, Bucket=b, Key="never")
        self.assertEqual(status, 404)
        self.assertNotIn("x-amz-delete-marker", h)
        got = self.s3.get_object(Bucket=b, Key="k", VersionId=v1)
        self.assertEqual(got["Body"].read(), b"one")

    # ------------------------------------------------------------ 304

    def test_not_modified_carries_the_validators(self):
        b = self.bucket("not-modified")
        put = self.s3.put_object(Bucket=b, Key="k", Body=b"x", CacheControl="max-age=60")
        head = self.s3.head_object(Bucket=b, Key="k")
        for call in (self.s3.get_object, self.s3.head_object):
            status, _, h = error_of(call, Bucket=b, Key="k", IfNoneMatch=put["ETag"])
            self.assertEqual(status, 304)
            self.assertEqual(h.get("etag"), put["ETag"])
            self.assertEqual(h.get("last-modified"), head["ResponseMetadata"]["HTTPHeaders"]
                             ["last-modified"])
            self.assertEqual(h.get("cache-control"), "max-age=60")
            status, _, h = error_of(call, Bucket=b, Key="k",
                                    IfModifiedSince=head["LastModified"])
            self.assertEqual(status, 304)
            self.assertEqual(h.get("etag"), put["ETag"])

    # ------------------------------------------------------------ partNumber

    def test_part_number_out_of_range(self):
        b = self.bucket("part-numbers")
        up = self.s3.create_multipart_upload(Bucket=b, Key="mp")["UploadId"]
        parts = []
        for n, data in ((1, b"a" * (5 << 20)), (2, b"b" * 100)):
            e = self.s3.upload_part(Bucket=b, Key="mp", UploadId=up, PartNumber=n, Body=data)
            parts.append({"PartNumber": n, "ETag": e["ETag"]})
        self.s3.complete_multipart_upload(Bucket=b, Key="mp", UploadId=up,
                                          MultipartUpload={"Parts": parts})
        got = self.s3.get_object(Bucket=b, Key="mp", PartNumber=2)
        self.assertEqual(got["Body"].read(), b"b" * 100)
        self.assertEqual(got["PartsCount"], 2)
        # As S3: 416 InvalidPartNumber for a part the object does not have.
        status, code, _ = error_of(self.s3.get_object, Bucket=b, Key="mp", PartNumber=3)
        self.assertEqual((status, code), (416, "InvalidPartNumber"))
        status, _, _ = error_of(self.s3.head_object, Bucket=b, Key="mp", PartNumber=3)
        self.assertEqual(status, 416)
        # A simple object is one part.
        self.s3.put_object(Bucket=b, Key="simple", Body=b"whole")
        self.assertEqual(self.s3.get_object(Bucket=b, Key="simple", PartNumber=1)["Body"].read(),
                         b"whole")
        status, code, _ = error_of(self.s3.get_object, Bucket=b, Key="simple", PartNumber=2)
        self.assertEqual((status, code), (416, "InvalidPartNumber"))
        # Outside 1..10000 is a bad argument, not an unsatisfiable part.
        status, code, _ = error_of(self.s3.get_object, Bucket=b, Key="simple", PartNumber=10001)
        self.assertEqual((status, code), (400, "InvalidArgument"))

    # ------------------------------------------------------------ names

    def test_key_longer_than_1024_bytes(self):
        b = self.bucket("long-keys")
        self.s3.put_object(Bucket=b, Key="k" * 1024, Body=b"ok")
        self.assertEqual(self.s3.get_object(Bucket=b, Key="k" * 1024)["Body"].read(), b"ok")
        status, code, _ = error_of(self.s3.put_object, Bucket=b, Key="k" * 1025, Body=b"no")
        self.assertEqual((status, code), (400, "KeyTooLongError"))
        # Bytes, not characters: 513 two-byte characters are 1026 bytes.
        status, code, _ = error_of(self.s3.put_object, Bucket=b, Key="é" * 513, Body=b"no")
        self.assertEqual((status, code), (400, "KeyTooLongError"))
        up_status, up_code, _ = error_of(self.s3.create_multipart_upload, Bucket=b,
                                         Key="m" * 1025)
        self.assertEqual((up_status, up_code), (400, "KeyTooLongError"))

    def test_bucket_name_rules(self):
        for name in ("foo-.bar", "foo.-bar", "192.168.5.4", "xn--foo", "foo-s3alias",
                     "sthree-foo", "foo--ol-s3", "amzn-s3-demo-foo", "foo.mrap", "foo--x-s3",
                     "foo--table-s3", "-foo", "foo-", "fo", "a" * 64, "foo..bar"):
            status, code, _ = error_of(self.s3.create_bucket, Bucket=name)
            self.assertEqual((status, code), (400, "InvalidBucketName"), name)
        self.s3.create_bucket(Bucket="foo-bar.baz-1")
        self.s3.head_bucket(Bucket="foo-bar.baz-1")

    # ------------------------------------------------------------ CreateBucket

    def test_create_bucket_you_own_in_us_east_1(self):
        self.s3.create_bucket(Bucket="owned-twice")
        try:
            self.s3.put_bucket_acl(Bucket="owned-twice", ACL="public-read")
            acls = True
        except ClientError as e:  # ACLs disabled (BucketOwnerEnforced)
            self.assertEqual(e.response["Error"]["Code"], "AccessControlListNotSupported")
            acls = False
        # S3 in us-east-1: 200, and the ACL is reset to what the request gives.
        again = self.s3.create_bucket(Bucket="owned-twice")
        self.assertEqual(again["ResponseMetadata"]["HTTPStatusCode"], 200)
        if acls:
            grants = self.s3.get_bucket_acl(Bucket="owned-twice")["Grants"]
            self.assertFalse([g for g in grants
                              if g["Grantee"].get("URI", "").endswith("AllUsers")])
        # awscli too (Debian's v2 and the current v1).
        for aws in (DEBIAN_AWS, PYENV_AWS):
            self.cli(aws, "s3api", "create-bucket", "--bucket", "owned-twice")
        # Elsewhere S3 answers 409 BucketAlreadyOwnedByYou.
        eu = {"LocationConstraint": "eu-west-1"}
        self.s3.create_bucket(Bucket="owned-in-eu", CreateBucketConfiguration=eu)
        status, code, _ = error_of(self.s3.create_bucket, Bucket="owned-in-eu",
                                   CreateBucketConfiguration=eu)
        self.assertEqual((status, code), (409, "BucketAlreadyOwnedByYou"))

    # ------------------------------------------------------------ Content-Encoding

    def test_aws_chunked_is_not_stored_as_content_encoding(self):
        b = self.bucket("chunked-encoding")
        data = b"hello aws-chunked"
        crc = base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()
        body = (f"{len(data):x}\r\n".encode() + data + b"\r\n0\r\n" +
                f"x-amz-checksum-crc32:{crc}\r\n\r\n".encode())
        for key, sent, stored in (("gz", "aws-chunked,gzip", "gzip"),
                                  ("gz2", "gzip, aws-chunked", "gzip"),
                                  ("none", "aws-chunked", None),
                                  ("two", "aws-chunked,gzip,br", "gzip,br")):
            status, _, resp = raw(self.server, "PUT", f"/{b}/{key}", body=body,
                                  payload_hash="STREAMING-UNSIGNED-PAYLOAD-TRAILER",
                                  headers={"Content-Encoding": sent,
                                           "x-amz-decoded-content-length": str(len(data)),
                                           "x-amz-trailer": "x-amz-checksum-crc32"})
            self.assertEqual(status, 200, resp)
            head = self.s3.head_object(Bucket=b, Key=key)
            self.assertEqual(head.get("ContentEncoding"), stored, sent)
        # The current awscli sends its CRC32 in an aws-chunked trailer and
        # appends aws-chunked to the object's own encoding.
        path = os.path.join(self.server.data_dir, "payload.gz")
        with open(path, "wb") as f:
            f.write(b"\x1f\x8b" + b"z" * 100)
        self.cli(PYENV_AWS, "s3api", "put-object", "--bucket", b, "--key", "cli",
                 "--body", path, "--content-encoding", "gzip")
        self.assertEqual(self.s3.head_object(Bucket=b, Key="cli").get("ContentEncoding"), "gzip")


    # ------------------------------------------------------------ conditional deletes

    def test_conditional_delete_object(self):
        b = self.bucket("cond-delete")
        put = self.s3.put_object(Bucket=b, Key="k", Body=b"12345")
        head = self.s3.head_object(Bucket=b, Key="k")
        date = head["ResponseMetadata"]["HTTPHeaders"]["last-modified"]
        for headers in ({"If-Match": '"0123456789abcdef0123456789abcdef"'},
                        {"x-amz-if-match-size": "4"},
                        {"x-amz-if-match-last-modified-time": "Mon, 01 Jan 2001 00:00:00 GMT"},
                        {"If-Match": put["ETag"], "x-amz-if-match-size": "6"}):
            status, _, body = raw(self.server, "DELETE", f"/{b}/k", headers=headers)
            self.assertEqual(status, 412, headers)
            self.assertIn(b"<Code>PreconditionFailed</Code>", body)
        self.assertEqual(self.s3.get_object(Bucket=b, Key="k")["Body"].read(), b"12345")
        status, _, _ = raw(self.server, "DELETE", f"/{b}/k",
                           headers={"If-Match": put["ETag"], "x-amz-if-match-size": "5",
                                    "x-amz-if-match-last-modified-time": date})
        self.assertEqual(status, 204)
        self.assertEqual(error_of(self.s3.head_object, Bucket=b, Key="k")[0], 404)
        # If-Match on a key that does not exist: 404 NoSuchKey.
        status, _, body = raw(self.server, "DELETE", f"/{b}/k", headers={"If-Match": "*"})
        self.assertEqual(status, 404)
        # A malformed condition is refused, not ignored.
        self.s3.put_object(Bucket=b, Key="k2", Body=b"x")
        status, _, _ = raw(self.server, "DELETE", f"/{b}/k2", headers={"x-amz-if-match-size": "x"})
        self.assertEqual(status, 400)
        self.s3.head_object(Bucket=b, Key="k2")
        # The current awscli (botocore 1.43) sends the three conditions.
        p = self.cli(PYENV_AWS, "s3api", "delete-object", "--bucket", b, "--key", "k2",
                     "--if-match-size", "2", check=False)
        self.assertIn("PreconditionFailed", p.stderr)
        p = self.cli(PYENV_AWS, "s3api", "delete-object", "--bucket", b, "--key", "k2",
                     "--if-match", "wrong", check=False)
        self.assertIn("PreconditionFailed", p.stderr)
        self.s3.head_object(Bucket=b, Key="k2")
        etag = self.s3.head_object(Bucket=b, Key="k2")["ETag"]
        self.cli(PYENV_AWS, "s3api", "delete-object", "--bucket", b, "--key", "k2",
                 "--if-match", etag, "--if-match-size", "1")
        self.assertEqual(error_of(self.s3.head_object, Bucket=b, Key="k2")[0], 404)

    def test_conditional_delete_objects(self):
        b = self.bucket("cond-delete-many")
        etags = {k: self.s3.put_object(Bucket=b, Key=k, Body=k.encode())["ETag"]
                 for k in ("a", "bb", "ccc", "dddd", "eeeee")}
        lm = {o["Key"]: o["LastModified"] for o in self.s3.list_objects_v2(Bucket=b)["Contents"]}
        iso = lm["dddd"].strftime("%Y-%m-%dT%H:%M:%S.000Z")  # botocore sends it as an HTTP date
        objects = [
            {"Key": "a", "ETag": etags["a"]},                     # matches
            {"Key": "bb", "ETag": '"ffffffffffffffffffffffffffffffff"'},  # wrong ETag
            {"Key": "ccc", "Size": 2},                            # wrong size
            {"Key": "dddd", "LastModifiedTime": iso, "Size": 4},  # matches
            {"Key": "eeeee", "LastModifiedTime": "2001-01-01T00:00:00Z"},  # wrong time
        ]
        out = json.loads(self.cli(
            PYENV_AWS, "s3api", "delete-objects", "--bucket", b,
            "--delete", json.dumps({"Objects": objects})).stdout)
        self.assertEqual(sorted(d["Key"] for d in out.get("Deleted", [])), ["a", "dddd"])
        errors = {e["Key"]: e["Code"] for e in out.get("Errors", [])}
        self.assertEqual(errors, {"bb": "PreconditionFailed", "ccc": "PreconditionFailed",
                                  "eeeee": "PreconditionFailed"})
        left = sorted(o["Key"] for o in self.s3.list_objects_v2(Bucket=b)["Contents"])
        self.assertEqual(left, ["bb", "ccc", "eeeee"])


    # ------------------------------------------------------------ multipart

    def test_repeated_complete_multipart_upload(self):
        b = self.bucket("complete-twice", versioned=True)
        up = self.s3.create_multipart_upload(Bucket=b, Key="k")["UploadId"]
        e1 = self.s3.upload_part(Bucket=b, Key="k", UploadId=up, PartNumber=1,
                                 Body=b"p" * (5 << 20))["ETag"]
        e2 = self.s3.upload_part(Bucket=b, Key="k", UploadId=up, PartNumber=2, Body=b"q")["ETag"]
        parts = {"Parts": [{"PartNumber": 1, "ETag": e1}, {"PartNumber": 2, "ETag": e2}]}
        first = self.s3.complete_multipart_upload(Bucket=b, Key="k", UploadId=up,
                                                  MultipartUpload=parts)
        # The answer to the first was lost; the retry gets the same result.
        again = self.s3.complete_multipart_upload(Bucket=b, Key="k", UploadId=up,
                                                  MultipartUpload=parts)
        self.assertEqual(again["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.assertEqual(again["ETag"], first["ETag"])
        self.assertEqual(again["VersionId"], first["VersionId"])
        self.assertEqual(len(self.s3.list_object_versions(Bucket=b)["Versions"]), 1)
        # Once the key holds something else, the upload is gone.
        self.s3.put_object(Bucket=b, Key="k", Body=b"newer")
        status, code, _ = error_of(self.s3.complete_multipart_upload, Bucket=b, Key="k",
                                   UploadId=up, MultipartUpload=parts)
        self.assertEqual((status, code), (404, "NoSuchUpload"))
        # An upload id that never existed.
        status, code, _ = error_of(self.s3.complete_multipart_upload, Bucket=b, Key="k",
                                   UploadId="00000000deadbeef0123456789abcdef",
                                   MultipartUpload=parts)
        self.assertEqual((status, code), (404, "NoSuchUpload"))

    def test_multipart_checksum_types(self):
        b = self.bucket("checksum-types")
        p1, p2 = os.urandom(5 << 20), os.urandom(1000)
        paths = []
        for i, data in enumerate((p1, p2)):
            path = os.path.join(self.server.data_dir, f"part{i}")
            with open(path, "wb") as f:
                f.write(data)
            paths.append(path)

        def b64crc(data):
            return base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()

        def upload(key, *create_args):
            out = json.loads(self.cli(PYENV_AWS, "s3api", "create-multipart-upload",
                                      "--bucket", b, "--key", key, *create_args).stdout)
            parts = []
            for n, path in ((1, paths[0]), (2, paths[1])):
                r = json.loads(self.cli(PYENV_AWS, "s3api", "upload-part", "--bucket", b,
                                        "--key", key, "--upload-id", out["UploadId"],
                                        "--part-number", str(n), "--body", path,
                                        "--checksum-algorithm", "CRC32").stdout)
                parts.append({"PartNumber": n, "ETag": r["ETag"]})
            return out, parts

        def complete(key, upload_id, parts, *args, check=True):
            return self.cli(PYENV_AWS, "s3api", "complete-multipart-upload", "--bucket", b,
                            "--key", key, "--upload-id", upload_id, "--multipart-upload",
                            json.dumps({"Parts": parts}), *args, check=check)

        # FULL_OBJECT: the CRC32 of the whole object, no -N suffix.
        created, parts = upload("full", "--checksum-algorithm", "CRC32",
                                "--checksum-type", "FULL_OBJECT")
        self.assertEqual(created.get("ChecksumType"), "FULL_OBJECT")
        self.assertEqual(created.get("ChecksumAlgorithm"), "CRC32")
        p = complete("full", created["UploadId"], parts, "--checksum-crc32", b64crc(b"wrong"),
                     "--checksum-type", "FULL_OBJECT", check=False)
        self.assertIn("BadDigest", p.stderr)
        done = json.loads(complete("full", created["UploadId"], parts, "--checksum-crc32",
                                   b64crc(p1 + p2), "--checksum-type", "FULL_OBJECT").stdout)
        self.assertEqual(done["ChecksumCRC32"], b64crc(p1 + p2))
        self.assertEqual(done["ChecksumType"], "FULL_OBJECT")
        head = json.loads(self.cli(PYENV_AWS, "s3api", "head-object", "--bucket", b, "--key",
                                   "full", "--checksum-mode", "ENABLED").stdout)
        self.assertEqual((head["ChecksumCRC32"], head["ChecksumType"]),
                         (b64crc(p1 + p2), "FULL_OBJECT"))
        attrs = json.loads(self.cli(PYENV_AWS, "s3api", "get-object-attributes", "--bucket", b,
                                    "--key", "full", "--object-attributes", "Checksum").stdout)
        self.assertEqual(attrs["Checksum"]["ChecksumType"], "FULL_OBJECT")
        self.assertEqual(attrs["Checksum"]["ChecksumCRC32"], b64crc(p1 + p2))
        # The downloaded object verifies against it (the CLI checks it).
        out = os.path.join(self.server.data_dir, "full.out")
        self.cli(PYENV_AWS, "s3api", "get-object", "--bucket", b, "--key", "full",
                 "--checksum-mode", "ENABLED", out)
        with open(out, "rb") as f:
            self.assertEqual(f.read(), p1 + p2)

        # COMPOSITE (the default for CRC32): checksum of the part checksums, -2.
        created, parts = upload("composite", "--checksum-algorithm", "CRC32")
        self.assertEqual(created.get("ChecksumType"), "COMPOSITE")
        done = json.loads(complete("composite", created["UploadId"], parts).stdout)
        self.assertEqual(done["ChecksumType"], "COMPOSITE")
        crcs = zlib.crc32(p1).to_bytes(4, "big") + zlib.crc32(p2).to_bytes(4, "big")
        self.assertEqual(done["ChecksumCRC32"], b64crc(crcs) + "-2")
        head = json.loads(self.cli(PYENV_AWS, "s3api", "head-object", "--bucket", b, "--key",
                                   "composite", "--checksum-mode", "ENABLED").stdout)
        self.assertEqual(head["ChecksumType"], "COMPOSITE")

        # Combinations S3 refuses.
        for args in (("--checksum-algorithm", "SHA256", "--checksum-type", "FULL_OBJECT"),
                     ("--checksum-algorithm", "CRC64NVME", "--checksum-type", "COMPOSITE")):
            p = self.cli(PYENV_AWS, "s3api", "create-multipart-upload", "--bucket", b,
                         "--key", "bad", *args, check=False)
            self.assertIn("InvalidRequest", p.stderr, args)
        status, _, body = raw(self.server, "POST", f"/{b}/bad", query={"uploads": ""},
                              headers={"x-amz-checksum-type": "FULL_OBJECT"})
        self.assertEqual(status, 400, body)
        # CRC64NVME defaults to FULL_OBJECT.
        status, h, body = raw(self.server, "POST", f"/{b}/nvme", query={"uploads": ""},
                              headers={"x-amz-checksum-algorithm": "CRC64NVME"})
        self.assertEqual(status, 200, body)
        self.assertEqual(h.get("x-amz-checksum-type"), "FULL_OBJECT")
        # What the current awscli does by default for a multipart upload
        # (CRC32 per part): the object comes back whole and verified.
        big = os.path.join(self.server.data_dir, "big")
        with open(big, "wb") as f:
            f.write(p1 + p1 + p2)
        self.cli(PYENV_AWS, "s3", "cp", big, f"s3://{b}/cli-big")
        head = json.loads(self.cli(PYENV_AWS, "s3api", "head-object", "--bucket", b, "--key",
                                   "cli-big", "--checksum-mode", "ENABLED").stdout)
        self.assertIn(head.get("ChecksumType"), ("COMPOSITE", "FULL_OBJECT"))
        back = os.path.join(self.server.data_dir, "big.back")
        self.cli(PYENV_AWS, "s3", "cp", f"s3://{b}/cli-big", back)
        with open(back, "rb") as f:
            self.assertEqual(f.read(), p1 + p1 + p2)

    def test_bad_digest_on_put(self):
        b = self.bucket("bad-digest")
        status, code, _ = error_of(self.s3.put_object, Bucket=b, Key="k", Body=b"data",
                                   ChecksumCRC32=base64.b64encode(b"\0\0\0\0").decode())
        self.assertEqual((status, code), (400, "BadDigest"))
        self.assertEqual(error_of(self.s3.head_object, Bucket=b, Key="k")[0], 404)
        put = self.s3.put_object(Bucket=b, Key="k", Body=b"data", ChecksumAlgorithm="CRC32")
        head = self.s3.head_object(Bucket=b, Key="k", ChecksumMode="ENABLED")
        self.assertEqual(head["ChecksumCRC32"], put["ChecksumCRC32"])
        self.assertEqual(head["ResponseMetadata"]["HTTPHeaders"].get("x-amz-checksum-type"),
                         "FULL_OBJECT")


    # ------------------------------------------------------------ expected bucket owner

    def test_expected_bucket_owner(self):
        # Owner ids are user ids; the root user's is "root".
        b = self.bucket("expected-owner")
        self.s3.put_object(Bucket=b, Key="k", Body=b"v", ExpectedBucketOwner="root")
        self.assertEqual(self.s3.get_object(Bucket=b, Key="k", ExpectedBucketOwner="root")
                         ["Body"].read(), b"v")
        for call, kwargs in ((self.s3.put_object, {"Key": "k", "Body": b"other"}),
                             (self.s3.get_object, {"Key": "k"}),
                             (self.s3.head_object, {"Key": "k"}),
                             (self.s3.delete_object, {"Key": "k"}),
                             (self.s3.list_objects_v2, {}),
                             (self.s3.get_bucket_versioning, {})):
            status, code, _ = error_of(call, Bucket=b, ExpectedBucketOwner="111122223333",
                                       **kwargs)
            self.assertEqual(status, 403, call.__name__)
        self.assertEqual(self.s3.get_object(Bucket=b, Key="k")["Body"].read(), b"v")
        # Copies check the source bucket's owner too.
        self.s3.copy_object(Bucket=b, Key="copy", CopySource={"Bucket": b, "Key": "k"},
                            ExpectedBucketOwner="root", ExpectedSourceBucketOwner="root")
        status, code, _ = error_of(self.s3.copy_object, Bucket=b, Key="copy2",
                                   CopySource={"Bucket": b, "Key": "k"},
                                   ExpectedSourceBucketOwner="111122223333")
        self.assertEqual((status, code), (403, "AccessDenied"))
        self.assertEqual(error_of(self.s3.head_object, Bucket=b, Key="copy2")[0], 404)
        # Debian's awscli v2 sends it as well.
        p = self.cli(DEBIAN_AWS, "s3api", "head-bucket", "--bucket", b,
                     "--expected-bucket-owner", "111122223333", check=False)
        self.assertNotEqual(p.returncode, 0)
        self.cli(DEBIAN_AWS, "s3api", "head-bucket", "--bucket", b,
                 "--expected-bucket-owner", "root")


    # ------------------------------------------------------------ paging

    def test_list_buckets_paging_and_filters(self):
        names = [f"lb-page-{i}" for i in range(5)]
        for n in names:
            self.s3.create_bucket(Bucket=n)
        self.s3.create_bucket(Bucket="lb-page-eu",
                              CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        seen, token = [], None
        while True:
            query = {"max-buckets": "2", "prefix": "lb-page-"}
            if token:
                query["continuation-token"] = token
            status, _, body = raw(self.server, "GET", "/", query=query)
            self.assertEqual(status, 200, body)
            text = body.decode()
            self.assertIn("<Prefix>lb-page-</Prefix>", text)
            page = [t.split("</Name>")[0] for t in text.split("<Name>")[1:]]
            self.assertLessEqual(len(page), 2)
            seen += page
            if "<ContinuationToken>" not in text:
                break
            token = text.split("<ContinuationToken>")[1].split("</ContinuationToken>")[0]
        self.assertEqual(seen, sorted(names + ["lb-page-eu"]))
        status, _, body = raw(self.server, "GET", "/",
                              query={"prefix": "lb-page-", "bucket-region": "eu-west-1"})
        self.assertIn(b"<Name>lb-page-eu</Name><CreationDate>", body)
        self.assertNotIn(b"lb-page-0", body)
        self.assertIn(b"<BucketRegion>eu-west-1</BucketRegion>", body)
        for bad in ({"max-buckets": "0"}, {"max-buckets": "10001"},
                    {"continuation-token": "not-hex"}):
            self.assertEqual(raw(self.server, "GET", "/", query=bad)[0], 400, bad)
        # The current awscli pages with these (MaxBuckets, ContinuationToken).
        out = json.loads(self.cli(PYENV_AWS, "s3api", "list-buckets", "--prefix", "lb-page-",
                                  "--page-size", "2").stdout)
        self.assertEqual([x["Name"] for x in out["Buckets"]], sorted(names + ["lb-page-eu"]))
        out = json.loads(self.cli(PYENV_AWS, "s3api", "list-buckets", "--prefix", "lb-page-",
                                  "--max-buckets", "3", "--no-paginate").stdout)
        self.assertEqual(len(out["Buckets"]), 3)
        self.assertIn("ContinuationToken", out)
        self.assertEqual(out.get("Prefix"), "lb-page-")

    def test_get_object_attributes_part_paging(self):
        b = self.bucket("attr-parts")
        up = self.s3.create_multipart_upload(Bucket=b, Key="k", ChecksumAlgorithm="CRC32")
        parts = []
        for n in range(1, 6):
            body = bytes([n]) * ((5 << 20) if n < 5 else 10)
            e = self.s3.upload_part(Bucket=b, Key="k", UploadId=up["UploadId"], PartNumber=n,
                                    Body=body, ChecksumAlgorithm="CRC32")
            parts.append({"PartNumber": n, "ETag": e["ETag"], "ChecksumCRC32": e["ChecksumCRC32"]})
        self.s3.complete_multipart_upload(Bucket=b, Key="k", UploadId=up["UploadId"],
                                          MultipartUpload={"Parts": parts})
        got, marker = [], 0
        while True:
            r = self.s3.get_object_attributes(Bucket=b, Key="k", ObjectAttributes=["ObjectParts"],
                                              MaxParts=2, PartNumberMarker=marker)
            op = r["ObjectParts"]
            self.assertEqual(op["TotalPartsCount"], 5)
            self.assertEqual(op["MaxParts"], 2)
            self.assertEqual(op["PartNumberMarker"], marker)
            got += [p["PartNumber"] for p in op["Parts"]]
            self.assertEqual(op["NextPartNumberMarker"], got[-1])
            if not op["IsTruncated"]:
                break
            marker = op["NextPartNumberMarker"]
        self.assertEqual(got, [1, 2, 3, 4, 5])
        self.assertEqual(self.s3.get_object_attributes(
            Bucket=b, Key="k", ObjectAttributes=["ObjectParts"])["ObjectParts"]["MaxParts"], 1000)


    # ------------------------------------------------------------ metadata

    def test_non_ascii_user_metadata(self):
        b = self.bucket("utf8-meta")
        # boto3 and awscli refuse non-ASCII metadata on the client side, so
        # they send RFC 2047 words themselves; S3 stores the decoded text and
        # returns it encoded.
        self.s3.put_object(Bucket=b, Key="word", Body=b"x",
                           Metadata={"name": "=?UTF-8?B?w6lsw6hu?=", "plain": "ascii only"})
        meta = self.s3.head_object(Bucket=b, Key="word")["Metadata"]
        self.assertEqual(meta, {"name": "=?UTF-8?B?w6lsw6hu?=", "plain": "ascii only"})
        # Raw UTF-8 in the header (curl, Java and JS SDKs): stored, returned encoded.
        status, _, body = raw(self.server, "PUT", f"/{b}/raw", body=b"x",
                              headers={"x-amz-meta-name": "Zoë Müller"})
        self.assertEqual(status, 200, body)
        expected = "=?UTF-8?B?" + base64.b64encode("Zoë Müller".encode()).decode() + "?="
        for call in (self.s3.head_object, self.s3.get_object):
            self.assertEqual(call(Bucket=b, Key="raw")["Metadata"]["name"], expected)
        # A Q-encoded word decodes to the same text.
        self.s3.put_object(Bucket=b, Key="q", Body=b"x",
                           Metadata={"name": "=?utf-8?Q?Zo=C3=AB_M=C3=BCller?="})
        self.assertEqual(self.s3.head_object(Bucket=b, Key="q")["Metadata"]["name"], expected)
        # The 2 KB limit counts the decoded bytes.
        status, _, body = raw(self.server, "PUT", f"/{b}/big", body=b"x",
                              headers={"x-amz-meta-big": "é" * 1100})
        self.assertEqual(status, 400, body)
        self.assertIn(b"MetadataTooLarge", body)
        # curl (a presigned HEAD) sees the encoded word on the wire.
        url = self.s3.generate_presigned_url("head_object", Params={"Bucket": b, "Key": "raw"})
        p = subprocess.run(["curl", "-s", "-I", url], capture_output=True, text=True, timeout=30)
        self.assertIn(f"x-amz-meta-name: {expected}", p.stdout)


if __name__ == "__main__":
    unittest.main()
