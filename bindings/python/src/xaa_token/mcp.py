"""The official MCP Python SDK's (`mcp` 2.3.0) authentication hooks, answered by the component.

- `XaaTokenVerifier`: the SDK's `TokenVerifier` protocol (`MCPServer(token_verifier=...)`):
  an RFC 9068 access token is accepted exactly when the component's `validate_access_token`
  says so, and the SDK's `AccessToken` is filled from the verified token.
- `XaaIdentityAssertionProvider`: an `OAuthAuthorizationServerProvider` whose only grant is the
  SEP-990 jwt-bearer grant with an ID-JAG (`AuthSettings(identity_assertion_enabled=True)`):
  the SDK authenticates the client, the component validates the ID-JAG for that client
  (`validate_id_jag`), and the provider issues the access token the way the SDK's own
  providers do (an opaque token it keeps, answered by `load_access_token`).

Neither ever logs a token: refusals are logged (at DEBUG) by verdict code only.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import anyio
import anyio.to_thread
from mcp.server.auth.provider import (
    AccessToken,
    AuthorizationCode,
    AuthorizationParams,
    AuthorizeError,
    IdentityAssertionParams,
    RefreshToken,
    RegistrationError,
    TokenError,
)
from mcp.shared.auth import OAuthClientInformationFull, OAuthToken

__all__ = [
    "XaaIdentityAssertionProvider",
    "XaaTokenVerifier",
    "XaaUnavailable",
    "access_token_of",
]

logger = logging.getLogger("xaa_token.mcp")

T = TypeVar("T")
A = TypeVar("A", bound=AccessToken)

# The one description of every refused ID-JAG, as the component's own token endpoint answers:
# which check failed is for the server's log (the verdict code), not for the caller.
ASSERTION_REFUSED = "The assertion is not valid for this request"


class XaaUnavailable(RuntimeError):
    """The component could not judge a token (its keys or replay store were unreachable, or it
    trapped). Raised by the token endpoint hook so the request fails closed with a 500: the
    SDK's token error responses have no `temporarily_unavailable`."""


class Offload:
    """Runs a blocking validator call off the event loop.

    Every call of the component is synchronous, and the first call for an issuer whose keys
    come from a `jwks_uri` (or the first after the cache lifetime) GETs the JWK Set within
    the call: up to the host's 2 s connect and 5 s total timeout, during which an inline call
    would freeze every connection of the server. Measured (scripts/python-examples prints
    both figures; 2 shared cores, wasmtime backend): an `anyio.to_thread` hop costs 75-130 us,
    and `verify_token` of a cached token takes a median 126 us inline against 224 us with the
    hop. So the hop nearly doubles the cheapest call, yet it is the default (`offload=True`):
    0.1 ms on every request is a price, a 5 s stall of every request is an outage.
    `offload=False` is for configurations whose keys are all inline (`jwks_file`), where no
    call ever waits on the network.

    The limiter caps the worker threads in use at once (default: 8); a Validator blocks a
    thread while all its instances are busy, so a cap near `instances` keeps idle threads
    from piling up.
    """

    def __init__(self, offload: bool = True, threads: int = 8) -> None:
        self.offload = offload
        self.threads = threads
        self._limiter: anyio.CapacityLimiter | None = None

    async def __call__(self, fn: Callable[..., T], *args: Any) -> T:
        if not self.offload:
            return fn(*args)
        if self._limiter is None:
            # Created on first use: a CapacityLimiter belongs to the running event loop.
            self._limiter = anyio.CapacityLimiter(self.threads)
        return await anyio.to_thread.run_sync(fn, *args, limiter=self._limiter)


def _audience_resource(audience: tuple[str, ...], resource: str | None) -> str | None:
    """`AccessToken.resource`: the configured resource (the component has checked that `aud`
    contains it), or the token's single audience; None when neither applies."""
    if resource is not None:
        return resource
    return audience[0] if len(audience) == 1 else None


def access_token_of(
    token: str,
    verdict: Any,
    resource: str | None = None,
    cls: type[A] = AccessToken,  # type: ignore[assignment]
) -> A | None:
    """The SDK's `AccessToken` for a verdict of `validate_access_token`; None unless valid.

    client_id (RFC 9068 `client_id`; a token without one is refused), scopes (`scope` split
    on spaces), expires_at (`exp`), resource (see `_audience_resource`), subject (`sub`), claims
    (the whole verified claims set, so `principal_components` finds `iss`).
    """
    if not verdict.valid or not verdict.client_id:
        return None
    return cls(
        token=token,
        client_id=verdict.client_id,
        scopes=list(verdict.scopes),
        expires_at=verdict.expires_at,
        resource=_audience_resource(tuple(verdict.audience), resource),
        subject=verdict.subject,
        claims=dict(verdict.claims),
    )


class XaaTokenVerifier:
    """The `mcp` SDK's `TokenVerifier`: `MCPServer(token_verifier=XaaTokenVerifier(v), auth=...)`.

    `validator` is an `xaa_token.Validator` configured with a `[resource_server]` role.
    `resource` (optional) is that role's `resource`, reported as `AccessToken.resource` (set it
    when tokens may carry several audiences, and pair it with `AuthSettings.resource_server_url`).
    A refused token answers None (the SDK then sends 401 invalid_token); so does a token the
    component could not judge (keys unreachable), since the hook has no other answer.
    """

    def __init__(
        self,
        validator: Any,
        *,
        resource: str | None = None,
        offload: bool = True,
        threads: int = 8,
    ) -> None:
        self.validator = validator
        self.resource = resource
        self._run = Offload(offload, threads)

    async def verify_token(self, token: str) -> AccessToken | None:
        verdict = await self._run(self.validator.validate_access_token, token)
        if not verdict.valid:
            logger.debug("access token refused: %s", verdict.code)
            return None
        return access_token_of(token, verdict, self.resource)


def _grant_scope(
    requested: list[str] | None, carried: tuple[str, ...], allowed: list[str]
) -> list[str]:
    """requested ∩ the ID-JAG's scopes ∩ the client's; no request: the ID-JAG's (in order,
    without repeats), as the component's token endpoint grants."""
    granted: list[str] = []
    for scope in requested if requested is not None else carried:
        if scope in carried and scope in allowed and scope not in granted:
            granted.append(scope)
    return granted


class XaaIdentityAssertionProvider:
    """An `OAuthAuthorizationServerProvider` for an MCP server that is its own authorization
    server and accepts ID-JAGs (SEP-990; `AuthSettings(identity_assertion_enabled=True)`).

    `validator`: an `xaa_token.Validator` with an `[authorization_server]` role (issuer = the
    SDK's `issuer_url`, the trusted IdPs, the resources); its `[token_endpoint]` is not used.
    `clients`: the registered clients, as the SDK reads them (`client_secret` in clear: the
    SDK compares it; `grant_types` must include the jwt-bearer grant; `scope` is the most a
    client may be granted, space-separated; none: no scope at all).

    The token endpoint (the SDK's handler) authenticates the client, then
    `exchange_identity_assertion`:
    1. `validate_id_jag(assertion, client.client_id)` in the component: signature, `typ`,
       `iss` trusted, `aud` = this AS, `client_id` = the client, times, `resource` served
       here, and the `jti` consumed (single use). Refused: `invalid_grant` with one fixed
       description (the verdict code is logged at DEBUG).
    2. resource: the request's `resource` if the ID-JAG names it, else the ID-JAG's only
       one (`invalid_target` otherwise).
    3. scope: requested ∩ ID-JAG ∩ client (`invalid_scope` if scopes were asked for or
       carried and none remains).
    4. an opaque access token (256 random bits) kept in memory until it expires:
       `exp` = min(now + `access_token_lifetime`, the ID-JAG's `exp`); no refresh token.
       `load_access_token` answers it (the SDK's `ProviderTokenVerifier`): subject = the
       ID-JAG's `sub`, claims = the ID-JAG's verified claims (so the principal is the IdP's
       `iss` and `sub`).

    Unlike the component's own token endpoint (`authorization_server_http`), which signs an
    RFC 9068 JWT, the token here is opaque and only this process knows it, and the ID-JAG's
    `jti` is consumed before steps 2-3 (a request refused there cannot be retried with the
    same ID-JAG). Every other grant, the authorization endpoint and client registration are
    refused.
    """

    def __init__(
        self,
        validator: Any,
        clients: Iterable[OAuthClientInformationFull],
        *,
        access_token_lifetime: int = 300,
        max_tokens: int = 100_000,
        offload: bool = True,
        threads: int = 8,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not 1 <= access_token_lifetime <= 3600:
            raise ValueError("access_token_lifetime must be 1..=3600 seconds")
        self.validator = validator
        self.clients = {c.client_id: c for c in clients}
        self.access_token_lifetime = access_token_lifetime
        self.max_tokens = max_tokens
        self.clock = clock
        self._run = Offload(offload, threads)
        self._tokens: dict[str, AccessToken] = {}
        self._lock = threading.Lock()

    # --- the grant this provider exists for ------------------------------------------------

    async def exchange_identity_assertion(
        self, client: OAuthClientInformationFull, params: IdentityAssertionParams
    ) -> OAuthToken:
        verdict = await self._run(self.validator.validate_id_jag, params.assertion, client.client_id)
        if not verdict.valid:
            logger.debug("ID-JAG refused for client %s: %s", client.client_id, verdict.code)
            if verdict.oauth_error == "invalid_grant":
                raise TokenError(error="invalid_grant", error_description=ASSERTION_REFUSED)
            raise XaaUnavailable(f"the ID-JAG could not be judged: {verdict.code}")

        names = tuple(verdict.resource)
        if params.resource is not None:
            if params.resource not in names:
                raise TokenError(
                    error="invalid_target",
                    error_description="the requested resource is not one the assertion names",
                )
            resource = params.resource
        elif len(names) == 1:
            resource = names[0]
        else:
            raise TokenError(
                error="invalid_target",
                error_description="the assertion names several resources; request one with the resource parameter",
            )

        allowed = client.scope.split() if client.scope else []
        granted = _grant_scope(params.scopes, tuple(verdict.scopes), allowed)
        if not granted and (params.scopes or verdict.scopes):
            raise TokenError(error="invalid_scope", error_description="none of the requested scopes can be granted")

        now = int(self.clock())
        expires_at = min(now + self.access_token_lifetime, int(verdict.expires_at))
        if expires_at <= now:
            raise TokenError(error="invalid_grant", error_description=ASSERTION_REFUSED)
        token = secrets.token_urlsafe(32)
        issued = AccessToken(
            token=token,
            client_id=client.client_id,
            scopes=granted,
            expires_at=expires_at,
            resource=resource,
            subject=verdict.subject,
            claims=dict(verdict.claims),
        )
        self._keep(issued, now)
        return OAuthToken(
            access_token=token,
            token_type="Bearer",
            expires_in=expires_at - now,
            scope=" ".join(granted) if granted else None,
        )

    def _keep(self, issued: AccessToken, now: int) -> None:
        with self._lock:
            if len(self._tokens) >= self.max_tokens:
                for key in [k for k, t in self._tokens.items() if (t.expires_at or 0) <= now]:
                    del self._tokens[key]
            if len(self._tokens) >= self.max_tokens:
                raise XaaUnavailable("the access-token store is full")
            self._tokens[issued.token] = issued

    async def load_access_token(self, token: str) -> AccessToken | None:
        now = int(self.clock())
        with self._lock:
            found = self._tokens.get(token)
            if found is not None and (found.expires_at or 0) <= now:
                del self._tokens[token]
                return None
        return found

    async def revoke_token(self, token: AccessToken | RefreshToken) -> None:
        with self._lock:
            self._tokens.pop(token.token, None)

    # --- the clients, read by the SDK's client authentication -----------------------------

    async def get_client(self, client_id: str) -> OAuthClientInformationFull | None:
        return self.clients.get(client_id)

    async def register_client(self, client_info: OAuthClientInformationFull) -> None:
        raise RegistrationError(
            error="invalid_client_metadata",
            error_description="clients are registered by configuration here",
        )

    # --- everything else is refused ---------------------------------------------------------

    async def authorize(self, client: OAuthClientInformationFull, params: AuthorizationParams) -> str:
        raise AuthorizeError(
            error="unauthorized_client",
            error_description="this server issues tokens only for ID-JAGs (the jwt-bearer grant)",
        )

    async def load_authorization_code(
        self, client: OAuthClientInformationFull, authorization_code: str
    ) -> AuthorizationCode | None:
        return None

    async def exchange_authorization_code(
        self, client: OAuthClientInformationFull, authorization_code: AuthorizationCode
    ) -> OAuthToken:
        raise TokenError(error="invalid_grant", error_description="authorization codes are not issued here")

    async def load_refresh_token(self, client: OAuthClientInformationFull, refresh_token: str) -> RefreshToken | None:
        return None

    async def exchange_refresh_token(
        self, client: OAuthClientInformationFull, refresh_token: RefreshToken, scopes: list[str]
    ) -> OAuthToken:
        raise TokenError(error="invalid_grant", error_description="refresh tokens are not issued here")
