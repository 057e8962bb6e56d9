"""Runs a test module in a network namespace of its own, for peers that
cannot be told to listen on loopback only (Orthanc binds every address):
in the namespace the only interface is its own loopback, so nothing the
test starts is reachable from outside. Needs root (the tests run as root)."""

import os
import sys

_MARK = "SKYARRAY_PRIVATE_NETWORK"


def enter_private_network(module_name, script=None):
    """Re-runs this process inside `unshare --net`, with its loopback up:
    `python3 script ARGS...` when `script` is given (a program), else
    `python3 -m unittest -v module_name` (a test module). Returns at once
    when already inside."""
    if os.environ.get(_MARK) == "1":
        return
    os.environ[_MARK] = "1"
    sys.stdout.flush()
    sys.stderr.flush()
    if script is not None:
        command = [sys.executable, script, *sys.argv[1:]]
    else:
        command = [sys.executable, "-m", "unittest", "-v", module_name]
    os.execvp("unshare", ["unshare", "--net", "--", "sh", "-c",
                          'ip link set lo up && exec "$@"', "sh", *command])
