"""(d) An MCP server from the official Python SDK that is its own authorization server and
accepts ID-JAGs (SEP-990): `AuthSettings(identity_assertion_enabled=True)` with
`XaaIdentityAssertionProvider`, whose `exchange_identity_assertion` has the component validate
the ID-JAG for the client the SDK authenticated, then issues the SDK's (opaque) access token.

Usage: python mcp_own_as.py --config own.toml --client-secret-file F --port PORT
(own.toml: `[authorization_server]` with the trusted IdP; the client `mcp-client` with the
secret in F, scope `chat.read`).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.server.auth.settings import AuthSettings
from mcp.server.mcpserver import MCPServer
from mcp.shared.auth import OAuthClientInformationFull

import xaa_token
from serve import serve
from xaa_token.mcp import XaaIdentityAssertionProvider

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"

# "auto" (native if the extension imports, else wasmtime), "native" or "wasmtime".
BACKEND = os.environ.get("XAA_TOKEN_BACKEND", "auto")


def build(config: str, client_secret: str, port: int) -> MCPServer:
    base = f"http://127.0.0.1:{port}"
    validator = xaa_token.Validator.from_config_file(config, backend=BACKEND)
    client = OAuthClientInformationFull(
        client_id="mcp-client",
        client_secret=client_secret,
        token_endpoint_auth_method="client_secret_post",
        grant_types=[JWT_BEARER],
        scope="chat.read",
    )
    server = MCPServer(
        "xaa-example-own-as",
        auth_server_provider=XaaIdentityAssertionProvider(validator, [client]),
        auth=AuthSettings(
            issuer_url=base,
            resource_server_url=f"{base}/mcp",
            validate_token_resource=True,
            identity_assertion_enabled=True,
            required_scopes=["chat.read"],
        ),
    )

    @server.tool()
    def whoami() -> dict:
        """Who the access token this server issued says is calling."""
        token = get_access_token()
        assert token is not None
        return {"subject": token.subject, "client_id": token.client_id, "scopes": token.scopes, "resource": token.resource}

    return server


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", required=True)
    parser.add_argument("--client-secret-file", required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    secret = Path(args.client_secret_file).read_text().strip()
    serve(build(args.config, secret, args.port).streamable_http_app(streamable_http_path="/mcp"), args.port)


if __name__ == "__main__":
    main()
