"""The HTTP layer under the S3 API, on raw sockets: keep-alive, pipelining,
Expect: 100-continue, chunked transfer coding, header limits, idle and slow
clients, truncated uploads (nothing half-visible), many connections, and
graceful shutdown with connections open."""

import hashlib
import os
import socket
import sys
import time
import unittest

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

sys.path.insert(0, os.path.dirname(__file__))
from skyarray_harness import Server, boto3_client  # noqa: E402

CONFIG = "[s3]\nidle_timeout = \"2s\"\nio_timeout = \"2s\"\nmax_put_size = \"1MiB\"\n"


class RawClient:
    def __init__(self, server):
        self.server = server
        self.creds = Credentials(server.access_key, server.secret_key)

    def signed_head(self, method, path, body=b"", headers=None, payload=None, content_length=True):
        headers = dict(headers or {})
        headers["x-amz-content-sha256"] = payload or hashlib.sha256(body).hexdigest()
        req = AWSRequest(method=method, url=f"{self.server.endpoint}{path}", data=b"", headers=headers)
        SigV4Auth(self.creds, "s3", "us-east-1").add_auth(req)
        lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{self.server.port}"]
        for k, v in req.headers.items():
            if k.lower() != "host":
                lines.append(f"{k}: {v}")
        if content_length:
            lines.append(f"Content-Length: {len(body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode()

    def connect(self):
        s = socket.create_connection(("127.0.0.1", self.server.port), timeout=10)
        return s


def read_response(sock, buf=b"", head_request=False):
    """Reads one HTTP response (Content-Length framed); returns (status, headers, body, rest)."""
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"closed before a full response head: {buf!r}")
        buf += chunk
    head, _, rest = buf.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    n = 0 if head_request else int(headers.get("content-length", "0"))
    while len(rest) < n:
        chunk = sock.recv(65536)
        if not chunk:
            break
        rest += chunk
    return status, headers, rest[:n], rest[n:]


def closed(sock, timeout):
    sock.settimeout(timeout)
    try:
        return sock.recv(1) == b""
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False


class S3HttpTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server(config_text=CONFIG).start()
        cls.s3 = boto3_client(cls.server)
        cls.s3.create_bucket(Bucket="http-bucket")
        cls.s3.put_object(Bucket="http-bucket", Key="k", Body=b"hello")
        cls.raw = RawClient(cls.server)

    @classmethod
    def tearDownClass(cls):
        code = cls.server.stop()
        assert code == 0, f"server exit code {code}\n{cls.server.log()[-3000:]}"

    def test_keep_alive_and_pipelining(self):
        s = self.raw.connect()
        s.sendall(self.raw.signed_head("GET", "/http-bucket/k"))
        status, h, body, rest = read_response(s)
        self.assertEqual((status, body), (200, b"hello"))
        self.assertEqual(h["connection"], "keep-alive")
        self.assertTrue(h["x-amz-request-id"])
        first_id = h["x-amz-request-id"]
        # Three pipelined requests in one write are answered in order.
        s.sendall(self.raw.signed_head("GET", "/http-bucket/k") + self.raw.signed_head("HEAD", "/http-bucket/k")
                  + self.raw.signed_head("GET", "/http-bucket/missing"))
        status, h, body, rest = read_response(s, rest)
        self.assertEqual((status, body), (200, b"hello"))
        self.assertNotEqual(h["x-amz-request-id"], first_id)
        status, h, _, rest = read_response(s, rest, head_request=True)  # length announced, no body
        self.assertEqual((status, h["content-length"]), (200, "5"))
        status, h, body, rest = read_response(s, rest)
        self.assertEqual(status, 404)
        self.assertIn(b"<Code>NoSuchKey</Code>", body)
        s.close()

    def test_expect_100_continue(self):
        body = os.urandom(100_000)
        s = self.raw.connect()
        s.sendall(self.raw.signed_head("PUT", "/http-bucket/expect", body, {"Expect": "100-continue"}))
        interim = s.recv(4096)
        self.assertTrue(interim.startswith(b"HTTP/1.1 100 Continue"), interim)
        s.sendall(body)
        status, h, _, _ = read_response(s, interim.partition(b"\r\n\r\n")[2])
        self.assertEqual(status, 200)
        self.assertEqual(h["etag"], f'"{hashlib.md5(body).hexdigest()}"')
        s.close()
        # Refused on its headers: no 100 Continue, a 403, and the body is never read.
        s = self.raw.connect()
        head = self.raw.signed_head("PUT", "/http-bucket/expect2", body, {"Expect": "100-continue"})
        head = head.replace(b"Signature=", b"Signature=0")
        s.sendall(head)
        status, h, resp, _ = read_response(s)
        self.assertEqual(status, 403)
        self.assertIn(b"SignatureDoesNotMatch", resp)
        self.assertEqual(h["connection"], "close")
        s.close()
        self.assertEqual(self.s3.list_objects_v2(Bucket="http-bucket", Prefix="expect2")["KeyCount"], 0)

    def test_chunked_transfer_encoding(self):
        body = b"".join(os.urandom(1000) for _ in range(50))
        s = self.raw.connect()
        head = self.raw.signed_head("PUT", "/http-bucket/chunked", payload="UNSIGNED-PAYLOAD",
                                    content_length=False)
        framed = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + 7000]), body[i:i + 7000])
                          for i in range(0, len(body), 7000)) + b"0\r\n\r\n"
        s.sendall(head[:-2] + b"Transfer-Encoding: chunked\r\n\r\n" + framed)
        status, _, resp, _ = read_response(s)
        self.assertEqual(status, 200, resp)
        s.close()
        self.assertEqual(self.s3.get_object(Bucket="http-bucket", Key="chunked")["Body"].read(), body)

    def streaming_put(self, key, body, trailer=None, tamper=False):
        """PUT with STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]: seed signature
        from botocore, chunk (and trailer) signatures computed here."""
        import datetime
        import hmac
        chunk = 64 * 1024
        pieces = [body[i:i + chunk] for i in range(0, len(body), chunk)] + [b""]
        mode = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD" + ("-TRAILER" if trailer else "")
        headers = {"x-amz-content-sha256": mode, "Content-Encoding": "aws-chunked",
                   "x-amz-decoded-content-length": str(len(body))}
        if trailer:
            headers["x-amz-trailer"] = trailer[0]
        req = AWSRequest(method="PUT", url=f"{self.server.endpoint}/http-bucket/{key}", data=b"", headers=headers)
        SigV4Auth(self.raw.creds, "s3", "us-east-1").add_auth(req)
        amz_date = req.headers["X-Amz-Date"]
        seed = req.headers["Authorization"].rsplit("Signature=", 1)[1]
        scope = f"{amz_date[:8]}/us-east-1/s3/aws4_request"

        def h(k, m):
            return hmac.new(k, m.encode(), hashlib.sha256).digest()
        key_bytes = h(h(h(h(("AWS4" + self.server.secret_key).encode(), amz_date[:8]), "us-east-1"), "s3"),
                      "aws4_request")
        prev, framed = seed, b""
        empty = hashlib.sha256(b"").hexdigest()
        for i, p in enumerate(pieces):
            sts = "\n".join(["AWS4-HMAC-SHA256-PAYLOAD", amz_date, scope, prev, empty,
                             hashlib.sha256(p).hexdigest()])
            sig = hmac.new(key_bytes, sts.encode(), hashlib.sha256).hexdigest()
            data = p
            if tamper and i == 0:
                data = bytes([p[0] ^ 1]) + p[1:]
            framed += b"%x;chunk-signature=%s\r\n%s\r\n" % (len(p), sig.encode(), data)
            prev = sig
        if trailer:
            framed = framed[:-2]  # the last chunk's CRLF is followed by the trailer
            canon = f"{trailer[0]}:{trailer[1]}\n"
            sts = "\n".join(["AWS4-HMAC-SHA256-TRAILER", amz_date, scope, prev,
                             hashlib.sha256(canon.encode()).hexdigest()])
            tsig = hmac.new(key_bytes, sts.encode(), hashlib.sha256).hexdigest()
            framed += f"{trailer[0]}:{trailer[1]}\r\nx-amz-trailer-signature:{tsig}\r\n\r\n".encode()
        lines = [f"PUT /http-bucket/{key} HTTP/1.1", f"Host: 127.0.0.1:{self.server.port}",
                 f"Content-Length: {len(framed)}"]
        lines += [f"{k}: {v}" for k, v in req.headers.items() if k.lower() != "host"]
        s = self.raw.connect()
        s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + framed)
        status, headers, resp, _ = read_response(s)
        s.close()
        return status, headers, resp

    def test_signed_streaming_uploads(self):
        import base64
        import zlib
        body = os.urandom(200_000)
        status, h, resp = self.streaming_put("signed-chunks", body)
        self.assertEqual(status, 200, resp)
        self.assertEqual(h["etag"], f'"{hashlib.md5(body).hexdigest()}"')
        self.assertEqual(self.s3.get_object(Bucket="http-bucket", Key="signed-chunks")["Body"].read(), body)
        crc = base64.b64encode(zlib.crc32(body).to_bytes(4, "big")).decode()
        status, h, resp = self.streaming_put("signed-trailer", body, trailer=("x-amz-checksum-crc32", crc))
        self.assertEqual(status, 200, resp)
        self.assertEqual(h["x-amz-checksum-crc32"], crc)
        bad = base64.b64encode((zlib.crc32(body) ^ 1).to_bytes(4, "big")).decode()
        status, _, resp = self.streaming_put("bad-trailer", body, trailer=("x-amz-checksum-crc32", bad))
        self.assertEqual(status, 400)
        self.assertIn(b"BadDigest", resp)
        status, _, resp = self.streaming_put("tampered", body, tamper=True)
        self.assertEqual(status, 403)
        self.assertIn(b"SignatureDoesNotMatch", resp)
        keys = [o["Key"] for o in self.s3.list_objects_v2(Bucket="http-bucket").get("Contents", [])]
        self.assertNotIn("bad-trailer", keys)
        self.assertNotIn("tampered", keys)

    def test_oversized_bodies_are_refused(self):
        body = os.urandom(2 * 1024 * 1024)
        s = self.raw.connect()
        s.sendall(self.raw.signed_head("PUT", "/http-bucket/too-big", body, {"Expect": "100-continue"}))
        status, h, resp, _ = read_response(s)
        self.assertEqual(status, 400)
        self.assertIn(b"<Code>EntityTooLarge</Code>", resp)
        s.close()
        # A chunked body with no announced length is cut off at the limit.
        s = self.raw.connect()
        head = self.raw.signed_head("PUT", "/http-bucket/too-big", payload="UNSIGNED-PAYLOAD", content_length=False)
        s.sendall(head[:-2] + b"Transfer-Encoding: chunked\r\n\r\n")
        try:
            for i in range(0, len(body), 65536):
                s.sendall(b"10000\r\n" + body[i:i + 65536] + b"\r\n")
            s.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        status, _, resp, _ = read_response(s)
        self.assertEqual(status, 400)
        self.assertIn(b"EntityTooLarge", resp)
        s.close()
        self.assertEqual(self.s3.list_objects_v2(Bucket="http-bucket", Prefix="too-big")["KeyCount"], 0)

    def test_streaming_chunk_past_the_limit_is_refused_at_once(self):
        """A signed aws-chunked upload announcing a chunk larger than
        max_put_size (1 MiB here) is answered when the chunk's size line
        arrives, not after io_timeout (2 s here) while the client waits."""
        import hmac
        big = os.urandom(2 * 1024 * 1024)
        # Past max_put_size; past x-amz-decoded-content-length (within max_put_size).
        for chunk, declared, code in [(big, None, b"EntityTooLarge"),
                                      (big[:512 * 1024], 1000, b"InvalidArgument")]:
            headers = {"x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
                       "Content-Encoding": "aws-chunked"}
            if declared is not None:
                headers["x-amz-decoded-content-length"] = str(declared)
            req = AWSRequest(method="PUT", url=f"{self.server.endpoint}/http-bucket/big-chunk",
                             data=b"", headers=headers)
            SigV4Auth(self.raw.creds, "s3", "us-east-1").add_auth(req)
            amz_date = req.headers["X-Amz-Date"]
            seed = req.headers["Authorization"].rsplit("Signature=", 1)[1]
            scope = f"{amz_date[:8]}/us-east-1/s3/aws4_request"

            def h(k, m):
                return hmac.new(k, m.encode(), hashlib.sha256).digest()
            key = h(h(h(h(("AWS4" + self.server.secret_key).encode(), amz_date[:8]), "us-east-1"),
                        "s3"), "aws4_request")
            sts = "\n".join(["AWS4-HMAC-SHA256-PAYLOAD", amz_date, scope, seed,
                             hashlib.sha256(b"").hexdigest(), hashlib.sha256(chunk).hexdigest()])
            sig = hmac.new(key, sts.encode(), hashlib.sha256).hexdigest()
            framed_len = len(b"%x;chunk-signature=%s\r\n" % (len(chunk), sig.encode())) + len(chunk) + 2
            lines = ["PUT /http-bucket/big-chunk HTTP/1.1", f"Host: 127.0.0.1:{self.server.port}",
                     f"Content-Length: {framed_len + 86}"]
            lines += [f"{k}: {v}" for k, v in req.headers.items() if k.lower() != "host"]
            s = self.raw.connect()
            start = time.monotonic()
            # The head, the chunk's size line and a little of its data; then
            # the client waits for an answer.
            s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() +
                      b"%x;chunk-signature=%s\r\n" % (len(chunk), sig.encode()) + chunk[:1000])
            s.settimeout(10)
            status, _, resp, _ = read_response(s)
            elapsed = time.monotonic() - start
            s.close()
            self.assertEqual(status, 400, resp)
            self.assertIn(b"<Code>" + code + b"</Code>", resp)
            self.assertLess(elapsed, 1.5, "answered only after the I/O timeout")
        self.assertEqual(self.s3.list_objects_v2(Bucket="http-bucket", Prefix="big-chunk")["KeyCount"], 0)

    def test_header_limit(self):
        s = self.raw.connect()
        s.sendall(b"GET /http-bucket/k HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n")
        status, h, body, _ = read_response(s)
        self.assertEqual(status, 431)
        self.assertIn(b"RequestHeaderSectionTooLarge", body)
        s.close()
        s = self.raw.connect()
        s.sendall(b"NOT HTTP AT ALL\r\n\r\n")
        status, _, _, _ = read_response(s)
        self.assertEqual(status, 400)
        s.close()

    def test_truncated_upload_leaves_nothing(self):
        body = os.urandom(1_000_000)
        s = self.raw.connect()
        s.sendall(self.raw.signed_head("PUT", "/http-bucket/truncated", body) + body[:400_000])
        time.sleep(0.3)
        s.close()
        time.sleep(0.5)
        self.assertEqual(self.s3.list_objects_v2(Bucket="http-bucket", Prefix="truncated")["KeyCount"], 0)
        # Wrong hash for a signed payload: XAmzContentSHA256Mismatch, nothing stored.
        s = self.raw.connect()
        head = self.raw.signed_head("PUT", "/http-bucket/badhash", body, payload=hashlib.sha256(b"x").hexdigest())
        s.sendall(head + body)
        status, _, resp, _ = read_response(s)
        self.assertEqual(status, 400)
        self.assertIn(b"XAmzContentSHA256Mismatch", resp)
        s.close()
        self.assertEqual(self.s3.list_objects_v2(Bucket="http-bucket", Prefix="badhash")["KeyCount"], 0)

    def test_idle_and_slow_clients_are_dropped(self):
        s = self.raw.connect()
        self.assertTrue(closed(s, 6), "an idle connection must be closed by the server")
        s.close()
        s = self.raw.connect()
        s.sendall(b"GET /http-bucket/k HTTP/1.1\r\nHost: x\r\n")  # never finishes its head
        self.assertTrue(closed(s, 6), "a slow-loris connection must be closed by the server")
        s.close()
        body = os.urandom(100_000)
        s = self.raw.connect()
        t0 = time.time()
        s.sendall(self.raw.signed_head("PUT", "/http-bucket/slow", body) + body[:1000])  # then stalls
        # After io_timeout (2 s) without body bytes: S3's RequestTimeout, then
        # the connection closes; the partial object never appears.
        s.settimeout(8)
        status, headers, resp, rest = read_response(s)
        waited = time.time() - t0
        self.assertEqual(status, 400, resp)
        self.assertIn(b"<Code>RequestTimeout</Code>", resp)
        self.assertIn(b"was not read from or written to within the timeout period", resp)
        self.assertEqual(headers.get("connection"), "close")
        self.assertGreater(waited, 1.5, "answered before the timeout")
        self.assertLess(waited, 7)
        self.assertEqual(rest, b"")
        self.assertTrue(closed(s, 6), "a stalled upload's connection must be closed")
        s.close()
        self.assertEqual(self.s3.list_objects_v2(Bucket="http-bucket", Prefix="slow")["KeyCount"], 0)
        # The same for an upload stalled after several pieces, with Expect: 100-continue.
        body = os.urandom(600_000)
        s = self.raw.connect()
        s.sendall(self.raw.signed_head("PUT", "/http-bucket/slow2", body, headers={"Expect": "100-continue"}))
        status, _, _, rest = read_response(s)
        self.assertEqual(status, 100)
        s.sendall(body[:300_000])
        s.settimeout(8)
        status, _, resp, _ = read_response(s, rest)
        self.assertEqual(status, 400, resp)
        self.assertIn(b"<Code>RequestTimeout</Code>", resp)
        self.assertTrue(closed(s, 6))
        s.close()
        self.assertEqual(self.s3.list_objects_v2(Bucket="http-bucket", Prefix="slow2")["KeyCount"], 0)
        # The connection limit is not eaten by stalled uploads: the server still answers.
        self.assertEqual(self.s3.get_object(Bucket="http-bucket", Key="k")["Body"].read(), b"hello")

    def test_many_connections(self):
        socks = [self.raw.connect() for _ in range(300)]
        try:
            for s in socks[::30]:
                s.sendall(self.raw.signed_head("GET", "/http-bucket/k"))
                status, _, body, _ = read_response(s)
                self.assertEqual((status, body), (200, b"hello"))
        finally:
            for s in socks:
                s.close()


class GracefulShutdownTest(unittest.TestCase):
    def test_shutdown_with_open_connections(self):
        server = Server().start()
        try:
            raw = RawClient(server)
            idle = [raw.connect() for _ in range(20)]
            s3 = boto3_client(server)
            s3.create_bucket(Bucket="bye")
            t0 = time.time()
            code = server.stop(timeout=15)
            self.assertEqual(code, 0)
            self.assertLess(time.time() - t0, 5, "idle connections must not hold up shutdown")
            for s in idle:
                self.assertTrue(closed(s, 2))
                s.close()
        finally:
            if server.proc is not None:
                server.kill9()


if __name__ == "__main__":
    unittest.main()
