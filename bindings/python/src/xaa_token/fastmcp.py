"""FastMCP's token verifier, answered by the component.

`XaaTokenVerifier` subclasses `fastmcp.server.auth.TokenVerifier` (FastMCP 4.1): pass it as
`FastMCP(auth=...)`, or inside `RemoteAuthProvider(token_verifier=..., authorization_servers=
[...], base_url=...)` to also serve the RFC 9728 metadata that names the authorization server.
A token is accepted exactly when the component's `validate_access_token` says so; FastMCP's
`AccessToken` is filled from the verified token (see `xaa_token.mcp.access_token_of`).
Scopes the server requires (`required_scopes`) are left to FastMCP's middleware, which answers
403 insufficient_scope; a refused token answers None (401). Never logs a token.
"""

from __future__ import annotations

import logging
from typing import Any

from fastmcp.server.auth import AccessToken, TokenVerifier
from pydantic import AnyHttpUrl

from xaa_token.mcp import Offload, access_token_of

__all__ = ["XaaTokenVerifier"]

logger = logging.getLogger("xaa_token.fastmcp")


class XaaTokenVerifier(TokenVerifier):
    """`validator`: an `xaa_token.Validator` with a `[resource_server]` role. `resource`: that
    role's `resource` (reported as `AccessToken.resource`). `offload`, `threads`: see
    `xaa_token.mcp.Offload` (the call runs on a worker thread by default, as a JWK Set fetch
    may happen inside it)."""

    def __init__(
        self,
        validator: Any,
        *,
        resource: str | None = None,
        base_url: AnyHttpUrl | str | None = None,
        required_scopes: list[str] | None = None,
        offload: bool = True,
        threads: int = 8,
    ) -> None:
        super().__init__(base_url=base_url, required_scopes=required_scopes)
        self.validator = validator
        self.resource = resource
        self._run = Offload(offload, threads)

    async def verify_token(self, token: str) -> AccessToken | None:
        verdict = await self._run(self.validator.validate_access_token, token)
        if not verdict.valid:
            logger.debug("access token refused: %s", verdict.code)
            return None
        return access_token_of(token, verdict, self.resource, AccessToken)
