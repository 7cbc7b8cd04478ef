"""The wasmtime backend's JWKS fetcher, against a local HTTP server on 127.0.0.1."""

from __future__ import annotations

import http.server
import json
import os
import tempfile
import threading
import unittest

import xaa_token
from xaa_token.jwks_fetch import FetchError, JwksFetcher, MAX_BODY_BYTES, max_age

import suite_data

JWKS = '{"keys":[]}'


class Handler(http.server.BaseHTTPRequestHandler):
    routes: dict[str, tuple[int, dict[str, str], bytes]] = {}

    def do_GET(self):  # noqa: N802
        status, headers, body = self.routes.get(self.path, (404, {}, b"not found"))
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        if "Content-Length" not in headers and "Transfer-Encoding" not in headers:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if headers.get("Transfer-Encoding") == "chunked":
            for i in range(0, len(body), 65536):
                chunk = body[i:i + 65536]
                self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
        else:
            self.wfile.write(body)

    def log_message(self, *args):
        pass


def serve() -> tuple[http.server.ThreadingHTTPServer, str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


class Fetcher(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server, cls.base = serve()
        cls.other, cls.other_base = serve()  # another origin (another port)
        Handler.routes = {
            "/jwks": (200, {"Cache-Control": "public, max-age=120"}, JWKS.encode()),
            "/same": (302, {"Location": "/jwks"}, b""),
            "/cross": (302, {"Location": f"{cls.other_base}/jwks"}, b""),
            "/loop": (302, {"Location": "/loop"}, b""),
            "/big": (200, {}, b" " * (MAX_BODY_BYTES + 1)),
            "/big-chunked": (200, {"Transfer-Encoding": "chunked"},
                             b" " * (MAX_BODY_BYTES + 1)),
            "/exact": (200, {}, b" " * MAX_BODY_BYTES),
            "/status": (500, {}, b"oops"),
            "/latin1": (200, {}, b"\xff"),
        }

    @classmethod
    def tearDownClass(cls):
        for s in (cls.server, cls.other):
            s.shutdown()
            s.server_close()

    def fetch(self, path: str):
        return JwksFetcher(connect_timeout=2, read_timeout=2)(self.base + path)

    def test_fetches_and_reads_max_age(self):
        self.assertEqual(self.fetch("/jwks"), (200, JWKS, 120))

    def test_follows_a_same_origin_redirect(self):
        self.assertEqual(self.fetch("/same"), (200, JWKS, 120))

    def test_refuses_a_cross_origin_redirect(self):
        with self.assertRaisesRegex(FetchError, "cross-origin"):
            self.fetch("/cross")

    def test_refuses_endless_redirects(self):
        with self.assertRaisesRegex(FetchError, "redirects"):
            self.fetch("/loop")

    def test_refuses_an_oversize_body(self):
        with self.assertRaisesRegex(FetchError, "exceeds"):
            self.fetch("/big")

    def test_refuses_an_oversize_body_without_content_length(self):
        with self.assertRaisesRegex(FetchError, "exceeds"):
            self.fetch("/big-chunked")

    def test_accepts_a_body_at_the_cap(self):
        self.assertEqual(len(self.fetch("/exact")[1]), MAX_BODY_BYTES)

    def test_passes_an_error_status_on(self):
        self.assertEqual(self.fetch("/status")[0], 500)

    def test_refuses_a_body_that_is_not_utf8(self):
        with self.assertRaises(FetchError):
            self.fetch("/latin1")

    def test_refuses_plain_http_beyond_loopback(self):
        with self.assertRaisesRegex(FetchError, "loopback"):
            JwksFetcher()("http://example.com/jwks")

    def test_refuses_other_schemes(self):
        with self.assertRaises(FetchError):
            JwksFetcher()("file:///etc/passwd")

    def test_connection_refused_is_a_fetch_error(self):
        server, base = serve()
        server.shutdown()
        server.server_close()
        with self.assertRaises(FetchError):
            JwksFetcher(connect_timeout=1, read_timeout=1)(base + "/jwks")

    def test_max_age_forms(self):
        self.assertEqual(max_age("max-age=60"), 60)
        self.assertEqual(max_age("no-cache, max-age=5"), 5)
        self.assertIsNone(max_age("s-maxage=60"))
        self.assertIsNone(max_age(None))
        self.assertEqual(max_age(f"max-age={2**40}"), 2**32 - 1)


class ThroughTheComponent(unittest.TestCase):
    """A resource server whose keys are at a jwks_uri: the component asks, this host fetches."""

    def test_access_token_with_fetched_keys(self):
        files = suite_data.suite()["configs"]["validator"]["files"]
        s = suite_data.case("baseline-access-token-valid")["steps"][0]
        server, base = serve()
        try:
            Handler.routes = {"/as.jwks": (200, {"Cache-Control": "max-age=300"},
                                           files["as.jwks"].encode())}
            claims = json.loads(s["minted"]["payload"])
            with tempfile.TemporaryDirectory() as d:
                path = os.path.join(d, "xaa.toml")
                with open(path, "w", encoding="utf-8") as f:
                    f.write(f'[resource_server]\nresource = "{claims["aud"]}"\n'
                            f'issuer = "{claims["iss"]}"\njwks_uri = "{base}/as.jwks"\n'
                            'algorithms = ["ES256"]\n')
                v = xaa_token.Validator.from_config_file(path, backend="wasmtime",
                                                         now=suite_data.now())
                self.assertEqual(v.validate_access_token(s["input"]["token"]).code, "valid")
                Handler.routes = {}  # keys gone from the server: the cached set still serves
                self.assertEqual(v.validate_access_token(s["input"]["token"]).code, "valid")
                v2 = xaa_token.Validator.from_config_file(path, backend="wasmtime",
                                                          now=suite_data.now())
                self.assertEqual(v2.validate_access_token(s["input"]["token"]).code,
                                 "keys_unavailable")
        finally:
            server.shutdown()
            server.server_close()


class SuppliedByTheHost(unittest.TestCase):
    """fetch_jwks=False: the component asks (pending-jwks-fetches), the host hands the set in
    (supply-jwks), through `Validator.call`."""

    def test_pending_then_supplied(self):
        files = suite_data.suite()["configs"]["validator"]["files"]
        s = suite_data.case("baseline-access-token-valid")["steps"][0]
        claims = json.loads(s["minted"]["payload"])
        uri = "https://as.example.com/jwks.json"
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "xaa.toml")
            with open(path, "w", encoding="utf-8") as f:
                f.write(f'[resource_server]\nresource = "{claims["aud"]}"\n'
                        f'issuer = "{claims["iss"]}"\njwks_uri = "{uri}"\n'
                        'algorithms = ["ES256"]\n')
            v = xaa_token.Validator.from_config_file(path, backend="wasmtime",
                                                     now=suite_data.now(), fetch_jwks=False)
            self.assertEqual(v.validate_access_token(s["input"]["token"]).code,
                             "keys_unavailable")
            self.assertEqual(v.call("validator.pending-jwks-fetches", []), [uri])
            self.assertIsNone(v.call("validator.supply-jwks", [
                uri, {"status": 200, "body": files["as.jwks"], "max_age": 300}]))
            self.assertEqual(v.call("validator.pending-jwks-fetches", []), [])
            self.assertEqual(v.validate_access_token(s["input"]["token"]).code, "valid")


if __name__ == "__main__":
    unittest.main()
