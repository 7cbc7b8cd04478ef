"""The official MCP SDK clients against `xaa serve idp`, `xaa serve as` and `xaa serve resource`.

Interoperability is proven by software none of us wrote: every discovery, metadata check,
token request and token-response check below is the SDK's own code.

- Python `mcp` (tests/sdk/python/requirements.txt): `IdentityAssertionOAuthProvider`, the
  SEP-990 jwt-bearer leg, with `client_secret_post` (its default) and `client_secret_basic`
  (it also sends `client_id` in the body, and a `resource`). It reads the AS's RFC 8414
  document with the SDK's `OAuthMetadata` model. Its first leg (the ID-JAG) is not SDK
  code in `mcp`: the assertion callback does the development sign-in and the RFC 8693 token
  exchange at `xaa serve idp` over plain HTTP.
- TypeScript `@modelcontextprotocol/client` (tests/sdk/js): `discoverAndRequestJwtAuthGrant`
  against `xaa serve idp` and `CrossAppAccessProvider` through the SDK's `auth()` (RFC 9728
  discovery from the resource, client_secret_basic, no `scope`): tests/sdk/js/cross_app_access.mjs.

Each check is one line of output; the last line is `sdk: N passed, M failed`. Exit 1 if any
check failed. Usage: python sdk_clients.py --xaa target/release/xaa
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx2
from mcp.client.auth.extensions.identity_assertion import IdentityAssertionOAuthProvider
from mcp.shared.auth import OAuthMetadata

HERE = Path(__file__).resolve().parent
PASSWORD = "correct horse battery staple"
RESULTS: list[tuple[str, str, bool, str]] = []


def report(host: str, check: str, ok: bool, detail: object = "") -> None:
    RESULTS.append((host, check, ok, str(detail)))
    print(f"{'ok  ' if ok else 'FAIL'} [{host}] {check}" + (f" — {detail}" if detail else ""), flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Servers:
    """Keys, secrets, configurations, and the three servers on 127.0.0.1."""

    def __init__(self, xaa: str, work: Path) -> None:
        self.xaa, self.work = xaa, work
        self.procs: list[subprocess.Popen] = []
        pi, pa, pr = free_port(), free_port(), free_port()
        self.idp = f"http://127.0.0.1:{pi}"
        self.as_issuer = f"http://127.0.0.1:{pa}"
        self.resource_base = f"http://127.0.0.1:{pr}"
        self.resource = f"{self.resource_base}/mcp"
        self.secrets: dict[str, str] = {}

    def run(self, *args: str, stdin: str | None = None) -> str:
        return subprocess.run(
            [self.xaa, *args], input=stdin, capture_output=True, text=True, check=True, cwd=self.work
        ).stdout

    def secret(self, name: str) -> str:
        made = json.loads(self.run("keys", "client-secret"))
        self.secrets[name] = made["client_secret"]
        return made["client_secret_sha256"]

    def configure(self) -> None:
        idp_public = self.run("keys", "generate", "--out", "idp.jwk")
        as_public = self.run("keys", "generate", "--out", "as.jwk")
        (self.work / "idp.jwks").write_text(json.dumps({"keys": [json.loads(idp_public)]}))
        (self.work / "as.jwks").write_text(json.dumps({"keys": [json.loads(as_public)]}))
        password = hashlib.sha256(PASSWORD.encode()).hexdigest()
        # One IdP client per AS client: the connection names the ID-JAG's client_id.
        agents = {"py-agent-post": "sdk-py-post", "py-agent-basic": "sdk-py-basic", "ts-agent": "sdk-ts"}
        idp = [
            "[identity_provider]",
            f'issuer = "{self.idp}"',
            'signing_keys = ["idp.jwk"]',
            "development_sign_in = true",
            "",
            "[[users]]",
            'sub = "alice"',
            'email = "alice@example.com"',
            f'password_sha256 = "{password}"',
        ]
        for agent, at_as in agents.items():
            idp += [
                "",
                "[[idp_clients]]",
                f'client_id = "{agent}"',
                'auth_method = "client_secret_post"',
                f'client_secret_sha256 = "{self.secret(agent)}"',
                "",
                "[[connections]]",
                f'client_id = "{agent}"',
                f'audience = "{self.as_issuer}"',
                f'resources = ["{self.resource}"]',
                'scopes = ["chat.read"]',
                f'client_id_at_audience = "{at_as}"',
            ]
        (self.work / "idp.toml").write_text("\n".join(idp) + "\n")
        as_ = [
            "[authorization_server]",
            f'issuer = "{self.as_issuer}"',
            f'resources = ["{self.resource}"]',
            "",
            "[[trusted_issuers]]",
            f'issuer = "{self.idp}"',
            'jwks_file = "idp.jwks"',
            'algorithms = ["ES256"]',
            "",
            "[token_endpoint]",
            'signing_keys = ["as.jwk"]',
        ]
        methods = {"sdk-py-post": "client_secret_post", "sdk-py-basic": "client_secret_basic", "sdk-ts": "client_secret_basic"}
        for client, method in methods.items():
            as_ += [
                "",
                "[[clients]]",
                f'client_id = "{client}"',
                f'auth_method = "{method}"',
                f'client_secret_sha256 = "{self.secret(client)}"',
                f'resources = ["{self.resource}"]',
                'scopes = ["chat.read"]',
            ]
        (self.work / "as.toml").write_text("\n".join(as_) + "\n")
        (self.work / "resource.toml").write_text(
            "\n".join(
                [
                    "[resource_server]",
                    f'resource = "{self.resource}"',
                    f'issuer = "{self.as_issuer}"',
                    'jwks_file = "as.jwks"',
                    'algorithms = ["ES256"]',
                ]
            )
            + "\n"
        )

    def start(self) -> None:
        for role, url in (("idp", self.idp), ("as", self.as_issuer), ("resource", self.resource_base)):
            listen = url.removeprefix("http://")
            out = open(self.work / f"{role}.out", "w")
            err = open(self.work / f"{role}.log", "w")
            self.procs.append(
                subprocess.Popen(
                    [self.xaa, "serve", role, "--config", f"{role}.toml", "--listen", listen],
                    cwd=self.work,
                    stdout=out,
                    stderr=err,
                )
            )
            deadline = time.monotonic() + 20
            while "listening on" not in (self.work / f"{role}.out").read_text():
                if time.monotonic() > deadline or self.procs[-1].poll() is not None:
                    raise RuntimeError(f"xaa serve {role} did not start: {(self.work / f'{role}.log').read_text()}")
                time.sleep(0.05)

    def stop(self) -> None:
        for p in self.procs:
            p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()


class MemoryStorage:
    """The SDK's TokenStorage protocol, in memory."""

    def __init__(self) -> None:
        self.tokens = None
        self.client_info = None

    async def get_tokens(self):
        return self.tokens

    async def set_tokens(self, tokens) -> None:
        self.tokens = tokens

    async def get_client_info(self):
        return self.client_info

    async def set_client_info(self, info) -> None:
        self.client_info = info


async def id_jag(s: Servers, agent: str, audience: str, resource: str) -> str:
    """The first leg, over plain HTTP: development sign-in, then RFC 8693 token exchange."""
    async with httpx2.AsyncClient() as http:
        signed_in = await http.post(
            f"{s.idp}/dev/sign-in",
            data={"username": "alice", "password": PASSWORD, "client_id": agent, "client_secret": s.secrets[agent]},
        )
        signed_in.raise_for_status()
        exchanged = await http.post(
            f"{s.idp}/token",
            data={
                "grant_type": "urn:ietf:params:oauth:grant-type:token-exchange",
                "requested_token_type": "urn:ietf:params:oauth:token-type:id-jag",
                "subject_token": signed_in.json()["id_token"],
                "subject_token_type": "urn:ietf:params:oauth:token-type:id_token",
                "audience": audience,
                "resource": resource,
                "client_id": agent,
                "client_secret": s.secrets[agent],
            },
        )
        exchanged.raise_for_status()
        return exchanged.json()["access_token"]


async def python_checks(s: Servers) -> None:
    async with httpx2.AsyncClient() as http:
        for name, issuer in (("xaa serve as", s.as_issuer), ("xaa serve idp", s.idp)):
            r = await http.get(f"{issuer}/.well-known/oauth-authorization-server")
            try:
                meta = OAuthMetadata.model_validate_json(r.content)
                report("python", f"{name}: RFC 8414 document read by the SDK's OAuthMetadata", True, meta.authorization_endpoint)
                refused = await http.get(str(meta.authorization_endpoint), params={"response_type": "code"})
                body = refused.json()
                report(
                    "python",
                    f"{name}: the advertised authorization endpoint refuses (400 unsupported_response_type, no redirect)",
                    refused.status_code == 400 and body.get("error") == "unsupported_response_type" and "location" not in refused.headers,
                    f"HTTP {refused.status_code} {body}",
                )
            except Exception as e:  # noqa: BLE001 - the SDK's validation error is the finding
                report("python", f"{name}: RFC 8414 document read by the SDK's OAuthMetadata", False, e)

    for method, client, agent in (
        ("client_secret_post", "sdk-py-post", "py-agent-post"),
        ("client_secret_basic", "sdk-py-basic", "py-agent-basic"),
    ):
        calls: list[tuple[str, str]] = []

        async def assertion(audience: str, resource: str, agent: str = agent) -> str:
            calls.append((audience, resource))
            return await id_jag(s, agent, audience, resource)

        provider = IdentityAssertionOAuthProvider(
            server_url=s.resource,
            storage=MemoryStorage(),
            client_id=client,
            client_secret=s.secrets[client],
            issuer=s.as_issuer,
            assertion_provider=assertion,
            scope="chat.read",
            token_endpoint_auth_method=method,
        )
        check = f"IdentityAssertionOAuthProvider ({method}): 401 -> discovery -> jwt-bearer at xaa serve as -> 200"
        try:
            async with httpx2.AsyncClient(auth=provider) as http:
                r = await http.post(s.resource, json={"jsonrpc": "2.0", "id": 1, "method": "ping"})
                echo = r.json()
                ok = (
                    r.status_code == 200
                    and echo.get("subject") == "alice"
                    and echo.get("client_id") == client
                    and echo.get("scope") == "chat.read"
                    and calls == [(s.as_issuer, s.resource)]
                )
                report("python", check, ok, f"HTTP {r.status_code} {echo} assertion calls {calls}")
                # The stored token is reused: no second exchange.
                again = await http.post(s.resource, json={"jsonrpc": "2.0", "id": 2, "method": "ping"})
                report("python", f"{method}: the stored token is reused", again.status_code == 200 and len(calls) == 1, f"HTTP {again.status_code}, {len(calls)} exchanges")
        except Exception as e:  # noqa: BLE001
            report("python", check, False, f"{type(e).__name__}: {e}")


def typescript_checks(s: Servers, js_dir: Path) -> None:
    env = dict(os.environ)
    env["XAA_SDK"] = json.dumps(
        {
            "idp_issuer": s.idp,
            "as_issuer": s.as_issuer,
            "resource": s.resource,
            "sign_in_url": f"{s.idp}/dev/sign-in",
            "user": "alice",
            "password": PASSWORD,
            "idp_client_id": "ts-agent",
            "idp_client_secret": s.secrets["ts-agent"],
            "as_client_id": "sdk-ts",
            "as_client_secret": s.secrets["sdk-ts"],
        }
    )
    run = subprocess.run(["node", "cross_app_access.mjs"], cwd=js_dir, env=env, capture_output=True, text=True, timeout=120)
    lines = [line for line in run.stdout.splitlines() if line.startswith("{")]
    for line in lines:
        result = json.loads(line)
        report("typescript", result["check"], bool(result["ok"]), result.get("detail") or "")
    if not lines or (run.returncode != 0 and all(r[2] for r in RESULTS if r[0] == "typescript")):
        report("typescript", "cross_app_access.mjs ran", False, f"exit {run.returncode}: {run.stderr[-2000:]}")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--xaa", required=True)
    parser.add_argument("--js-dir", default=str(HERE / "js"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        s = Servers(str(Path(args.xaa).resolve()), Path(work))
        s.configure()
        try:
            s.start()
            asyncio.run(python_checks(s))
            typescript_checks(s, Path(args.js_dir))
        finally:
            s.stop()
            if any(not r[2] for r in RESULTS):
                for role in ("idp", "as", "resource"):
                    log = Path(work) / f"{role}.log"
                    if log.exists():
                        print(f"--- xaa serve {role} log (tail)\n" + "\n".join(log.read_text().splitlines()[-15:]))
    passed = sum(1 for r in RESULTS if r[2])
    failed = len(RESULTS) - passed
    print(f"sdk: {passed} passed, {failed} failed")
    return 1 if failed or not RESULTS else 0


if __name__ == "__main__":
    sys.exit(main())
