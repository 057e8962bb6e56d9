"""Runs a test module in a network namespace of its own, for peers that
cannot be told to listen on loopback only (Orthanc binds every address):
in the namespace the only interface is its own loopback, so nothing the
test starts is reachable from outside. Needs root (the tests run as root)."""

import os
import sys

_MARK = "SKYARRAY_PRIVATE_NETWORK"


def enter_private_network(module_name):
    """Re-runs `python3 -m unittest -v module_name` (with the arguments
    given) inside `unshare --net`, with its loopback up. Returns at once
    when already inside."""
    if os.environ.get(_MARK) == "1":
        return
    os.environ[_MARK] = "1"
    sys.stdout.flush()
    sys.stderr.flush()
    module = module_name if module_name != "__main__" else \
        os.path.splitext(os.path.basename(sys.argv[0]))[0]
    os.execvp("unshare", ["unshare", "--net", "--", "sh", "-c",
                          'ip link set lo up && exec "$0" -m unittest -v "$1"',
                          sys.executable, module])
