"""Runs every example against a real `xaa serve idp` and `xaa serve as`, on 127.0.0.1.

(a) mcp_server.py    `mcp` MCPServer + XaaTokenVerifier
(b) fastmcp_server.py FastMCP + xaa_token.fastmcp.XaaTokenVerifier (keys from the AS's jwks_uri)
(c) asgi_as.py       the resource AS as an ASGI app (authorization_server_http)
(d) mcp_own_as.py    `mcp` MCPServer as its own AS: XaaIdentityAssertionProvider

Tokens come from the real servers (development sign-in, RFC 8693 exchange at `xaa serve idp`,
jwt-bearer at `xaa serve as`); the tools are called with the official SDK client
(`ClientSession` over `streamable_http_client`), the refusals over plain HTTP (httpx2). Expected
outcomes are written here, never computed by the code under test. Then two figures: the
worker-thread hop the hooks take, and `verify_token` per call.

One line per check (`ok` / `FAIL`); the last line `python examples: N passed, M failed`; exit 1
on any failure (with the servers' log tails). Usage: python run_examples.py --xaa PATH/TO/xaa
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import anyio
import anyio.to_thread
import httpx2
from mcp.client.auth.extensions.identity_assertion import IdentityAssertionOAuthProvider
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import OAuthMetadata

import xaa_token
from xaa_servers import Parties

HERE = Path(__file__).resolve().parent
RESULTS: list[bool] = []
BACKEND = os.environ.get("XAA_TOKEN_BACKEND", "auto")
# Every token and ID-JAG the checks handled: none may appear in any server's output.
HANDLED: set[str] = set()
MCP_HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "xaa-examples", "version": "0"}},
}


def report(example: str, check: str, ok: bool, detail: object = "") -> None:
    RESULTS.append(ok)
    print(f"{'ok  ' if ok else 'FAIL'} [{example}] {check}" + (f" — {detail}" if detail != "" else ""), flush=True)


def leaves(e: BaseException) -> list[BaseException]:
    if isinstance(e, BaseExceptionGroup):
        return [leaf for sub in e.exceptions for leaf in leaves(sub)]
    return [e]


def describe(e: BaseException) -> str:
    return "; ".join(f"{type(x).__name__}: {x}" for x in leaves(e))[:1500]


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


async def call_whoami(url: str, http: httpx2.AsyncClient) -> tuple[list[str], dict]:
    """initialize, tools/list, tools/call whoami with the official SDK client."""
    with anyio.fail_after(60):
        async with streamable_http_client(url, http_client=http) as (read, write):
            async with ClientSession(read, write) as session:
                await session.initialize()
                names = sorted(t.name for t in (await session.list_tools()).tools)
                result = await session.call_tool("whoami", {})
                if result.is_error:
                    raise RuntimeError(f"whoami failed: {result.content}")
                return names, json.loads(result.content[0].text)


async def refused(http: httpx2.AsyncClient, url: str, token: str | None) -> tuple[bool, str]:
    """An MCP initialize with `token`: refused with 401 and a Bearer challenge?"""
    headers = dict(MCP_HEADERS)
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    r = await http.post(url, json=INITIALIZE, headers=headers)
    challenge = r.headers.get("www-authenticate", "")
    return r.status_code == 401 and challenge.lower().startswith("bearer"), f"HTTP {r.status_code} WWW-Authenticate: {challenge}"


async def resource_server_checks(p: Parties, name: str) -> None:
    """(a) and (b): the same checks for both servers."""
    resource = p.resources[name]
    try:
        token = await anyio.to_thread.run_sync(p.access_token, resource)
        other = await anyio.to_thread.run_sync(p.access_token, p.other_resource)
        HANDLED.update((token, other))
    except Exception as e:  # noqa: BLE001
        report(name, "access tokens from xaa serve as", False, describe(e))
        return
    try:
        async with httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=60) as http:
            names, who = await call_whoami(resource, http)
        report(
            name,
            "SDK ClientSession with a token from xaa serve as: initialize, tools/list, tools/call whoami",
            names == ["whoami"]
            and who.get("subject") == "alice"
            and who.get("client_id") == "mcp-client"
            and who.get("scopes") == ["chat.read"]
            and who.get("resource") == resource
            and who.get("issuer") == p.as_issuer
            and isinstance(who.get("expires_at"), int)
            and (BACKEND == "auto" or who.get("backend") == BACKEND),
            f"tools {names}, whoami {who}",
        )
    except (Exception, BaseExceptionGroup) as e:  # noqa: BLE001
        report(name, "SDK ClientSession with a token from xaa serve as", False, describe(e))

    now = int(time.time())
    async with httpx2.AsyncClient(timeout=60) as http:
        ok, detail = await refused(http, resource, None)
        report(name, "no token: 401 Bearer", ok and "resource_metadata=" in detail, detail)
        ok, detail = await refused(http, resource, other)
        report(name, "a token xaa serve as issued for another resource: 401", ok, detail)
        ok, detail = await refused(http, resource, p.resigned(token, iat=now - 600, exp=now - 300))
        report(name, "the token's claims, expired 5 minutes ago, re-signed with the AS key: 401", ok, detail)
        ok, detail = await refused(http, resource, token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB"))
        report(name, "the token with its signature altered: 401", ok, detail)
        unscoped = p.resigned(token, iat=now, exp=now + 120, scope="chat.history")
        r = await http.post(resource, json=INITIALIZE, headers={**MCP_HEADERS, "Authorization": f"Bearer {unscoped}"})
        challenge = r.headers.get("www-authenticate", "")
        report(
            name,
            "a valid token without the required scope chat.read: 403 insufficient_scope",
            r.status_code == 403 and 'error="insufficient_scope"' in challenge,
            f"HTTP {r.status_code} WWW-Authenticate: {challenge}",
        )
        control = p.resigned(token, iat=now, exp=now + 120)
        r = await http.post(resource, json=INITIALIZE, headers={**MCP_HEADERS, "Authorization": f"Bearer {control}"})
        report(name, "control: the same claims re-signed with valid times: 200", r.status_code == 200, f"HTTP {r.status_code}")


async def asgi_checks(p: Parties) -> None:
    """(c) the ASGI authorization server."""
    name = "asgi"
    base = p.asgi_issuer
    async with httpx2.AsyncClient(timeout=60) as http:
        r = await http.get(f"{base}/.well-known/oauth-authorization-server")
        try:
            meta = OAuthMetadata.model_validate_json(r.content)
            report(
                name,
                "RFC 8414 metadata: 200, read by the SDK's OAuthMetadata, issuer and token endpoint",
                r.status_code == 200 and str(meta.issuer) == base and str(meta.token_endpoint) == f"{base}/token",
                f"HTTP {r.status_code} issuer {meta.issuer} token_endpoint {meta.token_endpoint}",
            )
        except Exception as e:  # noqa: BLE001
            report(name, "RFC 8414 metadata read by the SDK's OAuthMetadata", False, f"HTTP {r.status_code} {describe(e)}")
        r = await http.get(f"{base}/jwks.json")
        kid = json.loads((p.work / "asgi.jwks").read_text())["keys"][0]["kid"]
        keys = r.json().get("keys", []) if r.status_code == 200 else []
        report(name, "JWK Set: 200, the signing key's public half only", [k.get("kid") for k in keys] == [kid] and all("d" not in k for k in keys), f"HTTP {r.status_code} kids {[k.get('kid') for k in keys]}")

        assertion = await anyio.to_thread.run_sync(p.id_jag, base, p.asgi_resource)
        r = await anyio.to_thread.run_sync(p.jwt_bearer, f"{base}/token", assertion, p.asgi_resource)
        body = r.json()
        HANDLED.update((assertion, body.get("access_token", "")))
        report(
            name,
            "jwt-bearer with an ID-JAG from xaa serve idp: 200 Bearer, scope chat.read, no-store",
            r.status_code == 200 and body.get("token_type") == "Bearer" and body.get("scope") == "chat.read" and r.headers.get("cache-control") == "no-store",
            f"HTTP {r.status_code} {sorted(body)} scope {body.get('scope')}",
        )
        if r.status_code == 200:
            rs = xaa_token.Validator.from_config_file(str(p.work / "asgi-resource.toml"), backend=BACKEND)
            verdict = rs.validate_access_token(body["access_token"])
            report(
                name,
                "the issued access token is valid for the resource (a resource-server Validator): sub alice, client mcp-client",
                verdict.valid and verdict.subject == "alice" and verdict.client_id == "mcp-client" and verdict.audience == (p.asgi_resource,),
                f"{verdict.code} sub {verdict.subject} aud {verdict.audience}",
            )
        r = await anyio.to_thread.run_sync(p.jwt_bearer, f"{base}/token", assertion, p.asgi_resource)
        report(name, "the same ID-JAG again: 400 invalid_grant (replay)", r.status_code == 400 and r.json().get("error") == "invalid_grant", f"HTTP {r.status_code} {r.text[:200]}")
        foreign = await anyio.to_thread.run_sync(p.id_jag, p.own_issuer, p.own_resource)
        r = await anyio.to_thread.run_sync(p.jwt_bearer, f"{base}/token", foreign, p.asgi_resource)
        report(name, "an ID-JAG for another authorization server: 400 invalid_grant", r.status_code == 400 and r.json().get("error") == "invalid_grant", f"HTTP {r.status_code} {r.text[:200]}")
        fresh = await anyio.to_thread.run_sync(p.id_jag, base, p.asgi_resource)
        r = await http.post(f"{base}/token", data={"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": fresh})
        report(name, "no client authentication: 401 invalid_client", r.status_code == 401 and r.json().get("error") == "invalid_client", f"HTTP {r.status_code} {r.text[:200]}")
        r = await http.post(f"{base}/token", content=b"a" * (64 * 1024 + 1), headers={"Content-Type": "application/x-www-form-urlencoded"})
        report(name, "a body over 64 KiB: 413", r.status_code == 413, f"HTTP {r.status_code}")
        r = await http.get(f"{base}/nothing-here")
        report(name, "an unknown path: 404", r.status_code == 404, f"HTTP {r.status_code}")
    HANDLED.update((foreign, fresh))
    log = (p.work / "asgi.log").read_text()
    report(name, "its log names the verdict code of a refusal", "code=replayed" in log, f"{len(log.splitlines())} log lines")


async def own_as_checks(p: Parties) -> None:
    """(d) the MCPServer that is its own AS, through the SDK's IdentityAssertionOAuthProvider."""
    name = "mcp own AS"
    calls: list[tuple[str, str]] = []

    async def assertion(audience: str, resource: str) -> str:
        calls.append((audience, resource))
        return await anyio.to_thread.run_sync(p.id_jag, audience, resource)

    provider = IdentityAssertionOAuthProvider(
        server_url=p.own_resource,
        storage=MemoryStorage(),
        client_id="mcp-client",
        client_secret=p.secrets["mcp-client"],
        issuer=p.own_issuer,
        assertion_provider=assertion,
        scope="chat.read",
        token_endpoint_auth_method="client_secret_post",
    )
    try:
        async with httpx2.AsyncClient(auth=provider, timeout=60) as http:
            names, who = await call_whoami(p.own_resource, http)
        report(
            name,
            "SDK IdentityAssertionOAuthProvider: 401 -> discovery -> jwt-bearer (exchange_identity_assertion) -> whoami",
            names == ["whoami"]
            and who == {"subject": "alice", "client_id": "mcp-client", "scopes": ["chat.read"], "resource": p.own_resource}
            and calls == [(p.own_issuer, p.own_resource)],
            f"whoami {who}, assertion calls {calls}",
        )
    except (Exception, BaseExceptionGroup) as e:  # noqa: BLE001
        report(name, "SDK IdentityAssertionOAuthProvider end to end", False, describe(e))

    token_endpoint = f"{p.own_issuer}/token"
    used = await anyio.to_thread.run_sync(p.id_jag, p.own_issuer, p.own_resource)
    first = await anyio.to_thread.run_sync(p.jwt_bearer, token_endpoint, used, p.own_resource)
    HANDLED.update((used, first.json().get("access_token", "")))
    again = await anyio.to_thread.run_sync(p.jwt_bearer, token_endpoint, used, p.own_resource)
    report(
        name,
        "one ID-JAG twice: 200 then 400 invalid_grant (the component consumed the jti)",
        first.status_code == 200 and again.status_code == 400 and again.json().get("error") == "invalid_grant",
        f"HTTP {first.status_code}, then HTTP {again.status_code} {again.text[:200]}",
    )
    foreign = await anyio.to_thread.run_sync(p.id_jag, p.as_issuer, p.resources["mcp"])
    HANDLED.add(foreign)
    r = await anyio.to_thread.run_sync(p.jwt_bearer, token_endpoint, foreign, p.own_resource)
    report(name, "an ID-JAG for another authorization server: 400 invalid_grant", r.status_code == 400 and r.json().get("error") == "invalid_grant", f"HTTP {r.status_code} {r.text[:200]}")
    async with httpx2.AsyncClient(timeout=60) as http:
        ok, detail = await refused(http, p.own_resource, None)
        report(name, "no token: 401 Bearer", ok, detail)
        ok, detail = await refused(http, p.own_resource, await anyio.to_thread.run_sync(p.access_token, p.resources["mcp"]))
        report(name, "an access token of xaa serve as (not one this server issued): 401", ok, detail)


async def figures(p: Parties) -> None:
    """The thread hop the hooks take, and verify_token per call (a token verified before, so
    the component's token cache answers; keys from a file)."""
    from xaa_token.mcp import XaaTokenVerifier

    def noop() -> None:
        return None

    n = 2000
    for _ in range(100):
        await anyio.to_thread.run_sync(noop)
    t = time.perf_counter()
    for _ in range(n):
        await anyio.to_thread.run_sync(noop)
    hop = (time.perf_counter() - t) / n * 1e6
    print(f"figure: anyio.to_thread hop {hop:.1f} us per call ({n} calls)", flush=True)

    # The jwt-bearer token endpoint over HTTP on 127.0.0.1, one request at a time: the ASGI
    # app (uvicorn, this package) against `xaa serve as` (Rust), fresh ID-JAGs fetched first.
    rounds = 100
    for label, issuer, resource in (
        ("asgi_as.py (uvicorn + xaa_token.asgi)", p.asgi_issuer, p.asgi_resource),
        ("xaa serve as", p.as_issuer, p.resources["mcp"]),
    ):
        assertions = [await anyio.to_thread.run_sync(p.id_jag, issuer, resource) for _ in range(rounds)]
        samples = []
        async with httpx2.AsyncClient(timeout=30) as http:
            for a in assertions:
                form = {
                    "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
                    "assertion": a,
                    "resource": resource,
                    "client_id": "mcp-client",
                    "client_secret": p.secrets["mcp-client"],
                }
                t = time.perf_counter()
                r = await http.post(f"{issuer}/token", data=form)
                samples.append(time.perf_counter() - t)
                assert r.status_code == 200, r.text
        samples.sort()
        print(
            f"figure: jwt-bearer token request at {label}: median {statistics.median(samples) * 1e3:.2f} ms, "
            f"p99 {samples[int(rounds * 0.99)] * 1e3:.2f} ms ({rounds} requests, one connection)",
            flush=True,
        )

    validator = xaa_token.Validator.from_config_file(str(p.work / "mcp.toml"), backend=BACKEND)
    token = await anyio.to_thread.run_sync(p.access_token, p.resources["mcp"])
    # Uncached: distinct tokens (the claims of a real one, a fresh jti each, re-signed with
    # the AS key), each verified once: the ES256 signature is checked every time.
    now = int(time.time())
    fresh = [p.resigned(token, jti=f"figure-{i}", iat=now, exp=now + 300) for i in range(500)]
    verifier = XaaTokenVerifier(validator, resource=p.resources["mcp"])
    samples = []
    for t_ in fresh:
        t = time.perf_counter()
        ok = await verifier.verify_token(t_)
        samples.append(time.perf_counter() - t)
        assert ok is not None
    samples.sort()
    print(
        f"figure: XaaTokenVerifier.verify_token of a token not seen before, offload=True backend={validator.backend}: "
        f"median {statistics.median(samples) * 1e6:.1f} us, p99 {samples[int(len(samples) * 0.99)] * 1e6:.1f} us ({len(samples)} tokens)",
        flush=True,
    )
    for offload in (True, False):
        verifier = XaaTokenVerifier(validator, resource=p.resources["mcp"], offload=offload)
        assert await verifier.verify_token(token) is not None
        samples = []
        for _ in range(n):
            t = time.perf_counter()
            await verifier.verify_token(token)
            samples.append(time.perf_counter() - t)
        samples.sort()
        print(
            f"figure: XaaTokenVerifier.verify_token offload={offload} backend={validator.backend}: "
            f"median {statistics.median(samples) * 1e6:.1f} us, p99 {samples[int(n * 0.99)] * 1e6:.1f} us ({n} calls)",
            flush=True,
        )


async def run(p: Parties) -> None:
    await resource_server_checks(p, "mcp")
    await resource_server_checks(p, "fastmcp")
    await asgi_checks(p)
    await own_as_checks(p)
    outputs = {f.name: f.read_text() for f in sorted(p.work.glob("*.log")) + sorted(p.work.glob("*.out"))}
    leaked = sorted({name for name, text in outputs.items() for t in HANDLED if t and t in text})
    report("all", f"no token or ID-JAG of the {len(HANDLED)} handled appears in any server's output", not leaked, leaked or f"{len(outputs)} files read")
    await figures(p)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--xaa", required=True)
    args = parser.parse_args()
    xaa = str(Path(args.xaa).resolve())
    with tempfile.TemporaryDirectory(prefix="xaa-py-examples-") as tmp:
        p = Parties(xaa, Path(tmp))
        try:
            p.configure()
            p.write(
                "asgi-resource.toml",
                [
                    "[resource_server]",
                    f'resource = "{p.asgi_resource}"',
                    f'issuer = "{p.asgi_issuer}"',
                    'jwks_file = "asgi.jwks"',
                    'algorithms = ["ES256"]',
                ],
            )
            (p.work / "mcp-client.secret").write_text(p.secrets["mcp-client"])
            p.start_xaa()
            py = sys.executable
            for name, script in (("mcp", "mcp_server.py"), ("fastmcp", "fastmcp_server.py")):
                argv = [py, str(HERE / script), "--config", f"{name}.toml", "--resource", p.resources[name], "--issuer", p.as_issuer]
                p.spawn(name, [*argv, "--port", str(p.ports[name])])
            p.spawn("asgi", [py, str(HERE / "asgi_as.py"), "--config", "asgi.toml", "--port", str(p.ports["asgi"])])
            own = [py, str(HERE / "mcp_own_as.py"), "--config", "own.toml", "--client-secret-file", "mcp-client.secret"]
            p.spawn("own", [*own, "--port", str(p.ports["own"])])
            asyncio.run(run(p))
        except Exception as e:  # noqa: BLE001 - a setup failure is one failed check
            report("setup", "start the parties", False, describe(e))
        finally:
            p.stop()
            failed = RESULTS.count(False)
            print(f"python examples: {RESULTS.count(True)} passed, {failed} failed", flush=True)
            if failed:
                print(p.log_tails(), flush=True)
    sys.exit(1 if failed or not RESULTS else 0)


if __name__ == "__main__":
    main()
