"""An MCP server from the official Python SDK (`mcp`, MCPServer), the upstream behind `xaa gateway`.

Streamable HTTP at `/mcp` on 127.0.0.1, with no authentication of its own: the gateway in
front of it checks the access token and tells it who the caller is in the `x-xaa-*` headers.
DNS-rebinding protection is off because requests arrive through the gateway (a proxy may keep
the client's `Host`, which names the gateway's port, not ours).

Tools:
- `add(a, b)`: the sum.
- `whoami()`: a JSON object with the `x-xaa-subject`, `x-xaa-client-id` and `x-xaa-scope`
  headers of the HTTP request that carried the call, whether an `authorization` header
  reached this server (it must not: the gateway never forwards the client's token), and how
  many times `delete_all` has run.
- `delete_all()`: the gateway requires scope `admin` for it, which nobody is granted; each run
  is counted (and printed to standard output), so a test can show that it never ran.

Usage: python mcp_server.py --port PORT. Prints `listening on http://127.0.0.1:PORT` on
standard output once it accepts connections.
"""

from __future__ import annotations

import argparse
import json

import anyio
import uvicorn
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.transport_security import TransportSecuritySettings

mcp = MCPServer("xaa-sdk-upstream")
DELETE_ALL_CALLS = 0


@mcp.tool()
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


@mcp.tool()
def whoami(ctx: Context) -> str:
    """Who the gateway says is calling, and whether a bearer token leaked through."""
    headers = {k.lower(): v for k, v in (ctx.headers or {}).items()}
    return json.dumps(
        {
            "subject": headers.get("x-xaa-subject"),
            "client_id": headers.get("x-xaa-client-id"),
            "scope": headers.get("x-xaa-scope"),
            "authorization_reached_upstream": "authorization" in headers,
            "delete_all_calls": DELETE_ALL_CALLS,
        }
    )


@mcp.tool()
def delete_all() -> str:
    """Delete everything (the gateway requires scope `admin`)."""
    global DELETE_ALL_CALLS
    DELETE_ALL_CALLS += 1
    print(f"delete_all ran ({DELETE_ALL_CALLS})", flush=True)
    return "deleted everything"


async def serve(host: str, port: int, stateless: bool = False) -> None:
    # --stateless (the load benchmark): no session, plain JSON answers, so any request stands
    # on its own.
    extra = {"stateless_http": True, "json_response": True} if stateless else {}
    app = mcp.streamable_http_app(
        streamable_http_path="/mcp",
        host=host,
        transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
        **extra,
    )
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning"))

    async def announce() -> None:
        while not server.started:
            await anyio.sleep(0.02)
        print(f"listening on http://{host}:{port}", flush=True)

    async with anyio.create_task_group() as tg:
        tg.start_soon(announce)
        await server.serve()
        tg.cancel_scope.cancel()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--stateless", action="store_true")
    args = parser.parse_args()
    anyio.run(serve, args.host, args.port, args.stateless)


if __name__ == "__main__":
    main()
