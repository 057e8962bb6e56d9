"""File shares managed with `skyarray admin share`: create, list, show, set,
remove, refusals, and that shares survive a restart (they live in metadata).
"""

import json
import unittest

from skyarray_harness import Server, admin, boto3_client


class FileSharesAdminTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server().start()
        boto3_client(cls.server).create_bucket(Bucket="modality-data")

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def shares(self):
        out = admin(self.server, "--json", "share", "list").stdout
        return {s["name"]: s for s in json.loads(out)["shares"]}

    def test_share_lifecycle(self):
        made = json.loads(admin(
            self.server, "--json", "share", "create", "ct", "--bucket", "modality-data",
            "--prefix", "ct/", "--protocols", "nfs", "--clients", "127.0.0.0/8,10.0.0.0/8",
            "--all-squash", "--anon-uid", "1500", "--anon-gid", "1600").stdout)
        self.assertEqual(made["bucket"], "modality-data")
        self.assertEqual(made["prefix"], "ct/")
        self.assertEqual(made["clients"], ["127.0.0.0/8", "10.0.0.0/8"])
        self.assertEqual(made["squash"], "all")
        self.assertEqual((made["anon_uid"], made["anon_gid"]), (1500, 1600))
        self.assertFalse(made["read_only"])
        self.assertIn("ct", admin(self.server, "share", "list").stdout)

        changed = json.loads(admin(self.server, "--json", "share", "set", "ct", "--ro",
                                   "--root-squash").stdout)
        self.assertTrue(changed["read_only"])
        self.assertEqual(changed["squash"], "root")
        self.assertEqual(changed["clients"], ["127.0.0.0/8", "10.0.0.0/8"], "unchanged when not given")

        self.server.restart()
        share = self.shares()["ct"]
        self.assertTrue(share["read_only"])
        self.assertEqual(share["id"], made["id"])
        shown = json.loads(admin(self.server, "--json", "share", "show", "ct").stdout)
        self.assertEqual(shown["prefix"], "ct/")

        admin(self.server, "share", "set", "ct", "--rw")
        self.assertFalse(self.shares()["ct"]["read_only"])
        admin(self.server, "share", "remove", "ct")
        self.assertNotIn("ct", self.shares())
        # The bucket and its objects are untouched by a share's removal.
        boto3_client(self.server).head_bucket(Bucket="modality-data")

    def test_refusals(self):
        missing = admin(self.server, "share", "create", "x", "--bucket", "no-such-bucket",
                        "--clients", "127.0.0.1", check=False)
        self.assertNotEqual(missing.returncode, 0)
        self.assertIn("BucketNotFound", missing.stderr)
        bad = admin(self.server, "share", "create", "bad/name", "--bucket", "modality-data",
                    "--clients", "127.0.0.1", check=False)
        self.assertNotEqual(bad.returncode, 0)
        no_clients = admin(self.server, "share", "create", "open", "--bucket", "modality-data",
                           check=False)
        self.assertNotEqual(no_clients.returncode, 0)
        bad_cidr = admin(self.server, "share", "create", "y", "--bucket", "modality-data",
                         "--clients", "10.0.0.0/40", check=False)
        self.assertNotEqual(bad_cidr.returncode, 0)
        admin(self.server, "share", "create", "dup", "--bucket", "modality-data",
              "--clients", "127.0.0.1")
        dup = admin(self.server, "share", "create", "dup", "--bucket", "modality-data",
                    "--clients", "127.0.0.1", check=False)
        self.assertIn("AlreadyExists", dup.stderr)
        gone = admin(self.server, "share", "remove", "never-made", check=False)
        self.assertIn("NotFound", gone.stderr)


if __name__ == "__main__":
    unittest.main()
