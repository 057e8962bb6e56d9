"""ListObjectVersions markers are positions, not references (boto3 1.26).

Clients that empty a versioned bucket list a page, delete every version it
listed, then ask for the next page with KeyMarker/VersionIdMarker naming a
version that no longer exists. S3 lists from that position; so must we."""

import os
import sys
import unittest

from botocore.exceptions import ClientError

sys.path.insert(0, os.path.dirname(__file__))
from skyarray_harness import Server, boto3_client  # noqa: E402

KEYS = ["a", "b/1", "b/2", "c"]


class VersionMarkerTest(unittest.TestCase):
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

    def fill(self, bucket):
        """Per key: a null version (written while suspended), two versions;
        plus a delete marker on "c". Returns every (key, version id), in
        listing order."""
        self.s3.put_bucket_versioning(Bucket=bucket,
                                      VersioningConfiguration={"Status": "Suspended"})
        for k in KEYS:
            self.s3.put_object(Bucket=bucket, Key=k, Body=b"null " + k.encode())
        self.s3.put_bucket_versioning(Bucket=bucket,
                                      VersioningConfiguration={"Status": "Enabled"})
        for v in range(2):
            for k in KEYS:
                self.s3.put_object(Bucket=bucket, Key=k, Body=f"v{v} {k}".encode())
        self.s3.delete_object(Bucket=bucket, Key="c")
        return self.all_versions(bucket)

    def all_versions(self, bucket):
        """Listing order (by key, newest first). boto3 splits versions and
        delete markers into two lists, so one entry per page keeps the order;
        the markers all name existing versions here."""
        out, kw = [], {}
        for _ in range(100):
            r, listed = self.page(bucket, MaxKeys=1, **kw)
            out += listed
            if not r["IsTruncated"]:
                return out
            kw = {"KeyMarker": r["NextKeyMarker"], "VersionIdMarker": r["NextVersionIdMarker"]}
        self.fail("listing did not end")

    def page(self, bucket, **kw):
        r = self.s3.list_object_versions(Bucket=bucket, **kw)
        listed = [(e["Key"], e["VersionId"]) for e in r.get("Versions", [])]
        listed += [(e["Key"], e["VersionId"]) for e in r.get("DeleteMarkers", [])]
        return r, listed

    def test_empty_bucket_page_by_page(self):
        for max_keys in (1, 2, 3):
            b = f"vm-empty-{max_keys}"
            self.s3.create_bucket(Bucket=b)
            expected = self.fill(b)
            self.assertEqual(len(expected), 13)
            seen = []
            kw = {}
            for _ in range(100):
                r, listed = self.page(b, MaxKeys=max_keys, **kw)
                self.assertLessEqual(len(listed), max_keys)
                seen += listed
                for key, vid in listed:
                    self.s3.delete_object(Bucket=b, Key=key, VersionId=vid)
                if not r["IsTruncated"]:
                    break
                kw = {"KeyMarker": r["NextKeyMarker"],
                      "VersionIdMarker": r["NextVersionIdMarker"]}
            self.assertEqual(sorted(seen), sorted(expected), f"MaxKeys={max_keys}")
            self.assertEqual(len(seen), len(set(seen)), f"MaxKeys={max_keys}: listed twice")
            self.assertEqual(self.all_versions(b), [])
            self.s3.delete_bucket(Bucket=b)

    def test_markers_naming_absent_versions(self):
        b = "vm-positions"
        self.s3.create_bucket(Bucket=b)
        expected = self.fill(b)

        def after(key_marker, version_marker):
            r, listed = self.page(b, KeyMarker=key_marker, VersionIdMarker=version_marker)
            self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 200)
            return sorted(listed)

        def tail(i):
            return sorted(expected[i + 1:])

        # expected: a v1 v0 null, b/1 v1 v0 null, b/2 ..., c marker v1 v0 null.
        self.assertEqual(expected[2], ("a", "null"))
        a_v0 = expected[1][1]
        self.assertEqual(after("a", a_v0), tail(1))
        self.s3.delete_object(Bucket=b, Key="a", VersionId=a_v0)
        expected = self.all_versions(b)
        self.assertEqual(after("a", a_v0), tail(0))  # from a's null version on
        # "null" while b/1 has one, then after it is deleted.
        self.assertEqual(expected[4], ("b/1", "null"))
        self.assertEqual(after("b/1", "null"), tail(4))
        self.s3.delete_object(Bucket=b, Key="b/1", VersionId="null")
        expected = self.all_versions(b)
        self.assertEqual(after("b/1", "null"), tail(1))  # from b/1's first version
        # A key that never existed lists from its position.
        self.assertEqual(expected[4][0], "b/2")
        self.assertEqual(after("b/10", "null"), tail(3))
        self.assertEqual(after("b/10", "0123456789abcdef"), tail(3))
        # A version id that is not one: 400, as S3 answers.
        with self.assertRaises(ClientError) as c:
            self.s3.list_object_versions(Bucket=b, KeyMarker="a", VersionIdMarker="nope")
        self.assertEqual(c.exception.response["Error"]["Code"], "InvalidArgument")


if __name__ == "__main__":
    unittest.main()
