"""The `native` backend: the extension module `xaa_token._native` (the Rust host, Wasmtime
and aws-lc-rs, built from `bindings/python/native/`), running the same component file."""

from __future__ import annotations

import json
import os
import threading
from typing import Any

from . import results
from .errors import ConfigError

__all__ = ["NativeBackend", "available"]

_valid = results.valid_verdict

try:
    from . import _native  # type: ignore[attr-defined]
except ImportError:  # not built for this platform
    _native = None


def available() -> bool:
    return _native is not None


def _config_error(e: ValueError) -> ValueError:
    """The extension's `config: <path>: <message>; ...` as ConfigError listing each error;
    any other ValueError (the component file, `instances`) as it is."""
    text = str(e)
    if not text.startswith("config: "):
        return e
    text = text[len("config: "):]
    return ConfigError([part for part in text.split("; ") if part] or [str(e)])


class NativeBackend:
    name = "native"

    def __init__(self, engine: Any, now: int | None):
        self._engine = engine
        self._now = now
        # The extension's clock is engine-wide: a call with its own `now` holds this lock.
        self._clock = threading.Lock()

    @classmethod
    def from_config(cls, config: dict[str, Any], *, wasm: bytes | None, now: int | None,
                    accelerators: bool, instances: int) -> "NativeBackend":
        if _native is None:
            raise ImportError("xaa_token._native is not available")
        try:
            engine = _native.Engine(json.dumps(config), wasm=wasm, now=now,
                                    accelerators=accelerators, instances=instances)
        except ValueError as e:
            raise _config_error(e) from None
        return cls(engine, now)

    @classmethod
    def from_config_file(cls, path: str | os.PathLike[str], *, wasm: bytes | None,
                         now: int | None, accelerators: bool,
                         instances: int) -> "NativeBackend":
        if _native is None:
            raise ImportError("xaa_token._native is not available")
        try:
            engine = _native.Engine.from_config_file(
                os.fspath(path), wasm=wasm, now=now, accelerators=accelerators,
                instances=instances)
        except ValueError as e:
            raise _config_error(e) from None
        return cls(engine, now)

    def _with_now(self, now: int | None, f: Any, *args: Any) -> Any:
        if now is None or now == self._now:
            return f(*args)
        with self._clock:
            self._engine.set_now(now)
            try:
                return f(*args)
            finally:
                self._engine.set_now(self._now)

    def validate_access_token(self, token: str, now: int | None) -> results.Verdict:
        if now is None:
            return _verdict(self._engine.validate_access_token(token))
        return _verdict(self._with_now(now, self._engine.validate_access_token, token))

    def validate_id_jag(self, token: str, client_id: str, now: int | None) -> results.Verdict:
        if now is None:
            return _verdict(self._engine.validate_id_jag(token, client_id))
        return _verdict(self._with_now(now, self._engine.validate_id_jag, token, client_id))

    def http(self, role: str, method: str, path: str, headers: list[tuple[str, str]],
             body: bytes, now: int | None) -> results.HttpResponse:
        status, hs, b, code, audit = self._with_now(
            now, self._engine.http, role, method, path, headers, body)
        return results.HttpResponse(status, list(hs), bytes(b), code, audit)

    def call(self, function: str, args_json: str, now: int | None) -> str:
        return self._with_now(now, self._engine.call, function, args_json)

    def component_sha256(self) -> str:
        return self._engine.component_sha256()


def _verdict(t: tuple[Any, ...]) -> results.Verdict:
    if t[0] == "valid":
        return _valid(t[1], t[2], tuple(t[3]), t[4], t[5], tuple(t[6]), t[7], t[8], t[9], t[10])
    _, code, oauth_error, http_status, www_authenticate, description = t
    return results.rejected_verdict(code, oauth_error, http_status, www_authenticate,
                                    description)
