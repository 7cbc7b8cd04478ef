"""What validation and HTTP calls return: `Verdict` and `HttpResponse`."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from functools import cached_property
from typing import Any

__all__ = ["Verdict", "HttpResponse", "INTERNAL_ERROR"]

#: The code of a refusal the host makes when the component trapped (README verdict-code table).
INTERNAL_ERROR = "internal_error"


@dataclass(frozen=True)
class Verdict:
    """One token's verdict. `valid` tokens carry what they say; refused ones carry why.

    `code` is `"valid"` or the README's verdict code; `oauth_error`, `http_status`,
    `www_authenticate` and `description` are what to answer the caller (`description` is
    log-safe). `claims` is the verified claims set, parsed on first use (`{}` when refused)."""

    valid: bool
    code: str
    oauth_error: str | None = None
    http_status: int = 200
    www_authenticate: str | None = None
    description: str | None = None
    issuer: str | None = None
    subject: str | None = None
    client_id: str | None = None
    scope: str | None = None
    jwt_id: str | None = None
    audience: tuple[str, ...] = ()
    resource: tuple[str, ...] = ()
    issued_at: int | None = None
    expires_at: int | None = None
    claims_json: str = field(default="{}", repr=False, compare=False)

    @cached_property
    def scopes(self) -> tuple[str, ...]:
        """`scope` split on spaces."""
        return tuple(self.scope.split()) if self.scope else ()

    @cached_property
    def claims(self) -> dict[str, Any]:
        """The verified claims set (a fresh dict per verdict; `{}` when refused)."""
        if not self.valid:
            return {}
        value = json.loads(self.claims_json)
        return value if isinstance(value, dict) else {}

    def __bool__(self) -> bool:
        return self.valid


_FIELDS = tuple(f.name for f in fields(Verdict))
_new = object.__new__
# valid_verdict's literal names every field: a field added to Verdict must be added there.
assert _FIELDS == ("valid", "code", "oauth_error", "http_status", "www_authenticate",
                   "description", "issuer", "subject", "client_id", "scope", "jwt_id",
                   "audience", "resource", "issued_at", "expires_at", "claims_json")


def valid_verdict(issuer: str, subject: str, audience: tuple[str, ...], client_id: str | None,
                  scope: str | None, resource: tuple[str, ...], jwt_id: str, issued_at: int,
                  expires_at: int, claims_json: str) -> Verdict:
    """A valid verdict, built without the frozen dataclass's per-field `__setattr__` (the
    same object `Verdict(...)` makes, in half the time: this is every call's path)."""
    v = _new(Verdict)
    v.__dict__.update({
        "valid": True, "code": "valid", "oauth_error": None, "http_status": 200,
        "www_authenticate": None, "description": None, "issuer": issuer, "subject": subject,
        "client_id": client_id, "scope": scope, "jwt_id": jwt_id, "audience": audience,
        "resource": resource, "issued_at": issued_at, "expires_at": expires_at,
        "claims_json": claims_json})
    return v


def rejected_verdict(code: str, oauth_error: str, http_status: int,
                     www_authenticate: str | None, description: str) -> Verdict:
    v = _new(Verdict)
    v.__dict__.update(zip(_FIELDS, (False, code, oauth_error, http_status, www_authenticate,
                                    description, None, None, None, None, None, (), (), None,
                                    None, "{}")))
    return v


def internal_error(reason: str) -> Verdict:
    """The refusal a host gives when the component trapped (as `xaa_host`'s trap verdict)."""
    return Verdict(False, INTERNAL_ERROR, "server_error", 500, None,
                   f"{reason}; the instance was replaced")


@dataclass(frozen=True)
class HttpResponse:
    """An HTTP response to send unchanged. `verdict_code` and `audit_event` are for the
    host's log only, never for the client."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes
    verdict_code: str | None = None
    audit_event: str | None = None


def internal_error_response() -> HttpResponse:
    body = b'{"error":"server_error","error_description":"internal error"}'
    return HttpResponse(500, [("Content-Type", "application/json"), ("Cache-Control", "no-store")],
                        body, INTERNAL_ERROR, None)
