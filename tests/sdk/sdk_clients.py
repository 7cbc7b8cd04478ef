"""The official MCP SDKs against `xaa serve idp`, `xaa serve as`, `xaa serve resource` and `xaa gateway`.

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
- End to end through `xaa gateway`, in front of an MCP server from the Python SDK
  (tests/sdk/mcp_server.py): the Python SDK's `ClientSession` over `streamable_http_client` with
  `IdentityAssertionOAuthProvider`, and the TypeScript SDK's `Client` over
  `StreamableHTTPClientTransport` with `CrossAppAccessProvider` (tests/sdk/js/mcp_e2e.mjs):
  initialize, tools/list, tools/call, the identity the upstream sees, and a tool that needs a
  scope nobody has (403 insufficient_scope, the SDKs' step-up gets no such token, the call fails).
- The gateway's answers over plain HTTP: no token, a token for another resource, an expired
  token, a token signed by an untrusted key, a missing scope, the RFC 9728 document, metrics.

See tests/sdk/README.md.

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
from urllib.parse import parse_qs

import anyio
import httpx2
import jwt
from cryptography.hazmat.primitives.asymmetric import ec
from mcp.client.auth.extensions.identity_assertion import IdentityAssertionOAuthProvider
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import OAuthMetadata
from mcp.shared.exceptions import MCPError

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
        pi, pa, pr, pg, pu, pm = (free_port() for _ in range(6))
        self.idp = f"http://127.0.0.1:{pi}"
        self.as_issuer = f"http://127.0.0.1:{pa}"
        self.resource_base = f"http://127.0.0.1:{pr}"
        self.resource = f"{self.resource_base}/mcp"
        # `xaa gateway` in front of the SDK's MCP server (mcp_server.py): its public URL is the
        # resource the tokens name.
        self.gateway_base = f"http://127.0.0.1:{pg}"
        self.gateway = f"{self.gateway_base}/mcp"
        self.gateway_prm = f"{self.gateway_base}/.well-known/oauth-protected-resource/mcp"
        self.upstream_base = f"http://127.0.0.1:{pu}"
        self.metrics_base = f"http://127.0.0.1:{pm}"
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
        agents = {"py-agent-post": "sdk-py-post", "py-agent-basic": "sdk-py-basic", "ts-agent": "sdk-ts", "bridge-agent": "sdk-bridge"}
        # `xaa login` (the bridge's sign-in) authenticates with client_secret_basic.
        idp_methods = {"bridge-agent": "client_secret_basic"}
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
                f'auth_method = "{idp_methods.get(agent, "client_secret_post")}"',
                f'client_secret_sha256 = "{self.secret(agent)}"',
                "",
                "[[connections]]",
                f'client_id = "{agent}"',
                f'audience = "{self.as_issuer}"',
                f"resources = {json.dumps([self.resource, self.gateway])}",
                'scopes = ["chat.read"]',
                f'client_id_at_audience = "{at_as}"',
            ]
        (self.work / "idp.toml").write_text("\n".join(idp) + "\n")
        as_ = [
            "[authorization_server]",
            f'issuer = "{self.as_issuer}"',
            f"resources = {json.dumps([self.resource, self.gateway])}",
            "",
            "[[trusted_issuers]]",
            f'issuer = "{self.idp}"',
            'jwks_file = "idp.jwks"',
            'algorithms = ["ES256"]',
            "",
            "[token_endpoint]",
            'signing_keys = ["as.jwk"]',
        ]
        methods = {
            "sdk-py-post": "client_secret_post",
            "sdk-py-basic": "client_secret_basic",
            "sdk-ts": "client_secret_basic",
            "sdk-bridge": "client_secret_basic",
        }
        for client, method in methods.items():
            as_ += [
                "",
                "[[clients]]",
                f'client_id = "{client}"',
                f'auth_method = "{method}"',
                f'client_secret_sha256 = "{self.secret(client)}"',
                f"resources = {json.dumps([self.resource, self.gateway])}",
                'scopes = ["chat.read"]',
            ]
        (self.work / "as.toml").write_text("\n".join(as_) + "\n")

        def resource_server(resource: str) -> list[str]:
            return [
                "[resource_server]",
                f'resource = "{resource}"',
                f'issuer = "{self.as_issuer}"',
                'jwks_file = "as.jwks"',
                'algorithms = ["ES256"]',
            ]

        (self.work / "resource.toml").write_text("\n".join(resource_server(self.resource)) + "\n")
        # The gateway: the same checks for its own public URL, and one tool that needs scope
        # "admin", which no client is granted.
        gateway = resource_server(self.gateway) + [
            "",
            "[gateway]",
            "[[gateway.required_scopes]]",
            'method = "tools/call"',
            'tool = "delete_all"',
            'scopes = ["admin"]',
        ]
        (self.work / "gateway.toml").write_text("\n".join(gateway) + "\n")

    def spawn(self, name: str, argv: list[str]) -> None:
        """Start a server; wait for its `listening on` line (stdout in NAME.out, stderr in NAME.log)."""
        out = open(self.work / f"{name}.out", "w")
        err = open(self.work / f"{name}.log", "w")
        self.procs.append(subprocess.Popen(argv, cwd=self.work, stdout=out, stderr=err))
        deadline = time.monotonic() + 20
        while "listening on" not in (self.work / f"{name}.out").read_text():
            if time.monotonic() > deadline or self.procs[-1].poll() is not None:
                raise RuntimeError(f"{name} ({' '.join(argv[:2])}) did not start: {(self.work / f'{name}.log').read_text()[-2000:]}")
            time.sleep(0.05)

    def start(self) -> None:
        for role, url in (("idp", self.idp), ("as", self.as_issuer), ("resource", self.resource_base)):
            listen = url.removeprefix("http://")
            self.spawn(role, [self.xaa, "serve", role, "--config", f"{role}.toml", "--listen", listen])

    def start_gateway(self) -> None:
        """The SDK's MCP server (mcp_server.py, this interpreter) and `xaa gateway` in front of it."""
        port = self.upstream_base.rsplit(":", 1)[1]
        self.spawn("upstream", [sys.executable, str(HERE / "mcp_server.py"), "--port", port])
        self.spawn(
            "gateway",
            [
                self.xaa,
                "gateway",
                "--config",
                "gateway.toml",
                "--listen",
                self.gateway_base.removeprefix("http://"),
                "--upstream",
                self.upstream_base,
                "--metrics-listen",
                self.metrics_base.removeprefix("http://"),
            ],
        )

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
                if issuer == s.as_issuer:
                    body = refused.json()
                    report(
                        "python",
                        f"{name}: the advertised authorization endpoint refuses (400 unsupported_response_type, no redirect)",
                        refused.status_code == 400 and body.get("error") == "unsupported_response_type" and "location" not in refused.headers,
                        f"HTTP {refused.status_code} {body}",
                    )
                else:
                    # The IdP signs users in there (authorization code + PKCE S256); a request
                    # naming no registered client gets an error page, never a redirect.
                    report(
                        "python",
                        f"{name}: the SDK reads the sign-in (code, S256); a request without a registered client: 400 page, no redirect",
                        meta.response_types_supported == ["code"]
                        and meta.code_challenge_methods_supported == ["S256"]
                        and refused.status_code == 400
                        and refused.headers.get("content-type", "").startswith("text/html")
                        and "location" not in refused.headers,
                        f"HTTP {refused.status_code} {meta.response_types_supported} {meta.code_challenge_methods_supported}",
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
    node_checks(s, js_dir, "cross_app_access.mjs", "typescript")


# --- End to end: MCP through `xaa gateway` -------------------------------------------------

MCP_ACCEPT = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "xaa-sdk-plain", "version": "0"}},
}


def leaves(e: BaseException) -> list[BaseException]:
    """The exceptions inside (possibly nested) exception groups."""
    if isinstance(e, BaseExceptionGroup):
        return [leaf for sub in e.exceptions for leaf in leaves(sub)]
    return [e]


def describe(e: BaseException) -> str:
    return "; ".join(f"{type(x).__name__}: {x}" for x in leaves(e))[:1500]


def jsonrpc_result(r: httpx2.Response) -> dict:
    """The JSON-RPC message of a Streamable HTTP answer, JSON or SSE."""
    if r.headers.get("content-type", "").startswith("text/event-stream"):
        for line in r.text.splitlines():
            if line.startswith("data:") and line[5:].strip():
                return json.loads(line[5:])
        raise ValueError(f"no data in the event stream: {r.text[:300]}")
    return r.json()


def whoami_of(result) -> dict:
    """The JSON object the `whoami` tool returns (an SDK CallToolResult or a plain JSON-RPC result)."""
    content = result["content"] if isinstance(result, dict) else [c.model_dump() for c in result.content]
    return json.loads(content[0]["text"])


async def as_token_endpoint(s: Servers) -> str:
    async with httpx2.AsyncClient() as http:
        r = await http.get(f"{s.as_issuer}/.well-known/oauth-authorization-server")
        r.raise_for_status()
        return r.json()["token_endpoint"]


async def access_token(s: Servers, resource: str) -> str:
    """An access token from `xaa serve as` for RESOURCE (ID-JAG, then jwt-bearer with client_secret_post)."""
    assertion = await id_jag(s, "py-agent-post", s.as_issuer, resource)
    async with httpx2.AsyncClient() as http:
        r = await http.post(
            await as_token_endpoint(s),
            data={
                "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
                "assertion": assertion,
                "resource": resource,
                "scope": "chat.read",
                "client_id": "sdk-py-post",
                "client_secret": s.secrets["sdk-py-post"],
            },
        )
        if r.status_code != 200:
            raise RuntimeError(f"jwt-bearer at xaa serve as: HTTP {r.status_code} {r.text}")
        return r.json()["access_token"]


async def python_e2e(s: Servers) -> None:
    """The Python SDK's own MCP client (ClientSession over streamable_http_client) through the gateway."""
    host = "python e2e"
    calls: list[tuple[str, str]] = []
    # Every HTTP exchange, the SDK's own token requests included:
    # (method, url, status, WWW-Authenticate, scope asked for, scope granted or the token error).
    seen: list[tuple[str, str, int, str, str, str]] = []

    async def assertion(audience: str, resource: str) -> str:
        calls.append((audience, resource))
        return await id_jag(s, "py-agent-post", audience, resource)

    async def log_response(response: httpx2.Response) -> None:
        request = response.request
        asked = granted = ""
        if request.method == "POST" and request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            form = parse_qs(request.content.decode())
            asked = " ".join(form.get("scope", []))
            if form.get("grant_type") == ["urn:ietf:params:oauth:grant-type:jwt-bearer"]:
                body = json.loads(await response.aread())
                granted = body.get("scope", "(no scope member)") if response.status_code == 200 else body.get("error", "")
        seen.append((request.method, str(request.url), response.status_code, response.headers.get("www-authenticate", ""), asked, granted))

    provider = IdentityAssertionOAuthProvider(
        server_url=s.gateway,
        storage=MemoryStorage(),
        client_id="sdk-py-post",
        client_secret=s.secrets["sdk-py-post"],
        issuer=s.as_issuer,
        assertion_provider=assertion,
        scope="chat.read",
        token_endpoint_auth_method="client_secret_post",
    )
    async with httpx2.AsyncClient(auth=provider, timeout=30, event_hooks={"response": [log_response]}) as http:
        step = "initialize"
        try:
            with anyio.fail_after(60):
                async with streamable_http_client(s.gateway, http_client=http) as (read, write):
                    async with ClientSession(read, write) as session:
                        init = await session.initialize()
                        report(
                            host,
                            "ClientSession.initialize through xaa gateway (401 -> jwt-bearer at xaa serve as -> retried with the token)",
                            init.server_info.name == "xaa-sdk-upstream" and calls == [(s.as_issuer, s.gateway)],
                            f"server {init.server_info.name}, protocol {init.protocol_version}, assertion calls {calls}",
                        )
                        step = "tools/list"
                        names = sorted(t.name for t in (await session.list_tools()).tools)
                        report(host, "tools/list through the gateway", names == ["add", "delete_all", "whoami"], names)
                        step = "tools/call add"
                        added = await session.call_tool("add", {"a": 2, "b": 3})
                        text = added.content[0].text if added.content else None
                        report(host, "tools/call add(2, 3) = 5 through the gateway", not added.is_error and text == "5", f"{text!r} {added.structured_content}")
                        step = "tools/call whoami"
                        who = whoami_of(await session.call_tool("whoami", {}))
                        report(
                            host,
                            "whoami: the upstream sees x-xaa-subject alice, x-xaa-client-id, x-xaa-scope, and no Authorization header",
                            who.get("subject") == "alice"
                            and who.get("client_id") == "sdk-py-post"
                            and who.get("scope") == "chat.read"
                            and who.get("authorization_reached_upstream") is False,
                            who,
                        )
        except (Exception, BaseExceptionGroup) as e:  # noqa: BLE001 - the SDK's error is the finding
            report(host, f"MCP session through the gateway ({step})", False, describe(e))

        # delete_all needs scope "admin": the gateway answers 403 insufficient_scope and the provider
        # asks the AS for "chat.read admin". Nobody is granted "admin": the AS either refuses
        # (invalid_scope) or issues a token without it (RFC 6749 §3.3), which the gateway refuses
        # again. Either way the call fails in the SDK.
        exchanges_before = len(calls)
        del seen[:]
        outcome: object = None
        try:
            with anyio.fail_after(60):
                async with streamable_http_client(s.gateway, http_client=http) as (read, write):
                    async with ClientSession(read, write) as session:
                        await session.initialize()
                        outcome = await session.call_tool("delete_all", {})
        except (Exception, BaseExceptionGroup) as e:  # noqa: BLE001
            outcome = e
        forbidden = [x for x in seen if x[1] == s.gateway and x[2] == 403]
        challenge = forbidden[0][3] if forbidden else ""
        step_up = [x for x in seen if x[4] and "admin" in x[4].split()]
        admin_granted = any(x[2] == 200 and "admin" in x[5].split() for x in step_up)
        report(
            host,
            "tools/call delete_all: gateway 403 insufficient_scope scope=admin, the SDK's step-up for admin gets no admin token, the call fails",
            isinstance(outcome, BaseException)
            and 'error="insufficient_scope"' in challenge
            and 'scope="admin"' in challenge
            and bool(step_up)
            and not admin_granted,
            f"raised {describe(outcome) if isinstance(outcome, BaseException) else f'nothing, returned {outcome!r}'}; "
            f"gateway challenge {challenge!r}; step-up token requests (url, status, asked, granted or error) "
            f"{[(x[1], x[2], x[4], x[5]) for x in step_up]}; gateway 403s {len(forbidden)}; "
            f"assertion calls during the step-up {len(calls) - exchanges_before}",
        )

        step = "initialize"
        try:
            with anyio.fail_after(60):
                async with streamable_http_client(s.gateway, http_client=http) as (read, write):
                    async with ClientSession(read, write) as session:
                        await session.initialize()
                        step = "tools/call whoami"
                        who = whoami_of(await session.call_tool("whoami", {}))
                        report(
                            host,
                            "after the refusal: the stored chat.read token still works, delete_all never ran upstream",
                            who.get("subject") == "alice" and who.get("delete_all_calls") == 0,
                            who,
                        )
        except (Exception, BaseExceptionGroup) as e:  # noqa: BLE001
            report(host, f"MCP session after the refusal ({step})", False, describe(e))


def sign(claims: dict, header: dict, key) -> str:
    return jwt.encode(claims, key, algorithm="ES256", headers={k: v for k, v in header.items() if k != "alg"})


async def gateway_checks(s: Servers) -> None:
    """The gateway's answers, over plain HTTP (httpx2, no SDK): what the issue requires."""
    host = "gateway"
    async with httpx2.AsyncClient(timeout=30) as http:
        # a. No token: 401 pointing at the RFC 9728 document, which names the AS.
        r = await http.post(s.gateway, json=INITIALIZE, headers=MCP_ACCEPT)
        challenge = r.headers.get("www-authenticate", "")
        report(
            host,
            "no token: 401, WWW-Authenticate names the gateway's resource_metadata",
            r.status_code == 401 and challenge.lower().startswith("bearer") and f'resource_metadata="{s.gateway_prm}"' in challenge,
            f"HTTP {r.status_code} WWW-Authenticate: {challenge}",
        )
        r = await http.get(s.gateway_prm)
        try:
            prm = r.json()
        except ValueError:
            prm = r.text[:300]
        report(
            host,
            "RFC 9728 metadata: 200, resource = the gateway's /mcp, authorization_servers = [xaa serve as]",
            r.status_code == 200
            and isinstance(prm, dict)
            and prm.get("resource") == s.gateway
            and prm.get("authorization_servers") == [s.as_issuer],
            f"HTTP {r.status_code} {prm}",
        )

        async def refused_as_invalid_token(check: str, token: str) -> None:
            r = await http.post(s.gateway, json=INITIALIZE, headers={**MCP_ACCEPT, "Authorization": f"Bearer {token}"})
            challenge = r.headers.get("www-authenticate", "")
            report(host, check, r.status_code == 401 and 'error="invalid_token"' in challenge, f"HTTP {r.status_code} WWW-Authenticate: {challenge}")

        # b. A token xaa serve as issued for another resource (the plain `xaa serve resource`).
        try:
            other = await access_token(s, s.resource)
            await refused_as_invalid_token("a token for another resource (xaa serve resource): 401 invalid_token", other)
        except Exception as e:  # noqa: BLE001
            report(host, "a token for another resource (xaa serve resource): 401 invalid_token", False, describe(e))

        # A token for the gateway, from the AS: the model for the hand-made ones.
        try:
            token = await access_token(s, s.gateway)
        except Exception as e:  # noqa: BLE001
            report(host, "an access token for the gateway from xaa serve as", False, describe(e))
            return
        header = jwt.get_unverified_header(token)
        claims = jwt.decode(token, options={"verify_signature": False})
        as_key = jwt.PyJWK.from_json((s.work / "as.jwk").read_text()).key
        now = int(time.time())

        def minted(iat: int, exp: int, key) -> str:
            c = {**claims, "iat": iat, "exp": exp, "jti": os.urandom(16).hex()}
            if "nbf" in c:
                c["nbf"] = iat
            return sign(c, header, key)

        # Control: the same claims, signed here with the AS key and valid times, are accepted, so
        # the two refusals below are about the expiry and the key alone.
        r = await http.post(s.gateway, json=INITIALIZE, headers={**MCP_ACCEPT, "Authorization": f"Bearer {minted(now, now + 300, as_key)}"})
        report(
            host,
            "control: the AS token's claims re-signed with the AS key (as.jwk), valid times: accepted, initialize answered",
            r.status_code == 200,
            f"HTTP {r.status_code} header {header} claims {sorted(claims)}",
        )
        # c. Expired five minutes ago (the leeway is 60 s).
        await refused_as_invalid_token("an expired token (exp 5 minutes ago, signed with the AS key): 401 invalid_token", minted(now - 900, now - 300, as_key))
        # d. Signed by a key nobody trusts, with the AS key's kid.
        rogue = ec.generate_private_key(ec.SECP256R1())
        await refused_as_invalid_token("a token signed by an untrusted P-256 key with the AS key's kid: 401 invalid_token", minted(now, now + 300, rogue))

        # e. A valid token without scope "admin": tools/call delete_all is refused before the
        # upstream sees it. In a real session, so that only the gateway can be refusing it.
        auth = {**MCP_ACCEPT, "Authorization": f"Bearer {token}"}
        r = await http.post(s.gateway, json=INITIALIZE, headers=auth)
        sid = r.headers.get("mcp-session-id")
        try:
            server = jsonrpc_result(r).get("result", {}).get("serverInfo", {}).get("name")
        except Exception as e:  # noqa: BLE001
            server = f"unreadable answer: {describe(e)} {r.text[:300]!r}"
        report(
            host,
            "a valid token: initialize answered by the upstream through the gateway, Mcp-Session-Id passed back",
            r.status_code == 200 and bool(sid) and server == "xaa-sdk-upstream",
            f"HTTP {r.status_code} session {sid} server {server}",
        )
        session = {**auth, "MCP-Protocol-Version": "2025-06-18", **({"Mcp-Session-Id": sid} if sid else {})}
        await http.post(s.gateway, json={"jsonrpc": "2.0", "method": "notifications/initialized"}, headers=session)
        r = await http.post(
            s.gateway,
            json={"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "delete_all", "arguments": {}}},
            headers=session,
        )
        challenge = r.headers.get("www-authenticate", "")
        report(
            host,
            "tools/call delete_all with a chat.read token: 403 insufficient_scope, scope=\"admin\", resource_metadata",
            r.status_code == 403
            and 'error="insufficient_scope"' in challenge
            and 'scope="admin"' in challenge
            and f'resource_metadata="{s.gateway_prm}"' in challenge,
            f"HTTP {r.status_code} WWW-Authenticate: {challenge}",
        )
        # Identity headers a client sends are not the gateway's: replaced, never passed on.
        r = await http.post(
            s.gateway,
            json={"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "whoami", "arguments": {}}},
            headers={**session, "x-xaa-subject": "mallory", "x-xaa-client-id": "forged", "x-xaa-scope": "admin"},
        )
        try:
            who = whoami_of(jsonrpc_result(r)["result"])
        except Exception as e:  # noqa: BLE001
            who = f"HTTP {r.status_code} {r.text[:300]} ({e})"
        report(
            host,
            "client-sent x-xaa-* headers are replaced by the token's; delete_all never ran",
            isinstance(who, dict)
            and who.get("subject") == "alice"
            and who.get("client_id") == "sdk-py-post"
            and who.get("scope") == "chat.read"
            and who.get("delete_all_calls") == 0,
            who,
        )
        if sid:
            await http.delete(s.gateway, headers=session)

        # f. Metrics.
        try:
            r = await http.get(f"{s.metrics_base}/metrics")
            report(
                host,
                "metrics: GET /metrics on --metrics-listen is 200 with xaa_gateway_requests_total",
                r.status_code == 200 and "xaa_gateway_requests_total" in r.text,
                f"HTTP {r.status_code} " + " | ".join(l for l in r.text.splitlines() if l.startswith("xaa_gateway_requests_total"))[:600],
            )
            # Every session above reused its token: the component's cache answered most checks.
            counters = {
                line.split("{", 1)[1].split("}", 1)[0]: float(line.rsplit(" ", 1)[1])
                for line in r.text.splitlines()
                if line.startswith("xaa_gateway_token_cache_total{")
            }
            report(
                host,
                "metrics: the verified-token cache reports hits and misses (xaa_gateway_token_cache_total)",
                counters.get('result="hit"', 0) > 0 and counters.get('result="miss"', 0) > 0,
                counters,
            )
        except Exception as e:  # noqa: BLE001
            report(host, "metrics: GET /metrics on --metrics-listen is 200 with xaa_gateway_requests_total", False, describe(e))


async def bridge_checks(s: Servers) -> None:
    """`xaa bridge` as the stdio MCP server of an MCP host, the host being the Python SDK's own
    stdio client (`stdio_client` + `ClientSession`): one `xaa login`, then initialize,
    tools/list and tools/call reach the SDK's MCP server through `xaa gateway`; a refused token
    is renewed once without the host noticing; a refused call and a missing sign-in reach the
    host as JSON-RPC errors, never as a hang."""
    host = "bridge"
    config = s.work / "bridge-config"
    config.mkdir()
    (config / "authorization-servers.toml").write_text(
        f'[[authorization_servers]]\nissuer = "{s.as_issuer}"\nclient_id = "sdk-bridge"\n'
        f'client_secret = "{s.secrets["sdk-bridge"]}"\n'
    )
    env = {
        **os.environ,
        "XAA_CONFIG_DIR": str(config),
        "XAA_CLIENT_SECRET": s.secrets["bridge-agent"],
        "XAA_PASSWORD": PASSWORD,
    }
    login = subprocess.run(
        [s.xaa, "login", "--idp", s.idp, "--client-id", "bridge-agent", "--user", "alice"],
        env=env, capture_output=True, text=True,
    )
    report(host, "xaa login (development sign-in) for the bridge", login.returncode == 0, login.stderr.strip()[-300:])
    bridge = StdioServerParameters(command=s.xaa, args=["bridge", "--resource", s.gateway], env=env)
    with anyio.fail_after(60):
        async with stdio_client(bridge) as (read, write), ClientSession(read, write) as session:
            init = await session.initialize()
            report(host, "initialize through xaa bridge (stdio) and xaa gateway", init.server_info.name == "xaa-sdk-upstream", init.server_info.name)
            names = sorted(t.name for t in (await session.list_tools()).tools)
            report(host, "tools/list", names == ["add", "delete_all", "whoami"], names)
            added = await session.call_tool("add", {"a": 2, "b": 3})
            report(host, "tools/call add(2, 3)", not added.is_error and "5" in str(added.content), added.content)
            # The cached token goes bad (as if revoked): the gateway refuses it with 401, and the
            # bridge gets a new one and repeats the request, once.
            stored = json.loads((config / "session.json").read_text())
            stored["access_tokens"][s.gateway]["token"] = "e30.e30.AAAA"
            (config / "session.json").write_text(json.dumps(stored))
            who = await session.call_tool("whoami", {})
            seen = json.loads(who.content[0].text) if not who.is_error else {}
            report(
                host,
                "a refused token is renewed transparently; the upstream sees alice via sdk-bridge, never the token",
                seen.get("subject") == "alice" and seen.get("client_id") == "sdk-bridge" and seen.get("authorization_reached_upstream") is False,
                seen or who.content,
            )
            renewed = json.loads((config / "session.json").read_text())["access_tokens"][s.gateway]["token"]
            report(host, "the renewed token is stored for the next run", renewed != "e30.e30.AAAA", "")
            try:
                refused = await session.call_tool("delete_all", {})
                report(host, "a call the gateway refuses (403) reaches the host as an error", False, refused.content)
            except MCPError as e:
                report(host, "a call the gateway refuses (403) reaches the host as an error", "403" in str(e) and "insufficient_scope" in str(e), e)
    # No sign-in at all: initialize fails with the bridge's JSON-RPC error, promptly.
    empty = s.work / "bridge-empty"
    empty.mkdir()
    (empty / "authorization-servers.toml").write_text((config / "authorization-servers.toml").read_text())
    nobody = StdioServerParameters(command=s.xaa, args=["bridge", "--resource", s.gateway], env={**env, "XAA_CONFIG_DIR": str(empty)})
    failure = None
    try:
        with anyio.fail_after(30):
            async with stdio_client(nobody) as (read, write), ClientSession(read, write) as session:
                await session.initialize()
    except BaseException as e:  # noqa: BLE001 - the SDK may wrap the error in an exception group
        failure = next((x for x in leaves(e) if isinstance(x, MCPError)), e)
    report(
        host,
        "without a sign-in, initialize fails with the bridge's JSON-RPC error",
        isinstance(failure, MCPError) and "not signed in" in str(failure),
        failure if failure else "initialize succeeded",
    )


def node_checks(s: Servers, js_dir: Path, script: str, host: str, extra: dict | None = None) -> None:
    env = dict(os.environ)
    env["XAA_SDK"] = json.dumps(
        {
            "idp_issuer": s.idp,
            "as_issuer": s.as_issuer,
            "resource": s.resource,
            "gateway": s.gateway,
            "sign_in_url": f"{s.idp}/dev/sign-in",
            "user": "alice",
            "password": PASSWORD,
            "idp_client_id": "ts-agent",
            "idp_client_secret": s.secrets["ts-agent"],
            "as_client_id": "sdk-ts",
            "as_client_secret": s.secrets["sdk-ts"],
            **(extra or {}),
        }
    )
    try:
        run = subprocess.run(["node", script], cwd=js_dir, env=env, capture_output=True, text=True, timeout=180)
    except subprocess.TimeoutExpired as e:
        report(host, f"{script} ran", False, f"timed out: {(e.stdout or b'')[-1000:]!r}")
        return
    before = len(RESULTS)
    lines = [line for line in run.stdout.splitlines() if line.startswith("{")]
    for line in lines:
        result = json.loads(line)
        report(host, result["check"], bool(result["ok"]), result.get("detail") or "")
    if not lines or (run.returncode != 0 and all(r[2] for r in RESULTS[before:])):
        report(host, f"{script} ran", False, f"exit {run.returncode}: {run.stderr[-2000:]}")


def upstream_never_deleted(s: Servers) -> None:
    out = (s.work / "upstream.out").read_text()
    report("gateway", "the upstream's own log: delete_all never ran", "delete_all ran" not in out, out.strip().splitlines()[-1] if out.strip() else "")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--xaa", required=True)
    parser.add_argument("--js-dir", default=str(HERE / "js"))
    args = parser.parse_args()
    roles = ("idp", "as", "resource", "upstream", "gateway")
    with tempfile.TemporaryDirectory() as work:
        s = Servers(str(Path(args.xaa).resolve()), Path(work))
        s.configure()
        try:
            s.start()
            asyncio.run(python_checks(s))
            typescript_checks(s, Path(args.js_dir))
            try:
                s.start_gateway()
            except Exception as e:  # noqa: BLE001 - no gateway: the end-to-end checks fail, the rest stand
                report("gateway", "xaa gateway and the SDK's MCP server (mcp_server.py) started", False, e)
            else:
                for host, stage in (
                    ("python e2e", lambda: asyncio.run(python_e2e(s))),
                    ("typescript e2e", lambda: node_checks(s, Path(args.js_dir), "mcp_e2e.mjs", "typescript e2e")),
                    ("gateway", lambda: asyncio.run(gateway_checks(s))),
                    ("bridge", lambda: asyncio.run(bridge_checks(s))),
                    ("gateway", lambda: upstream_never_deleted(s)),
                ):
                    try:
                        stage()
                    except Exception as e:  # noqa: BLE001 - an unexpected answer ends that stage only
                        report(host, "the checks ran to the end", False, describe(e))
        finally:
            s.stop()
            if any(not r[2] for r in RESULTS):
                for role in roles:
                    log = Path(work) / f"{role}.log"
                    if log.exists() and log.read_text().strip():
                        print(f"--- {role} log (tail)\n" + "\n".join(log.read_text().splitlines()[-15:]))
    passed = sum(1 for r in RESULTS if r[2])
    failed = len(RESULTS) - passed
    print(f"sdk: {passed} passed, {failed} failed")
    return 1 if failed or not RESULTS else 0

if __name__ == "__main__":
    sys.exit(main())
