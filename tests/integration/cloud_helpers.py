"""Helpers for the cloud tier tests: the admin CLI, waiting for the upload
backlog to drain, and a counting S3 proxy between an array and its cloud."""

import http.client
import http.server
import json
import threading
import time
import urllib.parse

from skyarray_harness import admin  # noqa: F401  (re-exported for the cloud tests)


def add_target(array, cloud, name, bucket, endpoint=None, *extra):
    return admin(array, "cloud", "add", name, "--url", endpoint or cloud.endpoint,
                 "--bucket", bucket, "--cloud-access-key", cloud.access_key,
                 "--cloud-secret-key", cloud.secret_key, *extra)


def status(array):
    return json.loads(admin(array, "--json", "cloud", "status").stdout)


def wait_drained(array, timeout=120):
    deadline = time.time() + timeout
    st = None
    while time.time() < deadline:
        st = status(array)
        if st["backlog_objects"] == 0:
            return st
        time.sleep(0.2)
    raise AssertionError(f"backlog did not drain in {timeout}s: {st}")


class CountingProxy:
    """A plain HTTP/1.1 forwarder that records every request (method, path,
    query) it passes to the upstream S3 endpoint. The Host header is passed
    through, so SigV4 signatures made for the proxy address stay valid."""

    def __init__(self, upstream_port):
        self.upstream_port = upstream_port
        self.requests = []
        self.lock = threading.Lock()
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def _forward(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parsed = urllib.parse.urlsplit(self.path)
                with proxy.lock:
                    proxy.requests.append((self.command, parsed.path,
                                           urllib.parse.parse_qs(parsed.query,
                                                                 keep_blank_values=True)))
                try:
                    conn = http.client.HTTPConnection("127.0.0.1", proxy.upstream_port,
                                                      timeout=120)
                    headers = {k: v for k, v in self.headers.items()}
                    conn.request(self.command, self.path, body=body, headers=headers)
                    res = conn.getresponse()
                    data = res.read()
                except OSError:
                    self.send_response(503)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                conn.close()
                try:
                    self.send_response(res.status)
                    for k, v in res.getheaders():
                        if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                            self.send_header(k, v)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(data)
                except OSError:
                    pass  # the client went away (killed mid-request)

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _forward

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self.port}"

    def part_puts(self, key_suffix):
        with self.lock:
            return [(p, int(q["partNumber"][0])) for (m, p, q) in self.requests
                    if m == "PUT" and "partNumber" in q and p.endswith(key_suffix)]

    def close(self):
        self.server.shutdown()
        self.server.server_close()
