"""One writer, many readers: array A syncs bucket `pacs` to cloud C and
appends a change journal there; array B has a `subscribe` link to the same
cloud location and sees A's new, changed and deleted objects within 10 s.
Writes to B's mirror are refused."""

import time
import unittest

import botocore.exceptions

from cloud_helpers import add_target, admin
from skyarray_harness import Server, boto3_client

CONFIG = """
[cloud]
poll_interval = "50ms"
journal_interval = "200ms"
retry_base = "100ms"
retry_max = "1s"
"""


def wait_for(pred, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return time.time()
        time.sleep(0.1)
    return None


class CloudSubscribeTest(unittest.TestCase):
    def setUp(self):
        self.cloud = Server(role="cloud").start()
        self.a_srv = Server(config_text=CONFIG).start()
        self.b_srv = Server(config_text=CONFIG).start()
        self.c = boto3_client(self.cloud)
        self.a = boto3_client(self.a_srv)
        self.b = boto3_client(self.b_srv)
        self.c.create_bucket(Bucket="shared")

    def tearDown(self):
        for s in (self.b_srv, self.a_srv, self.cloud):
            try:
                s.__exit__(None, None, None)
            except Exception:
                pass

    def keys(self, client, bucket):
        out = client.list_objects_v2(Bucket=bucket)
        return {o["Key"]: o["Size"] for o in out.get("Contents", [])}

    def test_reader_follows_writer_within_seconds(self):
        self.a.create_bucket(Bucket="pacs")
        self.a.put_object(Bucket="pacs", Key="old/study.dcm", Body=b"before the reader")
        add_target(self.a_srv, self.cloud, "hq", "shared", None, "--prefix", "h1/")
        admin(self.a_srv, "cloud", "link", "--bucket", "pacs", "--target", "hq")

        self.b.create_bucket(Bucket="pacs")
        add_target(self.b_srv, self.cloud, "hq", "shared", None, "--prefix", "h1/")
        admin(self.b_srv, "cloud", "link", "--bucket", "pacs", "--target", "hq",
              "--mode", "subscribe")
        # What was there before the subscription is imported.
        self.assertIsNotNone(wait_for(lambda: "old/study.dcm" in self.keys(self.b, "pacs")))

        t0 = time.time()
        for i in range(5):
            self.a.put_object(Bucket="pacs", Key=f"new/{i}.dcm", Body=b"x" * (1000 + i),
                              ContentType="application/dicom", Metadata={"i": str(i)})
        seen = wait_for(lambda: len([k for k in self.keys(self.b, "pacs")
                                     if k.startswith("new/")]) == 5)
        self.assertIsNotNone(seen, "B did not see A's objects within 10 s")
        print(f"\nA→C→B visibility: {seen - t0:.2f} s for 5 objects")
        got = self.b.get_object(Bucket="pacs", Key="new/3.dcm")
        self.assertEqual(got["Body"].read(), b"x" * 1003)
        self.assertEqual(got["ContentType"], "application/dicom")
        self.assertEqual(got["Metadata"], {"i": "3"})

        # Changes and deletes follow.
        self.a.put_object(Bucket="pacs", Key="new/3.dcm", Body=b"amended")
        self.a.delete_object(Bucket="pacs", Key="new/0.dcm")
        self.assertIsNotNone(wait_for(
            lambda: "new/0.dcm" not in self.keys(self.b, "pacs")
            and self.keys(self.b, "pacs").get("new/3.dcm") == len(b"amended")))
        self.assertEqual(self.b.get_object(Bucket="pacs", Key="new/3.dcm")["Body"].read(),
                         b"amended")

        # The mirror is read-only for clients.
        with self.assertRaises(botocore.exceptions.ClientError) as err:
            self.b.put_object(Bucket="pacs", Key="new/9.dcm", Body=b"no")
        self.assertEqual(err.exception.response["Error"]["Code"], "AccessDenied")
        self.assertIn("read-only", err.exception.response["Error"]["Message"])
        with self.assertRaises(botocore.exceptions.ClientError):
            self.b.delete_object(Bucket="pacs", Key="new/1.dcm")

        # The journal lives under the private prefix of the cloud bucket.
        journal = self.c.list_objects_v2(Bucket="shared", Prefix="h1/.skyarray/journal/")
        self.assertGreater(journal["KeyCount"], 0)


if __name__ == "__main__":
    unittest.main()
