"""The `wasmtime` backend: the component run by wasmtime-py, its `host` imports in Python.

Process-wide: one Engine (epoch interruption, a ticker thread) and each .wasm compiled once.
Per backend object (one Validator): one Linker, the replay store, the JWKS fetcher, the key
registry of the accelerators, the lowered config record; and `instances` component instances,
each with its own Store, taken by one call at a time (see pool.py). A trap (the time budget,
the memory cap, a guest panic) replaces the instance and the call answers a refusal.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from typing import Any, Callable

from wasmtime import Config, Engine, Store, WasmtimeError
from wasmtime.component import Component, Linker

from . import results
from .accelerators import KeyRegistry
from .errors import ConfigError
from .jwks_fetch import FetchError, JwksFetcher
from .pool import Pool
from .replay import MemoryReplayStore, ReplayStore
from . import fastcall as fc
from .serde_bridge import BridgeError, Converter

__all__ = ["WasmBackend", "TIME_PER_CALL", "MEMORY_BYTES", "WIT_VERSION"]

#: The WIT package whose `host` interface this backend implements.
WIT_VERSION = "0.2.0"

#: The limits of every call, as the Rust host's defaults (host/src/runtime.rs).
TIME_PER_CALL = 1.0  # seconds
MEMORY_BYTES = 64 * 1024 * 1024
_TICK = 0.02  # seconds per epoch tick
_DEADLINE = int(TIME_PER_CALL / _TICK) + 1  # ticks

_lock = threading.Lock()
_engine: Engine | None = None
_components: dict[str, tuple[Component, str]] = {}


def _ticker(engine: Engine) -> None:
    while True:
        time.sleep(_TICK)
        engine.increment_epoch()


def _shared_engine() -> Engine:
    global _engine
    with _lock:
        if _engine is None:
            config = Config()
            config.epoch_interruption = True
            _engine = Engine(config)
            threading.Thread(target=_ticker, args=(_engine,), name="xaa-epoch",
                             daemon=True).start()
        return _engine


def _component(wasm: str) -> tuple[Component, str]:
    """The compiled component at `wasm` and its WIT package version."""
    engine = _shared_engine()
    with _lock:
        if wasm not in _components:
            component = Component.from_file(engine, wasm)
            hosts = [n for n in component.type.imports(engine) if n.startswith("xaa:token/host@")]
            if len(hosts) != 1:
                raise RuntimeError(f"{wasm} does not import one xaa:token/host interface")
            version = hosts[0].split("@", 1)[1]
            if version != WIT_VERSION:
                raise RuntimeError(f"{wasm} implements WIT xaa:token@{version}; this package "
                                   f"hosts {WIT_VERSION}")
            _components[wasm] = (component, version)
        return _components[wasm]


class _Instance:
    """One component instance: its store and its pre-bound export functions."""

    __slots__ = ("store", "instance", "funcs")

    def __init__(self, store: Store, instance: Any):
        self.store = store
        self.instance = instance
        self.funcs: dict[str, Any] = {}


class WasmBackend:
    name = "wasmtime"

    def __init__(self, config: dict[str, Any], *, wasm: str, now: int | None = None,
                 accelerators: bool = True, replay_store: ReplayStore | None = None,
                 fetcher: Callable[[str], tuple[int, str, int | None]] | None = None,
                 instances: int = 1, fetch: bool = True):
        if instances < 1:
            raise ValueError("instances must be at least 1")
        self._engine = _shared_engine()
        self.wasm = wasm
        self._component, self.version = _component(wasm)
        self._host = f"xaa:token/host@{self.version}"
        self._now = now
        self._replay = replay_store if replay_store is not None else MemoryReplayStore()
        self._fetch = (fetcher or JwksFetcher()) if fetch else None
        self._keys = KeyRegistry() if accelerators else None
        self._converter = Converter()
        self._signatures: dict[str, Any] = {}  # WIT name -> (param lowers, result lift)
        self._local = threading.local()  # `now`: the clock of the current thread's call
        self._linker = self._build_linker()
        self._config_json = config
        first = self._instantiate()
        lower, _ = self._signature(first, "validator.configure")
        try:
            self._config = lower[0](config)
        except BridgeError as e:
            raise ConfigError([f"config: {e}"]) from None
        self._configure(first)
        self._pool: Pool[_Instance] = Pool(
            [first] + [self._configured() for _ in range(instances - 1)], self._configured)

    # ---- instances -----------------------------------------------------------------------
    def _instantiate(self) -> _Instance:
        store = Store(self._engine)
        store.set_limits(memory_size=MEMORY_BYTES)
        store.set_epoch_deadline(_DEADLINE)
        return _Instance(store, self._linker.instantiate(store, self._component))

    def _configure(self, inst: _Instance) -> None:
        inst.store.set_epoch_deadline(_DEADLINE)
        res = self._func(inst, "validator.configure")(inst.store, self._config)
        if res is not None:
            raise ConfigError([f"{e.path}: {e.message}" if e.path else e.message for e in res])

    def _configured(self) -> _Instance:
        inst = self._instantiate()
        self._configure(inst)
        return inst

    def _func(self, inst: _Instance, name: str) -> Any:
        """The export `name` (`interface.function`) of `inst`, looked up once."""
        f = inst.funcs.get(name)
        if f is None:
            interface, _, function = name.partition(".")
            store = inst.store
            iface = inst.instance.get_export_index(store, f"xaa:token/{interface}@{self.version}")
            idx = None if iface is None else inst.instance.get_export_index(store, function, iface)
            if idx is None:
                raise ValueError(f"the component has no function {name!r}")
            f = inst.funcs[name] = inst.instance.get_func(store, idx)
        return f

    def _signature(self, inst: _Instance, name: str) -> Any:
        sig = self._signatures.get(name)
        if sig is None:
            fty = self._func(inst, name).type(inst.store)
            lowers = [self._converter.compile(t)[0] for _, t in fty.params]
            result = fty.result
            lift = (lambda v: None) if result is None else self._converter.compile(result)[1]
            sig = self._signatures[name] = (lowers, lift)
        return sig

    def _fast(self, inst: _Instance, name: str, lowers: tuple[Any, ...]) -> fc.FastFunc:
        key = "fast:" + name
        f = inst.funcs.get(key)
        if f is None:
            func = self._func(inst, name)
            if name in _VERDICT_FUNCTIONS:
                # Verdict fields are read by position: check their order once.
                fields = fc.variant_record_fields(func.type(inst.store).result)
                if fields != _VERDICT_FIELDS:
                    raise RuntimeError(f"{name}: unexpected verdict type {fields}")
                f = fc.FastFunc(func, list(lowers), fc.lift_case_fields)
            else:
                f = fc.FastFunc(func, list(lowers))
            inst.funcs[key] = f
        return f

    def _run(self, name: str, args: tuple[Any, ...], now: int | None,
             on_trap: Callable[[str], Any], lowers: tuple[Any, ...] | None = None) -> Any:
        """Calls export `name` on a free instance (with fastcall when `lowers` are given, else
        wasmtime-py's typed conversion); a trap replaces the instance and answers
        `on_trap(reason)`."""
        try:
            inst: _Instance | None = self._pool.take()
        except Exception as e:  # noqa: BLE001 - no instance could be built
            return on_trap(f"no component instance: {e}")
        try:
            self._local.now = self._now if now is None else now
            inst.store.set_epoch_deadline(_DEADLINE)
            try:
                if lowers is None:
                    return self._func(inst, name)(inst.store, *args)
                return self._fast(inst, name, lowers)(inst.store, *args)
            except (WasmtimeError, RecursionError, MemoryError) as e:
                reason = _trap_reason(e)
            try:
                inst = self._configured()
            except Exception:  # noqa: BLE001 - keep serving: the next call rebuilds it
                inst = None
            return on_trap(reason)
        finally:
            self._pool.give(inst)

    # ---- the API ---------------------------------------------------------------------------
    def validate_access_token(self, token: str, now: int | None) -> results.Verdict:
        return _verdict(self._run("validator.validate-access-token", (token,), now,
                                  _trap_verdict, _ONE_STRING))

    def validate_id_jag(self, token: str, client_id: str, now: int | None) -> results.Verdict:
        return _verdict(self._run("validator.validate-id-jag", (token, client_id), now,
                                  _trap_verdict, _TWO_STRINGS))

    def http(self, role: str, method: str, path: str, headers: list[tuple[str, str]],
             body: bytes, now: int | None) -> results.HttpResponse:
        r = self._run(f"validator.{role}-http", ((method, path, headers, body),), now,
                      _trap_response, _HTTP_REQUEST)
        if isinstance(r, results.HttpResponse):
            return r
        return results.HttpResponse(r["status"], [(h["name"], h["value"]) for h in r["headers"]],
                                    bytes(r["body"]), r["verdict-code"], r["audit-event"])

    def call(self, function: str, args_json: str, now: int | None) -> str:
        if function == "validator.configure":
            raise ValueError("configure is done once, by the constructor")
        try:
            args = json.loads(args_json)
        except ValueError as e:
            raise ValueError(f"args: not JSON: {e}") from None
        if not isinstance(args, list):
            raise ValueError("args: a JSON array of the arguments")
        inst = self._pool.take()
        try:
            lowers, lift = self._signature(inst, function)
        except BridgeError as e:
            raise ValueError(f"{function}: {e}") from None
        finally:
            self._pool.give(inst)
        if len(args) != len(lowers):
            raise ValueError(f"{function} takes {len(lowers)} arguments, got {len(args)}")
        try:
            lowered = tuple(lo(a) for lo, a in zip(lowers, args))
        except BridgeError as e:
            raise ValueError(f"{function}: {e}") from None
        result = self._run(function, lowered, now, _TrapMarker)
        if isinstance(result, _TrapMarker):
            raise RuntimeError(f"{function}: {result.reason}")
        return json.dumps(lift(result))

    def component_sha256(self) -> str:
        """Hex SHA-256 of the component file this backend compiled."""
        with open(self.wasm, "rb") as f:
            return hashlib.sha256(f.read()).hexdigest()

    # ---- the host imports ------------------------------------------------------------------
    def _build_linker(self) -> Linker:
        """The `host` interface (WIT 0.2.0), each import behind fastcall's trampoline. None of
        these functions raises: a failure is the import's own error value."""
        linker = Linker(self._engine)
        local_now = self._instance_now
        replay, fetch, keys = self._replay, self._fetch, self._keys
        t0 = time.monotonic()

        def replay_insert(key: str, expires_at: int) -> tuple[bool, Any]:
            try:
                return True, bool(replay.insert(key, expires_at, local_now()))
            except Exception as e:  # noqa: BLE001 - any failure: the component fails closed
                return False, ("unavailable", fc.lower_string, f"replay store: {type(e).__name__}")

        def fetch_jwks(uri: str) -> tuple[bool, Any]:
            if fetch is None:  # this host hands JWK Sets in with supply-jwks
                return False, ("would-block", None, None)
            try:
                return True, fetch(uri)
            except FetchError as e:
                return False, ("failed", fc.lower_string, str(e) or "fetch failed")
            except Exception as e:  # noqa: BLE001
                return False, ("failed", fc.lower_string, f"fetch failed: {type(e).__name__}")

        if keys is None:
            register_public_key = lambda alg, key: None  # noqa: E731
            verify_signature = lambda h, m, s: "not-offered"  # noqa: E731
            register_signing_key = lambda d, p: None  # noqa: E731
            sign_es256 = lambda h, m: None  # noqa: E731
        else:
            register_public_key = keys.register_public_key_raw
            verify_signature = keys.verify_signature
            register_signing_key = keys.register_signing_key
            sign_es256 = keys.sign_es256

        imports = {
            "now": (local_now, fc.lower_s64),
            "monotonic-millis": (lambda: int((time.monotonic() - t0) * 1000), fc.lower_u64),
            "fetch-jwks": (fetch_jwks, fc.lower_result(fc.lower_jwks_response,
                                                       fc.lower_variant)),
            "replay-insert": (replay_insert, fc.lower_result(fc.lower_bool, fc.lower_variant)),
            "random-bytes": (os.urandom, fc.lower_bytes),
            "register-public-key": (register_public_key, fc.lower_option_u32),
            "verify-signature": (verify_signature, fc.lower_enum),
            "register-signing-key": (register_signing_key, fc.lower_option_u32),
            "sign-es256": (sign_es256, fc.lower_option_string),
        }
        with linker.root() as root:
            with root.add_instance(self._host) as host:
                for name, (func, lower) in imports.items():
                    fc.add_host_func(host, name, fc.HostFunc(func, lower))
        return linker

    def _instance_now(self) -> int:
        now = getattr(self._local, "now", self._now)
        return int(time.time()) if now is None else now


class _TrapMarker:
    def __init__(self, reason: str):
        self.reason = reason


def _trap_reason(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    return f"component trapped: {text[0] if text else type(e).__name__}"


def _trap_verdict(reason: str) -> Any:
    return reason


def _trap_response(reason: str) -> results.HttpResponse:
    return results.internal_error_response()


_ONE_STRING = (fc.lower_string,)
_TWO_STRINGS = (fc.lower_string, fc.lower_string)
_HTTP_REQUEST = (fc.lower_http_request,)


_VERDICT_FUNCTIONS = ("validator.validate-access-token", "validator.validate-id-jag")
_VERDICT_FIELDS = {
    "valid": ("issuer", "subject", "audience", "client-id", "scope", "resource", "jwt-id",
              "issued-at", "expires-at", "claims-json"),
    "rejected": ("code", "oauth-error", "http-status", "www-authenticate", "description"),
}


def _verdict(v: Any) -> results.Verdict:
    """A verdict as `lift_case_fields` reads it (fields in _VERDICT_FIELDS order)."""
    if isinstance(v, str):  # a trap's reason
        return results.internal_error(v)
    tag, f = v
    if tag == "valid":
        issuer, subject, audience, client_id, scope, resource, jwt_id, iat, exp, claims = f
        return results.valid_verdict(issuer, subject, tuple(audience), client_id, scope,
                                     tuple(resource), jwt_id, iat, exp, claims)
    code, oauth_error, http_status, www_authenticate, description = f
    return results.rejected_verdict(code, oauth_error, http_status, www_authenticate,
                                    description)
