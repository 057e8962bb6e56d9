"""Starts real skyarray servers on loopback for integration tests.

    with Server() as s:                 # array role, fresh temp data dir
        s.endpoint                      # "http://127.0.0.1:PORT"
        s.access_key, s.secret_key      # root credentials
        s.env()                         # env for awscli/boto3/rclone subprocesses
        s.restart() / s.kill9()         # durability tests

    with Server(dicom={"peers": [("STORESCU", "127.0.0.1", 11113)]}) as s:
        s.dicom_port                    # DIMSE listener on 127.0.0.1, AE SKYARRAY

The binary comes from $SKYARRAY_BIN (set by ctest). Each server gets a free
port pair (S3 on PORT, admin on PORT+1) and its own temporary directory,
removed on exit unless SKYARRAY_KEEP_DATA=1.
"""

import atexit
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

ROOT_ACCESS_KEY = "SKYROOTTESTKEY000001"
ROOT_SECRET_KEY = "skyroot-test-secret-0000000000000000000000"


def binary():
    path = os.environ.get("SKYARRAY_BIN")
    if not path or not os.path.exists(path):
        raise RuntimeError("SKYARRAY_BIN must point at the built skyarray binary")
    return path


def free_port_pair():
    """A port P such that P and P+1 are both free on 127.0.0.1."""
    for _ in range(200):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port >= 65535:
            continue
        try:
            with socket.socket() as s2:
                s2.bind(("127.0.0.1", port + 1))
            return port
        except OSError:
            continue
    raise RuntimeError("no free port pair")


def free_port():
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, timeout=30.0, proc=None):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before listening")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"port {port} not listening after {timeout}s")


# Servers this process made, for cleanup at exit: tests that start() and
# stop() by hand (restarts, kill -9) never pass through __exit__.
_servers = []


def _cleanup_servers():
    """Kills what is still running and removes the data directories and logs
    the harness created (kept with SKYARRAY_KEEP_DATA=1, for a post-mortem)."""
    for s in _servers:
        if s.proc is not None and s.proc.poll() is None:
            s.kill9()
        if os.environ.get("SKYARRAY_KEEP_DATA"):
            continue
        if s._own_dir:
            shutil.rmtree(s.data_dir, ignore_errors=True)
        try:
            os.unlink(s.log_path)
        except OSError:
            pass


atexit.register(_cleanup_servers)


class Server:
    def __init__(self, role="array", data_dir=None, config_text=None, extra_args=(),
                 access_key=ROOT_ACCESS_KEY, secret_key=ROOT_SECRET_KEY, env=None, nfs=False,
                 nfs_config="", dicom=None):
        """dicom: a dict that turns the DIMSE listener on, on a free loopback
        port: "peers" is a list of (ae_title, host, port) allowed to
        associate; any other item is a [dicom] key (bucket, duplicates...)."""
        _servers.append(self)
        # nfs=True: MOUNT + NFSv3 on a free loopback port ([nfs] listen);
        # nfs_config: more lines of the [nfs] section.
        self.nfs_port = free_port() if nfs else None
        self.nfs_config = nfs_config
        self.dicom = dicom
        self.dicom_port = free_port() if dicom is not None else None
        self.role = role
        self._own_dir = data_dir is None
        self.data_dir = data_dir or tempfile.mkdtemp(prefix=f"skyarray-{role}-")
        self.config_text = config_text
        self.extra_args = list(extra_args)
        self.access_key = access_key
        self.secret_key = secret_key
        self.extra_env = env or {}
        self.port = free_port_pair()
        self.admin_port = self.port + 1
        self.proc = None
        self.log_path = os.path.join(tempfile.gettempdir(),
                                     f"skyarray-{role}-{self.port}.log")

    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self.port}"

    @property
    def admin_endpoint(self):
        return f"http://127.0.0.1:{self.admin_port}"

    def metrics(self, token=None, timeout=10):
        """GET /metrics with the bearer token from <data>/metrics-token: (status, text)."""
        if token is None:
            with open(os.path.join(self.data_dir, "metrics-token")) as f:
                token = f.read().strip()
        req = urllib.request.Request(self.admin_endpoint + "/metrics")
        if token:
            req.add_header("Authorization", "Bearer " + token)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, r.read().decode(), r.headers
        except urllib.error.HTTPError as e:
            with e:
                return e.code, e.read().decode(), e.headers

    def nfs_url(self, share, path=""):
        """A libnfs URL (nfs-ls, nfs-cp, nfs-cat) for PATH in SHARE."""
        return (f"nfs://127.0.0.1/{share}/{path.lstrip('/')}"
                f"?nfsport={self.nfs_port}&mountport={self.nfs_port}&version=3")

    def dicom_config(self):
        """The [dicom] section for the `dicom` argument (empty without it)."""
        if self.dicom is None:
            return ""
        lines = ["[dicom]", f'listen = "127.0.0.1:{self.dicom_port}"', 'ae_title = "SKYARRAY"']
        for key, value in self.dicom.items():
            if key != "peers":
                lines.append(f"{key} = {value!r}" if not isinstance(value, str)
                             else f'{key} = "{value}"')
        for ae, host, port in self.dicom.get("peers", []):
            lines += ["[[dicom.peer]]", f'ae_title = "{ae}"', f'host = "{host}"', f"port = {port}"]
        return "\n".join(lines) + "\n"

    def command(self):
        cmd = [binary(), "serve", "--role", self.role, "--data", self.data_dir,
               "--listen", f"127.0.0.1:{self.port}"]
        text = self.config_text
        if self.nfs_port is not None:
            text = ((text or "") + f'\n[nfs]\nlisten = "127.0.0.1:{self.nfs_port}"\n' +
                    self.nfs_config + "\n")
        if self.dicom is not None:
            text = (text or "") + "\n" + self.dicom_config()
        if text is not None:
            path = os.path.join(self.data_dir, "skyarray-test.toml")
            with open(path, "w") as f:
                f.write(text)
            cmd += ["--config", path]
        return cmd + self.extra_args

    def start(self, timeout=60.0):
        env = dict(os.environ)
        if self.access_key:
            env["SKYARRAY_ROOT_ACCESS_KEY"] = self.access_key
            env["SKYARRAY_ROOT_SECRET_KEY"] = self.secret_key
        env.update(self.extra_env)
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.command(), env=env, stdout=log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        log.close()
        wait_for_port(self.port, timeout, self.proc)
        if self.nfs_port is not None:
            wait_for_port(self.nfs_port, timeout, self.proc)
        if self.dicom_port is not None:
            wait_for_port(self.dicom_port, timeout, self.proc)
        return self

    def stop(self, timeout=30.0):
        """SIGTERM and wait: a clean shutdown must finish in time and exit 0."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise RuntimeError("server did not shut down within %ss" % timeout)
        code = self.proc.returncode
        self.proc = None
        return code

    def kill9(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
        self.proc = None

    def restart(self):
        self.stop()
        return self.start()

    def log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    def env(self, region="us-east-1"):
        """Environment for AWS-style CLI clients pointed at this server."""
        env = dict(os.environ)
        env.update({
            "AWS_ACCESS_KEY_ID": self.access_key,
            "AWS_SECRET_ACCESS_KEY": self.secret_key,
            "AWS_DEFAULT_REGION": region,
            "AWS_REGION": region,
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_CONFIG_FILE": "/dev/null",
            "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
            "BOTO_DISABLE_CRT": "true",
        })
        return env

    def __enter__(self):
        return self.start()

    def __exit__(self, exc_type, exc, tb):
        try:
            if exc_type is not None:
                print(f"--- server log ({self.log_path}) ---\n{self.log()[-20000:]}")
            self.stop()
        finally:
            if self.proc is not None:
                self.kill9()
            if self._own_dir and not os.environ.get("SKYARRAY_KEEP_DATA"):
                shutil.rmtree(self.data_dir, ignore_errors=True)


def admin(server, *args, creds=None, check=True, timeout=300):
    """Runs `skyarray admin ARGS` against the server as an operator would,
    with the root key (or `creds` = (access, secret)) passed as flags."""
    access, secret = creds or (server.access_key, server.secret_key)
    env = dict(os.environ)
    env.pop("SKYARRAY_ROOT_ACCESS_KEY", None)
    env.pop("SKYARRAY_ROOT_SECRET_KEY", None)
    cmd = [binary(), "admin", "--endpoint", server.admin_endpoint,
           "--access-key", access, "--secret-key", secret, *args]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"{cmd} failed ({proc.returncode}): {proc.stderr}\n{proc.stdout}")
    return proc


def boto3_client(server, access_key=None, secret_key=None, **kwargs):
    """A boto3 S3 client for the server (root credentials unless given),
    path-style, with retries off so that errors surface as they are."""
    import boto3
    from botocore.config import Config
    cfg = Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1},
                 signature_version="s3v4")
    return boto3.client("s3", endpoint_url=server.endpoint,
                        aws_access_key_id=access_key or server.access_key,
                        aws_secret_access_key=secret_key or server.secret_key,
                        region_name="us-east-1", config=cfg, **kwargs)
