"""The resource authorization server as an ASGI application, answered by the component.

`authorization_server_app(validator)` serves exactly what the component's
`authorization_server_http` answers (as `xaa serve as` does): `POST` of the jwt-bearer grant
with an ID-JAG at the token endpoint, the RFC 8414 metadata, the JWK Set, the refusing
authorization endpoint, 404/405 for anything else. The application only carries bytes: it
caps the request body (413 beyond `max_body_bytes`, default 64 KiB like `xaa serve as`),
passes method, path (without the query), headers and body to the component on a worker thread
(the call may fetch an IdP's JWK Set), and sends the component's response back unchanged.

Logging (logger `xaa_token.asgi`, INFO): method, path, status and the verdict code of a
refusal, one line per request; never a header value, a body or a query string, so never a
token or a secret. The `audit_event` of a response is logged at INFO as it comes (the
component writes it without tokens).

Dependencies: none beyond the standard library (any ASGI server: uvicorn, hypercorn, ...).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

__all__ = ["authorization_server_app", "MAX_BODY_BYTES"]

logger = logging.getLogger("xaa_token.asgi")

MAX_BODY_BYTES = 64 * 1024

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]


class _TooLarge(Exception):
    pass


class _Disconnected(Exception):
    pass


async def _read_body(receive: Receive, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _Disconnected
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _TooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _respond(send: Send, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
    # ASGI: header names lowercased.
    raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


def _declared_length(headers: list[tuple[str, str]]) -> int | None:
    for name, value in headers:
        if name.lower() == "content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def authorization_server_app(
    validator: Any,
    *,
    max_body_bytes: int = MAX_BODY_BYTES,
    threads: int = 8,
) -> App:
    """An ASGI 3 application serving `validator.authorization_server_http` (a Validator with
    `[authorization_server]` and `[token_endpoint]`). `threads`: worker threads for component
    calls (each blocks while all the Validator's instances are busy)."""
    executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="xaa-as")

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    executor.shutdown(wait=False, cancel_futures=True)
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return  # websocket: not served; the server closes the connection
        method: str = scope["method"]
        # The path as sent (percent-encoding kept, no query): the component routes on it.
        raw_path = scope.get("raw_path")
        path: str = raw_path.decode("latin-1") if raw_path else scope["path"]
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope.get("headers", [])]
        declared = _declared_length(headers)
        try:
            if declared is not None and declared > max_body_bytes:
                raise _TooLarge
            body = await _read_body(receive, max_body_bytes)
        except _TooLarge:
            logger.info("%s %s 413 request body over %d bytes", method, path, max_body_bytes)
            await _respond(
                send,
                413,
                [("content-type", "application/json"), ("cache-control", "no-store"), ("connection", "close")],
                b'{"error":"invalid_request","error_description":"request body too large"}',
            )
            return
        except _Disconnected:
            return
        loop = asyncio.get_running_loop()
        response = await loop.run_in_executor(
            executor, validator.authorization_server_http, method, path, headers, body
        )
        if response.verdict_code:
            logger.info("%s %s %d code=%s", method, path, response.status, response.verdict_code)
        else:
            logger.info("%s %s %d", method, path, response.status)
        if response.audit_event:
            logger.info("audit %s", response.audit_event)
        await _respond(send, response.status, list(response.headers), response.body)

    return app
