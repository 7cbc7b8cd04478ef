"""(b) A FastMCP 4 server (Streamable HTTP at `/mcp`) whose bearer tokens are judged by the
component: `RemoteAuthProvider(token_verifier=XaaTokenVerifier(v), ...)` serves the RFC 9728
metadata naming the authorization server, the verifier decides every token. This server's
configuration reads the AS's keys from its `jwks_uri`, so the first validation fetches them
(on a worker thread: see xaa_token.mcp.Offload).

Usage: python fastmcp_server.py --config fastmcp.toml --resource URL --issuer AS_URL --port PORT
"""

from __future__ import annotations

import argparse
import os

from fastmcp import FastMCP
from fastmcp.server.auth import RemoteAuthProvider
from fastmcp.server.dependencies import get_access_token

import xaa_token
from serve import serve
from xaa_token.fastmcp import XaaTokenVerifier

# "auto" (native if the extension imports, else wasmtime), "native" or "wasmtime".
BACKEND = os.environ.get("XAA_TOKEN_BACKEND", "auto")


def build(config: str, resource: str, issuer: str) -> FastMCP:
    validator = xaa_token.Validator.from_config_file(config, backend=BACKEND)
    base_url = resource.removesuffix("/mcp")
    verifier = XaaTokenVerifier(validator, resource=resource, base_url=base_url, required_scopes=["chat.read"])
    server = FastMCP(
        "xaa-example-fastmcp",
        auth=RemoteAuthProvider(token_verifier=verifier, authorization_servers=[issuer], base_url=base_url),
    )

    @server.tool
    def whoami() -> dict:
        """Who the verified access token says is calling."""
        token = get_access_token()
        assert token is not None
        return {
            "subject": token.subject,
            "client_id": token.client_id,
            "scopes": token.scopes,
            "resource": token.resource,
            "issuer": token.claims.get("iss"),
            "expires_at": token.expires_at,
            "backend": validator.backend,
        }

    return server


def main() -> None:
    parser = argparse.ArgumentParser()
    for flag in ("--config", "--resource", "--issuer"):
        parser.add_argument(flag, required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    serve(build(args.config, args.resource, args.issuer).http_app(path="/mcp"), args.port)


if __name__ == "__main__":
    main()
