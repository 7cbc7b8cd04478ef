"""The parties the examples need, on 127.0.0.1: keys, secrets, configuration files, and a real
`xaa serve idp` (development sign-in, RFC 8693 token exchange for ID-JAGs) and `xaa serve as`
(the jwt-bearer grant, RFC 9068 access tokens), as tests/sdk/sdk_clients.py starts them.

One user (alice) and one IdP client (`agent`) with a connection to each authorization server
the examples use:
- `xaa serve as` (`as_issuer`), for the example MCP servers' resources (`resources`) and one
  resource none of them is (`other_resource`, for wrong-audience tokens); client `mcp-client`;
- the ASGI authorization server example (`asgi_issuer`, resource `asgi_resource`);
- the MCPServer that is its own authorization server (`own_issuer`, resource `own_resource`).
"""

from __future__ import annotations

import hashlib
import json
import socket
import subprocess
import time
from pathlib import Path

import httpx2
import jwt

PASSWORD = "correct horse battery staple"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def toml_list(values: list[str]) -> str:
    return json.dumps(values)


class Parties:
    """Configuration of every party, and the processes started (stopped by `stop`)."""

    def __init__(self, xaa: str, work: Path) -> None:
        self.xaa, self.work = xaa, work
        self.procs: list[subprocess.Popen] = []
        self.secrets: dict[str, str] = {}
        self.ports: dict[str, int] = {}
        for name in ("idp", "as", "mcp", "fastmcp", "asgi", "own"):
            self.ports[name] = free_port()
        self.idp = self.url("idp")
        self.as_issuer = self.url("as")
        self.resources = {"mcp": f"{self.url('mcp')}/mcp", "fastmcp": f"{self.url('fastmcp')}/mcp"}
        self.other_resource = "http://127.0.0.1:9/other/mcp"
        self.asgi_issuer = self.url("asgi")
        self.asgi_resource = "http://127.0.0.1:9/asgi/mcp"
        self.own_issuer = self.url("own")
        self.own_resource = f"{self.url('own')}/mcp"

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    def run(self, *args: str) -> str:
        return subprocess.run([self.xaa, *args], capture_output=True, text=True, check=True, cwd=self.work).stdout

    def secret(self, name: str) -> str:
        made = json.loads(self.run("keys", "client-secret"))
        self.secrets[name] = made["client_secret"]
        return made["client_secret_sha256"]

    def write(self, name: str, lines: list[str]) -> Path:
        path = self.work / name
        path.write_text("\n".join(lines) + "\n")
        return path

    def configure(self) -> None:
        for party in ("idp", "as", "asgi"):
            public = self.run("keys", "generate", "--out", f"{party}.jwk")
            (self.work / f"{party}.jwks").write_text(json.dumps({"keys": [json.loads(public)]}))
        password = hashlib.sha256(PASSWORD.encode()).hexdigest()
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
            "",
            "[[idp_clients]]",
            'client_id = "agent"',
            'auth_method = "client_secret_post"',
            f'client_secret_sha256 = "{self.secret("agent")}"',
        ]
        connections = (
            (self.as_issuer, [*self.resources.values(), self.other_resource]),
            (self.asgi_issuer, [self.asgi_resource]),
            (self.own_issuer, [self.own_resource]),
        )
        for audience, resources in connections:
            idp += [
                "",
                "[[connections]]",
                'client_id = "agent"',
                f'audience = "{audience}"',
                f"resources = {toml_list(resources)}",
                'scopes = ["chat.read"]',
                'client_id_at_audience = "mcp-client"',
            ]
        self.write("idp.toml", idp)

        def trusting_the_idp(issuer: str, resources: list[str]) -> list[str]:
            return [
                "[authorization_server]",
                f'issuer = "{issuer}"',
                f"resources = {toml_list(resources)}",
                "",
                "[[trusted_issuers]]",
                f'issuer = "{self.idp}"',
                'jwks_file = "idp.jwks"',
                'algorithms = ["ES256"]',
            ]

        def token_endpoint(key: str, resources: list[str], client_secret: str) -> list[str]:
            return [
                "",
                "[token_endpoint]",
                f'signing_keys = ["{key}"]',
                "",
                "[[clients]]",
                'client_id = "mcp-client"',
                'auth_method = "client_secret_post"',
                f'client_secret_sha256 = "{client_secret}"',
                f"resources = {toml_list(resources)}",
                'scopes = ["chat.read"]',
            ]

        # One secret for mcp-client at every authorization server.
        digest = self.secret("mcp-client")
        served = [*self.resources.values(), self.other_resource]
        self.write("as.toml", trusting_the_idp(self.as_issuer, served) + token_endpoint("as.jwk", served, digest))
        asgi = [self.asgi_resource]
        self.write("asgi.toml", trusting_the_idp(self.asgi_issuer, asgi) + token_endpoint("asgi.jwk", asgi, digest))
        # The MCPServer that is its own AS: the component validates its ID-JAGs (no token
        # endpoint: the SDK's handler answers, the provider issues the token).
        self.write("own.toml", trusting_the_idp(self.own_issuer, [self.own_resource]))
        # The resource servers: the MCPServer reads the AS's keys from a file, the FastMCP server
        # fetches them from the AS's jwks_uri (the path a worker thread exists for).
        for name, keys in (("mcp", 'jwks_file = "as.jwks"'), ("fastmcp", f'jwks_uri = "{self.as_issuer}/jwks.json"')):
            self.write(
                f"{name}.toml",
                [
                    "[resource_server]",
                    f'resource = "{self.resources[name]}"',
                    f'issuer = "{self.as_issuer}"',
                    keys,
                    'algorithms = ["ES256"]',
                ],
            )

    def spawn(self, name: str, argv: list[str]) -> None:
        """Start a server; wait for `listening on` on its stdout (stdout NAME.out, stderr NAME.log)."""
        out = open(self.work / f"{name}.out", "w")
        err = open(self.work / f"{name}.log", "w")
        self.procs.append(subprocess.Popen(argv, cwd=self.work, stdout=out, stderr=err))
        deadline = time.monotonic() + 60
        while "listening on" not in (self.work / f"{name}.out").read_text():
            if time.monotonic() > deadline or self.procs[-1].poll() is not None:
                tail = (self.work / f"{name}.log").read_text()[-3000:]
                raise RuntimeError(f"{name} did not start: {tail}")
            time.sleep(0.05)

    def start_xaa(self) -> None:
        for role in ("idp", "as"):
            listen = self.url(role).removeprefix("http://")
            self.spawn(role, [self.xaa, "serve", role, "--config", f"{role}.toml", "--listen", listen])

    def stop(self) -> None:
        for p in self.procs:
            p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()

    def log_tails(self) -> str:
        return "\n".join(
            f"--- {f.name}\n{f.read_text()[-2000:]}" for f in sorted(self.work.glob("*.log")) if f.read_text().strip()
        )

    # --- tokens -------------------------------------------------------------------------------

    def id_jag(self, audience: str, resource: str) -> str:
        """Development sign-in as alice, then the RFC 8693 exchange at `xaa serve idp`."""
        with httpx2.Client(timeout=30) as http:
            signed_in = http.post(
                f"{self.idp}/dev/sign-in",
                data={"username": "alice", "password": PASSWORD, "client_id": "agent", "client_secret": self.secrets["agent"]},
            )
            signed_in.raise_for_status()
            exchanged = http.post(
                f"{self.idp}/token",
                data={
                    "grant_type": "urn:ietf:params:oauth:grant-type:token-exchange",
                    "requested_token_type": "urn:ietf:params:oauth:token-type:id-jag",
                    "subject_token": signed_in.json()["id_token"],
                    "subject_token_type": "urn:ietf:params:oauth:token-type:id_token",
                    "audience": audience,
                    "resource": resource,
                    "client_id": "agent",
                    "client_secret": self.secrets["agent"],
                },
            )
            exchanged.raise_for_status()
            return exchanged.json()["access_token"]

    def jwt_bearer(self, token_endpoint: str, assertion: str, resource: str) -> httpx2.Response:
        with httpx2.Client(timeout=30) as http:
            return http.post(
                token_endpoint,
                data={
                    "grant_type": JWT_BEARER,
                    "assertion": assertion,
                    "resource": resource,
                    "scope": "chat.read",
                    "client_id": "mcp-client",
                    "client_secret": self.secrets["mcp-client"],
                },
            )

    def resigned(self, token: str, **changes: int | str) -> str:
        """`token`'s header and claims with `changes`, signed with the AS key (as.jwk): a token
        only its claims tell apart from a real one (e.g. expired)."""
        header = jwt.get_unverified_header(token)
        claims = {**jwt.decode(token, options={"verify_signature": False}), **changes}
        key = jwt.PyJWK.from_json((self.work / "as.jwk").read_text()).key
        return jwt.encode(claims, key, algorithm="ES256", headers={k: v for k, v in header.items() if k != "alg"})

    def access_token(self, resource: str) -> str:
        """An RFC 9068 access token from `xaa serve as` for `resource`."""
        r = self.jwt_bearer(f"{self.as_issuer}/token", self.id_jag(self.as_issuer, resource), resource)
        if r.status_code != 200:
            raise RuntimeError(f"jwt-bearer at xaa serve as: HTTP {r.status_code} {r.text}")
        return r.json()["access_token"]
