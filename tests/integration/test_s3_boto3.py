"""S3 API driven by boto3 (Debian's 1.26): objects, errors, ranges,
conditions, versioning, multipart, checksums, presigned URLs, tagging, CORS,
append, and owner isolation. Every test asserts bodies and headers."""

import base64
import hashlib
import os
import subprocess
import sys
import unittest
import urllib.error
import urllib.request
import zlib

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

sys.path.insert(0, os.path.dirname(__file__))
from skyarray_harness import Server, boto3_client  # noqa: E402


def err_code(ctx):
    return ctx.exception.response["Error"]["Code"]


def http_status(ctx):
    return ctx.exception.response["ResponseMetadata"]["HTTPStatusCode"]


class S3Boto3Test(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server().start()
        cls.s3 = boto3_client(cls.server)

    @classmethod
    def tearDownClass(cls):
        code = cls.server.stop()
        if code != 0:
            print(cls.server.log()[-5000:])
        assert code == 0, f"server exit code {code}"

    def bucket(self, name):
        self.s3.create_bucket(Bucket=name)
        return name

    def test_put_get_head_delete(self):
        b = self.bucket("objects-basic")
        body = os.urandom(100_000)
        r = self.s3.put_object(Bucket=b, Key="a/b c+d.bin", Body=body, ContentType="application/x-test",
                               Metadata={"patient": "p1"}, CacheControl="no-cache")
        md5 = hashlib.md5(body).hexdigest()
        self.assertEqual(r["ETag"], f'"{md5}"')
        self.assertIn("x-amz-request-id", r["ResponseMetadata"]["HTTPHeaders"])
        g = self.s3.get_object(Bucket=b, Key="a/b c+d.bin")
        self.assertEqual(g["Body"].read(), body)
        self.assertEqual(g["ContentType"], "application/x-test")
        self.assertEqual(g["Metadata"], {"patient": "p1"})
        self.assertEqual(g["CacheControl"], "no-cache")
        self.assertEqual(g["ContentLength"], len(body))
        h = self.s3.head_object(Bucket=b, Key="a/b c+d.bin")
        self.assertEqual(h["ETag"], f'"{md5}"')
        self.assertEqual(h["ContentLength"], len(body))
        self.s3.delete_object(Bucket=b, Key="a/b c+d.bin")
        with self.assertRaises(ClientError) as c:
            self.s3.get_object(Bucket=b, Key="a/b c+d.bin")
        self.assertEqual(err_code(c), "NoSuchKey")
        self.assertEqual(http_status(c), 404)

    def test_empty_object_and_odd_keys(self):
        b = self.bucket("objects-keys")
        for key in ["empty", "dir//double", "trailing/", "ünïcødé/東京.txt", "sp ace%20x", "q?x=1&y"]:
            self.s3.put_object(Bucket=b, Key=key, Body=key.encode() if key != "empty" else b"")
            got = self.s3.get_object(Bucket=b, Key=key)["Body"].read()
            self.assertEqual(got, key.encode() if key != "empty" else b"", key)
        keys = [o["Key"] for o in self.s3.list_objects_v2(Bucket=b)["Contents"]]
        self.assertEqual(sorted(keys, key=lambda k: k.encode()), keys)
        self.assertIn("ünïcødé/東京.txt", keys)

    def test_errors(self):
        with self.assertRaises(ClientError) as c:
            self.s3.create_bucket(Bucket="Bad_Name")
        self.assertEqual(err_code(c), "InvalidBucketName")
        with self.assertRaises(ClientError) as c:
            self.s3.list_objects_v2(Bucket="no-such-bucket-here")
        self.assertEqual(err_code(c), "NoSuchBucket")
        b = self.bucket("errors-bucket")
        # Re-creating an owned bucket is 200 in us-east-1 (test_s3_conformance),
        # BucketAlreadyOwnedByYou in any other region.
        eu = {"LocationConstraint": "eu-west-1"}
        self.s3.create_bucket(Bucket="errors-bucket-eu", CreateBucketConfiguration=eu)
        with self.assertRaises(ClientError) as c:
            self.s3.create_bucket(Bucket="errors-bucket-eu", CreateBucketConfiguration=eu)
        self.assertEqual(err_code(c), "BucketAlreadyOwnedByYou")
        self.s3.put_object(Bucket=b, Key="k", Body=b"x")
        with self.assertRaises(ClientError) as c:
            self.s3.delete_bucket(Bucket=b)
        self.assertEqual(err_code(c), "BucketNotEmpty")
        bad = boto3_client(self.server, secret_key="wrong-secret")
        with self.assertRaises(ClientError) as c:
            bad.list_buckets()
        self.assertEqual(err_code(c), "SignatureDoesNotMatch")
        unknown = boto3_client(self.server, access_key="NOSUCHKEY0000000", secret_key="x")
        with self.assertRaises(ClientError) as c:
            unknown.list_buckets()
        self.assertEqual(err_code(c), "InvalidAccessKeyId")
        # Bad Content-MD5 leaves nothing behind.
        with self.assertRaises(ClientError) as c:
            self.s3.put_object(Bucket=b, Key="md5", Body=b"hello",
                               ContentMD5=base64.b64encode(hashlib.md5(b"other").digest()).decode())
        self.assertEqual(err_code(c), "BadDigest")
        with self.assertRaises(ClientError) as c:
            self.s3.head_object(Bucket=b, Key="md5")
        self.assertEqual(http_status(c), 404)

    def test_anonymous_refused(self):
        req = urllib.request.Request(self.server.endpoint + "/")
        with self.assertRaises(urllib.error.HTTPError) as c:
            urllib.request.urlopen(req)
        self.assertEqual(c.exception.code, 403)
        body = c.exception.read().decode()
        self.assertIn("<Code>AccessDenied</Code>", body)
        self.assertTrue(c.exception.headers.get("x-amz-request-id"))

    def test_ranges_and_conditions(self):
        b = self.bucket("ranges")
        body = bytes(range(256)) * 40
        etag = self.s3.put_object(Bucket=b, Key="r", Body=body)["ETag"]
        g = self.s3.get_object(Bucket=b, Key="r", Range="bytes=10-19")
        self.assertEqual(g["Body"].read(), body[10:20])
        self.assertEqual(g["ContentRange"], f"bytes 10-19/{len(body)}")
        self.assertEqual(g["ResponseMetadata"]["HTTPStatusCode"], 206)
        self.assertEqual(self.s3.get_object(Bucket=b, Key="r", Range="bytes=-5")["Body"].read(), body[-5:])
        self.assertEqual(self.s3.get_object(Bucket=b, Key="r", Range="bytes=10000-")["Body"].read(), body[10000:])
        with self.assertRaises(ClientError) as c:
            self.s3.get_object(Bucket=b, Key="r", Range=f"bytes={len(body)}-")
        self.assertEqual(err_code(c), "InvalidRange")
        self.assertEqual(http_status(c), 416)
        self.assertEqual(self.s3.get_object(Bucket=b, Key="r", IfMatch=etag)["Body"].read(), body)
        with self.assertRaises(ClientError) as c:
            self.s3.get_object(Bucket=b, Key="r", IfMatch='"0000"')
        self.assertEqual(http_status(c), 412)
        with self.assertRaises(ClientError) as c:
            self.s3.get_object(Bucket=b, Key="r", IfNoneMatch=etag)
        self.assertEqual(http_status(c), 304)
        g = self.s3.get_object(Bucket=b, Key="r", ResponseContentType="text/x-over",
                               ResponseContentDisposition="attachment")
        self.assertEqual(g["ContentType"], "text/x-over")
        self.assertEqual(g["ContentDisposition"], "attachment")

    def test_conditional_writes(self):
        b = self.bucket("cond-writes")

        def put_with(headers, body):
            def add(request, **kwargs):
                for k, v in headers.items():
                    request.headers[k] = v
            self.s3.meta.events.register_first("before-sign.s3.PutObject", add)
            try:
                return self.s3.put_object(Bucket=b, Key="c", Body=body)
            finally:
                self.s3.meta.events.unregister("before-sign.s3.PutObject", add)

        r = put_with({"If-None-Match": "*"}, b"one")
        with self.assertRaises(ClientError) as c:
            put_with({"If-None-Match": "*"}, b"two")
        self.assertEqual(http_status(c), 412)
        with self.assertRaises(ClientError) as c:
            put_with({"If-Match": '"deadbeef"'}, b"three")
        self.assertEqual(http_status(c), 412)
        put_with({"If-Match": r["ETag"]}, b"four")
        self.assertEqual(self.s3.get_object(Bucket=b, Key="c")["Body"].read(), b"four")

    def test_versioning(self):
        b = self.bucket("versioned")
        self.s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Enabled"})
        self.assertEqual(self.s3.get_bucket_versioning(Bucket=b)["Status"], "Enabled")
        v1 = self.s3.put_object(Bucket=b, Key="k", Body=b"v1")["VersionId"]
        v2 = self.s3.put_object(Bucket=b, Key="k", Body=b"v2")["VersionId"]
        self.assertNotEqual(v1, v2)
        self.assertEqual(self.s3.get_object(Bucket=b, Key="k")["Body"].read(), b"v2")
        self.assertEqual(self.s3.get_object(Bucket=b, Key="k", VersionId=v1)["Body"].read(), b"v1")
        d = self.s3.delete_object(Bucket=b, Key="k")
        self.assertTrue(d["DeleteMarker"])
        with self.assertRaises(ClientError) as c:
            self.s3.get_object(Bucket=b, Key="k")
        self.assertEqual(err_code(c), "NoSuchKey")
        vs = self.s3.list_object_versions(Bucket=b)
        self.assertEqual([v["VersionId"] for v in vs["Versions"]], [v2, v1])
        self.assertEqual(len(vs["DeleteMarkers"]), 1)
        self.assertTrue(vs["DeleteMarkers"][0]["IsLatest"])
        self.s3.delete_object(Bucket=b, Key="k", VersionId=d["VersionId"])
        self.assertEqual(self.s3.get_object(Bucket=b, Key="k")["Body"].read(), b"v2")
        self.s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Suspended"})
        self.assertEqual(self.s3.get_bucket_versioning(Bucket=b)["Status"], "Suspended")

    def test_multipart(self):
        b = self.bucket("multipart")
        up = self.s3.create_multipart_upload(Bucket=b, Key="mp", ContentType="application/dicom")
        uid = up["UploadId"]
        p1 = os.urandom(5 * 1024 * 1024)
        p2 = os.urandom(1234)
        e1 = self.s3.upload_part(Bucket=b, Key="mp", UploadId=uid, PartNumber=1, Body=p1)["ETag"]
        e2 = self.s3.upload_part(Bucket=b, Key="mp", UploadId=uid, PartNumber=2, Body=p2)["ETag"]
        parts = self.s3.list_parts(Bucket=b, Key="mp", UploadId=uid)["Parts"]
        self.assertEqual([(p["PartNumber"], p["Size"]) for p in parts], [(1, len(p1)), (2, len(p2))])
        ups = self.s3.list_multipart_uploads(Bucket=b)["Uploads"]
        self.assertEqual([u["UploadId"] for u in ups], [uid])
        with self.assertRaises(ClientError) as c:
            self.s3.complete_multipart_upload(Bucket=b, Key="mp", UploadId=uid, MultipartUpload={
                "Parts": [{"PartNumber": 2, "ETag": e2}, {"PartNumber": 1, "ETag": e1}]})
        self.assertEqual(err_code(c), "InvalidPartOrder")
        r = self.s3.complete_multipart_upload(Bucket=b, Key="mp", UploadId=uid, MultipartUpload={
            "Parts": [{"PartNumber": 1, "ETag": e1}, {"PartNumber": 2, "ETag": e2}]})
        md5s = hashlib.md5(hashlib.md5(p1).digest() + hashlib.md5(p2).digest()).hexdigest()
        self.assertEqual(r["ETag"], f'"{md5s}-2"')
        g = self.s3.get_object(Bucket=b, Key="mp")
        self.assertEqual(g["Body"].read(), p1 + p2)
        self.assertEqual(g["ContentType"], "application/dicom")
        self.assertEqual(self.s3.get_object(Bucket=b, Key="mp", PartNumber=2)["Body"].read(), p2)
        # Small non-last part → EntityTooSmall; abort → NoSuchUpload afterwards.
        uid2 = self.s3.create_multipart_upload(Bucket=b, Key="small")["UploadId"]
        s1 = self.s3.upload_part(Bucket=b, Key="small", UploadId=uid2, PartNumber=1, Body=b"a" * 100)["ETag"]
        s2 = self.s3.upload_part(Bucket=b, Key="small", UploadId=uid2, PartNumber=2, Body=b"b")["ETag"]
        with self.assertRaises(ClientError) as c:
            self.s3.complete_multipart_upload(Bucket=b, Key="small", UploadId=uid2, MultipartUpload={
                "Parts": [{"PartNumber": 1, "ETag": s1}, {"PartNumber": 2, "ETag": s2}]})
        self.assertEqual(err_code(c), "EntityTooSmall")
        self.s3.abort_multipart_upload(Bucket=b, Key="small", UploadId=uid2)
        with self.assertRaises(ClientError) as c:
            self.s3.list_parts(Bucket=b, Key="small", UploadId=uid2)
        self.assertEqual(err_code(c), "NoSuchUpload")
        # UploadPartCopy of a range of the completed object.
        uid3 = self.s3.create_multipart_upload(Bucket=b, Key="copied")["UploadId"]
        cp = self.s3.upload_part_copy(Bucket=b, Key="copied", UploadId=uid3, PartNumber=1,
                                      CopySource={"Bucket": b, "Key": "mp"}, CopySourceRange="bytes=0-99")
        self.s3.complete_multipart_upload(Bucket=b, Key="copied", UploadId=uid3, MultipartUpload={
            "Parts": [{"PartNumber": 1, "ETag": cp["CopyPartResult"]["ETag"]}]})
        self.assertEqual(self.s3.get_object(Bucket=b, Key="copied")["Body"].read(), p1[:100])

    def test_checksums(self):
        b = self.bucket("checksums")
        body = b"hello checksum world"
        crc32 = base64.b64encode(zlib.crc32(body).to_bytes(4, "big")).decode()
        sha256 = base64.b64encode(hashlib.sha256(body).digest()).decode()
        r = self.s3.put_object(Bucket=b, Key="c32", Body=body, ChecksumCRC32=crc32)
        self.assertEqual(r["ChecksumCRC32"], crc32)
        h = self.s3.head_object(Bucket=b, Key="c32", ChecksumMode="ENABLED")
        self.assertEqual(h["ChecksumCRC32"], crc32)
        self.s3.put_object(Bucket=b, Key="s256", Body=body, ChecksumAlgorithm="SHA256")
        g = self.s3.get_object(Bucket=b, Key="s256", ChecksumMode="ENABLED")
        self.assertEqual(g["ChecksumSHA256"], sha256)
        self.assertEqual(g["Body"].read(), body)
        # A range is not what the object's checksum covers: none comes back
        # (SDKs that validate response checksums would refuse the bytes).
        g = self.s3.get_object(Bucket=b, Key="s256", Range="bytes=0-4", ChecksumMode="ENABLED")
        self.assertEqual(g["Body"].read(), body[:5])
        self.assertNotIn("ChecksumSHA256", g)
        self.assertFalse([h for h in g["ResponseMetadata"]["HTTPHeaders"]
                          if h.startswith("x-amz-checksum-")])
        wrong = base64.b64encode((zlib.crc32(body) ^ 1).to_bytes(4, "big")).decode()
        with self.assertRaises(ClientError) as c:
            self.s3.put_object(Bucket=b, Key="bad", Body=body, ChecksumCRC32=wrong)
        self.assertEqual(err_code(c), "BadDigest")
        attrs = self.s3.get_object_attributes(Bucket=b, Key="c32",
                                              ObjectAttributes=["ETag", "Checksum", "ObjectSize"])
        self.assertEqual(attrs["ObjectSize"], len(body))
        self.assertEqual(attrs["Checksum"]["ChecksumCRC32"], crc32)
        self.assertEqual(attrs["ETag"], hashlib.md5(body).hexdigest())

    def test_presigned_urls(self):
        b = self.bucket("presigned")
        self.s3.put_object(Bucket=b, Key="p.txt", Body=b"presigned body")
        url = self.s3.generate_presigned_url("get_object", Params={"Bucket": b, "Key": "p.txt"}, ExpiresIn=60)
        with urllib.request.urlopen(url) as resp:
            self.assertEqual(resp.read(), b"presigned body")
        put_url = self.s3.generate_presigned_url("put_object", Params={"Bucket": b, "Key": "up.txt"},
                                                 ExpiresIn=60)
        out = subprocess.run(["curl", "-sS", "-f", "-X", "PUT", "--data-binary", "via curl", put_url],
                             capture_output=True)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(self.s3.get_object(Bucket=b, Key="up.txt")["Body"].read(), b"via curl")
        # A tampered URL fails with SignatureDoesNotMatch.
        bad = url.replace("p.txt", "q.txt")
        with self.assertRaises(urllib.error.HTTPError) as c:
            urllib.request.urlopen(bad)
        self.assertEqual(c.exception.code, 403)
        self.assertIn(b"SignatureDoesNotMatch", c.exception.read())
        expired = self.s3.generate_presigned_url("get_object", Params={"Bucket": b, "Key": "p.txt"},
                                                 ExpiresIn=1)
        import time
        time.sleep(2.1)
        with self.assertRaises(urllib.error.HTTPError) as c:
            urllib.request.urlopen(expired)
        self.assertEqual(c.exception.code, 403)
        self.assertIn(b"expired", c.exception.read())

    def test_copy_tagging_delete_objects(self):
        b = self.bucket("copy-src")
        b2 = self.bucket("copy-dst")
        self.s3.put_object(Bucket=b, Key="src", Body=b"copy me", Metadata={"a": "1"}, Tagging="t1=v1&t2=v2")
        self.assertEqual(self.s3.get_object_tagging(Bucket=b, Key="src")["TagSet"],
                         [{"Key": "t1", "Value": "v1"}, {"Key": "t2", "Value": "v2"}])
        r = self.s3.copy_object(Bucket=b2, Key="dst", CopySource={"Bucket": b, "Key": "src"})
        self.assertEqual(r["CopyObjectResult"]["ETag"], f'"{hashlib.md5(b"copy me").hexdigest()}"')
        g = self.s3.get_object(Bucket=b2, Key="dst")
        self.assertEqual(g["Body"].read(), b"copy me")
        self.assertEqual(g["Metadata"], {"a": "1"})
        self.s3.copy_object(Bucket=b2, Key="dst2", CopySource={"Bucket": b, "Key": "src"},
                            MetadataDirective="REPLACE", Metadata={"b": "2"}, ContentType="text/plain")
        h = self.s3.head_object(Bucket=b2, Key="dst2")
        self.assertEqual(h["Metadata"], {"b": "2"})
        self.assertEqual(h["ContentType"], "text/plain")
        with self.assertRaises(ClientError) as c:
            self.s3.copy_object(Bucket=b, Key="src", CopySource={"Bucket": b, "Key": "src"})
        self.assertEqual(err_code(c), "InvalidRequest")
        self.s3.put_object_tagging(Bucket=b, Key="src", Tagging={"TagSet": [{"Key": "x", "Value": "y"}]})
        self.assertEqual(self.s3.get_object_tagging(Bucket=b, Key="src")["TagSet"], [{"Key": "x", "Value": "y"}])
        for i in range(5):
            self.s3.put_object(Bucket=b, Key=f"del/{i}", Body=b"x")
        r = self.s3.delete_objects(Bucket=b, Delete={"Objects": [{"Key": f"del/{i}"} for i in range(5)]})
        self.assertEqual(sorted(d["Key"] for d in r["Deleted"]), [f"del/{i}" for i in range(5)])
        self.assertNotIn("Contents", self.s3.list_objects_v2(Bucket=b, Prefix="del/"))
        self.s3.put_bucket_tagging(Bucket=b, Tagging={"TagSet": [{"Key": "dept", "Value": "radiology"}]})
        self.assertEqual(self.s3.get_bucket_tagging(Bucket=b)["TagSet"], [{"Key": "dept", "Value": "radiology"}])

    def test_delete_objects_whitespace_keys(self):
        # Keys are exact bytes in XML bodies too: " " and "\t" are keys, not "".
        b = self.bucket("delete-ws")
        keys = [" ", "  ", "\t", " lead", "trail "]
        for k in keys:
            self.s3.put_object(Bucket=b, Key=k, Body=k.encode())
        r = self.s3.delete_objects(Bucket=b, Delete={"Objects": [{"Key": k} for k in keys]})
        self.assertEqual(r.get("Errors", []), [])
        self.assertEqual(sorted(d["Key"] for d in r["Deleted"]), sorted(keys))
        self.assertNotIn("Contents", self.s3.list_objects_v2(Bucket=b))
        # Tag values are exact too.
        self.s3.put_object(Bucket=b, Key="t", Body=b"x")
        self.s3.put_object_tagging(Bucket=b, Key="t", Tagging={"TagSet": [{"Key": "k", "Value": " "}]})
        self.assertEqual(self.s3.get_object_tagging(Bucket=b, Key="t")["TagSet"],
                         [{"Key": "k", "Value": " "}])

    def test_listing(self):
        b = self.bucket("listing")
        keys = [f"studies/{s}/series/{i}.dcm" for s in ("a", "b") for i in range(3)] + ["top.txt"]
        for k in keys:
            self.s3.put_object(Bucket=b, Key=k, Body=b"d")
        r = self.s3.list_objects_v2(Bucket=b, Delimiter="/")
        self.assertEqual([p["Prefix"] for p in r["CommonPrefixes"]], ["studies/"])
        self.assertEqual([o["Key"] for o in r["Contents"]], ["top.txt"])
        r = self.s3.list_objects_v2(Bucket=b, Prefix="studies/", Delimiter="/")
        self.assertEqual([p["Prefix"] for p in r["CommonPrefixes"]], ["studies/a/", "studies/b/"])
        seen, token = [], None
        while True:
            kw = {"ContinuationToken": token} if token else {}
            r = self.s3.list_objects_v2(Bucket=b, MaxKeys=2, **kw)
            seen += [o["Key"] for o in r.get("Contents", [])]
            if not r["IsTruncated"]:
                break
            token = r["NextContinuationToken"]
        self.assertEqual(seen, sorted(keys))
        seen, marker = [], ""
        while True:
            r = self.s3.list_objects(Bucket=b, MaxKeys=3, Marker=marker)
            seen += [o["Key"] for o in r.get("Contents", [])]
            if not r["IsTruncated"]:
                break
            marker = r.get("NextMarker") or seen[-1]
        self.assertEqual(seen, sorted(keys))
        r = self.s3.list_objects_v2(Bucket=b, StartAfter="studies/b/series/1.dcm")
        self.assertEqual([o["Key"] for o in r["Contents"]], ["studies/b/series/2.dcm", "top.txt"])
        names = [x["Name"] for x in self.s3.list_buckets()["Buckets"]]
        self.assertIn(b, names)
        self.assertEqual(self.s3.get_bucket_location(Bucket=b)["LocationConstraint"], None)

    def test_malformed_xml_changes_nothing(self):
        b = self.bucket("malformed")
        self.s3.put_object(Bucket=b, Key="keep", Body=b"x")

        def raw_body(request, **kwargs):
            request.data = b"<Delete><Object><Key>keep</Key></Object"
            request.headers["Content-Length"] = str(len(request.data))
            if "Content-MD5" in request.headers:
                del request.headers["Content-MD5"]
        self.s3.meta.events.register_first("before-sign.s3.DeleteObjects", raw_body)
        try:
            with self.assertRaises(ClientError) as c:
                self.s3.delete_objects(Bucket=b, Delete={"Objects": [{"Key": "keep"}]})
            self.assertEqual(err_code(c), "MalformedXML")
        finally:
            self.s3.meta.events.unregister("before-sign.s3.DeleteObjects", raw_body)
        self.assertEqual(self.s3.get_object(Bucket=b, Key="keep")["Body"].read(), b"x")

    def test_cors(self):
        b = self.bucket("cors-bucket")
        self.s3.put_bucket_cors(Bucket=b, CORSConfiguration={"CORSRules": [{
            "AllowedOrigins": ["https://viewer.example"], "AllowedMethods": ["GET", "PUT"],
            "AllowedHeaders": ["*"], "ExposeHeaders": ["ETag"], "MaxAgeSeconds": 600}]})
        rules = self.s3.get_bucket_cors(Bucket=b)["CORSRules"]
        self.assertEqual(rules[0]["AllowedOrigins"], ["https://viewer.example"])
        req = urllib.request.Request(f"{self.server.endpoint}/{b}/x", method="OPTIONS", headers={
            "Origin": "https://viewer.example", "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "content-type"})
        with urllib.request.urlopen(req) as resp:
            self.assertEqual(resp.headers["Access-Control-Allow-Origin"], "https://viewer.example")
            self.assertIn("PUT", resp.headers["Access-Control-Allow-Methods"])
            self.assertEqual(resp.headers["Access-Control-Max-Age"], "600")
        req = urllib.request.Request(f"{self.server.endpoint}/{b}/x", method="OPTIONS", headers={
            "Origin": "https://evil.example", "Access-Control-Request-Method": "GET"})
        with self.assertRaises(urllib.error.HTTPError) as c:
            urllib.request.urlopen(req)
        self.assertEqual(c.exception.code, 403)
        self.s3.delete_bucket_cors(Bucket=b)
        with self.assertRaises(ClientError) as c:
            self.s3.get_bucket_cors(Bucket=b)
        self.assertEqual(err_code(c), "NoSuchCORSConfiguration")

    def test_append(self):
        b = self.bucket("append-bucket")
        import http.client
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials
        creds = Credentials(self.server.access_key, self.server.secret_key)

        def append(pos, data):
            url = f"{self.server.endpoint}/{b}/log?append&position={pos}"
            req = AWSRequest(method="POST", url=url, data=data,
                             headers={"x-amz-content-sha256": hashlib.sha256(data).hexdigest()})
            SigV4Auth(creds, "s3", "us-east-1").add_auth(req)
            conn = http.client.HTTPConnection("127.0.0.1", self.server.port)
            conn.request("POST", f"/{b}/log?append&position={pos}", body=data, headers=dict(req.headers))
            resp = conn.getresponse()
            out = (resp.status, resp.getheader("x-oss-next-append-position"), resp.read())
            conn.close()
            return out

        self.assertEqual(append(0, b"hello ")[:2], (200, "6"))
        self.assertEqual(append(6, b"world")[:2], (200, "11"))
        status, nxt, body = append(3, b"x")
        self.assertEqual((status, nxt), (409, "11"))
        self.assertIn(b"PositionNotEqualToLength", body)
        self.assertEqual(self.s3.get_object(Bucket=b, Key="log")["Body"].read(), b"hello world")

    def test_owner_isolation(self):
        b = self.bucket("owned-by-root")
        self.s3.put_object(Bucket=b, Key="secret.dcm", Body=b"phi")
        env = dict(os.environ, SKYARRAY_ROOT_ACCESS_KEY=self.server.access_key,
                   SKYARRAY_ROOT_SECRET_KEY=self.server.secret_key)
        admin = [os.environ["SKYARRAY_BIN"], "admin", "--endpoint", self.server.admin_endpoint, "--json"]
        out = subprocess.run(admin + ["user", "create", "alice"], env=env, capture_output=True, text=True)
        self.assertEqual(out.returncode, 0, out.stderr)
        out = subprocess.run(admin + ["key", "create", "alice"], env=env, capture_output=True, text=True)
        self.assertEqual(out.returncode, 0, out.stderr)
        import json
        key = json.loads(out.stdout)
        alice = boto3_client(self.server, access_key=key["access_key_id"], secret_key=key["secret_access_key"])
        self.assertEqual(alice.list_buckets()["Buckets"], [])
        with self.assertRaises(ClientError) as c:
            alice.get_object(Bucket=b, Key="secret.dcm")
        self.assertEqual(err_code(c), "AccessDenied")
        with self.assertRaises(ClientError) as c:
            alice.put_object(Bucket=b, Key="x", Body=b"y")
        self.assertEqual(err_code(c), "AccessDenied")
        alice.create_bucket(Bucket="alice-bucket")
        self.assertEqual([x["Name"] for x in alice.list_buckets()["Buckets"]], ["alice-bucket"])
        self.assertNotIn("alice-bucket", [x["Name"] for x in self.s3.list_buckets()["Buckets"]])


class S3RestartTest(unittest.TestCase):
    """Multipart uploads resume across a server restart; the cloud role serves S3 too."""

    def test_multipart_resumes_after_restart(self):
        with Server() as server:
            s3 = boto3_client(server)
            s3.create_bucket(Bucket="resume")
            uid = s3.create_multipart_upload(Bucket="resume", Key="big.dcm", StorageClass="STANDARD_IA")["UploadId"]
            p1 = os.urandom(5 * 1024 * 1024)
            e1 = s3.upload_part(Bucket="resume", Key="big.dcm", UploadId=uid, PartNumber=1, Body=p1)["ETag"]
            server.restart()
            s3 = boto3_client(server)
            parts = s3.list_parts(Bucket="resume", Key="big.dcm", UploadId=uid)["Parts"]
            self.assertEqual([(p["PartNumber"], p["ETag"]) for p in parts], [(1, e1)])
            p2 = os.urandom(100)
            e2 = s3.upload_part(Bucket="resume", Key="big.dcm", UploadId=uid, PartNumber=2, Body=p2)["ETag"]
            s3.complete_multipart_upload(Bucket="resume", Key="big.dcm", UploadId=uid, MultipartUpload={
                "Parts": [{"PartNumber": 1, "ETag": e1}, {"PartNumber": 2, "ETag": e2}]})
            g = s3.get_object(Bucket="resume", Key="big.dcm")
            self.assertEqual(g["Body"].read(), p1 + p2)
            self.assertEqual(g["StorageClass"], "STANDARD_IA")
            server.restart()
            self.assertEqual(boto3_client(server).get_object(Bucket="resume", Key="big.dcm")["Body"].read(), p1 + p2)

    def test_cloud_role(self):
        with Server(role="cloud") as server:
            s3 = boto3_client(server)
            s3.create_bucket(Bucket="cloud-bucket")
            s3.put_object(Bucket="cloud-bucket", Key="k", Body=b"in the cloud", StorageClass="GLACIER")
            h = s3.head_object(Bucket="cloud-bucket", Key="k")
            self.assertEqual(h["StorageClass"], "GLACIER")
            self.assertEqual(s3.get_object(Bucket="cloud-bucket", Key="k")["Body"].read(), b"in the cloud")
            with self.assertRaises(ClientError) as c:
                s3.put_object(Bucket="cloud-bucket", Key="k2", Body=b"x", StorageClass="FANCY")
            self.assertEqual(err_code(c), "InvalidStorageClass")


if __name__ == "__main__":
    unittest.main()
