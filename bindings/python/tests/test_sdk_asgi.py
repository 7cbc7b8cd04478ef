"""xaa_token.asgi.authorization_server_app, driven as an ASGI server would (no sockets).
Keys, configuration and tokens: test_sdk_mcp."""

from __future__ import annotations

import json
import logging
import unittest
from urllib.parse import urlencode

from test_sdk_mcp import AS, AS_KEY, AS_TOML, CLIENT_SECRET, JWT_BEARER, RESOURCE, id_jag, run, validator
from xaa_token.asgi import MAX_BODY_BYTES, authorization_server_app


def call(app, method: str, path: str, chunks: list[bytes], headers: list[tuple[str, str]] = (), query: bytes = b""):
    """One request through `app`: (status, headers dict, body, receive calls made)."""
    sent: list[dict] = []
    pending = list(chunks) or [b""]
    received = 0

    async def receive():
        nonlocal received
        received += 1
        if not pending:
            return {"type": "http.disconnect"}
        chunk = pending.pop(0)
        return {"type": "http.request", "body": chunk, "more_body": bool(pending)}

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers],
    }
    run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], {k.decode(): v.decode() for k, v in start["headers"]}, body, received


FORM = [("content-type", "application/x-www-form-urlencoded")]


def token_request(assertion: str) -> bytes:
    return urlencode(
        {"grant_type": JWT_BEARER, "assertion": assertion, "resource": RESOURCE, "client_id": "agent-1", "client_secret": CLIENT_SECRET}
    ).encode()


class AuthorizationServerAppTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.app = staticmethod(authorization_server_app(validator(AS_TOML)))

    def test_metadata_and_jwks(self) -> None:
        status, _, body, _ = call(self.app, "GET", "/.well-known/oauth-authorization-server", [])
        self.assertEqual(status, 200)
        meta = json.loads(body)
        self.assertEqual((meta["issuer"], meta["token_endpoint"]), (AS, f"{AS}/token"))
        status, _, body, _ = call(self.app, "GET", "/jwks.json", [])
        self.assertEqual(status, 200)
        self.assertEqual([k["kid"] for k in json.loads(body)["keys"]], [AS_KEY.kid])
        self.assertNotIn('"d"', body.decode())

    def test_the_token_endpoint_in_chunks_and_never_a_token_in_the_log(self) -> None:
        assertion = id_jag()
        form = token_request(assertion)
        with self.assertLogs("xaa_token.asgi", level=logging.INFO) as logs:
            status, headers, body, _ = call(self.app, "POST", "/token", [form[:50], form[50:]], FORM)
            again = call(self.app, "POST", "/token", [form], FORM)
        self.assertEqual(status, 200, body)
        self.assertEqual(headers["cache-control"], "no-store")
        issued = json.loads(body)
        self.assertEqual((issued["token_type"], issued["scope"], issued["resource"]), ("Bearer", "chat.read", RESOURCE))
        self.assertEqual((again[0], json.loads(again[2])["error"]), (400, "invalid_grant"))
        self.assertEqual(logs.output, ["INFO:xaa_token.asgi:POST /token 200", "INFO:xaa_token.asgi:POST /token 400 code=replayed"])
        for secret in (assertion, issued["access_token"], CLIENT_SECRET):
            self.assertNotIn(secret, "\n".join(logs.output))

    def test_no_client_authentication(self) -> None:
        form = urlencode({"grant_type": JWT_BEARER, "assertion": id_jag()}).encode()
        status, _, body, _ = call(self.app, "POST", "/token", [form], FORM)
        self.assertEqual((status, json.loads(body)["error"]), (401, "invalid_client"))

    def test_body_cap(self) -> None:
        over = MAX_BODY_BYTES + 1
        # Declared too large: refused before a byte of the body is read.
        status, headers, _, received = call(self.app, "POST", "/token", [b"a" * over], [*FORM, ("content-length", str(over))])
        self.assertEqual((status, received, headers["connection"]), (413, 0, "close"))
        # Undeclared (chunked): refused once the chunks pass the cap.
        status, _, _, received = call(self.app, "POST", "/token", [b"a" * 40_000, b"a" * 40_000, b"a"], FORM)
        self.assertEqual((status, received), (413, 2))
        # Exactly at the cap: passed to the component (which refuses it as a form).
        status, _, _, _ = call(self.app, "POST", "/token", [b"a" * MAX_BODY_BYTES], FORM)
        self.assertEqual(status, 400)

    def test_other_paths_and_methods_are_the_component_s_answers(self) -> None:
        self.assertEqual(call(self.app, "GET", "/nothing", [])[0], 404)
        self.assertEqual(call(self.app, "GET", "/token", [])[0], 405)
        # The query is not part of the path the component routes on.
        self.assertEqual(call(self.app, "GET", "/jwks.json", [], query=b"x=1")[0], 200)

    def test_lifespan(self) -> None:
        messages = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
        sent: list[dict] = []

        async def receive():
            return messages.pop(0)

        async def send(message):
            sent.append(message)

        app = authorization_server_app(validator(AS_TOML))
        run(app({"type": "lifespan"}, receive, send))
        self.assertEqual([m["type"] for m in sent], ["lifespan.startup.complete", "lifespan.shutdown.complete"])


if __name__ == "__main__":
    unittest.main()
