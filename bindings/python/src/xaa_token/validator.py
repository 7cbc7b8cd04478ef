"""`Validator`: the package's one entry point, over either backend."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any, Iterable

from . import config as config_file
from . import native_backend
from .replay import ReplayStore
from .results import HttpResponse, Verdict

__all__ = ["Validator", "COMPONENT_PATH", "BACKENDS"]

#: The component every backend runs: the file shipped inside this package.
COMPONENT_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "xaa_token.wasm")
BACKENDS = ("auto", "native", "wasmtime")


def _choose(backend: str, replay_store: ReplayStore | None) -> str:
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
    if backend == "auto":
        # A custom replay store plugs into the wasmtime backend's imports only.
        return "native" if native_backend.available() and replay_store is None else "wasmtime"
    if backend == "native" and replay_store is not None:
        raise ValueError("replay_store is only supported by the wasmtime backend")
    return backend


def _wasm_path(wasm: str | os.PathLike[str] | None) -> str:
    path = os.fspath(wasm) if wasm is not None else COMPONENT_PATH
    if not os.path.isfile(path):
        raise FileNotFoundError(f"component not found: {path} (the package ships it; "
                                "run scripts/python-package to build it)")
    return path


def _headers(headers: Iterable[tuple[str, str]] | Mapping[str, str] | None
             ) -> list[tuple[str, str]]:
    if headers is None:
        return []
    items = headers.items() if isinstance(headers, Mapping) else headers
    out = []
    for name, value in items:
        if not isinstance(name, str) or not isinstance(value, str):
            raise TypeError("header names and values must be str")
        out.append((name, value))
    return out


def _body(body: bytes | bytearray | memoryview | str | None) -> bytes:
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode("utf-8")
    return bytes(body)


def _text(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be str, not {type(value).__name__}")
    return value


class Validator:
    """Token validation and the XAA HTTP surfaces, by the xaa-token component.

    Thread-safe: it holds `instances` component instances; each call takes one (blocking
    while all are busy). A trap (guest crash, time or memory limit) replaces that instance and
    the call answers a refusal (`internal_error`); it never raises. Build one with
    `from_config_file` (the same TOML as the `xaa` CLI) or `from_config` (the WIT `config`
    record in serde-JSON shape)."""

    def __init__(self, backend: Any):
        self._backend = backend

    # ---- construction ----------------------------------------------------------------------
    @classmethod
    def from_config(cls, config: Mapping[str, Any], *, backend: str = "auto",
                    instances: int = 1, accelerators: bool = True, now: int | None = None,
                    replay_store: ReplayStore | None = None,
                    wasm: str | os.PathLike[str] | None = None,
                    fetch_jwks: bool = True) -> "Validator":
        """A validator for `config`, the WIT `config` record as `xaa conformance configs`
        writes it (snake_case fields, null for none, variants as `{"Inline": ...}`).

        backend: "native", "wasmtime" or "auto" (native when it imports and no replay_store
        is given). accelerators=False: the component's pure-Rust crypto. now: a fixed clock
        (tests). replay_store: see `xaa_token.replay` (wasmtime backend). wasm: another
        component file (default: the one in this package). fetch_jwks=False: JWKS URIs are
        not fetched (wasmtime backend; hand them in with `call("validator.supply-jwks", ...)`).
        Raises ConfigError listing every refusal."""
        chosen = _choose(backend, replay_store)
        path = _wasm_path(wasm)
        cfg = dict(config)
        if chosen == "native":
            with open(path, "rb") as f:
                wasm_bytes = f.read()
            return cls(native_backend.NativeBackend.from_config(
                cfg, wasm=wasm_bytes, now=now, accelerators=accelerators,
                instances=instances))
        from .wasm_backend import WasmBackend
        return cls(WasmBackend(cfg, wasm=path, now=now, accelerators=accelerators,
                               replay_store=replay_store, instances=instances,
                               fetch=fetch_jwks))

    @classmethod
    def from_config_file(cls, path: str | os.PathLike[str], *, backend: str = "auto",
                         instances: int = 1, accelerators: bool = True,
                         now: int | None = None, replay_store: ReplayStore | None = None,
                         wasm: str | os.PathLike[str] | None = None,
                         fetch_jwks: bool = True) -> "Validator":
        """A validator for an `xaa.toml` file (the `xaa` CLI's format; file paths relative to
        it). The native backend reads it with the Rust loader, the wasmtime backend with
        `xaa_token.config` (the same syntax). Raises ConfigError."""
        chosen = _choose(backend, replay_store)
        if chosen == "native":
            with open(_wasm_path(wasm), "rb") as f:
                wasm_bytes = f.read()
            return cls(native_backend.NativeBackend.from_config_file(
                path, wasm=wasm_bytes, now=now, accelerators=accelerators,
                instances=instances))
        return cls.from_config(config_file.from_config_file(path), backend="wasmtime",
                               instances=instances, accelerators=accelerators, now=now,
                               replay_store=replay_store, wasm=wasm, fetch_jwks=fetch_jwks)

    # ---- validation ------------------------------------------------------------------------
    @property
    def backend(self) -> str:
        """"native" or "wasmtime"."""
        return self._backend.name

    def validate_access_token(self, token: str, now: int | None = None) -> Verdict:
        """The RFC 9068 access-token verdict at this resource server. (A token that is not a
        str raises TypeError, from either backend's argument conversion.)"""
        return self._backend.validate_access_token(token, now)

    def validate_id_jag(self, token: str, client_id: str, now: int | None = None) -> Verdict:
        """The ID-JAG verdict at this authorization server, presented by `client_id`. A valid
        verdict consumes the token's `jti` (the replay store)."""
        return self._backend.validate_id_jag(token, client_id, now)

    # ---- HTTP surfaces ---------------------------------------------------------------------
    def _http(self, role: str, method: str, path: str, headers: Any, body: Any,
              now: int | None) -> HttpResponse:
        return self._backend.http(role, _text("method", method), _text("path", path),
                                  _headers(headers), _body(body), now)

    def authorization_server_http(self, method: str, path: str, headers: Any = None,
                                  body: Any = b"", now: int | None = None) -> HttpResponse:
        """The resource authorization server: token endpoint (jwt-bearer with an ID-JAG),
        RFC 8414 metadata, JWK Set."""
        return self._http("authorization-server", method, path, headers, body, now)

    def identity_provider_http(self, method: str, path: str, headers: Any = None,
                               body: Any = b"", now: int | None = None) -> HttpResponse:
        """The IdP: RFC 8693 token exchange for ID-JAGs, metadata, JWK Set."""
        return self._http("identity-provider", method, path, headers, body, now)

    def resource_server_http(self, method: str, path: str, headers: Any = None,
                             body: Any = b"", now: int | None = None) -> HttpResponse:
        """A protected resource: RFC 9728 metadata and the bearer-protected echo."""
        return self._http("resource-server", method, path, headers, body, now)

    # ---- the low-level escape hatch ------------------------------------------------------
    def call(self, function: str, args: list[Any], now: int | None = None) -> Any:
        """Calls any other export by its WIT name, `interface.function` (e.g.
        `validator.explain-id-jag`, `validator.verify-jws-signature`,
        `validator.supply-jwks`, `client.basic-authorization`, `keys.client-secret-digest`),
        with `args` the JSON list of its arguments, and returns its result, both in the
        serde-JSON shape of the Rust bindings (records: snake_case objects; variants
        `{"Case": payload}` or `"Case"`; results `{"Ok": v}` / `{"Err": e}`; options the
        value or None). Raises ValueError for an unknown function or bad arguments, and
        RuntimeError when the component trapped (the instance is replaced)."""
        return json.loads(self._backend.call(_text("function", function), json.dumps(args),
                                             now))

    @property
    def component_sha256(self) -> str:
        """Hex SHA-256 of the component this validator runs."""
        return self._backend.component_sha256()
