"""Files written over NFS reach the linked cloud bucket under the same keys,
with their POSIX attributes in the object metadata; a rename over NFS shows
up in the cloud as the new key and the old one's deletion.
"""

import os
import unittest

import nfs_rpc
from cloud_helpers import add_target, admin, wait_drained
from nfs_rpc import RpcClient
from skyarray_harness import Server, boto3_client

CONFIG = """
[cloud]
retry_base = "100ms"
retry_max = "2s"
poll_interval = "50ms"
"""


class NfsCloudTest(unittest.TestCase):
    def setUp(self):
        self.cloud = Server(role="cloud").start()
        self.array = Server(config_text=CONFIG, nfs=True).start()
        self.c = boto3_client(self.cloud)
        self.c.create_bucket(Bucket="offsite")
        boto3_client(self.array).create_bucket(Bucket="modality")
        add_target(self.array, self.cloud, "c1", "offsite")
        admin(self.array, "cloud", "link", "--bucket", "modality", "--target", "c1",
              "--mode", "sync")
        admin(self.array, "share", "create", "mod", "--bucket", "modality", "--clients",
              "127.0.0.1", "--no-squash")

    def tearDown(self):
        for s in (self.array, self.cloud):
            try:
                s.__exit__(None, None, None)
            except Exception:
                pass

    def cloud_keys(self):
        objs = self.c.list_objects_v2(Bucket="offsite").get("Contents", [])
        return {o["Key"] for o in objs if not o["Key"].startswith(".skyarray/")}

    def test_files_and_renames_reach_the_cloud(self):
        nfs = RpcClient(self.array.nfs_port, uid=1000, gid=1000)
        self.addCleanup(nfs.close)
        root_as_root = RpcClient(self.array.nfs_port)
        self.addCleanup(root_as_root.close)
        root = root_as_root.mount("/mod")
        st, d, _ = root_as_root.mkdir(root, "ct", mode=0o777)
        self.assertEqual(st, nfs_rpc.OK)
        st, fh, _ = nfs.create(d, "series-1.dcm", mode=0o640)
        self.assertEqual(st, nfs_rpc.OK)
        body = os.urandom(200000)
        self.assertEqual(nfs.write(fh, 0, body, nfs_rpc.UNSTABLE)[0], nfs_rpc.OK)
        self.assertEqual(nfs.commit(fh)[0], nfs_rpc.OK)
        st = wait_drained(self.array)
        self.assertEqual(st["errors"], 0, st)
        got = self.c.get_object(Bucket="offsite", Key="ct/series-1.dcm")
        self.assertEqual(got["Body"].read(), body)
        self.assertEqual(got["Metadata"]["file-permissions"], "0100640")
        self.assertEqual(got["Metadata"]["file-owner"], "1000")

        self.assertEqual(nfs.rename(d, "series-1.dcm", d, "series-renamed.dcm"), nfs_rpc.OK)
        wait_drained(self.array)
        keys = self.cloud_keys()
        self.assertIn("ct/series-renamed.dcm", keys)
        self.assertNotIn("ct/series-1.dcm", keys)
        got = self.c.get_object(Bucket="offsite", Key="ct/series-renamed.dcm")
        self.assertEqual(got["Body"].read(), body)

        # A directory with entries moves: the cloud gets every new key and
        # the deletion of every old one.
        st, sub, _ = nfs.mkdir(d, "series-2", mode=0o755)
        self.assertEqual(st, nfs_rpc.OK)
        for i in range(5):
            st, fh, _ = nfs.create(sub, f"img{i}.dcm", mode=0o640)
            self.assertEqual(st, nfs_rpc.OK)
            self.assertEqual(nfs.write(fh, 0, body[:1000 + i], nfs_rpc.FILE_SYNC)[0], nfs_rpc.OK)
        wait_drained(self.array)
        self.assertIn("ct/series-2/img4.dcm", self.cloud_keys())
        self.assertEqual(root_as_root.rename(root, "ct", root, "ct-archive"), nfs_rpc.OK)
        st = wait_drained(self.array)
        self.assertEqual(st["errors"], 0, st)
        keys = self.cloud_keys()
        self.assertEqual({k for k in keys if k.startswith("ct/")}, set())
        want = {"ct-archive/", "ct-archive/series-renamed.dcm", "ct-archive/series-2/"}
        want |= {f"ct-archive/series-2/img{i}.dcm" for i in range(5)}
        self.assertEqual({k for k in keys if k.startswith("ct-archive/")}, want)
        got = self.c.get_object(Bucket="offsite", Key="ct-archive/series-2/img3.dcm")
        self.assertEqual(got["Body"].read(), body[:1003])


if __name__ == "__main__":
    unittest.main()
