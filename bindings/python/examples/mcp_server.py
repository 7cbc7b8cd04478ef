"""(a) An MCP server from the official Python SDK (`mcp` 2.3.0 `MCPServer`, Streamable HTTP at
`/mcp`) whose bearer tokens are judged by the component: `token_verifier=XaaTokenVerifier(v)`.

Usage: python mcp_server.py --config mcp.toml --resource URL --issuer AS_URL --port PORT
(`mcp.toml`: a `[resource_server]` section, the same TOML as `xaa`).
"""

from __future__ import annotations

import argparse
import os

from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.server.auth.settings import AuthSettings
from mcp.server.mcpserver import MCPServer

import xaa_token
from serve import serve
from xaa_token.mcp import XaaTokenVerifier

# "auto" (native if the extension imports, else wasmtime), "native" or "wasmtime".
BACKEND = os.environ.get("XAA_TOKEN_BACKEND", "auto")


def build(config: str, resource: str, issuer: str) -> MCPServer:
    validator = xaa_token.Validator.from_config_file(config, backend=BACKEND)
    server = MCPServer(
        "xaa-example-mcp",
        token_verifier=XaaTokenVerifier(validator, resource=resource),
        auth=AuthSettings(
            issuer_url=issuer,
            resource_server_url=resource,
            validate_token_resource=True,
            required_scopes=["chat.read"],
        ),
    )

    @server.tool()
    def whoami() -> dict:
        """Who the verified access token says is calling."""
        token = get_access_token()
        assert token is not None  # the SDK's RequireAuthMiddleware let the request through
        return {
            "subject": token.subject,
            "client_id": token.client_id,
            "scopes": token.scopes,
            "resource": token.resource,
            "issuer": (token.claims or {}).get("iss"),
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
    server = build(args.config, args.resource, args.issuer)
    serve(server.streamable_http_app(streamable_http_path="/mcp"), args.port)


if __name__ == "__main__":
    main()
