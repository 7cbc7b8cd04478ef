"""Serve an ASGI application on 127.0.0.1 with uvicorn and print `listening on URL` once it
accepts connections (the examples' runner waits for that line)."""

from __future__ import annotations

import anyio
import uvicorn


def serve(app, port: int, host: str = "127.0.0.1") -> None:
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning"))

    async def run() -> None:
        async def announce() -> None:
            while not server.started:
                await anyio.sleep(0.02)
            print(f"listening on http://{host}:{port}", flush=True)

        async with anyio.create_task_group() as tg:
            tg.start_soon(announce)
            await server.serve()
            tg.cancel_scope.cancel()

    anyio.run(run)
