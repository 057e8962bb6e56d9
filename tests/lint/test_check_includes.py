"""scripts/check-includes passes a tree that follows its table and fails,
naming the file and line, on an include the table does not allow."""
import os
import subprocess
import tempfile
import unittest

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts",
                      "check-includes")


def write(root, rel, text):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


class CheckIncludesTest(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp()
        write(self.root, "src/LAYERS",
              "# test table\ncommon:\nstore: common\nservices/objects: common store\n"
              "services/cloud: common services/objects\n")
        write(self.root, "src/common/status.h", "#pragma once\n#include <string>\n")
        write(self.root, "src/store/blob.h", '#pragma once\n#include "common/status.h"\n')
        write(self.root, "src/services/objects/svc.h", '#include "store/blob.h"\n')
        write(self.root, "src/services/cloud/sync.cc", '#include "services/objects/svc.h"\n')

    def run_check(self):
        return subprocess.run([SCRIPT, self.root], capture_output=True, text=True)

    def test_a_tree_that_follows_the_table_passes(self):
        result = self.run_check()
        self.assertEqual(result.returncode, 0, result.stdout)
        self.assertIn("4 files follow src/LAYERS", result.stdout)

    def test_an_upward_include_fails(self):
        write(self.root, "src/common/bad.cc", '#include "common/status.h"\n#include "store/blob.h"\n')
        result = self.run_check()
        self.assertEqual(result.returncode, 1)
        self.assertIn("src/common/bad.cc:2: 'common' may not include \"store/blob.h\"", result.stdout)

    def test_a_sibling_include_outside_the_table_fails(self):
        write(self.root, "src/services/objects/hook.cc", '#include "services/cloud/sync.h"\n')
        write(self.root, "src/services/cloud/sync.h", "#pragma once\n")
        result = self.run_check()
        self.assertEqual(result.returncode, 1)
        self.assertIn("'services/objects' may not include \"services/cloud/sync.h\"", result.stdout)

    def test_a_folder_missing_from_the_table_fails(self):
        write(self.root, "src/protocols/nfs/server.cc", '#include "common/status.h"\n')
        result = self.run_check()
        self.assertEqual(result.returncode, 1)
        self.assertIn("folder 'protocols/nfs' has no line in src/LAYERS", result.stdout)


if __name__ == "__main__":
    unittest.main()
